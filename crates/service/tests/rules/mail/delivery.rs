//! Delivering the outbox: retries with backoff, giving up visibly, leases of workers
//! that died, and several workers (processes) at once.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use switchboard_domain::OutboxMail;
use switchboard_domain::{MailStatus, NewMail, Plan};
use switchboard_service::Switchboard;
use switchboard_service::mail::DeliveryPolicy;
use switchboard_store::outbox;
use switchboard_testkit::{TestAccount, TestApp, both_backends};

use super::{FakeTransport, another_process, invited, mailer, secs};

async fn all_mail(app: &TestApp, acct: &TestAccount) -> Vec<OutboxMail> {
    app.sb.list_mail(&acct.system, 1000).await.unwrap()
}

async fn mail_to(app: &TestApp, acct: &TestAccount, to: &str) -> OutboxMail {
    all_mail(app, acct)
        .await
        .into_iter()
        .find(|m| m.mail.to == to)
        .unwrap_or_else(|| panic!("no mail to {to}"))
}

async fn a_failing_smtp_server_is_retried_with_backoff_until_the_mail_is_delivered(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    let added = invited(
        &app,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    let link = added.invite_link.unwrap();
    let queued = all_mail(&app, &acct).await;
    let n = u32::try_from(queued.len()).unwrap();
    assert!(n >= 2, "the owner's and Priya's invites: {queued:?}");
    assert!(queued.iter().all(|m| m.status == MailStatus::Pending));

    let transport = Arc::new(FakeTransport::default());
    transport.down.store(true, Ordering::SeqCst);
    let m = mailer(transport.clone(), DeliveryPolicy::default());
    let start = app.sb.now();

    let r = app.sb.deliver_due_mail(&m).await.unwrap();
    assert_eq!((r.claimed, r.retrying, r.sent, r.failed), (n, n, 0, 0));
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!(priya.status, MailStatus::Pending);
    assert_eq!(priya.attempts, 1);
    assert_eq!(priya.last_error.as_deref(), Some("connection refused"));
    assert_eq!(priya.next_attempt_at, start.checked_add(secs(30)).unwrap());

    // Nothing is due again before the backoff has passed; then it doubles.
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    app.clock.advance(secs(29));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    app.clock.advance(secs(1));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().retrying, n);
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!(priya.attempts, 2);
    assert_eq!(priya.next_attempt_at, start.checked_add(secs(90)).unwrap());
    app.clock.advance(secs(59));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    app.clock.advance(secs(1));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().retrying, n);
    assert_eq!(
        mail_to(&app, &acct, "priya@acme.example.com")
            .await
            .next_attempt_at,
        start.checked_add(secs(210)).unwrap()
    );

    // The server comes back: everything is delivered, once.
    transport.down.store(false, Ordering::SeqCst);
    app.clock.advance(secs(120));
    let r = app.sb.deliver_due_mail(&m).await.unwrap();
    assert_eq!((r.claimed, r.sent), (n, n));
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!(priya.status, MailStatus::Sent);
    assert_eq!(priya.attempts, 4);
    assert_eq!(priya.sent_at, Some(app.sb.now()));
    assert_eq!(priya.last_error, None);
    let sent = transport.sent();
    assert_eq!(sent.len(), queued.len());
    let ids: BTreeSet<_> = sent.iter().map(|o| o.id).collect();
    assert_eq!(ids, queued.iter().map(|m| m.id).collect());
    let out = sent
        .iter()
        .find(|o| o.to == "priya@acme.example.com")
        .unwrap();
    assert!(out.subject.contains("Acme"), "{}", out.subject);
    assert!(out.body.contains(&link), "{}", out.body);
    assert_eq!(
        out.from.email.to_string(),
        "no-reply@switchboard.example.com"
    );

    app.clock.advance(secs(3600));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    assert_eq!(transport.sent().len(), queued.len());
}

