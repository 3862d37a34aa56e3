//! Keyed digests of email addresses: how a deleted account's address stays blocked (and how
//! rate limits count attempts per address) without the address itself being kept.

use crate::domain::account::EmailAddress;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;

/// The server secret (`APP_SECRET`) that keys every digest.
#[derive(Clone)]
pub struct EmailDigester(Arc<[u8]>);

impl EmailDigester {
    pub fn new(secret: &[u8]) -> EmailDigester {
        EmailDigester(secret.into())
    }

    /// HMAC-SHA-256 of the normalized address.
    pub fn digest(&self, email: &EmailAddress) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(email.normalized().as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    /// The digest as hex, for text keys such as rate-limit buckets.
    pub fn digest_hex(&self, email: &EmailAddress) -> String {
        hex::encode(self.digest(email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_ignores_case_and_surrounding_space_and_depends_on_the_key() {
        let digester = EmailDigester::new(b"secret");
        let a = digester.digest(&EmailAddress::parse("Someone@Example.com").unwrap());
        let b = digester.digest(&EmailAddress::parse("  someone@example.COM ").unwrap());
        let other_key = EmailDigester::new(b"other").digest(&EmailAddress::parse("someone@example.com").unwrap());
        assert_eq!(a, b);
        assert_ne!(a, other_key);
        assert_eq!(a.len(), 32);
    }
}
