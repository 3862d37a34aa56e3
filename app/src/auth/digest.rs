//! Keyed digests of email addresses: how a deleted account's address stays blocked (and how
//! rate limits count attempts per address) without the address itself being kept.
//!
//! Each use has a key of its own, derived from the server secret (`APP_SECRET`), so a digest
//! of one kind says nothing about the other. Secrets can be rotated: the secrets that came
//! before (`APP_PREVIOUS_SECRETS`) keep their blocks, since a sign-up is checked against the
//! block-list digest under every listed secret; each block records the id of its key.

use super::canonical::{blocking_form, canonical};
use crate::domain::account::EmailAddress;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// One server secret's derived keys.
struct Keys {
    /// Blocks made before the keys were derived used the secret itself.
    legacy_secret: Vec<u8>,
    /// A short public name of the block-list key, stored beside each digest it made.
    id: String,
    block_list: Vec<u8>,
    rate_limits: Vec<u8>,
}

impl Keys {
    fn derive(secret: &[u8]) -> Keys {
        let block_list = hmac(secret, b"deactivate block list v1");
        Keys {
            legacy_secret: secret.to_vec(),
            id: hex::encode(&Sha256::digest(&block_list)[..4]),
            block_list,
            rate_limits: hmac(secret, b"deactivate rate limits v1"),
        }
    }
}

fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// What the deletion of an address records: its block-list digest under the current key (and
/// that key's id), and the key its failed sign-ins were counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressDigests {
    pub key_id: String,
    pub block: Vec<u8>,
    pub rate_limit_key: String,
}

#[derive(Clone)]
pub struct EmailDigester(Arc<[Keys]>);

impl EmailDigester {
    /// The current secret only.
    pub fn new(secret: &[u8]) -> EmailDigester {
        EmailDigester::with_previous(secret, &[])
    }

    /// The current secret, and those it replaced (their blocks still hold).
    pub fn with_previous(current: &[u8], previous: &[Vec<u8>]) -> EmailDigester {
        let secrets = std::iter::once(current).chain(previous.iter().map(Vec::as_slice));
        EmailDigester(secrets.map(Keys::derive).collect())
    }

    fn current(&self) -> &Keys {
        &self.0[0]
    }

    /// The digests a deletion of `email` records (under the current secret).
    pub fn digests(&self, email: &EmailAddress) -> AddressDigests {
        let keys = self.current();
        AddressDigests {
            key_id: keys.id.clone(),
            block: hmac(&keys.block_list, blocking_form(email).as_bytes()),
            rate_limit_key: self.rate_limit_key(email),
        }
    }

    /// The block-list digests of `email` under every listed secret, and as blocks were made
    /// before migration 0009: it is blocked if any is.
    pub fn block_digests(&self, email: &EmailAddress) -> Vec<Vec<u8>> {
        let form = blocking_form(email);
        let legacy_form = email.normalized();
        self.0
            .iter()
            .flat_map(|keys| {
                [hmac(&keys.block_list, form.as_bytes()), hmac(&keys.legacy_secret, legacy_form.as_bytes())]
            })
            .collect()
    }

    /// The key rate limits count attempts on `email` under (hex).
    pub fn rate_limit_key(&self, email: &EmailAddress) -> String {
        hex::encode(hmac(&self.current().rate_limits, canonical(email).as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).unwrap()
    }

    #[test]
    fn the_digest_follows_the_blocking_form_and_depends_on_the_key() {
        let digester = EmailDigester::new(b"secret");
        let a = digester.digests(&email("Someone+x@Example.com"));
        let b = digester.digests(&email("  someone@example.COM "));
        let other_key = EmailDigester::new(b"other").digests(&email("someone@example.com"));
        assert_eq!(a.block, b.block);
        assert_ne!(a.block, other_key.block);
        assert_ne!(a.key_id, other_key.key_id);
        assert_eq!(a.block.len(), 32);
        // The two uses have keys of their own.
        assert_ne!(hex::encode(&a.block), a.rate_limit_key);
    }

    #[test]
    fn a_rotated_secret_keeps_the_blocks_made_under_the_old_one() {
        let old = EmailDigester::new(b"old secret").digests(&email("left@example.com"));
        let rotated = EmailDigester::with_previous(b"new secret", &[b"old secret".to_vec()]);

        let checked = rotated.block_digests(&email("Left@Example.com"));

        assert!(checked.contains(&old.block));
        assert_ne!(rotated.digests(&email("left@example.com")).key_id, old.key_id);
    }
}
