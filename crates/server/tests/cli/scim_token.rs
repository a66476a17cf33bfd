//! `switchboard scim-token create`: the secret it prints lets an identity provider in at
//! `/scim/v2` for that account only, and nowhere else.

use switchboard_domain::Plan;
use switchboard_testkit::{Backend, TestApp};

use crate::serve::start_with;
use crate::{line_value, run, stderr, stdout};

async fn an_operator_creates_a_scim_token_an_identity_provider_signs_in_with(backend: Backend) {
    let Some(app) = TestApp::new(backend).await else {
        return;
    };
    let acme = app.account("Acme", Plan::Pro, 5).await;
    let other = app.account("Other", Plan::Pro, 5).await;
    let dir = tempfile::tempdir().unwrap();

    let o = run(
        &app.db.url,
        dir.path(),
        &[
            "scim-token",
            "create",
            "--account",
            &acme.id.to_string(),
            "--name",
            "Okta",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("/scim/v2"), "{out}");
    let secret = line_value(&out, "secret (shown once):");
    assert!(!secret.is_empty(), "{out}");

    let serving = start_with(dir.path(), Some(&app.db.url), &[], None);
    let http = reqwest::Client::new();
    let get = |path: String| {
        http.get(format!("{}{path}", serving.base))
            .bearer_auth(&secret)
            .send()
    };
    let r = get("/scim/v2/Users".to_owned()).await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["totalResults"], 1, "only Acme's owner: {body}");
    assert_eq!(body["Resources"][0]["id"], acme.owner.to_string());

    // Another account's user is not found; the REST API does not take a SCIM token.
    let r = get(format!("/scim/v2/Users/{}", other.owner))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = get("/api/v1/users".to_owned()).await.unwrap();
    assert_eq!(r.status(), 401);

    // An unknown account is refused with a clear error.
    let o = run(
        &app.db.url,
        dir.path(),
        &[
            "scim-token",
            "create",
            "--account",
            "0190c0de-0000-7000-8000-000000000000",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not found"), "{}", stderr(&o));
}

crate::on_both!(an_operator_creates_a_scim_token_an_identity_provider_signs_in_with);
