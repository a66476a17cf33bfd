//! The properties themselves, over the scenarios the parent module generates.

use super::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn only_active_available_members_inside_their_call_hours_ring(s in scenario()) {
        let b = s.build();
        let position = b.position();
        for id in b.plan.ringing() {
            let i = position[&id];
            let u = &b.users[i];
            prop_assert_eq!(u.status, UserStatus::Active, "member {} rings", i);
            prop_assert!(u.receive_calls, "member {} rings with receive calls off", i);
            prop_assert_eq!(u.availability, Availability::Available, "member {} rings", i);
            let tz = u.time_zone.time_zone();
            prop_assert!(
                open_by_reading(&b.user_slots[i], &tz, b.plan.at),
                "member {} rings at {} outside their call hours",
                i,
                b.plan.at.to_zoned(tz.clone())
            );
            prop_assert!(crate::routing::is_open_at(&u.call_hours, &tz, b.plan.at));
        }
    }

    #[test]
    fn every_excluded_member_carries_the_first_reason_that_applies(s in scenario()) {
        let b = s.build();
        let position = b.position();
        let ringing: HashSet<UserId> = b.plan.ringing().collect();
        for i in 0..b.users.len() {
            let id = b.users[i].id;
            let reported = b.plan.excluded.iter().find(|(x, _)| *x == id).map(|(_, r)| r.key());
            prop_assert_eq!(reported, b.expected_reason(i), "member {}", i);
            prop_assert_eq!(ringing.contains(&id), reported.is_none(), "member {}", i);
        }
        for (id, reason) in &b.plan.excluded {
            if let Exclusion::OutsideCallHours { local_time, .. } = reason {
                let u = &b.users[position[id]];
                prop_assert_eq!(local_time.time_zone(), &u.time_zone.time_zone());
                prop_assert_eq!(local_time.timestamp(), b.plan.at);
            }
        }
        let order: Vec<usize> = b.plan.excluded.iter().map(|(id, _)| position[id]).collect();
        prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "excluded in member order");
    }

    #[test]
    fn every_member_appears_exactly_once_and_nobody_else_appears(s in scenario()) {
        let b = s.build();
        let members: HashSet<UserId> = b.users.iter().map(|u| u.id).collect();
        let mut seen: HashMap<UserId, usize> = HashMap::new();
        for id in b.plan.ringing().chain(b.plan.excluded.iter().map(|(id, _)| *id)) {
            prop_assert!(members.contains(&id), "{} is not a member", id);
            *seen.entry(id).or_default() += 1;
        }
        for u in &b.users {
            prop_assert_eq!(seen.get(&u.id).copied(), Some(1), "member {}", u.name.as_str());
        }
        prop_assert!(b.plan.groups.iter().all(|g| !g.is_empty()), "no empty group");
    }

    #[test]
    fn a_closed_department_rings_nobody(s in scenario()) {
        let b = s.build();
        prop_assert_eq!(b.plan.open, b.department_open());
        if !b.plan.open {
            prop_assert!(b.plan.groups.is_empty());
            for (id, reason) in &b.plan.excluded {
                let key = reason.key();
                prop_assert!(
                    matches!(key, "inactive" | "pending_invite" | "receive_calls_off" | "department_closed"),
                    "{} excluded as {} while the department is closed",
                    id,
                    key
                );
            }
        }
    }

    #[test]
    fn ring_all_rings_in_one_group_and_the_other_methods_one_member_at_a_time(s in scenario()) {
        let b = s.build();
        let position = b.position();
        prop_assert_eq!(b.plan.method, b.dept.routing_method);
        let order: Vec<usize> = b.plan.ringing().map(|id| position[&id]).collect();
        match b.dept.routing_method {
            RoutingMethod::RingAll => {
                prop_assert!(b.plan.groups.len() <= 1);
                prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "member order");
            }
            method => {
                prop_assert!(b.plan.groups.iter().all(|g| g.len() == 1), "{:?}", method);
                match method {
                    RoutingMethod::Sequential => {
                        prop_assert!(order.windows(2).all(|w| w[0] < w[1]), "member order");
                    }
                    RoutingMethod::RoundRobin => {
                        // Member positions, counted from the rotation's start, increase.
                        let n = b.users.len().max(1);
                        let start = usize::try_from(s.rotation % n as u64).unwrap();
                        let shifted: Vec<usize> =
                            order.iter().map(|i| (i + n - start) % n).collect();
                        prop_assert!(shifted.windows(2).all(|w| w[0] < w[1]), "{:?}", order);
                    }
                    _ => {
                        // Never called first, then the longest idle, ties in member order.
                        let keys: Vec<_> = order.iter().map(|i| (b.idle[*i], *i)).collect();
                        prop_assert!(keys.windows(2).all(|w| w[0] < w[1]), "{:?}", keys);
                    }
                }
            }
        }
    }

    #[test]
    fn when_nobody_can_ring_the_plan_names_the_departments_fallback(s in scenario()) {
        let b = s.build();
        prop_assert_eq!(&b.plan.fallback, &b.dept.fallback);
        if b.plan.groups.is_empty() {
            prop_assert_eq!(b.plan.ringing().count(), 0);
            prop_assert_eq!(b.plan.excluded.len(), b.users.len());
        }
    }
}
