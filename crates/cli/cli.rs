//! The command line, as clap derive types. Every command's help ends with an example.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "otpilot",
    version,
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

    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  otpilot completions bash > ~/.local/share/bash-completion/completions/otpilot\n  otpilot completions zsh > \"${fpath[1]}/_otpilot\"\n  otpilot completions fish > ~/.config/fish/completions/otpilot.fish"
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
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },

    /// Rename a device (the seed stays where it is).
    #[command(after_help = "Example:\n  otpilot device rename work work-admin")]
    Rename { old: String, new: String },

    /// Set or clear the AWS MFA serial ARN a device answers for.
    #[command(
        after_help = "Examples:\n  otpilot device serial work arn:aws:iam::123456789012:mfa/alice\n  otpilot device serial work --clear"
    )]
    Serial {
        /// Device name.
        name: String,
        /// The serial ARN, arn:aws:iam::ACCOUNT:mfa/NAME.
        #[arg(required_unless_present = "clear")]
        serial: Option<String>,
        /// Remove the serial.
        #[arg(long, conflicts_with = "serial")]
        clear: bool,
    },

    /// Show a device's QR code, to add the same device to a phone as a backup.
    ///
    /// The QR code holds the seed: anyone who sees it can make your codes.
    #[command(
        after_help = "Examples:\n  otpilot device qr work\n  otpilot device qr work --png backup.png --yes"
    )]
    Qr {
        /// Device name or serial ARN.
        name: String,
        /// Write a PNG image (mode 0600) instead of drawing in the terminal.
        #[arg(long, value_name = "FILE")]
        png: Option<PathBuf>,
        /// Do not ask for confirmation (for scripts).
        #[arg(long, short = 'y')]
        yes: bool,
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
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// Device name or serial ARN.
    pub device: String,
    /// Print {"code", "remaining_seconds", "next_code"} as JSON.
    #[arg(long)]
    pub json: bool,
    /// Compute the code at this Unix time instead of now.
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<u64>,
}
