//! API and SCIM tokens: random secrets shown once, stored as hashes, named, revocable,
//! bounded by a role (API) and by their user's current rights.

use switchboard_domain::ApiTokenRecord;
use switchboard_domain::{ApiTokenId, DomainError, Role, RoleId, RoleRef, UserId};
use switchboard_store::auth;
use switchboard_store::roles;

use std::sync::Arc;

use crate::ctx::{Principal, rights_of_token, token_actor};
use crate::error::{Result, not_found, refuse};
use crate::secrets::{new_token, token_hash};
use crate::token_cache::Held;
use crate::users::resolve_role;
use crate::{Change, Ctx, Switchboard, Target};

/// The scope of an API token that uses the REST API within its role.
pub const SCOPE_API: &str = "api";
/// The scope of an API token that reports finished calls (the telephony engine).
pub const SCOPE_CALLS_INGEST: &str = "calls:ingest";
/// The scope of the SIP proxy's token: SIP credentials for a REGISTER, registrations, call
/// routes and the records of the inbound calls it routed, and nothing else, so it is never
/// combined with another scope.
pub const SCOPE_SIP_PROXY: &str = "sip:proxy";

/// A token to create: see [`Switchboard::create_token`].
#[derive(Clone, Debug)]
pub struct NewApiToken<'a> {
    /// A name to recognise it by, 1–100 characters.
    pub name: &'a str,
    /// `api` or `scim`.
    pub kind: &'a str,
    /// The role bounding an `api`-scoped token.
    pub role: Option<RoleRef>,
    /// The user it acts for (default: the acting user, if any).
    pub user: Option<UserId>,
    /// `api` and/or `calls:ingest`, or `sip:proxy` alone (ignored for SCIM tokens).
    pub scopes: &'a [&'a str],
    /// When it stops working; `None` for never. Must be in the future.
    pub expires_at: Option<jiff::Timestamp>,
}

/// Whether a token record carries `scope`.
pub fn has_scope(t: &ApiTokenRecord, scope: &str) -> bool {
    scopes_vec_has(&t.scopes, scope)
}

/// The scopes an `api` token asks for, each once; reporting calls and the SIP proxy's
/// lookup are the Administrators', and the SIP proxy's scope stands alone.
fn granted_scopes(who: &Principal, scopes: &[&str]) -> Result<Vec<String>> {
    let mut granted: Vec<String> = Vec::new();
    for s in scopes.iter().map(|s| s.trim()) {
        if !matches!(s, SCOPE_API | SCOPE_CALLS_INGEST | SCOPE_SIP_PROXY) {
            return refuse(DomainError::field(
                "scopes",
                "invalid",
                format!("{s:?} is not a scope; use api, calls:ingest or sip:proxy"),
            ));
        }
        if !scopes_vec_has(&granted, s) {
            granted.push(s.to_owned());
        }
    }
    if granted.is_empty() {
        return refuse(DomainError::field(
            "scopes",
            "required",
            "give at least one scope: api, calls:ingest or sip:proxy",
        ));
    }
    if scopes_vec_has(&granted, SCOPE_CALLS_INGEST) {
        who.require(who.is_admin, "create tokens that report calls")?;
    }
    if scopes_vec_has(&granted, SCOPE_SIP_PROXY) {
        who.require(who.is_admin, "create tokens for the SIP proxy")?;
        if granted.len() > 1 {
            return refuse(DomainError::field(
                "scopes",
                "invalid",
                "sip:proxy stands alone: the SIP proxy's token may do nothing else",
            ));
        }
    }
    Ok(granted)
}

/// The role bounding an `api` token: needed with the `api` scope, and only one the actor
/// may grant.
async fn token_role(
    c: &mut Change,
    kind: &str,
    granted: &[String],
    role: Option<RoleRef>,
) -> Result<Option<RoleId>> {
    let needs_role = kind == "api" && scopes_vec_has(granted, SCOPE_API);
    Ok(match (needs_role, role) {
        (_, Some(r)) if kind == "api" => {
            let role = resolve_role(&mut c.tx, c.account.id, &r).await?;
            c.who
                .check_can_grant(&role.permissions, role.name.as_str())?;
            Some(role.id)
        }
        (true, None) => {
            return refuse(DomainError::field(
                "role",
                "required",
                "API tokens need a role",
            ));
        }
        _ => None,
    })
}

