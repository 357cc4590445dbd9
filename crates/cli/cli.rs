//! The command line, as clap derive types. Every command's help ends with an example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use clap_complete::ArgValueCandidates;

use crate::complete;

mod mfa;
mod org;
pub use mfa::{MfaCommand, QrChoice};
pub use org::OrgArgs;

#[derive(Debug, Parser)]
#[command(
    name = "otpilot",
    version = otpilot_core::version::LINE,
    about = "MFA credential helper for AWS: TOTP codes from the OS keyring, no more typing six digits",
    after_help = "Examples:\n  otpilot device add work --serial arn:aws:iam::123456789012:mfa/alice   (paste the seed when asked)\n  otpilot code work\n  otpilot device list"
)]
pub struct Cli {
    /// Log what Otpilot decides, step by step, to stderr (never secrets).
    #[arg(long, global = true)]
    pub debug: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The AWS profile.
    #[arg(add = ArgValueCandidates::new(complete::profiles))]
    pub profile: String,
    /// The shell to write for.
    #[arg(long, value_enum, default_value_t = Format::Env)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `export NAME='value'` (bash, zsh, sh)
    Env,
    /// `NAME='value'`
    EnvNoExport,
    /// `set -gx NAME 'value'`
    Fish,
    /// `$Env:NAME='value'`
    Powershell,
    /// `set "NAME=value"`
    WindowsCmd,
    /// the credential_process JSON
    Process,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The AWS profile.
    #[arg(add = ArgValueCandidates::new(complete::profiles))]
    pub profile: String,
    /// Run even inside an `otpilot exec` for another profile.
    #[arg(long)]
    pub force: bool,
    /// Serve the credentials on a private loopback endpoint (the container-credentials
    /// format) instead of setting them: SDKs in the command refresh by themselves, so runs
    /// longer than a role session keep working.
    #[arg(long)]
    pub server: bool,
    /// The command and its arguments (default: a new $SHELL, else /bin/sh).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<std::ffi::OsString>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, show, rename and remove MFA devices (TOTP seeds in the OS keyring).
    #[command(subcommand)]
    Device(DeviceCommand),

