//! Numbers and Workflows in the dashboard (those who manage departments): the account's
//! phone numbers and workflows with their owners — add one, hand it to another owner, or
//! remove it. Both are owned resources (R8) and share one page shape; what only numbers
//! have, their destination, is in `numbers`.

mod numbers;

use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use switchboard_domain::{DomainError, E164, Name, User, UserId, UserStatus, WorkflowKind};
use switchboard_service::Error as ServiceError;
use switchboard_service::numbers::{NewNumber, NumberPatch};

use super::shell::everyone;
use super::shell::{
    Flash, FormData, Shell, Viewer, csrf_refused, nav_allows, redirect_with, sentence,
};
use super::{failure, message};
use crate::AppState;

/// Which of the two owned resources a page is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Number,
    Workflow,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Self::Number => "numbers",
            Self::Workflow => "workflows",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Number => "Numbers",
            Self::Workflow => "Workflows",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Number => "number",
            Self::Workflow => "workflow",
        }
    }
}

/// The routes of this module.
pub(super) fn router() -> Router<AppState> {
    let mut r = Router::new();
    for kind in [Kind::Number, Kind::Workflow] {
        let base = format!("/{}", kind.key());
        r = r
            .route(
                &base,
                get(move |s: State<AppState>, v: Viewer| list_page(s, v, kind)).post(
                    move |s: State<AppState>, v: Viewer, f: FormData| add_post(s, v, f, kind),
                ),
            )
            .route(
                &format!("{base}/{{id}}/owner"),
                post(
                    move |s: State<AppState>, v: Viewer, p: Path<String>, f: FormData| {
                        owner_post(s, v, p, f, kind)
                    },
                ),
            )
            .route(
                &format!("{base}/{{id}}/delete"),
                post(
                    move |s: State<AppState>, v: Viewer, p: Path<String>, f: FormData| {
                        delete_post(s, v, p, f, kind)
                    },
                ),
            );
    }
    r.route("/numbers/{id}/destination", post(numbers::destination_post))
}

/// A row of the list.
struct Row {
    id: String,
    title: String,
    detail: String,
    owner: String,
    /// A number's destination as its form value (`numbers::form_value`); empty otherwise.
    destination: String,
}

/// A person who may own resources.
struct Owner {
    id: String,
    label: String,
}

/// An option of the workflow kind select.
struct KindOpt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// The add form as typed.
#[derive(Default)]
struct Typed {
    first: String,
    second: String,
    owner: String,
    destination: String,
}

#[derive(Template)]
#[template(path = "resources_page.html")]
struct ResourcesPage {
    shell: Shell,
    title: &'static str,
    base: &'static str,
    noun: &'static str,
    numbers: bool,
    rows: Vec<Row>,
    owners: Vec<Owner>,
    kinds: Vec<KindOpt>,
    destinations: numbers::Choices,
    typed: Typed,
    error: Option<String>,
}

const KINDS: [(&str, &str); 3] = [
    ("automation", "Automation"),
    ("ivr", "IVR flow"),
    ("integration", "Integration"),
];

fn refuse_others(v: &Viewer, kind: Kind) -> Option<Response> {
    (!nav_allows(v, kind.key())).then(|| {
        message(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only those who manage departments, numbers and workflows open this section.",
            Some(("/users", "Back to users")),
        )
    })
}

async fn list_page(State(state): State<AppState>, v: Viewer, kind: Kind) -> Response {
    if let Some(r) = refuse_others(&v, kind) {
        return r;
    }
    show(&state, &v, kind, Typed::default(), None, StatusCode::OK).await
}

