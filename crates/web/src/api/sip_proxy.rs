//! What the SIP proxy asks at call time (tokens with the `sip:proxy` scope only):
//! `/api/v1/sip/route`, the call route of an INVITE as a document Kamailio's `rtjson`
//! module forks from, and `/api/v1/sip/registrations`, where the proxy reports the phones
//! it registered.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use switchboard_domain::sip::route::{
    Forking, Gateway, Reach, SipTarget, Step, leg_target, parse_sip_uri, voicemail_target,
};
use switchboard_service::sip::proxy::PhoneBinding;
use switchboard_service::sip::route::{CallRoute, Gateways};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::params;
use crate::AppState;
use crate::auth::Authed;
use crate::error::ApiResult;
use crate::extract::{ApiJsonOrForm, ApiQuery};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(call_route))
        .routes(routes!(report_registration))
}

/// The call to route.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RouteQuery {
    /// What was dialled: one of the account's numbers (E.164), or an extension for an
    /// internal call.
    #[param(example = "+14155550100")]
    pub to: String,
    /// Who calls (for the proxy's logs; the route does not depend on it).
    pub from: Option<String>,
    /// Which step of the route: 0 first, then 1, 2, … each time the previous step ended
    /// unanswered.
    #[param(minimum = 0, maximum = 16)]
    pub stage: Option<u32>,
    /// The moment (RFC 3339); now when absent.
    #[param(format = DateTime)]
    pub at: Option<String>,
    /// The proxy's carrier gateway (`sip:host[:port]`): users without a registered phone
    /// ring on their mobile through it. Without it they are skipped.
    #[param(example = "sip:192.0.2.10:5060")]
    pub carrier: Option<String>,
    /// The proxy's voicemail server (`sip:host[:port]`). Without it a voicemail fallback
    /// hangs up.
    #[param(example = "sip:192.0.2.20:5060")]
    pub voicemail: Option<String>,
}

/// One destination of the step, in `rtjson`'s terms plus who it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouteLegOut {
    /// The Request-URI: `sip:<extension>@<sip domain>` for a phone,
    /// `sip:<mobile>@<carrier>;user=phone` for a mobile, the mailbox for voicemail.
    pub uri: String,
    /// The next hop: where the phone registered from, the carrier gateway, the voicemail
    /// server.
    pub dst_uri: Option<String>,
    /// Milliseconds this destination rings before the next (serial forking).
    pub fr_inv_timer: u32,
    /// `phone`, `mobile` or `voicemail`.
    pub via: &'static str,
    /// The user rung (absent for voicemail).
    #[schema(format = "uuid")]
    pub user_id: Option<String>,
    /// Their extension.
    pub extension: Option<String>,
}

/// A ringing user the proxy cannot reach.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreachableOut {
    /// The user.
    #[schema(format = "uuid")]
    pub user_id: String,
    /// `no_phone_no_mobile` or `no_phone_no_carrier`.
    pub reason: &'static str,
}

/// One step of a call route: a routing document for Kamailio's `rtjson` module
/// (`version`, `routing`, `routes`), with what it was decided from.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallRouteOut {
    /// Always `1.0`.
    pub version: &'static str,
    /// `parallel` (every route at once: `ring_all`) or `serial` (one after another).
    pub routing: &'static str,
    /// The destinations, in order.
    pub routes: Vec<RouteLegOut>,
    /// The position of this step in the call's route: ask for `stage` = this + 1 when it
    /// ends unanswered. It is past the stage asked for when the steps in between have
    /// nobody to ring now.
    pub stage: u32,
    /// The department the dialled number routes to (what the call's record names), even
    /// when this step is a fallback's.
    #[schema(format = "uuid")]
    pub called_department_id: Option<String>,
    /// `ring` or `voicemail`.
    pub step: &'static str,
    /// The department whose plan rings (absent for a direct call or voicemail).
    #[schema(format = "uuid")]
    pub department_id: Option<String>,
    /// Its routing method.
    pub method: Option<String>,
    /// Milliseconds the step rings in all (parallel) or each route rings (serial).
    pub ring_time_ms: u32,
    /// Users the plan rings whom the proxy cannot reach.
    pub unreachable: Vec<UnreachableOut>,
}

fn route_leg(t: SipTarget, ring_ms: u32, via: &'static str) -> RouteLegOut {
    RouteLegOut {
        uri: t.uri,
        dst_uri: t.dst_uri,
        fr_inv_timer: ring_ms,
        via,
        user_id: None,
        extension: None,
    }
}

/// Seconds a voicemail server is given to answer.
const VOICEMAIL_ANSWER_MS: u32 = 30_000;

