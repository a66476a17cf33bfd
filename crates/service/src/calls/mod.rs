//! Call records reported by the telephony engine, the call log and the per-user report.
//! Each record keeps the user's name and extension as they were, so the log and the
//! report stay attributed after the user is deleted (R9).

use std::collections::HashMap;

use switchboard_domain::{
    CallRecord, DepartmentId, DomainError, E164, FieldError, Scope, User, UserId,
};
use switchboard_store::calls::{
    CallCursor, CallFilter, CallVisibility, call_time, find_call_by_engine_id, insert_call,
    list_calls_page, user_call_stats,
};
use switchboard_store::users::UserFilter;
use switchboard_store::{StoreError, UniqueKey, departments, users};

use crate::ctx::Principal;
use crate::error::{Result, forbidden};
use crate::{Change, Ctx, Switchboard, Target};

mod reporters;

use reporters::{Reporter, check_proxy_report, reached_user, reporter};

/// The directions a call can take.
pub const DIRECTIONS: [&str; 2] = ["inbound", "outbound"];
/// The outcomes a call can have.
pub const OUTCOMES: [&str; 4] = ["answered", "missed", "voicemail", "abandoned"];

/// A finished call as reported.
#[derive(Clone, Debug)]
pub struct NewCall {
    /// The engine's call id (idempotency key).
    pub engine_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Caller (a number, or a name such as `anonymous`).
    pub caller: String,
    /// The account's number involved (E.164).
    pub number: String,
    /// Department it was routed to.
    pub department_id: Option<DepartmentId>,
    /// The user who answered; for an unanswered call, the user it was offered to.
    pub user_id: Option<UserId>,
    /// Instead of `user_id`: the extension or mobile number the call reached, as a SIP
    /// proxy knows it.
    pub reached: Option<String>,
    /// Start.
    pub started_at: jiff::Timestamp,
    /// End.
    pub ended_at: jiff::Timestamp,
    /// `answered`, `missed`, `voicemail` or `abandoned`.
    pub outcome: String,
}

/// What reporting a call did.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The stored record (the earlier one when the call was reported before).
    pub call: CallRecord,
    /// `false` when the engine's call id was already known and nothing changed.
    pub created: bool,
}

/// Which calls to list.
#[derive(Clone, Debug, Default)]
pub struct CallQuery {
    /// Only this user's calls.
    pub user: Option<UserId>,
    /// Only calls routed to this department.
    pub department: Option<DepartmentId>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// An outcome.
    pub outcome: Option<String>,
    /// Started at or after.
    pub from: Option<jiff::Timestamp>,
    /// Started before.
    pub to: Option<jiff::Timestamp>,
}

/// A page of calls.
#[derive(Clone, Debug)]
pub struct CallPage {
    /// The calls, newest first.
    pub items: Vec<CallRecord>,
    /// The cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

fn encode_cursor(r: &CallRecord) -> String {
    hex::encode(format!("{}\n{}", r.started_at, r.id))
}

fn decode_cursor(s: &str) -> Result<CallCursor> {
    let bad = || {
        crate::Error::Domain(DomainError::field(
            "cursor",
            "invalid",
            "is not a cursor returned by this list",
        ))
    };
    let bytes = hex::decode(s.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = text.split_once('\n').ok_or_else(bad)?;
    Ok(CallCursor {
        started_at: at.parse().map_err(|_| bad())?,
        id: id.to_owned(),
    })
}

/// One user's line in the calls report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserReportLine {
    /// The user.
    pub user_id: UserId,
    /// Their current name, or for a deleted user the name recorded on their calls.
    pub name: Option<String>,
    /// Their current extension, or for a deleted user the one recorded on their calls.
    pub extension: Option<i64>,
    /// The user has been deleted since.
    pub former: bool,
    /// Calls they answered.
    pub answered: i64,
    /// Calls offered to them that nobody answered.
    pub missed: i64,
    /// Seconds spent on answered calls.
    pub talk_time_seconds: i64,
}

fn check_text(field: &str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(DomainError::field(field, "required", "must not be empty").into());
    }
    if v.chars().count() > max {
        return Err(DomainError::field(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        )
        .into());
    }
    if v.chars().any(char::is_control) {
        return Err(
            DomainError::field(field, "invalid", "must not contain control characters").into(),
        );
    }
    Ok(v.to_owned())
}

fn check_choice(field: &str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(DomainError::field(
            field,
            "invalid",
            format!("{value:?} is not one of {}", allowed.join(", ")),
        )
        .into())
    }
}

