//! Validated value types. Raw strings become these through a fallible `parse` at the
//! boundary; everything inward trusts them.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Whether text holds a control character (NUL, escape, line breaks…): no stored value
/// does, and PostgreSQL cannot store NUL at all.
pub fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

/// Refuses text with a control character, naming the field.
pub fn check_no_control(field: &str, s: &str) -> Result<(), FieldError> {
    if has_control(s) {
        Err(FieldError::new(
            field,
            "invalid",
            "must not contain control characters",
        ))
    } else {
        Ok(())
    }
}

/// A person's or record's display name: trimmed, 1–100 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Parses a name, trimming surrounding whitespace.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        let chars = trimmed.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                "too_long",
                format!(
                    "must be at most {} characters (got {chars})",
                    Self::MAX_CHARS
                ),
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "invalid",
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An email address. Kept as typed; compared case-insensitively through [`Email::key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address of the form `local@domain.tld`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let invalid = |why: &str| {
            FieldError::new(
                field,
                "invalid",
                format!("{s:?} is not a valid email address: {why}"),
            )
        };
        if s.is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        if s.len() > 254 {
            return Err(FieldError::new(
                field,
                "too_long",
                "must be at most 254 characters",
            ));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(invalid("it has no @"));
        };
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before @ must be 1-64 characters"));
        }
        if local.contains('@') {
            return Err(invalid("it has more than one @"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid("the part before @ has a misplaced dot"));
        }
        let local_ok = local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok {
            return Err(invalid(
                "the part before @ has a character not allowed there",
            ));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain needs a dot, as in example.com"));
        }
        for label in &labels {
            let ok = !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-');
            if !ok {
                return Err(invalid("the domain is not valid"));
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// The address as typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comparison key: lower-cased, used for uniqueness.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An identity provider's login for a user (SCIM `userName`, e.g. an Entra UPN such as
/// `alex@contoso.onmicrosoft.com` or a plain `Test_User_42`): kept exactly as sent, any
/// text that is not blank, compared case-insensitively through [`IdpUsername::key`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdpUsername(String);

impl IdpUsername {
    /// Longest accepted, in characters.
    pub const MAX_CHARS: usize = 256;

    /// Parses a login as sent: not blank, at most 256 characters, no control characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        if raw.trim().is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "invalid",
                "must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The login as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form uniqueness and lookups compare: lower-cased.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for IdpUsername {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A telephone extension: decimal digits without a leading zero (so it is also a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extension(u32);

impl Extension {
    /// Parses the digit string; range is checked against the account with [`ExtensionRange`].
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        if !s.chars().all(|c| c.is_ascii_digit()) {
            return Err(FieldError::new(
                field,
                "invalid",
                format!("{s:?} must contain digits only"),
            ));
        }
        if s.starts_with('0') {
            return Err(FieldError::new(
                field,
                "invalid",
                format!("{s:?} must not start with 0"),
            ));
        }
        if s.len() > 9 {
            return Err(FieldError::new(
                field,
                "too_long",
                "must be at most 9 digits",
            ));
        }
        s.parse::<u32>()
            .map(Self)
            .map_err(|_| FieldError::new(field, "invalid", format!("{s:?} is not an extension")))
    }

    /// Builds an extension from its numeric value (values read back from storage).
    pub fn from_number(n: u32) -> Option<Self> {
        (n > 0).then_some(Self(n))
    }

    /// The numeric value.
    pub fn value(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The account's extension range, inclusive on both ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRange {
    /// Lowest extension.
    pub min: u32,
    /// Highest extension.
    pub max: u32,
}

impl Default for ExtensionRange {
    fn default() -> Self {
        Self { min: 100, max: 999 }
    }
}

impl ExtensionRange {
    /// Validates a range: both ends are extensions and `min <= max`.
    pub fn new(min: u32, max: u32) -> Result<Self, FieldError> {
        if min == 0 || max > 999_999_999 {
            return Err(FieldError::new(
                "extension_range",
                "invalid",
                "extensions are 1 to 9 digits without a leading zero",
            ));
        }
        if min > max {
            return Err(FieldError::new(
                "extension_range",
                "invalid",
                format!("the lowest extension {min} is above the highest {max}"),
            ));
        }
        Ok(Self { min, max })
    }

    /// Whether the extension lies inside the range.
    pub fn contains(&self, ext: Extension) -> bool {
        (self.min..=self.max).contains(&ext.value())
    }
}

/// An IANA time zone name known to the bundled time zone database.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Parses an IANA name such as `Asia/Kolkata` or `America/New_York`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "required", "must not be empty"));
        }
        match jiff::tz::TimeZone::get(s) {
            Ok(tz) => Ok(Self(tz.iana_name().unwrap_or(s).to_owned())),
            Err(_) => Err(FieldError::new(
                field,
                "invalid",
                format!(
                    "{s:?} is not a known IANA time zone, such as Asia/Kolkata or America/New_York"
                ),
            )),
        }
    }

    /// The IANA name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The time zone rules, for evaluating local times.
    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.0).unwrap_or(jiff::tz::TimeZone::UTC)
    }
}

impl Default for TimeZoneName {
    fn default() -> Self {
        Self("UTC".to_owned())
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A free label on a user, used in reports: 1–50 characters, trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tag(String);

impl Tag {
    /// Parses a tag.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(FieldError::new(field, "required", "tags must not be empty"));
        }
        if s.chars().count() > 50 {
            return Err(FieldError::new(
                field,
                "too_long",
                "tags must be at most 50 characters",
            ));
        }
        if s.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                "invalid",
                "tags must not contain control characters",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The label.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("name", "  Priya Sharma ").unwrap().as_str(),
            "Priya Sharma"
        );
        assert_eq!(Name::parse("name", "   ").unwrap_err().code, "required");
        let long = "x".repeat(101);
        let err = Name::parse("name", &long).unwrap_err();
        assert_eq!((err.field.as_str(), err.code), ("name", "too_long"));
        assert!(Name::parse("name", &"é".repeat(100)).is_ok());
    }

    #[test]
    fn emails_are_checked_and_keyed_case_insensitively() {
        let e = Email::parse("email", "Priya.Sharma@Example.com").unwrap();
        assert_eq!(e.as_str(), "Priya.Sharma@Example.com");
        assert_eq!(e.key(), "priya.sharma@example.com");
        for bad in [
            "priya",
            "priya@",
            "@example.com",
            "priya@example",
            "a b@example.com",
            "a@@example.com",
            "a..b@example.com",
            "a@-example.com",
        ] {
            let err = Email::parse("email", bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad}");
            assert_ne!(err.code, "", "{bad}");
        }
    }

    #[test]
    fn extensions_are_digits_without_leading_zero() {
        assert_eq!(Extension::parse("extension", "204").unwrap().value(), 204);
        assert!(
            Extension::parse("extension", "012")
                .unwrap_err()
                .message
                .contains("start with 0")
        );
        assert_eq!(
            Extension::parse("extension", "2a4").unwrap_err().code,
            "invalid"
        );
        let range = ExtensionRange::default();
        assert!(range.contains(Extension::parse("e", "999").unwrap()));
        assert!(!range.contains(Extension::parse("e", "1000").unwrap()));
        assert!(ExtensionRange::new(500, 100).is_err());
    }

    #[test]
    fn time_zones_must_be_iana_names() {
        assert_eq!(
            TimeZoneName::parse("time_zone", "Asia/Kolkata")
                .unwrap()
                .as_str(),
            "Asia/Kolkata"
        );
        let err = TimeZoneName::parse("time_zone", "Mars/Olympus").unwrap_err();
        assert_eq!((err.field.as_str(), err.code), ("time_zone", "invalid"));
    }

    #[test]
    fn an_idp_login_is_kept_as_sent_and_compared_ignoring_case() {
        let u = IdpUsername::parse("userName", "Test_User_ab6490ee ").unwrap();
        assert_eq!(u.as_str(), "Test_User_ab6490ee ");
        assert_eq!(
            u.key(),
            IdpUsername::parse("userName", "TEST_user_AB6490EE ")
                .unwrap()
                .key()
        );
        assert!(IdpUsername::parse("userName", "  ").is_err());
        assert!(IdpUsername::parse("userName", "a\u{0}b").is_err());
        assert!(IdpUsername::parse("userName", &"x".repeat(257)).is_err());
    }
}
