//! Email addresses: any text gives an address or a field error, never a panic; an address
//! is the trimmed input, at most 254 bytes, parses to itself, and its uniqueness key is
//! its lower case (an ASCII address written in upper case has the same key).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::Email;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(email) = Email::parse("email", raw) else {
        return;
    };
    let text = email.as_str();
    assert_eq!(text, raw.trim());
    assert!(text.len() <= 254 && text.contains('@'), "{text:?}");
    assert_eq!(Email::parse("email", text).ok(), Some(email.clone()));
    assert_eq!(email.key(), text.to_lowercase());
    if text.is_ascii() {
        let upper = Email::parse("email", &text.to_ascii_uppercase());
        assert_eq!(upper.map(|e| e.key()).ok(), Some(email.key()), "{text:?}");
    }
});
