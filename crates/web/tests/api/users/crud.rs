//! Adding, reading, listing and editing users; bad input and conflicts; free extensions.

use reqwest::Method;
use serde_json::json;
use switchboard_domain::Plan;

use super::{assert_problem, at, department, owner_api, user};
use crate::support::Server;

async fn adding_a_user_answers_201_with_location_etag_and_whether_an_invite_was_sent(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![], vec![]).await;
    let r = api
        .post(
            "/api/v1/users",
            &json!({
                "name": "  Priya Sharma ",
                "email": "priya@acme.example.com",
                "mobile": "+91 98765 43210",
                "role": "Manager",
                "panel_access": true,
                "call_hours": { "monday": [{ "start": "09:00", "end": "17:30" }] },
                "departments": [sales.to_string()],
                "tags": ["north", "north"],
                "voicemail": true
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let u = &r.body["user"];
    let id = u["id"].as_str().unwrap().to_owned();
    assert_eq!(r.header("location"), Some(at(&id).as_str()));
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body["invite_sent"], true);
    assert_eq!(u["name"], "Priya Sharma");
    assert_eq!(u["mobile"], "+919876543210");
    assert_eq!(u["status"], "pending_invite");
    assert_eq!(u["role"]["name"], "Manager");
    // The owner holds 100: the next free extension is assigned.
    assert_eq!(u["extension"], "101");
    assert_eq!(u["time_zone"], "Asia/Kolkata");
    assert_eq!(u["receive_calls"], true);
    assert_eq!(u["tags"], json!(["north"]));
    assert_eq!(u["departments"][0]["name"], "Sales");
    assert_eq!(u["call_hours"]["monday"][0]["end"], "17:30");
    assert_eq!(u["invite"]["state"], "open");

    let got = api.get(&at(&id)).await;
    assert_eq!(got.status, 200, "{:?}", got.body);
    assert_eq!(got.header("etag"), Some("\"1\""));
    assert_eq!(got.body["email"], "priya@acme.example.com");
    assert_eq!(got.body["voicemail"], true);
    let same = api
        .send(Method::GET, &at(&id), None, &[("if-none-match", "W/\"1\"")])
        .await;
    assert_eq!(same.status, 304);
    assert_eq!(same.header("etag"), Some("\"1\""));
    let changed = api
        .send(Method::GET, &at(&id), None, &[("if-none-match", "\"0\"")])
        .await;
    assert_eq!(changed.status, 200);

    let call_only = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Rahul Verma", "mobile": "+919876543211", "extension": "250" }),
        )
        .await;
    assert_eq!(call_only.status, 201, "{:?}", call_only.body);
    assert_eq!(call_only.body["invite_sent"], false);
    assert_eq!(call_only.body["user"]["status"], "active");
    assert_eq!(call_only.body["user"]["extension"], "250");
    assert_eq!(call_only.body["user"]["role"]["name"], "Basic");
    assert!(call_only.body["user"].get("invite").is_none());
    // A user without Panel Access is answered from what the add wrote: exactly what reading
    // it back gives.
    let placed = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Asha Rao", "mobile": "+919876543212", "role": "Manager",
                     "departments": [sales.to_string()], "tags": ["west", "east"] }),
        )
        .await;
    assert_eq!(placed.status, 201, "{:?}", placed.body);
    for added in [&call_only.body["user"], &placed.body["user"]] {
        let read = api.get(&at(added["id"].as_str().unwrap())).await;
        assert_eq!(&read.body, added);
    }
    assert_eq!(placed.body["user"]["departments"][0]["name"], "Sales");
}

