//! The ring plan (SPEC §3): for a department at an instant, the ordered groups of members
//! to ring under its routing method, and every member who would not ring with the reason.
//! Call hours are read in each user's own time zone and business hours in the department's,
//! so daylight-saving changes and slots that cross midnight are handled by the calendar,
//! not by fixed offsets.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

use crate::department::{Department, Fallback, RoutingMethod};
use crate::ids::UserId;
use crate::schedule::WeeklySchedule;
use crate::user::{Availability, User, UserStatus};

/// What the ring plan reads of a member: a whole [`User`], or the few columns the call
/// route reads on every incoming call.
pub trait Ringable {
    /// The user's id.
    fn id(&self) -> UserId;
    /// Active, invited or deactivated.
    fn status(&self) -> UserStatus;
    /// Whether Receive calls is on.
    fn receive_calls(&self) -> bool;
    /// Their call hours, in their time zone.
    fn call_hours(&self) -> &WeeklySchedule;
    /// Their time zone.
    fn time_zone(&self) -> TimeZone;
    /// Available, busy, away or offline.
    fn availability(&self) -> Availability;
}

impl Ringable for User {
    fn id(&self) -> UserId {
        self.id
    }
    fn status(&self) -> UserStatus {
        self.status
    }
    fn receive_calls(&self) -> bool {
        self.receive_calls
    }
    fn call_hours(&self) -> &WeeklySchedule {
        &self.call_hours
    }
    fn time_zone(&self) -> TimeZone {
        self.time_zone.time_zone()
    }
    fn availability(&self) -> Availability {
        self.availability
    }
}

/// A member as the ring plan needs them: the user and when they last finished a call.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a, U: Ringable = User> {
    /// The member.
    pub user: &'a U,
    /// When their last answered call ended (longest idle); `None` = never.
    pub idle_since: Option<Timestamp>,
}

/// Why a member would not ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// Deactivated.
    Inactive,
    /// Has not accepted their invite yet.
    PendingInvite,
    /// Receive calls is off.
    ReceiveCallsOff,
    /// The department is outside its business hours.
    DepartmentClosed {
        /// When it opens next, if ever.
        next_opening: Option<Timestamp>,
    },
    /// Outside the member's call hours.
    OutsideCallHours {
        /// The member's local time at the instant.
        local_time: Zoned,
        /// When their call hours open next, if ever.
        next_opening: Option<Timestamp>,
    },
    /// Their availability is busy, away or offline.
    Availability(Availability),
}

impl Exclusion {
    /// The stable reason key (`outside_call_hours`, `availability_busy`, …).
    pub fn key(&self) -> &'static str {
        match self {
            Self::Inactive => "inactive",
            Self::PendingInvite => "pending_invite",
            Self::ReceiveCallsOff => "receive_calls_off",
            Self::DepartmentClosed { .. } => "department_closed",
            Self::OutsideCallHours { .. } => "outside_call_hours",
            Self::Availability(Availability::Busy) => "availability_busy",
            Self::Availability(Availability::Away) => "availability_away",
            Self::Availability(Availability::Offline) => "availability_offline",
            Self::Availability(Availability::Available) => "availability_available",
        }
    }
}

/// The ring plan of a department at an instant.
#[derive(Clone, Debug)]
pub struct RingPlan {
    /// The instant evaluated.
    pub at: Timestamp,
    /// The department's method.
    pub method: RoutingMethod,
    /// Whether the department is inside its business hours.
    pub open: bool,
    /// Groups rung one after another; everyone in a group rings at once.
    pub groups: Vec<Vec<UserId>>,
    /// Members who would not ring, in member order, each with the first reason that applies.
    pub excluded: Vec<(UserId, Exclusion)>,
    /// What happens when nobody can ring (`groups` is empty), or after every group.
    pub fallback: Fallback,
}

impl RingPlan {
    /// Everyone who would ring, in order.
    pub fn ringing(&self) -> impl Iterator<Item = UserId> + '_ {
        self.groups.iter().flatten().copied()
    }
}

/// Monday = 0 … Sunday = 6, and the minute of the day, of a local time.
fn local_slot_position(z: &Zoned) -> (u8, u16) {
    let day = z.weekday().to_monday_zero_offset();
    let minute = i32::from(z.hour()) * 60 + i32::from(z.minute());
    (
        u8::try_from(day).unwrap_or(0),
        u16::try_from(minute).unwrap_or(0),
    )
}

/// Whether `schedule`, read in `tz`, is open at `at`.
pub fn is_open_at(schedule: &WeeklySchedule, tz: &TimeZone, at: Timestamp) -> bool {
    if schedule.is_any_time() {
        return true;
    }
    let (day, minute) = local_slot_position(&at.to_zoned(tz.clone()));
    schedule.is_open(day, minute)
}

