//! The call route for an INVITE (SPEC §3): the dialled extension or number and the moment
//! → the steps the SIP proxy rings, in order: the department's (or user's) ringing step,
//! then the fallback (voicemail, or another department's route). The proxy asks for one
//! step at a time (`stage` 0, 1, …), so a fallback is decided when it is reached. Only
//! tokens with the `sip:proxy` scope ask.

use std::collections::{HashMap, HashSet};

use switchboard_domain::department::Fallback;
use switchboard_domain::resources::Destination;
use switchboard_domain::sip::SipDomain;
use switchboard_domain::sip::route::{
    Gateway, RegisteredPhone, RouteMember, Step, department_step, user_step,
};
use switchboard_domain::{DepartmentId, E164, Extension, User};
use switchboard_store::sip as store;
use switchboard_store::{departments, resources, users};

use super::credentials::account_domain;
use super::proxy::require_sip_proxy;
use super::route_cache::RouteCache;
use crate::error::{Result, not_found};
use crate::routing::plan_of;
use crate::{Change, Ctx, Switchboard};

/// What the proxy can reach besides registered phones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gateways {
    /// Its carrier gateway: users without a registered phone ring on their mobile.
    pub carrier: Option<Gateway>,
    /// Its voicemail server: a voicemail fallback leaves a message there.
    pub voicemail: Option<Gateway>,
}

/// One step of a call's route.
#[derive(Clone, Debug)]
pub struct CallRoute {
    /// The account's SIP domain (the host of every leg's Request-URI).
    pub domain: SipDomain,
    /// Its position in the route (the proxy asks for the next one after it).
    pub position: usize,
    /// The department the dialled number routes to, which the call's record names.
    pub called_department: Option<DepartmentId>,
    /// The step.
    pub step: Step,
}

/// Whom a dialled string reaches.
enum Callee {
    User(Box<User>),
    Department(DepartmentId),
}

/// Whom `to` reaches: internal calls dial an extension; anything else is one of the
/// account's numbers, routed to a department or a user (or nowhere yet: `Some(None)`).
async fn resolve(c: &mut Change, to: &str) -> Result<Option<Option<Callee>>> {
    if let Ok(ext) = Extension::parse("to", to) {
        return Ok(users::find_user_by_extension(&mut c.tx, c.account.id, ext)
            .await?
            .map(|u| Some(Callee::User(Box::new(u)))));
    }
    let Ok(number) = E164::parse("to", to) else {
        return Ok(None);
    };
    let Some(n) = resources::find_number_route(&mut c.tx, c.account.id, &number).await? else {
        return Ok(None);
    };
    Ok(Some(match n.destination {
        Some(Destination::Department(d)) => Some(Callee::Department(d)),
        Some(Destination::User(u)) => users::find_user(&mut c.tx, c.account.id, u)
            .await?
            .map(|u| Callee::User(Box::new(u))),
        None => None,
    }))
}

/// The ringing step of a department at `at`, and its fallback; `None` when the account
/// has no such department. Reads the department (with round robin's rotation and the
/// versions of its members) and, unless `routes` keeps them at those versions, its members
/// and their phones; call history only for the method that uses it.
async fn department_route(
    c: &mut Change,
    routes: &RouteCache,
    id: DepartmentId,
    at: jiff::Timestamp,
    carrier: bool,
) -> Result<Option<(Option<Step>, Fallback)>> {
    let Some(d) = departments::find_route_department(&mut c.tx, c.account.id, id).await? else {
        return Ok(None);
    };
    let members = routes.members(c, &d, at).await?;
    let department = &d.department;
    let plan = plan_of(c, department, Some(d.rotation), &members, at).await?;
    let step = department_step(&plan, id, department.ring_time_secs, &members, carrier);
    Ok(Some((step, plan.fallback)))
}

fn phone_of(p: store::SipPhone) -> (switchboard_domain::UserId, RegisteredPhone) {
    (
        p.user_id,
        RegisteredPhone {
            contact: p.contact,
            received: p.received,
        },
    )
}

