//! A weekly schedule as a form shows it: one text field per weekday holding its slots,
//! such as `09:00-13:00, 14:00-18:00`. Users' call hours and departments' business hours
//! both use it.

use std::collections::BTreeMap;

use switchboard_domain::FieldError;
use switchboard_domain::schedule::{SlotText, WEEKDAYS};

use super::shell::FormData;

/// Weekday keys with the label the form shows.
const DAYS: [(&str, &str); 7] = [
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];

/// Weekday keys are the domain's.
const _: () = assert!(WEEKDAYS.len() == DAYS.len());

/// One weekday's slots as typed.
#[derive(Clone, Debug)]
pub(crate) struct DayHours {
    pub key: &'static str,
    pub label: &'static str,
    pub text: String,
}

/// The week as text fields, from the domain's slots.
pub(crate) fn week_text(days: &BTreeMap<String, Vec<SlotText>>) -> Vec<DayHours> {
    DAYS.iter()
        .map(|(key, label)| DayHours {
            key,
            label,
            text: days
                .get(*key)
                .map(|slots| {
                    slots
                        .iter()
                        .map(|s| format!("{}-{}", s.start, s.end))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// The week as posted in the fields `hours_<day>`.
pub(crate) fn week_posted(f: &FormData) -> Vec<DayHours> {
    DAYS.iter()
        .map(|(key, label)| DayHours {
            key,
            label,
            text: f.text(&format!("hours_{key}")),
        })
        .collect()
}

/// The week as the domain reads it; a day written in a way that cannot be read is
/// reported under `<field>.<day>`.
pub(crate) fn week_slots(
    field: &str,
    week: &[DayHours],
) -> Result<BTreeMap<String, Vec<SlotText>>, Vec<FieldError>> {
    let mut days = BTreeMap::new();
    let mut errors = Vec::new();
    for d in week {
        let mut slots = Vec::new();
        for part in d.text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('-') {
                Some((start, end)) => slots.push(SlotText {
                    start: start.trim().to_owned(),
                    end: end.trim().to_owned(),
                }),
                None => errors.push(FieldError::new(
                    format!("{field}.{}", d.key),
                    "invalid",
                    "write each slot as start-end, such as 09:00-18:00",
                )),
            }
        }
        if !slots.is_empty() {
            days.insert(d.key.to_owned(), slots);
        }
    }
    if errors.is_empty() {
        Ok(days)
    } else {
        Err(errors)
    }
}
