//! The parts of an account a person types: email, password, name, country, phone.

use super::problems::{required_text, Problem};
use serde::{Deserialize, Serialize};

/// An email address as the account knows it: trimmed, with its case kept for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// RFC 5321 limits a forward path to 254 characters.
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<EmailAddress, Problem> {
        let email = required_text(raw, Self::MAX_LEN)?;
        let (local, domain) = email.rsplit_once('@').ok_or(Problem::EmailInvalid)?;
        let plausible = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if plausible {
            Ok(EmailAddress(email))
        } else {
            Err(Problem::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form compared and blocked: addresses differ only by case for no real mailbox here.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A password a person chooses. Long passphrases are welcome; the limit only stops abuse of
/// the (deliberately slow) hash.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 8;
    pub const MAX_LEN: usize = 128;

    pub fn parse(raw: &str) -> Result<NewPassword, Problem> {
        let length = raw.chars().count();
        if raw.is_empty() {
            Err(Problem::Required)
        } else if length < Self::MIN_LEN {
            Err(Problem::PasswordTooShort { min: Self::MIN_LEN })
        } else if length > Self::MAX_LEN {
            Err(Problem::TooLong { max: Self::MAX_LEN })
        } else {
            Ok(NewPassword(raw.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

/// A password typed to prove who one is: only its presence and size are checked before it is
/// compared with the stored hash.
pub fn typed_password(raw: &str) -> Result<&str, Problem> {
    match raw.chars().count() {
        0 => Err(Problem::Required),
        n if n > NewPassword::MAX_LEN => Err(Problem::TooLong { max: NewPassword::MAX_LEN }),
        _ => Ok(raw),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<PersonName, Problem> {
        required_text(raw, Self::MAX_LEN).map(PersonName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The countries the marketplace ships to (ISO 3166-1 alpha-2).
pub const COUNTRIES: [&str; 10] = ["FI", "SE", "EE", "NO", "DK", "DE", "GB", "US", "ES", "FR"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country(&'static str);

impl Country {
    pub fn parse(raw: &str) -> Result<Country, Problem> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(Problem::Required);
        }
        COUNTRIES.iter().find(|c| c.eq_ignore_ascii_case(code)).map(|c| Country(c)).ok_or(Problem::CountryUnknown)
    }

    pub fn code(self) -> &'static str {
        self.0
    }
}

/// An optional phone number: digits with the usual separators and an optional leading `+`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse_optional(raw: &str) -> Result<Option<Phone>, Problem> {
        let phone = raw.trim();
        if phone.is_empty() {
            return Ok(None);
        }
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0));
        if allowed && (6..=15).contains(&digits) {
            Ok(Some(Phone(phone.to_owned())))
        } else {
            Err(Problem::PhoneInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_compared_case_insensitively() {
        let email = EmailAddress::parse("  Aino.Virtanen@Example.FI ").unwrap();
        assert_eq!(email.as_str(), "Aino.Virtanen@Example.FI");
        assert_eq!(email.normalized(), "aino.virtanen@example.fi");
    }

    #[test]
    fn implausible_emails_are_refused() {
        for raw in ["plain", "@example.com", "a@b", "a@.com", "a@com.", "a b@example.com"] {
            assert_eq!(EmailAddress::parse(raw), Err(Problem::EmailInvalid), "{raw}");
        }
        assert_eq!(EmailAddress::parse("   "), Err(Problem::Required));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(Problem::TooLong { max: 254 }));
    }

    #[test]
    fn passwords_have_a_minimum_and_a_maximum() {
        assert_eq!(NewPassword::parse(""), Err(Problem::Required));
        assert_eq!(NewPassword::parse("short"), Err(Problem::PasswordTooShort { min: 8 }));
        assert!(NewPassword::parse("long enough").is_ok());
        assert_eq!(NewPassword::parse(&"x".repeat(129)), Err(Problem::TooLong { max: 128 }));
        assert_eq!(format!("{:?}", NewPassword::parse("secret-password").unwrap()), "NewPassword(..)");
    }

    #[test]
    fn names_refuse_control_and_invisible_characters() {
        for raw in ["Ai\0no", "Aino\u{7}", "Aino\u{202E}nenitriV", "Ai\u{200B}no", "\u{2066}Aino", "Aino\u{FEFF}x"] {
            assert_eq!(PersonName::parse(raw), Err(Problem::InvalidCharacters), "{raw:?}");
        }
        assert!(PersonName::parse("Aino-Kaisa O'Brien Åström").is_ok());
    }

    #[test]
    fn countries_and_phones() {
        assert_eq!(Country::parse("fi").unwrap().code(), "FI");
        assert_eq!(Country::parse("XX"), Err(Problem::CountryUnknown));
        assert_eq!(Phone::parse_optional(" "), Ok(None));
        assert!(Phone::parse_optional("+358 40 123 4567").unwrap().is_some());
        assert_eq!(Phone::parse_optional("12+34567"), Err(Problem::PhoneInvalid));
        assert_eq!(Phone::parse_optional("123"), Err(Problem::PhoneInvalid));
    }
}
