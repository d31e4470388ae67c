//! The checks a front-desk secretary does on contact details "at each visit", and how stored
//! values are shown in a lobby: masked, enough for the patient to recognise, not enough for
//! anyone else to learn. For the demographics step of the kiosk; no I/O.

use serde::{Deserialize, Serialize};

/// USPS codes of the states, DC, the territories and the armed forces' "states".
pub const US_STATES: [&str; 59] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME",
    "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
    "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI", "AA",
    "AE", "AP",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactError {
    Missing,
    NotAState,
    NotAZip,
    NotAPhoneNumber,
    NotAnEmail,
}

/// A state or territory code, any case → upper case.
pub fn validate_state(text: &str) -> Result<String, ContactError> {
    let code = text.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Err(ContactError::Missing);
    }
    US_STATES
        .contains(&code.as_str())
        .then_some(code)
        .ok_or(ContactError::NotAState)
}

/// ZIP or ZIP+4 → `12345` or `12345-6789` (nine digits without the dash are accepted too).
pub fn validate_zip(text: &str) -> Result<String, ContactError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ContactError::Missing);
    }
    let digits: String = text.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let shape_ok = match text.len() {
        5 | 9 => text.bytes().all(|b| b.is_ascii_digit()),
        10 => text.as_bytes()[5] == b'-' && text.bytes().enumerate().all(|(i, b)| i == 5 || b.is_ascii_digit()),
        _ => false,
    };
    match (shape_ok, digits.len()) {
        (true, 5) => Ok(digits),
        (true, 9) => Ok(format!("{}-{}", &digits[..5], &digits[5..])),
        _ => Err(ContactError::NotAZip),
    }
}

/// A phone number in E.164: US and Canadian (NANP) numbers as typed in any usual way, or an
/// international number starting with `+`.
pub fn validate_phone(text: &str) -> Result<String, ContactError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ContactError::Missing);
    }
    if !text.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) || text.matches('+').count() > 1 {
        return Err(ContactError::NotAPhoneNumber);
    }
    let international = text.starts_with('+');
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let national = match (international, digits.len()) {
        (false, 10) => Some(digits.as_str()),
        (_, 11) if digits.starts_with('1') => Some(&digits[1..]),
        _ => None,
    };
    if let Some(national) = national {
        let b = national.as_bytes();
        // NANP: area code and exchange start with 2–9.
        return if b[0] >= b'2' && b[3] >= b'2' {
            Ok(format!("+1{national}"))
        } else {
            Err(ContactError::NotAPhoneNumber)
        };
    }
    if international && (8..=15).contains(&digits.len()) && !digits.starts_with('0') {
        return Ok(format!("+{digits}"));
    }
    Err(ContactError::NotAPhoneNumber)
}

/// A plausible e-mail address, lower-cased domain. (Whether it receives mail is for the mail.)
pub fn validate_email(text: &str) -> Result<String, ContactError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ContactError::Missing);
    }
    let Some((local, domain)) = text.rsplit_once('@') else {
        return Err(ContactError::NotAnEmail);
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let ok = !local.is_empty()
        && local.len() <= 64
        && text.len() <= 254
        && !local.contains(char::is_whitespace)
        && !local.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| label_ok(l))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
    if ok {
        Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
    } else {
        Err(ContactError::NotAnEmail)
    }
}

const DOT: char = '•';

/// `(•••) •••-1234` for a stored E.164 number: the last four digits only.
pub fn mask_phone(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    let last4: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("({0}{0}{0}) {0}{0}{0}-{last4}", DOT)
}

/// `j•••@•••.com`: the first letter and the top-level domain.
pub fn mask_email(email: &str) -> String {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let first: String = local.chars().take(1).collect();
    let tld = domain.rsplit_once('.').map_or("", |(_, tld)| tld);
    format!("{first}{0}{0}{0}@{0}{0}{0}.{tld}", DOT)
}

