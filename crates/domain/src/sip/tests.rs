use super::*;
use crate::fixtures;
use crate::role::{BuiltinRole, Permissions};
use crate::user::Availability;

fn basic_user() -> User {
    fixtures::user(&fixtures::role(BuiltinRole::Basic, Permissions::BASIC))
}

#[test]
fn an_active_user_with_receive_calls_on_may_register_whatever_their_availability() {
    let mut u = basic_user();
    assert_eq!(may_register(&u), Ok(()));
    u.availability = Availability::Offline;
    assert_eq!(may_register(&u), Ok(()));
}

#[test]
fn a_deactivated_user_may_not_register_even_with_receive_calls_on() {
    let mut u = basic_user();
    u.status = UserStatus::Inactive;
    assert_eq!(may_register(&u), Err(RegisterRefusal::Inactive));
    assert_eq!(RegisterRefusal::Inactive.key(), "inactive");
}

#[test]
fn a_user_whose_invite_is_pending_may_not_register() {
    let mut u = basic_user();
    u.status = UserStatus::PendingInvite;
    assert_eq!(may_register(&u), Err(RegisterRefusal::PendingInvite));
}

#[test]
fn a_user_with_receive_calls_off_may_not_register() {
    let mut u = basic_user();
    u.receive_calls = false;
    assert_eq!(may_register(&u), Err(RegisterRefusal::ReceiveCallsOff));
    assert_eq!(RegisterRefusal::ReceiveCallsOff.key(), "receive_calls_off");
}

#[test]
fn a_sip_domain_is_a_lower_case_dns_name() {
    let d = SipDomain::parse("sip_domain", " Acme.SIP.example.com. ").unwrap();
    assert_eq!(d.as_str(), "acme.sip.example.com");
    for bad in [
        "acme",
        "acme..example.com",
        "-acme.example.com",
        "acme-.example.com",
        "acme_sip.example.com",
        "sip:acme.example.com",
        "acme.example.com/x",
        "10.0.0.1",
        "ac me.example.com",
    ] {
        let e = SipDomain::parse("sip_domain", bad).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("sip_domain", "invalid"),
            "{bad}"
        );
    }
    let e = SipDomain::parse("sip_domain", "  ").unwrap_err();
    assert_eq!(e.code, "required");
    let long = format!("{}.com", "a.".repeat(130));
    assert!(SipDomain::parse("sip_domain", &long).is_err());
}