/// The audit row of a new token (never its secret).
async fn audit_token(c: &mut Change, record: &ApiTokenRecord) -> Result<()> {
    c.audit(
        "api_token.created",
        Target {
            kind: "api_token",
            id: Some(record.id.to_string()),
            name: record.name.clone(),
        },
        None,
        Some(serde_json::json!({
            "kind": record.kind,
            "role_id": record.role_id.map(|r| r.to_string()),
            "scopes": record.scopes,
            "expires_at": record.expires_at.map(|t| t.to_string()),
        })),
    )
    .await
}

impl Switchboard {
    /// Creates a REST API token (scope `api`) or a SCIM token and returns its secret
    /// (shown once). `kind` is `api` or `scim`.
    pub async fn create_api_token(
        &self,
        ctx: &Ctx,
        name: &str,
        kind: &str,
        role: Option<RoleRef>,
        user: Option<UserId>,
    ) -> Result<(ApiTokenRecord, String)> {
        self.create_scoped_api_token(ctx, name, kind, role, user, &[SCOPE_API])
            .await
    }

    /// Creates a token with the given scopes (`api`, `calls:ingest`, `sip:proxy`; ignored
    /// for SCIM tokens) and returns its secret, shown once. A role is needed for the `api`
    /// scope; only Administrators create tokens that report calls or serve the SIP proxy.
    pub async fn create_scoped_api_token(
        &self,
        ctx: &Ctx,
        name: &str,
        kind: &str,
        role: Option<RoleRef>,
        user: Option<UserId>,
        scopes: &[&str],
    ) -> Result<(ApiTokenRecord, String)> {
        self.create_token(
            ctx,
            NewApiToken {
                name,
                kind,
                role,
                user,
                scopes,
                expires_at: None,
            },
        )
        .await
    }

