//! The add/edit user page itself: the template and the choices it offers.

use askama::Template;

use super::form::{Errors, Locks, Values};
use super::phone::PhoneSection;
use super::{Choice, Directory};
use crate::pages::shell::Shell;

#[derive(Template)]
#[template(path = "user_form_page.html")]
pub(super) struct UserFormPage {
    pub shell: Shell,
    pub heading: String,
    pub action: String,
    pub editing: bool,
    pub user_id: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub version: i64,
    pub v: Values,
    pub errors: Errors,
    pub others: Vec<String>,
    pub locks: Locks,
    pub idp_note: Option<String>,
    pub roles: Vec<Choice>,
    pub departments: Vec<Choice>,
    pub availability: Vec<Choice>,
    pub seats: String,
    pub pending_email: Option<String>,
    /// The identity provider's login of an IdP-managed user (SCIM `userName`).
    pub idp_login: Option<String>,
    pub can_replace: bool,
    /// How phone numbers may be written, naming the account's country when it has one.
    pub phone_hint: String,
    /// The Phone section (SIP credentials), when editing a user whose credentials the
    /// viewer may manage.
    pub phone: Option<PhoneSection>,
}

/// How phone numbers may be written in the account's forms.
pub(super) fn phone_hint(a: &switchboard_domain::Account) -> String {
    match a.phone_country() {
        Some(c) => {
            format!("International (+919876543210) or as dialled in {c} (the account's country).")
        }
        None => "International format (E.164), such as +919876543210.".to_owned(),
    }
}

impl UserFormPage {
    /// The field's error, if any (for the template).
    fn error(&self, field: &str) -> Option<String> {
        self.errors.of_field(field)
    }
}

/// The account's roles as choices, `selected` chosen.
pub(super) fn role_choices(dir: &Directory, selected: &str) -> Vec<Choice> {
    dir.roles
        .iter()
        .map(|r| {
            let id = r.id.to_string();
            let sel = id == selected;
            Choice::new(id, r.name.to_string(), sel)
        })
        .collect()
}
