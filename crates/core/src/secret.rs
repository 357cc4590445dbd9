//! Secret values as types: zeroized on drop, never printable.
//!
//! Nothing in here implements `Debug` or `Display`, so a secret cannot end up in a log line or
//! an error message by accident; reading one is always an explicit `expose_*` call.

use zeroize::{Zeroize, Zeroizing};

/// Secret bytes (a TOTP seed, a secret access key) that are wiped when dropped.
#[derive(Clone, Zeroize)]
#[zeroize(drop)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Zeroizing<Vec<u8>>> for SecretBytes {
    fn from(mut bytes: Zeroizing<Vec<u8>>) -> Self {
        Self(std::mem::take(&mut *bytes))
    }
}

impl PartialEq for SecretBytes {
    /// Constant-time in the length of the shorter value, so comparing seeds leaks nothing useful.
    fn eq(&self, other: &Self) -> bool {
        if self.0.len() != other.0.len() {
            return false;
        }
        self.0
            .iter()
            .zip(other.0.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// A secret string (pasted input, an otpauth URI, a session token) wiped when dropped.
#[derive(Clone, Default, Zeroize)]
#[zeroize(drop)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: String) -> Self {
        Self(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}
