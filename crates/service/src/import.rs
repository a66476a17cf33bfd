//! Users in bulk: CSV export of an account's users, and CSV import that adds them all or
//! none (R1–R3, R11, R13 checked for every row, in one transaction under the account lock).
//!
//! The columns, in any order (a header row is required):
//! `name, email, mobile, alternate_mobile, extension, role, panel_access, receive_calls,
//! time_zone, departments, tags, voicemail`. Lists (`departments` by name or id, `tags`) are
//! separated by `;`; yes/no columns take `true`/`false`, `yes`/`no` or `1`/`0`; an empty cell
//! takes the default. An export adds `id`, `status` and `created_at`, which an import accepts
//! and ignores, so an export can be edited and imported into another account.

use std::collections::{BTreeMap, HashMap};

use switchboard_domain::{DomainError, NewUser, NewUserInput, Scope, Tag, User};
use switchboard_store::users::UserFilter;
use switchboard_store::{departments, roles, users as store};

use crate::error::{Error, Result, forbidden};
use crate::users::{AddedUser, LookedUp};
use crate::{Ctx, Switchboard, Target};

/// Columns an import understands, in export order.
pub const COLUMNS: [&str; 12] = [
    "name",
    "email",
    "mobile",
    "alternate_mobile",
    "extension",
    "role",
    "panel_access",
    "receive_calls",
    "time_zone",
    "departments",
    "tags",
    "voicemail",
];

/// Columns an export adds and an import ignores.
pub const READ_ONLY_COLUMNS: [&str; 3] = ["id", "status", "created_at"];

/// The most rows one import may hold.
pub const MAX_ROWS: usize = 10_000;

/// A problem with one cell (or one row) of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line of the CSV text (the header is line 1).
    pub line: u64,
    /// The column (`email`), or `row` for the row as a whole.
    pub field: String,
    /// Stable reason (`duplicate_email`, `invalid`, …).
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
}

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

/// One data row: its line and its cells by column.
#[derive(Debug)]
struct Row {
    line: u64,
    cells: HashMap<&'static str, String>,
}