/// The stored-call filter for `query`, limited to the calls the actor may read.
async fn call_filter(c: &mut crate::Change, query: &CallQuery, what: &str) -> Result<CallFilter> {
    let who = c.who.clone();
    Ok(CallFilter {
        visibility: visibility(c, &who, what).await?,
        user: query.user,
        department: query.department,
        direction: query.direction.clone(),
        outcome: query.outcome.clone(),
        from: query.from.map(call_time),
        to: query.to.map(call_time),
    })
}

/// Whose calls `who` may read.
async fn visibility(c: &mut crate::Change, who: &Principal, what: &str) -> Result<CallVisibility> {
    match who.perms.call_logs {
        Scope::All => Ok(CallVisibility::All),
        Scope::Departments => Ok(CallVisibility::Within {
            departments: who.managed_departments(&mut c.tx, c.account.id).await?,
            user: who.user_id,
        }),
        Scope::Own => Ok(CallVisibility::Within {
            departments: Vec::new(),
            user: who.user_id,
        }),
        Scope::None => Err(forbidden(format!("your role does not allow you to {what}"))),
    }
}

/// The record a reported call makes, or every problem with the report.
async fn checked_record(
    c: &mut Change,
    call: NewCall,
    engine_call_id: Result<String>,
) -> Result<CallRecord> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut keep = |r: Result<String>| match r {
        Ok(v) => v,
        Err(crate::Error::Domain(DomainError::Validation(mut e))) => {
            errors.append(&mut e);
            String::new()
        }
        Err(_) => String::new(),
    };
    let engine_call_id = keep(engine_call_id);
    let caller = keep(check_text("caller", &call.caller, 64));
    let number = keep(
        E164::parse("number", &call.number)
            .map(|n| n.to_string())
            .map_err(crate::Error::from),
    );
    let direction =
        keep(check_choice("direction", &call.direction, &DIRECTIONS).map(|()| call.direction));
    let outcome = keep(check_choice("outcome", &call.outcome, &OUTCOMES).map(|()| call.outcome));
    if call.ended_at < call.started_at {
        errors.push(FieldError::new(
            "ended_at",
            "invalid",
            "must not be before started_at",
        ));
    }
    if call.ended_at > c.now + jiff::SignedDuration::from_mins(5) {
        errors.push(FieldError::new(
            "ended_at",
            "invalid",
            "is in the future: report calls once they have finished",
        ));
    }
    let user_id = match (call.user_id, call.reached.as_deref()) {
        (Some(_), Some(_)) => {
            errors.push(FieldError::new(
                "reached",
                "invalid",
                "give user_id or reached, not both",
            ));
            call.user_id
        }
        (None, Some(r)) => reached_user(c, r).await?,
        (id, None) => id,
    };
    let user = referenced_user(c, (call.department_id, user_id), &mut errors).await?;
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors).into());
    }
    let record = CallRecord {
        id: switchboard_domain::MailId::new().to_string(),
        account_id: c.account.id,
        engine_call_id,
        direction,
        caller,
        number,
        department_id: call.department_id,
        user_id,
        user_name: user.as_ref().map(|u| u.name.to_string()),
        user_extension: user.as_ref().map(|u| i64::from(u.extension.value())),
        started_at: call_time(call.started_at),
        ended_at: call_time(call.ended_at),
        outcome,
    };
    Ok(record)
}

/// The user a reported call names; a department or user the account does not have is
/// noted in `errors`.
async fn referenced_user(
    c: &mut Change,
    (department_id, user_id): (Option<DepartmentId>, Option<UserId>),
    errors: &mut Vec<FieldError>,
) -> Result<Option<User>> {
    if let Some(d) = department_id
        && departments::find_department(&mut c.tx, c.account.id, d)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "department_id",
            "not_found",
            "there is no such department",
        ));
    }
    Ok(match user_id {
        Some(u) => {
            let found = users::find_user(&mut c.tx, c.account.id, u).await?;
            if found.is_none() {
                errors.push(FieldError::new(
                    "user_id",
                    "not_found",
                    "there is no such user",
                ));
            }
            found
        }
        None => None,
    })
}

/// The audit row of a recorded call.
async fn audit_call(c: &mut Change, record: &CallRecord) -> Result<()> {
    c.audit(
        "call.recorded",
        Target {
            kind: "call",
            id: Some(record.id.clone()),
            name: record.engine_call_id.clone(),
        },
        None,
        Some(serde_json::json!({
            "direction": record.direction,
            "outcome": record.outcome,
            "department_id": record.department_id.map(|d| d.to_string()),
            "user_id": record.user_id.map(|u| u.to_string()),
        })),
    )
    .await
}

