//! What every AWS client of Otpilot shares: explicit credentials (never the SDK's default
//! chain, which for a profile wired to Otpilot would start Otpilot again), standard retries
//! bounded by an operation timeout, and a reading of the clock skew from every response's
//! `Date` header (TOTP codes fail when the local clock drifts).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::region::Region;
use aws_types::sdk_config::SdkConfig;

use crate::aws::profile::ResolvedProfile;
use crate::credentials::Credentials;

/// Where to send a service's calls: a region, and an endpoint override when one is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTarget {
    pub region: String,
    pub endpoint_url: Option<String>,
}

/// Retry and time bounds of one client.
#[derive(Debug, Clone, Copy)]
pub struct CallLimits {
    /// Bound on one whole call including retries.
    pub operation_timeout: Duration,
    pub max_attempts: u32,
}

impl Default for CallLimits {
    fn default() -> Self {
        Self {
            operation_timeout: Duration::from_secs(30),
            max_attempts: 4,
        }
    }
}

/// The shared part of a service client's configuration.
pub fn sdk_config(target: &ServiceTarget, base: &Credentials, limits: CallLimits) -> SdkConfig {
    let creds = aws_credential_types::Credentials::new(
        base.access_key_id.clone(),
        base.secret_access_key.expose().to_owned(),
        base.session_token.as_ref().map(|t| t.expose().to_owned()),
        None,
        "otpilot",
    );
    let mut config = SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(Region::new(target.region.clone()))
        .credentials_provider(SharedCredentialsProvider::new(creds))
        .retry_config(RetryConfig::standard().with_max_attempts(limits.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(10))
                .operation_timeout(limits.operation_timeout)
                .build(),
        );
    if let Some(url) = &target.endpoint_url {
        config = config.endpoint_url(url.clone());
    }
    config.build()
}

/// The endpoint override for `service` (`STS`, `IAM`) from the environment, as the SDKs read
/// it: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the profile's
/// `endpoint_url`; none at all when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`.
pub fn endpoint_override(service: &str, profile_endpoint: Option<&str>) -> Option<String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return None;
    }
    env(&format!("AWS_ENDPOINT_URL_{service}"))
        .or_else(|| env("AWS_ENDPOINT_URL"))
        .or_else(|| profile_endpoint.map(str::to_owned))
}

/// Region and endpoint for STS, as the SDKs pick them: the service-specific endpoint
/// variable, then the global one, then the profile's `endpoint_url`
/// (<https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html>).
pub fn sts_target(profile: &ResolvedProfile) -> ServiceTarget {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let endpoint_url = endpoint_override("STS", profile.endpoint_url.as_deref());
    // Without a region, the home region of the role's partition (us-east-1 for `aws`).
    let partition_default = profile
        .hops
        .first()
        .map_or("us-east-1", |h| partition_region(&h.role_arn));
    let region = profile
        .region
        .clone()
        .or_else(|| env("AWS_REGION"))
        .or_else(|| env("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| partition_default.to_owned());
    ServiceTarget {
        region,
        endpoint_url,
    }
}

/// Region and endpoint for IAM, a global service: the home region of the profile's
/// partition (from its first role, else its region), and the endpoint override for IAM.
pub fn iam_target(profile: &ResolvedProfile) -> ServiceTarget {
    let sts = sts_target(profile);
    let hint = profile
        .hops
        .first()
        .map(|h| h.role_arn.as_str())
        .unwrap_or(&sts.region);
    ServiceTarget {
        region: partition_region(hint).to_owned(),
        endpoint_url: endpoint_override("IAM", profile.endpoint_url.as_deref()),
    }
}

/// The AWS partition's home region for global services (IAM), from an ARN or region.
pub fn partition_region(hint: &str) -> &'static str {
    if hint.starts_with("us-gov-") || hint.contains(":aws-us-gov:") {
        "us-gov-west-1"
    } else if hint.starts_with("cn-") || hint.contains(":aws-cn:") {
        "cn-north-1"
    } else {
        "us-east-1"
    }
}

/// The error and its sources as one line, without repeating a source its parent quotes.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

/// An SDK error, sorted the same way for every service; each service then adds its own advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkFailure {
    /// AWS answered with an error: its code and message (AWS's messages name entities, never
    /// credentials).
    Service { code: String, message: String },
    /// No answer in time (the operation's bound, or the connection's).
    Timeout,
    /// No connection; the error chain says why.
    Unreachable(String),
    /// Anything else, as one line.
    Other(String),
}

impl SdkFailure {
    pub fn of<E, R>(err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + 'static,
        R: std::fmt::Debug,
    {
        match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                SdkFailure::Service {
                    code: e.code().unwrap_or("Unknown").to_owned(),
                    message: e.message().unwrap_or("").trim().to_owned(),
                }
            }
            SdkError::TimeoutError(_) => SdkFailure::Timeout,
            SdkError::DispatchFailure(d) if d.is_timeout() => SdkFailure::Timeout,
            SdkError::DispatchFailure(_) => SdkFailure::Unreachable(error_chain(err)),
            _ => SdkFailure::Other(error_chain(err)),
        }
    }
}

/// What to say when `service` (`"STS"`, `"IAM"`) did not answer in time.
pub fn timeout_message(service: &str) -> String {
    format!("{service} did not answer in time; check your network or proxy and try again")
}

/// AWS's error code (or ours: `Timeout`, `Unreachable`, `Other`) and a one-line message that
/// says what to do, for a service whose failures are a code and a message. `advice` gives the
/// service's own hint for a code (`""` for none); `endpoint` names the setting that points the
/// service elsewhere.
pub fn code_and_message(
    failure: SdkFailure,
    service: &str,
    endpoint: &str,
    advice: fn(&str) -> &'static str,
) -> (String, String) {
    match failure {
        SdkFailure::Service { code, message } => {
            let message = format!("{code}: {message}{}", advice(&code));
            (code, message)
        }
        SdkFailure::Timeout => ("Timeout".into(), timeout_message(service)),
        SdkFailure::Unreachable(why) => (
            "Unreachable".into(),
            format!("cannot reach {service} ({why}); check your network, proxy or {endpoint}"),
        ),
        SdkFailure::Other(why) => ("Other".into(), why),
    }
}

/// Reads the `Date` header of every response into a shared cell: seconds the local clock is
/// ahead of AWS's (negative: behind).
#[derive(Debug, Clone, Default)]
pub struct ClockSkew {
    skew: Arc<Mutex<Option<i64>>>,
}

impl ClockSkew {
    pub fn get(&self) -> Option<i64> {
        *self.skew.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Intercept for ClockSkew {
    fn name(&self) -> &'static str {
        "OtpilotClockSkew"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = context.response().headers().get("date") {
            if let Ok(server) = aws_smithy_types::DateTime::from_str(date, Format::HttpDate) {
                let local = crate::clock::unix_now() as i64;
                *self.skew.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(local - server.secs());
            }
        }
        Ok(())
    }
}
