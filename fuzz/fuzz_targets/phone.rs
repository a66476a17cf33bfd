//! Phone numbers (mobile, alternate mobile) in E.164: any text gives a number or a field
//! error, never a panic; a number is `+` and 2 to 15 digits, and parses to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::E164;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(number) = E164::parse("mobile", raw) else {
        return;
    };
    let text = number.as_str();
    let digits = text.strip_prefix('+').unwrap_or_default();
    assert!(
        (2..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
        "{raw:?} parsed as {text:?}"
    );
    assert_eq!(number.to_string(), text);
    assert_eq!(
        E164::parse("mobile", text).ok(),
        Some(number.clone()),
        "{raw:?}"
    );
});
