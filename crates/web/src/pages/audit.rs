//! The audit log (those whose role may view it): newest first, cursor pages, filters by
//! action, kind of actor, actor, target and dates (read in the viewer's time zone), each
//! event's before/after values as a key/before/after table, and an on-demand check of the
//! log's hash chain (what `switchboard audit verify` reports).

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use switchboard_domain::AuditFilter;
use switchboard_domain::{ActorKind, AuditEvent, User};
use switchboard_service::users::UserQuery;

use super::shell::{FormData, Shell, Viewer, nav_allows};
use super::{failure, message};
use crate::AppState;

/// How many events a page shows.
const PAGE_SIZE: u32 = 50;
/// How many users the target filter offers (older events link to their target anyway).
const TARGET_CHOICES: u32 = 500;

#[derive(Template)]
#[template(path = "audit_page.html")]
struct AuditPage {
    shell: Shell,
    rows: Vec<Row>,
    next: Option<String>,
    newest: Option<String>,
    filtered: bool,
    errors: Vec<String>,
    actions: Vec<Choice>,
    actor_kinds: Vec<Choice>,
    targets: Vec<Choice>,
    actor: Option<ActorFilter>,
    from: String,
    to: String,
    verify_href: String,
    chain: Option<Chain>,
}

/// The actor the log is narrowed to (from a name's link in a row).
struct ActorFilter {
    id: String,
    name: String,
    clear_href: String,
}

/// An option of a filter's select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The outcome of verifying the hash chain.
struct Chain {
    intact: bool,
    events: i64,
    broken_at: i64,
    reason: String,
}

struct Row {
    seq: i64,
    when: String,
    actor_kind: &'static str,
    actor_name: String,
    actor_href: Option<String>,
    action: String,
    target_kind: String,
    target_name: String,
    target_href: Option<String>,
    source: String,
    changes: Vec<Change>,
}

/// One changed value: key, before, after (`None` when absent on that side).
struct Change {
    key: String,
    before: Option<String>,
    after: Option<String>,
}

fn kind_label(k: ActorKind) -> &'static str {
    match k {
        ActorKind::User => "User",
        ActorKind::ApiToken => "API token",
        ActorKind::Scim => "SCIM",
        ActorKind::System => "System",
    }
}

const KINDS: [ActorKind; 4] = [
    ActorKind::User,
    ActorKind::ApiToken,
    ActorKind::Scim,
    ActorKind::System,
];

/// A stored JSON value as a person reads it: text as it is, `null` as nothing.
fn show(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(true) => Some("yes".to_owned()),
        serde_json::Value::Bool(false) => Some("no".to_owned()),
        serde_json::Value::Array(items) if items.iter().all(|i| i.is_string()) => Some(
            items
                .iter()
                .filter_map(|i| i.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        other => Some(other.to_string()),
    }
}

fn parse(text: Option<&str>) -> Option<serde_json::Value> {
    text.map(|t| {
        serde_json::from_str(t).unwrap_or_else(|_| serde_json::Value::String(t.to_owned()))
    })
}

/// The before/after values side by side, by key.
fn changes(before: Option<&str>, after: Option<&str>) -> Vec<Change> {
    let (b, a) = (parse(before), parse(after));
    let as_object = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::Object(m)) => Some(m.clone()),
        Some(other) => {
            let mut m = serde_json::Map::new();
            m.insert("value".to_owned(), other.clone());
            Some(m)
        }
        None => None,
    };
    let (b, a) = (as_object(&b), as_object(&a));
    let keys: BTreeSet<&String> = b.iter().chain(a.iter()).flat_map(|m| m.keys()).collect();
    keys.into_iter()
        .map(|k| Change {
            key: k.replace('_', " "),
            before: b.as_ref().and_then(|m| m.get(k)).and_then(show),
            after: a.as_ref().and_then(|m| m.get(k)).and_then(show),
        })
        .collect()
}

/// The filters as read from the query string.
struct Filters {
    action: String,
    actor_kind: Option<ActorKind>,
    actor: String,
    target: String,
    from: String,
    to: String,
}

impl Filters {
    fn read(q: &FormData) -> Self {
        let id = |k: &str| {
            q.opt(k)
                .filter(|v| uuid::Uuid::parse_str(v).is_ok())
                .unwrap_or_default()
        };
        Self {
            action: q.text("action").chars().take(100).collect(),
            actor_kind: q
                .opt("actor_kind")
                .and_then(|k| KINDS.into_iter().find(|c| c.key() == k)),
            actor: id("actor"),
            target: id("target"),
            from: q.text("from"),
            to: q.text("to"),
        }
    }

