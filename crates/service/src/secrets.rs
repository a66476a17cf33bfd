//! Random tokens (invite links, API tokens, sessions), their stored hashes, and password
//! hashing with argon2id.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A new random token: 32 bytes from the OS generator, hex-encoded, with a prefix that
/// says what it is (`sbi_` invite, `sbt_` API token, ...).
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a token: its SHA-256. Tokens carry 256 bits of randomness, so a
/// fast hash is enough (unlike passwords).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest accepted password.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// Checks a new password against the length rules.
pub fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Domain(switchboard_domain::DomainError::field(
            "password",
            "too_short",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        )));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(Error::Domain(switchboard_domain::DomainError::field(
            "password",
            "too_long",
            format!("must be at most {MAX_PASSWORD_CHARS} characters"),
        )));
    }
    Ok(())
}

/// Checks a new password and hashes it with argon2id.
pub fn hash_password(password: &str) -> Result<String> {
    check_password(password)?;
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

/// Whether `password` matches a stored argon2 hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}