fn route_out(route: CallRoute, gw: &Gateways) -> CallRouteOut {
    let stage = u32::try_from(route.position).unwrap_or(u32::MAX);
    let called_department_id = route.called_department.map(|d| d.to_string());
    match route.step {
        Step::Ring {
            department_id,
            method,
            forking,
            ring_secs,
            legs,
            unreachable,
        } => {
            let ring_ms = ring_secs.saturating_mul(1000);
            CallRouteOut {
                version: "1.0",
                routing: match forking {
                    Forking::Parallel => "parallel",
                    Forking::Serial => "serial",
                },
                routes: legs
                    .iter()
                    .map(|leg| {
                        let via = match leg.reach {
                            Reach::Phone(_) => "phone",
                            Reach::Mobile(_) => "mobile",
                        };
                        let t = leg_target(leg, &route.domain, gw.carrier.as_ref());
                        RouteLegOut {
                            user_id: Some(leg.user_id.to_string()),
                            extension: Some(leg.extension.to_string()),
                            ..route_leg(t, ring_ms, via)
                        }
                    })
                    .collect(),
                stage,
                called_department_id,
                step: "ring",
                department_id: department_id.map(|d| d.to_string()),
                method: method.map(|m| m.key().to_owned()),
                ring_time_ms: ring_ms,
                unreachable: unreachable
                    .into_iter()
                    .map(|(u, why)| UnreachableOut {
                        user_id: u.to_string(),
                        reason: why.key(),
                    })
                    .collect(),
            }
        }
        Step::Voicemail { mailbox } => {
            let routes = gw
                .voicemail
                .as_ref()
                .map(|v| {
                    route_leg(
                        voicemail_target(&mailbox, v),
                        VOICEMAIL_ANSWER_MS,
                        "voicemail",
                    )
                })
                .into_iter()
                .collect();
            CallRouteOut {
                version: "1.0",
                routing: "serial",
                routes,
                stage,
                called_department_id,
                step: "voicemail",
                department_id: None,
                method: None,
                ring_time_ms: VOICEMAIL_ANSWER_MS,
                unreachable: Vec::new(),
            }
        }
    }
}

/// The call route of an INVITE, one step at a time (tokens with the `sip:proxy` scope
/// only): the same decision as the ring plan, as a routing document for Kamailio's
/// `rtjson` module. Position 0 rings the department the number routes to (or the dialled
/// extension's user); each later position is the fallback of the one before (another
/// department's route, or voicemail). The answer is the first step at or after `stage`
/// with someone to ring, and says its position in `stage`; 204 when there is none left:
/// the proxy hangs up.
#[utoipa::path(get, path = "/sip/route", tag = "sip", params(RouteQuery),
    responses((status = 200, description = "The step to ring", body = CallRouteOut),
        (status = 204, description = "Nothing more to ring: hang up"),
        (status = 403, description = "The token is not the SIP proxy's",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Neither an extension nor a number of the account",
            body = crate::error::Problem, content_type = "application/problem+json")))]
async fn call_route(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiQuery(q): ApiQuery<RouteQuery>,
) -> ApiResult<Response> {
    params::non_empty("to", &q.to)?;
    params::max_len("to", &q.to, 32)?;
    let stage = q.stage.unwrap_or(0);
    if stage > 16 {
        return Err(switchboard_domain::FieldError::new(
            "stage",
            "out_of_range",
            "must be between 0 and 16",
        )
        .into());
    }
    let at =
        q.at.as_deref()
            .map(|a| params::timestamp("at", a))
            .transpose()?;
    let gw = Gateways {
        carrier: q
            .carrier
            .as_deref()
            .map(|c| Gateway::parse("carrier", c))
            .transpose()?,
        voicemail: q
            .voicemail
            .as_deref()
            .map(|v| Gateway::parse("voicemail", v))
            .transpose()?,
    };
    let route = state
        .sb
        .sip_call_route(&ctx, &q.to, stage as usize, at, &gw)
        .await?;
    Ok(match route {
        Some(r) => Json(route_out(r, &gw)).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// A registration the proxy accepted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationIn {
    /// The username the phone registered with (the user's extension).
    #[schema(example = "201")]
    pub username: String,
    /// The domain it registered under (the account's SIP domain).
    #[schema(example = "acme.sip.example.com")]
    pub domain: String,
    /// The phone's Contact URI; may be empty when `expires` is 0.
    #[schema(example = "sip:201@192.0.2.55:5060")]
    pub contact: Option<String>,
    /// Where the REGISTER came from, when it differs from the Contact (NAT).
    #[schema(example = "sip:198.51.100.7:49152")]
    pub received: Option<String>,
    /// Seconds the registration holds; 0 when the phone unregistered.
    #[schema(minimum = 0, maximum = 86400)]
    pub expires: u32,
}

/// The proxy reports a REGISTER it accepted (tokens with the `sip:proxy` scope only), as
/// JSON or as a form: the call route then rings that phone until the registration
/// expires, and users with no phone registered ring on their mobile. `expires` 0 (or an
/// empty `contact`) forgets the phone. 404 when nobody holds credentials as
/// `username@domain`.
#[utoipa::path(post, path = "/sip/registrations", tag = "sip",
    request_body(content((RegistrationIn = "application/json"),
        (RegistrationIn = "application/x-www-form-urlencoded"))),
    responses((status = 204, description = "Recorded"),
        (status = 403, description = "The token is not the SIP proxy's",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No credentials for username@domain",
            body = crate::error::Problem, content_type = "application/problem+json")))]
async fn report_registration(
    State(state): State<AppState>,
    Authed(ctx): Authed,
    ApiJsonOrForm(r): ApiJsonOrForm<RegistrationIn>,
) -> ApiResult<StatusCode> {
    params::max_len("username", &r.username, 20)?;
    params::max_len("domain", &r.domain, 253)?;
    if r.expires > 86_400 {
        return Err(switchboard_domain::FieldError::new(
            "expires",
            "out_of_range",
            "must be between 0 and 86400 seconds",
        )
        .into());
    }
    let contact = r.contact.as_deref().map(str::trim).unwrap_or("");
    let expires = if contact.is_empty() { 0 } else { r.expires };
    let contact = if expires == 0 {
        String::new()
    } else {
        parse_sip_uri("contact", contact, 512)?
    };
    let received = r
        .received
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty() && expires > 0)
        .map(|s| parse_sip_uri("received", s, 255))
        .transpose()?;
    state
        .sb
        .sip_registered(
            &ctx,
            &r.username,
            &r.domain,
            &PhoneBinding {
                contact,
                received,
                expires_secs: expires,
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
