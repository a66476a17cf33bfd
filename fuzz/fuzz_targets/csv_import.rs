//! The users CSV import: any file gives rows or errors, never a panic; rows come in file
//! order after the header, their cells are trimmed and not empty, and every row goes
//! through the same validation as an add (`NewUser::parse`) without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_domain::NewUser;
use switchboard_domain::import::{MAX_ROWS, read_import};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let rows = match read_import(text) {
        Ok(rows) => rows,
        Err(errors) => {
            assert!(!errors.is_empty(), "{text:?}");
            return;
        }
    };
    assert!(rows.len() <= MAX_ROWS);
    let mut last_line = 1;
    for row in &rows {
        assert!(
            row.line > last_line,
            "{text:?}: line {} after {last_line}",
            row.line
        );
        last_line = row.line;
        assert!(row.problems.iter().all(|p| p.line == row.line));
        let i = &row.input;
        let cells = [
            &i.name,
            &i.email,
            &i.mobile,
            &i.alternate_mobile,
            &i.extension,
            &i.role,
            &i.time_zone,
        ];
        for cell in cells.into_iter().flatten() {
            assert!(!cell.is_empty() && cell.trim() == cell, "{cell:?}");
        }
        let lists = [&i.departments, &i.tags];
        for item in lists.into_iter().flatten().flatten() {
            assert!(!item.is_empty() && item.trim() == item && !item.contains(';'));
        }
        let _ = NewUser::parse(&row.input);
    }
});