    /// Print the current MFA code of a device.
    #[command(
        after_help = "Examples:\n  otpilot code work\n  otpilot code arn:aws:iam::123456789012:mfa/alice --json\n  otpilot code work --at 1700000000"
    )]
    Code(CodeArgs),

    /// Print AWS credentials for a profile as credential_process JSON (for SDKs and the AWS CLI).
    ///
    /// Wire it into ~/.aws/config with `otpilot profile setup PROFILE`. Only the JSON goes to
    /// stdout; MFA codes come from the stored device, so no one is asked.
    #[command(
        after_help = "Example (~/.aws/config):\n  [profile admin]\n  credential_process = otpilot credential-process admin\n  otpilot_role_arn = arn:aws:iam::123456789012:role/Admin\n  otpilot_source_profile = base\n  otpilot_mfa_serial = arn:aws:iam::111122223333:mfa/alice"
    )]
    CredentialProcess {
        /// The AWS profile (default: $AWS_PROFILE, else `default`).
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: Option<String>,
    },

    /// Print a profile's credentials as environment variables, for tools that only read the
    /// environment.
    ///
    /// The same credentials as credential-process (same cache, same MFA session), written as
    /// `aws configure export-credentials --format` writes them, values quoted for the shell.
    /// Anything you run afterwards in that shell can read them, and so can every process of
    /// yours (/proc/PID/environ): prefer `otpilot exec` or credential_process.
    #[command(
        after_help = "Examples:\n  eval \"$(otpilot export dev)\"\n  otpilot export dev --format fish | source\n  otpilot export dev --format powershell | Invoke-Expression\n  otpilot export dev --format env-no-export > .env   (a file of secrets: delete it after use)"
    )]
    Export(ExportArgs),

    /// Run a command with a profile's credentials in its environment.
    ///
    /// Otpilot becomes the command (its input, output, signals and exit status are the
    /// command's own); with --server it stays, serves the credentials on a private loopback
    /// endpoint, and passes signals and the exit status through. AWS_PROFILE and every other variable that would make an SDK look for
    /// credentials elsewhere are removed; OTPILOT_PROFILE names the profile (for your shell
    /// prompt). Inside an exec for another profile it refuses, unless --force. Without a
    /// command it starts your shell ($SHELL, else /bin/sh) with the credentials.
    #[command(
        after_help = "Examples:\n  otpilot exec dev -- aws sts get-caller-identity\n  otpilot exec dev -- terraform plan\n  otpilot exec dev --server -- terraform apply   (a long run: the SDK refreshes through Otpilot)\n  otpilot exec dev          (a shell with the credentials; `exit` to leave)"
    )]
    Exec(ExecArgs),

    /// Open the AWS console in your browser, signed in as a profile.
    ///
    /// Signs in with the profile's role credentials (the same cache as credential-process); a
    /// profile without a role signs in with GetFederationToken, which carries no MFA context.
    /// The browser first signs out of any other console session, so switching accounts works
    /// in one click. The browser is $BROWSER (a command, or a colon-separated list tried in
    /// order; %s stands for the URL), else xdg-open (open on macOS).
    #[command(
        after_help = "Examples:\n  otpilot console admin\n  otpilot console admin --service s3 --region eu-west-1\n  otpilot console admin --path '/cloudwatch/home?region=eu-west-1#alarmsV2:'\n  otpilot console admin --print        (the URL on stdout: a bearer secret for 15 minutes)\n\nOTPILOT_FEDERATION_ENDPOINT overrides the AWS sign-in endpoint (for corporate proxies)."
    )]
    Console(ConsoleArgs),

    /// Keep long-term access keys in the OS keyring instead of ~/.aws/credentials.
    #[command(subcommand)]
    Keys(KeysCommand),

    /// Wire AWS profiles to Otpilot and see their state.
    #[command(subcommand)]
    Profile(ProfileCommand),

    /// Enrol, list, resync, rotate and remove the IAM user's virtual MFA devices.
    #[command(subcommand)]
    Mfa(MfaCommand),

    /// For administrators: the account's MFA posture, MFA enforcement, the password policy,
    /// and cleanup of abandoned virtual MFA devices.
    #[command(subcommand)]
    Account(AccountCommand),

    /// Check what MFA depends on: the keyring, the clock, profiles, seeds, the IAM user's
    /// MFA devices and the account's password policy. Exits 1 when a check fails.
    #[command(
        after_help = "Examples:\n  otpilot doctor\n  otpilot doctor --profile admin --json | jq '.findings[] | select(.status != \"ok\")'"
    )]
    Doctor {
        /// Check only this profile (default: every profile that uses MFA or Otpilot).
        #[arg(long, add = ArgValueCandidates::new(complete::profiles))]
        profile: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },

    /// Print IAM policies that make MFA mandatory.
    #[command(subcommand)]
    Policy(PolicyCommand),

    /// Open the vault (`store = "vault"`) for this session: starts the headless agent if
    /// it is not running, then gives it the passphrase (asked on the terminal, or the first
    /// line of stdin with --passphrase-stdin).
    #[command(
        after_help = "Examples:\n  otpilot unlock\n  pass show otpilot | otpilot unlock --passphrase-stdin"
    )]
    Unlock {
        /// Read the passphrase from stdin's first line instead of asking on the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },

    /// Lock the vault: the agent forgets its contents, and the kernel keyring's copies of
    /// cached credentials are dropped (with or without a running agent). To stop the agent
    /// too: `otpilot agent --stop`.
    Lock,

    /// Create, re-key or fill the vault: Otpilot's secrets in one passphrase-encrypted file,
    /// for machines with no desktop keyring (WSL, SSH sessions, servers).
    #[command(subcommand)]
    Vault(VaultCommand),

    /// Run the headless agent in the foreground (what `otpilot unlock` starts, and what the
    /// systemd user unit in packaging/ runs): it holds the unlocked vault and answers
    /// credential_process, code and the vault's requests on the agent socket. With --stop:
    /// stop the running one (it locks the vault first).
    #[command(after_help = "Examples:\n  otpilot agent\n  otpilot agent --stop")]
    Agent {
        /// Stop the running headless agent instead (it locks the vault and exits).
        #[arg(long)]
        stop: bool,
    },

    /// Show the local audit log: credentials issued, codes used, MFA changes, console sign-ins.
    #[command(
        after_help = "Examples:\n  otpilot log\n  otpilot log --limit 200 --json | jq 'select(.event == \"credentials_issued\")'"
    )]
    Log {
        /// How many of the newest entries to show (at least 1).
        #[arg(long, default_value_t = 50, value_parser = crate::cmd::log::parse_limit)]
        limit: usize,
        /// Print the entries as JSON lines, oldest first.
        #[arg(long)]
        json: bool,
    },

    /// Print a shell completion script.
    #[command(
        after_help = "Examples (bash, zsh, fish):\n  mkdir -p ~/.local/share/bash-completion/completions\n  otpilot completions bash > ~/.local/share/bash-completion/completions/otpilot\n  echo 'source <(otpilot completions zsh)' >> ~/.zshrc\n  mkdir -p ~/.config/fish/completions\n  otpilot completions fish > ~/.config/fish/completions/otpilot.fish\n\nThe script completes device, profile and store names too: it asks otpilot at each TAB\n(reading devices.toml and ~/.aws/config, never the keyring). Write it again after upgrading."
    )]
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Add a device. The secret is read from stdin when piped, or asked for without echo.
    ///
    /// The secret may be a base32 seed, an otpauth://totp/ URI, or a Google Authenticator
    /// export (otpauth-migration://...), which may add several devices at once (NAME-1,
    /// NAME-2, ...). Secrets are never taken as arguments, so they stay out of shell history
    /// and the process list.
    #[command(
        after_help = "Examples:\n  otpilot device add work --serial arn:aws:iam::123456789012:mfa/alice\n  pbpaste | otpilot device add work\n  otpilot device add work --qr ~/Downloads/qr.png\n  aws iam create-virtual-mfa-device --virtual-mfa-device-name alice \\\n      --bootstrap-method Base32StringSeed --outfile seed.txt\n  otpilot device add work --aws-seed-file seed.txt && shred -u seed.txt"
    )]
    Add(AddArgs),

    /// Add every TOTP account of an authenticator app's export.
    ///
    /// Reads exports of Aegis (plain or encrypted), 2FAS (.2fas, plain or encrypted),
    /// Bitwarden (JSON or CSV, not encrypted), andOTP (plain JSON), FreeOTP+ (JSON), Proton
    /// Authenticator, Ente Auth (plain text), and text files of otpauth:// URIs, one per line.
    /// The format is recognised from the contents. Devices are named from each entry's issuer
    /// and account; HOTP, Steam and other non-TOTP entries are skipped, each with the reason;
    /// a seed already in Otpilot is not added twice. For an encrypted export the password is
    /// asked for without echo, or read from stdin with --password-stdin.
    #[command(
        after_help = "Examples:\n  otpilot device import ~/Downloads/aegis-export.json --dry-run\n  otpilot device import backup.2fas --prefix phone\n  pass show aegis | otpilot device import aegis-encrypted.json --password-stdin"
    )]
    Import(ImportArgs),

    /// List devices (never their seeds).
    #[command(
        after_help = "Examples:\n  otpilot device list\n  otpilot device list --json | jq -r '.[].name'"
    )]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },

    /// Remove a device: its seed from the keyring and its entry from the config.
    #[command(after_help = "Example:\n  otpilot device remove old-phone")]
    Remove {
        /// Device name or serial ARN.
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },

    /// Rename a device (the seed stays where it is).
    #[command(after_help = "Example:\n  otpilot device rename work work-admin")]
    Rename {
        /// The device's current name.
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        old: String,
        /// Its new name.
        new: String,
    },

    /// Set or clear the AWS MFA serial ARN a device answers for.
    #[command(
        after_help = "Examples:\n  otpilot device serial work arn:aws:iam::123456789012:mfa/alice\n  otpilot device serial work --clear"
    )]
    Serial {
        /// Device name.
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        name: String,
        /// The serial ARN, arn:aws:iam::ACCOUNT:mfa/NAME.
        #[arg(required_unless_present = "clear")]
        serial: Option<String>,
        /// Remove the serial.
        #[arg(long, conflicts_with = "serial")]
        clear: bool,
    },

    /// Move a device's seed from the keyring into this machine's TPM.
    ///
    /// The TPM's code is checked against the seed's before the keyring copy is deleted; a
    /// failure at any point leaves the device as it was. Afterwards the seed cannot be read
    /// out again (no QR code): make a phone backup first with `otpilot device qr NAME`.
    #[command(
        after_help = "Examples:\n  otpilot device qr work && otpilot device protect work\n  otpilot device protect work --tpm-pin"
    )]
    Protect {
        /// Device name or serial ARN.
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        name: String,
        /// Protect the sealed key with a PIN, asked twice on the terminal.
        #[arg(long)]
        tpm_pin: bool,
    },

    /// Show a device's QR code, to add the same device to a phone as a backup.
    ///
    /// The QR code holds the seed: anyone who sees it can make your codes.
    #[command(
        after_help = "Examples:\n  otpilot device qr work\n  otpilot device qr work --png backup.png --yes"
    )]
    Qr {
        /// Device name or serial ARN.
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        name: String,
        /// Write a PNG image (mode 0600) instead of drawing in the terminal.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Do not ask for confirmation (for scripts).
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Store a profile's access key pair in the keyring, read from stdin or a hidden prompt.
    ///
    /// Stdin may hold the key id and secret on two lines, or the CSV file the IAM console
    /// downloads.
    #[command(
        after_help = "Examples:\n  otpilot keys add base        (asks for the key id and the hidden secret)\n  otpilot keys add base < ~/Downloads/alice_accessKeys.csv"
    )]
    Add {
        /// The profile whose keys these are (the one other profiles name in source_profile).
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
        /// The access key id (not secret); asked for when not given.
        #[arg(long, value_name = "AKIA...")]
        access_key_id: Option<String>,
    },
    /// Move a profile's keys from ~/.aws/credentials into the keyring, leaving the rest of the
    /// file as it was. The original file is kept in the keyring as a backup.
    #[command(after_help = "Example:\n  otpilot keys import base")]
    Import {
        /// The profile whose aws_access_key_id and aws_secret_access_key move.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
    },
    /// Delete a profile's keys from the keyring.
    #[command(after_help = "Example:\n  otpilot keys remove base --yes")]
    Remove {
        /// The profile whose keys to delete.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Create an empty vault (`$XDG_DATA_HOME/otpilot/vault.age`) and make it Otpilot's
    /// store (`store = "vault"` in config.toml). The passphrase is asked twice on the
    /// terminal, or read from stdin's first line with --passphrase-stdin. When the OS keyring
    /// holds Otpilot's items, it offers to move them into the vault (on a terminal), or
    /// prints the command that does.
    #[command(
        after_help = "Examples:\n  otpilot vault init && otpilot unlock\n  otpilot vault migrate --to vault    (move what the keyring holds)"
    )]
    Init {
        /// Read the passphrase from stdin's first line instead of asking twice on the terminal.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Change the vault's passphrase (the agent must be unlocked). With --passphrase-stdin:
    /// the current passphrase on the first line, the new one on the second.
    Passwd {
        /// Read the current passphrase from stdin's first line and the new one from its second.
        #[arg(long)]
        passphrase_stdin: bool,
    },
    /// Move every item (seeds, keys, cached credentials) to the other store, verifying each
    /// before deleting it from the source, and make that store Otpilot's. Interrupted, it
    /// loses nothing; run it again to finish.
    #[command(
        after_help = "Examples:\n  otpilot vault migrate --to vault\n  otpilot vault migrate --to keyring"
    )]
    Migrate {
        /// `vault` or `keyring`.
        #[arg(long, value_name = "STORE", add = ArgValueCandidates::new(complete::stores))]
        to: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Report the account's MFA posture from IAM's credential report: the root user's MFA,
    /// console users and key holders without MFA, old or unused access keys, unassigned
    /// virtual MFA devices, the password policy. Each finding with its severity and fix.
    /// Exits 1 when a high-severity finding exists, so it can gate CI.
    #[command(
        after_help = "Examples:\n  otpilot account report admin\n  otpilot account report admin --json | jq '.findings[] | select(.severity == \"high\")'\n  otpilot account report admin --csv > mfa-report.csv\n  otpilot account report admin --organization                 # every account of the AWS Organization\n  otpilot account report admin --organization --ou ou-ab12-cdef3456 --csv > ou.csv"
    )]
    Report {
        #[command(flatten)]
        profile: AccountProfile,
        /// Print JSON.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// Print CSV: severity, check, subject, detail, fix (with --organization, the
        /// account id and name first).
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        org: OrgArgs,
        /// With --organization: an account that cannot be checked does not make the exit
        /// code 1 (it is still listed).
        #[arg(long, requires = "organization")]
        allow_unchecked: bool,
    },

    /// Make MFA mandatory for a group or a user: create (or update) the managed policy of
    /// `otpilot policy enforce-mfa` as `OtpilotEnforceMFA` and attach it. Lists who would be
    /// restricted before asking. A second run changes nothing.
    #[command(
        after_help = "Examples:\n  otpilot account enforce-mfa --profile admin --group Developers --dry-run\n  otpilot account enforce-mfa --profile admin --user alice --yes\n  otpilot account enforce-mfa admin --organization --group Developers         # the plan, per account\n  otpilot account enforce-mfa admin --organization --group Developers --yes"
    )]
    EnforceMfa {
        #[command(flatten)]
        profile: AccountProfile,
        /// The IAM group to attach the policy to.
        #[arg(long, required_unless_present = "user", conflicts_with = "user")]
        group: Option<String>,
        /// The IAM user to attach the policy to.
        #[arg(long)]
        user: Option<String>,
        /// Print the plan; change nothing (with --organization, the default without --yes).
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        org: OrgArgs,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },

    /// Show the account password policy beside the baseline (14+ characters, every
    /// character class, 24 remembered passwords, users may change their own); with
    /// --apply, set the baseline, keeping any setting that is already stricter.
    #[command(
        after_help = "Examples:\n  otpilot account password-policy --profile admin\n  otpilot account password-policy --profile admin --apply --yes"
    )]
    PasswordPolicy {
        #[command(flatten)]
        profile: AccountProfile,
        /// Set the baseline (keeping any stricter setting).
        #[arg(long)]
        apply: bool,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },

    /// Delete virtual MFA devices assigned to nobody (left by abandoned enrolments), after
    /// listing them.
    #[command(after_help = "Example:\n  otpilot account cleanup-mfa --profile admin")]
    CleanupMfa {
        #[command(flatten)]
        profile: AccountProfile,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// The administrator's profile of an `otpilot account` command: given as the first argument
/// (as `exec`, `export` and `profile status` take it) or with --profile.
#[derive(Debug, Args)]
pub struct AccountProfile {
    /// The administrator's AWS profile (its credentials come through the normal plan).
    #[arg(
        value_name = "PROFILE",
        required_unless_present = "profile",
        conflicts_with = "profile",
        add = ArgValueCandidates::new(complete::profiles)
    )]
    positional: Option<String>,
    /// The same profile, as an option.
    #[arg(long, value_name = "PROFILE", add = ArgValueCandidates::new(complete::profiles))]
    profile: Option<String>,
}

