//! The behaviour suite for mail delivery and the scheduler: the outbox is delivered with
//! retries and backoff and never loses a mail, two workers never send one mail twice,
//! invites run out and are audited once, and scheduled deactivations are applied — each
//! test on SQLite and PostgreSQL, with a fake transport and the fake clock.

mod delivery;
mod scheduler;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use switchboard_domain::{NewUser, NewUserInput};
use switchboard_service::mail::{
    DeliveryPolicy, MailError, MailTransport, Mailer, Outgoing, SendFuture, parse_mailbox,
};
use switchboard_service::users::AddedUser;
use switchboard_service::{Ctx, Settings, Switchboard};
use switchboard_store::Db;
use switchboard_testkit::{FakeClock, TestApp};

/// A transport that records what it delivers and fails on demand.
#[derive(Default)]
pub struct FakeTransport {
    /// Delivered mails, in order.
    pub sent: Mutex<Vec<Outgoing>>,
    /// How many of the next sends fail with a temporary error.
    pub fail_next: AtomicU32,
    /// Every send fails (temporarily) while set.
    pub down: std::sync::atomic::AtomicBool,
    /// Mails to this address are refused for good.
    pub refuse: Option<String>,
    /// How long a send takes.
    pub delay: Duration,
    /// How far each send moves the fake clock (a slow SMTP server, in test time).
    pub tick: Option<(Arc<FakeClock>, jiff::SignedDuration)>,
}

impl FakeTransport {
    pub fn sent(&self) -> Vec<Outgoing> {
        self.sent.lock().unwrap().clone()
    }
}

impl MailTransport for FakeTransport {
    fn send<'a>(&'a self, mail: &'a Outgoing) -> SendFuture<'a> {
        Box::pin(async move {
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            if let Some((clock, by)) = &self.tick {
                clock.advance(*by);
            }
            if self.refuse.as_deref() == Some(mail.to.as_str()) {
                return Err(MailError::permanent("550 5.1.1 mailbox unavailable"));
            }
            if self.down.load(Ordering::SeqCst) {
                return Err(MailError::transient("connection refused"));
            }
            let failing = self
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if failing {
                return Err(MailError::transient("421 4.3.2 try again later"));
            }
            self.sent.lock().unwrap().push(mail.clone());
            Ok(())
        })
    }
}

/// A mailer over `transport` with `policy`.
pub fn mailer(transport: Arc<FakeTransport>, policy: DeliveryPolicy) -> Mailer {
    Mailer::new(
        transport,
        parse_mailbox("Switchboard <no-reply@switchboard.example.com>").unwrap(),
        policy,
    )
}

/// Adds a Panel Access user who has not accepted their invite yet.
pub async fn invited(app: &TestApp, ctx: &Ctx, name: &str, email: &str) -> AddedUser {
    let input: NewUserInput =
        serde_json::from_value(json!({"name": name, "email": email, "panel_access": true}))
            .unwrap();
    app.sb
        .add_user(ctx, NewUser::parse(&input).unwrap())
        .await
        .unwrap()
}

/// A second service on the same database through its own pool, as another `serve`
/// process would have, reading the same clock.
pub async fn another_process(app: &TestApp) -> Switchboard {
    let db = Db::connect(&app.db.url).await.unwrap();
    Switchboard::new(db, app.clock.clone(), Settings::default())
}

pub fn secs(n: i64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(n)
}
