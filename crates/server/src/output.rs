//! How the CLI prints results and refusals.

use switchboard_domain::DomainError;
use switchboard_service::Error;

/// A refusal as a person reads it: the sentence, then one line per field problem.
pub fn explain(e: &Error) -> String {
    match e {
        Error::Domain(DomainError::Validation(errors)) => {
            let mut s = String::from("the input is not valid:");
            for f in errors {
                s.push_str(&format!("\n  {}: {}", f.field, f.message));
            }
            s
        }
        Error::Domain(d) => format!("{d} [{}]", d.code()),
        other => format!("{other}"),
    }
}

/// Pads a table's columns to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    let mut out = vec![line(header.iter().map(|h| (*h).to_owned()).collect())];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}
