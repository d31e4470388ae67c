//! Personal names as patients type them: accents, hyphens, apostrophes, spaces and periods
//! are all legitimate ("José María", "O'Brien", "García-López", "St. John", "N'Diaye").

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longest name we accept, in characters. Long enough for compound Hispanic surnames.
pub const MAX_NAME_CHARS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    Missing,
    TooLong,
    /// A character that cannot be part of a name (digits, symbols, emoji).
    InvalidCharacter,
}

impl NameError {
    /// Plain English for API error messages; the kiosk has its own translated wording.
    pub fn message(self) -> &'static str {
        match self {
            NameError::Missing => "Enter a last name.",
            NameError::TooLong => "The name is too long (60 characters at most).",
            NameError::InvalidCharacter => "A name can use letters, spaces, hyphens, apostrophes and periods only.",
        }
    }
}

fn is_name_punctuation(c: char) -> bool {
    matches!(c, ' ' | '-' | '\'' | '’' | '.' | '\u{2010}')
}

/// Checks a typed name and returns it trimmed, with inner runs of spaces collapsed.
pub fn validate_name(raw: &str) -> Result<String, NameError> {
    let cleaned = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(NameError::Missing);
    }
    if cleaned.chars().count() > MAX_NAME_CHARS {
        return Err(NameError::TooLong);
    }
    // Combining marks are allowed so that decomposed input ("e" + U+0301) is accepted too.
    let valid = cleaned
        .chars()
        .all(|c| c.is_alphabetic() || is_name_punctuation(c) || is_combining_mark(c));
    if !valid || !cleaned.chars().any(char::is_alphabetic) {
        return Err(NameError::InvalidCharacter);
    }
    Ok(cleaned)
}

/// The form of a name used to compare it with the record: case, accents, spaces, hyphens,
/// apostrophes and periods do not matter, so "garcia lopez" finds "García-López" and
/// "obrien" finds "O'Brien". This is deliberately forgiving because the date of birth is the
/// second factor, and an ambiguous result is never shown as a list.
pub fn match_key(name: &str) -> String {
    name.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_world_names() {
        for name in [
            "García-López",
            "O'Brien",
            "O’Brien",
            "St. John",
            "N'Diaye",
            "Nguyễn",
            "Müller",
            "de la Cruz",
            "Zoë",
            "Jose\u{301}",
        ] {
            assert!(validate_name(name).is_ok(), "{name} should be a valid name");
        }
    }

    #[test]
    fn trims_and_collapses_spaces() {
        assert_eq!(validate_name("  de   la  Cruz ").unwrap(), "de la Cruz");
    }

    #[test]
    fn rejects_what_is_not_a_name() {
        assert_eq!(validate_name(""), Err(NameError::Missing));
        assert_eq!(validate_name("   "), Err(NameError::Missing));
        assert_eq!(validate_name("Sm1th"), Err(NameError::InvalidCharacter));
        assert_eq!(validate_name("--"), Err(NameError::InvalidCharacter));
        assert_eq!(validate_name("Robert'); DROP TABLE"), Err(NameError::InvalidCharacter));
        assert_eq!(validate_name("😀"), Err(NameError::InvalidCharacter));
        assert_eq!(validate_name(&"a".repeat(61)), Err(NameError::TooLong));
        assert!(validate_name(&"a".repeat(60)).is_ok());
    }

    #[test]
    fn match_key_ignores_case_accents_and_punctuation() {
        assert_eq!(match_key("García-López"), match_key("garcia lopez"));
        assert_eq!(match_key("O'Brien"), match_key("OBRIEN"));
        assert_eq!(match_key("O’Brien"), match_key("o'brien"));
        assert_eq!(match_key("St. John"), match_key("stjohn"));
        assert_eq!(match_key("Jose\u{301}"), match_key("JOSÉ"));
        assert_eq!(match_key("Nguyễn"), "nguyen");
        assert_ne!(match_key("Smith"), match_key("Smyth"));
    }
}
