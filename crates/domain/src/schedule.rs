//! Weekly schedules (a user's call hours, a department's business hours): time slots per
//! weekday in local time. A slot whose end is not after its start crosses midnight into the
//! next day. An empty schedule means "any time".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};

/// Days of the week, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

const MINUTES_PER_DAY: u32 = 24 * 60;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;

/// One time slot on one weekday, in minutes since local midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    /// 0 = Monday ... 6 = Sunday.
    pub day: u8,
    /// Start, minutes after midnight (0..1440).
    pub start: u16,
    /// End, minutes after midnight (1..=1440); not after `start` = ends the next day.
    pub end: u16,
}

impl Slot {
    /// The slot as a half-open interval of minutes since Monday 00:00.
    fn week_interval(&self) -> (u32, u32) {
        let start = u32::from(self.day) * MINUTES_PER_DAY + u32::from(self.start);
        let mut len = i64::from(self.end) - i64::from(self.start);
        if len <= 0 {
            len += i64::from(MINUTES_PER_DAY);
        }
        (start, start + u32::try_from(len).unwrap_or(0))
    }
}

/// The wire form of a slot: `{"start": "09:00", "end": "17:30"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotText {
    /// `HH:MM`, 24-hour.
    pub start: String,
    /// `HH:MM`, 24-hour; `24:00` is the end of the day.
    pub end: String,
}

/// A validated weekly schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeeklySchedule {
    slots: Vec<Slot>,
}

