//! `OrganizationsApi`: the AWS Organizations calls of the organization-wide account report
//! (ListAccounts, ListAccountsForParent), made by [`SdkOrganizations`] with
//! aws-sdk-organizations, configured like IAM and STS by [`crate::aws::client`] (explicit
//! credentials; the SDK's standard retry, which waits and retries `TooManyRequestsException`).
//!
//! Organizations is a global service with its endpoint in the partition's home region.
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html>

use aws_sdk_organizations::error::{ProvideErrorMetadata, SdkError};

use crate::aws::client::{
    code_and_message, endpoint_override, sdk_config, CallLimits, SdkFailure, ServiceTarget,
};
use crate::aws::iam::IamFailure;
use crate::aws::profile::ResolvedProfile;
use crate::credentials::Credentials;

/// A failed call: AWS's error code and a message that says what to do (the same shape as
/// IAM's).
pub type OrgFailure = IamFailure;
pub type OrgResult<T> = std::result::Result<T, OrgFailure>;

/// AWS answers at most 20 accounts a page.
const PAGE_SIZE: i32 = 20;

/// One account of the organization, as Organizations lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAccount {
    pub id: String,
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE` (the account's state; `Status` in older
    /// answers).
    pub status: String,
}

pub trait OrganizationsApi: Send + Sync {
    /// Every account of the organization (ListAccounts), or of one organizational unit or
    /// root (`parent`: ListAccountsForParent, direct children only), all pages.
    fn list_accounts(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        parent: Option<&str>,
    ) -> OrgResult<Vec<MemberAccount>>;
}

/// Where Organizations is for `profile`: the partition's home region, and the endpoint
/// override for it (`AWS_ENDPOINT_URL_ORGANIZATIONS`, `AWS_ENDPOINT_URL`, the profile's).
pub fn organizations_target(profile: &ResolvedProfile) -> ServiceTarget {
    let iam = crate::aws::client::iam_target(profile);
    ServiceTarget {
        region: iam.region,
        endpoint_url: endpoint_override("ORGANIZATIONS", profile.endpoint_url.as_deref()),
    }
}

/// Organizations through aws-sdk-organizations.
#[derive(Default)]
pub struct SdkOrganizations {
    pub limits: CallLimits,
}

impl SdkOrganizations {
    fn run<O, E, R, Fut>(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        call: impl FnOnce(aws_sdk_organizations::Client) -> Fut,
    ) -> OrgResult<O>
    where
        Fut: std::future::Future<Output = Result<O, SdkError<E, R>>> + Send,
        O: Send,
        E: ProvideErrorMetadata + std::error::Error + Send + 'static,
        R: std::fmt::Debug + Send,
    {
        let config =
            aws_sdk_organizations::config::Builder::from(&sdk_config(target, creds, self.limits))
                .build();
        let client = aws_sdk_organizations::Client::from_conf(config);
        crate::runtime::block_on(call(client)).map_err(classify)
    }
}

impl OrganizationsApi for SdkOrganizations {
    fn list_accounts(
        &self,
        t: &ServiceTarget,
        c: &Credentials,
        parent: Option<&str>,
    ) -> OrgResult<Vec<MemberAccount>> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let (accounts, next) = match parent {
                None => {
                    let out = self.run(t, c, |c| {
                        c.list_accounts()
                            .max_results(PAGE_SIZE)
                            .set_next_token(token.clone())
                            .send()
                    })?;
                    (convert(out.accounts()), out.next_token().map(str::to_owned))
                }
                Some(parent) => {
                    let out = self.run(t, c, |c| {
                        c.list_accounts_for_parent()
                            .parent_id(parent)
                            .max_results(PAGE_SIZE)
                            .set_next_token(token.clone())
                            .send()
                    })?;
                    (convert(out.accounts()), out.next_token().map(str::to_owned))
                }
            };
            all.extend(accounts);
            match next.filter(|t| !t.is_empty()) {
                Some(next) => token = Some(next),
                None => return Ok(all),
            }
        }
    }
}

fn convert(accounts: &[aws_sdk_organizations::types::Account]) -> Vec<MemberAccount> {
    accounts
        .iter()
        .map(|a| {
            let state = a.state().map(|s| s.as_str().to_owned());
            let status = a.status().map(|s| s.as_str().to_owned());
            MemberAccount {
                id: a.id().unwrap_or_default().to_owned(),
                name: a.name().unwrap_or_default().to_owned(),
                status: state.or(status).unwrap_or_else(|| "ACTIVE".into()),
            }
        })
        .collect()
}

/// Sorts an SDK error into AWS's code and a message that says what to do.
fn classify<E: ProvideErrorMetadata + std::error::Error + Send + 'static, R: std::fmt::Debug>(
    err: SdkError<E, R>,
) -> OrgFailure {
    let (code, message) = code_and_message(
        SdkFailure::of(&err),
        "AWS Organizations",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        advice,
    );
    OrgFailure { code, message }
}

/// What to do about an Organizations error code.
fn advice(code: &str) -> &'static str {
    match code {
        "AccessDeniedException" | "AccessDenied" => "; run it with the management account's profile or a delegated administrator's",
        "AWSOrganizationsNotInUseException" => "; this profile's account is in no organization: use the management account's profile",
        "ParentNotFoundException" | "InvalidInputException" => "; check the --ou id (`aws organizations list-roots` and `list-organizational-units-for-parent` show them)",
        "TooManyRequestsException" => "; wait a minute and try again",
        _ => "",
    }
}
