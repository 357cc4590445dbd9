//! `StsApi`: the STS calls Otpilot makes (GetSessionToken, AssumeRole, GetFederationToken for
//! console sign-in, GetCallerIdentity for `doctor`), behind a trait so the broker can be
//! tested with a fake; `SdkSts` makes them with aws-sdk-sts, configured by
//! [`crate::aws::client`] (explicit credentials, bounded retries, clock-skew reading).

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

pub use crate::aws::client::ServiceTarget as StsTarget;
use crate::aws::client::{sdk_config, timeout_message, CallLimits, ClockSkew, SdkFailure};
use crate::credentials::Credentials;
use crate::error::{Error, Result, StsErrorKind};
use crate::secret::SecretString;

/// An AssumeRole request.
#[derive(Debug, Clone)]
pub struct AssumeRoleInput {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub source_identity: Option<String>,
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

/// Who a set of credentials belongs to (GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub arn: String,
    pub account: String,
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

    /// GetCallerIdentity, with the clock skew its answer showed (a failed call still
    /// carries the skew in [`StsFailure::clock_skew`] when AWS answered at all).
    fn get_caller_identity(
        &self,
        _target: &StsTarget,
        _base: &Credentials,
    ) -> Result<(CallerIdentity, Option<i64>), StsFailure> {
        Err(StsFailure {
            kind: StsErrorKind::Other,
            message: "this STS client does not implement GetCallerIdentity".into(),
            clock_skew: None,
        })
    }
}

/// A shared client is a client (tests keep a handle to a recording fake the session owns).
impl<T: StsApi + ?Sized> StsApi for std::sync::Arc<T> {
    fn get_session_token(
        &self,
        target: &StsTarget,
        base: &Credentials,
        serial: &str,
        code: &str,
        duration: u32,
    ) -> Result<StsOutput, StsFailure> {
        (**self).get_session_token(target, base, serial, code, duration)
    }

