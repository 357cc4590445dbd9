//! `StsApi`: the STS calls Otpilot makes (GetSessionToken, AssumeRole, and GetFederationToken
//! for console sign-in), behind a trait so the broker can be tested with a fake; `SdkSts`
//! makes them with aws-sdk-sts.
//!
//! The client always gets explicit credentials, never the SDK's default chain: for a profile
//! whose `credential_process` is Otpilot that chain would start Otpilot again. Retries
//! (throttling, 5xx, dropped connections) are the SDK's standard mode with backoff, bounded by
//! an operation timeout. The `Date` header of every response is compared with the local
//! clock, because TOTP codes fail when the clock drifts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::credentials::Credentials;
use crate::error::{Error, Result, StsErrorKind};
use crate::secret::SecretString;

/// Where to send STS calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsTarget {
    pub region: String,
    pub endpoint_url: Option<String>,
}

/// An AssumeRole request.
#[derive(Debug, Clone)]
pub struct AssumeRoleInput {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration: u32,
    /// Serial and code, when this call carries MFA itself.
    pub mfa: Option<(String, String)>,
}

/// A GetFederationToken request: console sign-in for an IAM user without a role.
#[derive(Debug, Clone)]
pub struct FederationTokenInput {
    /// The federated user's name, `[\w+=,.@-]{2,32}`.
    pub name: String,
    /// The session policy (without one, the session has no permissions).
    pub policy: String,
    pub duration: u32,
}

/// Credentials from STS, and what the response's `Date` said about the local clock.
pub struct StsOutput {
    pub credentials: Credentials,
    /// Seconds the local clock is ahead of AWS's (negative: behind).
    pub clock_skew: Option<i64>,
}

pub trait StsApi: Send + Sync {
    fn get_session_token(
        &self,
        target: &StsTarget,
        base: &Credentials,
        serial: &str,
        code: &str,
        duration: u32,
    ) -> Result<StsOutput, StsFailure>;

    fn assume_role(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure>;

    /// GetFederationToken with long-term keys. Defaults to a refusal so that test doubles
    /// written before console sign-in still compile.
    fn get_federation_token(
        &self,
        _target: &StsTarget,
        _base: &Credentials,
        _input: &FederationTokenInput,
    ) -> Result<StsOutput, StsFailure> {
        Err(StsFailure {
            kind: StsErrorKind::Other,
            message: "this STS client does not implement GetFederationToken".into(),
            clock_skew: None,
        })
    }
}

/// A failed STS call, classified. The broker turns it into [`Error::Sts`] with the profile.
#[derive(Debug, Clone)]
pub struct StsFailure {
    pub kind: StsErrorKind,
    pub message: String,
    pub clock_skew: Option<i64>,
}

impl StsFailure {
    pub fn into_error(self, op: &'static str, profile: &str) -> Error {
        Error::Sts {
            op,
            profile: profile.to_owned(),
            kind: self.kind,
            message: self.message,
        }
    }
}

/// STS through aws-sdk-sts.
pub struct SdkSts {
    /// Bound on one whole call including retries.
    pub operation_timeout: Duration,
    pub max_attempts: u32,
}

impl Default for SdkSts {
    fn default() -> Self {
        Self {
            operation_timeout: Duration::from_secs(30),
            max_attempts: 4,
        }
    }
}

impl SdkSts {
    fn client(
        &self,
        target: &StsTarget,
        base: &Credentials,
        skew: Arc<Mutex<Option<i64>>>,
    ) -> aws_sdk_sts::Client {
        let creds = aws_credential_types::Credentials::new(
            base.access_key_id.clone(),
            base.secret_access_key.expose().to_owned(),
            base.session_token.as_ref().map(|t| t.expose().to_owned()),
            None,
            "otpilot",
        );
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .credentials_provider(creds)
            .retry_config(RetryConfig::standard().with_max_attempts(self.max_attempts))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(10))
                    .operation_timeout(self.operation_timeout)
                    .build(),
            )
            .interceptor(ClockSkew { skew });
        if let Some(url) = &target.endpoint_url {
            config = config.endpoint_url(url.clone());
        }
        aws_sdk_sts::Client::from_conf(config.build())
    }
}

impl StsApi for SdkSts {
    fn get_session_token(
        &self,
        target: &StsTarget,
        base: &Credentials,
        serial: &str,
        code: &str,
        duration: u32,
    ) -> Result<StsOutput, StsFailure> {
        let skew = Arc::new(Mutex::new(None));
        let client = self.client(target, base, skew.clone());
        let result = crate::runtime::block_on(
            client
                .get_session_token()
                .serial_number(serial)
                .token_code(code)
                .duration_seconds(duration as i32)
                .send(),
        );
        let clock_skew = *skew.lock().expect("skew lock");
        match result {
            Ok(out) => Ok(StsOutput {
                credentials: convert(out.credentials())?,
                clock_skew,
            }),
            Err(e) => Err(classify(e, clock_skew)),
        }
    }

