//! Sealing secrets at rest (the SSO client secret): AES-256-GCM with the server's secret
//! key, a random nonce per seal, the account id bound as associated data so a sealed value
//! copied to another account does not open.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

/// The server's key for secrets stored in the database. Never printed.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

impl SecretKey {
    /// A new random key, from the operating system's generator.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut k);
        Self(k)
    }

    /// Reads a key written as 64 hexadecimal digits.
    pub fn from_hex(hex_text: &str) -> std::result::Result<Self, String> {
        let bytes = hex::decode(hex_text.trim())
            .map_err(|_| "the secret key must be 64 hexadecimal digits".to_owned())?;
        let k: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the secret key must be 64 hexadecimal digits (32 bytes)".to_owned())?;
        Ok(Self(k))
    }

    /// The key as 64 hexadecimal digits, to store it.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn aead(&self) -> Result<LessSafeKey> {
        UnboundKey::new(&AES_256_GCM, &self.0)
            .map(LessSafeKey::new)
            .map_err(|_| Error::Internal("unusable secret key".to_owned()))
    }

    /// Encrypts `plain`, bound to `context` (e.g. the account id).
    pub(crate) fn seal(&self, context: &str, plain: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::Internal("no randomness for a nonce".to_owned()))?;
        let mut data = plain.as_bytes().to_vec();
        self.aead()?
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| Error::Internal("sealing failed".to_owned()))?;
        let mut out = nonce.to_vec();
        out.extend(data);
        Ok(format!("v1:{}", B64.encode(out)))
    }

    /// Decrypts what [`SecretKey::seal`] made for the same `context`; `None` when it was
    /// sealed with another key or for another context.
    pub(crate) fn open(&self, context: &str, sealed: &str) -> Option<String> {
        let raw = B64.decode(sealed.strip_prefix("v1:")?).ok()?;
        if raw.len() < NONCE_LEN {
            return None;
        }
        let (nonce, data) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = self
            .aead()
            .ok()?
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_context() {
        let k = SecretKey::generate();
        let sealed = k.seal("account-1", "s3cret").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_eq!(k.open("account-1", &sealed).as_deref(), Some("s3cret"));
        assert_eq!(k.open("account-2", &sealed), None);
        let other = SecretKey::generate();
        assert_eq!(other.open("account-1", &sealed), None);
        assert_eq!(
            SecretKey::from_hex(&k.to_hex())
                .unwrap()
                .open("account-1", &sealed)
                .as_deref(),
            Some("s3cret")
        );
        assert!(SecretKey::from_hex("abc").is_err());
    }
}
