//! Every field of a user, and which front ends carry it: the table the round-trip tests
//! (web `users::fields`, server `cli::fields`) add one person through and read back. A
//! field added to `User` does not compile here until [`values`] names it, and the tests
//! fail until [`FIELDS`] says, for each front end, that it carries the field or why not.

use std::collections::BTreeMap;

use switchboard_domain::schedule::SlotText;
use switchboard_domain::{IdpProfile, User, WeeklySchedule};

/// The front ends a user is added and read through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Front {
    /// `/api/v1/users`.
    Rest,
    /// `/scim/v2/Users`.
    Scim,
    /// CSV export and import.
    Csv,
    /// The dashboard's add and edit forms.
    Dashboard,
    /// `switchboard users add` and `users list --json`.
    Cli,
}

/// Whether a front end carries a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Set and read back through it.
    Carried,
    /// Left out, and why.
    Left(&'static str),
}

use Way::{Carried, Left};

/// A user field and how each front end carries it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The field's name, as in [`values`].
    pub name: &'static str,
    /// REST.
    pub rest: Way,
    /// SCIM.
    pub scim: Way,
    /// CSV.
    pub csv: Way,
    /// Dashboard.
    pub dashboard: Way,
    /// CLI.
    pub cli: Way,
}

impl Field {
    /// How `front` carries this field.
    pub fn way(&self, front: Front) -> Way {
        match front {
            Front::Rest => self.rest,
            Front::Scim => self.scim,
            Front::Csv => self.csv,
            Front::Dashboard => self.dashboard,
            Front::Cli => self.cli,
        }
    }
}

const fn all(name: &'static str) -> Field {
    Field {
        name,
        rest: Carried,
        scim: Carried,
        csv: Carried,
        dashboard: Carried,
        cli: Carried,
    }
}

const IDP_ONLY: &str = "what the identity provider keeps about a user is set over SCIM only";
const GROUPS: &str = "SCIM reads departments (Groups) and sets them through Group membership";
const NOT_PROVISIONED: &str = "not part of what an identity provider provisions";
const NO_CELL: &str = "a weekly schedule has no CSV cell; set it in the dashboard or the API";
const NO_FLAG: &str = "`users add` has no flag for it; set it in the dashboard or the API";

/// Every field a person gives a user, and how each front end carries it.
pub const FIELDS: [Field; 17] = [
    all("name"),
    all("email"),
    all("mobile"),
    all("alternate_mobile"),
    all("extension"),
    all("role"),
    all("panel_access"),
    Field {
        scim: Left(NOT_PROVISIONED),
        ..all("receive_calls")
    },
    Field {
        scim: Left(NOT_PROVISIONED),
        csv: Left(NO_CELL),
        cli: Left(NO_FLAG),
        ..all("call_hours")
    },
    all("time_zone"),
    Field {
        scim: Left(NOT_PROVISIONED),
        csv: Left("changes through the day; not part of adding users in bulk"),
        cli: Left(NO_FLAG),
        ..all("availability")
    },
    Field {
        scim: Left(NOT_PROVISIONED),
        ..all("voicemail")
    },
    Field {
        csv: Left("the identity provider's id: set over SCIM or the API"),
        dashboard: Left("the identity provider's id: set over SCIM or the API"),
        cli: Left(NO_FLAG),
        ..all("external_id")
    },
    Field {
        rest: Left("read-only in the API: the identity provider's login, set over SCIM"),
        scim: Carried,
        csv: Left(IDP_ONLY),
        dashboard: Left(IDP_ONLY),
        cli: Left(IDP_ONLY),
        name: "idp_username",
    },
    Field {
        rest: Left(IDP_ONLY),
        scim: Carried,
        csv: Left(IDP_ONLY),
        dashboard: Left(IDP_ONLY),
        cli: Left(IDP_ONLY),
        name: "idp_profile",
    },
    Field {
        scim: Left(GROUPS),
        ..all("departments")
    },
    Field {
        scim: Left(NOT_PROVISIONED),
        ..all("tags")
    },
];

/// The person each front end adds, every field away from its default.
pub mod person {
    /// Name.
    pub const NAME: &str = "Priya Sharma";
    /// Given name, as an identity provider sends it.
    pub const GIVEN_NAME: &str = "Priya";
    /// Family name, as an identity provider sends it.
    pub const FAMILY_NAME: &str = "Sharma";
    /// Email.
    pub const EMAIL: &str = "priya@acme.example.com";
    /// Mobile.
    pub const MOBILE: &str = "+919876543210";
    /// Alternate mobile.
    pub const ALTERNATE_MOBILE: &str = "+919812345678";
    /// Extension.
    pub const EXTENSION: &str = "204";
    /// Role.
    pub const ROLE: &str = "Manager";
    /// Time zone.
    pub const TIME_ZONE: &str = "Europe/Paris";
    /// Call hours: Mondays, 09:00 to 17:00.
    pub const CALL_DAY: &str = "monday";
    /// Start of the call hours.
    pub const CALL_START: &str = "09:00";
    /// End of the call hours.
    pub const CALL_END: &str = "17:00";
    /// Availability (set by an edit after the add).
    pub const AVAILABILITY: &str = "busy";
    /// External id.
    pub const EXTERNAL_ID: &str = "E-1001";
    /// The identity provider's login.
    pub const IDP_USERNAME: &str = "priya.sharma@corp.example";
    /// The department the person works in.
    pub const DEPARTMENT: &str = "Support";
    /// Tags.
    pub const TAGS: [&str; 2] = ["night", "vip"];
}