/// The first instant after `at` at which `schedule` (read in `tz`) opens, within the next
/// eight days; `None` when it never opens. A slot starting in a daylight-saving gap opens
/// when the clocks reach it (the first valid local time after the jump).
pub fn next_opening(schedule: &WeeklySchedule, tz: &TimeZone, at: Timestamp) -> Option<Timestamp> {
    if schedule.is_any_time() {
        return None;
    }
    let today: Date = at.to_zoned(tz.clone()).date();
    let mut best: Option<Timestamp> = None;
    for offset in 0..=8i32 {
        let Ok(date) = today.checked_add(offset.days()) else {
            continue;
        };
        let weekday = u8::try_from(date.weekday().to_monday_zero_offset()).unwrap_or(0);
        for slot in schedule.slots().iter().filter(|s| s.day == weekday) {
            let (h, m) = (slot.start / 60, slot.start % 60);
            let Ok(time) = Time::new(
                i8::try_from(h).unwrap_or(0),
                i8::try_from(m).unwrap_or(0),
                0,
                0,
            ) else {
                continue;
            };
            let Ok(start) = date.to_datetime(time).to_zoned(tz.clone()) else {
                continue;
            };
            let t = start.timestamp();
            if t > at && best.is_none_or(|b| t < b) {
                best = Some(t);
            }
        }
        if best.is_some() {
            break;
        }
    }
    best
}

/// The first reason, in order of importance, that `c` would not ring at `at`; `None` when
/// they would ring.
fn exclusion<U: Ringable>(
    c: &Candidate<'_, U>,
    at: Timestamp,
    closed: Option<&Exclusion>,
) -> Option<Exclusion> {
    let u = c.user;
    match u.status() {
        UserStatus::Inactive => return Some(Exclusion::Inactive),
        UserStatus::PendingInvite => return Some(Exclusion::PendingInvite),
        UserStatus::Active => {}
    }
    if !u.receive_calls() {
        return Some(Exclusion::ReceiveCallsOff);
    }
    if let Some(closed) = closed {
        return Some(closed.clone());
    }
    let hours = u.call_hours();
    if !hours.is_any_time() {
        let tz = u.time_zone();
        if !is_open_at(hours, &tz, at) {
            return Some(Exclusion::OutsideCallHours {
                local_time: at.to_zoned(tz.clone()),
                next_opening: next_opening(hours, &tz, at),
            });
        }
    }
    let availability = u.availability();
    if availability != Availability::Available {
        return Some(Exclusion::Availability(availability));
    }
    None
}

/// Why `user` would not ring at `at` on a direct call (R17: status, receive calls, call
/// hours, availability); `None` when they would.
pub fn user_exclusion<U: Ringable>(user: &U, at: Timestamp) -> Option<Exclusion> {
    let c = Candidate {
        user,
        idle_since: None,
    };
    exclusion(&c, at, None)
}

/// The ring plan of `dept` at `at`. `members` are the department's members in ring order;
/// `rotation` is how many calls round robin has handed out so far (the first member to
/// ring is the next one after the last call's).
pub fn ring_plan<U: Ringable>(
    dept: &Department,
    members: &[Candidate<'_, U>],
    at: Timestamp,
    rotation: u64,
) -> RingPlan {
    let dept_tz = dept.time_zone.time_zone();
    let open = is_open_at(&dept.business_hours, &dept_tz, at);
    let closed = (!open).then(|| Exclusion::DepartmentClosed {
        next_opening: next_opening(&dept.business_hours, &dept_tz, at),
    });
    let mut eligible: Vec<(usize, &Candidate<'_, U>)> = Vec::new();
    let mut excluded = Vec::new();
    for (i, c) in members.iter().enumerate() {
        match exclusion(c, at, closed.as_ref()) {
            Some(reason) => excluded.push((c.user.id(), reason)),
            None => eligible.push((i, c)),
        }
    }
    let groups = match dept.routing_method {
        RoutingMethod::RingAll => {
            if eligible.is_empty() {
                Vec::new()
            } else {
                vec![eligible.iter().map(|(_, c)| c.user.id()).collect()]
            }
        }
        RoutingMethod::Sequential => eligible.iter().map(|(_, c)| vec![c.user.id()]).collect(),
        RoutingMethod::RoundRobin => {
            // Rotate over member positions, so a member who cannot ring keeps their place
            // in the rotation and the next call starts after the previous call's start.
            let n = members.len().max(1);
            let start = usize::try_from(rotation % n as u64).unwrap_or(0);
            let mut order: Vec<_> = eligible.clone();
            order.sort_by_key(|(i, _)| (i + n - start) % n);
            order.iter().map(|(_, c)| vec![c.user.id()]).collect()
        }
        RoutingMethod::LongestIdle => {
            let mut order: Vec<_> = eligible.clone();
            // Never rung first, then the longest since their last call; ties by member order.
            order.sort_by_key(|(i, c)| (c.idle_since, *i));
            order.iter().map(|(_, c)| vec![c.user.id()]).collect()
        }
    };
    RingPlan {
        at,
        method: dept.routing_method,
        open,
        groups,
        excluded,
        fallback: dept.fallback.clone(),
    }
}

#[cfg(test)]
mod properties;

#[cfg(test)]
mod tests;
