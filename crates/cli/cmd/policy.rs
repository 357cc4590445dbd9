//! `otpilot policy enforce-mfa|role-trust`: IAM policy templates as JSON on stdout.

use anyhow::Result;
use otpilot_core::policy;

use crate::cli::PolicyCommand;

pub fn run(command: PolicyCommand) -> Result<()> {
    let document = match command {
        PolicyCommand::EnforceMfa => policy::enforce_mfa(),
        PolicyCommand::RoleTrust {
            account,
            max_mfa_age,
            partition,
        } => policy::role_trust(&account, &partition, max_mfa_age)?,
    };
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}
