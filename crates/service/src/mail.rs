//! Delivering the outbox: a [`MailTransport`] (SMTP through lettre in production, a fake
//! in tests) and [`Switchboard::deliver_due_mail`], one pass of the delivery worker.
//!
//! Delivery is at least once and never loses a mail: a row is claimed with a lease before
//! it is sent and marked only afterwards, so a crash between the two sends it again once
//! the lease runs out (the stable `Message-ID` lets mail systems spot the duplicate).
//! Failed attempts are retried with exponential backoff; after the last one the mail is
//! kept with status `failed` for admins to read.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use switchboard_domain::MailId;
use switchboard_domain::mail::retry_delay;
use switchboard_store::outbox;

use crate::Switchboard;
use crate::error::Result;
use crate::secrets::new_token;

/// A mail ready to hand to a transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The outbox id; also the `Message-ID`'s local part, so a resend is recognisable.
    pub id: MailId,
    /// Sender.
    pub from: Mailbox,
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

/// Why a send failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    /// What went wrong, for the outbox and the log.
    pub message: String,
    /// True when retrying cannot help (a malformed address, a permanent SMTP rejection):
    /// the mail is marked failed at once.
    pub permanent: bool,
}

impl MailError {
    /// A failure worth retrying.
    pub fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure retrying cannot fix.
    pub fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            permanent: true,
        }
    }
}

/// The future a transport's send returns.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = std::result::Result<(), MailError>> + Send + 'a>>;

/// Something that delivers mail: SMTP in production, a fake in tests.
pub trait MailTransport: Send + Sync + 'static {
    /// Hands one mail over; `Ok` means the receiving server accepted it.
    fn send<'a>(&'a self, mail: &'a Outgoing) -> SendFuture<'a>;
}

/// How delivery retries and claims work.
#[derive(Clone, Debug)]
pub struct DeliveryPolicy {
    /// Wait after the first failed attempt; doubles after each further one.
    pub retry_base: jiff::SignedDuration,
    /// The longest wait between attempts.
    pub retry_cap: jiff::SignedDuration,
    /// Attempts before a mail is given up on (kept with status `failed`).
    pub max_attempts: u32,
    /// How long a claimed mail stays reserved for the worker that claimed it. Longer than
    /// a batch can take to send, so that two workers never send the same mail.
    pub lease: jiff::SignedDuration,
    /// Mails claimed per transaction.
    pub batch: u32,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        Self {
            retry_base: jiff::SignedDuration::from_secs(30),
            retry_cap: jiff::SignedDuration::from_hours(1),
            max_attempts: 12,
            lease: jiff::SignedDuration::from_mins(10),
            batch: 10,
        }
    }
}

/// A transport with the sender address and the retry policy: what the worker needs.
#[derive(Clone)]
pub struct Mailer {
    transport: Arc<dyn MailTransport>,
    from: Mailbox,
    policy: DeliveryPolicy,
}

impl Mailer {
    /// A mailer over `transport`, sending as `from`.
    pub fn new(transport: Arc<dyn MailTransport>, from: Mailbox, policy: DeliveryPolicy) -> Self {
        Self {
            transport,
            from,
            policy,
        }
    }

    /// The retry policy.
    pub fn policy(&self) -> &DeliveryPolicy {
        &self.policy
    }
}

/// Parses a sender such as `Switchboard <no-reply@example.com>` or `no-reply@example.com`.
pub fn parse_mailbox(raw: &str) -> std::result::Result<Mailbox, String> {
    raw.trim()
        .parse::<Mailbox>()
        .map_err(|e| format!("{raw:?} is not a mail address ({e})"))
}

/// Delivers over SMTP through lettre, with a connection pool.
#[derive(Clone)]
pub struct SmtpTransport {
    inner: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpTransport {
    /// A transport for a URL: `smtp://host:25` (plain, for a relay on the same machine),
    /// `smtp://host:587?tls=required` (STARTTLS), `smtps://host:465` (TLS), with
    /// `user:password@` for authentication.
    pub fn from_url(url: &str) -> std::result::Result<Self, String> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("the SMTP URL is not usable: {e}"))?;
        Ok(Self {
            inner: builder.timeout(Some(Duration::from_secs(30))).build(),
        })
    }
}

impl MailTransport for SmtpTransport {
    fn send<'a>(&'a self, mail: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            let message = build_message(mail)?;
            match self.inner.send(message).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(MailError::permanent(e.to_string())),
                Err(e) => Err(MailError::transient(e.to_string())),
            }
        })
    }
}

/// The RFC 5322 message for a mail: plain text, with a `Message-ID` derived from the
/// outbox id so that a mail sent twice (after a crash) carries the same id.
pub fn build_message(mail: &Outgoing) -> std::result::Result<Message, MailError> {
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|e| MailError::permanent(format!("recipient {:?}: {e}", mail.to)))?;
    let domain = mail.from.email.domain();
    Message::builder()
        .from(mail.from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}@{domain}>", mail.id)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| MailError::permanent(format!("cannot build the message: {e}")))
}

