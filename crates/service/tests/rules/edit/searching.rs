//! Text search in the users list: matches come in list order (name, then id) and page with
//! a cursor whatever order the users were added, batched or renamed in — the order SQLite's
//! trigram index keeps for a common term has to follow every one of those writes.

use futures::future::join_all;
use serde_json::json;
use switchboard_domain::{Plan, RoleRef, UserId};
use switchboard_service::Ctx;
use switchboard_service::users::UserQuery;
use switchboard_testkit::{TestApp, both_backends, new_user};

use crate::edit::patch;

/// Every user of the list for `text` (all when `None`), paging `per_page` at a time.
async fn search(app: &TestApp, ctx: &Ctx, text: Option<&str>, per_page: u32) -> Vec<UserId> {
    let query = UserQuery {
        text: text.map(str::to_owned),
        ..UserQuery::default()
    };
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = app
            .sb
            .list_users(ctx, &query, cursor.as_deref(), per_page)
            .await
            .unwrap();
        out.extend(page.items.iter().map(|u| u.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// What the list for `text` must hold: the account's users whose name contains it
/// (ignoring case), in list order.
async fn expected(app: &TestApp, ctx: &Ctx, text: &str) -> Vec<UserId> {
    let mut matching = Vec::new();
    for id in search(app, ctx, None, 500).await {
        let user = app.sb.get_user(ctx, id).await.unwrap();
        if user
            .name
            .as_str()
            .to_lowercase()
            .contains(&text.to_lowercase())
        {
            matching.push(id);
        }
    }
    matching
}

async fn add(app: &TestApp, ctx: &Ctx, name: &str, n: usize) -> UserId {
    app.sb
        .add_user(
            ctx,
            new_user(json!({"name": name, "email": format!("u{n}@list.example.com")})),
        )
        .await
        .unwrap()
        .user
        .id
}

async fn a_text_search_pages_in_name_order_however_users_were_added_and_renamed(app: TestApp) {
    let acct = app.account("Order", Plan::Pro, 5).await;
    let owner = &acct.owner_ctx;
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    add(&app, owner, "Mid A", next()).await;
    add(&app, owner, "Mid Z", next()).await;
    add(&app, owner, "Other Person", next()).await;
    for i in 0..20 {
        add(&app, owner, &format!("Zz Filler {i:02}"), next()).await;
    }
    // Many users landing in one gap, one after the other: ascending, descending, the same
    // name over and over, and more ascending ones right where the previous ones went.
    let mut renamed = Vec::new();
    for i in 0..40 {
        let id = add(&app, owner, &format!("Mid B{i:03}"), next()).await;
        if i % 8 == 3 {
            renamed.push(id);
        }
    }
    for i in (0..40).rev() {
        add(&app, owner, &format!("Mid C{i:03}"), next()).await;
    }
    for _ in 0..40 {
        add(&app, owner, "Mid D", next()).await;
    }
    for i in 0..60 {
        add(&app, owner, &format!("Mid E{i:03}"), next()).await;
    }
    // Adds made together in shared write turns: some between users added above, most in
    // the gap the last run used up (and lower case: after every capital in list order).
    let (_, secret) = app
        .sb
        .create_api_token(
            owner,
            "HR sync",
            "api",
            Some(RoleRef::Name("Administrator".to_owned())),
            None,
        )
        .await
        .unwrap();
    let token = app
        .sb
        .authenticate_token(&secret, "api")
        .await
        .unwrap()
        .expect("a fresh token authenticates");
    // Rounds of adds at once, each just before the last round's in list order (so the gap
    // they share keeps shrinking), with a few just before them and elsewhere.
    let mut batch = Vec::new();
    for round in 0..12 {
        let names: Vec<String> = (0..16)
            .map(|i| format!("Mid G{:02}{i:02}", 99 - round))
            .chain((0..4).map(|_| "Mid E0585".to_owned()))
            .chain((0..2).map(|i| format!("Mid B{:03}5", round * 3 + i)))
            .collect();
        batch.extend(
            join_all(names.iter().map(|name| {
                let n = next();
                let app = &app;
                let token = &token;
                async move { add(app, token, name, n).await }
            }))
            .await,
        );
    }
    assert_eq!(batch.len(), 12 * 22);
    // Renames move users across the list, out of the search and back into it.
    for (i, id) in renamed.iter().enumerate() {
        let name = match i % 3 {
            0 => format!("Mid A{i:03}"),
            1 => format!("Zed Former Mid {i}"),
            _ => format!("Nobody {i}"),
        };
        app.sb
            .edit_user(owner, *id, patch(json!({"name": name})), None)
            .await
            .unwrap();
    }
    app.sb
        .edit_user(owner, batch[3], patch(json!({"name": "Mid A"})), None)
        .await
        .unwrap();

    for text in ["mid", "MID B", "d e0", "id c03", "mid a", "Other"] {
        let want = expected(&app, owner, text).await;
        assert!(!want.is_empty(), "{text:?} matches somebody");
        for per_page in [7, 50] {
            assert_eq!(
                search(&app, owner, Some(text), per_page).await,
                want,
                "{text:?}, {per_page} a page: the matches in name order, each once"
            );
        }
    }
    // Every user is found by their own name.
    for id in search(&app, owner, None, 500).await.into_iter().step_by(9) {
        let user = app.sb.get_user(owner, id).await.unwrap();
        let found = search(&app, owner, Some(user.name.as_str()), 100).await;
        assert!(found.contains(&id), "{} is found by name", user.name);
    }
}

both_backends!(a_text_search_pages_in_name_order_however_users_were_added_and_renamed);