async fn show(
    state: &AppState,
    v: &Viewer,
    kind: Kind,
    typed: Typed,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let people: Vec<User> = match everyone(state, v).await {
        Ok(p) => p
            .into_iter()
            .filter(|u| u.status != UserStatus::Inactive)
            .collect(),
        Err(e) => return failure(&e),
    };
    let rows = match rows_of(state, v, kind).await {
        Ok(r) => r,
        Err(e) => return failure(&e),
    };
    let owners = owners_of(&people, &rows);
    let destinations = match kind {
        Kind::Number => match numbers::choices(state, v, &people, &rows).await {
            Ok(d) => d,
            Err(e) => return failure(&e),
        },
        Kind::Workflow => numbers::Choices::default(),
    };
    let kinds = KINDS
        .iter()
        .map(|(value, label)| KindOpt {
            value,
            label,
            selected: typed.second == *value,
        })
        .collect();
    v.page(
        status,
        &ResourcesPage {
            shell: v.shell(kind.key()),
            title: kind.title(),
            base: kind.key(),
            noun: kind.noun(),
            numbers: kind == Kind::Number,
            rows,
            owners,
            kinds,
            destinations,
            typed,
            error,
        },
    )
}

/// The account's numbers or workflows as rows of the page.
async fn rows_of(state: &AppState, v: &Viewer, kind: Kind) -> Result<Vec<Row>, ServiceError> {
    Ok(match kind {
        Kind::Number => state
            .sb
            .list_numbers(&v.ctx, None)
            .await?
            .iter()
            .map(|n| Row {
                id: n.id.to_string(),
                title: n.number.to_string(),
                detail: n.label.clone(),
                owner: n.owner_id.to_string(),
                destination: numbers::form_value(n.destination.as_ref()),
            })
            .collect(),
        Kind::Workflow => state
            .sb
            .list_workflows(&v.ctx, None)
            .await?
            .iter()
            .map(|w| Row {
                id: w.id.to_string(),
                title: w.name.to_string(),
                detail: KINDS
                    .iter()
                    .find(|(k, _)| *k == w.kind.key())
                    .map_or("", |(_, l)| l)
                    .to_owned(),
                owner: w.owner_id.to_string(),
                destination: String::new(),
            })
            .collect(),
    })
}

/// The owners the select offers: the active users, then any other owner of a row.
fn owners_of(people: &[User], rows: &[Row]) -> Vec<Owner> {
    let owner_name = |id: UserId| {
        people
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| "a deactivated user".to_owned(), |u| u.name.to_string())
    };
    // Unknown owners (deactivated users) still show by name in the select's label.
    let mut owners: Vec<Owner> = people
        .iter()
        .map(|u| Owner {
            id: u.id.to_string(),
            label: format!("{} (ext. {})", u.name, u.extension),
        })
        .collect();
    for r in rows {
        if !owners.iter().any(|o| o.id == r.owner)
            && let Ok(id) = r.owner.parse::<UserId>()
        {
            owners.push(Owner {
                id: r.owner.clone(),
                label: owner_name(id),
            });
        }
    }
    owners
}

/// The refusal of `e` on the page itself (with what was typed), or the failure page.
async fn refused_here(
    state: &AppState,
    v: &Viewer,
    kind: Kind,
    typed: Typed,
    e: &ServiceError,
) -> Response {
    match e.domain() {
        Some(d) => {
            let status = crate::error::status_of(d);
            show(
                state,
                v,
                kind,
                typed,
                Some(sentence(&d.to_string())),
                status,
            )
            .await
        }
        None => failure(e),
    }
}

