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

mod route {
    use crate::UserId;
    use crate::phone::E164;
    use crate::sip::SipDomain;
    use crate::sip::route::{
        Gateway, Leg, Reach, RegisteredPhone, Unreachable, leg_target, parse_sip_uri, reach,
        voicemail_target,
    };
    use crate::values::Extension;

    fn phone() -> RegisteredPhone {
        RegisteredPhone {
            contact: "sip:201@10.0.0.5:5060".to_owned(),
            received: Some("sip:198.51.100.7:40000".to_owned()),
        }
    }

    #[test]
    fn a_registered_phone_wins_over_the_mobile_and_the_mobile_needs_a_carrier() {
        let m = E164::parse("m", "+14155550100").unwrap();
        assert_eq!(
            reach(Some(&m), Some(&phone()), false),
            Ok(Reach::Phone(phone()))
        );
        assert_eq!(reach(Some(&m), None, true), Ok(Reach::Mobile(m.clone())));
        assert_eq!(
            reach(Some(&m), None, false),
            Err(Unreachable::NoPhoneNoCarrier)
        );
        assert_eq!(reach(None, None, true), Err(Unreachable::NoPhoneNoMobile));
    }

    #[test]
    fn legs_are_addressed_to_the_aor_and_sent_where_the_phone_is() {
        let domain = SipDomain::parse("d", "acme.sip.example.com").unwrap();
        let carrier = Gateway::parse("carrier", "sip:192.0.2.10:5060;transport=tcp").unwrap();
        let leg = |reach| Leg {
            user_id: UserId::new(),
            extension: Extension::parse("e", "201").unwrap(),
            reach,
        };
        let t = leg_target(&leg(Reach::Phone(phone())), &domain, Some(&carrier));
        assert_eq!(t.uri, "sip:201@acme.sip.example.com");
        assert_eq!(t.dst_uri.as_deref(), Some("sip:198.51.100.7:40000"));
        let m = E164::parse("m", "+14155550100").unwrap();
        let t = leg_target(&leg(Reach::Mobile(m)), &domain, Some(&carrier));
        assert_eq!(t.uri, "sip:+14155550100@192.0.2.10:5060;user=phone");
        assert_eq!(
            t.dst_uri.as_deref(),
            Some("sip:192.0.2.10:5060;transport=tcp")
        );
        let vm = Gateway::parse("voicemail", "sips:vm.example.com").unwrap();
        assert_eq!(voicemail_target("201", &vm).uri, "sip:201@vm.example.com");
    }

    #[test]
    fn sip_uris_and_gateways_are_checked() {
        assert!(parse_sip_uri("contact", "sip:201@10.0.0.5", 512).is_ok());
        for bad in ["http://x", "sip:", "sip:a b", "sip:<x>", "tel:+1415"] {
            let e = parse_sip_uri("contact", bad, 512).unwrap_err();
            assert_eq!(e.field, "contact", "{bad}");
        }
        assert!(parse_sip_uri("contact", &format!("sip:{}", "a".repeat(600)), 512).is_err());
        assert_eq!(
            Gateway::parse("carrier", "sip:gw@192.0.2.1")
                .unwrap_err()
                .field,
            "carrier"
        );
    }
}
