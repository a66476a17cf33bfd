//! Properties of the ring plan over generated departments, members and instants: who may
//! ring, that every member is accounted for once, closed departments, the shape of each
//! method's groups and the fallback. Call hours and business hours are checked against an
//! independent reading of the generated slots, in local wall-clock time, so daylight-saving
//! changes and slots crossing midnight are exercised on both sides.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use proptest::sample::select;

use super::{Candidate, Exclusion, RingPlan, ring_plan};
use crate::department::{Department, Fallback, RoutingMethod};
use crate::ids::{AccountId, DepartmentId, RoleId, UserId};
use crate::schedule::{SlotText, WEEKDAYS, WeeklySchedule};
use crate::user::{Availability, User, UserStatus};
use crate::values::{Extension, Name, TimeZoneName};

const TIME_ZONES: [&str; 7] = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "UTC",
    "Asia/Kathmandu",
    "America/St_Johns",
];

const MINUTES_PER_DAY: u16 = 24 * 60;

/// 2026-01-01T00:00:00Z and 2027-01-01T00:00:00Z, in seconds.
const YEAR_2026: std::ops::Range<i64> = 1_767_225_600..1_798_761_600;

/// A generated slot: weekday (0 = Monday), start minute, length in minutes. The end is
/// `start + len` wrapped to the next day, so long late slots cross midnight.
#[derive(Clone, Copy, Debug)]
struct SlotSpec {
    day: u8,
    start: u16,
    len: u16,
}

impl SlotSpec {
    /// The end minute as the schedule stores it (1..=1440; not after `start` = next day).
    fn end(self) -> u16 {
        let end = self.start + self.len;
        if end > MINUTES_PER_DAY {
            end - MINUTES_PER_DAY
        } else {
            end
        }
    }

