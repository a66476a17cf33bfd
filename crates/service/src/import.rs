//! Users in bulk: CSV export of an account's users, and CSV import that adds them all or
//! none (R1–R3, R11, R13 checked for every row, in one transaction under the account lock).
//!
//! The file format (columns, yes/no cells, `;` lists) is read by
//! [`switchboard_domain::import`]; this module resolves department names against the
//! account and adds the users.

use std::collections::HashMap;

use switchboard_domain::import::{ImportRow, read_import};
use switchboard_domain::{Country, DomainError, NewUser, Scope, Tag, User};
use switchboard_store::users::UserFilter;
use switchboard_store::{departments, roles, users as store};

pub use switchboard_domain::import::{COLUMNS, MAX_ROWS, READ_ONLY_COLUMNS, RowError};

use crate::adding::{Add, AddedUser, LookedUp};
use crate::error::{Error, Result, forbidden};
use crate::{Ctx, Switchboard, Target};

/// What an import did, or would do.
#[derive(Debug)]
pub struct ImportReport {
    /// True when nothing was written on purpose.
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// The users added (or that would be added), with their CSV line.
    pub added: Vec<(u64, AddedUser)>,
    /// Every problem found; when not empty nothing was written.
    pub errors: Vec<RowError>,
}

impl ImportReport {
    /// True when the users were written.
    pub fn committed(&self) -> bool {
        !self.dry_run && self.errors.is_empty()
    }
}

fn row_errors(line: u64, e: &DomainError) -> Vec<RowError> {
    let fields = e.field_errors();
    if fields.is_empty() {
        return vec![RowError {
            line,
            field: "row".to_owned(),
            code: e.code().to_owned(),
            message: e.to_string(),
        }];
    }
    fields
        .into_iter()
        .map(|f| RowError {
            line,
            field: f.field,
            code: f.code.to_owned(),
            message: f.message,
        })
        .collect()
}

impl Switchboard {
    /// Imports users from CSV text: every row is checked as an add would be (including
    /// seats and uniqueness against the rows before it), and either all are added — each
    /// audited, invites queued — or none, with every problem reported by line and column.
    /// A dry run checks everything the same way and writes nothing.
    pub async fn import_users(
        &self,
        ctx: &Ctx,
        csv_text: &str,
        dry_run: bool,
    ) -> Result<ImportReport> {
        let rows = read_import(csv_text);
        let mut c = self.begin(ctx).await?;
        if matches!(c.who.perms.edit_users, Scope::None | Scope::Own) {
            return Err(forbidden("your role does not allow adding users"));
        }
        let rows = match rows {
            Ok(rows) => rows,
            Err(errors) => {
                return Ok(ImportReport {
                    dry_run,
                    rows: 0,
                    added: Vec::new(),
                    errors,
                });
            }
        };
        let mut by_name = HashMap::new();
        for d in departments::list_departments(&mut c.tx, c.account.id).await? {
            by_name.insert(d.name.to_string().to_lowercase(), d.id.to_string());
        }
        let country = c.account.phone_country();
        let mut report = ImportReport {
            dry_run,
            rows: rows.len(),
            added: Vec::new(),
            errors: Vec::new(),
        };
        let (mut lines, mut adds) = (Vec::new(), Vec::new());
        for row in rows {
            let line = row.line;
            match row_to_add(row, &by_name, country.as_ref()) {
                Ok(new) => {
                    lines.push(line);
                    adds.push(Add {
                        who: c.who.clone(),
                        source: c.source.clone(),
                        new,
                    });
                }
                Err(errors) => report.errors.extend(errors),
            }
        }
        let answers = self
            .add_in_turn(&mut c, &adds, &LookedUp::default())
            .await?;
        for (line, answer) in lines.into_iter().zip(answers) {
            match answer {
                Ok(added) => report.added.push((line, added)),
                Err(Error::Domain(e)) => report.errors.extend(row_errors(line, &e)),
                Err(other) => return Err(other),
            }
        }
        // By line, each line's problems in the order they were found.
        report.errors.sort_by_key(|e| e.line);
        if report.committed() {
            c.commit().await?;
        }
        Ok(report)
    }