async fn bad_input_is_refused_with_a_problem_naming_the_field(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let post = |body: serde_json::Value| {
        let api = api.clone();
        async move { api.post("/api/v1/users", &body).await }
    };
    let r = post(json!({ "email": "a@acme.example.com" })).await;
    assert_problem(&r, 422, "validation_failed", Some("name"));
    let r = post(json!({ "name": "A" })).await;
    assert_problem(&r, 422, "validation_failed", Some("email"));
    let r = post(json!({ "name": "A", "email": "not-an-email", "mobile": "12345" })).await;
    assert_problem(&r, 422, "validation_failed", Some("email"));
    assert_eq!(r.body["errors"][1]["field"], "mobile");
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "extension": "012" })).await;
    assert_problem(&r, 422, "validation_failed", Some("extension"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "extension": 204 })).await;
    assert_problem(&r, 422, "validation_failed", Some("extension"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "nickname": "x" })).await;
    assert_problem(&r, 422, "validation_failed", Some("nickname"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "panel_access": "yes" })).await;
    assert_problem(&r, 422, "validation_failed", Some("panel_access"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210",
        "call_hours": { "monday": [{ "start": "25:00", "end": "26:00" }] } }))
    .await;
    assert_problem(&r, 422, "validation_failed", Some("call_hours.monday[0]"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "departments": ["nope"] })).await;
    assert_problem(&r, 422, "validation_failed", Some("departments[0]"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210",
        "departments": [uuid_like()] }))
    .await;
    assert_problem(&r, 422, "validation_failed", Some("departments[0]"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "role": "Overlord" })).await;
    assert_problem(&r, 422, "validation_failed", Some("role"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "time_zone": "Mars/Base" })).await;
    assert_problem(&r, 422, "validation_failed", Some("time_zone"));
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "extension": "5000" })).await;
    assert_problem(&r, 422, "extension_out_of_range", None);
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "panel_access": true })).await;
    assert_problem(&r, 422, "validation_failed", Some("email"));
    let tags: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    let r = post(json!({ "name": "A", "mobile": "+919876543210", "tags": tags })).await;
    assert_problem(&r, 422, "validation_failed", Some("tags"));
    let r = post(json!("Priya")).await;
    assert_problem(&r, 422, "validation_failed", Some("body"));
    let r = api
        .send(
            Method::POST,
            "/api/v1/users",
            None,
            &[("content-type", "text/plain")],
        )
        .await;
    assert_problem(&r, 415, "unsupported_media_type", None);
    let r = api
        .send(
            Method::POST,
            "/api/v1/users",
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_problem(&r, 422, "validation_failed", Some("body"));
    // Nothing was added along the way.
    let list = api.get("/api/v1/users").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

fn uuid_like() -> String {
    "0190b6a0-0000-7000-8000-000000000000".to_owned()
}

async fn taken_values_are_conflicts_naming_the_holder(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "email": "priya@acme.example.com",
                "mobile": "+919876543210", "extension": "204" }),
    )
    .await;
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "P2", "email": "PRIYA@acme.example.com" }),
        )
        .await;
    assert_problem(&r, 409, "duplicate_email", None);
    assert!(r.body["detail"].as_str().unwrap().contains("Priya Sharma"));
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "P2", "mobile": "+919876543210" }),
        )
        .await;
    assert_problem(&r, 409, "duplicate_mobile", None);
    assert!(r.body["detail"].as_str().unwrap().contains("Priya Sharma"));
    let r = api
        .post(
            "/api/v1/users",
            &json!({ "name": "P2", "mobile": "+919876543299", "extension": "204" }),
        )
        .await;
    assert_problem(&r, 409, "extension_taken", None);
    assert!(r.body["detail"].as_str().unwrap().contains("Priya Sharma"));
    // The same conflicts on edit.
    let other = api
        .post(
            "/api/v1/users",
            &json!({ "name": "Rahul Verma", "mobile": "+919876543299" }),
        )
        .await;
    let other = at(other.body["user"]["id"].as_str().unwrap());
    let r = api.patch(&other, &json!({ "extension": "204" })).await;
    assert_problem(&r, 409, "extension_taken", None);
    assert!(r.body["detail"].as_str().unwrap().contains("Priya Sharma"));
    let r = api
        .patch(&other, &json!({ "email": "priya@ACME.example.com" }))
        .await;
    assert_problem(&r, 409, "duplicate_email", None);
}

