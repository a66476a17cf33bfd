//! The call route (SPEC §3): the ring plan as a SIP proxy needs it at call time. Each
//! ringing user becomes a leg to their registered phone, or to their mobile through the
//! carrier gateway when no phone is registered; then the fallback. Pure: the service
//! reads the plan, the phones and the gateways, and this decides the legs.

use std::collections::HashMap;

use super::SipDomain;
use crate::department::RoutingMethod;
use crate::error::FieldError;
use crate::ids::{DepartmentId, UserId};
use crate::phone::E164;
use crate::routing::{RingPlan, Ringable};
use crate::schedule::WeeklySchedule;
use crate::user::{Availability, UserStatus};
use crate::values::{Extension, TimeZoneName};

/// Seconds a direct call to a user's extension rings before their fallback.
pub const DIRECT_RING_SECS: u32 = 30;

/// A phone registered for a user, as the proxy reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisteredPhone {
    /// The phone's Contact URI.
    pub contact: String,
    /// Where its REGISTER came from (`sip:ip:port`), when behind NAT.
    pub received: Option<String>,
}

/// A department member or dialled user as the call route reads them: what R17 and the
/// plan look at, how to reach them, and their phone if one is registered now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteMember {
    /// The user.
    pub id: UserId,
    /// Their extension.
    pub extension: Extension,
    /// Their mobile, if any.
    pub mobile: Option<E164>,
    /// Active, invited or deactivated.
    pub status: UserStatus,
    /// Whether Receive calls is on.
    pub receive_calls: bool,
    /// Their call hours.
    pub call_hours: WeeklySchedule,
    /// Their time zone.
    pub time_zone: TimeZoneName,
    /// Their availability.
    pub availability: Availability,
    /// Whether a direct call falls back to their voicemail.
    pub voicemail: bool,
    /// Their phone registered now, if any.
    pub phone: Option<RegisteredPhone>,
}

impl Ringable for RouteMember {
    fn id(&self) -> UserId {
        self.id
    }
    fn status(&self) -> UserStatus {
        self.status
    }
    fn receive_calls(&self) -> bool {
        self.receive_calls
    }
    fn call_hours(&self) -> &WeeklySchedule {
        &self.call_hours
    }
    fn time_zone(&self) -> jiff::tz::TimeZone {
        self.time_zone.time_zone()
    }
    fn availability(&self) -> Availability {
        self.availability
    }
}

/// How a leg reaches its user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Their registered SIP phone.
    Phone(RegisteredPhone),
    /// Their mobile, through the carrier gateway.
    Mobile(E164),
}

/// One user to ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    /// The user.
    pub user_id: UserId,
    /// Their extension (the SIP username of their phone).
    pub extension: Extension,
    /// How they are reached.
    pub reach: Reach,
}

/// A ringing user the proxy cannot reach, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreachable {
    /// No phone registered and no mobile number.
    NoPhoneNoMobile,
    /// No phone registered, and the proxy has no carrier gateway for the mobile.
    NoPhoneNoCarrier,
}

impl Unreachable {
    /// The stable key.
    pub fn key(self) -> &'static str {
        match self {
            Self::NoPhoneNoMobile => "no_phone_no_mobile",
            Self::NoPhoneNoCarrier => "no_phone_no_carrier",
        }
    }
}

/// Whether a step's legs ring at once or one after another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forking {
    /// Every leg at once (`ring_all`).
    Parallel,
    /// One leg at a time, each for the ring time.
    Serial,
}

/// A step of the call route: ring some legs, or the fallback's voicemail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ring users.
    Ring {
        /// The department whose plan this is (`None` for a direct call to a user).
        department_id: Option<DepartmentId>,
        /// Its routing method (`None` for a direct call).
        method: Option<RoutingMethod>,
        /// At once or in turn.
        forking: Forking,
        /// Seconds each leg (serial) or the whole step (parallel) rings.
        ring_secs: u32,
        /// Who rings, in order.
        legs: Vec<Leg>,
        /// Ringing users who cannot be reached.
        unreachable: Vec<(UserId, Unreachable)>,
    },
    /// Leave a voicemail in this mailbox (an extension, or the dialled number).
    Voicemail {
        /// The mailbox.
        mailbox: String,
    },
}

/// How a ringing user is reached: their phone if one is registered, else their mobile
/// when the proxy has a carrier gateway.
pub fn reach(
    mobile: Option<&E164>,
    phone: Option<&RegisteredPhone>,
    carrier: bool,
) -> Result<Reach, Unreachable> {
    if let Some(p) = phone {
        return Ok(Reach::Phone(p.clone()));
    }
    match (mobile, carrier) {
        (None, _) => Err(Unreachable::NoPhoneNoMobile),
        (Some(_), false) => Err(Unreachable::NoPhoneNoCarrier),
        (Some(m), true) => Ok(Reach::Mobile(m.clone())),
    }
}

