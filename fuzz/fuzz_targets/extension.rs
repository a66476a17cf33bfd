//! Extensions and the account's extension range: any text gives an extension or a field
//! error, never a panic; an extension is digits without a leading zero, prints as it was
//! written (trimmed), parses to itself, and lies in a range exactly when its number does.
//! The first 8 bytes choose the range (two little-endian u32), the rest is the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::{Extension, ExtensionRange};

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<8>() else {
        return;
    };
    let [a, b, c, d, e, f, g, h] = *head;
    let (min, max) = (
        u32::from_le_bytes([a, b, c, d]),
        u32::from_le_bytes([e, f, g, h]),
    );
    let range = ExtensionRange::new(min, max).ok();
    if let Some(r) = range {
        assert!(
            r.min >= 1 && r.min <= r.max && r.max <= 999_999_999,
            "{r:?}"
        );
    }
    let Ok(raw) = std::str::from_utf8(rest) else {
        return;
    };
    let Ok(ext) = Extension::parse("extension", raw) else {
        return;
    };
    let text = ext.to_string();
    assert_eq!(text, raw.trim());
    assert!(!text.starts_with('0') && text.len() <= 9 && text.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(Extension::parse("extension", &text), Ok(ext));
    assert_eq!(Extension::from_number(ext.value()), Some(ext));
    if let Some(r) = range {
        assert_eq!(
            r.contains(ext),
            (min..=max).contains(&ext.value()),
            "{ext} in {r:?}"
        );
    }
});
