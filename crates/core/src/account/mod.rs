//! The administrator's side of the AWS MFA guides, as rules over what IAM returns: the
//! password policy baseline (`password`), the findings of an account report from IAM's
//! credential report (`report`), and who an MFA-enforcing policy would restrict. No IAM call
//! is made here; `app::account` makes them and applies these rules.

pub mod organization;
pub mod password;
pub mod report;

/// The managed policy `otpilot account enforce-mfa` creates and attaches: the document of
/// `otpilot policy enforce-mfa`, under a name that stays the same from run to run.
pub const ENFORCE_MFA_POLICY_NAME: &str = "OtpilotEnforceMFA";
