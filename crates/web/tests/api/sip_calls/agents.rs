//! SIPp agents: phones that register with their credentials and then answer (or let
//! ring) the INVITEs they receive, a carrier gateway, and callers. Each runs as a real
//! `sipp` process on its own loopback port, logging every SIP message it exchanges.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use super::free_udp_port;

/// How a phone behaves when an INVITE reaches it.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// Rings this long, then answers, unless cancelled first.
    After(Duration),
    /// Rings until cancelled.
    Never,
}

/// A SIP message an agent received.
#[derive(Clone, Debug)]
pub struct Received {
    /// When it arrived (seconds since the epoch, from SIPp's log).
    pub at: f64,
    /// Its first line (`INVITE sip:201@… SIP/2.0`, `SIP/2.0 200 OK`).
    pub first_line: String,
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

const RESPONSE_HEADERS: &str = "[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\n[last_CSeq:]\n[last_Record-Route:]\nContact: <sip:[local_ip]:[local_port];transport=[transport]>";

/// The session both ends offer: one PCMU audio stream.
const SDP: &str = "v=0\no=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]\ns=-\n\
                   c=IN IP[media_ip_type] [media_ip]\nt=0 0\nm=audio [media_port] RTP/AVP 0\n\
                   a=rtpmap:0 PCMU/8000\n";

/// A phone (UAS): answers after `answer`, or handles the CANCEL; then the caller's BYE.
fn phone_scenario(answer: Answer) -> String {
    let ring_ms = match answer {
        // SIPp reads a timeout of 0 as none.
        Answer::After(d) => ms(d).max(1),
        Answer::Never => 600_000,
    };
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="phone">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
{h}
Content-Length: 0

]]></send>
  <recv request="CANCEL" timeout="{ring_ms}" ontimeout="answer"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [last_cseq_number] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK" next="end"/>
  <label id="answer"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
{h}
Content-Type: application/sdp
Content-Length: [len]

{SDP}]]></send>
  <recv request="ACK"/>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <label id="end"/>
</scenario>
"#,
        h = RESPONSE_HEADERS
    )
}