    fn is_set(&self) -> bool {
        !(self.action.is_empty()
            && self.actor_kind.is_none()
            && self.actor.is_empty()
            && self.target.is_empty()
            && self.from.is_empty()
            && self.to.is_empty())
    }

    /// `/audit?…` with these filters and `extra` pairs.
    fn href(&self, extra: &[(&str, &str)]) -> String {
        let mut s =
            form_urlencoded::Serializer::for_suffix(String::from("/audit?"), "/audit?".len());
        for (k, v) in [
            ("action", self.action.as_str()),
            ("actor_kind", self.actor_kind.map(|k| k.key()).unwrap_or("")),
            ("actor", self.actor.as_str()),
            ("target", self.target.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        {
            if !v.is_empty() {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }

    /// The store's filter; dates are whole days in the viewer's time zone. Dates that do
    /// not read are left out and named in `errors`.
    fn to_store(&self, v: &Viewer, errors: &mut Vec<String>) -> AuditFilter {
        let tz = v.user.time_zone.time_zone();
        let mut day = |label: &str, raw: &str| -> Option<Date> {
            if raw.is_empty() {
                return None;
            }
            let d = raw.parse::<Date>().ok();
            if d.is_none() {
                errors.push(format!(
                    "The {label} date \u{201c}{raw}\u{201d} could not be read; use the form \
                     2025-03-31."
                ));
            }
            d
        };
        let (from, to) = (day("from", &self.from), day("to", &self.to));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.push("The from date is after the to date, so nothing can match.".to_owned());
        }
        let start = |d: Date| d.to_zoned(tz.clone()).ok().map(|z| z.timestamp());
        AuditFilter {
            actor_id: Some(self.actor.clone()).filter(|a| !a.is_empty()),
            target_id: Some(self.target.clone()).filter(|t| !t.is_empty()),
            action: Some(self.action.clone()).filter(|a| !a.is_empty()),
            since: from.and_then(start),
            until: to.and_then(|d| d.tomorrow().ok()).and_then(start),
            actor_kind: self.actor_kind,
        }
    }
}

impl Row {
    fn new(v: &Viewer, filters: &Filters, e: &AuditEvent) -> Self {
        let ev = &e.event;
        let link = |key: &str, id: &Option<String>| {
            id.as_ref().map(|id| {
                let mut s = form_urlencoded::Serializer::for_suffix(
                    String::from("/audit?"),
                    "/audit?".len(),
                );
                s.append_pair(key, id);
                s.finish()
            })
        };
        Self {
            seq: e.seq,
            when: v.when(ev.at),
            actor_kind: kind_label(ev.actor_kind),
            actor_name: ev.actor_name.clone(),
            actor_href: link("actor", &ev.actor_id).filter(|_| filters.actor.is_empty()),
            action: ev.action.clone(),
            target_kind: ev.target_type.replace('_', " "),
            target_name: ev.target_name.clone(),
            target_href: link("target", &ev.target_id).filter(|_| filters.target.is_empty()),
            source: ev.source.clone(),
            changes: changes(ev.before.as_deref(), ev.after.as_deref()),
        }
    }
}

pub(super) async fn audit_page(
    State(state): State<AppState>,
    v: Viewer,
    RawQuery(q): RawQuery,
) -> Response {
    if !nav_allows(&v, "audit") {
        return message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Your role does not open the audit log; administrators can read it.",
            Some(("/", "Back to the dashboard")),
        );
    }
    let q = FormData::parse(q.unwrap_or_default().as_bytes());
    let filters = Filters::read(&q);
    let cursor = q.opt("cursor");
    let mut errors = Vec::new();
    let filter = filters.to_store(&v, &mut errors);
    let page = match state
        .sb
        .audit_events_page(&v.ctx, &filter, cursor.as_deref(), PAGE_SIZE)
        .await
    {
        Ok(p) => p,
        Err(e) => return failure(&e),
    };
    let known_actions = match state.sb.audit_actions(&v.ctx).await {
        Ok(a) => a,
        Err(e) => return failure(&e),
    };
    let chain = if q.checked("verify") {
        match state.sb.verify_audit_chain(&v.ctx).await {
            Ok(r) => Some(Chain {
                intact: r.broken.is_none(),
                events: r.events,
                broken_at: r.broken.as_ref().map_or(0, |b| b.seq),
                reason: r.broken.map(|b| b.reason).unwrap_or_default(),
            }),
            Err(e) => return failure(&e),
        }
    } else {
        None
    };
    // Someone who may read the log but not the users list still gets the log.
    let users = state
        .sb
        .list_users(&v.ctx, &UserQuery::default(), None, TARGET_CHOICES)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let targets = target_choices(&users, &filters, &page.items);
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|e| Row::new(&v, &filters, e))
        .collect();
    let next = page
        .next_cursor
        .as_deref()
        .map(|c| filters.href(&[("cursor", c)]));
    v.page(
        StatusCode::OK,
        &AuditPage {
            shell: v.shell("audit"),
            rows,
            next,
            newest: cursor.as_ref().map(|_| filters.href(&[])),
            filtered: filters.is_set(),
            errors,
            actions: action_choices(known_actions, &filters),
            actor_kinds: actor_kind_choices(&filters),
            targets,
            actor: actor_filter(&filters, &page.items),
            from: filters.from.clone(),
            to: filters.to.clone(),
            verify_href: filters.href(&[("verify", "1")]),
            chain,
        },
    )
}

/// The target filter's options: the account's users by name, and the chosen record first
/// when it is not one of them.
fn target_choices(users: &[User], filters: &Filters, events: &[AuditEvent]) -> Vec<Choice> {
    let mut targets: Vec<Choice> = users
        .iter()
        .map(|u| Choice {
            value: u.id.to_string(),
            label: u.name.to_string(),
            selected: filters.target == u.id.to_string(),
        })
        .collect();
    targets.sort_by_key(|c| c.label.to_lowercase());
    if !filters.target.is_empty() && !targets.iter().any(|t| t.selected) {
        // A record that is not a current user (deleted, or a department, token, ...).
        let name = events
            .iter()
            .find(|e| e.event.target_id.as_deref() == Some(filters.target.as_str()))
            .map(|e| format!("{} ({})", e.event.target_name, e.event.target_type))
            .unwrap_or_else(|| "The chosen record".to_owned());
        targets.insert(
            0,
            Choice {
                value: filters.target.clone(),
                label: name,
                selected: true,
            },
        );
    }
    targets
}

/// The actor the log is narrowed to, with a link that drops only that filter.
fn actor_filter(filters: &Filters, events: &[AuditEvent]) -> Option<ActorFilter> {
    (!filters.actor.is_empty()).then(|| {
        let name = events
            .iter()
            .find(|e| e.event.actor_id.as_deref() == Some(filters.actor.as_str()))
            .map(|e| e.event.actor_name.clone())
            .unwrap_or_else(|| "the chosen actor".to_owned());
        let without = Filters {
            actor: String::new(),
            action: filters.action.clone(),
            target: filters.target.clone(),
            from: filters.from.clone(),
            to: filters.to.clone(),
            actor_kind: filters.actor_kind,
        };
        ActorFilter {
            id: filters.actor.clone(),
            name,
            clear_href: without.href(&[]),
        }
    })
}

/// The action filter's options: the actions the log holds, and the chosen one first when
/// it is not among them.
fn action_choices(known_actions: Vec<String>, filters: &Filters) -> Vec<Choice> {
    let mut actions: Vec<Choice> = known_actions
        .into_iter()
        .map(|a| Choice {
            selected: a == filters.action,
            label: a.clone(),
            value: a,
        })
        .collect();
    if !filters.action.is_empty() && !actions.iter().any(|a| a.selected) {
        actions.insert(
            0,
            Choice {
                value: filters.action.clone(),
                label: filters.action.clone(),
                selected: true,
            },
        );
    }
    actions
}

/// The options of the kind-of-actor filter.
fn actor_kind_choices(filters: &Filters) -> Vec<Choice> {
    KINDS
        .into_iter()
        .map(|k| Choice {
            value: k.key().to_owned(),
            label: kind_label(k).to_owned(),
            selected: filters.actor_kind == Some(k),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::changes;

    #[test]
    fn before_and_after_line_up_by_key_and_read_as_text() {
        let rows = changes(
            Some(r#"{"name":"Priya","panel_access":false,"tags":["a","b"]}"#),
            Some(r#"{"name":"Priya S.","panel_access":true,"extension":"204"}"#),
        );
        let flat: Vec<_> = rows
            .iter()
            .map(|c| (c.key.as_str(), c.before.as_deref(), c.after.as_deref()))
            .collect();
        assert_eq!(
            flat,
            vec![
                ("extension", None, Some("204")),
                ("name", Some("Priya"), Some("Priya S.")),
                ("panel access", Some("no"), Some("yes")),
                ("tags", Some("a, b"), None),
            ]
        );
        assert!(changes(None, None).is_empty());
        let odd = changes(Some("not json"), None);
        assert_eq!(odd[0].key, "value");
        assert_eq!(odd[0].before.as_deref(), Some("not json"));
    }
}
