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

/// A member as the ring plan needs them: the user and when they last finished a call.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    /// The member.
    pub user: &'a User,
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
fn exclusion(c: &Candidate<'_>, at: Timestamp, closed: Option<&Exclusion>) -> Option<Exclusion> {
    let u = c.user;
    match u.status {
        UserStatus::Inactive => return Some(Exclusion::Inactive),
        UserStatus::PendingInvite => return Some(Exclusion::PendingInvite),
        UserStatus::Active => {}
    }
    if !u.receive_calls {
        return Some(Exclusion::ReceiveCallsOff);
    }
    if let Some(closed) = closed {
        return Some(closed.clone());
    }
    let tz = u.time_zone.time_zone();
    if !is_open_at(&u.call_hours, &tz, at) {
        return Some(Exclusion::OutsideCallHours {
            local_time: at.to_zoned(tz.clone()),
            next_opening: next_opening(&u.call_hours, &tz, at),
        });
    }
    if u.availability != Availability::Available {
        return Some(Exclusion::Availability(u.availability));
    }
    None
}

/// The ring plan of `dept` at `at`. `members` are the department's members in ring order;
/// `rotation` is how many calls round robin has handed out so far (the first member to
/// ring is the next one after the last call's).
pub fn ring_plan(
    dept: &Department,
    members: &[Candidate<'_>],
    at: Timestamp,
    rotation: u64,
) -> RingPlan {
    let dept_tz = dept.time_zone.time_zone();
    let open = is_open_at(&dept.business_hours, &dept_tz, at);
    let closed = (!open).then(|| Exclusion::DepartmentClosed {
        next_opening: next_opening(&dept.business_hours, &dept_tz, at),
    });
    let mut eligible: Vec<(usize, &Candidate<'_>)> = Vec::new();
    let mut excluded = Vec::new();
    for (i, c) in members.iter().enumerate() {
        match exclusion(c, at, closed.as_ref()) {
            Some(reason) => excluded.push((c.user.id, reason)),
            None => eligible.push((i, c)),
        }
    }
    let groups = match dept.routing_method {
        RoutingMethod::RingAll => {
            if eligible.is_empty() {
                Vec::new()
            } else {
                vec![eligible.iter().map(|(_, c)| c.user.id).collect()]
            }
        }
        RoutingMethod::Sequential => eligible.iter().map(|(_, c)| vec![c.user.id]).collect(),
        RoutingMethod::RoundRobin => {
            // Rotate over member positions, so a member who cannot ring keeps their place
            // in the rotation and the next call starts after the previous call's start.
            let n = members.len().max(1);
            let start = usize::try_from(rotation % n as u64).unwrap_or(0);
            let mut order: Vec<_> = eligible.clone();
            order.sort_by_key(|(i, _)| (i + n - start) % n);
            order.iter().map(|(_, c)| vec![c.user.id]).collect()
        }
        RoutingMethod::LongestIdle => {
            let mut order: Vec<_> = eligible.clone();
            // Never rung first, then the longest since their last call; ties by member order.
            order.sort_by_key(|(i, c)| (c.idle_since, *i));
            order.iter().map(|(_, c)| vec![c.user.id]).collect()
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
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ids::{AccountId, DepartmentId, RoleId};
    use crate::schedule::SlotText;
    use crate::values::{Extension, Name, TimeZoneName};

    fn schedule(days: &[(&str, &str, &str)]) -> WeeklySchedule {
        let mut map: BTreeMap<String, Vec<SlotText>> = BTreeMap::new();
        for (d, s, e) in days {
            map.entry((*d).to_owned()).or_default().push(SlotText {
                start: (*s).to_owned(),
                end: (*e).to_owned(),
            });
        }
        WeeklySchedule::parse("call_hours", &map).unwrap()
    }

    fn user(name: &str, tz: &str) -> User {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        User {
            id: UserId::new(),
            account_id: AccountId::new(),
            name: Name::parse("name", name).unwrap(),
            email: None,
            mobile: None,
            alternate_mobile: None,
            extension: Extension::parse("extension", "101").unwrap(),
            role_id: RoleId::new(),
            panel_access: false,
            receive_calls: true,
            call_hours: WeeklySchedule::any_time(),
            time_zone: TimeZoneName::parse("tz", tz).unwrap(),
            availability: Availability::Available,
            voicemail: false,
            status: UserStatus::Active,
            external_id: None,
            idp: Default::default(),
            tags: Vec::new(),
            has_signed_in: false,
            deactivate_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn dept(method: RoutingMethod, tz: &str) -> Department {
        Department {
            id: DepartmentId::new(),
            account_id: AccountId::new(),
            name: Name::parse("name", "Support").unwrap(),
            routing_method: method,
            ring_time_secs: 20,
            business_hours: WeeklySchedule::any_time(),
            time_zone: TimeZoneName::parse("tz", tz).unwrap(),
            fallback: Fallback::Voicemail,
            members: Vec::new(),
            managers: Vec::new(),
            external_id: None,
            created_at: jiff::Timestamp::UNIX_EPOCH,
            updated_at: jiff::Timestamp::UNIX_EPOCH,
        }
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn cands(users: &[User]) -> Vec<Candidate<'_>> {
        users
            .iter()
            .map(|user| Candidate {
                user,
                idle_since: None,
            })
            .collect()
    }

    fn names(plan: &RingPlan, users: &[User]) -> Vec<Vec<String>> {
        plan.groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|id| users.iter().find(|u| u.id == *id).unwrap().name.to_string())
                    .collect()
            })
            .collect()
    }

    fn reasons(plan: &RingPlan, users: &[User]) -> Vec<(String, &'static str)> {
        plan.excluded
            .iter()
            .map(|(id, r)| {
                let n = users.iter().find(|u| u.id == *id).unwrap().name.to_string();
                (n, r.key())
            })
            .collect()
    }

    #[test]
    fn each_method_orders_the_members_who_can_ring() {
        let users: Vec<User> = ["Asha", "Bala", "Chen", "Dara"]
            .iter()
            .map(|n| user(n, "UTC"))
            .collect();
        let t = at("2026-06-01T10:00:00Z");
        let c = cands(&users);

        let all = ring_plan(&dept(RoutingMethod::RingAll, "UTC"), &c, t, 0);
        assert_eq!(names(&all, &users), [vec!["Asha", "Bala", "Chen", "Dara"]]);

        let seq = ring_plan(&dept(RoutingMethod::Sequential, "UTC"), &c, t, 0);
        assert_eq!(
            names(&seq, &users),
            [["Asha"], ["Bala"], ["Chen"], ["Dara"]]
        );

        let rr = ring_plan(&dept(RoutingMethod::RoundRobin, "UTC"), &c, t, 6);
        assert_eq!(names(&rr, &users), [["Chen"], ["Dara"], ["Asha"], ["Bala"]]);

        let mut idle = c.clone();
        idle[0].idle_since = Some(at("2026-06-01T09:59:00Z"));
        idle[1].idle_since = Some(at("2026-06-01T08:00:00Z"));
        idle[3].idle_since = Some(at("2026-06-01T09:00:00Z"));
        let li = ring_plan(&dept(RoutingMethod::LongestIdle, "UTC"), &idle, t, 0);
        assert_eq!(names(&li, &users), [["Chen"], ["Bala"], ["Dara"], ["Asha"]]);
    }

    #[test]
    fn round_robin_keeps_places_of_members_who_cannot_ring() {
        let mut users: Vec<User> = ["Asha", "Bala", "Chen"]
            .iter()
            .map(|n| user(n, "UTC"))
            .collect();
        users[1].availability = Availability::Busy;
        let c = cands(&users);
        let d = dept(RoutingMethod::RoundRobin, "UTC");
        let t = at("2026-06-01T10:00:00Z");
        assert_eq!(
            names(&ring_plan(&d, &c, t, 1), &users),
            [["Chen"], ["Asha"]]
        );
        assert_eq!(
            names(&ring_plan(&d, &c, t, 2), &users),
            [["Chen"], ["Asha"]]
        );
        assert_eq!(
            names(&ring_plan(&d, &c, t, 3), &users),
            [["Asha"], ["Chen"]]
        );
    }

    #[test]
    fn every_reason_is_reported_and_the_first_that_applies_wins() {
        let mut users: Vec<User> = [
            "Inactive", "Pending", "NoCalls", "Hours", "Busy", "Away", "Offline", "Ready",
        ]
        .iter()
        .map(|n| user(n, "UTC"))
        .collect();
        users[0].status = UserStatus::Inactive;
        users[0].receive_calls = false;
        users[1].status = UserStatus::PendingInvite;
        users[2].receive_calls = false;
        users[3].call_hours = schedule(&[("monday", "12:00", "13:00")]);
        users[3].availability = Availability::Busy;
        users[4].availability = Availability::Busy;
        users[5].availability = Availability::Away;
        users[6].availability = Availability::Offline;
        let plan = ring_plan(
            &dept(RoutingMethod::RingAll, "UTC"),
            &cands(&users),
            at("2026-06-01T10:00:00Z"),
            0,
        );
        assert_eq!(names(&plan, &users), [vec!["Ready"]]);
        assert_eq!(
            reasons(&plan, &users),
            [
                ("Inactive".to_owned(), "inactive"),
                ("Pending".to_owned(), "pending_invite"),
                ("NoCalls".to_owned(), "receive_calls_off"),
                ("Hours".to_owned(), "outside_call_hours"),
                ("Busy".to_owned(), "availability_busy"),
                ("Away".to_owned(), "availability_away"),
                ("Offline".to_owned(), "availability_offline"),
            ]
        );
        let Exclusion::OutsideCallHours {
            local_time,
            next_opening,
        } = &plan.excluded[3].1
        else {
            panic!("not outside call hours");
        };
        assert_eq!(local_time.hour(), 10);
        assert_eq!(*next_opening, Some(at("2026-06-01T12:00:00Z")));
    }

    #[test]
    fn a_closed_department_rings_nobody_and_says_when_it_opens() {
        let users = vec![user("Asha", "UTC"), user("Bala", "UTC")];
        let mut d = dept(RoutingMethod::RingAll, "Europe/London");
        d.business_hours = schedule(&[("monday", "09:00", "17:00")]);
        // Monday 2026-06-01 08:30 in London (BST, UTC+1) = 07:30Z.
        let plan = ring_plan(&d, &cands(&users), at("2026-06-01T07:30:00Z"), 0);
        assert!(!plan.open);
        assert!(plan.groups.is_empty());
        assert_eq!(plan.fallback, Fallback::Voicemail);
        assert!(plan.excluded.iter().all(|(_, r)| *r
            == Exclusion::DepartmentClosed {
                next_opening: Some(at("2026-06-01T08:00:00Z"))
            }));
        let open = ring_plan(&d, &cands(&users), at("2026-06-01T08:00:00Z"), 0);
        assert!(open.open);
        assert_eq!(open.groups[0].len(), 2);
    }

    #[test]
    fn call_hours_follow_daylight_saving_in_new_york_and_london() {
        // 09:00-17:00 on Sunday 8 March 2026 (US spring forward at 02:00) and on
        // Sunday 29 March 2026 (UK spring forward at 01:00).
        let mut ny = user("Nia", "America/New_York");
        ny.call_hours = schedule(&[("sunday", "09:00", "17:00"), ("saturday", "09:00", "17:00")]);
        let mut ldn = user("Lou", "Europe/London");
        ldn.call_hours = schedule(&[("sunday", "09:00", "17:00"), ("saturday", "09:00", "17:00")]);
        let users = vec![ny, ldn];
        let d = dept(RoutingMethod::RingAll, "UTC");
        let rings = |t: &str| {
            let plan = ring_plan(&d, &cands(&users), at(t), 0);
            names(&plan, &users).concat()
        };
        // Saturday 09:30 EST is 14:30Z; Sunday 09:30 EDT is 13:30Z (not 14:30Z).
        assert!(rings("2026-03-07T14:30:00Z").contains(&"Nia".to_owned()));
        assert!(rings("2026-03-08T13:30:00Z").contains(&"Nia".to_owned()));
        assert!(!rings("2026-03-08T12:30:00Z").contains(&"Nia".to_owned()));
        // London: Saturday 09:30 GMT = 09:30Z; Sunday 09:30 BST = 08:30Z.
        assert!(rings("2026-03-28T09:30:00Z").contains(&"Lou".to_owned()));
        assert!(rings("2026-03-29T08:30:00Z").contains(&"Lou".to_owned()));
        assert!(!rings("2026-03-29T07:30:00Z").contains(&"Lou".to_owned()));
        // Autumn: Sunday 1 November 2026 09:30 EST = 14:30Z.
        assert!(rings("2026-11-01T14:30:00Z").contains(&"Nia".to_owned()));
        assert!(!rings("2026-11-01T13:30:00Z").contains(&"Nia".to_owned()));
    }

    #[test]
    fn a_slot_starting_in_the_spring_forward_gap_opens_when_the_clocks_reach_it() {
        let tz = TimeZone::get("America/New_York").unwrap();
        let s = schedule(&[("sunday", "02:30", "04:00")]);
        // Saturday noon EST; the slot's 02:30 does not exist on 8 March: it opens at 03:30 EDT.
        let next = next_opening(&s, &tz, at("2026-03-07T17:00:00Z")).unwrap();
        assert_eq!(next, at("2026-03-08T07:30:00Z"));
    }

    #[test]
    fn a_slot_crossing_midnight_covers_the_early_hours_of_the_next_day() {
        let mut night = user("Noor", "Asia/Kolkata");
        night.call_hours = schedule(&[("friday", "22:00", "06:00")]);
        let users = vec![night];
        let d = dept(RoutingMethod::RingAll, "UTC");
        let rings = |t: &str| !ring_plan(&d, &cands(&users), at(t), 0).groups.is_empty();
        // Saturday 2026-06-06 03:00 IST = Friday 21:30Z.
        assert!(rings("2026-06-05T21:30:00Z"));
        // Friday 21:59 IST = 16:29Z: closed, opens at 22:00 IST = 16:30Z.
        assert!(!rings("2026-06-05T16:29:00Z"));
        // Saturday 06:00 IST = 00:30Z: closed again.
        assert!(!rings("2026-06-06T00:30:00Z"));
        let plan = ring_plan(&d, &cands(&users), at("2026-06-05T16:29:00Z"), 0);
        let Exclusion::OutsideCallHours { next_opening, .. } = &plan.excluded[0].1 else {
            panic!("not outside call hours");
        };
        assert_eq!(*next_opening, Some(at("2026-06-05T16:30:00Z")));
    }

    #[test]
    fn a_user_in_another_time_zone_than_the_department_uses_their_own_clock() {
        let mut remote = user("Rui", "Asia/Kolkata");
        remote.call_hours = schedule(&[("monday", "09:00", "18:00")]);
        let mut d = dept(RoutingMethod::RingAll, "America/New_York");
        d.business_hours = schedule(&[("monday", "00:00", "24:00")]);
        let users = vec![remote];
        // Monday 2026-06-01 09:30 IST = 04:00Z = Monday 00:00 EDT: both open.
        let plan = ring_plan(&d, &cands(&users), at("2026-06-01T04:00:00Z"), 0);
        assert!(plan.open);
        assert_eq!(plan.groups.len(), 1);
        // Monday 18:30 IST = 13:00Z: the department is open, Rui is not.
        let plan = ring_plan(&d, &cands(&users), at("2026-06-01T13:00:00Z"), 0);
        assert!(plan.open);
        assert_eq!(reasons(&plan, &users)[0].1, "outside_call_hours");
    }
}
