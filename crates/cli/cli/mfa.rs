//! `otpilot mfa`: the MFA device lifecycle in IAM (enrol, list, resync, rotate, remove).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use clap_complete::ArgValueCandidates;

use super::TpmArgs;
use crate::complete;

#[derive(Debug, Subcommand)]
pub enum MfaCommand {
    /// Create a virtual MFA device for the profile's IAM user, keep its seed in the keyring,
    /// enable it with two codes computed from the seed, and set mfa_serial in the profile.
    #[command(
        after_help = "Examples:\n  otpilot mfa enroll --profile base\n  otpilot mfa enroll --profile base --device-name alice-laptop --qr-png ~/phone.png"
    )]
    Enroll {
        /// A profile with the IAM user's long-term keys (or a profile whose chain starts there).
        #[arg(long, add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
        /// The virtual MFA device's name in IAM (default: USER-otpilot-YYYYMMDD).
        #[arg(long)]
        device_name: Option<String>,
        #[command(flatten)]
        qr: QrChoice,
        /// Seal the new seed in this machine's TPM (the phone-backup QR code is offered
        /// first, as it cannot be shown after).
        #[command(flatten)]
        tpm: TpmArgs,
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },

    /// List the IAM user's MFA devices, marking those whose seed Otpilot holds.
    #[command(after_help = "Example:\n  otpilot mfa list --profile base")]
    List {
        /// A profile with the IAM user's keys (or whose chain starts there).
        #[arg(long, add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },

    /// Resynchronise a device with AWS (ResyncMFADevice with two consecutive codes).
    #[command(after_help = "Example:\n  otpilot mfa resync work")]
    Resync {
        /// Device name or serial ARN (its seed must be stored).
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        device: String,
        /// The profile whose keys belong to the device's IAM user (default: a profile using it).
        #[arg(long, add = ArgValueCandidates::new(complete::profiles))]
        profile: Option<String>,
    },

    /// Replace the profile's MFA device: enrol a new one, prove it works, switch mfa_serial,
    /// then deactivate and delete the old one.
    #[command(after_help = "Example:\n  otpilot mfa rotate --profile base")]
    Rotate {
        /// A profile with the IAM user's keys (or whose chain starts there).
        #[arg(long, add = ArgValueCandidates::new(complete::profiles))]
        profile: String,
        /// The new device's name in IAM (default: USER-otpilot-YYYYMMDD).
        #[arg(long)]
        device_name: Option<String>,
        #[command(flatten)]
        qr: QrChoice,
        /// Seal the new seed in this machine's TPM (the phone-backup QR code is offered
        /// first, as it cannot be shown after).
        #[command(flatten)]
        tpm: TpmArgs,
        /// Print the result as JSON on stdout.
        #[arg(long)]
        json: bool,
    },

    /// Deactivate and delete an MFA device in AWS and forget its seed.
    #[command(after_help = "Example:\n  otpilot mfa remove old-laptop")]
    Remove {
        /// Device name or serial ARN.
        #[arg(add = ArgValueCandidates::new(complete::devices))]
        device: String,
        /// The profile whose keys belong to the device's IAM user (default: a profile using it).
        #[arg(long, add = ArgValueCandidates::new(complete::profiles))]
        profile: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long, short = 'y')]
        yes: bool,
    },
}

/// Whether to show the new device's QR code for a phone backup.
#[derive(Debug, Args)]
pub struct QrChoice {
    /// Draw the QR code in the terminal (without asking).
    #[arg(long, conflicts_with_all = ["qr_png", "no_qr"])]
    pub qr: bool,
    /// Write the QR code to a new PNG file (0600; delete it after scanning).
    #[arg(long, value_name = "FILE", conflicts_with = "no_qr")]
    pub qr_png: Option<PathBuf>,
    /// Do not offer the QR code.
    #[arg(long)]
    pub no_qr: bool,
}
