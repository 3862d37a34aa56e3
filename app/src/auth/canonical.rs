//! The canonical form of an email address (server only): what makes two spellings one address.
//!
//! The browser compares addresses lower-cased (instantly, as the person types); the server
//! decides with this form, which also catches what lower-casing misses: compatibility forms
//! (full-width letters, the Kelvin sign), full case folding (`ß` is `ss`) and, for the block
//! list only, the spellings that reach the same mailbox (`+tags`, Gmail's dots).
//! Zero-width and control characters never get here: [`EmailAddress::parse`] refuses them.

use crate::domain::account::EmailAddress;
use unicode_normalization::UnicodeNormalization;

/// NFKC, full case folding, NFKC again (case folding can undo a normalization): the form that
/// sign-in looks addresses up by and that keeps sign-ups unique.
pub fn canonical(email: &EmailAddress) -> String {
    let compatible: String = email.as_str().nfkc().collect();
    caseless::default_case_fold_str(&compatible).nfkc().collect()
}

/// The form a deleted address is blocked in: [`canonical`], without a `+tag` (mail to
/// `me+shop@` reaches `me@`), and for Gmail without the dots of the local part, which Gmail
/// ignores (`googlemail.com` is the same domain).
pub fn blocking_form(email: &EmailAddress) -> String {
    let canonical = canonical(email);
    let Some((local, domain)) = canonical.rsplit_once('@') else {
        return canonical;
    };
    let local = local.split_once('+').map_or(local, |(before, _)| before);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(raw: &str) -> String {
        blocking_form(&EmailAddress::parse(raw).unwrap())
    }

    #[test]
    fn spellings_of_one_mailbox_have_one_blocking_form() {
        let deleted = form("john.smith@gmail.com");
        for spelling in [
            "John.Smith@Gmail.com",
            "johnsmith@gmail.com",
            "j.o.h.n.s.m.i.t.h@gmail.com",
            "john.smith+shop@gmail.com",
            "JOHN.SMITH+X@GOOGLEMAIL.COM",
            "ｊｏｈｎ．ｓｍｉｔｈ@gmail.com",
        ] {
            assert_eq!(form(spelling), deleted, "{spelling}");
        }
        assert_eq!(form("STRASSE@example.de"), form("straße@example.de"));
        assert_eq!(form("\u{212A}elvin@example.com"), form("kelvin@example.com"));
        // Dots matter elsewhere.
        assert_ne!(form("john.smith@example.com"), form("johnsmith@example.com"));
    }

    #[test]
    fn the_canonical_form_keeps_tags_and_dots() {
        let canonical = |raw| canonical(&EmailAddress::parse(raw).unwrap());
        assert_eq!(canonical("John.Smith+Shop@Gmail.COM"), "john.smith+shop@gmail.com");
        assert_eq!(canonical("ＡＢＣ@example.com"), "abc@example.com");
    }
}
