//! The HTTP interface, driven over real connections to the server on a loopback port, on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod account;
mod basics;
mod bulk;
mod links;
mod routing;
mod sessions;
mod users;