/// The names on a users list answer, in order (the answer must be a 200).
#[track_caller]
fn names(r: &crate::support::Reply) -> Vec<String> {
    assert_eq!(r.status, 200, "{:?}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn the_list_searches_filters_and_pages_with_a_cursor(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = owner_api(&s, &acct).await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "email": "priya@acme.example.com", "panel_access": true, "role": "Manager", "tags": ["vip"] }),
    )
    .await;
    let rahul = user(
        &s,
        &acct,
        json!({ "name": "Rahul Verma", "mobile": "+919876543211", "extension": "777" }),
    )
    .await;
    let anita = user(
        &s,
        &acct,
        json!({ "name": "Anita Rao", "mobile": "+919876543212" }),
    )
    .await;
    s.app
        .sb
        .deactivate_user(&acct.owner_ctx, anita, None)
        .await
        .unwrap();
    let sales = department(&s, &acct.owner_ctx, "Sales", vec![rahul, priya], vec![]).await;
    let all = api.get("/api/v1/users").await;
    assert_eq!(
        names(&all),
        ["Anita Rao", "Olivia Owner", "Priya Sharma", "Rahul Verma"]
    );
    assert!(all.body["next_cursor"].is_null());
    assert_eq!(
        names(&api.get("/api/v1/users?q=sharma").await),
        ["Priya Sharma"]
    );
    assert_eq!(
        names(&api.get("/api/v1/users?q=777").await),
        ["Rahul Verma"]
    );
    assert_eq!(
        names(&api.get("/api/v1/users?role=Manager").await),
        ["Priya Sharma"]
    );
    assert_eq!(
        names(&api.get("/api/v1/users?status=inactive").await),
        ["Anita Rao"]
    );
    assert_eq!(
        names(&api.get(&format!("/api/v1/users?department={sales}")).await),
        ["Priya Sharma", "Rahul Verma"]
    );
    let listed = api.get(&format!("/api/v1/users?department={sales}")).await;
    assert_eq!(listed.body["items"][0]["departments"][0]["name"], "Sales");
    assert_eq!(listed.body["items"][0]["tags"], json!(["vip"]));
    assert_eq!(
        names(&api.get("/api/v1/users?tag=vip").await),
        ["Priya Sharma"]
    );
    assert_eq!(
        names(
            &api.get(&format!("/api/v1/users?department={sales}&tag=vip"))
                .await
        ),
        ["Priya Sharma"]
    );
    assert!(names(&api.get("/api/v1/users?tag=north").await).is_empty());
    assert_eq!(
        names(
            &api.get("/api/v1/users?panel_access=true&status=active")
                .await
        ),
        ["Olivia Owner", "Priya Sharma"]
    );

    let mut seen = Vec::new();
    let mut path = "/api/v1/users?limit=3".to_owned();
    loop {
        let page = api.get(&path).await;
        let got = names(&page);
        assert!(got.len() <= 3);
        seen.extend(got);
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/users?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["Anita Rao", "Olivia Owner", "Priya Sharma", "Rahul Verma"]
    );

    let r = api.get("/api/v1/users?limit=0").await;
    assert_problem(&r, 422, "validation_failed", Some("limit"));
    let r = api.get("/api/v1/users?limit=501").await;
    assert_problem(&r, 422, "validation_failed", Some("limit"));
    let r = api.get("/api/v1/users?limit=ten").await;
    assert_problem(&r, 422, "validation_failed", Some("limit"));
    let r = api.get("/api/v1/users?status=sleeping").await;
    assert_problem(&r, 422, "validation_failed", Some("status"));
    let r = api.get("/api/v1/users?cursor=zzz").await;
    assert_problem(&r, 422, "validation_failed", Some("cursor"));
    for bad in ["sales", "", "%20"] {
        let r = api.get(&format!("/api/v1/users?department={bad}")).await;
        assert_problem(&r, 422, "validation_failed", Some("department"));
    }
    let r = api.get("/api/v1/users?role=Overlord").await;
    assert_problem(&r, 422, "validation_failed", Some("role"));
    let r = api.get("/api/v1/users?colour=red").await;
    assert_problem(&r, 422, "validation_failed", Some("colour"));
}

