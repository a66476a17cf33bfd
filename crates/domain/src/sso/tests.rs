use super::*;
use crate::fixtures;
use crate::role::{BuiltinRole, Permissions};

fn input() -> SsoConnectionInput {
    SsoConnectionInput {
        slug: "Acme".into(),
        display_name: "Okta".into(),
        issuer: "https://acme.okta.example/".into(),
        client_id: "0oa1".into(),
        scopes: String::new(),
        claim: "email".into(),
        match_field: "email".into(),
        email_domains: "acme.example, @Sales.Acme.example".into(),
        password_sign_in: true,
        jit: false,
    }
}

fn identity() -> Identity {
    Identity {
        issuer: "https://acme.okta.example".into(),
        subject: "00u1".into(),
        email: Some("priya@acme.example".into()),
        email_verified: true,
        ..Identity::default()
    }
}

#[test]
fn a_connection_is_read_with_defaults_and_normalised_values() {
    let c = SsoConnection::parse(&input()).unwrap();
    assert_eq!(c.slug, "acme");
    assert_eq!(c.issuer, "https://acme.okta.example/", "kept as typed");
    assert_eq!(c.scopes, ["openid", "email", "profile"]);
    assert_eq!(c.email_domains, ["acme.example", "sales.acme.example"]);
    assert!(c.claims_email("ravi@SALES.acme.example"));
    assert!(!c.claims_email("ravi@acme.example.evil"));
}

#[test]
fn every_wrong_field_is_named() {
    let bad = SsoConnectionInput {
        slug: "-".into(),
        display_name: " ".into(),
        issuer: "http://idp.example".into(),
        client_id: String::new(),
        scopes: "email profile".into(),
        claim: "sub".into(),
        match_field: "email".into(),
        email_domains: "not a domain".into(),
        ..input()
    };
    let Err(DomainError::Validation(problems)) = SsoConnection::parse(&bad) else {
        panic!("accepted a bad connection");
    };
    let fields: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
    for f in [
        "slug",
        "display_name",
        "issuer",
        "client_id",
        "scopes",
        "match_field",
        "email_domains",
    ] {
        assert!(fields.contains(&f), "{f} not named in {fields:?}");
    }
}

#[test]
fn a_login_is_never_taken_for_an_email_and_jit_needs_domains() {
    for claim in ["preferred_username", "upn"] {
        let bad = SsoConnectionInput {
            claim: claim.into(),
            ..input()
        };
        assert!(
            SsoConnection::parse(&bad).is_err(),
            "{claim} matched to email"
        );
        let login = SsoConnectionInput {
            claim: claim.into(),
            match_field: "idp_login".into(),
            ..input()
        };
        assert!(SsoConnection::parse(&login).is_ok());
    }
    let jit = SsoConnectionInput {
        jit: true,
        email_domains: String::new(),
        ..input()
    };
    let Err(DomainError::Validation(p)) = SsoConnection::parse(&jit) else {
        panic!("jit without domains accepted");
    };
    assert_eq!(p[0].field, "jit");
}

#[test]
fn plain_http_issuers_are_only_for_this_machine() {
    for ok in ["http://127.0.0.1:9000", "http://localhost:8080/realms/x"] {
        assert!(check_issuer(ok).is_ok(), "{ok}");
    }
    for bad in [
        "http://127.0.0.1.evil.example",
        "http://idp.example",
        "http://127.0.0.1:1@evil.example",
        "https://idp.example/?x=1",
        "ftp://idp.example",
    ] {
        assert!(check_issuer(bad).is_err(), "{bad}");
    }
}

#[test]
fn an_unverified_email_never_identifies_anyone() {
    let c = SsoConnection::parse(&input()).unwrap();
    let id = Identity {
        email_verified: false,
        ..identity()
    };
    assert_eq!(sso_identifier(&c, &id), Err(SsoRefusal::EmailNotVerified));
    assert_eq!(
        sso_identifier(&c, &identity()).unwrap(),
        "priya@acme.example"
    );
    let by_login = SsoConnection {
        claim: SsoClaim::PreferredUsername,
        ..c.clone()
    };
    assert_eq!(
        sso_identifier(&by_login, &identity()),
        Err(SsoRefusal::MissingClaim(SsoClaim::PreferredUsername))
    );
    let jit = SsoConnection { jit: true, ..c };
    assert_eq!(jit_profile(&jit, &id), Err(SsoRefusal::EmailNotVerified));
    // Only addresses at the connection's own domains become users.
    let outsider = Identity {
        email: Some("mallory@gmail.example".into()),
        ..identity()
    };
    assert_eq!(jit_profile(&jit, &outsider), Err(SsoRefusal::UnknownUser));
    assert!(jit_profile(&jit, &identity()).is_ok());
}

#[test]
fn only_active_or_invited_panel_users_get_in() {
    let role = fixtures::role(BuiltinRole::Basic, Permissions::NONE);
    let mut u = fixtures::user(&role);
    let id = identity();
    assert_eq!(judge_sso_user(&u, None, &id), Ok(SsoEntry::SignsIn));
    assert_eq!(judge_sso_user(&u, Some("00u1"), &id), Ok(SsoEntry::SignsIn));
    assert_eq!(
        judge_sso_user(&u, Some("00u2"), &id),
        Err(SsoRefusal::LinkedToAnotherIdentity)
    );
    u.status = UserStatus::PendingInvite;
    assert_eq!(judge_sso_user(&u, None, &id), Ok(SsoEntry::AcceptsInvite));
    u.status = UserStatus::Inactive;
    assert_eq!(judge_sso_user(&u, None, &id), Err(SsoRefusal::Deactivated));
    u.status = UserStatus::Active;
    u.panel_access = false;
    assert_eq!(
        judge_sso_user(&u, None, &id),
        Err(SsoRefusal::NoPanelAccess)
    );
}

#[test]
fn with_passwords_off_only_the_owner_keeps_one() {
    let c = SsoConnection::parse(&input()).unwrap();
    assert!(password_sign_in_allowed(None, false));
    assert!(password_sign_in_allowed(Some(&c), false));
    let off = SsoConnection {
        password_sign_in: false,
        ..c
    };
    assert!(!password_sign_in_allowed(Some(&off), false));
    assert!(password_sign_in_allowed(Some(&off), true));
}
