//! Real calls, end to end on loopback: Switchboard, Kamailio run with the shipped
//! `deploy/kamailio/kamailio.cfg`, and SIPp agents as phones, carrier gateway and callers.
//! What is asserted is what the agents receive on the wire. Needs `kamailio` and `sipp`
//! (Debian `kamailio`, `kamailio-utils-modules`, `sip-tester`); `scripts/test` sets
//! `SWITCHBOARD_TEST_SIP=1`, and then a missing one is a failure, not a skip.

mod agents;
mod calls;
mod ringing;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;
use switchboard_domain::{Plan, UserId};
use switchboard_testkit::TestAccount;
use tokio::process::{Child, Command};

use crate::support::{Client, Server};
use crate::users::{at, owner_api};

pub const DOMAIN: &str = "calls.acme.example";

/// A free UDP port on loopback (free when asked; the tests' ports are far apart).
pub fn free_udp_port() -> u16 {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().port()
}

/// Whether the SIP tools are here; without `SWITCHBOARD_TEST_SIP` a machine without them
/// skips these stories.
pub fn sip_tools() -> bool {
    let have = |bin: &str| {
        std::process::Command::new(bin)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    let present = have("kamailio") && have("sipp");
    if !present && std::env::var_os("SWITCHBOARD_TEST_SIP").is_some() {
        panic!("SWITCHBOARD_TEST_SIP is set but kamailio or sipp is missing");
    }
    if !present {
        eprintln!("skipped: kamailio and sipp are not installed");
    }
    present
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A Kamailio process running the shipped configuration against the test server.
pub struct Kamailio {
    /// `127.0.0.1:PORT`.
    pub address: String,
    child: Child,
}

impl Drop for Kamailio {
    /// Kamailio forks its workers; killing the main process alone leaves them running, so
    /// the whole process group it was started in goes.
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

impl Kamailio {
    /// Starts Kamailio as [`Kamailio::start`] does, with a voicemail server (a SIPp agent)
    /// that answers at once.
    pub async fn with_voicemail(
        dir: &Path,
        switchboard: &str,
        token: &str,
    ) -> (Self, agents::Agent) {
        let vm_port = free_udp_port();
        let k = Self::start(dir, switchboard, token, free_udp_port(), Some(vm_port)).await;
        let voicemail = agents::Agent::phone(
            dir,
            "voicemail",
            &k.address,
            vm_port,
            agents::Answer::After(Duration::ZERO),
        )
        .await;
        (k, voicemail)
    }

    /// Starts Kamailio with Switchboard's URL, the proxy token, the carrier gateway at
    /// `carrier_port` and, if given, a voicemail server; waits until it answers.
    pub async fn start(
        dir: &Path,
        switchboard: &str,
        token: &str,
        carrier_port: u16,
        voicemail_port: Option<u16>,
    ) -> Self {
        for _ in 0..3 {
            if let Some(k) =
                Self::try_start(dir, switchboard, token, carrier_port, voicemail_port).await
            {
                return k;
            }
        }
        panic!(
            "Kamailio did not start: see {}",
            dir.join("kamailio.log").display()
        );
    }

    async fn try_start(
        dir: &Path,
        switchboard: &str,
        token: &str,
        carrier_port: u16,
        voicemail_port: Option<u16>,
    ) -> Option<Self> {
        let port = free_udp_port();
        let address = format!("127.0.0.1:{port}");
        let cfg = repo_root().join("deploy/kamailio/kamailio.cfg");
        let run = dir.join("kamailio-run");
        std::fs::create_dir_all(&run).unwrap();
        let log = std::fs::File::create(dir.join("kamailio.log")).unwrap();
        let mut cmd = Command::new("kamailio");
        cmd.arg("-f")
            .arg(&cfg)
            .args(["-DD", "-E", "-n", "2"])
            .args(["-A", &format!("LISTEN=udp:{address}")])
            .arg("-Y")
            .arg(&run)
            .arg("-P")
            .arg(run.join("kamailio.pid"))
            .args(["-A", &format!("SWITCHBOARD_URL=\"{switchboard}\"")])
            .args(["-A", &format!("SWITCHBOARD_TOKEN=\"{token}\"")])
            .args([
                "-A",
                &format!("CARRIER_GATEWAY=\"sip:127.0.0.1:{carrier_port}\""),
            ])
            .args(["-A", &format!("SELF_ADDRESS=\"{address}\"")]);
        if let Some(vm) = voicemail_port {
            cmd.args(["-A", &format!("VOICEMAIL_SERVER=\"sip:127.0.0.1:{vm}\"")]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0)
            .kill_on_drop(true);
        let child = cmd.spawn().unwrap();
        let mut k = Self { address, child };
        k.wait_ready().await.then_some(k)
    }

    /// Whether it answers (an OPTIONS gets a reply) before giving up or exiting.
    async fn wait_ready(&mut self) -> bool {
        let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let me = sock.local_addr().unwrap();
        for i in 0..50 {
            let options = format!(
                "OPTIONS sip:{a} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bK-ready{i}\r\n\
                 From: <sip:probe@{me}>;tag=probe\r\nTo: <sip:{a}>\r\nCall-ID: ready-{i}@{me}\r\n\
                 CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                a = self.address
            );
            sock.send_to(options.as_bytes(), &self.address)
                .await
                .unwrap();
            let mut buf = [0u8; 2048];
            if let Ok(Ok(_)) =
                tokio::time::timeout(Duration::from_millis(200), sock.recv_from(&mut buf)).await
            {
                return true;
            }
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
        }
        false
    }
}

/// A test account ready for calls: its SIP domain, and the proxy's token.
pub struct SipAccount {
    pub acct: TestAccount,
    pub admin: Client,
    pub proxy_token: String,
}

pub async fn sip_account(s: &Server, name: &str) -> SipAccount {
    // Kamailio reports calls at the real time: the server's clock must agree.
    s.app.clock.set(jiff::Timestamp::now());
    let acct = s.account(name, Plan::Pro, 30).await;
    let admin = owner_api(s, &acct).await;
    let r = admin
        .put(
            "/api/v1/account/sip-domain",
            &json!({ "sip_domain": DOMAIN }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = admin
        .post(
            "/api/v1/api-tokens",
            &json!({ "name": "Kamailio", "scopes": ["sip:proxy"] }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    SipAccount {
        acct,
        admin,
        proxy_token: r.body["secret"].as_str().unwrap().to_owned(),
    }
}

/// Issues SIP credentials for `user`; the password.
pub async fn credentials(admin: &Client, user: UserId) -> String {
    let r = admin
        .post(&format!("{}/sip-credentials", at(user)), &json!({}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    r.body["password"].as_str().unwrap().to_owned()
}

/// A scratch directory for scenarios and logs, kept when a test fails.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("switchboard-sip-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A ringing department of `members` (by the owner, over the API), reached at `number`.
pub async fn routed_department(
    sa: &SipAccount,
    name: &str,
    method: &str,
    ring_time_secs: u32,
    members: &[UserId],
    fallback: serde_json::Value,
    number: &str,
) -> String {
    let r = sa
        .admin
        .post(
            "/api/v1/departments",
            &json!({ "name": name, "routing_method": method, "ring_time_secs": ring_time_secs,
                     "fallback": fallback,
                     "members": members.iter().map(ToString::to_string).collect::<Vec<_>>() }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let dept = r.body["id"].as_str().unwrap().to_owned();
    let r = sa
        .admin
        .post(
            "/api/v1/numbers",
            &json!({ "number": number, "owner_id": sa.acct.owner.to_string(),
                     "destination": { "type": "department", "id": dept } }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    dept
}

/// The account's call log, newest first.
pub async fn call_log(sa: &SipAccount) -> Vec<serde_json::Value> {
    let r = sa.admin.get("/api/v1/calls").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

/// Registers `ext`'s phone from a free port and starts it there, answering as told (on
/// another port if SIPp could not start on that one).
pub async fn registered_phone(
    dir: &Path,
    k: &Kamailio,
    ext: &str,
    password: &str,
    answer: agents::Answer,
) -> agents::Agent {
    for _ in 0..3 {
        let port = free_udp_port();
        assert!(
            agents::register(dir, &k.address, port, (ext, DOMAIN, password), 200).await,
            "{ext} registers; logs in {}",
            dir.display()
        );
        if let Some(a) =
            agents::Agent::try_phone(dir, &format!("phone-{ext}"), &k.address, port, answer).await
        {
            return a;
        }
    }
    panic!("no phone for {ext} could start; logs in {}", dir.display());
}
