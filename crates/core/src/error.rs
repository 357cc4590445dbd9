//! The one error type of otpilot-core.
//!
//! Every variant names the operation that failed and, in its message, what the user can do
//! next. No variant carries secret material: inputs that failed to parse are described, never
//! echoed.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- the OS keyring -------------------------------------------------------------------
    #[error(
        "no D-Bus session bus, so the OS keyring cannot be reached; run otpilot inside your \
         desktop session, or, with no desktop (WSL, SSH), keep secrets in a vault: \
         `otpilot vault init` (seeds already in a desktop's keyring move into it with \
         `otpilot vault migrate --to vault`, run in that desktop session)"
    )]
    NoDbusSession,
    #[error(
        "no Secret Service provider on the D-Bus session; install or start gnome-keyring or \
         KeePassXC (with its Secret Service integration enabled), or keep secrets in a vault: \
         `otpilot vault init`"
    )]
    NoSecretService,
    #[error("the OS keyring is locked; unlock it (log in to your desktop, or run `gnome-keyring-daemon --unlock`) and try again")]
    KeyringLocked,
    #[error("the OS keyring failed to {op}: {detail}")]
    Keyring { op: &'static str, detail: String },

    // --- the vault (store = "vault") ----------------------------------------------------------
    #[error("the vault is locked (or no agent holds it); run `otpilot unlock`")]
    VaultLocked,
    #[error("wrong passphrase for the vault; nothing was changed")]
    VaultWrongPassphrase,
    #[error("no vault at {}; create one with `otpilot vault init`", path.display())]
    VaultMissing { path: PathBuf },
    #[error("a vault exists already at {}; change its passphrase with `otpilot vault passwd`", path.display())]
    VaultExists { path: PathBuf },
    #[error("the vault {} cannot be read: {detail}; restore it from a backup, or move it away and run `otpilot vault init`", path.display())]
    VaultDamaged { path: PathBuf, detail: String },
    #[error("{0}")]
    Vault(String),

    // --- devices --------------------------------------------------------------------------
    #[error("no MFA device named or with serial `{0}`; see `otpilot device list`, or add one with `otpilot device add NAME`")]
    DeviceNotFound(String),
    #[error(
        "a device named `{0}` already exists; choose another name, or pass --force to replace it"
    )]
    DeviceExists(String),
    #[error("the export holds {accounts} accounts, so --serial is ambiguous; add them, then set each with `otpilot device serial NAME ARN`")]
    AmbiguousSerial { accounts: usize },
    #[error("invalid device name `{name}`: {reason}")]
    InvalidDeviceName { name: String, reason: &'static str },
    /// `store`: the configured store, as people call it ("OS keyring", "vault").
    #[error("no TOTP seed stored for device `{device}` in the {store}; add it again with `otpilot device add {device} --force` (its serial and settings are kept)")]
    SeedMissing { device: String, store: &'static str },
    #[error(
        "invalid MFA serial `{0}`: expected an ARN such as arn:aws:iam::123456789012:mfa/alice"
    )]
    InvalidSerial(String),

    // --- the TPM (devices sealed with --tpm) -------------------------------------------------
    #[error("{variable} is not usable: {detail}")]
    TpmConfig {
        variable: &'static str,
        detail: String,
    },
    #[error("no TPM answers at {at} ({detail}); this machine may have none, or it is turned off in the firmware settings; keep the seed in the keyring (leave out --tpm), or point OTPILOT_TPM_TCTI at the TPM")]
    NoTpm { at: String, detail: String },
    #[error("no permission to use the TPM at {}; add yourself to the `tss` group (`sudo usermod -aG tss $USER`), then log out and in again", path.display())]
    TpmPermission { path: PathBuf },
    #[error("the seed of `{device}` was sealed by another TPM (another machine's, or this machine's before its TPM was cleared), so no code can be made here; add the device again from your phone backup with `otpilot device add {device} --force --tpm`, or re-enrol it with `otpilot mfa enroll`")]
    TpmForeign { device: String },
    #[error("the TPM answered with another storage key than the one this machine's sealed devices were made under, so the seed of `{device}` was not sent to it; if the TPM was cleared or replaced, remove the sealed devices it can no longer use (`otpilot doctor` names them) with `otpilot device remove NAME` and seal again, otherwise something between Otpilot and the TPM is answering in its place")]
    TpmStorageKeyChanged { device: String },
    #[error("the TPM answered with a storage key that {detail}: something between Otpilot and the TPM altered its answer, so nothing secret was sent to it; check what OTPILOT_TPM_TCTI (or /dev/tpmrm0) leads to")]
    TpmStorageKeyForged { detail: &'static str },
    #[error("wrong TPM PIN for `{device}`{}", tries_left.map(|n| format!("; after {n} more wrong PINs the TPM locks PIN use for a while (dictionary-attack protection)")).unwrap_or_default())]
    TpmWrongPin {
        device: String,
        tries_left: Option<u32>,
    },
    #[error("the TPM refuses the PIN of `{device}` for now: too many wrong PINs tripped its dictionary-attack lockout{}; wait, or have the TPM's owner run `tpm2_dictionarylockout --clear-lockout`", interval.map(|s| format!(" (it allows one more try every {s} s)")).unwrap_or_default())]
    TpmLockout {
        device: String,
        interval: Option<u32>,
    },
    #[error("the MFA device `{0}` needs its TPM PIN, and there is no terminal or tray to ask; run the command in a terminal, or start otpilot-tray")]
    TpmPinNeeded(String),
    #[error("invalid TPM PIN: {0}")]
    InvalidPin(&'static str),
    #[error("the TPM cannot hold this seed: {0}; keep it in the keyring (leave out --tpm)")]
    TpmUnsupported(String),
    #[error("the TPM's owner hierarchy has a password, so Otpilot cannot make its storage key; make a persistent one at 0x81000001 with tpm2-tools (`tpm2_createprimary -C o -G ecc -c srk.ctx -P OWNERPASS`, then `tpm2_evictcontrol -C o -c srk.ctx 0x81000001 -P OWNERPASS`)")]
    TpmOwnerAuth,
    #[error("the sealed key of `{device}` cannot be read ({detail}); add the device again from your phone backup with `otpilot device add {device} --force --tpm`")]
    TpmBlobDamaged {
        device: String,
        detail: &'static str,
    },
    #[error("the TPM failed to {op}: {detail}")]
    Tpm { op: &'static str, detail: String },
    #[error("`{0}` is sealed in the TPM already")]
    AlreadySealed(String),
    #[error("the seed of `{0}` is sealed in the TPM and cannot be read out (that is what sealing is for); a phone backup can only be made before sealing")]
    SeedSealed(String),

    // --- secrets as people paste them ------------------------------------------------------
    #[error("no secret was given; paste the base32 seed, an otpauth:// URI or an otpauth-migration:// export")]
    EmptySecret,
    #[error("the seed is not valid base32 ({0}); paste it exactly as the service shows it (letters A-Z and digits 2-7)")]
    InvalidBase32(&'static str),
    #[error("the seed is only {bits} bits long, too short to be a TOTP seed; check that you pasted all of it")]
    SeedTooShort { bits: usize },
    #[error("invalid otpauth URI: {0}")]
    InvalidOtpauth(String),
    #[error("the otpauth URI is for {0} codes, not time-based ones; Otpilot only supports TOTP (otpauth://totp/...)")]
    NotTotp(String),
    #[error("invalid Google Authenticator export: {0}; export the accounts again and paste the whole otpauth-migration:// URI")]
    InvalidMigration(String),
    #[error("unsupported TOTP parameters: {0}")]
    UnsupportedParams(String),

    // --- files ----------------------------------------------------------------------------
    // The OS error is part of the message and deliberately not the `source()`: the window and
    // the agent show the message alone, and the CLI prints the chain, which would then name
    // the cause twice. (A field named `source` would make thiserror return it as the source.)
    #[error("cannot read {}: {cause}", path.display())]
    FileRead {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot write {}: {cause}", path.display())]
    FileWrite {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot create directory {}: {cause}", path.display())]
    CreateDir {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{} is not a readable PNG or JPEG image: {detail}", path.display())]
    ImageDecode { path: PathBuf, detail: String },
    #[error("no QR code found in {}; use a sharper or larger image of the code", path.display())]
    NoQrCode { path: PathBuf },
    #[error("{} is {width}×{height} pixels, more than the {max_mpx} megapixels Otpilot decodes; crop it to the QR code", path.display())]
    ImageTooLarge {
        path: PathBuf,
        width: u32,
        height: u32,
        max_mpx: u32,
    },
    #[error(
        "{input} is larger than {limit}, more than any {what}; check that it is the right one"
    )]
    InputTooLarge {
        /// The file's path, or `stdin`.
        input: String,
        limit: String,
        what: &'static str,
    },
    #[error("the QR code in {} does not contain an otpauth URI or a base32 seed", path.display())]
    QrNotOtpauth { path: PathBuf },
    #[error("{} does not look like the seed file of `aws iam create-virtual-mfa-device --bootstrap-method Base32StringSeed`: {detail}", path.display())]
    AwsSeedFile { path: PathBuf, detail: &'static str },
    #[error("{} is damaged ({detail}); fix or remove it (your seeds stay in the OS keyring)", path.display())]
    ConfigParse { path: PathBuf, detail: String },
    #[error("{} is not an authenticator export Otpilot reads: {hint}", path.display())]
    ExportNotRecognised { path: PathBuf, hint: &'static str },
    #[error("cannot read {} ({format}): {detail}; nothing was added; export it again from the app", path.display())]
    ExportDamaged {
        path: PathBuf,
        format: &'static str,
        detail: String,
    },
    #[error("cannot read {} ({format}): {detail}", path.display())]
    ExportUnsupported {
        path: PathBuf,
        format: &'static str,
        detail: &'static str,
    },
    #[error("{} holds no TOTP accounts ({skipped} other entries skipped); nothing was added", path.display())]
    ExportEmpty { path: PathBuf, skipped: usize },
    #[error("{} ({format}) is encrypted; give its password on the terminal, or on stdin with --password-stdin", path.display())]
    ExportPasswordNeeded { path: PathBuf, format: &'static str },
    #[error("wrong password for {} ({format}); nothing was added; try again with the password chosen when exporting", path.display())]
    ExportWrongPassword { path: PathBuf, format: &'static str },
    #[error("cannot make a QR code: {0}")]
    QrEncode(String),
    #[error("{}", crate::platform::NO_HOME)]
    NoHome,

    // --- AWS profiles ---------------------------------------------------------------------
    #[error("cannot parse the AWS config ({}): {detail}", path.display())]
    AwsConfigParse { path: PathBuf, detail: String },
    #[error("no AWS profile `{profile}` in {} or the credentials file; see `otpilot profile list`", config.display())]
    ProfileNotFound { profile: String, config: PathBuf },
    #[error("AWS profiles form a loop ({0}); fix source_profile in your AWS config")]
    ProfileLoop(String),
    #[error("profile `{profile}` uses {what}, which Otpilot does not handle; use the AWS CLI's own support for it")]
    ProfileUnsupported { profile: String, what: &'static str },
    #[error("profile `{profile}` is incomplete: {detail}")]
    ProfileIncomplete { profile: String, detail: String },
    #[error("profile `{0}` has no long-term access keys; add them with `otpilot keys add {0}` or put them in ~/.aws/credentials")]
    NoLongTermKeys(String),
    #[error("{0}")]
    InvalidDuration(String),
    #[error("profile `{profile}` has long-term keys in {}, which SDKs would use without MFA; move them into the keyring first with `otpilot keys import {profile}`", path.display())]
    KeysInCredentialsFile { profile: String, path: PathBuf },
    #[error("profile `{profile}` has no section in {}; add `[profile {profile}]` with its settings first", path.display())]
    NoProfileSection { profile: String, path: PathBuf },
    #[error("profile `{profile}` has a secret access key in {}; move it into the keyring with `otpilot keys add {profile}` and delete it from the file", path.display())]
    SecretInConfig { profile: String, path: PathBuf },
    #[error("profile `{profile}` already has credential_process = {existing}; pass --force to replace it")]
    ForeignCredentialProcess { profile: String, existing: String },
    #[error("invalid access keys: {0}")]
    InvalidKeys(String),
    #[error("cannot move the keys of `{profile}` into the keyring: {detail}")]
    KeysNotMovable { profile: String, detail: String },

    // --- MFA codes ------------------------------------------------------------------------
    #[error("no MFA code for {serial} (profile `{profile}`): no device has this serial and there is no terminal to ask on; add it with `otpilot device add NAME --serial {serial}` or set mfa_process")]
    NoMfaCode { serial: String, profile: String },
    #[error("using the MFA device `{device}` for profile `{profile}` was not allowed (it asks before each use; allow it in the Otpilot window or on the terminal)")]
    DeviceUseDenied { device: String, profile: String },
    #[error("mfa_process of profile `{profile}` failed: {detail}")]
    MfaProcess { profile: String, detail: String },

    // --- STS ------------------------------------------------------------------------------
    #[error("{op} for profile `{profile}` failed: {message}")]
    Sts {
        op: &'static str,
        profile: String,
        kind: StsErrorKind,
        message: String,
    },
    #[error("timed out after {seconds} s waiting for another otpilot to {what}; if none is running, delete {}", path.display())]
    LockTimeout {
        what: String,
        seconds: u64,
        path: PathBuf,
    },
    // --- console sign-in -------------------------------------------------------------------
    #[error("{0}")]
    ConsoleRequest(String),
    /// The console's browser is missing or could not be started; the text says which.
    #[error("{0}")]
    NoBrowser(String),
    #[error("cannot set the console session duration for profile `{profile}`: {reason}")]
    ConsoleDuration { profile: String, reason: String },
    #[error("profile `{profile}` cannot sign in to the AWS console: {reason}")]
    ProfileNotConsoleCapable { profile: String, reason: String },
    #[error("OTPILOT_FEDERATION_ENDPOINT is not usable ({0}); fix it, or unset it to use AWS's sign-in endpoint")]
    FederationEndpoint(String),
    #[error(
        "the sign-in endpoint rejected the credentials ({reason}) for profile `{profile}`; {hint}"
    )]
    SigninRejected {
        profile: String,
        reason: String,
        hint: String,
    },
    #[error("cannot reach the AWS sign-in endpoint {host} ({detail}); check your network and proxy (HTTPS_PROXY), and OTPILOT_FEDERATION_ENDPOINT if you set it")]
    SigninUnreachable { host: String, detail: String },
    #[error("the sign-in endpoint {host} gave an unusable answer ({detail}); try again in a minute, and check OTPILOT_FEDERATION_ENDPOINT if you set it")]
    SigninBadResponse { host: String, detail: String },

    // --- IAM and the MFA device lifecycle ---------------------------------------------------
    #[error("IAM {op} failed: {message}")]
    Iam {
        op: &'static str,
        code: String,
        message: String,
    },
    #[error("AWS Organizations {op} failed: {message}")]
    Organizations {
        op: &'static str,
        code: String,
        message: String,
    },
    /// An option of an organization run that cannot be used (its message says which and why).
    #[error("{0}")]
    OrgOption(String),
    #[error("profile `{profile}` is not allowed iam:{action} (AWS answered AccessDenied); grant it that action, or use an administrator's profile")]
    AccountDenied {
        profile: String,
        action: &'static str,
    },
    #[error("{0}")]
    Lifecycle(String),
    #[error("{0}; pass --yes to confirm without a terminal")]
    NotConfirmed(String),

    #[error("{0} is not supported on {os} yet", os = crate::platform::OS_NAME)]
    PlatformUnsupported(&'static str),
    #[error("cannot keep this process out of core dumps ({what}: {detail})")]
    ProcessProtection { what: &'static str, detail: String },

    #[error("the value of {variable} cannot be written safely for {format}; use another --format")]
    ExportUnsafe {
        variable: String,
        format: &'static str,
    },
    #[error("already inside `otpilot exec` for profile `{outer}`; exit that shell first, or pass --force to run `{inner}` inside it")]
    ExecNested { outer: String, inner: String },

    #[error("otpilot was started by itself (a profile's credential_process loops back to otpilot through the AWS SDK); check the profile's source_profile")]
    Recursion,
}

/// Declares [`ErrorKind`] and its list of every kind from one list of names, so reading a
/// kind by name can never miss one.
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// A stable, machine-readable name for a kind of failure, for front ends that branch
        /// on it (the window's UI, the agent protocol). Serialised in snake_case. A kind this
        /// build does not know reads as `Other`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorKind {
            $($(#[$doc])* $name,)*
        }

        impl ErrorKind {
            /// Every kind, for reading one by name.
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$name,)*];
        }
    };
}

error_kinds! {
    NoKeyring,
    KeyringLocked,
    Keyring,
    NotFound,
    Exists,
    SeedMissing,
    InvalidInput,
    ProfileLoop,
    ProfileConfig,
    Config,
    NoKeys,
    NoMfaCode,
    MfaProcess,
    Denied,
    Aws,
    Lifecycle,
    NotConfirmed,
    Timeout,
    Recursion,
    NotConsoleCapable,
    SigninRejected,
    Unreachable,
    SigninFailed,
    Io,
    /// No browser could be started for the console.
    NoBrowser,
    /// The operation needs the running tray (otpilot-tray), and it is not running.
    TrayNotRunning,
    /// The agent does not know the operation asked for.
    Unsupported,
    /// The agent speaks another protocol version.
    UnsupportedVersion,
    /// The agent could not read the request.
    BadRequest,
    /// Wiring would replace another tool's `credential_process` (allowed when forced).
    ForeignCredentialProcess,
    /// The agent is serving as many callers as it takes; the caller works on its own.
    Busy,
    /// The input is encrypted and no password was given: ask for one, then try again.
    PasswordNeeded,
    /// The password given does not open the input.
    WrongPassword,
    /// The vault is locked, or no agent holds it: `otpilot unlock`.
    VaultLocked,
    /// No TPM can be reached (none, no permission, a bad OTPILOT_TPM_TCTI).
    NoTpm,
    /// A sealed device belongs to another TPM (or this one was cleared).
    TpmForeign,
    /// The TPM PIN was wrong.
    WrongPin,
    /// The TPM locked PIN use after too many wrong PINs.
    TpmLockout,
    /// A TPM PIN is needed and nobody can be asked.
    PinNeeded,
    /// The seed is sealed in the TPM and cannot be read out.
    SeedSealed,
    /// Any other TPM failure.
    Tpm,
    /// The agent serves another store than the caller's: the caller works on its own.
    WrongStore,
    Other,
}

/// By name, as serialised; a name this build does not know is `Other` (an agent or tray of
/// a newer build may send kinds this one cannot branch on).
impl<'de> serde::Deserialize<'de> for ErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(Self::ALL
            .iter()
            .copied()
            .find(|k| serde_json::to_value(k).is_ok_and(|v| v == name.as_str()))
            .unwrap_or(Self::Other))
    }
}

impl Error {
    /// A stable, machine-readable name for the kind of error, for front ends that branch on
    /// it (the tray UI, the agent protocol).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::NoDbusSession | Error::NoSecretService => ErrorKind::NoKeyring,
            Error::KeyringLocked => ErrorKind::KeyringLocked,
            Error::VaultLocked => ErrorKind::VaultLocked,
            Error::VaultWrongPassphrase => ErrorKind::WrongPassword,
            Error::VaultMissing { .. } | Error::VaultExists { .. } => ErrorKind::Config,
            Error::VaultDamaged { .. } | Error::Vault(_) => ErrorKind::Keyring,
            Error::Keyring { .. } => ErrorKind::Keyring,
            Error::DeviceNotFound(_) | Error::ProfileNotFound { .. } => ErrorKind::NotFound,
            Error::DeviceExists(_) | Error::AlreadySealed(_) => ErrorKind::Exists,
            Error::SeedMissing { .. } => ErrorKind::SeedMissing,
            Error::InvalidDeviceName { .. }
            | Error::AmbiguousSerial { .. }
            | Error::InvalidSerial(_)
            | Error::EmptySecret
            | Error::InvalidBase32(_)
            | Error::SeedTooShort { .. }
            | Error::InvalidOtpauth(_)
            | Error::NotTotp(_)
            | Error::InvalidMigration(_)
            | Error::UnsupportedParams(_)
            | Error::InvalidKeys(_)
            | Error::InvalidDuration(_)
            | Error::NoQrCode { .. }
            | Error::ImageTooLarge { .. }
            | Error::InputTooLarge { .. }
            | Error::QrNotOtpauth { .. }
            | Error::ImageDecode { .. }
            | Error::AwsSeedFile { .. }
            | Error::ExportNotRecognised { .. }
            | Error::ExportDamaged { .. }
            | Error::ExportUnsupported { .. }
            | Error::ExportEmpty { .. } => ErrorKind::InvalidInput,
            Error::ExportPasswordNeeded { .. } => ErrorKind::PasswordNeeded,
            Error::ExportWrongPassword { .. } => ErrorKind::WrongPassword,
            Error::ProfileLoop(_) => ErrorKind::ProfileLoop,
            Error::ProfileUnsupported { .. }
            | Error::ProfileIncomplete { .. }
            | Error::KeysInCredentialsFile { .. }
            | Error::NoProfileSection { .. }
            | Error::SecretInConfig { .. }
            | Error::KeysNotMovable { .. } => ErrorKind::ProfileConfig,
            Error::ForeignCredentialProcess { .. } => ErrorKind::ForeignCredentialProcess,
            Error::AwsConfigParse { .. } | Error::ConfigParse { .. } => ErrorKind::Config,
            Error::NoLongTermKeys(_) => ErrorKind::NoKeys,
            Error::NoMfaCode { .. } => ErrorKind::NoMfaCode,
            Error::MfaProcess { .. } => ErrorKind::MfaProcess,
            Error::DeviceUseDenied { .. } => ErrorKind::Denied,
            Error::Sts { .. } | Error::Iam { .. } | Error::Organizations { .. } => ErrorKind::Aws,
            Error::AccountDenied { .. } => ErrorKind::Denied,
            Error::OrgOption(_) => ErrorKind::InvalidInput,
            Error::Lifecycle(_) => ErrorKind::Lifecycle,
            Error::NotConfirmed(_) => ErrorKind::NotConfirmed,
            Error::LockTimeout { .. } => ErrorKind::Timeout,
            Error::Recursion => ErrorKind::Recursion,
            Error::ExportUnsafe { .. } | Error::ExecNested { .. } => ErrorKind::InvalidInput,
            Error::PlatformUnsupported(_) => ErrorKind::Unsupported,
            Error::TpmConfig { .. } | Error::NoTpm { .. } | Error::TpmPermission { .. } => {
                ErrorKind::NoTpm
            }
            Error::TpmForeign { .. } => ErrorKind::TpmForeign,
            Error::TpmWrongPin { .. } => ErrorKind::WrongPin,
            Error::TpmLockout { .. } => ErrorKind::TpmLockout,
            Error::TpmPinNeeded(_) => ErrorKind::PinNeeded,
            Error::SeedSealed(_) => ErrorKind::SeedSealed,
            Error::InvalidPin(_) => ErrorKind::InvalidInput,
            Error::TpmUnsupported(_)
            | Error::TpmOwnerAuth
            | Error::TpmStorageKeyChanged { .. }
            | Error::TpmStorageKeyForged { .. }
            | Error::TpmBlobDamaged { .. }
            | Error::Tpm { .. } => ErrorKind::Tpm,
            Error::ProcessProtection { .. } => ErrorKind::Other,
            Error::ConsoleRequest(_) | Error::ConsoleDuration { .. } => ErrorKind::InvalidInput,
            Error::NoBrowser(_) => ErrorKind::NoBrowser,
            Error::FederationEndpoint(_) => ErrorKind::Config,
            Error::ProfileNotConsoleCapable { .. } => ErrorKind::NotConsoleCapable,
            Error::SigninRejected { .. } => ErrorKind::SigninRejected,
            Error::SigninUnreachable { .. } => ErrorKind::Unreachable,
            Error::SigninBadResponse { .. } => ErrorKind::SigninFailed,
            Error::FileRead { .. }
            | Error::FileWrite { .. }
            | Error::CreateDir { .. }
            | Error::NoHome
            | Error::QrEncode(_) => ErrorKind::Io,
        }
    }
}

/// What kind of STS failure happened, so front ends can branch without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StsErrorKind {
    InvalidMfa,
    AccessDenied,
    ExpiredToken,
    InvalidKeys,
    Throttled,
    Unreachable,
    Timeout,
    RoleChainingLimit,
    Other,
}

#[cfg(test)]
mod tests {
    use super::ErrorKind;

    #[test]
    fn kinds_round_trip_by_name() {
        for &kind in ErrorKind::ALL {
            let wire = serde_json::to_value(kind).unwrap();
            assert!(wire.as_str().is_some_and(|w| !w.is_empty()), "{kind:?}");
            assert_eq!(serde_json::from_value::<ErrorKind>(wire).unwrap(), kind);
        }
        // A kind from a newer build is not an error, just one we cannot branch on.
        assert_eq!(
            serde_json::from_str::<ErrorKind>("\"from_the_future\"").unwrap(),
            ErrorKind::Other
        );
    }
}