async fn a_mail_is_given_up_after_the_last_attempt_and_kept_as_failed(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    invited(
        &app,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    let n = u32::try_from(all_mail(&app, &acct).await.len()).unwrap();
    let transport = Arc::new(FakeTransport::default());
    transport.down.store(true, Ordering::SeqCst);
    let policy = DeliveryPolicy {
        max_attempts: 3,
        ..DeliveryPolicy::default()
    };
    let m = mailer(transport.clone(), policy);

    for attempt in 1..=3 {
        let r = app.sb.deliver_due_mail(&m).await.unwrap();
        if attempt < 3 {
            assert_eq!(r.retrying, n, "attempt {attempt}");
        } else {
            assert_eq!((r.retrying, r.failed), (0, n));
        }
        app.clock.advance(secs(3600));
    }
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!(priya.status, MailStatus::Failed);
    assert_eq!(priya.attempts, 3);
    assert_eq!(priya.last_error.as_deref(), Some("connection refused"));
    assert!(priya.mail.body.contains("/invite/"));

    // Failed mail is never retried, nor deleted.
    transport.down.store(false, Ordering::SeqCst);
    app.clock.advance(secs(24 * 3600));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    assert!(transport.sent().is_empty());
    assert_eq!(
        all_mail(&app, &acct).await.len(),
        usize::try_from(n).unwrap()
    );
}

async fn a_permanently_refused_recipient_fails_at_once_and_others_are_delivered(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    invited(
        &app,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    invited(
        &app,
        &acct.owner_ctx,
        "Rahul Verma",
        "rahul@acme.example.com",
    )
    .await;
    let n = u32::try_from(all_mail(&app, &acct).await.len()).unwrap();
    let transport = Arc::new(FakeTransport {
        refuse: Some("priya@acme.example.com".to_owned()),
        ..FakeTransport::default()
    });
    let m = mailer(transport.clone(), DeliveryPolicy::default());

    let r = app.sb.deliver_due_mail(&m).await.unwrap();
    assert_eq!((r.sent, r.failed, r.retrying), (n - 1, 1, 0));
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!(priya.status, MailStatus::Failed);
    assert_eq!(priya.attempts, 1);
    assert!(priya.last_error.unwrap().contains("550"));
    assert_eq!(
        mail_to(&app, &acct, "rahul@acme.example.com").await.status,
        MailStatus::Sent
    );
}

async fn a_mail_claimed_by_a_worker_that_died_is_sent_when_its_lease_runs_out(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    invited(
        &app,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    let n = u32::try_from(all_mail(&app, &acct).await.len()).unwrap();
    let now = app.sb.now();
    let policy = DeliveryPolicy::default();
    {
        let mut tx = app.db.db.write().await.unwrap();
        let until = now.checked_add(policy.lease).unwrap();
        let claimed = outbox::claim_due_mail(&mut tx, now, until, "dead-worker", 100)
            .await
            .unwrap();
        assert_eq!(claimed.len(), usize::try_from(n).unwrap());
        tx.commit().await.unwrap();
    }
    let transport = Arc::new(FakeTransport::default());
    let m = mailer(transport.clone(), policy.clone());

    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    app.clock
        .advance(policy.lease.checked_sub(secs(1)).unwrap());
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().claimed, 0);
    app.clock.advance(secs(1));
    assert_eq!(app.sb.deliver_due_mail(&m).await.unwrap().sent, n);
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!((priya.status, priya.attempts), (MailStatus::Sent, 2));

    // The dead worker's late report changes nothing: its claim is gone.
    let mut tx = app.db.db.write().await.unwrap();
    assert!(
        !outbox::mark_mail_failed(&mut tx, priya.id, "dead-worker", "late", None)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(
        mail_to(&app, &acct, "priya@acme.example.com").await.status,
        MailStatus::Sent
    );
}

async fn several_workers_at_once_send_every_mail_exactly_once(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    {
        let mut tx = app.db.db.write().await.unwrap();
        for i in 0..60 {
            let m = NewMail {
                account_id: acct.id,
                kind: "notice".to_owned(),
                to: format!("user{i}@acme.example.com"),
                subject: format!("Notice {i}"),
                body: "Hello".to_owned(),
            };
            outbox::insert_mail(&mut tx, &m, app.sb.now())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let queued = all_mail(&app, &acct).await;
    let transport = Arc::new(FakeTransport {
        delay: Duration::from_millis(3),
        ..FakeTransport::default()
    });
    let policy = DeliveryPolicy {
        batch: 4,
        ..DeliveryPolicy::default()
    };
    let m = mailer(transport.clone(), policy);
    let workers: Vec<Switchboard> = vec![
        app.sb.clone(),
        another_process(&app).await,
        another_process(&app).await,
    ];
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|sb| {
            let m = m.clone();
            tokio::spawn(async move {
                let mut claimed = 0;
                loop {
                    let r = sb.deliver_due_mail(&m).await.unwrap();
                    if r.claimed == 0 {
                        break claimed;
                    }
                    assert_eq!(r.sent, r.claimed);
                    claimed += r.claimed;
                }
            })
        })
        .collect();
    let mut per_worker = Vec::new();
    for t in tasks {
        per_worker.push(t.await.unwrap());
    }

    let sent = transport.sent();
    let ids: BTreeSet<_> = sent.iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), sent.len(), "a mail was sent twice");
    assert_eq!(ids, queued.iter().map(|m| m.id).collect());
    assert_eq!(
        per_worker.iter().sum::<u32>(),
        u32::try_from(queued.len()).unwrap()
    );
    assert!(
        per_worker.iter().filter(|&&c| c > 0).count() >= 2,
        "the workers took turns: {per_worker:?}"
    );
    let all = all_mail(&app, &acct).await;
    assert!(
        all.iter()
            .all(|m| m.status == MailStatus::Sent && m.attempts == 1)
    );
}

async fn a_stopping_worker_hands_back_the_mail_it_has_not_sent(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    invited(
        &app,
        &acct.owner_ctx,
        "Priya Sharma",
        "priya@acme.example.com",
    )
    .await;
    let n = u32::try_from(all_mail(&app, &acct).await.len()).unwrap();
    let transport = Arc::new(FakeTransport::default());
    let m = mailer(transport.clone(), DeliveryPolicy::default());

    let r = app.sb.deliver_due_mail_while(&m, || false).await.unwrap();
    assert_eq!((r.claimed, r.sent, r.released), (n, 0, n));
    let priya = mail_to(&app, &acct, "priya@acme.example.com").await;
    assert_eq!((priya.status, priya.attempts), (MailStatus::Pending, 0));

    // Due again at once, for this worker or another.
    let r = app.sb.deliver_due_mail(&m).await.unwrap();
    assert_eq!((r.claimed, r.sent), (n, n));
    assert_eq!(
        mail_to(&app, &acct, "priya@acme.example.com")
            .await
            .attempts,
        1
    );
}

async fn a_worker_whose_lease_runs_short_hands_back_the_rest_of_its_batch(app: TestApp) {
    let acct = app.account("Acme", Plan::Pro, 10).await;
    for name in ["Priya Sharma", "Rahul Verma", "Asha Rao"] {
        let email = format!("{}@acme.example.com", name.split(' ').next().unwrap());
        invited(&app, &acct.owner_ctx, name, &email.to_lowercase()).await;
    }
    let n = u32::try_from(all_mail(&app, &acct).await.len()).unwrap();
    let policy = DeliveryPolicy::default();
    // Each send takes 40% of the lease: two fit in the first half.
    let transport = Arc::new(FakeTransport {
        tick: Some((app.clock.clone(), policy.lease / 5 * 2)),
        ..FakeTransport::default()
    });
    let m = mailer(transport.clone(), policy);

    let r = app.sb.deliver_due_mail(&m).await.unwrap();
    assert_eq!((r.claimed, r.sent, r.released), (n, 2, n - 2));
    let r = app.sb.deliver_due_mail(&m).await.unwrap();
    assert_eq!((r.claimed, r.sent), (n - 2, 2));
    let sent = transport.sent();
    let ids: BTreeSet<_> = sent.iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), sent.len());
    assert!(
        all_mail(&app, &acct)
            .await
            .iter()
            .all(|m| m.status != MailStatus::Sent || m.attempts == 1)
    );
}

both_backends!(
    a_stopping_worker_hands_back_the_mail_it_has_not_sent,
    a_worker_whose_lease_runs_short_hands_back_the_rest_of_its_batch,
    a_failing_smtp_server_is_retried_with_backoff_until_the_mail_is_delivered,
    a_mail_is_given_up_after_the_last_attempt_and_kept_as_failed,
    a_permanently_refused_recipient_fails_at_once_and_others_are_delivered,
    a_mail_claimed_by_a_worker_that_died_is_sent_when_its_lease_runs_out,
    several_workers_at_once_send_every_mail_exactly_once,
);
