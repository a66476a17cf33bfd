//! A department's members (in ring order, moved up and down) and managers.

use axum::extract::State;
use axum::response::Response;
use switchboard_domain::UserId;

use super::{DepartmentPath, back, refuse_non_admins, user_field};
use crate::AppState;
use crate::pages::shell::{Flash, FormData, Viewer, csrf_refused};

pub(super) async fn members_post(
    State(state): State<AppState>,
    v: Viewer,
    DepartmentPath(id): DepartmentPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    let result = async {
        let people = state.sb.get_department_people(&v.ctx, id).await?;
        let mut order = people.department.members.clone();
        let who = user_field(&f);
        let name = |u: UserId| {
            people
                .members
                .iter()
                .find(|m| m.id == u)
                .map_or_else(String::new, |m| m.name.to_string())
        };
        let at = who.and_then(|u| order.iter().position(|m| *m == u));
        let said = match (f.text("action").as_str(), who, at) {
            ("add", Some(u), None) => {
                let joining = state.sb.get_user(&v.ctx, u).await?;
                order.push(u);
                format!(
                    "{} joined {} and rings {}.",
                    joining.name,
                    people.department.name,
                    ordinal(order.len())
                )
            }
            ("remove", Some(u), Some(i)) => {
                order.remove(i);
                format!("{} left {}.", name(u), people.department.name)
            }
            ("up", Some(u), Some(i)) if i > 0 => {
                order.swap(i, i - 1);
                format!("{} now rings {}.", name(u), ordinal(i))
            }
            ("down", Some(u), Some(i)) if i + 1 < order.len() => {
                order.swap(i, i + 1);
                format!("{} now rings {}.", name(u), ordinal(i + 2))
            }
            _ => return Ok(Flash::error("choose a member and what to do with them")),
        };
        state.sb.set_department_members(&v.ctx, id, order).await?;
        Ok(Flash::ok(said))
    }
    .await;
    back(&state, id, result)
}

/// "first", "second", … for ring positions (1-based).
fn ordinal(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth",
    ];
    match WORDS.get(n.wrapping_sub(1)) {
        Some(w) => (*w).to_owned(),
        None => format!("at position {n}"),
    }
}

pub(super) async fn managers_post(
    State(state): State<AppState>,
    v: Viewer,
    DepartmentPath(id): DepartmentPath,
    f: FormData,
) -> Response {
    if !v.csrf_ok(&f) {
        return csrf_refused();
    }
    if let Some(r) = refuse_non_admins(&v) {
        return r;
    }
    let result = async {
        let d = state.sb.get_department(&v.ctx, id).await?;
        let mut managers = d.managers.clone();
        let Some(who) = user_field(&f) else {
            return Ok(Flash::error("choose a person first"));
        };
        let adding = f.text("action") == "add";
        if adding && !managers.contains(&who) {
            managers.push(who);
        } else if !adding {
            managers.retain(|m| *m != who);
        }
        let d = state
            .sb
            .set_department_managers(&v.ctx, id, managers)
            .await?;
        let person = state.sb.get_user(&v.ctx, who).await?;
        Ok(Flash::ok(if adding {
            format!(
                "{} now manages {}: they can add and edit its members.",
                person.name, d.name
            )
        } else {
            format!("{} no longer manages {}.", person.name, d.name)
        }))
    }
    .await;
    back(&state, id, result)
}