async fn add_post(State(state): State<AppState>, v: Viewer, f: FormData, kind: Kind) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v, kind) {
        return r;
    }
    let typed = Typed {
        first: f.text("first"),
        second: f.text("second"),
        owner: f.text("owner"),
        destination: f.text("destination"),
    };
    let Ok(owner) = typed.owner.parse::<UserId>() else {
        let e = ServiceError::Domain(DomainError::field(
            "owner_id",
            "required",
            "choose who owns it",
        ));
        return refused_here(&state, &v, kind, typed, &e).await;
    };
    let added = match kind {
        Kind::Number => {
            let parsed = E164::parse("number", &typed.first).and_then(|n| {
                numbers::parse_form(&typed.destination).map(|destination| NewNumber {
                    destination,
                    ..NewNumber::owned_by(n, typed.second.clone(), owner)
                })
            });
            match parsed {
                Ok(new) => state
                    .sb
                    .create_number(&v.ctx, new)
                    .await
                    .map(|n| n.number.to_string()),
                Err(e) => Err(ServiceError::Domain(e.into())),
            }
        }
        Kind::Workflow => {
            let parsed = Name::parse("name", &typed.first)
                .and_then(|name| WorkflowKind::parse("kind", &typed.second).map(|k| (name, k)));
            match parsed {
                Ok((name, k)) => state
                    .sb
                    .create_workflow(&v.ctx, name, k, owner)
                    .await
                    .map(|w| w.name.to_string()),
                Err(e) => Err(ServiceError::Domain(e.into())),
            }
        }
    };
    match added {
        Ok(what) => redirect_with(
            &state,
            &format!("/{}", kind.key()),
            &Flash::ok(format!("{what} was added.")),
        ),
        Err(e) => refused_here(&state, &v, kind, typed, &e).await,
    }
}

async fn owner_post(
    State(state): State<AppState>,
    v: Viewer,
    Path(raw): Path<String>,
    f: FormData,
    kind: Kind,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v, kind) {
        return r;
    }
    let back = format!("/{}", kind.key());
    let Ok(owner) = f.text("owner").parse::<UserId>() else {
        return redirect_with(&state, &back, &Flash::error("choose the new owner"));
    };
    let moved = async {
        let who = state.sb.get_user(&v.ctx, owner).await?;
        let what = match kind {
            Kind::Number => {
                let id = raw.parse().map_err(|_| not_found(kind))?;
                let patch = NumberPatch {
                    owner: Some(owner),
                    ..NumberPatch::default()
                };
                state
                    .sb
                    .update_number(&v.ctx, id, patch)
                    .await?
                    .number
                    .to_string()
            }
            Kind::Workflow => {
                let id = raw.parse().map_err(|_| not_found(kind))?;
                state
                    .sb
                    .update_workflow(&v.ctx, id, None, None, Some(owner))
                    .await?
                    .name
                    .to_string()
            }
        };
        Ok::<_, ServiceError>(format!("{what} now belongs to {}.", who.name))
    }
    .await;
    answer(&state, &back, kind, moved)
}

async fn delete_post(
    State(state): State<AppState>,
    v: Viewer,
    Path(raw): Path<String>,
    f: FormData,
    kind: Kind,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_others(&v, kind) {
        return r;
    }
    let back = format!("/{}", kind.key());
    let removed = async {
        match kind {
            Kind::Number => {
                let id = raw.parse().map_err(|_| not_found(kind))?;
                let n = state.sb.get_number(&v.ctx, id).await?;
                state.sb.delete_number(&v.ctx, id).await?;
                Ok(format!("{} was removed.", n.number))
            }
            Kind::Workflow => {
                let id = raw.parse().map_err(|_| not_found(kind))?;
                let w = state.sb.get_workflow(&v.ctx, id).await?;
                state.sb.delete_workflow(&v.ctx, id).await?;
                Ok(format!("{} was removed.", w.name))
            }
        }
    }
    .await;
    answer(&state, &back, kind, removed)
}

fn not_found(kind: Kind) -> ServiceError {
    ServiceError::Domain(DomainError::NotFound(kind.noun()))
}

/// Back to the list with what happened; another account's record answers not found.
fn answer(
    state: &AppState,
    back: &str,
    kind: Kind,
    result: Result<String, ServiceError>,
) -> Response {
    match result {
        Ok(text) => redirect_with(state, back, &Flash::ok(text)),
        Err(e) => match e.domain() {
            Some(DomainError::NotFound(_)) => message(
                StatusCode::NOT_FOUND,
                "Not found",
                &format!("There is no such {} in this account.", kind.noun()),
                Some((back, "Back")),
            ),
            Some(d) => redirect_with(state, back, &Flash::error(d.to_string())),
            None => failure(&e),
        },
    }
}