    /// The account's users as CSV (the import columns plus `id`, `status`, `created_at`),
    /// ordered by name, read in one consistent snapshot.
    pub async fn export_users(&self, ctx: &Ctx) -> Result<String> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.export, "export users")?;
        let role_names: HashMap<_, _> = roles::list_roles(&mut c.tx, c.account.id)
            .await?
            .into_iter()
            .map(|r| (r.id, r.name.to_string()))
            .collect();
        let mut memberships: HashMap<_, Vec<String>> = HashMap::new();
        for d in departments::list_departments(&mut c.tx, c.account.id).await? {
            for m in &d.members {
                memberships.entry(*m).or_default().push(d.name.to_string());
            }
        }
        let mut out = csv::Writer::from_writer(Vec::new());
        let header: Vec<&str> = std::iter::once("id")
            .chain(COLUMNS)
            .chain(["status", "created_at"])
            .collect();
        out.write_record(&header).map_err(csv_failure)?;
        let filter = UserFilter::default();
        let mut after = None;
        let mut rows: u64 = 0;
        loop {
            let page: Vec<User> =
                store::list_users_page(&mut c.tx, c.account.id, &filter, after.as_ref(), 1000)
                    .await?;
            let Some(last) = page.last() else { break };
            after = Some(switchboard_store::users::UserCursor {
                name: last.name.to_string(),
                id: last.id.to_string(),
            });
            for u in &page {
                let record = export_record(u, &role_names, &memberships);
                out.write_record(&record).map_err(csv_failure)?;
                rows += 1;
            }
            if page.len() < 1000 {
                break;
            }
        }
        drop(c);
        let bytes = out
            .into_inner()
            .map_err(|e| Error::Internal(e.to_string()))?;
        let csv = String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))?;
        self.record_export(ctx, rows).await?;
        Ok(csv)
    }

    /// Records an export after its snapshot was read, in a change of its own, so that a
    /// long export never holds the account's write lock; no CSV leaves unrecorded.
    async fn record_export(&self, ctx: &Ctx, rows: u64) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.export, "export users")?;
        c.audit(
            "users.exported",
            Target {
                kind: "account",
                id: Some(c.account.id.to_string()),
                name: c.account.name.to_string(),
            },
            None,
            Some(serde_json::json!({ "format": "csv", "rows": rows })),
        )
        .await?;
        c.commit().await
    }
}

/// One import row as an add: its departments named by name (or id) resolved in the
/// account, then every field validated; all its problems when it cannot be.
fn row_to_add(
    row: ImportRow,
    by_name: &HashMap<String, String>,
    country: Option<&Country>,
) -> std::result::Result<NewUser, Vec<RowError>> {
    let ImportRow {
        line,
        mut input,
        problems,
    } = row;
    let mut errors = Vec::new();
    input.departments = input.departments.map(|names| {
        names
            .into_iter()
            .filter_map(|n| match by_name.get(&n.to_lowercase()) {
                Some(id) => Some(id.clone()),
                None if n.parse::<switchboard_domain::DepartmentId>().is_ok() => Some(n),
                None => {
                    errors.push(RowError {
                        line,
                        field: "departments".to_owned(),
                        code: "not_found".to_owned(),
                        message: format!("there is no department {n:?} in this account"),
                    });
                    None
                }
            })
            .collect()
    });
    errors.extend(problems);
    match NewUser::parse_in(&input, country) {
        Ok(new) if errors.is_empty() => Ok(new),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(row_errors(line, &e));
            Err(errors)
        }
    }
}

/// A user as an export row: `id`, the import columns, `status`, `created_at`.
fn export_record(
    u: &User,
    role_names: &HashMap<switchboard_domain::RoleId, String>,
    memberships: &HashMap<switchboard_domain::UserId, Vec<String>>,
) -> [String; 15] {
    let yes = |b: bool| if b { "true" } else { "false" }.to_owned();
    let opt = |v: Option<String>| v.unwrap_or_default();
    let mut deps = memberships.get(&u.id).cloned().unwrap_or_default();
    deps.sort_by_key(|d| d.to_lowercase());
    [
        u.id.to_string(),
        u.name.to_string(),
        opt(u.email.as_ref().map(ToString::to_string)),
        opt(u.mobile.as_ref().map(ToString::to_string)),
        opt(u.alternate_mobile.as_ref().map(ToString::to_string)),
        u.extension.to_string(),
        role_names.get(&u.role_id).cloned().unwrap_or_default(),
        yes(u.panel_access),
        yes(u.receive_calls),
        u.time_zone.to_string(),
        deps.join(";"),
        u.tags.iter().map(Tag::as_str).collect::<Vec<_>>().join(";"),
        yes(u.voicemail),
        u.status.key().to_owned(),
        u.created_at.to_string(),
    ]
}

fn csv_failure(e: csv::Error) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}
