//! Insurance member IDs, checked as the payer would before a claim bounces: the Medicare
//! Beneficiary Identifier exactly per CMS's format, others by a generic shape. For the insurance
//! step of the kiosk; no I/O.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberIdError {
    Missing,
    /// Not 11 characters (without dashes and spaces).
    WrongLength,
    /// A character of the wrong kind for its position, or a letter CMS never uses.
    WrongCharacter {
        position: usize,
    },
    /// Other payers: letters, digits and dashes, 2 to 30 characters.
    NotAMemberId,
}

/// Letters an MBI may use: A–Z without S, L, O, I, B, Z (they look like digits).
fn mbi_letter(c: char) -> bool {
    c.is_ascii_uppercase() && !"SLOIBZ".contains(c)
}

/// A Medicare Beneficiary Identifier, e.g. `1EG4-TE5-MK73` → `1EG4TE5MK73`. Positions: 1 digit
/// 1–9; 2, 5, 8, 9 letter; 3, 6 letter or digit; 4, 7, 10, 11 digit.
pub fn validate_mbi(text: &str) -> Result<String, MemberIdError> {
    let mbi: String = text
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if mbi.is_empty() {
        return Err(MemberIdError::Missing);
    }
    if mbi.chars().count() != 11 {
        return Err(MemberIdError::WrongLength);
    }
    for (i, c) in mbi.chars().enumerate() {
        let ok = match i + 1 {
            1 => ('1'..='9').contains(&c),
            2 | 5 | 8 | 9 => mbi_letter(c),
            3 | 6 => mbi_letter(c) || c.is_ascii_digit(),
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return Err(MemberIdError::WrongCharacter { position: i + 1 });
        }
    }
    Ok(mbi)
}

/// A member ID for any other payer: letters, digits, dashes; 2–30 characters; upper-cased.
pub fn validate_member_id(text: &str) -> Result<String, MemberIdError> {
    let id = text.trim().to_ascii_uppercase();
    if id.is_empty() {
        return Err(MemberIdError::Missing);
    }
    let ok = (2..=30).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then_some(id).ok_or(MemberIdError::NotAMemberId)
}

/// `••••MK73`: the last four characters, all the lobby may see of a stored member ID.
pub fn mask_member_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("••••{last4}")
}

/// The patient's relationship to the subscriber of a coverage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    #[serde(rename = "self")]
    Own,
    Spouse,
    Child,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medicare_ids_follow_the_cms_format() {
        // CMS's published example.
        assert_eq!(validate_mbi("1EG4-TE5-MK73"), Ok("1EG4TE5MK73".into()));
        assert_eq!(validate_mbi("1eg4te5mk73"), Ok("1EG4TE5MK73".into()));
        assert_eq!(
            validate_mbi("1E94TE5MK73"),
            Ok("1E94TE5MK73".into()),
            "position 3 may be a digit"
        );
        let cases = [
            ("", MemberIdError::Missing),
            ("1EG4TE5MK7", MemberIdError::WrongLength),
            ("1EG4TE5MK733", MemberIdError::WrongLength),
            ("0EG4TE5MK73", MemberIdError::WrongCharacter { position: 1 }),
            ("1SG4TE5MK73", MemberIdError::WrongCharacter { position: 2 }),
            ("1EO4TE5MK73", MemberIdError::WrongCharacter { position: 3 }),
            ("1EGXTE5MK73", MemberIdError::WrongCharacter { position: 4 }),
            ("1EG45E5MK73", MemberIdError::WrongCharacter { position: 5 }),
            ("1EG4TEBMK73", MemberIdError::WrongCharacter { position: 7 }),
            ("1EG4TE5ZK73", MemberIdError::WrongCharacter { position: 8 }),
            ("1EG4TE5MI73", MemberIdError::WrongCharacter { position: 9 }),
            ("1EG4TE5MKL3", MemberIdError::WrongCharacter { position: 10 }),
            ("1EG4TE5MK7B", MemberIdError::WrongCharacter { position: 11 }),
        ];
        for (text, expected) in cases {
            assert_eq!(validate_mbi(text), Err(expected), "{text}");
        }
    }

    #[test]
    fn other_member_ids_and_the_lobby_mask() {
        assert_eq!(validate_member_id(" xgh-12345678 "), Ok("XGH-12345678".into()));
        assert_eq!(validate_member_id("A"), Err(MemberIdError::NotAMemberId));
        assert_eq!(validate_member_id("ABC 123"), Err(MemberIdError::NotAMemberId));
        assert_eq!(mask_member_id("1EG4TE5MK73"), "••••MK73");
        assert_eq!(mask_member_id("AB"), "••••AB");
    }

    #[test]
    fn relationship_reads_as_fhir_codes() {
        assert_eq!(serde_json::to_string(&Relationship::Own).unwrap(), "\"self\"");
        assert_eq!(
            serde_json::from_str::<Relationship>("\"spouse\"").unwrap(),
            Relationship::Spouse
        );
    }
}