/// `•••• Oak St, •••42`: the street name without the number, and the ZIP's last two digits.
pub fn mask_address(line1: &str, zip: &str) -> String {
    let street: Vec<&str> = line1
        .split_whitespace()
        .skip_while(|w| w.chars().any(|c| c.is_ascii_digit()))
        .collect();
    let zip_digits: String = zip.chars().take(5).collect();
    let tail: String = zip_digits
        .chars()
        .skip(zip_digits.chars().count().saturating_sub(2))
        .collect();
    format!("{0}{0}{0}{0} {1}, {0}{0}{0}{tail}", DOT, street.join(" "))
}

/// `M••• (•••) •••-0107`: an emergency contact's initial and their phone's last four digits.
pub fn mask_emergency_contact(name: &str, phone: Option<&str>) -> String {
    let initial: String = name.trim().chars().take(1).collect();
    match phone {
        Some(phone) => format!("{initial}{0}{0}{0} {1}", DOT, mask_phone(phone)),
        None => format!("{initial}{0}{0}{0}", DOT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emergency_contact_shows_an_initial_and_four_digits() {
        assert_eq!(
            mask_emergency_contact(" Maria Lopez", Some("+15125550107")),
            "M••• (•••) •••-0107"
        );
        assert_eq!(
            mask_emergency_contact("Maria", Some("512-555-0107")),
            "M••• (•••) •••-0107"
        );
        assert_eq!(mask_emergency_contact("Maria", None), "M•••");
    }

    #[test]
    fn states_and_territories() {
        for good in ["ca", " NY ", "PR", "gu", "dc", "AE"] {
            assert!(validate_state(good).is_ok(), "{good}");
        }
        assert_eq!(validate_state("tx"), Ok("TX".into()));
        for bad in ["XX", "California", "C", "Q1"] {
            assert_eq!(validate_state(bad), Err(ContactError::NotAState), "{bad}");
        }
        assert_eq!(validate_state(" "), Err(ContactError::Missing));
    }

    #[test]
    fn zip_and_zip_plus_four() {
        let cases = [
            ("02139", Ok("02139".to_owned())),
            ("02139-4307", Ok("02139-4307".to_owned())),
            ("021394307", Ok("02139-4307".to_owned())),
            ("2139", Err(ContactError::NotAZip)),
            ("02139-43", Err(ContactError::NotAZip)),
            ("0213a", Err(ContactError::NotAZip)),
            ("021394-307", Err(ContactError::NotAZip)),
            ("", Err(ContactError::Missing)),
        ];
        for (text, expected) in cases {
            assert_eq!(validate_zip(text), expected, "{text}");
        }
    }

    #[test]
    fn phones_become_e164() {
        let us = Ok("+16175551234".to_owned());
        for typed in [
            "(617) 555-1234",
            "617-555-1234",
            "617.555.1234",
            "+1 617 555 1234",
            "1-617-555-1234",
            "6175551234",
        ] {
            assert_eq!(validate_phone(typed), us, "{typed}");
        }
        assert_eq!(validate_phone("+52 55 1234 5678"), Ok("+525512345678".into()));
        for bad in [
            "555-1234",
            "(117) 555-1234",
            "617-055-1234",
            "617 555 1234 ext 9",
            "++1617",
            "+0123456789",
            "12345678901234567",
        ] {
            assert_eq!(validate_phone(bad), Err(ContactError::NotAPhoneNumber), "{bad}");
        }
    }

    #[test]
    fn emails_are_sane() {
        assert_eq!(
            validate_email(" Ana.Cruz+clinic@Example.ORG "),
            Ok("Ana.Cruz+clinic@example.org".into())
        );
        for bad in [
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "ana@@example.org",
            "a na@example.org",
            "ana@exa_mple.org",
            "ana@example.c0m",
            "ana@-example.org",
        ] {
            assert_eq!(validate_email(bad), Err(ContactError::NotAnEmail), "{bad}");
        }
    }

    #[test]
    fn stored_values_are_masked_for_the_lobby() {
        assert_eq!(mask_phone("+16175551234"), "(•••) •••-1234");
        assert_eq!(mask_email("jane.doe@mail.example.com"), "j•••@•••.com");
        assert_eq!(
            mask_address("142 Oak St Apt 3", "02139-4307"),
            "•••• Oak St Apt 3, •••39"
        );
        // Nothing that identifies more than the patient already knows.
        assert!(!mask_address("142 Oak St", "02139").contains("142"));
    }
}
