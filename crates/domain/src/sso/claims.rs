//! Which ID token claim identifies a person, and which Switchboard field it is matched to.

use serde::Serialize;

use crate::error::FieldError;

/// The ID token claim that identifies a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SsoClaim {
    /// `email` (needs `email_verified: true`).
    Email,
    /// `preferred_username` (Okta's login, Keycloak's username).
    PreferredUsername,
    /// `upn` (Entra ID's user principal name).
    Upn,
    /// `sub`, the provider's subject.
    Sub,
    /// `oid`, Entra ID's object id (what Entra sends as the SCIM externalId).
    Oid,
}

impl SsoClaim {
    /// Every claim, in the order forms offer them.
    pub const ALL: [Self; 5] = [
        Self::Email,
        Self::PreferredUsername,
        Self::Upn,
        Self::Sub,
        Self::Oid,
    ];

    /// The claim's name in the ID token.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::PreferredUsername => "preferred_username",
            Self::Upn => "upn",
            Self::Sub => "sub",
            Self::Oid => "oid",
        }
    }

    /// Parses a claim name.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|c| c.key() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "invalid",
                    format!("{raw:?} is not a claim Switchboard can match; use email, preferred_username, upn, sub or oid"),
                )
            })
    }
}

/// The Switchboard field a claim is matched to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SsoMatch {
    /// The user's email.
    Email,
    /// The user's identity provider login (SCIM userName).
    IdpLogin,
    /// The user's external id (SCIM externalId).
    ExternalId,
}

impl SsoMatch {
    /// Every field, in the order forms offer them.
    pub const ALL: [Self; 3] = [Self::Email, Self::IdpLogin, Self::ExternalId];

    /// The field's wire name.
    pub fn key(&self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::IdpLogin => "idp_login",
            Self::ExternalId => "external_id",
        }
    }

    /// Parses a field name.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|m| m.key() == raw.trim())
            .ok_or_else(|| {
                FieldError::new(
                    field,
                    "invalid",
                    format!(
                        "{raw:?} is not a user field to match; use email, idp_login or external_id"
                    ),
                )
            })
    }

    /// Whether a claim's values can stand for this field: only the (verified) email claim
    /// for the email — a login a person may choose is never taken for their address — a
    /// login for the login, an opaque id for the external id.
    pub fn accepts(&self, claim: SsoClaim) -> bool {
        use SsoClaim as C;
        match self {
            Self::Email => claim == C::Email,
            Self::IdpLogin => matches!(claim, C::Email | C::PreferredUsername | C::Upn),
            Self::ExternalId => matches!(claim, C::Sub | C::Oid),
        }
    }
}