async fn text_search_finds_any_part_of_a_name_email_or_mobile_and_follows_edits(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let other = s.account("Other", Plan::Pro, 10).await;
    let api = owner_api(&s, &acct).await;
    let priya = user(
        &s,
        &acct,
        json!({ "name": "Priya Sharma", "email": "priya.sharma@acme.example.com" }),
    )
    .await;
    let rahul = user(
        &s,
        &acct,
        json!({ "name": "Rahul Verma", "mobile": "+919876543211" }),
    )
    .await;
    user(
        &s,
        &acct,
        json!({ "name": "Sharmila Rao", "mobile": "+919876543212" }),
    )
    .await;
    user(
        &s,
        &other,
        json!({ "name": "Priya Sharma", "mobile": "+919876543211" }),
    )
    .await;
    let search = |q: &str| format!("/api/v1/users?q={q}");
    assert_eq!(
        names(&api.get(&search("HARM")).await),
        ["Priya Sharma", "Sharmila Rao"]
    );
    assert_eq!(names(&api.get(&search("a.sh")).await), ["Priya Sharma"]);
    assert_eq!(
        names(&api.get(&search("ya%20sharma")).await),
        ["Priya Sharma"]
    );
    assert_eq!(names(&api.get(&search("76543211")).await), ["Rahul Verma"]);
    assert_eq!(names(&api.get(&search("%25")).await), Vec::<String>::new());
    assert_eq!(
        names(&api.get(&search("%22har")).await),
        Vec::<String>::new()
    );

    let r = api
        .patch(&at(priya), &json!({ "name": "Priya Kapoor" }))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The old name is gone from the index; the email still holds "sharma".
    assert_eq!(
        names(&api.get(&search("ya%20sharma")).await),
        Vec::<String>::new()
    );
    assert_eq!(names(&api.get(&search("sharma")).await), ["Priya Kapoor"]);
    assert_eq!(names(&api.get(&search("kapoor")).await), ["Priya Kapoor"]);
    let r = api.delete(&at(rahul)).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    assert_eq!(
        names(&api.get(&search("76543211")).await),
        Vec::<String>::new()
    );
}

async fn editing_merges_fields_and_honours_if_match(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    let id = user(
        &s,
        &acct,
        json!({ "name": "Rahul Verma", "mobile": "+919876543211", "alternate_mobile": "+919876543212", "tags": ["a"], "voicemail": true }),
    )
    .await;
    let path = at(id);
    let r = api.patch(&path, &json!({ "name": "Rahul V" })).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.header("etag"), Some("\"2\""));
    assert_eq!(r.body["name"], "Rahul V");
    assert_eq!(r.body["tags"], json!(["a"]));
    assert_eq!(r.body["voicemail"], true);
    assert_eq!(r.body["alternate_mobile"], "+919876543212");

    // A stale ETag is refused and changes nothing.
    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({ "name": "Stale" })),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_problem(&r, 412, "precondition_failed", None);
    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({ "name": "Weak" })),
            &[("if-match", "W/\"2\"")],
        )
        .await;
    assert_problem(&r, 412, "precondition_failed", None);
    assert_eq!(api.get(&path).await.body["name"], "Rahul V");

    // The current ETag (or `*`) lets the edit through; `null` clears a field.
    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({ "alternate_mobile": null, "availability": "away" })),
            &[("if-match", "\"7\", \"2\"")],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.header("etag"), Some("\"3\""));
    assert!(r.body["alternate_mobile"].is_null());
    assert_eq!(r.body["availability"], "away");
    let r = api
        .send(
            Method::PATCH,
            &path,
            Some(&json!({ "receive_calls": false })),
            &[("if-match", "*")],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["version"], 4);

    // R4: the mobile cannot change; sending it back unchanged is fine.
    let r = api
        .patch(&path, &json!({ "mobile": "+919876543299" }))
        .await;
    assert_problem(&r, 422, "mobile_immutable", None);
    let r = api
        .patch(
            &path,
            &json!({ "mobile": "+919876543211", "name": "Rahul Verma" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    let r = api.patch(&path, &json!({ "availability": "asleep" })).await;
    assert_problem(&r, 422, "validation_failed", Some("availability"));
    let r = api.patch(&path, &json!({ "name": "" })).await;
    assert_problem(&r, 422, "validation_failed", Some("name"));
    let r = api.patch(&path, &json!({ "extension": "9999" })).await;
    assert_problem(&r, 422, "extension_out_of_range", None);
    let r = api.patch(&at("not-a-user"), &json!({ "name": "X" })).await;
    assert_problem(&r, 404, "not_found", None);
}

async fn free_extensions_are_listed_and_paged(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 5).await;
    let api = owner_api(&s, &acct).await;
    user(
        &s,
        &acct,
        json!({ "name": "A", "mobile": "+919876543211", "extension": "101" }),
    )
    .await;
    user(
        &s,
        &acct,
        json!({ "name": "B", "mobile": "+919876543212", "extension": "103" }),
    )
    .await;
    let r = api.get("/api/v1/extensions/available?limit=3").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["next_free"], "102");
    assert_eq!(r.body["extensions"], json!(["102", "104", "105"]));
    assert_eq!(r.body["next_cursor"], "105");
    assert_eq!(r.body["extension_min"], 100);
    assert_eq!(r.body["extension_max"], 999);
    let r = api
        .get("/api/v1/extensions/available?limit=3&after=105")
        .await;
    assert_eq!(r.body["extensions"], json!(["106", "107", "108"]));
    assert_eq!(r.body["next_free"], "102");
    let r = api.get("/api/v1/extensions/available?after=997").await;
    assert_eq!(r.body["extensions"], json!(["998", "999"]));
    assert!(r.body["next_cursor"].is_null());
    // The next free one is what a new user gets.
    let added = api
        .post(
            "/api/v1/users",
            &json!({ "name": "C", "mobile": "+919876543213" }),
        )
        .await;
    assert_eq!(added.body["user"]["extension"], "102");

    let r = api.get("/api/v1/extensions/available?limit=0").await;
    assert_problem(&r, 422, "validation_failed", Some("limit"));
    let r = api.get("/api/v1/extensions/available?limit=201").await;
    assert_problem(&r, 422, "validation_failed", Some("limit"));
    let r = api.get("/api/v1/extensions/available?after=0x10").await;
    assert_problem(&r, 422, "validation_failed", Some("after"));
    let r = s.anonymous().get("/api/v1/extensions/available").await;
    assert_problem(&r, 401, "unauthorized", None);
}