impl AccountProfile {
    pub fn name(&self) -> &str {
        self.positional
            .as_deref()
            .or(self.profile.as_deref())
            .expect("clap requires the profile")
    }
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Make a profile get its credentials from Otpilot.
    ///
    /// Rewrites the profile in ~/.aws/config (after a backup, keeping comments and order):
    /// adds `credential_process = otpilot credential-process PROFILE` and prefixes every key
    /// that would make an SDK resolve credentials itself (role_arn, source_profile,
    /// mfa_serial, ...) with `otpilot_`, where Otpilot still reads them.
    #[command(
        after_help = "Example:\n  otpilot profile setup admin && aws sts get-caller-identity --profile admin"
    )]
    Setup {
        /// The profile in ~/.aws/config to wire.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
        /// Replace a credential_process that points elsewhere.
        #[arg(long)]
        force: bool,
    },
    /// Give a wired profile back to the SDKs (the reverse of `setup`).
    ///
    /// Removes Otpilot's credential_process and renames the otpilot_* keys back (role_arn,
    /// source_profile, mfa_serial, ...), after a backup, keeping comments and order. Keys
    /// moved into the keyring with `keys import` stay there.
    #[command(after_help = "Example:\n  otpilot profile unwire admin")]
    Unwire {
        /// The wired profile to give back.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
    },
    /// Forget the credentials cached for a profile (its roles and its MFA session), in the
    /// store and in the kernel keyring: the next call gets new ones, with a new MFA code.
    #[command(after_help = "Example:\n  otpilot profile forget admin")]
    Forget {
        /// The profile whose cached credentials to forget.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
    },
    /// Check profiles end to end: credentials through Otpilot, then STS GetCallerIdentity.
    ///
    /// Prints the identity each profile acts as (the assumed-role ARN for a role). Exits 1
    /// when any profile fails, with the error and its fix.
    #[command(
        after_help = "Examples:\n  otpilot profile check admin\n  otpilot profile check --json"
    )]
    Check {
        /// One profile; default: every profile wired to Otpilot.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// List profiles with their chain and MFA device.
    #[command(after_help = "Example:\n  otpilot profile list")]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show a profile's chain, device and when its credentials expire.
    #[command(
        after_help = "Examples:\n  otpilot profile status admin\n  otpilot profile status --json"
    )]
    Status {
        /// One profile; default: every profile wired to Otpilot.
        #[arg(add = ArgValueCandidates::new(complete::profiles))]
        profile: Option<String>,
        /// Print JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Name for the device, used on the command line and in menus.
    pub name: String,
    /// The AWS MFA serial ARN this device answers for (mfa_serial in ~/.aws/config).
    #[arg(long, value_name = "ARN")]
    pub serial: Option<String>,
    /// Read the secret from the QR code in a PNG or JPEG image.
    #[arg(long, value_name = "IMAGE", conflicts_with = "aws_seed_file")]
    pub qr: Option<PathBuf>,
    /// Read the seed file written by `aws iam create-virtual-mfa-device --bootstrap-method Base32StringSeed --outfile FILE`.
    #[arg(long, value_name = "FILE")]
    pub aws_seed_file: Option<PathBuf>,
    /// Replace an existing device of the same name.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub tpm: TpmArgs,
}

