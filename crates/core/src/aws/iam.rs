//! `IamApi`: the IAM calls of the MFA device lifecycle (enrol, list, resync, rotate, remove)
//! and of `doctor` (password policy), behind a trait so the lifecycle can be tested with a
//! fake; `SdkIam` makes them with aws-sdk-iam, configured like STS by [`crate::aws::client`].
//!
//! IAM is a global service: its calls go to the partition's home region.

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use crate::aws::client::{
    code_and_message, sdk_config, CallLimits, ClockSkew, SdkFailure, ServiceTarget,
};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::secret::SecretBytes;
use crate::totp::TotpSeed;

/// The IAM user a set of credentials belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamUser {
    pub name: String,
    pub arn: String,
}

impl IamUser {
    /// The account id, from the ARN (`arn:aws:iam::123456789012:user/alice`).
    pub fn account(&self) -> &str {
        self.arn.split(':').nth(4).unwrap_or_default()
    }

    /// The partition, from the ARN (`aws`, `aws-us-gov`, `aws-cn`).
    pub fn partition(&self) -> &str {
        self.arn.split(':').nth(1).unwrap_or("aws")
    }
}

/// A virtual MFA device AWS has just created, with its seed (shown only this once).
pub struct NewVirtualDevice {
    pub serial: String,
    pub seed: TotpSeed,
}

/// An MFA device enabled for a user (ListMFADevices).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnabledDevice {
    pub serial: String,
    /// Unix seconds.
    pub enabled_at: i64,
}

/// The account's password policy (GetAccountPasswordPolicy).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PasswordPolicy {
    pub minimum_length: Option<i32>,
    pub require_symbols: bool,
    pub require_numbers: bool,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub allow_users_to_change: bool,
    pub reuse_prevention: Option<i32>,
    pub max_age_days: Option<i32>,
}

/// A failed IAM call: AWS's error code (or ours: `Unreachable`, `Timeout`) and a message that
/// says what to do. Never carries a secret: AWS's messages name entities, not credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamFailure {
    pub code: String,
    pub message: String,
}

impl IamFailure {
    pub fn into_error(self, op: &'static str) -> Error {
        Error::Iam {
            op,
            code: self.code,
            message: self.message,
        }
    }
}

pub type IamResult<T> = std::result::Result<T, IamFailure>;

pub trait IamApi: Send + Sync {
    /// GetUser without a name: the caller's own user.
    fn get_user(&self, target: &ServiceTarget, creds: &Credentials) -> IamResult<IamUser>;
    fn create_virtual_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        name: &str,
    ) -> IamResult<NewVirtualDevice>;
    fn enable_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()>;
    fn resync_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()>;
    fn deactivate_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
    ) -> IamResult<()>;
    fn delete_virtual_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        serial: &str,
    ) -> IamResult<()>;
    fn list_mfa_devices(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
    ) -> IamResult<Vec<EnabledDevice>>;
    /// `None` when the account has no password policy (AWS's `NoSuchEntity`).
    fn get_account_password_policy(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
    ) -> IamResult<Option<PasswordPolicy>>;
}

/// A shared client is a client (tests keep a handle to a recording fake the session owns).
impl<T: IamApi + ?Sized> IamApi for std::sync::Arc<T> {
    fn get_user(&self, target: &ServiceTarget, creds: &Credentials) -> IamResult<IamUser> {
        (**self).get_user(target, creds)
    }
    fn create_virtual_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        name: &str,
    ) -> IamResult<NewVirtualDevice> {
        (**self).create_virtual_mfa_device(target, creds, name)
    }
    fn enable_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()> {
        (**self).enable_mfa_device(target, creds, user, serial, codes)
    }
    fn resync_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()> {
        (**self).resync_mfa_device(target, creds, user, serial, codes)
    }
    fn deactivate_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
    ) -> IamResult<()> {
        (**self).deactivate_mfa_device(target, creds, user, serial)
    }
    fn delete_virtual_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        serial: &str,
    ) -> IamResult<()> {
        (**self).delete_virtual_mfa_device(target, creds, serial)
    }
    fn list_mfa_devices(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
    ) -> IamResult<Vec<EnabledDevice>> {
        (**self).list_mfa_devices(target, creds, user)
    }
    fn get_account_password_policy(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
    ) -> IamResult<Option<PasswordPolicy>> {
        (**self).get_account_password_policy(target, creds)
    }
}

/// IAM through aws-sdk-iam.
#[derive(Default)]
pub struct SdkIam {
    pub limits: CallLimits,
}

impl SdkIam {
    pub(crate) fn run<O, E, R, Fut>(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        call: impl FnOnce(aws_sdk_iam::Client) -> Fut,
    ) -> IamResult<O>
    where
        Fut: std::future::Future<Output = Result<O, SdkError<E, R>>> + Send,
        O: Send,
        E: ProvideErrorMetadata + std::error::Error + Send + 'static,
        R: std::fmt::Debug + Send,
    {
        let config = aws_sdk_iam::config::Builder::from(&sdk_config(target, creds, self.limits))
            .interceptor(ClockSkew::default())
            .build();
        let client = aws_sdk_iam::Client::from_conf(config);
        crate::runtime::block_on(call(client)).map_err(classify)
    }
}

