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