    /// Whether local weekday `day`, minute `minute` falls inside the slot, read directly.
    fn covers(self, day: u8, minute: u16) -> bool {
        let end = self.end();
        if end > self.start {
            day == self.day && self.start <= minute && minute < end
        } else {
            (day == self.day && minute >= self.start) || (day == (self.day + 1) % 7 && minute < end)
        }
    }
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Keeps the generated slots that fit together (the schedule refuses overlaps) and returns
/// them with the schedule they make.
fn schedule(specs: &[SlotSpec]) -> (Vec<SlotSpec>, WeeklySchedule) {
    let mut kept: Vec<SlotSpec> = Vec::new();
    let mut current = WeeklySchedule::any_time();
    for spec in specs {
        let mut days: BTreeMap<String, Vec<SlotText>> = BTreeMap::new();
        for s in kept.iter().chain(std::iter::once(spec)) {
            days.entry(WEEKDAYS[usize::from(s.day)].to_owned())
                .or_default()
                .push(SlotText {
                    start: hhmm(s.start),
                    end: hhmm(s.end()),
                });
        }
        if let Ok(parsed) = WeeklySchedule::parse("hours", &days) {
            kept.push(*spec);
            current = parsed;
        }
    }
    (kept, current)
}

/// Whether the slots, read in `tz`, are open at `at` (no slots = any time).
fn open_by_reading(slots: &[SlotSpec], tz: &TimeZone, at: Timestamp) -> bool {
    if slots.is_empty() {
        return true;
    }
    let local = at.to_zoned(tz.clone());
    let day = u8::try_from(local.weekday().to_monday_zero_offset()).unwrap();
    let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap();
    slots.iter().any(|s| s.covers(day, minute))
}

#[derive(Clone, Debug)]
struct MemberSpec {
    status: UserStatus,
    receive_calls: bool,
    availability: Availability,
    call_hours: Vec<SlotSpec>,
    time_zone: &'static str,
    idle_since: Option<i64>,
}

#[derive(Clone, Debug)]
struct Scenario {
    method: RoutingMethod,
    business_hours: Vec<SlotSpec>,
    time_zone: &'static str,
    fallback: u8,
    rotation: u64,
    members: Vec<MemberSpec>,
    at: Timestamp,
}

/// A scenario made concrete: the department, its members (with the slots their schedules
/// kept) and the plan at the instant.
struct Built {
    dept: Department,
    dept_slots: Vec<SlotSpec>,
    users: Vec<User>,
    user_slots: Vec<Vec<SlotSpec>>,
    idle: Vec<Option<Timestamp>>,
    plan: RingPlan,
}

fn slot() -> impl Strategy<Value = SlotSpec> {
    (0u8..7, 0u16..MINUTES_PER_DAY, 1u16..=720).prop_map(|(day, start, len)| SlotSpec {
        day,
        start,
        len,
    })
}

fn slots() -> impl Strategy<Value = Vec<SlotSpec>> {
    prop_oneof![
        1 => Just(Vec::new()),
        3 => proptest::collection::vec(slot(), 1..8),
    ]
}

fn method() -> impl Strategy<Value = RoutingMethod> {
    select(vec![
        RoutingMethod::RingAll,
        RoutingMethod::Sequential,
        RoutingMethod::RoundRobin,
        RoutingMethod::LongestIdle,
    ])
}

fn status() -> impl Strategy<Value = UserStatus> {
    prop_oneof![
        6 => Just(UserStatus::Active),
        1 => Just(UserStatus::Inactive),
        1 => Just(UserStatus::PendingInvite),
    ]
}

fn availability() -> impl Strategy<Value = Availability> {
    prop_oneof![
        5 => Just(Availability::Available),
        1 => Just(Availability::Busy),
        1 => Just(Availability::Away),
        1 => Just(Availability::Offline),
    ]
}

fn member() -> impl Strategy<Value = MemberSpec> {
    (
        status(),
        prop::bool::weighted(0.85),
        availability(),
        slots(),
        select(TIME_ZONES.to_vec()),
        proptest::option::of(YEAR_2026),
    )
        .prop_map(
            |(status, receive_calls, availability, call_hours, time_zone, idle_since)| MemberSpec {
                status,
                receive_calls,
                availability,
                call_hours,
                time_zone,
                idle_since,
            },
        )
}

/// Every daylight-saving change of the listed zones in 2026.
fn transitions_2026() -> Vec<Timestamp> {
    let start = Timestamp::from_second(YEAR_2026.start).unwrap();
    let end = Timestamp::from_second(YEAR_2026.end).unwrap();
    let mut out = Vec::new();
    for name in TIME_ZONES {
        let tz = TimeZone::get(name).unwrap();
        out.extend(
            tz.following(start)
                .map(|t| t.timestamp())
                .take_while(|t| *t < end),
        );
    }
    assert!(out.len() >= 8, "the zones change their clocks in 2026");
    out
}

/// Any second of 2026, or one within three hours of a daylight-saving change.
fn instant() -> impl Strategy<Value = Timestamp> {
    prop_oneof![
        YEAR_2026.prop_map(|s| Timestamp::from_second(s).unwrap()),
        (select(transitions_2026()), -3 * 3600i64..3 * 3600).prop_map(|(t, offset)| {
            t.checked_add(jiff::SignedDuration::from_secs(offset))
                .unwrap()
        }),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        method(),
        prop_oneof![1 => Just(Vec::new()), 2 => proptest::collection::vec(slot(), 1..6)],
        select(TIME_ZONES.to_vec()),
        0u8..3,
        any::<u64>(),
        proptest::collection::vec(member(), 0..40),
        instant(),
    )
        .prop_map(
            |(method, business_hours, time_zone, fallback, rotation, members, at)| Scenario {
                method,
                business_hours,
                time_zone,
                fallback,
                rotation,
                members,
                at,
            },
        )
}

fn user(spec: &MemberSpec, i: usize, call_hours: WeeklySchedule) -> User {
    let created = Timestamp::from_second(YEAR_2026.start).unwrap();
    User {
        id: UserId::new(),
        account_id: AccountId::new(),
        name: Name::parse("name", &format!("Member {i}")).unwrap(),
        email: None,
        mobile: None,
        alternate_mobile: None,
        extension: Extension::parse("extension", &(100 + i).to_string()).unwrap(),
        role_id: RoleId::new(),
        panel_access: spec.status == UserStatus::PendingInvite,
        receive_calls: spec.receive_calls,
        call_hours,
        time_zone: TimeZoneName::parse("time_zone", spec.time_zone).unwrap(),
        availability: spec.availability,
        voicemail: false,
        status: spec.status,
        external_id: None,
        idp: Default::default(),
        tags: Vec::new(),
        has_signed_in: false,
        deactivate_at: None,
        version: 1,
        created_at: created,
        updated_at: created,
    }
}

impl Scenario {
    fn build(&self) -> Built {
        let (dept_slots, business_hours) = schedule(&self.business_hours);
        let fallback = match self.fallback {
            0 => Fallback::Voicemail,
            1 => Fallback::Department {
                department_id: DepartmentId::new(),
            },
            _ => Fallback::None,
        };
        let mut users = Vec::new();
        let mut user_slots = Vec::new();
        for (i, m) in self.members.iter().enumerate() {
            let (kept, hours) = schedule(&m.call_hours);
            users.push(user(m, i, hours));
            user_slots.push(kept);
        }
        let dept = Department {
            id: DepartmentId::new(),
            account_id: AccountId::new(),
            name: Name::parse("name", "Support").unwrap(),
            routing_method: self.method,
            ring_time_secs: 20,
            business_hours,
            time_zone: TimeZoneName::parse("time_zone", self.time_zone).unwrap(),
            fallback,
            members: users.iter().map(|u| u.id).collect(),
            managers: Vec::new(),
            external_id: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        };
        let idle: Vec<Option<Timestamp>> = self
            .members
            .iter()
            .map(|m| m.idle_since.map(|s| Timestamp::from_second(s).unwrap()))
            .collect();
        let candidates: Vec<Candidate<'_>> = users
            .iter()
            .zip(&idle)
            .map(|(user, idle_since)| Candidate {
                user,
                idle_since: *idle_since,
            })
            .collect();
        let plan = ring_plan(&dept, &candidates, self.at, self.rotation);
        Built {
            dept,
            dept_slots,
            users,
            user_slots,
            idle,
            plan,
        }
    }
}

impl Built {
    fn department_open(&self) -> bool {
        open_by_reading(
            &self.dept_slots,
            &self.dept.time_zone.time_zone(),
            self.plan.at,
        )
    }

    /// The reason member `i` must not ring, read independently of the plan, in the order
    /// the plan reports them; `None` when they must ring.
    fn expected_reason(&self, i: usize) -> Option<&'static str> {
        let u = &self.users[i];
        match u.status {
            UserStatus::Inactive => return Some("inactive"),
            UserStatus::PendingInvite => return Some("pending_invite"),
            UserStatus::Active => {}
        }
        if !u.receive_calls {
            return Some("receive_calls_off");
        }
        if !self.department_open() {
            return Some("department_closed");
        }
        if !open_by_reading(&self.user_slots[i], &u.time_zone.time_zone(), self.plan.at) {
            return Some("outside_call_hours");
        }
        match u.availability {
            Availability::Available => None,
            Availability::Busy => Some("availability_busy"),
            Availability::Away => Some("availability_away"),
            Availability::Offline => Some("availability_offline"),
        }
    }

    fn position(&self) -> HashMap<UserId, usize> {
        self.users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id, i))
            .collect()
    }
}

mod checks;
