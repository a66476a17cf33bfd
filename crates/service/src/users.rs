//! Adding, reading, listing and editing users (R1–R7, R11, R13).

use std::collections::HashMap;

use switchboard_domain::{
    Account, AccountId, Availability, BuiltinRole, DepartmentId, DomainError, E164, Email,
    Extension, FieldError, IdpField, IdpProfile, NewUser, Role, RoleId, RoleRef, Scope, User,
    UserId, UserPatch, UserStatus, audit::ActorKind,
};
use switchboard_store::users::{UserCursor, UserFilter};
use switchboard_store::{
    StoreError, Tx, UniqueKey, accounts, departments, invites, roles, users as store,
};

use crate::adding::may_share_turn;
use crate::error::{Error, Result, forbidden, not_found, refuse};
use crate::{Change, Ctx, Switchboard, Target};

/// A user just added, with the invite link when one was sent.
#[derive(Clone, Debug)]
pub struct AddedUser {
    /// The user.
    pub user: User,
    /// The invite link (Panel Access users, when the account does not use SSO).
    pub invite_link: Option<String>,
    /// The name of the user's role.
    pub role_name: String,
    /// The user's departments (id, name), by name.
    pub departments: Vec<(DepartmentId, String)>,
}

/// One page of a list, with the cursor of the next page.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// A page of the users list with what it shows beside each user.
#[derive(Clone, Debug)]
pub struct UserListView {
    /// The page.
    pub page: Page<User>,
    /// The account's roles.
    pub roles: Vec<switchboard_domain::Role>,
    /// The departments (id, name) of each listed user; users in none are absent.
    pub departments: HashMap<UserId, Vec<(DepartmentId, String)>>,
}

/// List filters as given by an interface.
#[derive(Clone, Debug, Default)]
pub struct UserQuery {
    /// Text search over name, email, mobile and extension.
    pub text: Option<String>,
    /// Role id or name.
    pub role: Option<String>,
    /// Status.
    pub status: Option<UserStatus>,
    /// Department.
    pub department: Option<DepartmentId>,
    /// Panel Access.
    pub panel_access: Option<bool>,
    /// Tag.
    pub tag: Option<String>,
}

pub(crate) fn user_target(u: &User) -> Target<'static> {
    Target {
        kind: "user",
        id: Some(u.id.to_string()),
        name: u.name.to_string(),
    }
}

fn encode_cursor(u: &User) -> String {
    hex::encode(format!("{}\n{}", u.name, u.id))
}

