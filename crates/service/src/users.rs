//! Reading, listing and editing users (R1, R4–R7, R11, R13); adding is in `adding`.

use std::collections::HashMap;

use switchboard_domain::adding::Holders;
use switchboard_domain::user::{Edit, EditFacts, Editor};
use switchboard_domain::{
    Account, AccountId, Availability, DepartmentId, DomainError, E164, Email, Extension,
    FieldError, Permissions, Role, RoleRef, Scope, Usage, User, UserId, UserPatch, UserStatus,
    audit::ActorKind,
};
use switchboard_store::users::{UserCursor, UserFilter};
use switchboard_store::{
    StoreError, Tx, UniqueKey, accounts, auth, departments, invites, roles, users as store,
};

pub use crate::adding::AddedUser;
use crate::error::{Error, Result, not_found, refuse};
use crate::{Change, Ctx, Switchboard, Target};

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
    /// What the actor may do to each listed user.
    pub rights: HashMap<UserId, Rights>,
}

/// What an actor may do to a user (R1, R15), answered by the rules the edit and the
/// lifecycle operations check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rights {
    /// May edit some of the user's fields.
    pub edit: bool,
    /// May deactivate, activate, replace or delete the user.
    pub manage_lifecycle: bool,
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
pub(crate) async fn check_contacts_free(
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
    u.is_active_admin(role)
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
pub(crate) async fn check_departments(
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
        let managed = match c.who.perms.edit_users {
            Scope::Departments => c.who.managed_departments(&mut c.tx, c.account.id).await?,
            _ => Vec::new(),
        };
        let rights = page
            .items
            .iter()
            .map(|u| {
                let manages = departments
                    .get(&u.id)
                    .is_some_and(|ds| ds.iter().any(|(d, _)| managed.contains(d)));
                let perms = roles
                    .iter()
                    .find(|r| r.id == u.role_id)
                    .map_or(Permissions::NONE, |r| r.permissions);
                (u.id, c.who.rights_over(u.id, manages, &perms))
            })
            .collect();
        Ok(UserListView {
            page,
            roles,
            departments,
            rights,
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

    /// [`Self::edit_user`] inside the caller's change: reads what the edit needs, lets
    /// [`User::apply`] decide, and writes what it decided. A uniqueness violation the
    /// checks missed comes back as `Error::Store`.
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
        let read = EditLookups::read(c, &before, patch, scope).await?;
        let editor = Editor {
            scim: c.who.kind == ActorKind::Scim,
            is_admin: c.who.is_admin,
            perms: &c.who.perms,
            scope,
            managed: &read.managed,
        };
        let edit = before.apply(patch, editor, read.facts(&c.account))?;
        let current = read.memberships.map(|(current, _)| current);
        self.write_edit(c, &before, edit, current).await
    }

    /// Writes what an edit decided: the user, their departments, the revocations, the
    /// audit event, the verification link of a new email (R5) and a new invite.
    async fn write_edit(
        &self,
        c: &mut Change,
        before: &User,
        edit: Edit,
        current: Option<Vec<DepartmentId>>,
    ) -> Result<User> {
        let mut u = edit.user;
        let mut before_view = before.audit_view();
        let mut after_view = u.audit_view();
        if let Some(deps) = &edit.departments {
            before_view["departments"] = serde_json::json!(current.unwrap_or_default());
            after_view["departments"] = serde_json::json!(deps);
        }
        if before_view == after_view && edit.email_requested.is_none() {
            return Ok(before.clone());
        }
        let (account, id) = (c.account.id, u.id);
        if before_view != after_view {
            u.version = before.version + 1;
            u.updated_at = c.now;
            if !store::update_user(&mut c.tx, &u, store::Touches::between(before, &u)).await? {
                return refuse(DomainError::PreconditionFailed);
            }
            if let Some(deps) = &edit.departments {
                departments::set_user_memberships(&mut c.tx, account, id, deps, c.now).await?;
            }
            if edit.revoke_access {
                invites::revoke_user_invites(&mut c.tx, account, id, c.now).await?;
                auth::revoke_user_credentials(&mut c.tx, account, id, c.now).await?;
            }
            let (b, a) = crate::diff(&before_view, &after_view);
            c.audit("user.updated", user_target(&u), Some(b), Some(a))
                .await?;
        }
        if let Some(new) = &edit.email_requested {
            self.request_email_change(c, &u, new).await?;
            c.audit(
                "user.email_change_requested",
                user_target(&u),
                Some(serde_json::json!({ "email": u.email.as_ref().map(Email::as_str) })),
                Some(serde_json::json!({ "pending_email": new.as_str() })),
            )
            .await?;
        }
        if edit.reinvite {
            self.issue_invite(c, &u).await?;
        }
        Ok(u)
    }
}

/// What an edit reads before [`User::apply`] decides it: each part only when the patch
/// asks for it ([`User::edit_needs`]).
struct EditLookups {
    role: Role,
    new_role: Option<std::result::Result<Role, DomainError>>,
    holders: Holders,
    usage: Option<Usage>,
    active_admins: Option<u32>,
    memberships: Option<(Vec<DepartmentId>, std::result::Result<(), DomainError>)>,
    managed: Vec<DepartmentId>,
}

impl EditLookups {
    async fn read(c: &mut Change, before: &User, patch: &UserPatch, scope: Scope) -> Result<Self> {
        let account = c.account.id;
        let role = roles::find_role(&mut c.tx, account, before.role_id)
            .await?
            .ok_or_else(|| Error::Internal("user without role".to_owned()))?;
        let new_role = match &patch.role {
            Some(r) => Some(refusal(resolve_role(&mut c.tx, account, r).await)?),
            None => None,
        };
        let holders = edit_holders(&mut c.tx, account, before, patch).await?;
        let needs = before.edit_needs(patch, &role);
        let usage = match needs.usage {
            true => Some(accounts::count_usage(&mut c.tx, account).await?),
            false => None,
        };
        let active_admins = match needs.active_admins {
            true => {
                let n = store::count_active_with_role(&mut c.tx, account, role.id).await?;
                Some(u32::try_from(n).unwrap_or(u32::MAX))
            }
            false => None,
        };
        let memberships = match (&patch.departments, needs.memberships) {
            (Some(asked), true) => {
                let current = departments::list_user_memberships(&mut c.tx, account, before.id)
                    .await?
                    .into_iter()
                    .map(|(d, _)| d)
                    .collect();
                let found = refusal(check_departments(&mut c.tx, account, asked).await)?;
                Some((current, found.map(|_| ())))
            }
            _ => None,
        };
        let managed = match (scope, c.who.is_admin, &patch.departments) {
            (Scope::Departments, false, Some(_)) => {
                c.who.managed_departments(&mut c.tx, account).await?
            }
            _ => Vec::new(),
        };
        Ok(Self {
            role,
            new_role,
            holders,
            usage,
            active_admins,
            memberships,
            managed,
        })
    }

    fn facts<'a>(&'a self, account: &'a Account) -> EditFacts<'a> {
        EditFacts {
            account,
            role: &self.role,
            new_role: self.new_role.as_ref().map(|r| r.as_ref()),
            holders: &self.holders,
            usage: self.usage,
            active_admins: self.active_admins,
            memberships: self
                .memberships
                .as_ref()
                .map(|(current, found)| (current.as_slice(), found.as_ref().map(|_| ()))),
        }
    }
}

/// Who else holds the email, mobile and extension `patch` gives `user` (R13).
async fn edit_holders(
    tx: &mut Tx,
    account: AccountId,
    user: &User,
    patch: &UserPatch,
) -> Result<Holders> {
    let mut holders = Holders::default();
    let other = |h: Option<User>| h.filter(|h| h.id != user.id);
    if let Some(Some(e)) = &patch.email
        && user.email.as_ref().map(Email::key) != Some(e.key())
        && let Some(h) = other(store::find_user_by_email(tx, account, e).await?)
    {
        holders.hold_email(e.key(), h.name.to_string());
    }
    if let (None, Some(Some(m))) = (&user.mobile, &patch.mobile)
        && let Some(h) = other(store::find_user_by_mobile(tx, account, m).await?)
    {
        holders.hold_mobile(m.as_str().to_owned(), h.name.to_string());
    }
    if let Some(x) = patch.extension.filter(|x| *x != user.extension)
        && let Some(h) = other(store::find_user_by_extension(tx, account, x).await?)
    {
        holders.hold_extension(x.value(), h.name.to_string());
    }
    Ok(holders)
}

/// Keeps a refusal (a role or department that does not exist) for the rules to report in
/// their order; anything else fails the edit.
pub(crate) fn refusal<T>(r: Result<T>) -> Result<std::result::Result<T, DomainError>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(Error::Domain(d)) => Ok(Err(d)),
        Err(e) => Err(e),
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
