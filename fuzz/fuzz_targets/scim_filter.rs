//! The SCIM `filter` query parameter (RFC 7644 §3.4.2.2), as an identity provider or an
//! attacker sends it: any text must give a tree or an error, never a panic, and a tree
//! written back as text must parse to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_fuzz::{filter_text, same_filter};
use switchboard_scim::filter::MAX_LEN;
use switchboard_scim::parse_filter;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse_filter(input) {
        Ok(tree) => {
            let text = filter_text(&tree);
            // A number such as 1e5 prints longer (100000.0); past the length bound the
            // text is refused by design, not by a bug.
            if text.len() <= MAX_LEN {
                let again = parse_filter(&text);
                assert!(
                    again.as_ref().is_ok_and(|a| same_filter(a, &tree)),
                    "{input:?} printed as {text:?}: {again:?} is not {tree:?}"
                );
            }
        }
        Err(e) => assert!(e.position <= input.len(), "{input:?}: {e:?}"),
    }
});
