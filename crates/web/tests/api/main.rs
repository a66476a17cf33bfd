//! The HTTP interface, driven over real connections to the server on a loopback port, on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod account;
mod audit;
mod basics;
mod bulk;
mod calls;
mod dashboard;
mod dashboard_audit;
mod dashboard_departments;
mod dashboard_password;
mod dashboard_phone;
mod dashboard_tokens;
mod dashboard_users;
mod departments;
mod hostile;
mod links;
mod mail;
mod numbers;
mod outage;
mod roles;
mod routing;
mod scim;
mod security_headers;
mod sessions;
mod sip;
mod sip_calls;
mod sip_route;
mod sip_route_processes;
mod sso;
mod token_processes;
mod tokens;
mod user_views;
mod users;
mod workflows;