impl Switchboard {
    /// Records a finished call (tokens with the `calls:ingest` scope, the operator, and the
    /// SIP proxy's token for the inbound calls it routed).
    /// Reporting the same engine call id again changes nothing and returns the first record.
    pub async fn record_call(&self, ctx: &Ctx, call: NewCall) -> Result<Recorded> {
        let mut c = self.begin(ctx).await?;
        match reporter(&mut c, ctx).await? {
            None => {
                return Err(forbidden(
                    "reporting calls needs an API token with the calls:ingest scope",
                ));
            }
            Some(Reporter::SipProxy) => check_proxy_report(&call)?,
            Some(Reporter::Engine) => {}
        }
        // A call reported again is answered with the first report, even if its user has
        // been deleted in between.
        let engine_call_id = check_text("engine_call_id", &call.engine_call_id, 200);
        if let Ok(id) = &engine_call_id
            && let Some(existing) = find_call_by_engine_id(&mut c.tx, c.account.id, id).await?
        {
            return Ok(Recorded {
                call: existing,
                created: false,
            });
        }
        let record = checked_record(&mut c, call, engine_call_id).await?;
        match insert_call(&mut c.tx, &record).await {
            Err(StoreError::Unique(UniqueKey::EngineCallId)) => {
                // Reported twice at the same moment: the other report won.
                drop(c);
                let mut tx = self.db().read().await?;
                let existing =
                    find_call_by_engine_id(&mut tx, ctx.account_id, &record.engine_call_id)
                        .await?
                        .ok_or_else(|| crate::Error::Internal("call vanished".to_owned()))?;
                return Ok(Recorded {
                    call: existing,
                    created: false,
                });
            }
            other => other?,
        }
        if let Some(d) = record.department_id
            && record.direction == "inbound"
        {
            departments::advance_department_rotation(&mut c.tx, c.account.id, d).await?;
        }
        audit_call(&mut c, &record).await?;
        c.commit().await?;
        Ok(Recorded {
            call: record,
            created: true,
        })
    }

    /// The calls the actor may see (company-wide, their departments' or their own, as their
    /// role says), newest first, one page at a time.
    pub async fn list_calls(
        &self,
        ctx: &Ctx,
        query: &CallQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<CallPage> {
        let after = cursor.map(decode_cursor).transpose()?;
        let mut c = self.begin_read(ctx).await?;
        let filter = call_filter(&mut c, query, "view call logs").await?;
        let limit = limit.clamp(1, 500);
        let mut items =
            list_calls_page(&mut c.tx, c.account.id, &filter, after.as_ref(), limit + 1).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(encode_cursor)
        } else {
            None
        };
        Ok(CallPage { items, next_cursor })
    }

    /// Per-user answered and missed calls and talk time over `[from, to)`, for the calls
    /// the actor may see. Users deleted since are included, under the name their calls
    /// recorded, and marked as former users.
    pub async fn user_call_report(
        &self,
        ctx: &Ctx,
        query: &CallQuery,
    ) -> Result<Vec<UserReportLine>> {
        let mut c = self.begin_read(ctx).await?;
        let filter = call_filter(&mut c, query, "view call reports").await?;
        let stats = user_call_stats(&mut c.tx, c.account.id, &filter).await?;
        // The users still here, read in batches.
        let mut current: HashMap<UserId, User> = HashMap::new();
        let ids: Vec<UserId> = stats.iter().map(|s| s.user_id).collect();
        for chunk in ids.chunks(500) {
            let found = users::list_users_page(
                &mut c.tx,
                c.account.id,
                &UserFilter {
                    within: Some(chunk.to_vec()),
                    ..UserFilter::default()
                },
                None,
                chunk.len() as u32,
            )
            .await?;
            current.extend(found.into_iter().map(|u| (u.id, u)));
        }
        let mut lines: Vec<UserReportLine> = stats
            .into_iter()
            .map(|s| {
                let now = current.get(&s.user_id);
                UserReportLine {
                    user_id: s.user_id,
                    name: now.map(|u| u.name.to_string()).or(s.user_name),
                    extension: now
                        .map(|u| i64::from(u.extension.value()))
                        .or(s.user_extension),
                    former: now.is_none(),
                    answered: s.answered,
                    missed: s.missed,
                    talk_time_seconds: s.talk_time / 1_000_000,
                }
            })
            .collect();
        lines.sort_by(|a, b| {
            a.name
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .cmp(&b.name.as_deref().unwrap_or("").to_lowercase())
                .then(a.user_id.to_string().cmp(&b.user_id.to_string()))
        });
        Ok(lines)
    }
}
