//! The behaviour suite for Switchboard's rules (SPEC §2), run on SQLite and PostgreSQL.
//!
//! - `edit`: adding and editing users, permissions and department scope;
//! - `life`: the user life cycle, deletion, replacement, resources and the audit chain;
//! - `mail`: delivering the outbox and the scheduler;
//! - `race`: rules that must hold under simultaneous requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod edit;
mod life;
mod mail;
mod race;
mod routing;
mod smoke;
