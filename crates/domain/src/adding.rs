//! The rules one add must pass (R1, R2, R11, R13), judged against what its write turn read:
//! who adds, the role and departments asked for, who holds which email, mobile and
//! extension, and how many users and seats the account uses. Every way of adding a user —
//! alone, in a shared turn, row by row in an import — is judged here, in the same order.

use std::collections::HashMap;

use crate::account::{Account, Usage};
use crate::error::DomainError;
use crate::ids::DepartmentId;
use crate::phone::E164;
use crate::role::{Permissions, Role, Scope, may_grant};
use crate::user::NewUser;
use crate::values::{Email, Extension};

/// Who adds, as far as adding asks.
#[derive(Clone, Copy, Debug)]
pub struct Adder<'a> {
    /// The adder's permissions.
    pub perms: &'a Permissions,
    /// Whether the adder acts with an Administrator's rights.
    pub is_admin: bool,
    /// The departments the adder manages (read only for the `departments` scope).
    pub managed: &'a [DepartmentId],
}

/// Who holds the emails (by key), mobiles and extensions an add may ask for: those read
/// from the database, then each add accepted before in the same turn (R13).
#[derive(Clone, Debug, Default)]
pub struct Holders {
    emails: HashMap<String, String>,
    mobiles: HashMap<String, String>,
    extensions: HashMap<u32, String>,
}

impl Holders {
    /// Records that `holder` has the email whose key is `key`.
    pub fn hold_email(&mut self, key: String, holder: String) {
        self.emails.insert(key, holder);
    }

    /// Records that `holder` has the mobile `mobile` (E.164).
    pub fn hold_mobile(&mut self, mobile: String, holder: String) {
        self.mobiles.insert(mobile, holder);
    }

    /// Records that `holder` has the extension `extension`.
    pub fn hold_extension(&mut self, extension: u32, holder: String) {
        self.extensions.insert(extension, holder);
    }

    /// Who holds `email` (compared by its key).
    pub fn email(&self, email: &Email) -> Option<&str> {
        self.emails.get(&email.key()).map(String::as_str)
    }

    /// Who holds `mobile`.
    pub fn mobile(&self, mobile: &E164) -> Option<&str> {
        self.mobiles.get(mobile.as_str()).map(String::as_str)
    }

    /// Who holds `extension`.
    pub fn extension(&self, extension: Extension) -> Option<&str> {
        self.extensions.get(&extension.value()).map(String::as_str)
    }

    /// Records that `new`, just accepted, now holds what it asked for.
    pub fn claim(&mut self, new: &NewUser) {
        let name = new.name.to_string();
        if let Some(e) = &new.email {
            self.hold_email(e.key(), name.clone());
        }
        if let Some(m) = &new.mobile {
            self.hold_mobile(m.as_str().to_owned(), name.clone());
        }
        if let Some(x) = new.extension {
            self.hold_extension(x.value(), name);
        }
    }
}

/// What the turn found for one add: the role it gets (or why there is none) and whether
/// its departments exist.
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    /// The role named, or Basic; the lookup's refusal when the role does not exist.
    pub role: Result<&'a Role, &'a DomainError>,
    /// The lookup's refusal when a department does not exist.
    pub departments: Result<(), &'a DomainError>,
}

/// Judges one add, in the order a person fixing the request would want to hear: may this
/// adder add here (R1), is the request whole (an email for Panel Access), may they set an
/// external id (Administrators and the identity provider only) and give this role, do the departments exist, are the email, mobile and extension free (R2,
/// R13), is there room in the plan (R11).
pub fn judge_add(
    new: &NewUser,
    adder: Adder<'_>,
    found: Found<'_>,
    account: &Account,
    usage: Usage,
    holders: &Holders,
) -> Result<(), DomainError> {
    match adder.perms.edit_users {
        Scope::All => {}
        Scope::Departments => {
            if new.departments.is_empty()
                || new.departments.iter().any(|d| !adder.managed.contains(d))
            {
                return Err(DomainError::Forbidden(
                    "you can add users only to departments you manage; choose at least one"
                        .to_owned(),
                ));
            }
        }
        _ => {
            return Err(DomainError::Forbidden(
                "your role does not allow adding users".to_owned(),
            ));
        }
    }
    if new.panel_access && new.email.is_none() {
        return Err(DomainError::field(
            "email",
            "required",
            "Panel Access users need an email address for their invite",
        ));
    }
    if new.external_id.is_some() && !adder.is_admin {
        return Err(DomainError::Forbidden(
            "only administrators can set the external id".to_owned(),
        ));
    }
    let role = found.role.map_err(Clone::clone)?;
    may_grant(
        adder.perms,
        adder.is_admin,
        &role.permissions,
        role.name.as_str(),
    )?;
    found.departments.map_err(Clone::clone)?;
    check_free(new, account, holders)?;
    account.check_room_for(usage, new.panel_access)
}

