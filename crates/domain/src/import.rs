//! The users CSV import file: which columns it has, how a cell reads, and each data row
//! turned into a [`NewUserInput`]. Pure, so it can be tested and fuzzed without a
//! database; the service crate resolves department names and adds the users.
//!
//! The columns, in any order (a header row is required):
//! `name, email, mobile, alternate_mobile, extension, role, panel_access, receive_calls,
//! time_zone, departments, tags, voicemail`. Lists (`departments` by name or id, `tags`) are
//! separated by `;`; yes/no columns take `true`/`false`, `yes`/`no` or `1`/`0`; an empty cell
//! takes the default. An export adds `id`, `status` and `created_at`, which an import accepts
//! and ignores, so an export can be edited and imported into another account.

use std::collections::HashMap;

use crate::user::NewUserInput;

/// Columns an import understands, in export order.
pub const COLUMNS: [&str; 12] = [
    "name",
    "email",
    "mobile",
    "alternate_mobile",
    "extension",
    "role",
    "panel_access",
    "receive_calls",
    "time_zone",
    "departments",
    "tags",
    "voicemail",
];

/// Columns an export adds and an import ignores.
pub const READ_ONLY_COLUMNS: [&str; 3] = ["id", "status", "created_at"];

/// The most rows one import may hold.
pub const MAX_ROWS: usize = 10_000;

/// A problem with one cell (or one row) of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The line of the CSV text (the header is line 1).
    pub line: u64,
    /// The column (`email`), or `row` for the row as a whole.
    pub field: String,
    /// Stable reason (`duplicate_email`, `invalid`, …).
    pub code: String,
    /// A sentence a person can act on.
    pub message: String,
}

/// One data row read from the file, before its fields are validated.
#[derive(Clone, Debug)]
pub struct ImportRow {
    /// The line of the CSV text where the row starts.
    pub line: u64,
    /// The row's cells; `departments` holds the names or ids as written, for the caller
    /// to resolve against the account.
    pub input: NewUserInput,
    /// Cells that could not be read (a yes/no column with another word).
    pub problems: Vec<RowError>,
}

/// One data row: its line and its cells by column.
#[derive(Debug)]
struct Row {
    line: u64,
    cells: HashMap<&'static str, String>,
}

fn header_error(message: impl Into<String>, code: &str) -> RowError {
    RowError {
        line: 1,
        field: "header".to_owned(),
        code: code.to_owned(),
        message: message.into(),
    }
}

/// Reads the CSV text into rows; a malformed file (unknown or missing columns, a row
/// that is not CSV, more than [`MAX_ROWS`] rows) is one or more errors. Blank rows are
/// skipped.
pub fn read_import(text: &str) -> Result<Vec<ImportRow>, Vec<RowError>> {
    Ok(read_rows(text)?.into_iter().map(row_input).collect())
}

/// The column each header cell names (`None` for one an import ignores), or what is
/// wrong with the header row.
fn header_columns(headers: &csv::StringRecord) -> Result<Vec<Option<&'static str>>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut columns: Vec<Option<&'static str>> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let key = h.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        if let Some(c) = COLUMNS.iter().find(|c| **c == key) {
            if columns.contains(&Some(*c)) {
                errors.push(header_error(
                    format!("column {c:?} appears twice"),
                    "duplicate_column",
                ));
            }
            columns.push(Some(*c));
        } else if READ_ONLY_COLUMNS.contains(&key.as_str()) {
            columns.push(None);
        } else {
            errors.push(header_error(
                format!(
                    "column {} {h:?} is not known; the columns are {}",
                    i + 1,
                    COLUMNS.join(", ")
                ),
                "unknown_column",
            ));
            columns.push(None);
        }
    }
    if !columns.contains(&Some("name")) {
        errors.push(header_error(
            "the header needs a \"name\" column",
            "required",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(columns)
}

fn read_rows(text: &str) -> Result<Vec<Row>, Vec<RowError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![header_error(
                format!("cannot read the header row: {e}"),
                "invalid",
            )]);
        }
    };
    let columns = header_columns(&headers)?;
    let mut errors = Vec::new();
    let mut lines = LineCounter::new(text);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()));
                errors.push(RowError {
                    line,
                    field: "row".to_owned(),
                    code: "invalid".to_owned(),
                    message: format!("cannot read this row: {}", csv_reason(&e)),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut cells = HashMap::new();
        for (col, value) in columns.iter().zip(record.iter()) {
            if let Some(col) = col
                && !value.is_empty()
            {
                cells.insert(*col, value.to_owned());
            }
        }
        rows.push(Row { line, cells });
        if rows.len() > MAX_ROWS {
            return Err(vec![RowError {
                line,
                field: "row".to_owned(),
                code: "too_many_rows".to_owned(),
                message: format!("an import holds at most {MAX_ROWS} users; split the file"),
            }]);
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Line numbers for record positions met in increasing order. The csv crate's own count
/// is wrong for two line endings: it counts only `\n`, so a file with lone `\r` endings
/// (saved as "CSV (Macintosh)") has every row on line 1; and after `\r\n` (Excel on
/// Windows) a record's position is the `\n`, counted as part of that record, so every row
/// was one line early. Here `\r\n`, `\n` and `\r` each end one line.
struct LineCounter<'a> {
    text: &'a [u8],
    byte: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            byte: 0,
            line: 1,
        }
    }

    /// The line of the record at `byte`; each call continues from the last, so a file is
    /// read once.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut end = usize::try_from(byte).map_or(self.text.len(), |b| b.min(self.text.len()));
        // A record never starts with a line break: this is the end of the one before it.
        if self.text.get(end) == Some(&b'\n') {
            end += 1;
        }
        while self.byte < end {
            match self.text[self.byte] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(self.byte + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.byte += 1;
        }
        self.line
    }
}

fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} cells where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8".to_owned(),
        _ => e.to_string(),
    }
}

fn row_input(row: Row) -> ImportRow {
    let Row { line, mut cells } = row;
    let mut problems = Vec::new();
    let mut flag = |field: &str, raw: Option<String>| parse_flag(line, field, raw, &mut problems);
    let panel_access = flag("panel_access", cells.remove("panel_access"));
    let receive_calls = flag("receive_calls", cells.remove("receive_calls"));
    let voicemail = flag("voicemail", cells.remove("voicemail"));
    let input = NewUserInput {
        name: cells.remove("name"),
        email: cells.remove("email"),
        mobile: cells.remove("mobile"),
        alternate_mobile: cells.remove("alternate_mobile"),
        extension: cells.remove("extension"),
        role: cells.remove("role"),
        panel_access,
        receive_calls,
        call_hours: None,
        time_zone: cells.remove("time_zone"),
        departments: split_list(cells.remove("departments")),
        tags: split_list(cells.remove("tags")),
        voicemail,
        external_id: None,
    };
    ImportRow {
        line,
        input,
        problems,
    }
}

fn parse_flag(
    line: u64,
    field: &str,
    raw: Option<String>,
    errors: &mut Vec<RowError>,
) -> Option<bool> {
    let raw = raw?;
    match raw.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => {
            errors.push(RowError {
                line,
                field: field.to_owned(),
                code: "invalid".to_owned(),
                message: format!("{raw:?} is not yes or no (use true/false, yes/no or 1/0)"),
            });
            None
        }
    }
}

fn split_list(raw: Option<String>) -> Option<Vec<String>> {
    raw.map(|r| {
        r.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_matched_loosely_and_unknown_columns_are_named() {
        let rows = read_import("Name,E-mail,Extension\nPriya,p@x.example,204\n");
        let errors = rows.unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, "unknown_column");
        assert!(
            errors[0].message.contains("\"E-mail\""),
            "{}",
            errors[0].message
        );

        let rows =
            read_import("Name,Email,Alternate Mobile,id\nPriya,p@x.example,,u1\n\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].input.email.as_deref(), Some("p@x.example"));
        assert_eq!(rows[0].input.alternate_mobile, None);
    }

    #[test]
    fn a_row_with_the_wrong_number_of_cells_is_reported_by_line() {
        let errors = read_import("name,email\nA,a@x.example\nB\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3);
        assert!(
            errors[0].message.contains("1 cells where the header has 2"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn rows_are_numbered_by_line_whatever_the_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["name,email", "A,a@x.example", "\"B", "C\",b@x.example", "D"].join(ending);
            let errors = read_import(&text).unwrap_err();
            assert_eq!(errors.len(), 1, "{ending:?}");
            assert_eq!(errors[0].line, 5, "{ending:?}");
            let rows = read_import(&format!("{text},d@x.example{ending}")).unwrap();
            let lines: Vec<u64> = rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3, 5], "{ending:?}");
        }
    }

    #[test]
    fn a_header_without_name_is_refused() {
        let errors = read_import("email\na@x.example\n").unwrap_err();
        assert_eq!(errors[0].code, "required");
    }

    #[test]
    fn flags_and_lists_are_read_and_a_bad_flag_is_a_problem_of_its_row() {
        let rows = read_import(
            "name,panel_access,receive_calls,voicemail,departments,tags\n\
             Priya,Yes,0,maybe, Sales ;;Support ,vip\n",
        )
        .unwrap();
        let row = &rows[0];
        assert_eq!(row.input.panel_access, Some(true));
        assert_eq!(row.input.receive_calls, Some(false));
        assert_eq!(row.input.voicemail, None);
        assert_eq!(
            row.input.departments.as_deref(),
            Some(&["Sales".to_owned(), "Support".to_owned()][..])
        );
        assert_eq!(row.input.tags.as_deref(), Some(&["vip".to_owned()][..]));
        assert_eq!(row.problems.len(), 1);
        assert_eq!(
            (row.problems[0].line, row.problems[0].field.as_str()),
            (2, "voicemail")
        );
    }
}
