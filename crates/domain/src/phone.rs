//! Phone numbers: E.164, checked against real numbering plans, read from international
//! form or from the national form of the account's country.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::country::Country;
use crate::error::FieldError;

/// A phone number in E.164 form (`+919876543210`), checked against real numbering plans.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct E164(String);

impl E164 {
    /// Parses a number given in international form. Spaces, dashes, dots and parentheses
    /// are ignored; the leading `+` and country code are required.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        Self::parse_in(field, raw, None)
    }

    /// Parses a number in international form, or in the national form of `country`
    /// (`0605605738` in `FR`, `(425) 555-0100` in `US`) when one is given.
    pub fn parse_in(field: &str, raw: &str, country: Option<&Country>) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        let compact: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '/'))
            .collect();
        let (digits, region) = match (compact.strip_prefix('+'), country) {
            (Some(d), _) => (d, None),
            (None, Some(c)) => (compact.as_str(), c.region()),
            (None, None) => {
                return Err(FieldError::new(
                    field,
                    "invalid",
                    format!(
                        "{s:?} must be in E.164 form: + then country code and number, as in \
                         +919876543210 (national numbers are read once the account has a \
                         country)"
                    ),
                ));
            }
        };
        // A national number may carry a trunk or international prefix (0, 00) on top.
        let most = if region.is_some() { 17 } else { 15 };
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > most {
            return Err(FieldError::new(
                field,
                "invalid",
                format!("{s:?} must be in E.164 form: + then up to 15 digits, as in +919876543210"),
            ));
        }
        let number = phonenumber::parse(region, &compact).map_err(|_| {
            FieldError::new(
                field,
                "invalid",
                match country {
                    Some(c) if region.is_some() => format!(
                        "{s:?} is not a phone number in {c}'s or any country's numbering plan"
                    ),
                    _ => format!("{s:?} is not a phone number in any country's numbering plan"),
                },
            )
        })?;
        if !phonenumber::is_valid(&number) {
            return Err(FieldError::new(
                field,
                "invalid",
                format!("{s:?} is not a valid number for its country code"),
            ));
        }
        let e164 = number.format().mode(phonenumber::Mode::E164).to_string();
        if e164.len() > 16 {
            return Err(FieldError::new(
                field,
                "invalid",
                format!("{s:?} must be in E.164 form: + then up to 15 digits, as in +919876543210"),
            ));
        }
        Ok(Self(e164))
    }

    /// The number in E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `raw` when it is written as [`E164::parse`] writes numbers (`+`, then 2 to 15
    /// digits, the first not 0), else `None`: a key to find a stored number by without the
    /// numbering plan's check (each stored number passed it), not a validated number.
    pub fn canonical_text(raw: &str) -> Option<&str> {
        let digits = raw.strip_prefix('+')?;
        let shaped = (2..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
        shaped.then_some(raw)
    }

    /// Wraps a value read back from storage, where it was stored already validated.
    pub fn from_trusted(s: String) -> Self {
        Self(s)
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_must_be_valid_e164() {
        assert_eq!(
            E164::parse("mobile", "+91 98765 43210").unwrap().as_str(),
            "+919876543210"
        );
        assert_eq!(
            E164::parse("mobile", "+1 (415) 555-2671").unwrap().as_str(),
            "+14155552671"
        );
        for bad in [
            "9876543210",
            "+",
            "+91abc",
            "+0123",
            "+9112",
            "+1234567890123456",
        ] {
            let err = E164::parse("mobile", bad).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code),
                ("mobile", "invalid"),
                "{bad}"
            );
        }
    }

    #[test]
    fn national_numbers_are_read_in_the_accounts_country() {
        let fr = Country::parse("country", "FR").unwrap();
        let us = Country::parse("country", "US").unwrap();
        let read = |raw, c| E164::parse_in("mobile", raw, Some(c)).map(|n| n.0);
        assert_eq!(read("0605605738", &fr).unwrap(), "+33605605738");
        assert_eq!(read("06 05 60 57 38", &fr).unwrap(), "+33605605738");
        assert_eq!(read("0033 6 05 60 57 38", &fr).unwrap(), "+33605605738");
        assert_eq!(read("425-555-0100", &us).unwrap(), "+14255550100");
        assert_eq!(read("(425) 555-0100", &us).unwrap(), "+14255550100");
        // An international number stays itself whatever the country.
        assert_eq!(read("+1 (425) 555-0100", &fr).unwrap(), "+14255550100");
        assert_eq!(read("+91 98765 43210", &us).unwrap(), "+919876543210");
        for bad in ["06056", "abc", "0605605738999999", "555-01"] {
            let err = read(bad, &fr).unwrap_err();
            assert_eq!(
                (err.field.as_str(), err.code),
                ("mobile", "invalid"),
                "{bad}"
            );
            assert!(err.message.contains(bad), "{}", err.message);
        }
        // Without a country a national number is refused, saying what would read it.
        let err = E164::parse_in("mobile", "0605605738", None).unwrap_err();
        assert!(err.message.contains("country"), "{}", err.message);
    }

    #[test]
    fn numbers_written_as_parse_writes_them_are_keys_as_they_come() {
        for written in ["+919876543210", "+14155552671", "+33605605738"] {
            assert_eq!(E164::canonical_text(written), Some(written));
            assert_eq!(E164::parse("to", written).unwrap().as_str(), written);
        }
        for other in [
            "+1 415 555 2671",
            "14155552671",
            "+0123456",
            "+1",
            "+1234567890123456",
            "+1415555267a",
            "",
        ] {
            assert_eq!(E164::canonical_text(other), None, "{other}");
        }
    }
}