    fn assume_role(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure> {
        let skew = Arc::new(Mutex::new(None));
        let client = self.client(target, base, skew.clone());
        let mut request = client
            .assume_role()
            .role_arn(&input.role_arn)
            .role_session_name(&input.session_name)
            .duration_seconds(input.duration as i32)
            .set_external_id(input.external_id.clone());
        if let Some((serial, code)) = &input.mfa {
            request = request.serial_number(serial).token_code(code);
        }
        let result = crate::runtime::block_on(request.send());
        let clock_skew = *skew.lock().expect("skew lock");
        match result {
            Ok(out) => Ok(StsOutput {
                credentials: convert(out.credentials())?,
                clock_skew,
            }),
            Err(e) => Err(classify(e, clock_skew)),
        }
    }

    fn get_federation_token(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &FederationTokenInput,
    ) -> Result<StsOutput, StsFailure> {
        let skew = Arc::new(Mutex::new(None));
        let client = self.client(target, base, skew.clone());
        let result = crate::runtime::block_on(
            client
                .get_federation_token()
                .name(&input.name)
                .policy(&input.policy)
                .duration_seconds(input.duration as i32)
                .send(),
        );
        let clock_skew = *skew.lock().expect("skew lock");
        match result {
            Ok(out) => Ok(StsOutput {
                credentials: convert(out.credentials())?,
                clock_skew,
            }),
            Err(e) => Err(classify(e, clock_skew)),
        }
    }
}

fn convert(creds: Option<&aws_sdk_sts::types::Credentials>) -> Result<Credentials, StsFailure> {
    let c = creds.ok_or_else(|| StsFailure {
        kind: StsErrorKind::Other,
        message: "STS answered without credentials".into(),
        clock_skew: None,
    })?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: SecretString::from(c.secret_access_key()),
        session_token: Some(SecretString::from(c.session_token())),
        expiration: Some(c.expiration().secs()),
    })
}

/// Sorts an SDK error into what the user can act on. Messages from AWS name the problem
/// (they never contain credentials); ours add what to do.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    err: SdkError<E, R>,
    clock_skew: Option<i64>,
) -> StsFailure {
    let failure = |kind, message: String| StsFailure {
        kind,
        message,
        clock_skew,
    };
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown");
            let message = e.message().unwrap_or("").trim().to_owned();
            match code {
                "AccessDenied" if message.contains("MultiFactorAuthentication") => failure(
                    StsErrorKind::InvalidMfa,
                    format!("AWS rejected the MFA code ({message}); check that the device's seed and serial match (`otpilot code DEVICE` against your authenticator app) and that this computer's clock is right"),
                ),
                "AccessDenied" => failure(
                    StsErrorKind::AccessDenied,
                    format!("access denied: {message}; check the role's trust policy and your permissions"),
                ),
                "ExpiredToken" | "ExpiredTokenException" => failure(
                    StsErrorKind::ExpiredToken,
                    format!("the credentials used have expired: {message}"),
                ),
                "InvalidClientTokenId" | "SignatureDoesNotMatch" | "UnrecognizedClientException" => failure(
                    StsErrorKind::InvalidKeys,
                    format!("AWS does not accept the long-term access keys ({code}: {message}); replace them with `otpilot keys add PROFILE`"),
                ),
                "Throttling" | "ThrottlingException" | "RequestLimitExceeded" => failure(
                    StsErrorKind::Throttled,
                    format!("STS is throttling requests ({message}); wait a minute and try again"),
                ),
                "ValidationError" if message.contains("role chaining") || message.contains("DurationSeconds") => failure(
                    StsErrorKind::RoleChainingLimit,
                    format!("{message}; lower duration_seconds to 3600 or less for roles assumed with temporary credentials"),
                ),
                _ => failure(StsErrorKind::Other, format!("{code}: {message}")),
            }
        }
        SdkError::TimeoutError(_) => failure(
            StsErrorKind::Timeout,
            "STS did not answer in time; check your network or proxy and try again".into(),
        ),
        SdkError::DispatchFailure(d) if d.is_timeout() => failure(
            StsErrorKind::Timeout,
            "STS did not answer in time; check your network or proxy and try again".into(),
        ),
        SdkError::DispatchFailure(_) => failure(
            StsErrorKind::Unreachable,
            format!(
                "cannot reach STS ({}); check your network, proxy or endpoint_url",
                error_chain(&err)
            ),
        ),
        _ => failure(StsErrorKind::Other, error_chain(&err)),
    }
}

fn error_chain(err: &dyn std::error::Error) -> String {
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

/// Reads the `Date` header of every STS response.
#[derive(Debug)]
struct ClockSkew {
    skew: Arc<Mutex<Option<i64>>>,
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
                let local = crate::totp::unix_now() as i64;
                *self.skew.lock().expect("skew lock") = Some(local - server.secs());
            }
        }
        Ok(())
    }
}
