//! The dashboard's frame: who is looking ([`Viewer`], from the session cookie), the left
//! navigation their permissions allow, flash messages carried across a redirect in a
//! short-lived cookie (Post/Redirect/Get), form bodies with repeated keys, and the CSRF
//! check of cookie-authenticated forms.

use askama::Template;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use switchboard_domain::{Account, Permissions, Role, User, UserId};
use switchboard_service::Ctx;

use super::{failure, message, render};
use crate::AppState;
use crate::auth::{SESSION_COOKIE, clear_session_cookie, client_addr, cookie, same_secret};

const FLASH_COOKIE: &str = "sb_flash";

/// A message shown once, on the page after a redirect.
#[derive(Clone, Debug)]
pub(crate) struct Flash {
    /// Success (true) or refusal (false).
    pub good: bool,
    /// The sentence.
    pub text: String,
}

impl Flash {
    pub(crate) fn ok(text: impl Into<String>) -> Self {
        Self {
            good: true,
            text: text.into(),
        }
    }

    pub(crate) fn error(text: impl Into<String>) -> Self {
        Self {
            good: false,
            text: sentence(&text.into()),
        }
    }

    fn encode(&self) -> String {
        let kind = if self.good { "ok" } else { "err" };
        format!("{kind}.{}", hex::encode(self.text.as_bytes()))
    }

    fn decode(raw: &str) -> Option<Self> {
        let (kind, text) = raw.split_once('.')?;
        let text = String::from_utf8(hex::decode(text).ok()?).ok()?;
        let text: String = text.chars().take(1000).collect();
        match kind {
            "ok" => Some(Self { good: true, text }),
            "err" => Some(Self { good: false, text }),
            _ => None,
        }
    }
}

/// `text` with its first letter capitalised (the service's messages start lower-case
/// because they are also read inside other sentences).
pub(crate) fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn flash_cookie(value: &str, max_age: u32, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

/// Redirects (303) to `to`, showing `flash` on the page there.
pub(crate) fn redirect_with(state: &AppState, to: &str, flash: &Flash) -> Response {
    (
        [(
            header::SET_COOKIE,
            flash_cookie(&flash.encode(), 120, state.secure_cookies),
        )],
        Redirect::to(to),
    )
        .into_response()
}

/// Adds `flash` to a response made elsewhere (the redirect that sets a session cookie).
pub(crate) fn add_flash(state: &AppState, mut res: Response, flash: &Flash) -> Response {
    res.headers_mut().append(
        header::SET_COOKIE,
        flash_cookie(&flash.encode(), 120, state.secure_cookies),
    );
    res
}

/// A signed-in person looking at the dashboard, with their account, profile and role as
/// they are right now.
#[derive(Clone, Debug)]
pub(crate) struct Viewer {
    /// Acting as the signed-in user.
    pub ctx: Ctx,
    /// The session's CSRF token, for the hidden field of every form.
    pub csrf_token: String,
    /// The account.
    pub account: Account,
    /// The signed-in user.
    pub user: User,
    /// Their role and its permissions.
    pub role: Role,
    /// The message carried from the previous request, if any.
    pub flash: Option<Flash>,
    /// Whether htmx asked for a fragment (`HX-Request`, not a boosted navigation).
    pub htmx: bool,
    secure_cookies: bool,
}

impl Viewer {
    /// The permissions in force.
    pub(crate) fn perms(&self) -> &Permissions {
        &self.role.permissions
    }

    /// Whether the viewer is an Administrator.
    pub(crate) fn is_admin(&self) -> bool {
        self.role.is_administrator()
    }

    /// Whether this is the viewer's own profile.
    pub(crate) fn is_self(&self, id: UserId) -> bool {
        self.user.id == id
    }

    /// Whether the form's `csrf_token` is this session's.
    pub(crate) fn csrf_ok(&self, form: &FormData) -> bool {
        form.get("csrf_token")
            .is_some_and(|t| same_secret(t.trim(), &self.csrf_token))
    }

    /// The frame of a page whose nav entry is `current`.
    pub(crate) fn shell(&self, current: &'static str) -> Shell {
        Shell {
            account_name: self.account.name.to_string(),
            user_id: self.user.id.to_string(),
            user_name: self.user.name.to_string(),
            role_name: self.role.name.to_string(),
            csrf_token: self.csrf_token.clone(),
            nav: nav(self.perms(), self.is_admin()),
            current,
            flash: self.flash.clone(),
        }
    }

    /// `t` in the viewer's own time zone, for display.
    pub(crate) fn when(&self, t: jiff::Timestamp) -> String {
        t.to_zoned(self.user.time_zone.time_zone())
            .strftime("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// Renders a page for this viewer; the flash it showed is then cleared.
    pub(crate) fn page(&self, status: StatusCode, t: &impl Template) -> Response {
        let mut res = render(status, t);
        if self.flash.is_some() && !self.htmx {
            res.headers_mut()
                .append(header::SET_COOKIE, flash_cookie("", 0, self.secure_cookies));
        }
        res
    }
}

/// What every dashboard page shows around its content.
#[derive(Clone, Debug)]
pub(crate) struct Shell {
    pub account_name: String,
    pub user_id: String,
    pub user_name: String,
    pub role_name: String,
    pub csrf_token: String,
    pub nav: Vec<NavItem>,
    pub current: &'static str,
    pub flash: Option<Flash>,
}

/// One entry of the left navigation.
#[derive(Clone, Debug)]
pub(crate) struct NavItem {
    pub key: &'static str,
    pub href: &'static str,
    pub label: &'static str,
}

/// The sections a role may open, in the order the navigation lists them.
fn nav(p: &Permissions, admin: bool) -> Vec<NavItem> {
    let all = [
        (p.view_users, "users", "/users", "Users"),
        (
            p.manage_departments,
            "departments",
            "/departments",
            "Departments",
        ),
        (p.manage_departments, "numbers", "/numbers", "Numbers"),
        (p.manage_departments, "workflows", "/workflows", "Workflows"),
        (p.manage_roles, "roles", "/roles", "Roles & permissions"),
        (p.view_audit, "audit", "/audit", "Audit log"),
        (admin, "plan", "/plan", "Plan & seats"),
        (admin, "sso", "/settings/sso", "Single sign-on"),
        (p.view_users, "test-call", "/test-call", "Test call"),
        (admin, "mail", "/mail", "Sent mail"),
        (p.api_tokens, "api-tokens", "/api-tokens", "API tokens"),
    ];
    all.into_iter()
        .filter(|(allowed, ..)| *allowed)
        .map(|(_, key, href, label)| NavItem { key, href, label })
        .collect()
}

/// Whether the nav entry `key` is open to these permissions.
pub(crate) fn nav_allows(v: &Viewer, key: &str) -> bool {
    nav(v.perms(), v.is_admin()).iter().any(|n| n.key == key)
}

/// Everyone in the account the viewer may see, by name, read a page of 500 at a time: the
/// choices of the pages' person pickers.
pub(crate) async fn everyone(
    state: &AppState,
    v: &Viewer,
) -> Result<Vec<User>, switchboard_service::Error> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = state
            .sb
            .list_users(
                &v.ctx,
                &switchboard_service::users::UserQuery::default(),
                cursor.as_deref(),
                500,
            )
            .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        // htmx follows a redirect inside its request and would swap the sign-in page into
        // the list: tell it to load the page instead.
        let htmx = is_htmx(&parts.headers);
        let to_sign_in = || {
            if htmx {
                ([("hx-redirect", "/sign-in")], "").into_response()
            } else {
                Redirect::to("/sign-in").into_response()
            }
        };
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_sign_in());
        };
        let auth = match state.sb.authenticate_session(secret).await {
            Ok(Some(a)) => a,
            Ok(None) => {
                return Err((
                    [(header::SET_COOKIE, clear_session_cookie(state))],
                    to_sign_in(),
                )
                    .into_response());
            }
            Err(e) => return Err(failure(&e)),
        };
        let ctx = Ctx::user(auth.account_id, auth.user_id, client_addr(parts));
        let view = state
            .sb
            .session_view(auth.account_id, auth.user_id)
            .await
            .map_err(|e| failure(&e))?;
        let role = state
            .sb
            .get_role(&ctx, view.user.role_id)
            .await
            .map_err(|e| failure(&e))?;
        Ok(Self {
            ctx,
            csrf_token: auth.csrf_token,
            account: view.account,
            user: view.user,
            role,
            flash: cookie(&parts.headers, FLASH_COOKIE).and_then(Flash::decode),
            htmx,
            secure_cookies: state.secure_cookies,
        })
    }
}