/// A REGISTER with digest authentication; `expect` is the final answer wanted.
fn register_scenario(user: &str, domain: &str, password: &str, expect: u16) -> String {
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
REGISTER sip:{domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@{domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:{user}@{domain}>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:{user}@[local_ip]:[local_port]>
Expires: 300
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:{domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@{domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:{user}@{domain}>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:{user}@[local_ip]:[local_port]>
[authentication username={user} password={password}]
Expires: 300
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="{expect}"/>
</scenario>
"#
    )
}

/// A caller dialling `to` from the carrier's side: talks `talk` when answered, and
/// accepts `expect_final` (200, or the failure it expects).
fn caller_scenario(to: &str, proxy: &str, talk: Duration, expect_final: u16) -> String {
    let answered = expect_final == 200;
    let tail = if answered {
        format!(
            r#"  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+14155550123@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="{talk}"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+14155550123@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
[last_To:]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
"#,
            talk = ms(talk)
        )
    } else {
        format!(
            r#"  <recv response="{expect_final}"/>
  <send><![CDATA[
ACK sip:{to}@{proxy} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-1]
From: <sip:+14155550123@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
"#
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="caller">
  <send retrans="500"><![CDATA[
INVITE sip:{to}@{proxy} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:+14155550123@[local_ip]:[local_port]>;tag=[pid]SIPpTag09[call_number]
To: <sip:{to}@{proxy}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:+14155550123@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

{SDP}]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
{tail}</scenario>
"#
    )
}

/// A SIPp process and the file it logs messages to.
pub struct Agent {
    pub name: String,
    log: PathBuf,
    child: Child,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// A media port for SIPp beside SIP `port`: SIPp binds it and the next three (audio and
/// video, RTP and RTCP), so all four must be free and none may be the SIP port.
fn free_media_port(port: u16) -> u16 {
    loop {
        let p = free_udp_port();
        let Some(last) = p.checked_add(3) else {
            continue;
        };
        if !(p..=last).contains(&port)
            && (p..=last).all(|q| std::net::UdpSocket::bind(("127.0.0.1", q)).is_ok())
        {
            return p;
        }
    }
}

fn sipp(dir: &Path, name: &str, scenario: &str, port: u16, proxy: &str) -> (Command, PathBuf) {
    let sf = dir.join(format!("{name}.xml"));
    std::fs::write(&sf, scenario).unwrap();
    let log = dir.join(format!("{name}.messages"));
    let mut cmd = Command::new("sipp");
    cmd.arg(proxy)
        .args(["-sf", sf.to_str().unwrap()])
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &free_media_port(port).to_string()])
        .args(["-trace_msg", "-message_file", log.to_str().unwrap()])
        .arg("-nostdin")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join(format!("{name}.err"))).unwrap())
        .kill_on_drop(true);
    (cmd, log)
}

/// Registers `user@domain` with `password` from `port`; whether the answer was `expect`.
pub async fn register(
    dir: &Path,
    proxy: &str,
    port: u16,
    (user, domain, password): (&str, &str, &str),
    expect: u16,
) -> bool {
    let name = format!("register-{user}-{port}-{expect}");
    let (mut cmd, _) = sipp(
        dir,
        &name,
        &register_scenario(user, domain, password, expect),
        port,
        proxy,
    );
    cmd.args(["-m", "1", "-timeout", "15s", "-timeout_error"]);
    cmd.status().await.unwrap().success()
}

impl Agent {
    /// A phone (or gateway) listening on `port`, answering as told; `None` when SIPp
    /// could not start there (the port was taken meanwhile).
    pub async fn try_phone(
        dir: &Path,
        name: &str,
        proxy: &str,
        port: u16,
        answer: Answer,
    ) -> Option<Self> {
        let (mut cmd, log) = sipp(dir, name, &phone_scenario(answer), port, proxy);
        let mut child = cmd.spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        if child.try_wait().unwrap().is_some() {
            return None;
        }
        Some(Self {
            name: name.to_owned(),
            log,
            child,
        })
    }

    /// A gateway or phone at `port`, which must start.
    pub async fn phone(dir: &Path, name: &str, proxy: &str, port: u16, answer: Answer) -> Self {
        match Self::try_phone(dir, name, proxy, port, answer).await {
            Some(a) => a,
            None => panic!(
                "SIPp {name} did not start on port {port}: {}",
                std::fs::read_to_string(dir.join(format!("{name}.err"))).unwrap_or_default()
            ),
        }
    }

    /// The messages it has received so far.
    pub fn received(&self) -> Vec<Received> {
        parse_log(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    /// The INVITEs it has received so far.
    pub fn invites(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|m| m.first_line.starts_with("INVITE "))
            .collect()
    }

    /// Whether it has received a CANCEL.
    pub fn was_cancelled(&self) -> bool {
        self.received()
            .iter()
            .any(|m| m.first_line.starts_with("CANCEL "))
    }
}

/// Places one call to `to` through the proxy; whether it ended as `expect_final` said
/// (answered and hung up after `talk`, or refused with that code).
pub async fn call(dir: &Path, proxy: &str, to: &str, talk: Duration, expect_final: u16) -> bool {
    let port = free_udp_port();
    let name = format!("caller-{to}-{port}");
    let (mut cmd, _) = sipp(
        dir,
        &name,
        &caller_scenario(to, proxy, talk, expect_final),
        port,
        proxy,
    );
    cmd.args(["-m", "1", "-timeout", "90s", "-timeout_error"]);
    cmd.status().await.unwrap().success()
}

/// SIPp's message log: each message follows a line of dashes ending in its local time,
/// then a line saying whether it was sent or received.
fn parse_log(text: &str) -> Vec<Received> {
    let mut out = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(stamp) = line
            .strip_prefix("----")
            .map(|l| l.trim_start_matches('-').trim())
        else {
            continue;
        };
        let at = stamp
            .replacen(' ', "T", 1)
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::system()).ok())
            .map(|z| z.timestamp().as_millisecond() as f64 / 1000.0)
            .unwrap_or(0.0);
        let received = lines.next().is_some_and(|l| l.contains("message received"));
        if !received {
            continue;
        }
        if let Some(first) = lines.by_ref().map(str::trim).find(|l| !l.is_empty()) {
            out.push(Received {
                at,
                first_line: first.to_owned(),
            });
        }
    }
    out
}