    /// Creates a token as [`Self::create_scoped_api_token`] does, with an optional end of
    /// life, and returns its secret (shown once). SCIM tokens are the Administrators'.
    pub async fn create_token(
        &self,
        ctx: &Ctx,
        new: NewApiToken<'_>,
    ) -> Result<(ApiTokenRecord, String)> {
        let NewApiToken {
            name,
            kind,
            role,
            user,
            scopes,
            expires_at,
        } = new;
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.api_tokens, "manage API tokens")?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return refuse(DomainError::field(
                "name",
                "invalid",
                "must be 1-100 characters",
            ));
        }
        switchboard_domain::check_no_control("name", name)?;
        if !matches!(kind, "api" | "scim") {
            return refuse(DomainError::field("kind", "invalid", "use api or scim"));
        }
        if kind == "scim" {
            c.who
                .require(c.who.is_admin, "create SCIM provisioning tokens")?;
        }
        if expires_at.is_some_and(|t| t <= c.now) {
            return refuse(DomainError::field(
                "expires_at",
                "invalid",
                "must be in the future",
            ));
        }
        let granted = if kind == "api" {
            granted_scopes(&c.who, scopes)?
        } else {
            Vec::new()
        };
        let role_id = token_role(&mut c, kind, &granted, role).await?;
        if let Some(u) = user.filter(|u| !c.who.is_self(*u)) {
            // R15: a token acts as its user, so only someone who outranks them makes one.
            c.who.check_outranks(&mut c.tx, c.account.id, u).await?;
        }
        let user = user.or(c.who.user_id);
        let record = ApiTokenRecord {
            id: ApiTokenId::new(),
            account_id: c.account.id,
            user_id: user,
            name: name.to_owned(),
            kind: kind.to_owned(),
            role_id,
            scopes: granted,
            created_at: c.now,
            last_used_at: None,
            revoked_at: None,
            expires_at,
        };
        let prefix = if kind == "scim" { "sbs_" } else { "sbt_" };
        let secret = new_token(prefix);
        auth::insert_api_token(&mut c.tx, &record, &token_hash(&secret)).await?;
        audit_token(&mut c, &record).await?;
        c.commit().await?;
        Ok((record, secret))
    }

    /// The account's tokens (never their secrets).
    pub async fn list_api_tokens(&self, ctx: &Ctx) -> Result<Vec<ApiTokenRecord>> {
        // Uses this process noted show at once (other processes write theirs within
        // seconds); a failure to write them is no reason not to list.
        if let Err(e) = self.write_token_uses().await {
            tracing::warn!(error = %e, "could not write the tokens' last uses");
        }
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.api_tokens, "manage API tokens")?;
        let tokens = auth::list_api_tokens(&mut c.tx, c.account.id).await?;
        if c.who.is_admin {
            return Ok(tokens);
        }
        let roles = roles::list_roles(&mut c.tx, c.account.id).await?;
        Ok(tokens
            .into_iter()
            .filter(|t| may_manage(&c.who, t, &roles))
            .collect())
    }

    /// Revokes a token; it stops working on its next use. Revoking it again changes nothing.
    pub async fn revoke_api_token(&self, ctx: &Ctx, id: ApiTokenId) -> Result<()> {
        let mut c = self.begin(ctx).await?;
        c.who.require(c.who.perms.api_tokens, "manage API tokens")?;
        let t = auth::find_api_token(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("API token"))?;
        if !c.who.is_admin {
            let roles = roles::list_roles(&mut c.tx, c.account.id).await?;
            if !may_manage(&c.who, &t, &roles) {
                // Tokens a non-administrator may not manage are not shown to them either.
                return Err(not_found("API token"));
            }
        }
        if !auth::revoke_api_token(&mut c.tx, c.account.id, id, c.now).await? {
            // Already revoked: nothing changes, so nothing is recorded.
            return Ok(());
        }
        c.audit(
            "api_token.revoked",
            Target {
                kind: "api_token",
                id: Some(id.to_string()),
                name: t.name,
            },
            None,
            None,
        )
        .await?;
        c.commit().await
    }

    /// The context of a request made with the API or SCIM token `secret`, with the
    /// token's rights; `None` for a token that is unknown, revoked or expired. Rights held
    /// in process from an earlier request are used without reading anything (each use case
    /// checks them against the account's rights version it reads with its data).
    pub async fn authenticate_token(
        &self,
        secret: &str,
        source: impl Into<String>,
    ) -> Result<Option<Ctx>> {
        let now = self.now();
        let hash = token_hash(secret);
        if let Some(held) = self.tokens().find(&hash, now) {
            return Ok(Some(held.ctx(source.into())));
        }
        let mut tx = self.db().read_latest().await?;
        // The token and its account's rights version in one statement, the rights after
        // it: a change made meanwhile moves the version past the one kept with them.
        let Some(found) = auth::find_api_token_by_hash(&mut tx, &hash).await? else {
            return Ok(None);
        };
        let t = found.token;
        if t.revoked_at.is_some() || t.expires_at.is_some_and(|e| e <= now) {
            return Ok(None);
        }
        let held = Held {
            who: Arc::new(rights_of_token(&mut tx, &t, found.owner_id).await?),
            token_id: t.id,
            account_id: t.account_id,
            actor: token_actor(&t),
            sip_proxy: has_scope(&t, SCOPE_SIP_PROXY),
            rights_version: found.rights_version,
            expires_at: t.expires_at,
            last_used: t.last_used_at,
        };
        drop(tx);
        let ctx = held.ctx(source.into());
        self.tokens().keep(hash, held, now);
        Ok(Some(ctx))
    }

    /// Writes the tokens' last uses noted since the last call, in one transaction; returns
    /// how many. Uses that could not be written are kept for the next call.
    pub async fn write_token_uses(&self) -> Result<usize> {
        let uses = self.tokens().take_uses();
        if uses.is_empty() {
            return Ok(0);
        }
        let written = async {
            let mut tx = self.db().write().await?;
            for (id, at) in &uses {
                auth::touch_api_token(&mut tx, *id, *at).await?;
            }
            tx.commit().await
        }
        .await;
        match written {
            Ok(()) => Ok(uses.len()),
            Err(e) => {
                self.tokens().return_uses(uses);
                Err(e.into())
            }
        }
    }
}

fn scopes_vec_has(scopes: &[String], scope: &str) -> bool {
    scopes.iter().any(|s| s == scope)
}

/// Whether a non-administrator may see and revoke `t`: an API token of their own user (or,
/// for a token of the account, another token of the account) with no more rights than
/// they hold. SCIM, call-reporting and SIP proxy tokens are the Administrators' alone.
fn may_manage(who: &Principal, t: &ApiTokenRecord, roles: &[Role]) -> bool {
    let within = t
        .role_id
        .and_then(|r| roles.iter().find(|role| role.id == r))
        .is_some_and(|role| role.permissions.is_within(&who.perms));
    t.kind == "api"
        && !has_scope(t, SCOPE_CALLS_INGEST)
        && !has_scope(t, SCOPE_SIP_PROXY)
        && t.user_id == who.user_id
        && within
}
