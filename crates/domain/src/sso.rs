//! Single sign-on through OpenID Connect (R16): an account's connection, which claim of the
//! provider's ID token identifies a person and which Switchboard field it is matched to,
//! and whom a verified identity may sign in as. The protocol itself (discovery, keys, the
//! token) lives in the service; what is decided here is pure.

use serde::Serialize;

mod claims;

pub use claims::{SsoClaim, SsoMatch};

use crate::error::{DomainError, FieldError};
use crate::user::{User, UserStatus};

/// An account's OpenID Connect connection (the client secret is kept apart: it is never
/// read back).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SsoConnection {
    /// The account's sign-in link is `/sign-in/<slug>`; unique across accounts.
    pub slug: String,
    /// The provider's name as people know it ("Sign in with <display_name>").
    pub display_name: String,
    /// The issuer; discovery is at `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// Scopes asked for; always includes `openid`.
    pub scopes: Vec<String>,
    /// The claim that identifies a person.
    pub claim: SsoClaim,
    /// The field it is matched to.
    pub match_field: SsoMatch,
    /// Email domains whose addresses the sign-in page sends to this provider.
    pub email_domains: Vec<String>,
    /// Whether people other than the owner may still sign in with a password.
    pub password_sign_in: bool,
    /// Whether an unknown, verified identity becomes a Basic user (just-in-time).
    pub jit: bool,
}

/// A connection as typed by a person, before it is checked.
#[derive(Clone, Debug, Default)]
pub struct SsoConnectionInput {
    /// See [`SsoConnection::slug`].
    pub slug: String,
    /// See [`SsoConnection::display_name`].
    pub display_name: String,
    /// See [`SsoConnection::issuer`].
    pub issuer: String,
    /// See [`SsoConnection::client_id`].
    pub client_id: String,
    /// Space-separated scopes; empty means `openid email profile`.
    pub scopes: String,
    /// See [`SsoConnection::claim`].
    pub claim: String,
    /// See [`SsoConnection::match_field`].
    pub match_field: String,
    /// Email domains, separated by spaces or commas.
    pub email_domains: String,
    /// See [`SsoConnection::password_sign_in`].
    pub password_sign_in: bool,
    /// See [`SsoConnection::jit`].
    pub jit: bool,
}

impl SsoConnection {
    /// Checks a connection, naming every field that is wrong.
    pub fn parse(input: &SsoConnectionInput) -> Result<Self, DomainError> {
        let mut problems = Vec::new();
        let slug = input.slug.trim().to_ascii_lowercase();
        if !(2..=40).contains(&slug.len())
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            || slug.starts_with('-')
            || slug.ends_with('-')
            || slug == "sso"
        {
            problems.push(FieldError::new(
                "slug",
                "invalid",
                "must be 2-40 letters, digits or dashes, e.g. acme (the sign-in link is /sign-in/acme)",
            ));
        }
        let display_name = input.display_name.trim().to_owned();
        if display_name.is_empty() || display_name.chars().count() > 60 {
            problems.push(FieldError::new(
                "display_name",
                "invalid",
                "must be 1-60 characters, e.g. Okta or Microsoft Entra ID",
            ));
        }
        // Kept exactly as typed: the ID token's `iss` must equal it to the letter.
        let issuer = input.issuer.trim().to_owned();
        if let Err(e) = check_issuer(&issuer) {
            problems.push(e);
        }
        let client_id = input.client_id.trim().to_owned();
        if client_id.is_empty() || client_id.len() > 255 || client_id.chars().any(char::is_control)
        {
            problems.push(FieldError::new(
                "client_id",
                "invalid",
                "must be the client (application) id the provider gave, 1-255 characters",
            ));
        }
        let mut scopes: Vec<String> = input.scopes.split_whitespace().map(str::to_owned).collect();
        if scopes.is_empty() {
            scopes = ["openid", "email", "profile"].map(str::to_owned).to_vec();
        }
        if !scopes.iter().any(|s| s == "openid") {
            problems.push(FieldError::new(
                "scopes",
                "invalid",
                "must include openid (OpenID Connect sign-in needs it)",
            ));
        }
        if scopes
            .iter()
            .any(|s| s.len() > 100 || !s.bytes().all(|b| b.is_ascii_graphic() && b != b'"'))
            || scopes.len() > 20
        {
            problems.push(FieldError::new(
                "scopes",
                "invalid",
                "must be at most 20 scope names separated by spaces",
            ));
        }
        let claim = SsoClaim::parse("claim", &input.claim);
        let match_field = SsoMatch::parse("match_field", &input.match_field);
        if let (Ok(c), Ok(m)) = (&claim, &match_field)
            && !m.accepts(*c)
        {
            problems.push(FieldError::new(
                "match_field",
                "invalid",
                format!(
                    "the {} claim cannot be matched to the {} field: match email to email or idp_login, preferred_username or upn to idp_login, and sub or oid to external_id",
                    c.key(),
                    m.key()
                ),
            ));
        }
        let email_domains = parse_domains(&input.email_domains).unwrap_or_else(|e| {
            problems.push(e);
            Vec::new()
        });
        if input.jit && email_domains.is_empty() {
            problems.push(FieldError::new(
                "jit",
                "invalid",
                "users can only be created on first sign-in for the email domains listed: list your company's domains first",
            ));
        }
        let (claim, match_field) = match (claim, match_field) {
            (Ok(c), Ok(m)) if problems.is_empty() => (c, m),
            (c, m) => {
                problems.extend(c.err());
                problems.extend(m.err());
                return Err(DomainError::Validation(problems));
            }
        };
        Ok(Self {
            slug,
            display_name,
            issuer,
            client_id,
            scopes,
            claim,
            match_field,
            email_domains,
            password_sign_in: input.password_sign_in,
            jit: input.jit,
        })
    }

