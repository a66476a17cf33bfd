//! Call records reported by the telephony engine. Each keeps the answering user's name and
//! extension as they were, so reports stay attributed after the user is deleted (R9).

use switchboard_domain::{DepartmentId, DomainError, UserId};
use switchboard_store::calls::{CallRecord, call_time, insert_call, list_calls};
use switchboard_store::{StoreError, UniqueKey, users};

use crate::error::{Result, refuse};
use crate::{Ctx, Switchboard, Target};

/// A finished call as reported.
#[derive(Clone, Debug)]
pub struct NewCall {
    /// The engine's call id (idempotency key).
    pub engine_call_id: String,
    /// `inbound` or `outbound`.
    pub direction: String,
    /// Caller.
    pub caller: String,
    /// The account's number involved.
    pub number: String,
    /// Department it was routed to.
    pub department_id: Option<DepartmentId>,
    /// The user who answered.
    pub user_id: Option<UserId>,
    /// Start.
    pub started_at: jiff::Timestamp,
    /// End.
    pub ended_at: jiff::Timestamp,
    /// `answered`, `missed`, `voicemail` or `abandoned`.
    pub outcome: String,
}

impl Switchboard {
    /// Records a finished call; reporting the same engine id again changes nothing.
    pub async fn record_call(&self, ctx: &Ctx, call: NewCall) -> Result<CallRecord> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.is_admin, "report calls")?;
        if !matches!(call.direction.as_str(), "inbound" | "outbound") {
            return refuse(DomainError::field(
                "direction",
                "invalid",
                "use inbound or outbound",
            ));
        }
        if !matches!(
            call.outcome.as_str(),
            "answered" | "missed" | "voicemail" | "abandoned"
        ) {
            return refuse(DomainError::field(
                "outcome",
                "invalid",
                "use answered, missed, voicemail or abandoned",
            ));
        }
        if call.ended_at < call.started_at {
            return refuse(DomainError::field(
                "ended_at",
                "invalid",
                "is before started_at",
            ));
        }
        let (user_name, user_extension) = match call.user_id {
            Some(u) => {
                let user = users::find_user(&mut c.tx, c.account.id, u)
                    .await?
                    .ok_or_else(|| {
                        crate::Error::Domain(DomainError::field(
                            "user_id",
                            "not_found",
                            "there is no such user",
                        ))
                    })?;
                (
                    Some(user.name.to_string()),
                    Some(i64::from(user.extension.value())),
                )
            }
            None => (None, None),
        };
        let record = CallRecord {
            id: uuid_like(),
            account_id: c.account.id,
            engine_call_id: call.engine_call_id,
            direction: call.direction,
            caller: call.caller,
            number: call.number,
            department_id: call.department_id,
            user_id: call.user_id,
            user_name,
            user_extension,
            started_at: call_time(call.started_at),
            ended_at: call_time(call.ended_at),
            outcome: call.outcome,
        };
        match insert_call(&mut c.tx, &record).await {
            Err(StoreError::Unique(UniqueKey::EngineCallId)) => {
                drop(c);
                let mut tx = self.db().read().await?;
                let existing = list_calls(&mut tx, ctx.account_id, u32::MAX)
                    .await?
                    .into_iter()
                    .find(|r| r.engine_call_id == record.engine_call_id);
                return existing.ok_or_else(|| crate::Error::Internal("call vanished".to_owned()));
            }
            other => other?,
        }
        if let Some(d) = record.department_id
            && record.direction == "inbound"
        {
            switchboard_store::departments::advance_department_rotation(&mut c.tx, c.account.id, d)
                .await?;
        }
        c.audit(
            "call.recorded",
            Target {
                kind: "call",
                id: Some(record.id.clone()),
                name: record.engine_call_id.clone(),
            },
            None,
            None,
        )
        .await?;
        c.commit().await?;
        Ok(record)
    }

    /// The account's calls, newest first.
    pub async fn list_calls(&self, ctx: &Ctx, limit: u32) -> Result<Vec<CallRecord>> {
        let mut c = self.begin_read(ctx).await?;
        Ok(list_calls(&mut c.tx, c.account.id, limit.clamp(1, 1000)).await?)
    }
}

fn uuid_like() -> String {
    switchboard_domain::MailId::new().to_string()
}
