//! Sent mail: the account's outbox, newest first, for Administrators. Without an SMTP
//! server the mails wait here, so an invite link can be opened from the dashboard.

use askama::Template;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;
use switchboard_domain::MailStatus;

use super::failure;
use super::shell::{FormData, Shell, Viewer};

#[derive(Template)]
#[template(path = "mail_page.html")]
struct MailPage {
    shell: Shell,
    mails: Vec<MailRow>,
    next: Option<String>,
    first_page: bool,
}

struct MailRow {
    recipient: String,
    subject: String,
    kind: String,
    status: &'static str,
    status_label: &'static str,
    when: String,
    last_error: Option<String>,
    body: String,
    /// The links of the body that lead back to this Switchboard (invites, verifications).
    links: Vec<String>,
}

/// The links in `body` that start with `base` (the public URL mails are written with).
fn own_links(body: &str, base: &str) -> Vec<String> {
    let base = base.trim_end_matches('/');
    body.split_whitespace()
        .map(|w| w.trim_end_matches(['.', ',', ')', '>']))
        .filter(|w| w.starts_with(base) && w.len() > base.len() && w[base.len()..].starts_with('/'))
        .map(str::to_owned)
        .collect()
}

pub(super) async fn mail_page(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    v: Viewer,
    RawQuery(q): RawQuery,
) -> Response {
    let q = FormData::parse(q.unwrap_or_default().as_bytes());
    let cursor = q.opt("cursor");
    let page = match state.sb.mail_page(&v.ctx, cursor.as_deref(), 50).await {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let base = &state.sb.settings().public_url;
    let mails = page
        .items
        .iter()
        .map(|m| {
            let (status, status_label) = match m.status {
                MailStatus::Pending => ("pending_invite", "Waiting"),
                MailStatus::Sent => ("active", "Sent"),
                MailStatus::Failed => ("inactive", "Failed"),
            };
            MailRow {
                recipient: m.mail.to.clone(),
                subject: m.mail.subject.clone(),
                kind: m.mail.kind.replace('_', " "),
                status,
                status_label,
                when: v.when(m.created_at),
                last_error: m.last_error.clone(),
                body: m.mail.body.clone(),
                links: own_links(&m.mail.body, base),
            }
        })
        .collect();
    let next = page.next_cursor.map(|c| {
        let mut s = form_urlencoded::Serializer::new(String::from("/mail?"));
        s.append_pair("cursor", &c);
        s.finish()
    });
    v.page(
        StatusCode::OK,
        &MailPage {
            shell: v.shell("mail"),
            mails,
            next,
            first_page: cursor.is_none(),
        },
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_links_back_to_switchboard_are_offered() {
        let body = "Open http://sb.test/invite/sbi_1. Or visit https://evil.example/x, \
                    http://sb.test.evil.example/y and http://sb.test/verify-email/sbv_2";
        assert_eq!(
            super::own_links(body, "http://sb.test/"),
            vec![
                "http://sb.test/invite/sbi_1",
                "http://sb.test/verify-email/sbv_2"
            ]
        );
    }
}
