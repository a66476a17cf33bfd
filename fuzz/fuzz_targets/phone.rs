//! Phone numbers (mobile, alternate mobile): any text, in international form or in the
//! national form of a country, gives a number or a field error, never a panic; a number is
//! `+` and 2 to 15 digits, and parses to itself in any country.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::{Country, E164};

/// Countries whose national forms differ in trunk prefixes and lengths.
const COUNTRIES: [&str; 4] = ["IN", "US", "FR", "DE"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(raw) = std::str::from_utf8(rest) else {
        return;
    };
    let country = match pick as usize % (COUNTRIES.len() + 1) {
        0 => None,
        i => Country::parse("country", COUNTRIES[i - 1]).ok(),
    };
    let Ok(number) = E164::parse_in("mobile", raw, country.as_ref()) else {
        return;
    };
    let text = number.as_str();
    let digits = text.strip_prefix('+').unwrap_or_default();
    assert!(
        (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
        "{raw:?} parsed as {text:?}"
    );
    assert_eq!(number.to_string(), text);
    for c in [None, country.as_ref()] {
        assert_eq!(
            E164::parse_in("mobile", text, c).ok(),
            Some(number.clone()),
            "{raw:?} in {country:?}"
        );
    }
});
