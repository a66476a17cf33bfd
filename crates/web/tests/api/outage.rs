//! PostgreSQL going away and coming back: the server answers at once — `/readyz` 503, a
//! write 503 with `Retry-After` and nothing written — and recovers by itself. The outage is
//! real: the server reaches PostgreSQL through a TCP relay the test cuts (connections reset,
//! new ones refused) and restores.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use switchboard_domain::Plan;
use switchboard_testkit::{Backend, TestApp};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::AbortHandle;

use crate::support::Server;

/// A TCP relay to `target` that can be cut and restored.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Relay {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let open: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (up2, open2) = (up.clone(), open.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                open2.lock().await.push(task.abort_handle());
            }
        });
        Self { port, up, open }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for t in self.open.lock().await.drain(..) {
            t.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_is_unreachable_the_server_answers_503_at_once_and_recovers() {
    let Some(app) = TestApp::new(Backend::Postgres).await else {
        return;
    };
    let url = app.db.url.clone();
    let hostport = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let relay = Relay::start(hostport.clone()).await;
    let relayed = url.replace(&hostport, &format!("127.0.0.1:{}", relay.port));
    let sb = app.service_at(&relayed).await;
    let s = Server::start_with(app, |state| state.sb = sb).await;
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = s.as_token(&s.token(&acct.owner_ctx, "Administrator").await);
    let anonymous = s.anonymous();
    assert_eq!(anonymous.get("/readyz").await.status, 200);
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Before", "mobile": "+919876543210" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);

    relay.cut().await;
    let started = Instant::now();
    let r = anonymous.get("/readyz").await;
    let readyz = started.elapsed();
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert!(readyz < Duration::from_secs(3), "readyz took {readyz:?}");

    let started = Instant::now();
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "During", "mobile": "+919876543211" }),
        )
        .await;
    let write = started.elapsed();
    assert_eq!(r.status, 503, "{:?}", r.body);
    assert_eq!(r.code(), "database_unavailable", "{:?}", r.body);
    assert!(r.header("retry-after").is_some());
    assert!(write < Duration::from_secs(6), "the write took {write:?}");
    let r = api.get("/api/v1/users").await;
    assert_eq!(r.status, 503, "{:?}", r.body);
    eprintln!("outage: /readyz answered in {readyz:?}, a write in {write:?}");

    relay.restore();
    let started = Instant::now();
    loop {
        if anonymous.get("/readyz").await.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "never recovered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("recovered in {:?}", started.elapsed());
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "After", "mobile": "+919876543212" }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let names: Vec<String> = api.get("/api/v1/users").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"Before".to_owned()) && names.contains(&"After".to_owned()));
    assert!(!names.contains(&"During".to_owned()), "{names:?}");
}
