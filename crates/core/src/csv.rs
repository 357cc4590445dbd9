//! A CSV reader (RFC 4180: commas, double-quoted fields with `""` for a quote, CRLF or LF)
//! whose fields are zeroizing: a Bitwarden CSV export holds every password of the vault, not
//! only the TOTP seeds. IAM's credential report is read with it too. And one field writer,
//! safe to open in a spreadsheet.

use std::borrow::Cow;

use zeroize::Zeroizing;

/// One field of a CSV file Otpilot writes (`account report --csv`), safe to open in a
/// spreadsheet: a field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
/// would be read as a formula (`=HYPERLINK(…)`, `@SUM(…)`, `-2+3`): it gets a leading `'`,
/// which the spreadsheet shows as text, and quotes, as OWASP's "CSV Injection" advises.
/// Otherwise RFC 4180: quoted when it holds a comma, a quote or a line break.
/// <https://owasp.org/www-community/attacks/CSV_Injection>
pub fn field(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if !formula && !text.contains([',', '"', '\n', '\r']) {
        return Cow::Borrowed(text);
    }
    let escaped = text.replace('"', "\"\"");
    Cow::Owned(if formula {
        format!("\"'{escaped}\"")
    } else {
        format!("\"{escaped}\"")
    })
}

pub type Row = Vec<Zeroizing<String>>;

/// The rows of `text`; `Err` holds the line where a quoted field is left open.
pub fn rows(text: &str) -> Result<Vec<Row>, usize> {
    let mut rows = Vec::new();
    let mut row: Row = Vec::new();
    let mut field = Zeroizing::new(String::new());
    let mut quoted = false;
    let mut line = 1;
    let mut opened_at = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => {
                quoted = true;
                opened_at = line;
            }
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                line += 1;
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(opened_at);
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r[0].is_empty()));
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(rows: Vec<Row>) -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|r| r.iter().map(|f| f.to_string()).collect())
            .collect()
    }

    #[test]
    fn quotes_newlines_and_empty_lines() {
        let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\n1,,3";
        assert_eq!(
            plain(rows(text).unwrap()),
            [
                vec!["a", "b", "c"],
                vec!["x, y", "say \"hi\"", "two\nlines"],
                vec!["1", "", "3"]
            ]
        );
        assert_eq!(rows("a,b\n\"open,c\n").err(), Some(2));
    }

    #[test]
    fn fields_are_quoted_as_rfc_4180_says_and_formulas_neutralised() {
        let cases = [
            ("console-user", "console-user"),
            ("a, b", "\"a, b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"",
            ),
            ("+1+2", "\"'+1+2\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\t=1", "\"'\t=1\""),
            ("\r=1", "\"'\r=1\""),
            ("a=b", "a=b"),
            ("", ""),
        ];
        for (text, written) in cases {
            assert_eq!(field(text), written, "{text:?}");
        }
        // What is written reads back as the text, with the `'` a spreadsheet hides.
        let line = ["=1+1", "x,y", "-", "plain"]
            .map(|t| field(t).into_owned())
            .join(",");
        assert_eq!(
            plain(rows(&line).unwrap()),
            [vec!["'=1+1", "x,y", "'-", "plain"]]
        );
    }
}
