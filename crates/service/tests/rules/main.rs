//! The behaviour suite for Switchboard's rules (SPEC §2), run on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod smoke;
