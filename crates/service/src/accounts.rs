//! Accounts: creation with the owner and built-in roles, settings, usage, and ownership
//! transfer (R7).

use serde::Serialize;
use switchboard_domain::{
    Account, AccountId, ActorKind, Availability, BuiltinRole, Country, DomainError, Email,
    Extension, ExtensionRange, Name, Plan, Role, RoleId, SsoSettings, TimeZoneName, Usage, User,
    UserId, UserStatus, WeeklySchedule,
};
use switchboard_store::{accounts as store, roles as role_store, users as user_store};

use crate::error::{Error, Result, forbidden, not_found, refuse};
use crate::secrets::hash_password;
use crate::{Change, Ctx, Principal, Switchboard, Target};
use jiff::Timestamp;
use switchboard_store::Tx;

/// A new account and its owner.
#[derive(Clone, Debug)]
pub struct NewAccount {
    /// Company name.
    pub name: Name,
    /// Plan.
    pub plan: Plan,
    /// Seats on `pro` (ignored on `free`).
    pub seat_limit: u32,
    /// Extension range.
    pub extension_range: ExtensionRange,
    /// Default time zone.
    pub time_zone: TimeZoneName,
    /// The country national phone numbers are read in (none: the time zone's).
    pub country: Option<Country>,
    /// The owner's name.
    pub owner_name: Name,
    /// The owner's email (their setup link goes there).
    pub owner_email: Email,
}

/// The result of creating an account.
#[derive(Clone, Debug)]
pub struct AccountCreated {
    /// The account.
    pub account: Account,
    /// Its owner (pending until the setup link is used, unless created with a password).
    pub owner: User,
    /// The owner's one-time setup link (empty when the owner set a password at creation).
    pub setup_link: String,
}

/// Plan usage against its limits.
#[derive(Clone, Debug, Serialize)]
pub struct PlanUsage {
    /// Plan.
    pub plan: Plan,
    /// Users not deactivated.
    pub users_used: u32,
    /// User limit (`free` only).
    pub users_limit: Option<u32>,
    /// Panel Access users not deactivated.
    pub seats_used: u32,
    /// Seat limit (`pro` only).
    pub seats_limit: Option<u32>,
}

/// Changes to an account's settings (absent = unchanged).
#[derive(Clone, Debug, Default)]
pub struct AccountPatch {
    /// New name.
    pub name: Option<Name>,
    /// New plan.
    pub plan: Option<Plan>,
    /// New seat limit.
    pub seat_limit: Option<u32>,
    /// New extension range.
    pub extension_range: Option<ExtensionRange>,
    /// New default time zone.
    pub time_zone: Option<TimeZoneName>,
    /// New country (`Some(None)`: none, the time zone's country is used).
    pub country: Option<Option<Country>>,
    /// New SSO settings.
    pub sso: Option<SsoSettings>,
}

fn account_view(a: &Account) -> serde_json::Value {
    serde_json::json!({
        "name": a.name.as_str(),
        "plan": a.plan.key(),
        "seat_limit": a.seat_limit,
        "extension_min": a.extension_range.min,
        "extension_max": a.extension_range.max,
        "default_time_zone": a.default_time_zone.as_str(),
        "country": a.country.as_ref().map(Country::as_str),
        "sso": a.sso,
        "owner_id": a.owner_id.to_string(),
    })
}

/// The three built-in roles of a new account; answers the Administrator role's id.
async fn insert_builtin_roles(tx: &mut Tx, id: AccountId, now: Timestamp) -> Result<RoleId> {
    let mut admin_role = RoleId::new();
    for builtin in BuiltinRole::ALL {
        let role = Role {
            id: RoleId::new(),
            account_id: id,
            name: Name::parse("name", builtin.name()).map_err(|e| Error::Internal(e.message))?,
            builtin: Some(builtin),
            permissions: builtin.default_permissions(),
        };
        if builtin == BuiltinRole::Administrator {
            admin_role = role.id;
        }
        role_store::insert_role(tx, &role, now).await?;
    }
    Ok(admin_role)
}

