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
use switchboard_domain::{AccountId, DepartmentId, E164, Extension};
use switchboard_store::sip::{self as store, MemberBy};
use switchboard_store::{Reads, departments, resources};

use super::credentials::domain_or_refusal;
use super::proxy::require_sip_proxy;
use super::route_cache::RouteCache;
use crate::error::{Result, not_found};
use crate::routing::plan_of;
use crate::{Ctx, Switchboard};

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
    User(Box<RouteMember>),
    Department(DepartmentId),
}

/// What a route is worked out for: the account, the moment of the call, what the proxy
/// can reach besides phones, and the members kept between calls.
struct Routing<'a> {
    account: AccountId,
    at: jiff::Timestamp,
    gateways: &'a Gateways,
    routes: &'a RouteCache,
}

/// Whom `to` reaches: internal calls dial an extension; anything else is one of the
/// account's numbers, routed to a department or a user (or nowhere yet: `Some(None)`).
async fn resolve(
    reads: &mut Reads<'_>,
    account: AccountId,
    to: &str,
) -> Result<Option<Option<Callee>>> {
    let member = |m: Option<RouteMember>| m.map(|m| Callee::User(Box::new(m)));
    if let Ok(ext) = Extension::parse("to", to) {
        let found = store::find_route_member(reads, account, MemberBy::Extension(ext)).await?;
        return Ok(found.map(|m| member(Some(m))));
    }
    // Numbers are stored as E.164 text, the form proxies send: that is looked up as it
    // comes, and only another form is parsed (the numbering plan's check costs more than
    // the lookup).
    let as_sent = E164::canonical_text(to);
    let mut found = match as_sent {
        Some(text) => resources::find_number_route(reads, account, text).await?,
        None => None,
    };
    if found.is_none() {
        let Ok(number) = E164::parse("to", to) else {
            return Ok(None);
        };
        if as_sent != Some(number.as_str()) {
            found = resources::find_number_route(reads, account, number.as_str()).await?;
        }
    }
    let Some(n) = found else {
        return Ok(None);
    };
    Ok(Some(match n.destination {
        Some(Destination::Department(d)) => Some(Callee::Department(d)),
        Some(Destination::User(u)) => {
            member(store::find_route_member(reads, account, MemberBy::Id(u)).await?)
        }
        None => None,
    }))
}

/// The ringing step of a department at the call's moment, and its fallback; `None` when
/// the account has no such department. Reads the department (with round robin's rotation
/// and the versions of its members) and, unless `routes` keeps them at those versions, its
/// members and their phones; call history only for the method that uses it.
async fn department_route(
    reads: &mut Reads<'_>,
    r: &Routing<'_>,
    id: DepartmentId,
) -> Result<Option<(Option<Step>, Fallback)>> {
    let Some(d) = departments::find_route_department(reads, r.account, id).await? else {
        return Ok(None);
    };
    let members = r.routes.members(reads, &d, r.at).await?;
    let department = &d.department;
    let plan = plan_of(reads, department, Some(d.rotation), &members, r.at).await?;
    let carrier = r.gateways.carrier.is_some();
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
    reads: &mut Reads<'_>,
    r: &Routing<'_>,
    callee: Callee,
    to: &str,
    from: usize,
) -> Result<Option<(usize, Step)>> {
    let gw = r.gateways;
    let mut positions: Vec<Option<Step>> = Vec::new();
    let mut next = Some(callee);
    let mut seen = HashSet::new();
    while let Some(callee) = next.take() {
        match callee {
            Callee::User(user) => {
                let phone = store::find_user_phone(reads, r.account, user.id, r.at)
                    .await?
                    .map(|p| phone_of(p).1);
                let member = RouteMember { phone, ..*user };
                positions.push(user_step(&member, gw.carrier.is_some(), r.at));
                if member.voicemail {
                    positions.push(gw.voicemail.as_ref().map(|_| Step::Voicemail {
                        mailbox: member.extension.to_string(),
                    }));
                }
            }
            Callee::Department(id) => {
                if !seen.insert(id) {
                    break;
                }
                // Positions before `from` only count; their members need not be read.
                let (step, fallback) = if positions.len() < from {
                    let Some(d) = departments::find_route_department(reads, r.account, id).await?
                    else {
                        break;
                    };
                    (None, d.department.fallback)
                } else {
                    let Some(found) = department_route(reads, r, id).await? else {
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

/// The step at or after position `stage` of the route of a call to `to`, read by `reads`
/// for a requester already found to be the SIP proxy, in the account's SIP domain as read.
async fn route_from(
    reads: &mut Reads<'_>,
    r: &Routing<'_>,
    domain: Option<SipDomain>,
    to: &str,
    stage: usize,
) -> Result<Option<CallRoute>> {
    let domain = domain_or_refusal(domain)?;
    let to = to.trim();
    let Some(callee) = resolve(reads, r.account, to)
        .await?
        .ok_or_else(|| not_found("extension or number"))?
    else {
        return Ok(None);
    };
    let called_department = match &callee {
        Callee::Department(d) => Some(*d),
        Callee::User(_) => None,
    };
    let found = first_step_from(reads, r, callee, to, stage).await?;
    Ok(found.map(|(position, step)| CallRoute {
        domain,
        position,
        called_department,
        step,
    }))
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
        let mut r = Routing {
            account: ctx.account_id,
            at: at.unwrap_or_else(|| self.clock.now()),
            gateways,
            routes: &self.routes,
        };
        // On the path of every call: when the rights held for the proxy's token are
        // current, the route is read without reading them again (on SQLite in one read
        // transaction on this thread); else they are read first. No snapshot is needed
        // otherwise, as each statement stands alone (number, then department, then
        // members kept by the versions read with it): a change made meanwhile routes the
        // call as a moment earlier or later would.
        {
            let mut reads = self.db.reads().await?;
            if let Some((version, domain)) = store::find_route_head(&mut reads, r.account).await?
                && self.held_at(ctx, version).is_some()
                && ctx.known_sip_proxy(version) == Some(true)
            {
                return route_from(&mut reads, &r, domain, to, stage).await;
            }
        }
        let mut c = self.begin_read_latest(ctx).await?;
        require_sip_proxy(&mut c, ctx, "asking for a call route").await?;
        r.at = at.unwrap_or(c.now);
        let found = {
            let mut reads = Reads::Tx(&mut c.tx);
            let domain = store::find_sip_domain(&mut reads, r.account).await?;
            route_from(&mut reads, &r, domain, to, stage).await?
        };
        c.tx.rollback().await?;
        Ok(found)
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
        c.who.require_view_users()?;
        if store::find_sip_domain(&mut Reads::Tx(&mut c.tx), c.account.id)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        let phones =
            store::list_department_phones(&mut Reads::Tx(&mut c.tx), c.account.id, id, c.now)
                .await?
                .into_iter()
                .map(phone_of)
                .collect();
        c.tx.rollback().await?;
        Ok(Some(phones))
    }
}