/// The person's call hours as the API takes them.
pub fn call_hours() -> BTreeMap<String, Vec<SlotText>> {
    BTreeMap::from([(
        person::CALL_DAY.to_owned(),
        vec![SlotText {
            start: person::CALL_START.to_owned(),
            end: person::CALL_END.to_owned(),
        }],
    )])
}

/// The person's fields as [`values`] writes them.
pub fn expected() -> BTreeMap<&'static str, String> {
    let hours = WeeklySchedule::parse("call_hours", &call_hours()).unwrap_or_default();
    BTreeMap::from([
        ("name", person::NAME.to_owned()),
        ("email", person::EMAIL.to_owned()),
        ("mobile", person::MOBILE.to_owned()),
        ("alternate_mobile", person::ALTERNATE_MOBILE.to_owned()),
        ("extension", person::EXTENSION.to_owned()),
        ("role", person::ROLE.to_owned()),
        ("panel_access", "true".to_owned()),
        ("receive_calls", "false".to_owned()),
        ("call_hours", schedule_text(&hours)),
        ("time_zone", person::TIME_ZONE.to_owned()),
        ("availability", person::AVAILABILITY.to_owned()),
        ("voicemail", "true".to_owned()),
        ("external_id", person::EXTERNAL_ID.to_owned()),
        ("idp_username", person::IDP_USERNAME.to_owned()),
        (
            "idp_profile",
            format!("{} / {}", person::GIVEN_NAME, person::FAMILY_NAME),
        ),
        ("departments", person::DEPARTMENT.to_owned()),
        ("tags", person::TAGS.join(",")),
    ])
}

fn schedule_text(s: &WeeklySchedule) -> String {
    serde_json::to_string(&s.to_text()).unwrap_or_default()
}

/// A user's fields as text, by name (`role` and `departments` by name). Names every
/// field of `User`: the ones no front end sets are said so here.
pub fn values(u: &User, role: &str, departments: &[String]) -> BTreeMap<&'static str, String> {
    let User {
        // Made by Switchboard, not given by a person.
        id: _,
        account_id: _,
        status: _,
        has_signed_in: _,
        version: _,
        created_at: _,
        updated_at: _,
        // Set by its own operation (deactivate later), not by adding.
        deactivate_at: _,
        name,
        email,
        mobile,
        alternate_mobile,
        extension,
        role_id: _,
        panel_access,
        receive_calls,
        call_hours,
        time_zone,
        availability,
        voicemail,
        external_id,
        idp,
        tags,
    } = u;
    let IdpProfile {
        // Derived: whoever provisions a user manages it.
        managed: _,
        username,
        given_name,
        family_name,
        // How the identity provider marked the numbers and the email: kept for SCIM.
        primary_phone: _,
        email_primary: _,
        alternate_work: _,
        attributes: _,
        manager: _,
    } = idp;
    let text = |v: Option<&str>| v.unwrap_or_default().to_owned();
    BTreeMap::from([
        ("name", name.to_string()),
        ("email", text(email.as_ref().map(|e| e.as_str()))),
        ("mobile", text(mobile.as_ref().map(|m| m.as_str()))),
        (
            "alternate_mobile",
            text(alternate_mobile.as_ref().map(|m| m.as_str())),
        ),
        ("extension", extension.to_string()),
        ("role", role.to_owned()),
        ("panel_access", panel_access.to_string()),
        ("receive_calls", receive_calls.to_string()),
        ("call_hours", schedule_text(call_hours)),
        ("time_zone", time_zone.to_string()),
        ("availability", availability.key().to_owned()),
        ("voicemail", voicemail.to_string()),
        ("external_id", text(external_id.as_deref())),
        ("idp_username", text(username.as_ref().map(|n| n.as_str()))),
        (
            "idp_profile",
            format!(
                "{} / {}",
                text(given_name.as_deref()),
                text(family_name.as_deref())
            ),
        ),
        ("departments", departments.join(",")),
        (
            "tags",
            tags.iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
    ])
}

/// Asserts that `got` (from [`values`]) holds the person's value in every field `front`
/// carries, and that [`FIELDS`] decides every field [`values`] names.
#[track_caller]
pub fn assert_carried(front: Front, got: &BTreeMap<&'static str, String>) {
    let named: Vec<&str> = got.keys().copied().collect();
    let mut decided: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
    decided.sort_unstable();
    assert_eq!(
        named, decided,
        "every field is in FIELDS, with a way per front end"
    );
    let want = expected();
    let lost: Vec<String> = FIELDS
        .iter()
        .filter(|f| f.way(front) == Carried)
        .filter(|f| got.get(f.name) != want.get(f.name))
        .map(|f| {
            format!(
                "{}: {:?}, sent {:?}",
                f.name,
                got.get(f.name),
                want.get(f.name)
            )
        })
        .collect();
    assert!(lost.is_empty(), "{front:?} lost fields: {lost:#?}");
}