    fn assume_role(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure> {
        (**self).assume_role(target, base, input)
    }

    fn get_federation_token(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &FederationTokenInput,
    ) -> Result<StsOutput, StsFailure> {
        (**self).get_federation_token(target, base, input)
    }

    fn get_caller_identity(
        &self,
        target: &StsTarget,
        base: &Credentials,
    ) -> Result<(CallerIdentity, Option<i64>), StsFailure> {
        (**self).get_caller_identity(target, base)
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
#[derive(Default)]
pub struct SdkSts {
    pub limits: CallLimits,
}

impl SdkSts {
    fn client(
        &self,
        target: &StsTarget,
        base: &Credentials,
        skew: &ClockSkew,
    ) -> aws_sdk_sts::Client {
        let config = aws_sdk_sts::config::Builder::from(&sdk_config(target, base, self.limits))
            .interceptor(skew.clone())
            .build();
        aws_sdk_sts::Client::from_conf(config)
    }

    /// Runs one call that issues credentials, and classifies its failure.
    fn credentials_call<O, E, R, Fut>(
        &self,
        target: &StsTarget,
        base: &Credentials,
        call: impl FnOnce(aws_sdk_sts::Client) -> Fut,
        creds_of: fn(&O) -> Option<&aws_sdk_sts::types::Credentials>,
    ) -> Result<StsOutput, StsFailure>
    where
        Fut: std::future::Future<Output = Result<O, SdkError<E, R>>> + Send,
        O: Send,
        E: ProvideErrorMetadata + std::error::Error + Send + 'static,
        R: std::fmt::Debug + Send,
    {
        let skew = ClockSkew::default();
        let result = crate::runtime::block_on(call(self.client(target, base, &skew)));
        match result {
            Ok(out) => Ok(StsOutput {
                credentials: convert(creds_of(&out))?,
                clock_skew: skew.get(),
            }),
            Err(e) => Err(classify(e, skew.get())),
        }
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
        self.credentials_call(
            target,
            base,
            |client| {
                client
                    .get_session_token()
                    .serial_number(serial)
                    .token_code(code)
                    .duration_seconds(duration as i32)
                    .send()
            },
            |out| out.credentials(),
        )
    }

    fn assume_role(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &AssumeRoleInput,
    ) -> Result<StsOutput, StsFailure> {
        self.credentials_call(
            target,
            base,
            |client| {
                let mut request = client
                    .assume_role()
                    .role_arn(&input.role_arn)
                    .role_session_name(&input.session_name)
                    .duration_seconds(input.duration as i32)
                    .set_external_id(input.external_id.clone())
                    .set_source_identity(input.source_identity.clone());
                if let Some((serial, code)) = &input.mfa {
                    request = request.serial_number(serial).token_code(code);
                }
                request.send()
            },
            |out| out.credentials(),
        )
    }

    fn get_federation_token(
        &self,
        target: &StsTarget,
        base: &Credentials,
        input: &FederationTokenInput,
    ) -> Result<StsOutput, StsFailure> {
        self.credentials_call(
            target,
            base,
            |client| {
                client
                    .get_federation_token()
                    .name(&input.name)
                    .policy(&input.policy)
                    .duration_seconds(input.duration as i32)
                    .send()
            },
            |out| out.credentials(),
        )
    }

    fn get_caller_identity(
        &self,
        target: &StsTarget,
        base: &Credentials,
    ) -> Result<(CallerIdentity, Option<i64>), StsFailure> {
        let skew = ClockSkew::default();
        let client = self.client(target, base, &skew);
        match crate::runtime::block_on(client.get_caller_identity().send()) {
            Ok(out) => Ok((
                CallerIdentity {
                    arn: out.arn().unwrap_or_default().to_owned(),
                    account: out.account().unwrap_or_default().to_owned(),
                },
                skew.get(),
            )),
            Err(e) => Err(classify(e, skew.get())),
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
fn classify<E: ProvideErrorMetadata + std::error::Error + Send + 'static, R: std::fmt::Debug>(
    err: SdkError<E, R>,
    clock_skew: Option<i64>,
) -> StsFailure {
    let failure = |kind, message: String| StsFailure {
        kind,
        message,
        clock_skew,
    };
    match SdkFailure::of(&err) {
        SdkFailure::Service { code, message } => {
            match code.as_str() {
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
        SdkFailure::Timeout => failure(StsErrorKind::Timeout, timeout_message("STS")),
        SdkFailure::Unreachable(why) => failure(
            StsErrorKind::Unreachable,
            format!("cannot reach STS ({why}); check your network, proxy or endpoint_url"),
        ),
        SdkFailure::Other(why) => failure(StsErrorKind::Other, why),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
    use aws_smithy_runtime_api::client::interceptors::Intercept;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::config_bag::ConfigBag;

    use super::*;

    /// Records the URI of the request about to be sent, and stops it there.
    #[derive(Debug, Clone, Default)]
    struct Capture(Arc<Mutex<Option<String>>>);

    impl Intercept for Capture {
        fn name(&self) -> &'static str {
            "Capture"
        }

        fn read_before_transmit(
            &self,
            context: &BeforeTransmitInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            _: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            *self.0.lock().unwrap() = Some(context.request().uri().to_owned());
            Err("captured, not sent".into())
        }
    }

    fn uri_for(region: &str) -> String {
        let target = StsTarget {
            region: region.into(),
            endpoint_url: None,
        };
        let base = Credentials {
            access_key_id: "AKIAEXAMPLE".into(),
            secret_access_key: "s".into(),
            session_token: None,
            expiration: None,
        };
        let client = SdkSts::default().client(&target, &base, &ClockSkew::default());
        let capture = Capture::default();
        let config = client
            .config()
            .to_builder()
            .interceptor(capture.clone())
            .build();
        let client = aws_sdk_sts::Client::from_conf(config);
        let _ = crate::runtime::block_on(client.get_caller_identity().send());
        let uri = capture.0.lock().unwrap().clone();
        uri.expect("a request was built")
    }

    #[test]
    fn sts_calls_go_to_the_regional_endpoint_never_the_global_one() {
        assert_eq!(uri_for("eu-west-1"), "https://sts.eu-west-1.amazonaws.com/");
        // us-east-1 too: the global endpoint (sts.amazonaws.com) is never used.
        assert_eq!(uri_for("us-east-1"), "https://sts.us-east-1.amazonaws.com/");
        assert_eq!(
            uri_for("us-gov-west-1"),
            "https://sts.us-gov-west-1.amazonaws.com/"
        );
    }
}