/// A new account's owner, an Administrator: active at once when created with a password,
/// else pending their setup link.
fn first_owner(
    (id, owner_id): (AccountId, UserId),
    (name, email): (Name, Email),
    extension: Extension,
    admin_role: RoleId,
    time_zone: TimeZoneName,
    with_password: bool,
    now: Timestamp,
) -> User {
    User {
        id: owner_id,
        account_id: id,
        name,
        email: Some(email),
        mobile: None,
        alternate_mobile: None,
        extension,
        role_id: admin_role,
        panel_access: true,
        receive_calls: true,
        call_hours: WeeklySchedule::any_time(),
        time_zone,
        availability: Availability::Available,
        voicemail: false,
        status: if with_password {
            UserStatus::Active
        } else {
            UserStatus::PendingInvite
        },
        external_id: None,
        idp: Default::default(),
        tags: Vec::new(),
        has_signed_in: with_password,
        deactivate_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

/// Who creates an account: the operator, through the CLI or first-run setup.
fn cli_principal() -> Principal {
    Principal {
        kind: ActorKind::System,
        id: None,
        name: "switchboard CLI".to_owned(),
        user_id: None,
        perms: switchboard_domain::Permissions::ADMINISTRATOR,
        is_owner: true,
        is_admin: true,
    }
}

/// The audit rows of a new account and its owner.
async fn audit_creation(change: &mut Change, account: &Account, owner: &User) -> Result<()> {
    change
        .audit(
            "account.created",
            Target {
                kind: "account",
                id: Some(account.id.to_string()),
                name: account.name.to_string(),
            },
            None,
            Some(account_view(account)),
        )
        .await?;
    change
        .audit(
            "user.created",
            Target {
                kind: "user",
                id: Some(owner.id.to_string()),
                name: owner.name.to_string(),
            },
            None,
            Some(owner.audit_view()),
        )
        .await?;
    Ok(())
}

impl Switchboard {
    /// Creates an account with the three built-in roles and its owner, an Administrator
    /// whose one-time setup link is returned (and queued as a mail).
    pub async fn create_account(&self, input: NewAccount, source: &str) -> Result<AccountCreated> {
        self.create_account_with(input, source, None).await
    }

    /// Creates an account; with `owner_password` the owner is active at once with that
    /// password (first-run setup) and no setup link is issued or mailed.
    pub(crate) async fn create_account_with(
        &self,
        input: NewAccount,
        source: &str,
        owner_password: Option<&str>,
    ) -> Result<AccountCreated> {
        let password_hash = owner_password.map(hash_password).transpose()?;
        if input.plan == Plan::Pro && input.seat_limit == 0 {
            return refuse(DomainError::field(
                "seats",
                "out_of_range",
                "a pro account needs at least one seat (the owner uses one)",
            ));
        }
        let now = self.now();
        let mut tx = self.db().write().await?;
        let id = AccountId::new();
        let owner_id = UserId::new();
        let mut account = Account {
            id,
            name: input.name,
            plan: input.plan,
            seat_limit: if input.plan == Plan::Pro {
                input.seat_limit
            } else {
                0
            },
            extension_range: input.extension_range,
            default_time_zone: input.time_zone.clone(),
            country: input.country.clone(),
            sso: SsoSettings::default(),
            owner_id,
            created_at: now,
            rights_version: 0,
        };
        store::insert_account(&mut tx, &account).await?;
        let admin_role = insert_builtin_roles(&mut tx, id, now).await?;
        let extension = Extension::from_number(input.extension_range.min)
            .ok_or_else(|| Error::Internal("empty extension range".to_owned()))?;
        let owner = first_owner(
            (id, owner_id),
            (input.owner_name, input.owner_email),
            extension,
            admin_role,
            input.time_zone,
            password_hash.is_some(),
            now,
        );
        user_store::insert_user(&mut tx, &owner).await?;
        if let Some(hash) = &password_hash {
            user_store::set_user_password(&mut tx, id, owner_id, hash).await?;
        }
        store::set_account_owner(&mut tx, id, owner_id).await?;
        account.owner_id = owner_id;
        let mut change = Change {
            tx,
            account: account.clone(),
            who: cli_principal(),
            now,
            source: source.to_owned(),
            usage_at_lock: None,
            audit_head: None,
        };
        audit_creation(&mut change, &account, &owner).await?;
        let setup_link = if password_hash.is_some() {
            String::new()
        } else {
            self.issue_invite(&mut change, &owner)
                .await?
                .unwrap_or_default()
        };
        change.commit().await?;
        Ok(AccountCreated {
            account,
            owner,
            setup_link,
        })
    }

    /// Reads the account.
    pub async fn get_account(&self, ctx: &Ctx) -> Result<Account> {
        let c = self.begin_read(ctx).await?;
        Ok(c.account)
    }

    /// Users and seats in use against the plan's limits.
    pub async fn plan_usage(&self, ctx: &Ctx) -> Result<PlanUsage> {
        let mut c = self.begin_read(ctx).await?;
        let u: Usage = store::count_usage(&mut c.tx, c.account.id).await?;
        Ok(PlanUsage {
            plan: c.account.plan,
            users_used: u.users,
            users_limit: (c.account.plan == Plan::Free).then_some(Plan::FREE_USER_LIMIT),
            seats_used: u.seats,
            seats_limit: (c.account.plan == Plan::Pro).then_some(c.account.seat_limit),
        })
    }

    /// Changes plan, seats, extension range, default time zone or SSO settings. Limits
    /// cannot be set below what is in use.
    pub async fn update_account(&self, ctx: &Ctx, patch: AccountPatch) -> Result<Account> {
        let mut c = self.begin(ctx).await?;
        c.who
            .require(c.who.is_admin, "change the account's settings")?;
        let before = c.account.clone();
        let mut a = c.account.clone();
        if let Some(n) = patch.name {
            a.name = n;
        }
        if let Some(p) = patch.plan {
            a.plan = p;
        }
        if let Some(s) = patch.seat_limit {
            a.seat_limit = s;
        }
        if let Some(r) = patch.extension_range {
            a.extension_range = r;
        }
        if let Some(tz) = patch.time_zone {
            a.default_time_zone = tz;
        }
        if let Some(country) = patch.country {
            a.country = country;
        }
        if let Some(sso) = patch.sso {
            a.sso = sso;
        }
        let usage = store::count_usage(&mut c.tx, a.id).await?;
        if a.plan == Plan::Pro && usage.seats > a.seat_limit {
            return refuse(DomainError::field(
                "seat_limit",
                "below_usage",
                format!(
                    "{} seats are in use; free some before lowering the limit to {}",
                    usage.seats, a.seat_limit
                ),
            ));
        }
        if a.plan == Plan::Free && usage.users > Plan::FREE_USER_LIMIT {
            return refuse(DomainError::field(
                "plan",
                "below_usage",
                format!(
                    "{} users are active; the free plan allows {}",
                    usage.users,
                    Plan::FREE_USER_LIMIT
                ),
            ));
        }
        c.account = a.clone();
        store::update_account(&mut c.tx, &a).await?;
        let (b, af) = crate::diff(&account_view(&before), &account_view(&a));
        c.audit(
            "account.updated",
            Target {
                kind: "account",
                id: Some(a.id.to_string()),
                name: a.name.to_string(),
            },
            Some(b),
            Some(af),
        )
        .await?;
        c.commit().await?;
        Ok(a)
    }

    /// Makes another active Administrator the owner. Only the owner (or the operator) may.
    pub async fn transfer_ownership(&self, ctx: &Ctx, to: UserId) -> Result<Account> {
        let mut c = self.begin(ctx).await?;
        if !c.who.is_owner {
            return Err(forbidden("only the account owner can transfer ownership"));
        }
        let target = user_store::find_user(&mut c.tx, c.account.id, to)
            .await?
            .ok_or_else(|| not_found("user"))?;
        let role = role_store::find_role(&mut c.tx, c.account.id, target.role_id)
            .await?
            .ok_or_else(|| not_found("role"))?;
        // The owner must be able to sign in (edits refuse taking the owner's Panel Access).
        if !role.is_administrator() || target.status != UserStatus::Active || !target.panel_access {
            return refuse(DomainError::InvalidState(format!(
                "{} must be an active Administrator with Panel Access to become the owner",
                target.name
            )));
        }
        let previous = c.account.owner_id;
        store::set_account_owner(&mut c.tx, c.account.id, to).await?;
        c.account.owner_id = to;
        c.audit(
            "account.ownership_transferred",
            Target {
                kind: "account",
                id: Some(c.account.id.to_string()),
                name: c.account.name.to_string(),
            },
            Some(serde_json::json!({ "owner_id": previous.to_string() })),
            Some(serde_json::json!({ "owner_id": to.to_string() })),
        )
        .await?;
        let account = c.account.clone();
        c.commit().await?;
        Ok(account)
    }
}
