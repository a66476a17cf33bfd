//! The checks adding, editing and replacing users share: who holds an email, mobile or
//! extension (R2, R13), which role and departments a request names, and the last
//! Administrator (R7).

use switchboard_domain::{
    AccountId, DepartmentId, DomainError, E164, Email, Extension, FieldError, Role, RoleRef, User,
    UserId,
};
use switchboard_store::{StoreError, Tx, UniqueKey, departments, roles, users as store};

use crate::error::{Error, Result, refuse};
use crate::{Change, Ctx, Switchboard};

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
        c.who.require_view_users()?;
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