/// Sealing a seed in this machine's TPM.
#[derive(Debug, Args)]
pub struct TpmArgs {
    /// Seal the seed in this machine's TPM (OTPILOT_TPM_TCTI, default /dev/tpmrm0): codes are
    /// computed inside the TPM and the seed is kept nowhere else, not even in the keyring.
    #[arg(long)]
    pub tpm: bool,
    /// Protect the sealed key with a PIN, asked twice on the terminal (and at every use).
    #[arg(long, requires = "tpm")]
    pub tpm_pin: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file.
    pub file: PathBuf,
    /// Read the export's password from stdin (the first line) instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
    /// List what would be added, and add nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Put this in front of every device name (`phone` gives phone-GitHub-alice).
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    #[command(flatten)]
    pub tpm: TpmArgs,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// The AWS profile (default: $AWS_PROFILE, else `default`).
    #[arg(add = ArgValueCandidates::new(complete::profiles))]
    pub profile: Option<String>,
    /// Open this service's console (s3, ec2, cloudwatch, ...) instead of the console home.
    #[arg(long, value_name = "SERVICE", conflicts_with = "path")]
    pub service: Option<String>,
    /// The console's region (default: the profile's region, then AWS_REGION).
    #[arg(long, value_name = "REGION", conflicts_with = "path")]
    pub region: Option<String>,
    /// Open this console path as given, e.g. '/cloudwatch/home?region=eu-west-1#alarmsV2:'.
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Console session length, 900-43200 s; AWS allows it only for a role assumed straight
    /// from long-term keys. For a profile without a role: the GetFederationToken duration
    /// (900-129600 s, default 43200).
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u32>,
    /// Print the login URL on stdout instead of opening a browser.
    #[arg(long)]
    pub print: bool,
    /// Open the login URL directly, without signing out of another console session first.
    #[arg(long)]
    pub no_logout: bool,
    /// The browser: default, chromium, google-chrome, brave, edge, vivaldi (or the path of a
    /// Chromium-family binary), firefox, firefox-container. Overrides the profile's
    /// otpilot_console_browser and console_browser in config.toml.
    #[arg(long, value_name = "BROWSER", conflicts_with = "print")]
    pub browser: Option<String>,
    /// Remove the browser profiles Otpilot made for this AWS profile, and sign nothing in.
    #[arg(
        long,
        value_name = "PROFILE",
        add = ArgValueCandidates::new(complete::profiles),
        conflicts_with_all = ["profile", "service", "region", "path", "duration", "print", "no_logout", "browser"]
    )]
    pub forget_browser: Option<String>,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Device name or serial ARN.
    #[arg(add = ArgValueCandidates::new(complete::devices))]
    pub device: String,
    /// Print {"code", "remaining_seconds", "next_code"} as JSON.
    #[arg(long)]
    pub json: bool,
    /// Compute the code at this Unix time instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// An identity policy: users may manage their own password and MFA devices, and
    /// everything else is denied without MFA (aws:MultiFactorAuthPresent).
    #[command(
        after_help = "Example:\n  otpilot policy enforce-mfa > enforce-mfa.json\n  aws iam create-policy --policy-name EnforceMFA --policy-document file://enforce-mfa.json"
    )]
    EnforceMfa,

    /// A role trust policy that admits the account's principals only with MFA.
    #[command(
        after_help = "Example:\n  otpilot policy role-trust --account 123456789012 --max-mfa-age 43200 > trust.json\n  aws iam update-assume-role-policy --role-name Admin --policy-document file://trust.json"
    )]
    RoleTrust {
        /// The 12-digit account id whose principals may assume the role.
        #[arg(long)]
        account: String,
        /// Refuse MFA sign-ins older than this many seconds (aws:MultiFactorAuthAge).
        #[arg(long)]
        max_mfa_age: Option<u64>,
        /// aws, aws-us-gov or aws-cn.
        #[arg(long, default_value = "aws")]
        partition: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `--help` explains every argument and option, down to the last subcommand.
    #[test]
    fn every_argument_says_what_it_is_for() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "otpilot", &mut missing);
        assert_eq!(missing, Vec::<String>::new());
    }
}