fn is_htmx(headers: &HeaderMap) -> bool {
    let set = |name: &str| headers.get(name).is_some_and(|v| v.as_bytes() == b"true");
    set("hx-request") && !set("hx-boosted")
}

/// A urlencoded form or query string as its ordered pairs, so that repeated keys
/// (checkbox lists) survive.
#[derive(Clone, Debug, Default)]
pub(crate) struct FormData(Vec<(String, String)>);

impl FormData {
    pub(crate) fn parse(bytes: &[u8]) -> Self {
        Self(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// The first value of `key`, as sent.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key`, trimmed, or `""`.
    pub(crate) fn text(&self, key: &str) -> String {
        self.get(key).unwrap_or("").trim().to_owned()
    }

    /// The trimmed value of `key` when it is not blank.
    pub(crate) fn opt(&self, key: &str) -> Option<String> {
        Some(self.text(key)).filter(|s| !s.is_empty())
    }

    /// Every non-blank value of `key`, in order.
    pub(crate) fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Whether a checkbox named `key` was ticked.
    pub(crate) fn checked(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "The form could not be read",
                "Send the form from its page.",
                Some(("/", "Home")),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self::parse(&bytes))
    }
}

/// The answer to a form post whose CSRF token is missing or wrong.
pub(crate) fn csrf_refused() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Refused",
        "This form has expired or was sent from another site. Reload the page and try again.",
        Some(("/users", "Back to the dashboard")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_survives_its_cookie_and_a_forged_one_is_ignored() {
        let f = Flash::error("extension 204 is held by Rahul Verma; <b>");
        let back = Flash::decode(&f.encode()).unwrap();
        assert!(!back.good);
        assert_eq!(back.text, "Extension 204 is held by Rahul Verma; <b>");
        assert!(Flash::decode("warn.414243").is_none());
        assert!(Flash::decode("ok.zz").is_none());
    }

    #[test]
    fn repeated_form_keys_are_kept_in_order() {
        let f = FormData::parse(b"departments=a&name=+Priya+&departments=b&departments=");
        assert_eq!(f.all("departments"), vec!["a", "b"]);
        assert_eq!(f.text("name"), "Priya");
        assert!(!f.checked("voicemail"));
    }
}