    /// Whether the sign-in page sends this address to the provider.
    pub fn claims_email(&self, email: &str) -> bool {
        email
            .rsplit_once('@')
            .is_some_and(|(_, d)| self.email_domains.iter().any(|x| x.eq_ignore_ascii_case(d)))
    }
}

/// An issuer is an https URL without query or fragment (OpenID Connect Discovery §2); plain
/// http only on the loopback interface, for providers run beside Switchboard.
fn check_issuer(issuer: &str) -> Result<(), FieldError> {
    let bad = |why: &str| Err(FieldError::new("issuer", "invalid", why.to_owned()));
    let rest = if let Some(rest) = issuer.strip_prefix("https://") {
        rest
    } else if let Some(rest) = issuer.strip_prefix("http://") {
        if !is_loopback_http(issuer) {
            return bad(
                "must start with https:// (plain http only for a provider on this machine)",
            );
        }
        rest
    } else {
        return bad(
            "must be the provider's issuer URL, e.g. https://login.example.com/tenant/v2.0",
        );
    };
    if rest.is_empty() || rest.starts_with('/') {
        return bad("names no host");
    }
    if rest
        .split('/')
        .next()
        .is_some_and(|authority| authority.contains('@'))
    {
        return bad("must not carry a user name or password");
    }
    if issuer.len() > 500
        || issuer.contains(['?', '#', ' '])
        || issuer.chars().any(char::is_control)
    {
        return bad("must be a URL without spaces, query or fragment");
    }
    Ok(())
}

/// Whether `url` is plain http to this machine (no user name or password in it): the only
/// plain http a provider, or any of its endpoints, may use.
pub fn is_loopback_http(url: &str) -> bool {
    url.strip_prefix("http://").is_some_and(|rest| {
        let authority = rest.split('/').next().unwrap_or("");
        !authority.contains('@')
            && ["127.0.0.1", "localhost", "[::1]"]
                .iter()
                .any(|h| authority == *h || authority.starts_with(&format!("{h}:")))
    })
}

fn parse_domains(raw: &str) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for d in raw.split([' ', ',', '\n', '\t']).filter(|d| !d.is_empty()) {
        let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
        let ok = d.len() <= 253
            && d.contains('.')
            && d.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !ok {
            return Err(FieldError::new(
                "email_domains",
                "invalid",
                format!("{d:?} is not a domain such as example.com"),
            ));
        }
        if !out.contains(&d) {
            out.push(d);
        }
    }
    Ok(out)
}

/// What a validated ID token says about the person.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// `iss`.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified` (absent counts as not verified).
    pub email_verified: bool,
    /// `name`.
    pub name: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `upn`.
    pub upn: Option<String>,
    /// `oid`.
    pub oid: Option<String>,
}

impl Identity {
    /// The value of a claim, when the token has it.
    pub fn claim(&self, claim: SsoClaim) -> Option<&str> {
        match claim {
            SsoClaim::Email => self.email.as_deref(),
            SsoClaim::PreferredUsername => self.preferred_username.as_deref(),
            SsoClaim::Upn => self.upn.as_deref(),
            SsoClaim::Sub => Some(self.subject.as_str()),
            SsoClaim::Oid => self.oid.as_deref(),
        }
        .filter(|v| !v.trim().is_empty())
    }
}