fn parse_hhmm(field: &str, s: &str, allow_24: bool) -> Result<u16, FieldError> {
    let bad = || {
        FieldError::new(
            field,
            "invalid",
            format!("{s:?} is not a time of day in HH:MM form"),
        )
    };
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u16 = h.parse().map_err(|_| bad())?;
    let m: u16 = m.parse().map_err(|_| bad())?;
    if m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn format_hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl WeeklySchedule {
    /// The "any time" schedule.
    pub fn any_time() -> Self {
        Self::default()
    }

    /// Parses the wire form: weekday name → slots. Slots may not overlap (across days too,
    /// for slots crossing midnight). Errors name the field, e.g. `call_hours.monday[1]`.
    pub fn parse(field: &str, days: &BTreeMap<String, Vec<SlotText>>) -> Result<Self, DomainError> {
        let mut errors = Vec::new();
        let mut slots = Vec::new();
        for (day_name, day_slots) in days {
            let key = day_name.trim().to_lowercase();
            let Some(day) = WEEKDAYS.iter().position(|d| *d == key) else {
                errors.push(FieldError::new(
                    format!("{field}.{day_name}"),
                    "invalid",
                    "is not a weekday; use monday ... sunday",
                ));
                continue;
            };
            for (i, slot) in day_slots.iter().enumerate() {
                let at = format!("{field}.{key}[{i}]");
                let start = parse_hhmm(&at, &slot.start, false);
                let end = parse_hhmm(&at, &slot.end, true);
                match (start, end) {
                    (Ok(start), Ok(end)) if start == end => errors.push(FieldError::new(
                        at,
                        "invalid",
                        "the slot starts and ends at the same time",
                    )),
                    (Ok(start), Ok(end)) => slots.push(Slot {
                        day: u8::try_from(day).unwrap_or(0),
                        start,
                        end,
                    }),
                    (Err(e), _) | (_, Err(e)) => errors.push(e),
                }
            }
        }
        slots.sort();
        for (i, a) in slots.iter().enumerate() {
            for b in &slots[i + 1..] {
                if overlaps(a, b) {
                    errors.push(FieldError::new(
                        format!("{field}.{}", WEEKDAYS[usize::from(b.day)]),
                        "overlap",
                        format!(
                            "slot {}-{} on {} overlaps slot {}-{} on {}",
                            format_hhmm(b.start),
                            format_hhmm(b.end),
                            WEEKDAYS[usize::from(b.day)],
                            format_hhmm(a.start),
                            format_hhmm(a.end),
                            WEEKDAYS[usize::from(a.day)],
                        ),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(Self { slots })
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    /// The wire form.
    pub fn to_text(&self) -> BTreeMap<String, Vec<SlotText>> {
        let mut out: BTreeMap<String, Vec<SlotText>> = BTreeMap::new();
        for s in &self.slots {
            out.entry(WEEKDAYS[usize::from(s.day)].to_owned())
                .or_default()
                .push(SlotText {
                    start: format_hhmm(s.start),
                    end: format_hhmm(s.end),
                });
        }
        out
    }

    /// The wire form as JSON text (how it is stored).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_text()).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Reads the stored JSON form back; invalid text reads as "any time".
    pub fn from_json(text: &str) -> Self {
        serde_json::from_str::<BTreeMap<String, Vec<SlotText>>>(text)
            .ok()
            .and_then(|days| Self::parse("schedule", &days).ok())
            .unwrap_or_default()
    }

    /// Whether no slot is set, i.e. any time is allowed.
    pub fn is_any_time(&self) -> bool {
        self.slots.is_empty()
    }

    /// The slots, ordered by day and start.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Whether the local weekday (0 = Monday) and minute of day fall inside a slot.
    pub fn is_open(&self, day: u8, minute: u16) -> bool {
        if self.slots.is_empty() {
            return true;
        }
        let t = u32::from(day) * MINUTES_PER_DAY + u32::from(minute);
        self.slots.iter().any(|s| {
            let (a, b) = s.week_interval();
            (a <= t && t < b) || (b > MINUTES_PER_WEEK && t < b - MINUTES_PER_WEEK)
        })
    }
}

/// Whether two slots overlap on the weekly circle (Sunday night runs into Monday).
fn overlaps(a: &Slot, b: &Slot) -> bool {
    let (a0, a1) = a.week_interval();
    let (b0, b1) = b.week_interval();
    let hit = |x0: u32, x1: u32, y0: u32, y1: u32| x0 < y1 && y0 < x1;
    hit(a0, a1, b0, b1)
        || hit(a0 + MINUTES_PER_WEEK, a1 + MINUTES_PER_WEEK, b0, b1)
        || hit(a0, a1, b0 + MINUTES_PER_WEEK, b1 + MINUTES_PER_WEEK)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(spec: &[(&str, &str, &str)]) -> BTreeMap<String, Vec<SlotText>> {
        let mut m: BTreeMap<String, Vec<SlotText>> = BTreeMap::new();
        for (d, s, e) in spec {
            m.entry((*d).to_owned()).or_default().push(SlotText {
                start: (*s).to_owned(),
                end: (*e).to_owned(),
            });
        }
        m
    }

    #[test]
    fn a_valid_schedule_round_trips() {
        let s = WeeklySchedule::parse(
            "call_hours",
            &days(&[
                ("monday", "09:00", "13:00"),
                ("monday", "14:00", "18:00"),
                ("friday", "22:00", "02:00"),
            ]),
        )
        .unwrap();
        assert_eq!(WeeklySchedule::from_json(&s.to_json()), s);
        assert!(s.is_open(0, 9 * 60));
        assert!(!s.is_open(0, 13 * 60 + 30));
        assert!(
            s.is_open(5, 60),
            "Friday's slot crosses midnight into Saturday"
        );
        assert!(!s.is_open(5, 2 * 60));
    }

    #[test]
    fn overlapping_slots_are_refused_with_the_field() {
        let err = WeeklySchedule::parse(
            "call_hours",
            &days(&[("monday", "09:00", "13:00"), ("monday", "12:00", "18:00")]),
        )
        .unwrap_err();
        let DomainError::Validation(errors) = err else {
            panic!("expected validation")
        };
        assert_eq!(errors[0].field, "call_hours.monday");
        assert_eq!(errors[0].code, "overlap");
    }

    #[test]
    fn a_slot_crossing_midnight_overlaps_the_next_morning() {
        let err = WeeklySchedule::parse(
            "call_hours",
            &days(&[("sunday", "22:00", "03:00"), ("monday", "02:00", "05:00")]),
        );
        assert!(err.is_err());
    }

    #[test]
    fn bad_times_and_days_are_refused() {
        for (d, s, e) in [
            ("monday", "9:00", "17:00"),
            ("monday", "09:00", "24:30"),
            ("funday", "09:00", "10:00"),
            ("monday", "10:00", "10:00"),
            ("monday", "24:00", "10:00"),
        ] {
            assert!(
                WeeklySchedule::parse("call_hours", &days(&[(d, s, e)])).is_err(),
                "{d} {s} {e}"
            );
        }
    }
}
