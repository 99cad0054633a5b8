//! The import file as Cognito reads it: UTF-8 lines, the first the header (every column
//! GetCSVHeader lists, in any order), values separated by commas, a comma inside a value
//! written `\,`, values trimmed. A value may also be quoted as CSV writers quote it
//! (`"Doe, John"`, `""` for a quote), within its line. Empty lines are not rows.

use super::Position;
use std::collections::HashSet;

/// The longest row, in characters (AWS's limit).
pub const MAX_ROW_CHARS: usize = 16_000;
/// The most rows a file may have besides its header (AWS's limit).
pub const MAX_ROWS: usize = 500_000;

/// A file whose header checked out: its text and its columns.
pub struct ImportFile {
    text: String,
    pub columns: Vec<String>,
    /// Where the first row starts.
    pub first_row: Position,
}

/// A row: where it is and its text.
pub struct Line<'a> {
    pub number: u64,
    pub text: &'a str,
    /// Where the next row starts.
    pub next: Position,
}

impl ImportFile {
    /// Reads `bytes` against the pool's columns; the error is the job's
    /// CompletionMessage.
    pub fn read(bytes: Vec<u8>, expected: &[String]) -> Result<ImportFile, String> {
        let text = String::from_utf8(bytes)
            .map_err(|_| "Unable to parse the CSV file: it is not UTF-8.".to_string())?;
        let start = Position { offset: 0, line: 0 };
        let Some(header) = line_at(&text, start) else {
            return Err("Unable to parse the CSV file: it has no header row.".into());
        };
        // A byte order mark is tolerated, though AWS asks for none.
        let header_text = header.text.trim_start_matches('\u{feff}');
        let columns = values(header_text);
        check_header(&columns, expected)?;
        let first_row = header.next;
        let file = ImportFile {
            text,
            columns,
            first_row,
        };
        let mut rows = 0usize;
        let mut at = first_row;
        while let Some(line) = file.line(at) {
            rows += 1;
            if rows > MAX_ROWS {
                return Err(format!(
                    "The CSV file has more than {MAX_ROWS} users; split it into several jobs."
                ));
            }
            at = line.next;
        }
        Ok(file)
    }

    /// The row at or after `at` (empty lines are passed over), or None at the end.
    pub fn line(&self, mut at: Position) -> Option<Line<'_>> {
        loop {
            let line = line_at(&self.text, at)?;
            if !line.text.trim().is_empty() {
                return Some(line);
            }
            at = line.next;
        }
    }
}

/// The line at `at`, without its end (`\n` or `\r\n`).
fn line_at(text: &str, at: Position) -> Option<Line<'_>> {
    let offset = usize::try_from(at.offset).ok()?;
    let rest = text.get(offset..)?;
    if rest.is_empty() {
        return None;
    }
    let (raw, consumed) = match rest.find('\n') {
        Some(i) => (&rest[..i], i + 1),
        None => (rest, rest.len()),
    };
    Some(Line {
        number: at.line + 1,
        text: raw.strip_suffix('\r').unwrap_or(raw),
        next: Position {
            offset: at.offset + consumed as u64,
            line: at.line + 1,
        },
    })
}

/// The trimmed values of a line.
pub fn values(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    current.push('"');
                } else {
                    quoted = false;
                }
            } else {
                current.push(c);
            }
            continue;
        }
        match c {
            '"' if current.trim().is_empty() => {
                current.clear();
                quoted = true;
            }
            '\\' if chars.peek() == Some(&',') => {
                chars.next();
                current.push(',');
            }
            ',' => out.push(std::mem::take(&mut current).trim().to_string()),
            c => current.push(c),
        }
    }
    out.push(current.trim().to_string());
    out
}

/// Every expected column is present once, and no other.
fn check_header(columns: &[String], expected: &[String]) -> Result<(), String> {
    let mut seen = HashSet::new();
    let mut unknown = Vec::new();
    let mut repeated = Vec::new();
    for c in columns {
        if !expected.contains(c) {
            unknown.push(c.as_str());
        } else if !seen.insert(c.as_str()) {
            repeated.push(c.as_str());
        }
    }
    let missing: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|c| !seen.contains(c))
        .collect();
    if unknown.is_empty() && repeated.is_empty() && missing.is_empty() {
        return Ok(());
    }
    let mut why = Vec::new();
    for (what, names) in [
        ("missing", &missing),
        ("not in the user pool", &unknown),
        ("repeated", &repeated),
    ] {
        if !names.is_empty() {
            why.push(format!("{what}: {}", names.join(", ")));
        }
    }
    Err(format!(
        "The CSV header does not have the columns GetCSVHeader lists ({}).",
        why.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn values_are_split_on_unescaped_commas_and_trimmed() {
        assert_eq!(values("a,b , c"), cols(&["a", "b", "c"]));
        assert_eq!(
            values(r"123 Any Street\, Apt 4,x"),
            cols(&["123 Any Street, Apt 4", "x"])
        );
        assert_eq!(
            values(r#""Doe, John","say ""hi""",z"#),
            cols(&["Doe, John", r#"say "hi""#, "z"])
        );
        assert_eq!(values("a,,"), cols(&["a", "", ""]));
        assert_eq!(values(r"back\slash"), cols(&[r"back\slash"]));
    }

    #[test]
    fn the_header_must_have_every_column_once() {
        let expected = cols(&["email", "cognito:username", "cognito:mfa_enabled"]);
        assert!(check_header(
            &cols(&["cognito:mfa_enabled", "email", "cognito:username"]),
            &expected
        )
        .is_ok());
        let e = check_header(
            &cols(&["cognito:username", "email", "email", "sub"]),
            &expected,
        )
        .expect_err("refused");
        assert!(e.contains("missing: cognito:mfa_enabled"), "{e}");
        assert!(e.contains("not in the user pool: sub"), "{e}");
        assert!(e.contains("repeated: email"), "{e}");
    }

    #[test]
    fn rows_follow_the_header_and_empty_lines_are_passed_over() {
        let expected = cols(&["cognito:username", "email"]);
        let file = ImportFile::read(
            b"\xef\xbb\xbfemail,cognito:username\r\na@example.com,a\r\n\r\nb@example.com,b\n"
                .to_vec(),
            &expected,
        )
        .expect("read");
        assert_eq!(file.columns, cols(&["email", "cognito:username"]));
        let first = file.line(file.first_row).expect("row");
        assert_eq!((first.number, first.text), (2, "a@example.com,a"));
        let second = file.line(first.next).expect("row");
        assert_eq!((second.number, second.text), (4, "b@example.com,b"));
        assert!(file.line(second.next).is_none());
    }

    #[test]
    fn unreadable_files_are_refused() {
        let expected = cols(&["cognito:username"]);
        assert!(ImportFile::read(vec![0xff, 0xfe], &expected).is_err());
        assert!(ImportFile::read(Vec::new(), &expected).is_err());
        let mut big = String::from("cognito:username\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("u{i}\n"));
        }
        let e = ImportFile::read(big.into_bytes(), &expected)
            .err()
            .expect("refused");
        assert!(e.contains("more than 500000"), "{e}");
    }
}
