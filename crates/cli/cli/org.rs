//! `--organization` and its options, shared by `account report` and `account enforce-mfa`.

use clap::Args;

/// Run over the accounts of an AWS Organization instead of the profile's own account.
#[derive(Debug, Args)]
pub struct OrgArgs {
    /// Every account of the AWS Organization, through its access role, from the management
    /// account's (or a delegated administrator's) profile; one MFA code for the whole run.
    #[arg(long)]
    pub organization: bool,
    /// The role assumed in each member account.
    #[arg(
        long,
        value_name = "NAME",
        requires = "organization",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub role: String,
    /// Only these accounts (12-digit ids, comma-separated).
    #[arg(
        long,
        value_name = "ID,ID",
        value_delimiter = ',',
        requires = "organization",
        conflicts_with = "ou"
    )]
    pub accounts: Vec<String>,
    /// Only the accounts directly in this organizational unit (or root): `ou-…`, `r-…`.
    #[arg(long, value_name = "OU-ID", requires = "organization")]
    pub ou: Option<String>,
    /// Accounts checked at once.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 8,
        requires = "organization",
        value_parser = clap::value_parser!(u16).range(1..=64)
    )]
    pub concurrency: u16,
}
