//! Masks contact details in an "Other" text before it is stored (server only): the statistics
//! must not learn who wrote it, and people write their address or number to be contacted.
//!
//! Each kind is replaced by a code the staff page shows in its own language ([`MASKS`]). The
//! rules mask too much rather than too little: any run of seven or more digits (a phone
//! number, but also an order number or a date written without words), any word with a dot
//! before two or more letters (a web address, but also "end.Then").

use regex::Regex;
use std::sync::LazyLock;

/// What replaces an email address, a web address and a phone number, in that order.
pub const MASKS: [&str; 3] = ["{email}", "{link}", "{phone}"];

/// Emails before web addresses (an address's domain is one too), web addresses before phone
/// numbers (a link may hold digits).
static PATTERNS: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    [
        Regex::new(r"(?i)[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*").expect("a valid pattern"),
        Regex::new(r"(?i)\b(?:[a-z][a-z0-9+.\-]*://\S+|www\.\S+|(?:[\p{L}\p{N}\-]+\.)+\p{L}{2,}\b(?:/\S*)?)")
            .expect("a valid pattern"),
        // A digit, then digits and the separators of written numbers, then a digit; checked for
        // seven digits below (the regex crate cannot count them).
        Regex::new(r"\+?\(?\d[\d \-.()/]*\d").expect("a valid pattern"),
    ]
});

/// At least this many digits make a number a phone number (a Finnish mobile has 10, with the
/// leading 0; a short Helsinki landline 7 after the area code).
const PHONE_DIGITS: usize = 7;

/// The text with every email address, web address and phone number replaced by its mask.
pub fn mask_contact_details(text: &str) -> String {
    let [email, link, phone] = &*PATTERNS;
    let text = email.replace_all(text, MASKS[0]);
    let text = link.replace_all(&text, MASKS[1]);
    phone
        .replace_all(&text, |found: &regex::Captures<'_>| {
            let number = &found[0];
            if number.chars().filter(char::is_ascii_digit).count() >= PHONE_DIGITS {
                MASKS[2].to_owned()
            } else {
                number.to_owned()
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::mask_contact_details as mask;

    #[test]
    fn email_addresses_are_masked() {
        assert_eq!(mask("write to aino.virtanen+shop@example.fi please"), "write to {email} please");
        assert_eq!(mask("Mail: Äiti.Virtanen@posti.fi."), "Mail: {email}.");
    }

    #[test]
    fn finnish_phone_numbers_in_every_usual_form_are_masked() {
        for number in
            ["+358 40 123 4567", "040-1234567", "040 123 4567", "0401234567", "+358401234567", "(09) 123 4567"]
        {
            assert_eq!(mask(&format!("soita {number} kiitos")), "soita {phone} kiitos", "{number}");
        }
    }

    #[test]
    fn web_addresses_are_masked() {
        assert_eq!(mask("see https://example.com/path?q=1 now"), "see {link} now");
        assert_eq!(mask("my shop www.linsgadgets.example is better"), "my shop {link} is better");
        assert_eq!(mask("found it on kauppa.fi/tuote/12"), "found it on {link}");
    }

    #[test]
    fn ordinary_words_and_small_numbers_stay() {
        let text = "Too many emails, 3 a day; I paid 120 EUR for 2 items. Moving to Tampere.";
        assert_eq!(mask(text), text);
    }

    #[test]
    fn everything_in_one_text_is_masked() {
        assert_eq!(
            mask("Call +358 40 123 4567 or 040-1234567, mail a@b.fi, see http://x.fi"),
            "Call {phone} or {phone}, mail {email}, see {link}"
        );
    }
}