/// Every name of a department's list, read `limit` at a time with the cursor.
async fn department_pages(api: &crate::support::Client, dep: &str, limit: u32) -> Vec<String> {
    let mut seen = Vec::new();
    let base = format!("/api/v1/users?department={dep}&limit={limit}");
    let mut path = base.clone();
    loop {
        let page = api.get(&path).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        let got = names(&page);
        assert!(got.len() <= limit as usize);
        seen.extend(got);
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("{base}&cursor={c}"),
            None => return seen,
        }
    }
}

async fn a_departments_list_follows_renames_and_new_members_in_name_order(s: Server) {
    let acct = s.account("Acme", Plan::Pro, 10).await;
    let api = owner_api(&s, &acct).await;
    let mut ids = Vec::new();
    for (name, mobile) in [
        ("Bela Bose", "+919876543221"),
        ("Chitra Das", "+919876543222"),
        ("Arjun Iyer", "+919876543223"),
    ] {
        ids.push(user(&s, &acct, json!({ "name": name, "mobile": mobile })).await);
    }
    let sales = department(&s, &acct.owner_ctx, "Sales", ids.clone(), vec![]).await;
    let sales = sales.to_string();
    assert_eq!(
        department_pages(&api, &sales, 1).await,
        ["Arjun Iyer", "Bela Bose", "Chitra Das"]
    );
    // Renamed, a member moves in the department's list at once.
    let r = api
        .patch(
            &format!("/api/v1/users/{}", ids[0]),
            &json!({ "name": "Zoya Bose" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        department_pages(&api, &sales, 2).await,
        ["Arjun Iyer", "Chitra Das", "Zoya Bose"]
    );
    // A member added later takes their place by name; two equal names keep one order.
    for mobile in ["+919876543224", "+919876543225"] {
        user(
            &s,
            &acct,
            json!({ "name": "Deepa Nair", "mobile": mobile, "departments": [sales] }),
        )
        .await;
    }
    for limit in [1, 2, 50] {
        assert_eq!(
            department_pages(&api, &sales, limit).await,
            [
                "Arjun Iyer",
                "Chitra Das",
                "Deepa Nair",
                "Deepa Nair",
                "Zoya Bose"
            ],
            "{limit} a page"
        );
    }
}

crate::on_both!(
    a_departments_list_follows_renames_and_new_members_in_name_order,
    adding_a_user_answers_201_with_location_etag_and_whether_an_invite_was_sent,
    bad_input_is_refused_with_a_problem_naming_the_field,
    taken_values_are_conflicts_naming_the_holder,
    the_list_searches_filters_and_pages_with_a_cursor,
    text_search_finds_any_part_of_a_name_email_or_mobile_and_follows_edits,
    editing_merges_fields_and_honours_if_match,
    free_extensions_are_listed_and_paged,
);