/// What one delivery pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Mails claimed.
    pub claimed: u32,
    /// Delivered.
    pub sent: u32,
    /// Failed and scheduled for another attempt.
    pub retrying: u32,
    /// Given up on (kept with status `failed`).
    pub failed: u32,
    /// Handed back unsent (stopping, or the lease ran short).
    pub released: u32,
}

impl Switchboard {
    /// One pass of the delivery worker: claims one batch of due mail, sends each, and
    /// records the outcome. Safe to run in several processes at once — each mail is
    /// claimed by exactly one of them. A full batch means more may be due.
    pub async fn deliver_due_mail(&self, mailer: &Mailer) -> Result<DeliveryReport> {
        self.deliver_due_mail_while(mailer, || true).await
    }

    /// [`Self::deliver_due_mail`], checking `keep_going` before each send: when it turns
    /// false (the server is stopping), or when less than half the lease is left, the
    /// mails not yet sent are handed back unsent for the next pass or another worker.
    pub async fn deliver_due_mail_while(
        &self,
        mailer: &Mailer,
        keep_going: impl Fn() -> bool + Send,
    ) -> Result<DeliveryReport> {
        let policy = &mailer.policy;
        let now = self.now();
        let token = new_token("claim_");
        let until = now.saturating_add(policy.lease).unwrap_or(now);
        let claimed = {
            let mut tx = self.db().write().await?;
            let claimed = outbox::claim_due_mail(&mut tx, now, until, &token, policy.batch).await?;
            tx.commit().await?;
            claimed
        };
        let mut report = DeliveryReport {
            claimed: u32::try_from(claimed.len()).unwrap_or(u32::MAX),
            ..DeliveryReport::default()
        };
        let half_lease = now.saturating_add(policy.lease / 2).unwrap_or(now);
        let mut claimed = claimed.into_iter();
        while let Some(m) = claimed.next() {
            if !keep_going() || self.now() >= half_lease {
                let mut tx = self.db().write().await?;
                for m in std::iter::once(m).chain(claimed.by_ref()) {
                    outbox::release_mail(&mut tx, m.id, &token).await?;
                    report.released += 1;
                }
                tx.commit().await?;
                break;
            }
            let outgoing = Outgoing {
                id: m.id,
                from: mailer.from.clone(),
                to: m.mail.to.clone(),
                subject: m.mail.subject.clone(),
                body: m.mail.body.clone(),
            };
            let outcome = mailer.transport.send(&outgoing).await;
            let done = self.now();
            let mut tx = self.db().write().await?;
            let attempts = u32::try_from(m.attempts).unwrap_or(u32::MAX);
            let recorded = match &outcome {
                Ok(()) => {
                    report.sent += 1;
                    tracing::info!(mail = %m.id, kind = %m.mail.kind, attempts, "mail sent");
                    outbox::mark_mail_sent(&mut tx, m.id, &token, done).await?
                }
                Err(e) if e.permanent || attempts >= policy.max_attempts => {
                    report.failed += 1;
                    tracing::warn!(mail = %m.id, attempts, error = %e, "mail given up on");
                    outbox::mark_mail_failed(&mut tx, m.id, &token, &e.message, None).await?
                }
                Err(e) => {
                    report.retrying += 1;
                    let wait = retry_delay(policy.retry_base, policy.retry_cap, attempts);
                    let at = done.saturating_add(wait).unwrap_or(done);
                    tracing::warn!(mail = %m.id, attempts, error = %e, retry_at = %at, "mail not sent; will retry");
                    outbox::mark_mail_failed(&mut tx, m.id, &token, &e.message, Some(at)).await?
                }
            };
            tx.commit().await?;
            if !recorded {
                tracing::warn!(mail = %m.id, "mail lease ran out before its outcome was recorded");
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn plain_starttls_and_tls_smtp_urls_are_understood() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:secret@mail.example.com:587?tls=required",
            "smtp://mail.example.com?tls=opportunistic",
            "smtps://user:secret@mail.example.com:465",
        ] {
            assert!(SmtpTransport::from_url(url).is_ok(), "{url}");
        }
        for url in ["gopher://mail.example.com", "smtp://", "mail.example.com"] {
            assert!(SmtpTransport::from_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn a_message_is_plain_text_with_an_id_derived_from_the_outbox_row() {
        let id = MailId::new();
        let out = Outgoing {
            id,
            from: parse_mailbox("Acme <no-reply@acme.example.com>").unwrap(),
            to: "priya@acme.example.com".to_owned(),
            subject: "You have been invited".to_owned(),
            body: "Hello Priya,\n\nhttp://127.0.0.1:8080/invite/sbi_x\n".to_owned(),
        };
        let text = String::from_utf8(build_message(&out).unwrap().formatted()).unwrap();
        assert!(text.contains("To: priya@acme.example.com\r\n"), "{text}");
        assert!(
            text.contains(&format!("Message-ID: <{id}@acme.example.com>")),
            "{text}"
        );
        assert!(text.contains("Content-Type: text/plain"), "{text}");
        assert!(text.contains("/invite/sbi_x"), "{text}");

        let bad = Outgoing {
            to: "not an address".to_owned(),
            ..out
        };
        assert!(build_message(&bad).unwrap_err().permanent);
        assert!(parse_mailbox("nobody").is_err());
    }
}
