//! API and SCIM tokens as stored: what a token may do, never its secret.

use crate::ids::{AccountId, ApiTokenId, RoleId, UserId};

/// A stored API token (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// Id.
    pub id: ApiTokenId,
    /// Account.
    pub account_id: AccountId,
    /// The user it acts for, if any.
    pub user_id: Option<UserId>,
    /// A name to recognise it by.
    pub name: String,
    /// `api` or `scim`.
    pub kind: String,
    /// The role bounding what it may do (API tokens).
    pub role_id: Option<RoleId>,
    /// What an API token may be used for: `api` (the REST API within its role) and/or
    /// `calls:ingest` (reporting finished calls), or `sip:proxy` alone (the SIP proxy:
    /// credentials, registrations, call routes, its calls' records).
    pub scopes: Vec<String>,
    /// Created.
    pub created_at: jiff::Timestamp,
    /// Last used.
    pub last_used_at: Option<jiff::Timestamp>,
    /// Revoked.
    pub revoked_at: Option<jiff::Timestamp>,
    /// When it stops working, if it was given an end.
    pub expires_at: Option<jiff::Timestamp>,
}
