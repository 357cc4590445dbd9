//! Secret values as types: kept out of swap where the OS allows, zeroized on drop, never
//! printable.
//!
//! Nothing in here implements `Debug` or `Display`, so a secret cannot end up in a log line or
//! an error message by accident; reading one is always an explicit `expose_*` call.

use zeroize::{Zeroize, Zeroizing};

use crate::platform::{keep_out_of_swap, release_from_ram};

/// Secret bytes (a TOTP seed, a secret access key) that are wiped when dropped.
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    pub fn new(bytes: Vec<u8>) -> Self {
        keep_out_of_swap(&bytes);
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
        Self::new(std::mem::take(&mut *bytes))
    }
}

impl Clone for SecretBytes {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        // Zeroize wipes the buffer, then sets the length to 0: the range is taken first.
        let (start, len) = (self.0.as_ptr(), self.0.len());
        self.0.zeroize();
        release_from_ram(start, len);
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
#[derive(Default)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: String) -> Self {
        keep_out_of_swap(s.as_bytes());
        Self(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self::new(s.to_owned())
    }
}

/// Read straight out of a document (an authenticator's export): the string serde builds is
/// the only copy, and it is wiped with this value. Never `Serialize`.
impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl Clone for SecretString {
    fn clone(&self) -> Self {
        Self::new(self.0.clone())
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        // As for SecretBytes: the range first, then the wipe.
        let (start, len) = (self.0.as_ptr(), self.0.len());
        self.0.zeroize();
        release_from_ram(start, len);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_survive_clones_and_drops() {
        let a = SecretString::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let b = a.clone();
        drop(a);
        assert_eq!(b.expose(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let x = SecretBytes::new(vec![7; 20]);
        let y = x.clone();
        drop(x);
        assert_eq!(y.expose(), &[7; 20]);
        assert!(SecretString::default().expose().is_empty());
    }
}
