//! The add/edit user form: the values as typed (kept when the form comes back with
//! errors), which fields the viewer may change, the errors shown beside each field, and
//! the translation of the posted form into the domain's inputs.

use std::collections::BTreeMap;

use switchboard_domain::schedule::SlotText;

use crate::pages::hours::{DayHours, week_posted, week_slots, week_text};
use switchboard_domain::{Account, DomainError, FieldError, IdpField, NewUserInput, User};

use super::Choice;

/// The form's values, as text.
#[derive(Clone, Debug)]
pub(super) struct Values {
    pub name: String,
    pub email: String,
    pub mobile: String,
    pub alternate_mobile: String,
    pub extension: String,
    pub panel_access: bool,
    pub role: String,
    pub receive_calls: bool,
    pub hours: Vec<DayHours>,
    pub time_zone: String,
    pub departments: Vec<String>,
    pub tags: String,
    pub voicemail: bool,
    pub availability: String,
}

impl Values {
    /// A blank add form: the next free extension, the account's time zone, Basic.
    pub(super) fn blank(account: &Account, extension: String, basic_role: String) -> Self {
        Self {
            name: String::new(),
            email: String::new(),
            mobile: String::new(),
            alternate_mobile: String::new(),
            extension,
            panel_access: false,
            role: basic_role,
            receive_calls: true,
            hours: week_text(&BTreeMap::new()),
            time_zone: account.default_time_zone.to_string(),
            departments: Vec::new(),
            tags: String::new(),
            voicemail: false,
            availability: "available".to_owned(),
        }
    }

    /// The values of an existing user, with their department ids.
    pub(super) fn of(u: &User, departments: Vec<String>) -> Self {
        Self {
            name: u.name.to_string(),
            email: u.email.as_ref().map(|e| e.to_string()).unwrap_or_default(),
            mobile: u.mobile.as_ref().map(|m| m.to_string()).unwrap_or_default(),
            alternate_mobile: u
                .alternate_mobile
                .as_ref()
                .map(|m| m.to_string())
                .unwrap_or_default(),
            extension: u.extension.to_string(),
            panel_access: u.panel_access,
            role: u.role_id.to_string(),
            receive_calls: u.receive_calls,
            hours: week_text(&u.call_hours.to_text()),
            time_zone: u.time_zone.to_string(),
            departments,
            tags: u
                .tags
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect::<Vec<_>>()
                .join(", "),
            voicemail: u.voicemail,
            availability: u.availability.key().to_owned(),
        }
    }

    /// The values as posted.
    pub(super) fn posted(f: &crate::pages::shell::FormData) -> Self {
        Self {
            name: f.text("name"),
            email: f.text("email"),
            mobile: f.text("mobile"),
            alternate_mobile: f.text("alternate_mobile"),
            extension: f.text("extension"),
            panel_access: f.get("panel_access") == Some("pro"),
            role: f.text("role"),
            receive_calls: f.checked("receive_calls"),
            hours: week_posted(f),
            time_zone: f.text("time_zone"),
            departments: f.all("departments"),
            tags: f.text("tags"),
            voicemail: f.checked("voicemail"),
            availability: f.text("availability"),
        }
    }

    /// The tags as a list.
    pub(super) fn tag_list(&self) -> Vec<String> {
        self.tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// The call hours as the domain reads them; a day written in a way that cannot be
    /// read is reported under `call_hours.<day>`.
    pub(super) fn call_hours(&self) -> Result<BTreeMap<String, Vec<SlotText>>, Vec<FieldError>> {
        week_slots("call_hours", &self.hours)
    }

    /// The add-user input.
    pub(super) fn new_user_input(
        &self,
        call_hours: BTreeMap<String, Vec<SlotText>>,
    ) -> NewUserInput {
        let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        NewUserInput {
            name: Some(self.name.clone()),
            email: opt(&self.email),
            mobile: opt(&self.mobile),
            alternate_mobile: opt(&self.alternate_mobile),
            extension: opt(&self.extension),
            role: opt(&self.role),
            panel_access: Some(self.panel_access),
            receive_calls: Some(self.receive_calls),
            call_hours: Some(call_hours),
            time_zone: opt(&self.time_zone),
            departments: Some(self.departments.clone()),
            tags: Some(self.tag_list()),
            voicemail: Some(self.voicemail),
            external_id: None,
        }
    }
}

/// Which fields the viewer may change on this form, and why others are read-only: the
/// parts of the service's answer (`Switchboard::editable`); empty on the add form.
#[derive(Clone, Debug, Default)]
pub(super) struct Locks {
    /// Nothing can be changed (viewing someone the viewer may not edit).
    pub read_only: bool,
    /// Only the self-service fields (name, time zone, availability).
    pub self_service: bool,
    /// The mobile is set and cannot change (R4).
    pub mobile: bool,
    /// Fields the identity provider owns (R6).
    pub idp: Vec<IdpField>,
}

impl Locks {
    /// Whether `field` can be changed on this form: the service's rule.
    pub(super) fn can(&self, field: &str) -> bool {
        switchboard_service::editable::may_change(
            field,
            self.read_only,
            self.self_service,
            self.mobile,
            &self.idp,
        )
    }

