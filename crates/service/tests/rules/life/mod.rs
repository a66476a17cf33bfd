//! The behaviour suite for the user life cycle and what hangs off it: the last
//! administrator and ownership (R7), guarded and permanent deletion (R8, R9), deactivation
//! now or later (R10), the audit log and its hash chain (R12), replacing a user (R14),
//! departments, roles, numbers and tenant isolation — each test on SQLite and PostgreSQL.

mod audit;
mod delete;
mod lifecycle;
mod pages;
mod replace;
mod resources;
mod support;
