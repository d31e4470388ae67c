//! The one rule for every text a client sends: no control characters. NUL is refused by
//! PostgreSQL (a request carrying one would fail on one engine and pass on the other), and the
//! other invisible codes have no place in a name, an address or an answer: they only hide
//! what a text says from the person reading it.
//!
//! Refused: C0 (U+0000–U+001F) except tab, line feed and carriage return, which free-text
//! answers and imported files may hold (a single-line field's own rule refuses them); DEL
//! (U+007F); and C1 (U+0080–U+009F).

/// What the server answers for a refused text; it never repeats the text.
pub const MESSAGE: &str = "Remove the invisible control characters (such as NUL) from the text.";

/// A character no text a client sends may hold.
pub fn is_forbidden_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// `text` holds a forbidden control character.
pub fn has_forbidden_control(text: &str) -> bool {
    text.chars().any(is_forbidden_control)
}

/// The 1-based line of the first forbidden control character in `text`, for a file's report
/// (the line, never its content).
pub fn first_forbidden_line(text: &str) -> Option<usize> {
    text.lines().position(has_forbidden_control).map(|index| index + 1)
}

/// JSON text `json` holds, in any string or key, a forbidden control character: written as
/// itself or as an escape (`\u0000`, `\b`, `\f`). Read without decoding the JSON, so it is the
/// same test whatever type the text is decoded into next; bytes that are not JSON are left to
/// the decoder to refuse.
pub fn json_has_forbidden_control(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        match json[i] {
            b'\\' => match json.get(i + 1) {
                Some(b'u') => {
                    let code = json
                        .get(i + 2..i + 6)
                        .and_then(|hex| std::str::from_utf8(hex).ok())
                        .and_then(|hex| u32::from_str_radix(hex, 16).ok());
                    if code.and_then(char::from_u32).is_some_and(is_forbidden_control) {
                        return true;
                    }
                    i += 6;
                }
                Some(b'b' | b'f') => return true,
                _ => i += 2,
            },
            // C1 in UTF-8: 0xC2 then 0x80–0x9F.
            0xC2 if json.get(i + 1).is_some_and(|b| (0x80..=0x9F).contains(b)) => return true,
            b if b < 0x80 && is_forbidden_control(char::from(b)) => return true,
            _ => i += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_and_line_breaks_pass_every_other_control_does_not() {
        for allowed in ["plain", "two\nlines", "a\tb", "crlf\r\n", "café ñ 日本"] {
            assert!(!has_forbidden_control(allowed), "{allowed:?}");
        }
        for refused in [
            "a\0b",
            "\u{1}",
            "\u{8}",
            "\u{b}",
            "\u{c}",
            "\u{1b}[2J",
            "\u{7f}",
            "\u{80}",
            "\u{9f}",
        ] {
            assert!(has_forbidden_control(refused), "{refused:?}");
        }
        assert!(!has_forbidden_control("\u{a0}"), "no-break space is text");
    }

    #[test]
    fn json_escapes_and_raw_characters_are_both_seen() {
        for refused in [
            r#"{"u":"a\u0000b"}"#,
            r#"{"u":"\u001B"}"#,
            r#"{"u":"\u007f"}"#,
            r#"{"u":"\u0085"}"#,
            r#"{"u":"\b"}"#,
            r#"{"u":"\f"}"#,
            r#"{"\u0000":1}"#,
            "{\"u\":\"\u{7f}\"}",
            "{\"u\":\"\u{9b}\"}",
        ] {
            assert!(json_has_forbidden_control(refused.as_bytes()), "{refused}");
        }
        for allowed in [
            r#"{"u":"a\nb\tc\r"}"#,
            r#"{"u":"\\u0000 is how NUL is written"}"#,
            r#"{"u":"\u00e9\u00a0"}"#,
            "{\"u\":\"é ñ\"}",
            "{\n\t\"u\": 1\r\n}",
        ] {
            assert!(!json_has_forbidden_control(allowed.as_bytes()), "{allowed}");
        }
    }

    #[test]
    fn a_file_is_told_the_line() {
        assert_eq!(first_forbidden_line("a,b\nc,d\ne\0,f\n"), Some(3));
        assert_eq!(first_forbidden_line("a,b\r\nc,d\r\n"), None);
    }
}