    /// The fields the identity provider owns, by label, for the note on the form.
    pub(super) fn idp_note(&self) -> Option<String> {
        if self.idp.is_empty() {
            return None;
        }
        let names: Vec<&str> = self
            .idp
            .iter()
            .map(|f| match f {
                IdpField::Name => "name",
                IdpField::Email => "email",
                IdpField::AlternateMobile => "alternate mobile",
                IdpField::TimeZone => "time zone",
            })
            .collect();
        Some(names.join(", "))
    }
}

/// Field errors by field, and what belongs to no field.
#[derive(Clone, Debug, Default)]
pub(super) struct Errors {
    fields: Vec<FieldError>,
    /// The sentence above the form.
    pub summary: Option<String>,
}

impl Errors {
    pub(super) fn none() -> Self {
        Self::default()
    }

    /// The errors of a refusal: beside their fields when they name one, else on top.
    pub(super) fn of(e: &DomainError) -> Self {
        let fields = e.field_errors();
        let summary = if fields.is_empty() {
            Some(crate::pages::shell::sentence(&e.to_string()))
        } else {
            Some("Please correct the fields marked below.".to_owned())
        };
        Self { fields, summary }
    }

    pub(super) fn fields(fields: Vec<FieldError>) -> Self {
        Self {
            fields,
            summary: Some("Please correct the fields marked below.".to_owned()),
        }
    }

    /// The message for `field` (and its sub-fields, like `call_hours.monday[0]`).
    pub(super) fn of_field(&self, field: &str) -> Option<String> {
        let msgs: Vec<String> = self
            .fields
            .iter()
            .filter(|e| {
                e.field == field
                    || e.field
                        .strip_prefix(field)
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
            .map(|e| message_for(field, e))
            .collect();
        (!msgs.is_empty()).then(|| msgs.join(" "))
    }

    /// Errors about fields the form does not show.
    pub(super) fn others(&self, shown: &[&str]) -> Vec<String> {
        self.fields
            .iter()
            .filter(|e| {
                !shown.iter().any(|f| {
                    e.field == *f
                        || e.field
                            .strip_prefix(f)
                            .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
                })
            })
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect()
    }
}

/// A field error as a sentence: conflicts already read as one ("extension 204 is held by
/// …"); rule messages ("must not be empty") get the field's name in front.
fn message_for(field: &str, e: &FieldError) -> String {
    let label = field.replace('_', " ");
    let lower = e.message.to_lowercase();
    let reads_alone = lower.starts_with(&label)
        || lower.starts_with(&e.field.replace('_', " "))
        || e.field.starts_with("call_hours.")
        || e.field.starts_with("departments");
    if reads_alone {
        crate::pages::shell::sentence(&e.message)
    } else {
        format!("{}: {}", crate::pages::shell::sentence(&label), e.message)
    }
}

/// The fields the form shows, for [`Errors::others`].
pub(super) const SHOWN: [&str; 14] = [
    "name",
    "email",
    "mobile",
    "alternate_mobile",
    "extension",
    "panel_access",
    "role",
    "receive_calls",
    "call_hours",
    "time_zone",
    "departments",
    "tags",
    "voicemail",
    "availability",
];

/// Checkbox choices of departments, ticked as in `values`.
pub(super) fn department_choices(
    all: &[switchboard_domain::Department],
    values: &Values,
) -> Vec<Choice> {
    all.iter()
        .map(|d| {
            let id = d.id.to_string();
            let selected = values.departments.contains(&id);
            Choice::new(id, d.name.to_string(), selected)
        })
        .collect()
}
