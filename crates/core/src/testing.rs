//! Test doubles shared by the core's unit tests.

use crate::mfa::Interaction;
use crate::secret::SecretString;

/// A front end with nobody at it: notices go nowhere, no code can be asked for, and devices
/// that ask before use are allowed.
pub struct Quiet;

impl Interaction for Quiet {
    fn notice(&self, _: &str) {}
    fn prompt_mfa_code(&self, _: &str, _: &str) -> crate::Result<Option<SecretString>> {
        Ok(None)
    }
    fn approve_device(&self, _: &str, _: &str) -> crate::Result<bool> {
        Ok(true)
    }
}
