#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Integration tests of the store on both databases. Run them with `scripts/test`, which
//! provides a private PostgreSQL and sets `SWITCHBOARD_TEST_POSTGRES_URL`.

mod migrations;
mod plans;
mod support;
mod writes;