/// The ringing step of a department's plan: its groups become one parallel step
/// (`ring_all`) or one serial leg per user; `None` when nobody can be reached.
pub fn department_step(
    plan: &RingPlan,
    department_id: DepartmentId,
    ring_secs: u32,
    members: &[RouteMember],
    carrier: bool,
) -> Option<Step> {
    let by_id: HashMap<UserId, &RouteMember> = members.iter().map(|m| (m.id, m)).collect();
    let mut legs = Vec::new();
    let mut unreachable = Vec::new();
    for id in plan.ringing() {
        let Some(m) = by_id.get(&id) else {
            continue;
        };
        match reach(m.mobile.as_ref(), m.phone.as_ref(), carrier) {
            Ok(r) => legs.push(Leg {
                user_id: id,
                extension: m.extension,
                reach: r,
            }),
            Err(why) => unreachable.push((id, why)),
        }
    }
    if legs.is_empty() {
        return None;
    }
    let forking = match plan.method {
        RoutingMethod::RingAll => Forking::Parallel,
        _ => Forking::Serial,
    };
    Some(Step::Ring {
        department_id: Some(department_id),
        method: Some(plan.method),
        forking,
        ring_secs,
        legs,
        unreachable,
    })
}

/// The ringing step of a direct call to a user; `None` when R17 keeps them from ringing
/// at `at` or they cannot be reached.
pub fn user_step(member: &RouteMember, carrier: bool, at: jiff::Timestamp) -> Option<Step> {
    if crate::routing::user_exclusion(member, at).is_some() {
        return None;
    }
    let r = reach(member.mobile.as_ref(), member.phone.as_ref(), carrier).ok()?;
    Some(Step::Ring {
        department_id: None,
        method: None,
        forking: Forking::Serial,
        ring_secs: DIRECT_RING_SECS,
        legs: vec![Leg {
            user_id: member.id,
            extension: member.extension,
            reach: r,
        }],
        unreachable: Vec::new(),
    })
}

/// A SIP URI as the proxy reports or configures it: `sip:` or `sips:`, printable, no
/// spaces or angle brackets, at most `max` characters.
pub fn parse_sip_uri(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    let rest = s
        .strip_prefix("sip:")
        .or_else(|| s.strip_prefix("sips:"))
        .ok_or_else(|| {
            FieldError::new(
                field,
                "invalid",
                "must be a SIP URI such as sip:192.0.2.10:5060",
            )
        })?;
    if rest.is_empty() || s.len() > max {
        return Err(FieldError::new(
            field,
            "invalid",
            format!("must be a SIP URI of at most {max} characters"),
        ));
    }
    if s.chars()
        .any(|c| c.is_control() || c.is_whitespace() || "<>\"".contains(c))
    {
        return Err(FieldError::new(
            field,
            "invalid",
            "must not contain spaces, quotes or angle brackets",
        ));
    }
    Ok(s.to_owned())
}

/// A gateway the proxy reaches (carrier or voicemail server): a SIP URI without a user,
/// such as `sip:192.0.2.10:5060;transport=tcp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gateway(String);

impl Gateway {
    /// Parses a gateway URI.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = parse_sip_uri(field, raw, 255)?;
        if s.contains('@') {
            return Err(FieldError::new(
                field,
                "invalid",
                "names a host, not a user: give it as sip:host[:port]",
            ));
        }
        Ok(Self(s))
    }

    /// The URI, to send requests to (the route's `dst_uri`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `host[:port]`, to address a Request-URI to (`sip:<user>@<host[:port]>`).
    pub fn host_port(&self) -> &str {
        let rest = self
            .0
            .strip_prefix("sips:")
            .or_else(|| self.0.strip_prefix("sip:"))
            .unwrap_or(&self.0);
        rest.split([';', '?']).next().unwrap_or(rest)
    }
}

/// Where the proxy sends a leg: the Request-URI and the next hop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipTarget {
    /// The Request-URI.
    pub uri: String,
    /// The next hop, when it is not the Request-URI's host.
    pub dst_uri: Option<String>,
}

/// A phone is addressed as `sip:<extension>@<domain>` and sent to where it registered
/// from; a mobile as `sip:<number>@<carrier>;user=phone` through the carrier gateway.
pub fn leg_target(leg: &Leg, domain: &SipDomain, carrier: Option<&Gateway>) -> SipTarget {
    match &leg.reach {
        Reach::Phone(p) => SipTarget {
            uri: format!("sip:{}@{}", leg.extension, domain),
            dst_uri: Some(p.received.clone().unwrap_or_else(|| p.contact.clone())),
        },
        Reach::Mobile(m) => match carrier {
            Some(g) => SipTarget {
                uri: format!("sip:{}@{};user=phone", m, g.host_port()),
                dst_uri: Some(g.as_str().to_owned()),
            },
            None => SipTarget {
                uri: format!("sip:{m}@{domain};user=phone"),
                dst_uri: None,
            },
        },
    }
}

/// A voicemail step is addressed to the mailbox at the voicemail server.
pub fn voicemail_target(mailbox: &str, voicemail: &Gateway) -> SipTarget {
    SipTarget {
        uri: format!("sip:{}@{}", mailbox, voicemail.host_port()),
        dst_uri: Some(voicemail.as_str().to_owned()),
    }
}
