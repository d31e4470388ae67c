//! Rules for staff accounts that the desk and the server both apply.

/// A staff password: at least this many characters (and a sane maximum for hashing).
pub const MIN_PASSWORD_CHARS: usize = 12;
const MAX_PASSWORD_BYTES: usize = 256;

pub fn password_acceptable(password: &str) -> bool {
    password.chars().count() >= MIN_PASSWORD_CHARS && password.len() <= MAX_PASSWORD_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_twelve_characters_and_no_more_than_256_bytes() {
        assert!(!password_acceptable("elevenchars"));
        assert!(password_acceptable("twelve chars"));
        assert!(password_acceptable("ñandúñandúñ!"), "characters, not bytes");
        assert!(!password_acceptable(&"x".repeat(257)));
    }
}