/// Positions of a call's route, in order: each department of the fallback chain rings at
/// one position (empty when nobody there can ring now), and a voicemail fallback is one
/// more. Positions depend only on the departments' fallback settings, not on who can ring
/// at the moment, so the proxy's "next stage" means the same thing from one request to
/// the next. Computed until a non-empty position at or after `from` is found; a
/// department visited twice ends the chain, so fallbacks cannot loop.
async fn first_step_from(
    c: &mut Change,
    routes: &RouteCache,
    callee: Callee,
    to: &str,
    from: usize,
    at: jiff::Timestamp,
    gw: &Gateways,
) -> Result<Option<(usize, Step)>> {
    let mut positions: Vec<Option<Step>> = Vec::new();
    let mut next = Some(callee);
    let mut seen = HashSet::new();
    while let Some(callee) = next.take() {
        match callee {
            Callee::User(user) => {
                let phone = store::find_user_phone(&mut c.tx, c.account.id, user.id, at)
                    .await?
                    .map(|p| phone_of(p).1);
                let member = RouteMember::of(&user, phone);
                positions.push(user_step(&member, gw.carrier.is_some(), at));
                if user.voicemail {
                    positions.push(gw.voicemail.as_ref().map(|_| Step::Voicemail {
                        mailbox: user.extension.to_string(),
                    }));
                }
            }
            Callee::Department(id) => {
                if !seen.insert(id) {
                    break;
                }
                // Positions before `from` only count; their members need not be read.
                let (step, fallback) = if positions.len() < from {
                    let Some(d) = departments::find_department(&mut c.tx, c.account.id, id).await?
                    else {
                        break;
                    };
                    (None, d.fallback)
                } else {
                    let Some(found) =
                        department_route(c, routes, id, at, gw.carrier.is_some()).await?
                    else {
                        break;
                    };
                    found
                };
                positions.push(step);
                match fallback {
                    Fallback::Voicemail => {
                        positions.push(gw.voicemail.as_ref().map(|_| Step::Voicemail {
                            mailbox: to.to_owned(),
                        }));
                    }
                    Fallback::Department { department_id } => {
                        next = Some(Callee::Department(department_id));
                    }
                    Fallback::None => {}
                }
            }
        }
        if positions.iter().skip(from).any(Option::is_some) {
            break;
        }
    }
    Ok(positions
        .into_iter()
        .enumerate()
        .skip(from)
        .find_map(|(i, s)| s.map(|s| (i, s))))
}

impl Switchboard {
    /// The first step at or after position `stage` of the route of a call to `to` (an
    /// extension, or one of the account's numbers) at `at` (now when `None`), with its
    /// position; `None` when nothing is left to ring (the proxy hangs up). Not found when
    /// `to` is neither.
    pub async fn sip_call_route(
        &self,
        ctx: &Ctx,
        to: &str,
        stage: usize,
        at: Option<jiff::Timestamp>,
        gateways: &Gateways,
    ) -> Result<Option<CallRoute>> {
        // On the path of every call: no snapshot, as each statement stands alone (number,
        // then department, then members kept by the versions read with it); a change made
        // meanwhile routes the call as a moment earlier or later would.
        let mut c = self.begin_read_latest(ctx).await?;
        require_sip_proxy(&mut c, ctx, "asking for a call route").await?;
        let domain = account_domain(&mut c).await?;
        let to = to.trim();
        let Some(callee) = resolve(&mut c, to)
            .await?
            .ok_or_else(|| not_found("extension or number"))?
        else {
            return Ok(None);
        };
        let called_department = match &callee {
            Callee::Department(d) => Some(*d),
            Callee::User(_) => None,
        };
        let at = at.unwrap_or(c.now);
        let found = first_step_from(&mut c, &self.routes, callee, to, stage, at, gateways).await?;
        c.tx.rollback().await?;
        Ok(found.map(|(position, step)| CallRoute {
            domain,
            position,
            called_department,
            step,
        }))
    }
}

impl Switchboard {
    /// The phones of a department's members registered now, for "who would ring on the
    /// real system" (whoever may view users); `None` when the account has no SIP domain,
    /// so no proxy routes its calls.
    pub async fn department_phones(
        &self,
        ctx: &Ctx,
        id: DepartmentId,
    ) -> Result<Option<HashMap<switchboard_domain::UserId, RegisteredPhone>>> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.view_users, "view users")?;
        if store::find_sip_domain(&mut c.tx, c.account.id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let phones = store::list_department_phones(&mut c.tx, c.account.id, id, c.now)
            .await?
            .into_iter()
            .map(phone_of)
            .collect();
        c.tx.rollback().await?;
        Ok(Some(phones))
    }
}
