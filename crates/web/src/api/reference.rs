//! The human-readable API reference at `/api/v1/docs`, rendered on the server from the
//! OpenAPI document: every operation with its parameters, body and answers, and every
//! schema with its fields. Plain HTML and a little CSS, so it reads offline.

use std::fmt::Write;

use serde_json::Value;
use utoipa::openapi::OpenApi;

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

/// A short type description of a schema: `string`, `integer | null`, `User`, `array of Role`.
fn type_of(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("<a href=\"#schema-{0}\">{0}</a>", esc(name));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(all) = schema.get(key).and_then(Value::as_array) {
            return all.iter().map(type_of).collect::<Vec<_>>().join(" | ");
        }
    }
    let base = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    };
    if let (Some(rest), Some(items)) = (base.strip_prefix("array"), schema.get("items")) {
        return format!("array of {}{rest}", type_of(items));
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let names: Vec<String> = values
            .iter()
            .map(|v| esc(&v.to_string().replace('"', "")))
            .collect();
        return format!("{} ({})", esc(&base), names.join(", "));
    }
    esc(&base)
}

const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}\
main{max-width:980px;margin:0 auto;padding:24px}h1{margin:0 0 8px}\
section.op{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px 16px;margin:12px 0}\
.m{display:inline-block;min-width:56px;font-weight:700;text-transform:uppercase;font-size:13px}\
.get{color:#1b6ac9}.post{color:#198754}.patch{color:#b26a00}.put{color:#b26a00}.delete{color:#c0392b}\
code{background:#eef1f5;padding:1px 4px;border-radius:4px}table{border-collapse:collapse;width:100%;margin:6px 0}\
td,th{text-align:left;border-top:1px solid #e6e9ef;padding:4px 6px;vertical-align:top;font-size:14px}\
nav a{margin-right:10px}h2{margin-top:32px}";

/// Renders the reference page.
pub fn render(doc: &OpenApi) -> String {
    let doc = serde_json::to_value(doc).unwrap_or(Value::Null);
    let mut h = String::new();
    let info = &doc["info"];
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{} reference</title><style>{STYLE}</style></head><body><main>\
         <h1>{}</h1><p>{}</p><p>Machine-readable: <a href=\"/api/v1/openapi.json\">openapi.json</a> \
         (OpenAPI {}).</p><nav><a href=\"#operations\">Operations</a><a href=\"#schemas\">Schemas</a></nav>\
         <h2 id=\"operations\">Operations</h2>",
        esc(&text(info, "title")),
        esc(&text(info, "title")),
        esc(&text(info, "description")),
        esc(&text(&doc, "openapi")),
    );
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                if let Some(op) = item.get(method) {
                    operation(&mut h, method, path, op);
                }
            }
        }
    }
    h.push_str("<h2 id=\"schemas\">Schemas</h2>");
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                h,
                "<section class=\"op\" id=\"schema-{0}\"><h3>{0}</h3><p>{1}</p>",
                esc(name),
                esc(&text(schema, "description"))
            );
            properties(&mut h, schema);
            h.push_str("</section>");
        }
    }
    h.push_str("</main></body></html>");
    h
}

fn operation(h: &mut String, method: &str, path: &str, op: &Value) {
    let summary = text(op, "summary");
    let description = text(op, "description");
    let _ = write!(
        h,
        "<section class=\"op\"><div><span class=\"m {method}\">{method}</span> <code>{}</code></div>\
         <p><strong>{}</strong></p>",
        esc(path),
        esc(&summary)
    );
    if !description.is_empty() && description != summary {
        let _ = write!(h, "<p>{}</p>", esc(&description));
    }
    if let Some(params) = op["parameters"].as_array().filter(|p| !p.is_empty()) {
        h.push_str("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>About</th></tr>");
        for p in params {
            let _ = write!(
                h,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&text(p, "name")),
                if p["required"].as_bool() == Some(true) {
                    " (required)"
                } else {
                    ""
                },
                esc(&text(p, "in")),
                type_of(&p["schema"]),
                esc(&text(p, "description"))
            );
        }
        h.push_str("</table>");
    }
    if let Some(content) = op["requestBody"]["content"].as_object() {
        for (media, c) in content {
            let _ = write!(h, "<p>Body ({}): {}</p>", esc(media), type_of(&c["schema"]));
        }
    }
    if let Some(responses) = op["responses"].as_object() {
        h.push_str("<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>");
        for (status, r) in responses {
            let body = r["content"]
                .as_object()
                .and_then(|c| c.values().next())
                .map(|c| type_of(&c["schema"]))
                .unwrap_or_default();
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(status),
                esc(&text(r, "description")),
                body
            );
        }
        h.push_str("</table>");
    }
    h.push_str("</section>");
}

fn properties(h: &mut String, schema: &Value) {
    let Some(props) = schema["properties"].as_object() else {
        if schema.get("enum").is_some() || schema.get("oneOf").is_some() {
            let _ = write!(h, "<p>{}</p>", type_of(schema));
        }
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    h.push_str("<table><tr><th>Field</th><th>Type</th><th>About</th></tr>");
    for (name, p) in props {
        let _ = write!(
            h,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            if required.contains(&name.as_str()) {
                " (required)"
            } else {
                ""
            },
            type_of(p),
            esc(&text(p, "description"))
        );
    }
    h.push_str("</table>");
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn text_from_the_document_is_escaped() {
        assert_eq!(esc("<b a=\"1\">&'"), "&lt;b a=&quot;1&quot;&gt;&amp;&#39;");
    }
}
