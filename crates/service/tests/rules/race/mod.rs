//! The behaviour suite for rules that must hold when requests arrive at the same moment:
//! the last administrator (R7), seats and limits (R11) and uniqueness (R13) — many
//! simultaneous requests through the real connection pools, on SQLite and PostgreSQL,
//! several rounds each so that the races actually interleave.

mod concurrency;
