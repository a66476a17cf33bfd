//! The Numbers page: each number's destination shown in its row and set with a plain form
//! (no JavaScript), a refusal told as a message; deleting a department or a person that
//! is a destination explains why not.

use reqwest::StatusCode;
use serde_json::json;
use switchboard_domain::{Destination, E164, Plan};
use switchboard_service::numbers::NewNumber;

use crate::dashboard::signed_in;
use crate::support::Server;
use crate::users::department;

async fn an_administrator_routes_a_number_from_the_numbers_page(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = s
        .app
        .user(
            ctx,
            json!({ "name": "Asha Rao", "mobile": "+919800000301", "extension": "301" }),
        )
        .await;
    let support = department(&s, ctx, "Support", vec![asha], vec![]).await;
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;
    let csrf = csrf.as_str();
    let owner = acct.owner.to_string();
    let to_support = format!("department:{support}");
    let to_asha = format!("user:{asha}");

    // Added already routed to the department: the row's select shows it.
    let (status, _, page) = browser
        .post_form(
            "/numbers",
            &[
                ("csrf_token", csrf),
                ("first", "+14155550100"),
                ("second", "Main line"),
                ("destination", &to_support),
                ("owner", &owner),
            ],
            &[],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("+14155550100 was added."), "{page}");
    let n = s.app.sb.list_numbers(ctx, None).await.unwrap()[0].clone();
    assert_eq!(n.destination, Some(Destination::Department(support)));
    assert!(page.contains("Calls go to"), "{page}");
    assert!(
        page.contains(&format!(
            "<option value=\"{to_support}\" selected>Support</option>"
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!("action=\"/numbers/{}/destination\"", n.id)),
        "{page}"
    );

    // Routed to a person, then not routed at all.
    let path = format!("/numbers/{}/destination", n.id);
    let (_, _, page) = browser
        .post_form(
            &path,
            &[("csrf_token", csrf), ("destination", &to_asha)],
            &[],
        )
        .await;
    assert!(
        page.contains("Calls to +14155550100 now ring Asha Rao."),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "<option value=\"{to_asha}\" selected>Asha Rao (ext. 301)</option>"
        )),
        "{page}"
    );
    let (_, _, page) = browser
        .post_form(&path, &[("csrf_token", csrf), ("destination", "")], &[])
        .await;
    assert!(page.contains("+14155550100 is no longer routed"), "{page}");
    assert_eq!(
        s.app.sb.get_number(ctx, n.id).await.unwrap().destination,
        None
    );

    // A made-up value is refused with a message; nothing changes.
    let (_, _, page) = browser
        .post_form(
            &path,
            &[("csrf_token", csrf), ("destination", "queue:7")],
            &[],
        )
        .await;
    assert!(page.contains("is not a destination type"), "{page}");
    assert_eq!(
        s.app.sb.get_number(ctx, n.id).await.unwrap().destination,
        None
    );

    // Without the token nothing moves; another account cannot route this number.
    let (status, _, _) = browser
        .post_form(&path, &[("destination", &to_asha)], &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    s.account("Other", Plan::Pro, 5).await;
    let (other, other_csrf) = signed_in(&s, "owner@other.example.com").await;
    let (status, _, _) = other
        .post_form(
            &path,
            &[("csrf_token", &other_csrf), ("destination", "")],
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn deleting_a_destination_from_the_dashboard_says_which_numbers_block_it(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let ctx = &acct.owner_ctx;
    let asha = s
        .app
        .user(
            ctx,
            json!({ "name": "Asha Rao", "mobile": "+919800000301", "extension": "301" }),
        )
        .await;
    let support = department(&s, ctx, "Support", vec![], vec![]).await;
    for (number, destination) in [
        ("+14155550100", Destination::Department(support)),
        ("+14155550101", Destination::User(asha)),
    ] {
        let new = NewNumber {
            destination: Some(destination),
            ..NewNumber::owned_by(E164::parse("number", number).unwrap(), "", acct.owner)
        };
        s.app.sb.create_number(ctx, new).await.unwrap();
    }
    let (browser, csrf) = signed_in(&s, "owner@acme.example.com").await;

    let (_, _, page) = browser
        .post_form(
            &format!("/departments/{support}/delete"),
            &[("csrf_token", &csrf)],
            &[],
        )
        .await;
    assert!(
        page.contains(
            "Department Support is the destination of +14155550100; \
             route those numbers elsewhere first"
        ),
        "{page}"
    );
    assert!(s.app.sb.get_department(ctx, support).await.is_ok());

    let (status, page) = browser.page(&format!("/users/{asha}/delete")).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("the calls to the number <strong>+14155550101</strong>"),
        "{page}"
    );
    assert!(page.contains("Reassign and delete Asha Rao"), "{page}");
}

crate::on_both!(
    an_administrator_routes_a_number_from_the_numbers_page,
    deleting_a_destination_from_the_dashboard_says_which_numbers_block_it,
);