fn header_error(message: impl Into<String>, code: &str) -> RowError {
    RowError {
        line: 1,
        field: "header".to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Reads the CSV text into rows; a malformed file is one or more errors.
fn read_rows(text: &str) -> std::result::Result<Vec<Row>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![header_error(
                format!("cannot read the header row: {e}"),
                "invalid",
            )]);
        }
    };
    let mut errors = Vec::new();
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let key = h.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        if let Some(c) = COLUMNS.iter().find(|c| **c == key) {
            if columns.contains(&Some(*c)) {
                errors.push(header_error(
                    format!("column {c:?} appears twice"),
                    "duplicate_column",
                ));
            }
            columns.push(Some(*c));
        } else if READ_ONLY_COLUMNS.contains(&key.as_str()) {
            columns.push(None);
        } else {
            errors.push(header_error(
                format!(
                    "column {} {h:?} is not known; the columns are {}",
                    i + 1,
                    COLUMNS.join(", ")
                ),
                "unknown_column",
            ));
            columns.push(None);
        }
    }
    if !columns.contains(&Some("name")) {
        errors.push(header_error(
            "the header needs a \"name\" column",
            "required",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError {
                    line,
                    field: "row".to_owned(),
                    code: "invalid".to_owned(),
                    message: format!("cannot read this row: {}", csv_reason(&e)),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut cells = HashMap::new();
        for (col, value) in columns.iter().zip(record.iter()) {
            if let Some(col) = col
                && !value.is_empty()
            {
                cells.insert(*col, value.to_owned());
            }
        }
        rows.push(Row { line, cells });
        if rows.len() > MAX_ROWS {
            return Err(vec![RowError {
                line,
                field: "row".to_owned(),
                code: "too_many_rows".to_owned(),
                message: format!("an import holds at most {MAX_ROWS} users; split the file"),
            }]);
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} cells where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8".to_owned(),
        _ => e.to_string(),
    }
}

fn parse_flag(
    line: u64,
    field: &str,
    raw: Option<&String>,
    errors: &mut Vec<RowError>,
) -> Option<bool> {
    let raw = raw?;
    match raw.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => {
            errors.push(RowError {
                line,
                field: field.to_owned(),
                code: "invalid".to_owned(),
                message: format!("{raw:?} is not yes or no (use true/false, yes/no or 1/0)"),
            });
            None
        }
    }
}

fn split_list(raw: Option<&String>) -> Option<Vec<String>> {
    raw.map(|r| {
        r.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
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
        let rows = read_rows(csv_text);
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
        let mut report = ImportReport {
            dry_run,
            rows: rows.len(),
            added: Vec::new(),
            errors: Vec::new(),
        };
        for row in &rows {
            let line = row.line;
            let mut errors = Vec::new();
            let get = |k: &str| row.cells.get(k).cloned();
            let departments = split_list(row.cells.get("departments")).map(|names| {
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
            let input = NewUserInput {
                name: get("name"),
                email: get("email"),
                mobile: get("mobile"),
                alternate_mobile: get("alternate_mobile"),
                extension: get("extension"),
                role: get("role"),
                panel_access: parse_flag(
                    line,
                    "panel_access",
                    row.cells.get("panel_access"),
                    &mut errors,
                ),
                receive_calls: parse_flag(
                    line,
                    "receive_calls",
                    row.cells.get("receive_calls"),
                    &mut errors,
                ),
                call_hours: None::<BTreeMap<_, _>>,
                time_zone: get("time_zone"),
                departments,
                tags: split_list(row.cells.get("tags")),
                voicemail: parse_flag(line, "voicemail", row.cells.get("voicemail"), &mut errors),
                external_id: None,
            };
            let parsed = NewUser::parse(&input);
            if !errors.is_empty() {
                if let Err(e) = &parsed {
                    errors.extend(row_errors(line, e));
                }
                report.errors.extend(errors);
                continue;
            }
            let new = match parsed {
                Ok(new) => new,
                Err(e) => {
                    report.errors.extend(row_errors(line, &e));
                    continue;
                }
            };
            match self.add_user_in(&mut c, new, LookedUp::default()).await {
                Ok(added) => report.added.push((line, added)),
                Err(Error::Domain(e)) => report.errors.extend(row_errors(line, &e)),
                Err(other) => return Err(other),
            }
        }
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
                let yes = |b: bool| if b { "true" } else { "false" }.to_owned();
                let opt = |v: Option<String>| v.unwrap_or_default();
                let mut deps = memberships.get(&u.id).cloned().unwrap_or_default();
                deps.sort_by_key(|d| d.to_lowercase());
                let record = [
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
                ];
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
        // Recorded after the snapshot was read, in a change of its own, so that a long
        // export never holds the account's write lock; no CSV leaves unrecorded.
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
        c.commit().await?;
        Ok(csv)
    }
}

fn csv_failure(e: csv::Error) -> Error {
    Error::Internal(format!("writing CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_loosely_and_unknown_columns_are_named() {
        let rows = read_rows("Name,E-mail,Extension\nPriya,p@x.example,204\n");
        let errors = rows.unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "unknown_column");
        assert!(
            errors[0].message.contains("\"E-mail\""),
            "{}",
            errors[0].message
        );

        let rows = read_rows("Name,Email,Alternate Mobile,id\nPriya,p@x.example,,u1\n\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].cells.get("email").map(String::as_str),
            Some("p@x.example")
        );
        assert!(!rows[0].cells.contains_key("alternate_mobile"));
    }

    #[test]
    fn a_row_with_the_wrong_number_of_cells_is_reported_by_line() {
        let errors = read_rows("name,email\nA,a@x.example\nB\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3);
        assert!(
            errors[0].message.contains("1 cells where the header has 2"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_header_without_name_is_refused() {
        let errors = read_rows("email\na@x.example\n").unwrap_err();
        assert_eq!(errors[0].code, "required");
    }
}
