//! The sections of the navigation that have no page of their own yet: each says so and
//! points to the API reference, which already covers them, for those allowed to open it.

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

use super::message;
use super::shell::{Shell, Viewer, nav_allows};
use crate::AppState;

#[derive(Template)]
#[template(path = "soon_page.html")]
struct SoonPage {
    shell: Shell,
    title: &'static str,
    what: &'static str,
}

const SECTIONS: [(&str, &str, &str, &str); 2] = [
    ("/audit", "audit", "Audit log", "the audit log"),
    ("/api-tokens", "api-tokens", "API tokens", "API tokens"),
];

/// The routes of this module.
pub(super) fn router() -> Router<AppState> {
    let mut r = Router::new();
    for (path, key, title, what) in SECTIONS {
        r = r.route(path, get(move |v: Viewer| soon(v, key, title, what)));
    }
    r
}

async fn soon(v: Viewer, key: &'static str, title: &'static str, what: &'static str) -> Response {
    if !nav_allows(&v, key) {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Your role does not open this section.",
            Some(("/", "Back to the dashboard")),
        );
    }
    v.page(
        StatusCode::OK,
        &SoonPage {
            shell: v.shell(key),
            title,
            what,
        },
    )
}
