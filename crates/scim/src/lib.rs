//! SCIM 2.0 (RFC 7643 / RFC 7644) for Switchboard: the wire grammar an identity provider
//! speaks — filters and PATCH paths — parsed into types. No IO; the store translates
//! parsed filters into SQL.

pub mod filter;

pub use filter::{
    AttrPath, CompValue, CompareOp, Filter, FilterError, PatchPath, parse_filter, parse_path,
};
