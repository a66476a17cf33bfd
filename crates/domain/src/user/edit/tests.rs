use super::*;
use crate::account::Plan;
use crate::fixtures::{role, user};
use crate::ids::UserId;
use crate::role::BuiltinRole;
use crate::user::UserPatchInput;

fn account(owner: UserId) -> Account {
    crate::fixtures::account(Plan::Pro, 5, owner)
}

fn patch(json: serde_json::Value) -> UserPatch {
    let input: UserPatchInput = serde_json::from_value(json).unwrap();
    UserPatch::parse(&input).unwrap()
}

fn admin(perms: &Permissions) -> Editor<'_> {
    Editor {
        scim: false,
        is_admin: true,
        perms,
        scope: Scope::All,
        managed: &[],
    }
}

fn facts<'a>(account: &'a Account, role: &'a Role, holders: &'a Holders) -> EditFacts<'a> {
    EditFacts {
        account,
        role,
        new_role: None,
        holders,
        usage: None,
        active_admins: None,
        memberships: None,
    }
}

#[test]
fn a_mobile_once_set_never_changes_and_a_new_email_waits_for_its_link() {
    let basic = role(BuiltinRole::Basic, Permissions::BASIC);
    let u = user(&basic);
    let acct = account(UserId::new());
    let holders = Holders::default();
    let all = Permissions::ADMINISTRATOR;
    let moved = u.apply(
        &patch(serde_json::json!({"mobile": "+919812345678"})),
        admin(&all),
        facts(&acct, &basic, &holders),
    );
    assert_eq!(moved.unwrap_err(), DomainError::MobileImmutable);

    let edit = u
        .apply(
            &patch(serde_json::json!({"email": "p.sharma@acme.example", "voicemail": true})),
            admin(&all),
            facts(&acct, &basic, &holders),
        )
        .unwrap();
    assert_eq!(
        edit.user.email, u.email,
        "R5: the old email stays until verified"
    );
    assert_eq!(
        edit.email_requested.unwrap().as_str(),
        "p.sharma@acme.example"
    );
    assert!(edit.user.voicemail);
}

#[test]
fn the_last_active_administrator_keeps_the_role_and_a_second_one_lets_it_go() {
    let administrator = role(BuiltinRole::Administrator, Permissions::ADMINISTRATOR);
    let manager = role(BuiltinRole::Manager, Permissions::MANAGER);
    let u = user(&administrator);
    let acct = account(UserId::new());
    let holders = Holders::default();
    let demote = patch(serde_json::json!({"role": "Manager"}));
    let needs = u.edit_needs(&demote, &administrator);
    assert!(needs.active_admins && !needs.usage && !needs.memberships);
    let all = Permissions::ADMINISTRATOR;
    let with = |admins| EditFacts {
        new_role: Some(Ok(&manager)),
        active_admins: Some(admins),
        ..facts(&acct, &administrator, &holders)
    };
    let alone = u.apply(&demote, admin(&all), with(1));
    assert_eq!(alone.unwrap_err(), DomainError::LastAdmin);
    let edit = u.apply(&demote, admin(&all), with(2)).unwrap();
    assert_eq!(edit.user.role_id, manager.id);
}

#[test]
fn a_manager_moves_people_only_through_departments_they_manage() {
    let basic = role(BuiltinRole::Basic, Permissions::BASIC);
    let u = user(&basic);
    let acct = account(UserId::new());
    let holders = Holders::default();
    let (theirs, other) = (DepartmentId::new(), DepartmentId::new());
    let managed = [theirs];
    let perms = Permissions::MANAGER;
    let manager = Editor {
        scim: false,
        is_admin: false,
        perms: &perms,
        scope: Scope::Departments,
        managed: &managed,
    };
    let current = [theirs];
    let to = |deps: Vec<DepartmentId>| {
        let ids: Vec<String> = deps.iter().map(ToString::to_string).collect();
        patch(serde_json::json!({ "departments": ids }))
    };
    let with_memberships = EditFacts {
        memberships: Some((&current, Ok(()))),
        ..facts(&acct, &basic, &holders)
    };
    let refused = u.apply(&to(vec![theirs, other]), manager, with_memberships);
    assert!(matches!(refused, Err(DomainError::Forbidden(_))));
    let out = u.apply(&to(vec![]), manager, with_memberships).unwrap();
    assert_eq!(out.departments, Some(vec![]));
}
