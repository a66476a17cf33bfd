//! `/api/v1/mail`: the account's mail outbox, newest first (administrators). Without an
//! SMTP server the mails stay here, so a fresh install can still hand out its invites.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use switchboard_domain::MailStatus;
use switchboard_domain::OutboxMail;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::ApiQuery;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_mail))
}

/// Where a mail stands.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MailStatusOut {
    /// Waiting for (another) delivery attempt, or kept unsent because no SMTP server is
    /// configured.
    Pending,
    /// Accepted by the SMTP server.
    Sent,
    /// Given up on after the last retry.
    Failed,
}

impl From<MailStatus> for MailStatusOut {
    fn from(s: MailStatus) -> Self {
        match s {
            MailStatus::Pending => Self::Pending,
            MailStatus::Sent => Self::Sent,
            MailStatus::Failed => Self::Failed,
        }
    }
}

/// A mail of the outbox.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MailOut {
    /// Mail id.
    #[schema(format = "uuid")]
    pub id: String,
    /// What it is (`invite`, `email_verification`, `email_change_notice`, ...).
    #[schema(example = "invite")]
    pub kind: String,
    /// The recipient's address.
    #[schema(example = "priya@acme.example.com")]
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body (an invite's link is in it).
    pub body: String,
    /// Where it stands.
    pub status: MailStatusOut,
    /// Delivery attempts so far.
    #[schema(minimum = 0)]
    pub attempts: i64,
    /// The last delivery error, if any.
    pub last_error: Option<String>,
    /// Queued at (RFC 3339).
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Delivered at (RFC 3339), once sent.
    #[schema(format = DateTime)]
    pub sent_at: Option<String>,
}

impl From<&OutboxMail> for MailOut {
    fn from(m: &OutboxMail) -> Self {
        Self {
            id: m.id.to_string(),
            kind: m.mail.kind.clone(),
            recipient: m.mail.to.clone(),
            subject: m.mail.subject.clone(),
            body: m.mail.body.clone(),
            status: m.status.into(),
            attempts: m.attempts,
            last_error: m.last_error.clone(),
            created_at: params::time(m.created_at),
            sent_at: m.sent_at.map(params::time),
        }
    }
}

/// One page of the outbox.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MailPage {
    /// The mails, newest first.
    pub items: Vec<MailOut>,
    /// Pass as `cursor` for the next (older) page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Paging of the outbox.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MailListQuery {
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 1000)]
    pub cursor: Option<String>,
}

/// Reads the account's outbox, newest first (Administrators): invites, email
/// verifications and notices, sent or not.
#[utoipa::path(get, path = "/mail", tag = "mail", params(MailListQuery),
    responses((status = 200, description = "One page of mails", body = MailPage)))]
pub async fn list_mail(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<MailListQuery>,
) -> ApiResult<Json<MailPage>> {
    let limit = params::limit(q.limit, 50, 500)?;
    let cursor = q.cursor.as_deref().filter(|c| !c.is_empty());
    if let Some(c) = cursor {
        params::max_len("cursor", c, 1000)?;
    }
    let page = state.sb.mail_page(&ctx, cursor, limit).await?;
    Ok(Json(MailPage {
        items: page.items.iter().map(MailOut::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
