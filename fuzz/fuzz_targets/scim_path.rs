//! A SCIM PATCH operation's `path` (RFC 7644 §3.5.2): any text gives a path or an error,
//! never a panic, and a path written back as text parses to the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_fuzz::{path_text, same_path};
use switchboard_scim::filter::MAX_LEN;
use switchboard_scim::parse_path;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_path(input) {
        Ok(path) => {
            let text = path_text(&path);
            if text.len() <= MAX_LEN {
                let again = parse_path(&text);
                assert!(
                    again.as_ref().is_ok_and(|a| same_path(a, &path)),
                    "{input:?} printed as {text:?}: {again:?} is not {path:?}"
                );
            }
        }
        Err(e) => assert!(e.position <= input.len(), "{input:?}: {e:?}"),
    }
});