impl IamApi for SdkIam {
    fn get_user(&self, target: &ServiceTarget, creds: &Credentials) -> IamResult<IamUser> {
        let out = self.run(target, creds, |c| c.get_user().send())?;
        let user = out.user().ok_or_else(|| IamFailure {
            code: "NoUser".into(),
            message: "IAM answered GetUser without a user; are these the keys of an IAM user (not the root user)?".into(),
        })?;
        Ok(IamUser {
            name: user.user_name().to_owned(),
            arn: user.arn().to_owned(),
        })
    }

    fn create_virtual_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        name: &str,
    ) -> IamResult<NewVirtualDevice> {
        let out = self.run(target, creds, |c| {
            c.create_virtual_mfa_device()
                .virtual_mfa_device_name(name)
                .send()
        })?;
        let missing = |what: &str| IamFailure {
            code: "Incomplete".into(),
            message: format!("IAM created the device but its answer has no {what}"),
        };
        let device = out.virtual_mfa_device().ok_or_else(|| missing("device"))?;
        // A blob on the wire, so the SDK hands over the base32 text as bytes.
        let text = SecretBytes::new(
            device
                .base32_string_seed()
                .ok_or_else(|| missing("seed"))?
                .as_ref()
                .to_vec(),
        );
        let base32 = std::str::from_utf8(text.expose()).map_err(|_| missing("readable seed"))?;
        let (seed, _warning) = TotpSeed::from_base32(base32).map_err(|e| IamFailure {
            code: "Incomplete".into(),
            message: format!("the seed IAM returned is unusable: {e}"),
        })?;
        Ok(NewVirtualDevice {
            serial: device.serial_number().to_owned(),
            seed,
        })
    }

    fn enable_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()> {
        self.run(target, creds, |c| {
            c.enable_mfa_device()
                .user_name(user)
                .serial_number(serial)
                .authentication_code1(codes.0)
                .authentication_code2(codes.1)
                .send()
        })
        .map(drop)
    }

    fn resync_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
        codes: (&str, &str),
    ) -> IamResult<()> {
        self.run(target, creds, |c| {
            c.resync_mfa_device()
                .user_name(user)
                .serial_number(serial)
                .authentication_code1(codes.0)
                .authentication_code2(codes.1)
                .send()
        })
        .map(drop)
    }

    fn deactivate_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
        serial: &str,
    ) -> IamResult<()> {
        self.run(target, creds, |c| {
            c.deactivate_mfa_device()
                .user_name(user)
                .serial_number(serial)
                .send()
        })
        .map(drop)
    }

    fn delete_virtual_mfa_device(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        serial: &str,
    ) -> IamResult<()> {
        self.run(target, creds, |c| {
            c.delete_virtual_mfa_device().serial_number(serial).send()
        })
        .map(drop)
    }

    fn list_mfa_devices(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
        user: &str,
    ) -> IamResult<Vec<EnabledDevice>> {
        let out = self.run(target, creds, |c| {
            c.list_mfa_devices().user_name(user).send()
        })?;
        Ok(out
            .mfa_devices()
            .iter()
            .map(|d| EnabledDevice {
                serial: d.serial_number().to_owned(),
                enabled_at: d.enable_date().secs(),
            })
            .collect())
    }

    fn get_account_password_policy(
        &self,
        target: &ServiceTarget,
        creds: &Credentials,
    ) -> IamResult<Option<PasswordPolicy>> {
        let out = match self.run(target, creds, |c| c.get_account_password_policy().send()) {
            Ok(out) => out,
            Err(failure) if failure.code == "NoSuchEntity" => return Ok(None),
            Err(failure) => return Err(failure),
        };
        Ok(out.password_policy().map(|p| PasswordPolicy {
            minimum_length: p.minimum_password_length(),
            require_symbols: p.require_symbols(),
            require_numbers: p.require_numbers(),
            require_uppercase: p.require_uppercase_characters(),
            require_lowercase: p.require_lowercase_characters(),
            allow_users_to_change: p.allow_users_to_change_password(),
            reuse_prevention: p.password_reuse_prevention(),
            max_age_days: p.max_password_age(),
        }))
    }
}

/// Sorts an SDK error into AWS's code and a message that says what to do.
fn classify<E: ProvideErrorMetadata + std::error::Error + Send + 'static, R: std::fmt::Debug>(
    err: SdkError<E, R>,
) -> IamFailure {
    let (code, message) =
        code_and_message(SdkFailure::of(&err), "IAM", "AWS_ENDPOINT_URL_IAM", advice);
    IamFailure { code, message }
}

/// What to do about an IAM error code.
fn advice(code: &str) -> &'static str {
    match code {
        "AccessDenied" | "AccessDeniedException" => "; the IAM user needs permission to manage its own MFA devices (`otpilot policy enforce-mfa` prints a policy that grants it)",
        "EntityAlreadyExists" => "; choose another name with --device-name",
        "InvalidAuthenticationCode" => "; check this computer's clock (`otpilot doctor` measures it against AWS)",
        "LimitExceeded" => "; an IAM user can have at most 8 MFA devices: remove one with `otpilot mfa remove`",
        "InvalidClientTokenId" | "SignatureDoesNotMatch" => "; AWS does not accept these access keys: replace them with `otpilot keys add PROFILE`",
        "Throttling" | "ThrottlingException" => "; wait a minute and try again",
        _ => "",
    }
}