/// R2 and R13: the email, mobile and extension asked for are free, the extension in range.
fn check_free(new: &NewUser, account: &Account, holders: &Holders) -> Result<(), DomainError> {
    if let Some(e) = &new.email
        && let Some(holder) = holders.email(e)
    {
        return Err(DomainError::DuplicateEmail {
            email: e.to_string(),
            holder: holder.to_owned(),
        });
    }
    if let Some(m) = &new.mobile
        && let Some(holder) = holders.mobile(m)
    {
        return Err(DomainError::DuplicateMobile {
            mobile: m.to_string(),
            holder: holder.to_owned(),
        });
    }
    let Some(x) = new.extension else {
        return Ok(());
    };
    let range = account.extension_range;
    if !range.contains(x) {
        return Err(DomainError::ExtensionOutOfRange {
            extension: x.to_string(),
            min: range.min,
            max: range.max,
        });
    }
    match holders.extension(x) {
        Some(holder) => Err(DomainError::ExtensionTaken {
            extension: x.to_string(),
            holder: holder.to_owned(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::Plan;
    use crate::fixtures::role;
    use crate::role::BuiltinRole;
    use crate::user::NewUserInput;

    fn account(plan: Plan, seats: u32) -> Account {
        crate::fixtures::account(plan, seats, crate::ids::UserId::new())
    }

    fn new_user(json: serde_json::Value) -> NewUser {
        let input: NewUserInput = serde_json::from_value(json).unwrap();
        NewUser::parse(&input).unwrap()
    }

    fn judge(
        new: &NewUser,
        perms: &Permissions,
        granted: &Role,
        account: &Account,
        usage: Usage,
        holders: &Holders,
    ) -> Result<(), DomainError> {
        let adder = Adder {
            perms,
            is_admin: false,
            managed: &[],
        };
        let found = Found {
            role: Ok(granted),
            departments: Ok(()),
        };
        judge_add(new, adder, found, account, usage, holders)
    }

    #[test]
    fn an_add_is_refused_for_the_first_rule_it_breaks_in_a_fixed_order() {
        let acct = account(Plan::Pro, 1);
        let admin = role(BuiltinRole::Administrator, Permissions::ADMINISTRATOR);
        let manager_perms = Permissions::MANAGER;
        let mut holders = Holders::default();
        holders.hold_email("priya@acme.example".to_owned(), "Priya Sharma".to_owned());
        let full = Usage { users: 1, seats: 1 };
        let new = new_user(serde_json::json!({
            "name": "Priya Again", "email": "PRIYA@acme.example", "panel_access": true
        }));
        // The Manager may not add outside their departments: said before anything else.
        let first = judge(&new, &manager_perms, &admin, &acct, full, &holders);
        assert_eq!(first.unwrap_err().code(), "forbidden");
        // An Administrator's rights: the role may be given; the email is held; then seats.
        let all = Permissions::ADMINISTRATOR;
        let held = judge(&new, &all, &admin, &acct, full, &holders);
        assert_eq!(held.unwrap_err().code(), "duplicate_email");
        let free = Holders::default();
        let seats = judge(&new, &all, &admin, &acct, full, &free);
        assert_eq!(seats.unwrap_err().code(), "seat_limit_reached");
        assert!(judge(&new, &all, &admin, &acct, Usage::default(), &free).is_ok());
    }

    #[test]
    fn an_accepted_add_holds_its_email_mobile_and_extension_for_the_adds_after_it() {
        let acct = account(Plan::Pro, 10);
        let basic = role(BuiltinRole::Basic, Permissions::BASIC);
        let all = Permissions::ADMINISTRATOR;
        let first = new_user(serde_json::json!({
            "name": "Rahul Verma", "email": "rahul@acme.example", "mobile": "+919812345678",
            "extension": "150"
        }));
        let mut holders = Holders::default();
        assert!(judge(&first, &all, &basic, &acct, Usage::default(), &holders).is_ok());
        holders.claim(&first);
        for (field, value, code) in [
            ("email", "Rahul@Acme.example", "duplicate_email"),
            ("mobile", "+919812345678", "duplicate_mobile"),
            ("extension", "150", "extension_taken"),
        ] {
            let mut json = serde_json::json!({"name": "Someone Else", "mobile": "+919800000009"});
            json[field] = serde_json::json!(value);
            let again = judge(
                &new_user(json),
                &all,
                &basic,
                &acct,
                Usage::default(),
                &holders,
            );
            let refused = again.unwrap_err();
            assert_eq!(refused.code(), code, "{field}");
            assert!(refused.to_string().contains("Rahul Verma"), "{refused}");
        }
        let outside = new_user(serde_json::json!({"name": "Far Away", "extension": "250",
            "email": "far@acme.example"}));
        let out = judge(&outside, &all, &basic, &acct, Usage::default(), &holders);
        assert_eq!(out.unwrap_err().code(), "extension_out_of_range");
    }

    #[test]
    fn only_administrators_add_a_user_with_an_external_id() {
        let acct = account(Plan::Pro, 10);
        let basic = role(BuiltinRole::Basic, Permissions::BASIC);
        let mut new =
            new_user(serde_json::json!({"name": "Meera Iyer", "email": "m@acme.example"}));
        new.external_id = Some("00u1a2b3c4".to_owned());
        let dep = crate::ids::DepartmentId::new();
        new.departments = vec![dep];
        let managed = [dep];
        let manager = Adder {
            perms: &Permissions::MANAGER,
            is_admin: false,
            managed: &managed,
        };
        let found = Found {
            role: Ok(&basic),
            departments: Ok(()),
        };
        let holders = Holders::default();
        let refused = judge_add(&new, manager, found, &acct, Usage::default(), &holders);
        assert!(refused.unwrap_err().to_string().contains("external id"));
        let admin = Adder {
            perms: &Permissions::ADMINISTRATOR,
            is_admin: true,
            managed: &[],
        };
        assert!(judge_add(&new, admin, found, &acct, Usage::default(), &holders).is_ok());
    }

    #[test]
    fn nobody_gives_a_role_with_rights_they_lack_and_a_missing_role_is_said_as_such() {
        let acct = account(Plan::Pro, 10);
        let admin = role(BuiltinRole::Administrator, Permissions::ADMINISTRATOR);
        let new = new_user(serde_json::json!({"name": "Meera Iyer", "email": "m@acme.example"}));
        let adder = Adder {
            perms: &Permissions::MANAGER,
            is_admin: false,
            managed: &[],
        };
        let mut scoped = new.clone();
        let dep = crate::ids::DepartmentId::new();
        scoped.departments = vec![dep];
        let managed = [dep];
        let manager = Adder {
            managed: &managed,
            ..adder
        };
        let found = Found {
            role: Ok(&admin),
            departments: Ok(()),
        };
        let holders = Holders::default();
        let refused = judge_add(&scoped, manager, found, &acct, Usage::default(), &holders);
        assert!(refused.unwrap_err().to_string().contains("Administrator"));
        let missing = DomainError::field("role", "not_found", "there is no role \"Boss\"");
        let found = Found {
            role: Err(&missing),
            departments: Ok(()),
        };
        let refused = judge_add(&scoped, manager, found, &acct, Usage::default(), &holders);
        assert_eq!(refused.unwrap_err(), missing);
    }
}
