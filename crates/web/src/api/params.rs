//! Checks of query and body values shared by the resource modules, exactly as strict as
//! the OpenAPI document says: a value the document refuses (an empty uuid, a date-time
//! without an offset, a number with spaces) is refused here too, naming the field.

use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use switchboard_domain::E164;

use crate::error::ApiError;

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// The page size asked for: `default` when absent, refused outside `1..=max`.
pub fn limit(value: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    let limit = value.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("must be between 1 and {max}"),
        ));
    }
    Ok(limit)
}

/// Refuses text longer than `max` characters (counted as sent, before trimming).
pub fn max_len(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.chars().count() > max {
        return Err(ApiError::field(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// Refuses an empty text where the document says `minLength: 1`.
pub fn non_empty(field: &str, value: &str) -> Result<(), ApiError> {
    if value.is_empty() {
        return Err(ApiError::field(field, "required", "must not be empty"));
    }
    Ok(())
}

/// A record id given as a uuid in `field`; anything else is refused as invalid (an id of
/// another account parses, and is then simply not found by the service).
pub fn id<T: FromStr>(field: &str, raw: &str) -> Result<T, ApiError> {
    uuid_text(field, raw)?
        .parse::<T>()
        .map_err(|_| ApiError::field(field, "invalid", format!("{raw:?} is not an id (a uuid)")))
}

/// A uuid in its hyphenated form (`8-4-4-4-12` hex digits, as `format: uuid` says),
/// returned in lowercase, the form ids are stored in.
pub fn uuid_text(field: &str, raw: &str) -> Result<String, ApiError> {
    let hyphenated = raw.len() == 36
        && raw
            .char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    hyphenated
        .then(|| uuid::Uuid::parse_str(raw).ok())
        .flatten()
        .map(|u| u.hyphenated().to_string())
        .ok_or_else(|| ApiError::field(field, "invalid", format!("{raw:?} is not an id (a uuid)")))
}

/// Whether `s` has the RFC 3339 `date-time` shape: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn rfc3339_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// An RFC 3339 date-time with an offset, as the document's `format: date-time` says.
pub fn timestamp(field: &str, raw: &str) -> Result<jiff::Timestamp, ApiError> {
    let invalid = || {
        ApiError::field(
            field,
            "invalid",
            format!("{raw:?} is not an RFC 3339 date-time, as in 2026-04-01T18:00:00+05:30"),
        )
    };
    if !rfc3339_shape(raw) {
        return Err(invalid());
    }
    raw.to_ascii_uppercase()
        .parse::<jiff::Timestamp>()
        .map_err(|_| invalid())
}

/// A phone number in strict E.164 form (the document's `^\+[1-9][0-9]{6,14}$`: no spaces
/// or dashes), valid for its country.
pub fn e164(field: &str, raw: &str) -> Result<E164, ApiError> {
    let digits = raw.strip_prefix('+').unwrap_or("");
    let shaped = (7..=15).contains(&digits.len())
        && digits.bytes().all(|d| d.is_ascii_digit())
        && !digits.starts_with('0');
    if !shaped {
        return Err(ApiError::field(
            field,
            "invalid",
            format!(
                "{raw:?} must be in E.164 form: + then country code and number, as in +919876543210"
            ),
        ));
    }
    Ok(E164::parse(field, raw)?)
}

/// A time as the API writes it (RFC 3339, UTC).
pub fn time(t: jiff::Timestamp) -> String {
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_need_the_full_rfc_3339_shape() {
        for ok in [
            "2026-04-01T18:00:00Z",
            "2026-04-01t18:00:00z",
            "2026-04-01T18:00:00.123+05:30",
            "2026-04-01T18:00:00-00:00",
        ] {
            assert!(timestamp("since", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "2026-04-01",
            "2026-04-01T18:00Z",
            "2026-04-01 18:00:00Z",
            "2026-04-01T18:00:00",
            "2026-04-01T18:00:00.Z",
            "2026-13-01T18:00:00Z",
            "2026-04-01T18:00:00+0530",
        ] {
            assert!(timestamp("since", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_must_be_compact_e164() {
        assert!(e164("number", "+919876543210").is_ok());
        for bad in ["", "919876543210", "+91 98765 43210", "+0919876543", "+12"] {
            assert!(e164("number", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_must_be_uuids() {
        assert!(uuid_text("actor", "").is_err());
        assert!(uuid_text("actor", "0190b3c4000070008000000000000000").is_err());
        assert_eq!(
            uuid_text("actor", "0190B3C4-0000-7000-8000-000000000000").unwrap(),
            "0190b3c4-0000-7000-8000-000000000000"
        );
    }
}