/// Why a sign-in through the provider was refused (R16).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SsoRefusal {
    /// The ID token lacks the claim the connection matches by.
    MissingClaim(SsoClaim),
    /// Matching by email needs the provider to have verified it.
    EmailNotVerified,
    /// No user of the account matches (and just-in-time accounts are off).
    UnknownUser,
    /// The user is deactivated.
    Deactivated,
    /// The user has no Panel Access (a call-only user).
    NoPanelAccess,
    /// The user already signs in as another identity of the provider.
    LinkedToAnotherIdentity,
    /// A just-in-time account could not be made (e.g. no seat is free).
    NotCreated(String),
}

impl SsoRefusal {
    /// A stable key for the audit log.
    pub fn key(&self) -> &'static str {
        match self {
            Self::MissingClaim(_) => "missing_claim",
            Self::EmailNotVerified => "email_not_verified",
            Self::UnknownUser => "unknown_user",
            Self::Deactivated => "deactivated",
            Self::NoPanelAccess => "no_panel_access",
            Self::LinkedToAnotherIdentity => "linked_to_another_identity",
            Self::NotCreated(_) => "not_created",
        }
    }

    /// What the person is told.
    pub fn message(&self) -> String {
        match self {
            Self::MissingClaim(c) => format!(
                "Your identity provider did not send the {} claim this account signs people in by. Ask your IT team to release it to Switchboard.",
                c.key()
            ),
            Self::EmailNotVerified => "Your identity provider has not verified your email address, so Switchboard cannot sign you in with it. Ask your IT team to verify it.".to_owned(),
            Self::UnknownUser => "There is no Switchboard user for you in this account. Ask an administrator to add you.".to_owned(),
            Self::Deactivated => "Your Switchboard user is deactivated. Ask an administrator to activate it.".to_owned(),
            Self::NoPanelAccess => "Your Switchboard user receives calls but has no access to the dashboard. Ask an administrator for Panel Access.".to_owned(),
            Self::LinkedToAnotherIdentity => "This Switchboard user already signs in as another person of your identity provider. Ask an administrator.".to_owned(),
            Self::NotCreated(why) => format!("Switchboard could not create a user for you: {why}."),
        }
    }
}

/// How an accepted identity enters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsoEntry {
    /// An active user signs in.
    SignsIn,
    /// A user whose invite is pending accepts it by this first sign-in.
    AcceptsInvite,
}

/// The value the connection matches users by, from a verified identity (R16: never an
/// email the provider has not verified).
pub fn sso_identifier(conn: &SsoConnection, id: &Identity) -> Result<String, SsoRefusal> {
    let value = id
        .claim(conn.claim)
        .ok_or(SsoRefusal::MissingClaim(conn.claim))?;
    if conn.claim == SsoClaim::Email && !id.email_verified {
        return Err(SsoRefusal::EmailNotVerified);
    }
    Ok(value.trim().to_owned())
}

/// R16: whether the user found for an identity may sign in, and how. `linked` is the
/// provider subject the user signed in as before, if any.
pub fn judge_sso_user(
    user: &User,
    linked: Option<&str>,
    id: &Identity,
) -> Result<SsoEntry, SsoRefusal> {
    if linked.is_some_and(|s| s != id.subject) {
        return Err(SsoRefusal::LinkedToAnotherIdentity);
    }
    if !user.panel_access {
        return Err(SsoRefusal::NoPanelAccess);
    }
    match user.status {
        UserStatus::Inactive => Err(SsoRefusal::Deactivated),
        UserStatus::PendingInvite => Ok(SsoEntry::AcceptsInvite),
        UserStatus::Active => Ok(SsoEntry::SignsIn),
    }
}

/// Just-in-time accounts: the name and email a new user gets from an unknown identity,
/// when the connection allows it; only a verified email at one of the connection's own
/// domains makes one (a provider anyone can join must not let anyone in).
pub fn jit_profile(conn: &SsoConnection, id: &Identity) -> Result<(String, String), SsoRefusal> {
    if !conn.jit {
        return Err(SsoRefusal::UnknownUser);
    }
    let email = id
        .email
        .clone()
        .filter(|e| !e.trim().is_empty())
        .ok_or(SsoRefusal::MissingClaim(SsoClaim::Email))?;
    if !id.email_verified {
        return Err(SsoRefusal::EmailNotVerified);
    }
    if !conn.claims_email(&email) {
        return Err(SsoRefusal::UnknownUser);
    }
    let name = id
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
    Ok((name, email))
}

/// R16: whether a user may sign in with a password. With password sign-in turned off only
/// the owner may, as a way back in when the provider is down.
pub fn password_sign_in_allowed(conn: Option<&SsoConnection>, is_owner: bool) -> bool {
    conn.is_none_or(|c| c.password_sign_in) || is_owner
}

#[cfg(test)]
mod tests;
