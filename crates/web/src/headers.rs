//! Security headers on every answer: `nosniff` everywhere, a referrer policy that keeps the
//! tokens of emailed links on this site, HSTS when the public URL is https, and a content
//! security policy on answers that did not set their own: for HTML (the API reference) no
//! scripts and no framing, for everything else (JSON, problems, the 404) nothing at all.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// For HTML answers without a policy of their own: no scripts, no framing; inline style
/// is allowed because the API reference page carries its stylesheet inline.
const HTML_POLICY: &str = "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// For answers that are not HTML: nothing may load from them or frame them.
const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// One year, as browsers' preload lists ask.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the headers; `https` says whether the public URL is https (HSTS is only
/// meaningful, and only safe, when the site is served over TLS).
pub async fn secure(https: bool, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = if html { HTML_POLICY } else { OTHER_POLICY };
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(policy),
        );
    }
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    res
}
