//! Which uniqueness rule a violation broke, matched by exact name: one table for both
//! databases.

use super::UniqueKey;

/// Each uniqueness rule the store reports: PostgreSQL's index name, and the columns SQLite
/// names in its message ("UNIQUE constraint failed: users.account_id, users.email_key").
pub(super) const UNIQUE_RULES: &[(&str, &str, UniqueKey)] = &[
    (
        "users_account_email_key_uq",
        "users.account_id, users.email_key",
        UniqueKey::Email,
    ),
    (
        "users_account_mobile_uq",
        "users.account_id, users.mobile",
        UniqueKey::Mobile,
    ),
    (
        "users_account_extension_uq",
        "users.account_id, users.extension",
        UniqueKey::Extension,
    ),
    (
        "users_account_external_id_uq",
        "users.account_id, users.external_id",
        UniqueKey::ExternalId,
    ),
    (
        "users_account_idp_username_key_uq",
        "users.account_id, users.idp_username_key",
        UniqueKey::IdpUsername,
    ),
    (
        "roles_account_name_key_uq",
        "roles.account_id, roles.name_key",
        UniqueKey::Name,
    ),
    (
        "departments_account_name_key_uq",
        "departments.account_id, departments.name_key",
        UniqueKey::Name,
    ),
    (
        "departments_account_external_id_uq",
        "departments.account_id, departments.external_id",
        UniqueKey::ExternalId,
    ),
    (
        "numbers_account_number_uq",
        "numbers.account_id, numbers.number",
        UniqueKey::Number,
    ),
    (
        "call_records_engine_uq",
        "call_records.account_id, call_records.engine_call_id",
        UniqueKey::EngineCallId,
    ),
    (
        "sso_connections_slug_uq",
        "sso_connections.slug",
        UniqueKey::SsoSlug,
    ),
    (
        "sso_domains_domain_uq",
        "sso_domains.domain",
        UniqueKey::SsoDomain,
    ),
    (
        "sip_domains_domain_uq",
        "sip_domains.domain",
        UniqueKey::SipDomain,
    ),
];

/// The rule a unique violation broke, by exact constraint name (PostgreSQL) or exact
/// column list (SQLite); `Other` for the rest (ids, token hashes).
pub(super) fn unique_key(constraint: Option<&str>, message: &str) -> UniqueKey {
    let columns = message.strip_prefix("UNIQUE constraint failed: ");
    UNIQUE_RULES
        .iter()
        .find(|(name, cols, _)| constraint == Some(*name) || columns == Some(*cols))
        .map_or(UniqueKey::Other, |(_, _, key)| *key)
}
