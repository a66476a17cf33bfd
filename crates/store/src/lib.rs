//! Switchboard's storage: the only crate that speaks SQL. One text of SQL serves SQLite
//! and PostgreSQL (`$n` placeholders, portable types); migrations for both live side by
//! side under `migrations/` and are kept in lockstep. Every query takes the account id.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod db;

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod department_search;
pub mod departments;
pub mod invites;
pub mod outbox;
pub mod postgres;
pub mod probe;
mod reads;
pub mod resources;
pub mod roles;
pub mod schema;
pub mod sip;
pub mod sqlite;
pub mod sso;
pub mod throttles;
pub mod user_search;
pub mod users;

pub use db::{Backend, Db, Reads, StoreError, StoreResult, Tx, UniqueKey};
pub use sqlite::group_commit;