fn decode_cursor(s: &str) -> Result<UserCursor> {
    let bad = || {
        Error::Domain(DomainError::field(
            "cursor",
            "invalid",
            "is not a cursor returned by this list",
        ))
    };
    let bytes = hex::decode(s.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (name, id) = text.rsplit_once('\n').ok_or_else(bad)?;
    id.parse::<UserId>().map_err(|_| bad())?;
    if switchboard_domain::has_control(name) {
        return Err(bad());
    }
    Ok(UserCursor {
        name: name.to_owned(),
        id: id.to_owned(),
    })
}

/// R2 for an email and a mobile: held by no other user of the account.
async fn check_contacts_free(
    tx: &mut Tx,
    account: AccountId,
    me: Option<UserId>,
    email: Option<&Email>,
    mobile: Option<&E164>,
) -> Result<()> {
    let other = |u: Option<User>| u.filter(|u| Some(u.id) != me);
    if let Some(e) = email
        && let Some(h) = other(store::find_user_by_email(tx, account, e).await?)
    {
        return refuse(DomainError::DuplicateEmail {
            email: e.to_string(),
            holder: h.name.to_string(),
        });
    }
    if let Some(m) = mobile
        && let Some(h) = other(store::find_user_by_mobile(tx, account, m).await?)
    {
        return refuse(DomainError::DuplicateMobile {
            mobile: m.to_string(),
            holder: h.name.to_string(),
        });
    }
    Ok(())
}

/// The record of a user being added: `new` as given, with the account's defaults, the
/// role and extension chosen, and (R6) managed by the identity provider when provisioning
/// adds it.
pub(crate) fn new_user_record(
    new: NewUser,
    account: &Account,
    role: RoleId,
    extension: Extension,
    by: ActorKind,
    now: jiff::Timestamp,
) -> User {
    User {
        id: UserId::new(),
        account_id: account.id,
        name: new.name,
        email: new.email,
        mobile: new.mobile,
        alternate_mobile: new.alternate_mobile,
        extension,
        role_id: role,
        panel_access: new.panel_access,
        receive_calls: new.receive_calls,
        call_hours: new.call_hours,
        time_zone: new
            .time_zone
            .unwrap_or_else(|| account.default_time_zone.clone()),
        availability: Availability::Available,
        voicemail: new.voicemail,
        status: UserStatus::when_enabled(new.panel_access, false),
        external_id: new.external_id,
        // R6: whatever provisioning creates, the identity provider manages.
        idp: IdpProfile {
            managed: new.idp.managed || by == ActorKind::Scim,
            ..new.idp
        },
        // As they read back.
        tags: {
            let mut tags = new.tags;
            tags.sort();
            tags
        },
        has_signed_in: false,
        deactivate_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// What the audit log records of a user added (with the departments it was put in).
pub(crate) fn created_view(user: &User, departments: &[DepartmentId]) -> serde_json::Value {
    let mut after = user.audit_view();
    after["departments"] = serde_json::json!(departments);
    after
}

/// What adding a user looked up on a reader before its write turn.
#[derive(Default)]
pub(crate) struct LookedUp {
    /// The account's Basic role, for a user given no role (a built-in role is never
    /// deleted, so it cannot go stale).
    basic_role: Option<Role>,
    /// Whether the email and mobile were found free (a user who took one since is refused
    /// by the unique indexes, and the conflict explained as if found here).
    contacts_free: bool,
}

/// Resolves a role reference within the account.
pub(crate) async fn resolve_role(tx: &mut Tx, account: AccountId, r: &RoleRef) -> Result<Role> {
    let found = match r {
        RoleRef::Id(id) => roles::find_role(tx, account, *id).await?,
        RoleRef::Name(n) => roles::find_role_by_name(tx, account, n).await?,
    };
    found.ok_or_else(|| {
        let what = match r {
            RoleRef::Id(id) => id.to_string(),
            RoleRef::Name(n) => n.clone(),
        };
        Error::Domain(DomainError::field(
            "role",
            "not_found",
            format!("there is no role {what:?} in this account"),
        ))
    })
}

/// Whether a user counts for R7: an active Administrator who can sign in.
pub(crate) fn is_active_admin(u: &User, role: &Role) -> bool {
    role.is_administrator() && u.status == UserStatus::Active && u.panel_access
}

/// R7: refuses when `before` is an active Administrator who would stop being one and no
/// other active Administrator remains. Runs under the account lock, so two admins demoting
/// each other at the same moment cannot both pass.
pub(crate) async fn ensure_admin_remains(
    c: &mut Change,
    before: &User,
    before_role: &Role,
) -> Result<()> {
    if !is_active_admin(before, before_role) {
        return Ok(());
    }
    let admins = store::count_active_with_role(&mut c.tx, c.account.id, before_role.id).await?;
    if admins <= 1 {
        return refuse(DomainError::LastAdmin);
    }
    Ok(())
}

/// Checks that each of `deps` is a department of the account; returns them (id, name) by
/// name.
async fn check_departments(
    tx: &mut Tx,
    account: AccountId,
    deps: &[DepartmentId],
) -> Result<Vec<(DepartmentId, String)>> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    for (i, d) in deps.iter().enumerate() {
        match departments::find_department(tx, account, *d).await? {
            Some(dep) => found.push((dep.id, dep.name.to_string())),
            None => problems.push(FieldError::new(
                format!("departments[{i}]"),
                "not_found",
                format!("there is no department {d} in this account"),
            )),
        }
    }
    if problems.is_empty() {
        found.sort_by_cached_key(|(id, name)| (name.to_lowercase(), id.to_string()));
        found.dedup_by_key(|(id, _)| *id);
        Ok(found)
    } else {
        refuse(DomainError::Validation(problems))
    }
}

impl Switchboard {
    /// Turns a uniqueness violation caught by the database into the conflict it means,
    /// naming the holder (R2, R13). Used when a concurrent request won the race.
    pub(crate) async fn explain_unique(
        &self,
        within: Option<&mut Tx>,
        account: AccountId,
        key: UniqueKey,
        email: Option<&Email>,
        mobile: Option<&E164>,
        extension: Option<Extension>,
    ) -> Error {
        let lookup = async {
            let mut fresh = None;
            let tx = match within {
                Some(tx) => tx,
                None => fresh.insert(self.db().read().await?),
            };
            let holder = match key {
                UniqueKey::Email => match email {
                    Some(e) => store::find_user_by_email(tx, account, e).await?,
                    None => None,
                },
                UniqueKey::Mobile => match mobile {
                    Some(m) => store::find_user_by_mobile(tx, account, m).await?,
                    None => None,
                },
                UniqueKey::Extension => match extension {
                    Some(x) => store::find_user_by_extension(tx, account, x).await?,
                    None => None,
                },
                _ => None,
            };
            Ok::<_, StoreError>(holder.map(|h| h.name.to_string()))
        };
        let holder = lookup
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| "another user".to_owned());
        Error::Domain(match key {
            UniqueKey::Email => DomainError::DuplicateEmail {
                email: email.map(ToString::to_string).unwrap_or_default(),
                holder,
            },
            UniqueKey::Mobile => DomainError::DuplicateMobile {
                mobile: mobile.map(ToString::to_string).unwrap_or_default(),
                holder,
            },
            UniqueKey::Extension => DomainError::ExtensionTaken {
                extension: extension.map(|e| e.to_string()).unwrap_or_default(),
                holder,
            },
            UniqueKey::ExternalId => DomainError::Conflict {
                field: "external_id".to_owned(),
                message: "another user has this external id".to_owned(),
            },
            UniqueKey::IdpUsername => DomainError::Conflict {
                field: "userName".to_owned(),
                message: "another user has this identity provider login (userName)".to_owned(),
            },
            _ => DomainError::Conflict {
                field: "id".to_owned(),
                message: "a record with this key already exists".to_owned(),
            },
        })
    }

    /// R2/R13 pre-checks inside the transaction: email, mobile, extension free and in range.
    pub(crate) async fn check_identifiers(
        c: &mut Change,
        me: Option<UserId>,
        email: Option<&Email>,
        mobile: Option<&E164>,
        extension: Option<Extension>,
    ) -> Result<()> {
        check_contacts_free(&mut c.tx, c.account.id, me, email, mobile).await?;
        Self::check_extension_free(c, me, extension).await
    }

    /// R2 for an extension: inside the account's range and held by no other user.
    async fn check_extension_free(
        c: &mut Change,
        me: Option<UserId>,
        extension: Option<Extension>,
    ) -> Result<()> {
        let Some(x) = extension else {
            return Ok(());
        };
        let range = c.account.extension_range;
        if !range.contains(x) {
            return refuse(DomainError::ExtensionOutOfRange {
                extension: x.to_string(),
                min: range.min,
                max: range.max,
            });
        }
        if let Some(h) = store::find_user_by_extension(&mut c.tx, c.account.id, x)
            .await?
            .filter(|u| Some(u.id) != me)
        {
            return refuse(DomainError::ExtensionTaken {
                extension: x.to_string(),
                holder: h.name.to_string(),
            });
        }
        Ok(())
    }

    /// The next free extension in the account's range.
    pub(crate) async fn next_extension(c: &mut Change) -> Result<Extension> {
        let r = c.account.extension_range;
        store::next_free_extension(&mut c.tx, c.account.id, r.min, r.max)
            .await?
            .and_then(Extension::from_number)
            .ok_or(Error::Domain(DomainError::NoFreeExtension {
                min: r.min,
                max: r.max,
            }))
    }

    /// Free extensions in the account's range, lowest first: up to `limit` (1–500) of them,
    /// starting after `after` when given (to page through the range).
    pub async fn available_extensions(
        &self,
        ctx: &Ctx,
        after: Option<Extension>,
        limit: u32,
    ) -> Result<Vec<Extension>> {
        let mut c = self.begin_read(ctx).await?;
        c.who.require(c.who.perms.view_users, "view users")?;
        let range = c.account.extension_range;
        let from = match after {
            Some(a) if a.value() >= range.max => return Ok(Vec::new()),
            Some(a) => range.min.max(a.value() + 1),
            None => range.min,
        };
        let limit = usize::try_from(limit.clamp(1, 500)).unwrap_or(500);
        let free =
            store::list_free_extensions(&mut c.tx, c.account.id, from, range.max, limit).await?;
        Ok(free
            .into_iter()
            .filter_map(Extension::from_number)
            .collect())
    }

    /// Adds a user (R1, R2, R3, R11, R13). Panel Access users start as `pending_invite`
    /// and get an invite; others start `active` as call-only users.
    pub async fn add_user(&self, ctx: &Ctx, mut new: NewUser) -> Result<AddedUser> {
        if let Some(who) = ctx.known_principal()
            && may_share_turn(&new, who)
        {
            match self.add_in_shared_turn(ctx, who, new).await {
                Ok(done) => return done,
                // Made alone, with every check in its own turn.
                Err(back) => new = back,
            }
        }
        let ahead = self.look_up_ahead(ctx, &new).await?;
        let mut c = self.begin(ctx).await?;
        let account = c.account.id;
        let (email, mobile, extension) = (new.email.clone(), new.mobile.clone(), new.extension);
        match self.add_user_in(&mut c, new, ahead).await {
            Ok(added) => {
                c.commit().await?;
                Ok(added)
            }
            Err(Error::Store(StoreError::Unique(k))) => {
                // The holder may be a user added earlier in this shared write turn, not yet
                // committed: read it inside the turn where the transaction survives the
                // failed statement. Where it does not, the holder committed before the
                // index refused, so a fresh read finds it.
                let within = c.tx.readable_after_error().then_some(&mut c.tx);
                let e = self
                    .explain_unique(
                        within,
                        account,
                        k,
                        email.as_ref(),
                        mobile.as_ref(),
                        extension,
                    )
                    .await;
                drop(c);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// The lookups of adding a user that need no lock, made on a reader before the write
    /// turn so that the turn, which writers take one at a time, does only what must be
    /// serialized. Only for an actor whose rights came with the request and who may add
    /// users anywhere, so a refusal here reveals nothing the actor could not see.
    async fn look_up_ahead(&self, ctx: &Ctx, new: &NewUser) -> Result<LookedUp> {
        let Some(who) = ctx.known_principal() else {
            return Ok(LookedUp::default());
        };
        if who.perms.edit_users != Scope::All || (new.panel_access && new.email.is_none()) {
            return Ok(LookedUp::default());
        }
        let mut tx = self.db().read_latest().await?;
        check_contacts_free(
            &mut tx,
            ctx.account_id,
            None,
            new.email.as_ref(),
            new.mobile.as_ref(),
        )
        .await?;
        let basic_role = match new.role {
            Some(_) => None,
            None => roles::find_builtin_role(&mut tx, ctx.account_id, BuiltinRole::Basic).await?,
        };
        Ok(LookedUp {
            basic_role,
            contacts_free: true,
        })
    }

    /// Adds a user inside the caller's transaction (under the account lock): every check of
    /// [`Self::add_user`] not already made `ahead`, the insert, memberships, the audit
    /// event and the invite. A uniqueness violation the checks missed comes back as
    /// `Error::Store`.
    pub(crate) async fn add_user_in(
        &self,
        c: &mut Change,
        new: NewUser,
        ahead: LookedUp,
    ) -> Result<AddedUser> {
        match c.who.perms.edit_users {
            Scope::All => {}
            Scope::Departments => {
                let managed = c.who.managed_departments(&mut c.tx, c.account.id).await?;
                if new.departments.is_empty()
                    || new.departments.iter().any(|d| !managed.contains(d))
                {
                    return Err(forbidden(
                        "you can add users only to departments you manage; choose at least one",
                    ));
                }
            }
            _ => return Err(forbidden("your role does not allow adding users")),
        }
        if new.panel_access && new.email.is_none() {
            return refuse(DomainError::field(
                "email",
                "required",
                "Panel Access users need an email address for their invite",
            ));
        }
        let role = match (&new.role, ahead.basic_role) {
            (Some(r), _) => resolve_role(&mut c.tx, c.account.id, r).await?,
            (None, Some(basic)) => basic,
            (None, None) => roles::find_builtin_role(&mut c.tx, c.account.id, BuiltinRole::Basic)
                .await?
                .ok_or_else(|| Error::Internal("account without Basic role".to_owned()))?,
        };
        c.who
            .check_can_grant(&role.permissions, role.name.as_str())?;
        let departments = check_departments(&mut c.tx, c.account.id, &new.departments).await?;
        if ahead.contacts_free {
            Self::check_extension_free(c, None, new.extension).await?;
        } else {
            Self::check_identifiers(
                c,
                None,
                new.email.as_ref(),
                new.mobile.as_ref(),
                new.extension,
            )
            .await?;
        }
        let usage = c.usage().await?;
        c.account.check_room_for(usage, new.panel_access)?;
        let extension = match new.extension {
            Some(x) => x,
            None => Self::next_extension(c).await?,
        };
        let departments_added = new.departments.clone();
        let user = new_user_record(new, &c.account, role.id, extension, c.who.kind, c.now);
        store::insert_user(&mut c.tx, &user).await?;
        if !departments_added.is_empty() {
            departments::set_user_memberships(
                &mut c.tx,
                c.account.id,
                user.id,
                &departments_added,
                c.now,
            )
            .await?;
        }
        c.audit(
            "user.created",
            user_target(&user),
            None,
            Some(created_view(&user, &departments_added)),
        )
        .await?;
        let invite_link = if user.panel_access {
            self.issue_invite(c, &user).await?
        } else {
            None
        };
        Ok(AddedUser {
            user,
            invite_link,
            role_name: role.name.to_string(),
            departments,
        })
    }

    /// Reads a user of the account.
    pub async fn get_user(&self, ctx: &Ctx, id: UserId) -> Result<User> {
        let mut c = self.begin_read(ctx).await?;
        c.who
            .require(c.who.perms.view_users || c.who.is_self(id), "view users")?;
        store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))
    }

    /// The departments a user belongs to (id, name), by name.
    pub async fn user_departments(
        &self,
        ctx: &Ctx,
        id: UserId,
    ) -> Result<Vec<(DepartmentId, String)>> {
        Ok(self
            .users_departments(ctx, &[id])
            .await?
            .remove(&id)
            .unwrap_or_default())
    }

    /// The departments (id, name, by name) of each of `users`, read in one query; users in
    /// no department are absent from the map.
    pub async fn users_departments(
        &self,
        ctx: &Ctx,
        users: &[UserId],
    ) -> Result<HashMap<UserId, Vec<(DepartmentId, String)>>> {
        let mut c = self.begin_read(ctx).await?;
        let only_self = matches!(users, [one] if c.who.is_self(*one));
        c.who
            .require(c.who.perms.view_users || only_self, "view users")?;
        departments_of_users(&mut c.tx, c.account.id, users).await
    }

    /// Lists users, filtered and ordered by name, one page at a time.
    pub async fn list_users(
        &self,
        ctx: &Ctx,
        query: &UserQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<Page<User>> {
        let mut c = self.begin_read(ctx).await?;
        list_users_in(&mut c, query, cursor, limit).await
    }

    /// A page of users as the users list shows it, read in one transaction: the page, the
    /// account's roles, and the departments (id, name, by name) of the listed users.
    pub async fn list_users_view(
        &self,
        ctx: &Ctx,
        query: &UserQuery,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<UserListView> {
        let mut c = self.begin_read(ctx).await?;
        let page = list_users_in(&mut c, query, cursor, limit).await?;
        let roles = roles::list_roles(&mut c.tx, c.account.id).await?;
        let ids: Vec<UserId> = page.items.iter().map(|u| u.id).collect();
        let departments = departments_of_users(&mut c.tx, c.account.id, &ids).await?;
        Ok(UserListView {
            page,
            roles,
            departments,
        })
    }

    /// Edits a user with merge semantics (R1, R4, R5, R6, R7, R11, R13). `if_version`
    /// refuses the edit when the user changed since the caller read it.
    pub async fn edit_user(
        &self,
        ctx: &Ctx,
        id: UserId,
        patch: UserPatch,
        if_version: Option<i64>,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let account = c.account.id;
        match self.edit_user_in(&mut c, id, &patch, if_version).await {
            Ok(u) => {
                c.commit().await?;
                Ok(u)
            }
            Err(e) => {
                drop(c);
                Err(self.explain_edit_error(account, &patch, e).await)
            }
        }
    }

    /// Turns a uniqueness violation of an edit into the conflict it means, after the
    /// edit's transaction has been rolled back (the holder is read afresh).
    async fn explain_edit_error(&self, account: AccountId, patch: &UserPatch, e: Error) -> Error {
        match e {
            Error::Store(StoreError::Unique(k)) => {
                self.explain_unique(
                    None,
                    account,
                    k,
                    patch.email.as_ref().and_then(Option::as_ref),
                    patch.mobile.as_ref().and_then(Option::as_ref),
                    patch.extension,
                )
                .await
            }
            other => other,
        }
    }

    /// Updates a user the identity provider sends as a whole: the field changes and the
    /// `active` flag (activate, deactivate under R7 and R10) in one transaction, so a
    /// refusal of any part leaves the user as it was (RFC 7644 §3.5.2: a PATCH is atomic).
    pub async fn update_provisioned_user(
        &self,
        ctx: &Ctx,
        id: UserId,
        patch: UserPatch,
        active: Option<bool>,
        if_version: Option<i64>,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let account = c.account.id;
        let run = async {
            let current = store::find_user(&mut c.tx, c.account.id, id)
                .await?
                .ok_or_else(|| not_found("user"))?;
            if if_version.is_some_and(|v| v != current.version) {
                return refuse(DomainError::PreconditionFailed);
            }
            let inactive = current.status == UserStatus::Inactive;
            let mut u = current;
            if active == Some(true) && inactive {
                u = self.activate_user_in(&mut c, id).await?;
            }
            if patch != UserPatch::default() {
                u = self.edit_user_in(&mut c, id, &patch, None).await?;
            }
            if active == Some(false) && u.status != UserStatus::Inactive {
                u = Self::deactivate_user_in(&mut c, id, None).await?;
            }
            Ok(u)
        };
        match run.await {
            Ok(u) => {
                c.commit().await?;
                Ok(u)
            }
            Err(e) => {
                drop(c);
                Err(self.explain_edit_error(account, &patch, e).await)
            }
        }
    }

    /// [`Self::edit_user`] inside the caller's change. A uniqueness violation the
    /// pre-checks missed comes back as `Error::Store`.
    pub(crate) async fn edit_user_in(
        &self,
        c: &mut Change,
        id: UserId,
        patch: &UserPatch,
        if_version: Option<i64>,
    ) -> Result<User> {
        let before = store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        if if_version.is_some_and(|v| v != before.version) {
            return refuse(DomainError::PreconditionFailed);
        }
        let scope = c.who.check_can_edit(&mut c.tx, c.account.id, id).await?;
        if scope == Scope::Own {
            patch.only_self_service_fields()?;
            // The mobile may be sent back unchanged, but not set or changed (R1).
            if patch.mobile.as_ref().is_some_and(|m| *m != before.mobile) {
                return Err(forbidden(
                    "you may change only your name, password, availability and time zone, not mobile",
                ));
            }
        }
        let scim = c.who.kind == ActorKind::Scim;
        let mut u = before.clone();

        // R6: fields the identity provider owns are read-only outside SCIM.
        let owned = u.idp_owned_fields(&c.account);
        if !owned.is_empty() && !scim {
            let managed = |f: IdpField| owned.contains(&f);
            let changes = [
                (
                    IdpField::Name,
                    patch.name.as_ref().is_some_and(|n| *n != u.name),
                ),
                (
                    IdpField::Email,
                    patch.email.as_ref().is_some_and(|e| {
                        e.as_ref().map(Email::key) != u.email.as_ref().map(Email::key)
                    }),
                ),
                (
                    IdpField::AlternateMobile,
                    patch
                        .alternate_mobile
                        .as_ref()
                        .is_some_and(|m| *m != u.alternate_mobile),
                ),
                (
                    IdpField::TimeZone,
                    patch.time_zone.as_ref().is_some_and(|t| *t != u.time_zone),
                ),
            ];
            if let Some((f, _)) = changes.iter().find(|(f, changed)| *changed && managed(*f)) {
                return refuse(DomainError::FieldManagedByIdp {
                    field: f.key().to_owned(),
                });
            }
        }

        // R4: the mobile is immutable once set.
        if let Some(m) = &patch.mobile {
            match (&u.mobile, m) {
                (Some(cur), Some(new)) if cur == new => {}
                (None, None) => {}
                (None, Some(new)) => {
                    Self::check_identifiers(c, Some(id), None, Some(new), None).await?;
                    u.mobile = Some(new.clone());
                }
                _ => return refuse(DomainError::MobileImmutable),
            }
        }
        if let Some(n) = &patch.name {
            u.name = n.clone();
        }
        if let Some(m) = &patch.alternate_mobile {
            u.alternate_mobile = m.clone();
        }
        if let Some(t) = &patch.time_zone {
            u.time_zone = t.clone();
        }
        if let Some(a) = patch.availability {
            u.availability = a;
        }
        if let Some(v) = patch.receive_calls {
            u.receive_calls = v;
        }
        if let Some(v) = &patch.call_hours {
            u.call_hours = v.clone();
        }
        if let Some(v) = patch.voicemail {
            u.voicemail = v;
        }
        if let Some(t) = &patch.tags {
            u.tags = t.clone();
        }
        if let Some(x) = &patch.external_id {
            if !scim && !c.who.is_admin {
                return Err(forbidden("only administrators can change the external id"));
            }
            u.external_id = x.clone();
        }
        if let Some(p) = &patch.idp {
            if !scim {
                return Err(forbidden(
                    "only the identity provider changes what it keeps about a user",
                ));
            }
            u.idp = p.clone();
        }
        if scim {
            // A user the identity provider updates is one it manages from now on (R6).
            u.idp.managed = true;
        }
        if let Some(x) = patch.extension
            && x != u.extension
        {
            Self::check_identifiers(c, Some(id), None, None, Some(x)).await?;
            u.extension = x;
        }

        // Role (R7: never leave the account without an active Administrator).
        let before_role = roles::find_role(&mut c.tx, c.account.id, before.role_id)
            .await?
            .ok_or_else(|| Error::Internal("user without role".to_owned()))?;
        let mut role = before_role.clone();
        if let Some(r) = &patch.role {
            role = resolve_role(&mut c.tx, c.account.id, r).await?;
            if role.id != before_role.id {
                c.who
                    .check_can_grant(&role.permissions, role.name.as_str())?;
                if !c.who.is_admin && before_role.is_administrator() {
                    return Err(forbidden(
                        "only administrators can change an Administrator's role",
                    ));
                }
                if c.account.owner_id == id && !role.is_administrator() {
                    return refuse(DomainError::OwnerProtected(
                        "the owner is always an Administrator; transfer ownership first".to_owned(),
                    ));
                }
                u.role_id = role.id;
            }
        }

        // Email (R5): verified before it takes effect, except for people who have not
        // signed in yet (their invite goes to the corrected address) and for SCIM.
        let mut email_requested = None;
        let mut reinvite = false;
        if let Some(e) = &patch.email {
            let changed = e.as_ref().map(Email::key) != u.email.as_ref().map(Email::key);
            match e {
                None if changed => {
                    if u.panel_access || patch.panel_access == Some(true) {
                        return refuse(DomainError::field(
                            "email",
                            "required",
                            "Panel Access users need an email address",
                        ));
                    }
                    if u.mobile.is_none() {
                        return refuse(DomainError::field(
                            "email",
                            "required",
                            "an email or a mobile number is required",
                        ));
                    }
                    u.email = None;
                }
                Some(new) if changed => {
                    Self::check_identifiers(c, Some(id), Some(new), None, None).await?;
                    if scim || !u.has_signed_in || u.email.is_none() {
                        u.email = Some(new.clone());
                        reinvite = u.status == UserStatus::PendingInvite;
                    } else {
                        email_requested = Some(new.clone());
                    }
                }
                // Same address, maybe different case: take the new spelling.
                Some(new) => u.email = Some(new.clone()),
                None => {}
            }
        }

        // Panel Access (R3, R11).
        if let Some(pa) = patch.panel_access
            && pa != u.panel_access
        {
            if c.account.owner_id == id && !pa {
                return refuse(DomainError::OwnerProtected(
                    "the owner needs Panel Access; transfer ownership first".to_owned(),
                ));
            }
            if pa {
                if u.email.is_none() {
                    return refuse(DomainError::field(
                        "email",
                        "required",
                        "Panel Access users need an email address for their invite",
                    ));
                }
                if u.status != UserStatus::Inactive {
                    let usage = accounts::count_usage(&mut c.tx, c.account.id).await?;
                    c.account.check_seat_for_existing(usage)?;
                    if !u.has_signed_in {
                        u.status = UserStatus::PendingInvite;
                        reinvite = true;
                    }
                }
            } else {
                if u.status == UserStatus::PendingInvite {
                    u.status = UserStatus::Active;
                }
                invites::revoke_user_invites(&mut c.tx, c.account.id, id, c.now).await?;
                switchboard_store::auth::revoke_user_credentials(
                    &mut c.tx,
                    c.account.id,
                    id,
                    c.now,
                )
                .await?;
            }
            u.panel_access = pa;
        }
        if is_active_admin(&before, &before_role) && !is_active_admin(&u, &role) {
            ensure_admin_remains(c, &before, &before_role).await?;
        }

        // Departments (a Manager may only move people in and out of their own).
        let current: Vec<DepartmentId> =
            departments::list_user_memberships(&mut c.tx, c.account.id, id)
                .await?
                .into_iter()
                .map(|(d, _)| d)
                .collect();
        let mut deps_changed = false;
        if let Some(deps) = &patch.departments {
            check_departments(&mut c.tx, c.account.id, deps).await?;
            let mut added_or_removed: Vec<DepartmentId> = deps
                .iter()
                .filter(|d| !current.contains(d))
                .copied()
                .collect();
            added_or_removed.extend(current.iter().filter(|d| !deps.contains(d)));
            if scope == Scope::Departments && !c.who.is_admin {
                let managed = c.who.managed_departments(&mut c.tx, c.account.id).await?;
                if added_or_removed.iter().any(|d| !managed.contains(d)) {
                    return Err(forbidden(
                        "you can move users only in and out of departments you manage",
                    ));
                }
            }
            deps_changed = !added_or_removed.is_empty();
        }

        let mut before_view = before.audit_view();
        let mut after_view = u.audit_view();
        if deps_changed {
            before_view["departments"] = serde_json::json!(current);
            after_view["departments"] = serde_json::json!(patch.departments);
        }
        if before_view == after_view && email_requested.is_none() {
            return Ok(before);
        }
        if before_view != after_view {
            u.version = before.version + 1;
            u.updated_at = c.now;
            if !store::update_user(&mut c.tx, &u, store::Touches::between(&before, &u)).await? {
                return refuse(DomainError::PreconditionFailed);
            }
            if let Some(deps) = &patch.departments
                && deps_changed
            {
                departments::set_user_memberships(&mut c.tx, c.account.id, id, deps, c.now).await?;
            }
            let (b, a) = crate::diff(&before_view, &after_view);
            c.audit("user.updated", user_target(&u), Some(b), Some(a))
                .await?;
        }
        if let Some(new) = &email_requested {
            self.request_email_change(c, &u, new).await?;
            c.audit(
                "user.email_change_requested",
                user_target(&u),
                Some(serde_json::json!({ "email": u.email.as_ref().map(Email::as_str) })),
                Some(serde_json::json!({ "pending_email": new.as_str() })),
            )
            .await?;
        }
        if reinvite {
            self.issue_invite(c, &u).await?;
        }
        Ok(u)
    }
}

impl Switchboard {
    /// Sets a user's availability (`available`, `busy`, `away`, `offline`): users set their
    /// own, and whoever may edit the user sets theirs. Each change is audited; setting the
    /// value it already has changes nothing.
    pub async fn set_availability(
        &self,
        ctx: &Ctx,
        id: UserId,
        availability: Availability,
    ) -> Result<User> {
        let mut c = self.begin(ctx).await?;
        let before = store::find_user(&mut c.tx, c.account.id, id)
            .await?
            .ok_or_else(|| not_found("user"))?;
        c.who.check_can_edit(&mut c.tx, c.account.id, id).await?;
        if before.availability == availability {
            return Ok(before);
        }
        let mut u = before.clone();
        u.availability = availability;
        u.version = before.version + 1;
        u.updated_at = c.now;
        if !store::update_user(&mut c.tx, &u, store::Touches::ROW_ONLY).await? {
            return refuse(DomainError::PreconditionFailed);
        }
        c.audit(
            "user.availability_changed",
            user_target(&u),
            Some(serde_json::json!({ "availability": before.availability.key() })),
            Some(serde_json::json!({ "availability": u.availability.key() })),
        )
        .await?;
        c.commit().await?;
        Ok(u)
    }
}

/// The departments (id, name) of each of `users`, in the store's order, 500 users a query;
/// users in no department are absent from the map.
pub(crate) async fn departments_of_users(
    tx: &mut Tx,
    account: AccountId,
    users: &[UserId],
) -> Result<HashMap<UserId, Vec<(DepartmentId, String)>>> {
    let mut out: HashMap<UserId, Vec<(DepartmentId, String)>> = HashMap::new();
    for chunk in users.chunks(500) {
        for (u, d, name) in departments::list_departments_of_users(tx, account, chunk).await? {
            out.entry(u).or_default().push((d, name));
        }
    }
    Ok(out)
}

/// [`Switchboard::list_users`] inside the caller's read.
async fn list_users_in(
    c: &mut Change,
    query: &UserQuery,
    cursor: Option<&str>,
    limit: u32,
) -> Result<Page<User>> {
    c.who.require(c.who.perms.view_users, "view users")?;
    let limit = limit.clamp(1, 500);
    let terms = [&query.text, &query.role, &query.tag];
    if terms
        .iter()
        .any(|t| t.as_deref().is_some_and(switchboard_domain::has_control))
    {
        // No user's name, email, role or tag holds a control character: nothing matches,
        // and such a term never reaches the database.
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    }
    let role = match query
        .role
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        Some(r) => Some(
            resolve_role(&mut c.tx, c.account.id, &RoleRef::parse(r))
                .await?
                .id,
        ),
        None => None,
    };
    let filter = UserFilter {
        text: query.text.clone(),
        role,
        status: query.status,
        department: query.department,
        panel_access: query.panel_access,
        tag: query.tag.clone(),
        within: None,
    };
    let after = cursor.map(decode_cursor).transpose()?;
    let mut items =
        store::list_users_page(&mut c.tx, c.account.id, &filter, after.as_ref(), limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}
