//! Text that came from outside (otpauth labels, QR images, authenticator exports, IAM names)
//! made safe to keep and to show.
//!
//! A label may carry terminal control sequences: `ESC ] 52 ; c ; … BEL` (OSC 52) writes the
//! clipboard of the terminal that prints it, others retitle the window or clear the screen.
//! Labels lose their control characters when they are imported ([`clean_label`]), and every
//! front end that prints outside text to a terminal shows any that remain as visible escapes
//! ([`escape_controls`]). JSON output: serde_json writes every C0 control (ESC, BEL: what
//! starts and ends a sequence) as `\u00XX` but leaves DEL and the C1 controls as characters;
//! [`json_pretty`] escapes those too.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` is a C0 control (U+0000–U+001F), DEL (U+007F) or a C1 control
/// (U+0080–U+009F): Unicode's `Cc` category, what a terminal may act on.
pub fn is_control(c: char) -> bool {
    c.is_control()
}

/// A label as Otpilot keeps it: every control character removed (a tab or line break becomes
/// a space, so words stay apart), surrounding space trimmed.
pub fn clean_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\t' | '\n' | '\r') {
            out.push(' ');
        } else if !is_control(c) {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// [`clean_label`] of an optional label; `None` when nothing is left.
pub fn clean_optional(text: Option<&str>) -> Option<String> {
    text.map(clean_label).filter(|s| !s.is_empty())
}

/// Text for a terminal: every control character shown as an escape a person can read
/// (`\x1b`, `\x7f`, `\u{9b}`), so it is seen and never obeyed. Borrowed when there is none.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !is_control(c) {
            out.push(c);
        } else if (c as u32) < 0x80 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// `value` as pretty JSON with no raw control character at all: serde_json's own escapes
/// (C0, `"` and `\\`) and `\u007f`, `\u0080`–`\u009f` as well. Still plain JSON.
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut out,
        EscapeAllControls(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut serializer)?;
    Ok(String::from_utf8(out).expect("serde_json writes UTF-8"))
}

/// A pretty formatter that also escapes the controls serde_json leaves in string fragments.
struct EscapeAllControls<'a>(serde_json::ser::PrettyFormatter<'a>);

impl serde_json::ser::Formatter for EscapeAllControls<'_> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if is_control(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                write!(writer, "\\u{:04x}", c as u32)?;
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // The layout is the pretty formatter's.
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OSC 52 (clipboard), a title change, CSI clear screen, DEL, and C1 CSI and OSC.
    const HOSTILE: &str =
        "Evil\x1b]52;c;ZWNobyBwd25lZA==\x07Corp\x1b]0;title\x1b\\\x1b[2J\x7f\u{9b}2J\u{9d}x\u{9c}";

    fn has_control(s: &str) -> bool {
        s.chars().any(is_control)
    }

    #[test]
    fn every_c0_c1_and_del_is_a_control_and_nothing_else_is() {
        let controls: Vec<u32> = (0..=0x10ffff)
            .filter_map(char::from_u32)
            .filter(|c| is_control(*c))
            .map(|c| c as u32)
            .collect();
        let expected: Vec<u32> = (0..0x20).chain([0x7f]).chain(0x80..0xa0).collect();
        assert_eq!(controls, expected);
    }

    #[test]
    fn cleaning_removes_controls_and_keeps_the_words() {
        let clean = clean_label(HOSTILE);
        assert!(!has_control(&clean), "{clean:?}");
        assert_eq!(clean, "Evil]52;c;ZWNobyBwd25lZA==Corp]0;title\\[2J2Jx");
        assert_eq!(clean_label(" ACME\tCo\r\n "), "ACME Co");
        assert_eq!(clean_label("Zoë 株式会社"), "Zoë 株式会社");
        assert_eq!(clean_optional(Some("\x1b\x07 ")), None);
        assert_eq!(clean_optional(Some("GitHub")).as_deref(), Some("GitHub"));
    }

    #[test]
    fn escaping_shows_each_control_and_borrows_clean_text() {
        let shown = escape_controls(HOSTILE);
        assert!(!has_control(&shown), "{shown:?}");
        assert!(
            shown.starts_with("Evil\\x1b]52;c;ZWNobyBwd25lZA==\\x07Corp"),
            "{shown}"
        );
        assert!(shown.contains("\\x7f\\u{9b}2J\\u{9d}x\\u{9c}"), "{shown}");
        assert!(matches!(
            escape_controls("alice@1234 Zoë"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn serde_json_escapes_c0_but_not_del_or_c1() {
        let json = serde_json::to_string(&HOSTILE).unwrap();
        assert!(!json.chars().any(|c| (c as u32) < 0x20), "{json:?}");
        assert!(json.contains("\\u001b]52"), "{json}");
        assert!(
            json.contains('\u{7f}') && json.contains('\u{9b}'),
            "{json:?}"
        );
    }

    #[test]
    fn json_pretty_escapes_every_control_and_reads_back_the_same() {
        let value = serde_json::json!({"issuer": HOSTILE, "rows": [1, "a\u{85}"]});
        let json = json_pretty(&value).unwrap();
        assert!(
            !json.chars().any(|c| is_control(c) && c != '\n'),
            "{json:?}"
        );
        assert!(
            json.contains("\\u001b]52") && json.contains("\\u007f\\u009b2J"),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            value
        );
        // The layout is serde_json's pretty one.
        let plain = serde_json::json!({"a": [1, 2], "b": {"c": "d"}});
        assert_eq!(
            json_pretty(&plain).unwrap(),
            serde_json::to_string_pretty(&plain).unwrap()
        );
    }
}
