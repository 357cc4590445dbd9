//! `MfaCodeSource`: a code for an `mfa_serial`, from the first source that has one:
//! 1. a stored device with that serial (no prompt, the point of Otpilot);
//! 2. the profile's `mfa_process` (aws-vault's convention: a command that prints a code);
//! 3. the person, through the front end (terminal prompt, tray dialog);
//! 4. otherwise an error that says how to add the device.
//!
//! AWS accepts each code once: a second use in the same 30 s step, by this or another
//! process, fails with AccessDenied. So the last step used per device is kept in a ledger
//! file under a lock, and a caller that would reuse a step waits for the next one instead.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::atomic::write_private_in_own_dir;
use crate::clock::unix_now;
use crate::device::Devices;
use crate::error::{Error, Result};
use crate::lock::RefreshLock;
use crate::secret::SecretString;

/// How a front end talks to the person: notices (stderr, notifications) and code prompts.
pub trait Interaction: Send + Sync {
    /// Something the person should know now ("waiting 12 s for a fresh code").
    fn notice(&self, message: &str);
    /// Something that will go wrong unless the person acts (a skewed clock). A desktop shows
    /// it as a notification; by default it is a notice like any other.
    fn warn(&self, message: &str) {
        self.notice(message);
    }
    /// Asks for an MFA code; `Ok(None)` when nobody can be asked (no terminal, no tray).
    fn prompt_mfa_code(&self, profile: &str, serial: &str) -> Result<Option<SecretString>>;
    /// Asks whether `profile` may use the stored device `device` (for devices marked "ask
    /// before use"); `false` when nobody can be asked.
    fn approve_device(&self, profile: &str, device: &str) -> Result<bool>;
    /// Asks for the TPM PIN of the sealed device `device`; `Ok(None)` when nobody can be
    /// asked.
    fn tpm_pin(&self, device: &str) -> Result<Option<SecretString>> {
        let _ = device;
        Ok(None)
    }
}

/// Where a code came from; decides whether a rejected code is worth one retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeOrigin {
    Device { name: String },
    Process,
    Prompt,
}

pub struct MfaCode {
    pub code: SecretString,
    pub origin: CodeOrigin,
}

/// The furthest ahead of the current step a claim can legitimately record.
const MAX_STEPS_AHEAD: u64 = 1;

#[derive(Serialize, Deserialize, Default)]
struct Ledger {
    serial: String,
    last_step: u64,
}

pub struct MfaCodeSource<'a> {
    pub devices: &'a Devices<'a>,
    pub state_dir: PathBuf,
    pub lock_dir: PathBuf,
    pub lock_timeout: Duration,
    pub ui: &'a dyn Interaction,
}

impl MfaCodeSource<'_> {
    /// A code for `serial`, for `profile` (whose `mfa_process` is the fallback).
    pub fn code(&self, profile: &str, serial: &str, mfa_process: Option<&str>) -> Result<MfaCode> {
        if let Some(device) = self.devices.by_serial(serial)? {
            tracing::debug!(
                "MFA code for {serial} from the stored device `{}`",
                device.name
            );
            if device.ask_before_use && !self.ui.approve_device(profile, &device.name)? {
                return Err(Error::DeviceUseDenied {
                    device: device.name.clone(),
                    profile: profile.to_owned(),
                });
            }
            let totp = self.devices.totp(&device, &|name| self.ui.tpm_pin(name))?;
            let code = self.unused_step(serial, device.params.period, |step| {
                totp.code_for_step(step)
            })?;
            return Ok(MfaCode {
                code,
                origin: CodeOrigin::Device {
                    name: device.name.clone(),
                },
            });
        }
        if let Some(command) = mfa_process {
            tracing::debug!("MFA code for {serial} from the profile's mfa_process");
            return Ok(MfaCode {
                code: run_mfa_process(profile, command)?,
                origin: CodeOrigin::Process,
            });
        }
        tracing::debug!("no stored device for {serial}: asking the person");
        match self.ui.prompt_mfa_code(profile, serial)? {
            Some(code) => {
                validate_code(code.expose()).map_err(|detail| Error::MfaProcess {
                    profile: profile.to_owned(),
                    detail: format!("the code entered is {detail}"),
                })?;
                Ok(MfaCode {
                    code,
                    origin: CodeOrigin::Prompt,
                })
            }
            None => Err(Error::NoMfaCode {
                serial: serial.to_owned(),
                profile: profile.to_owned(),
            }),
        }
    }

    /// Claims the current step for `serial` (or the next, after waiting) and returns its code.
    fn unused_step(
        &self,
        serial: &str,
        period: u64,
        code_for: impl Fn(u64) -> Result<String>,
    ) -> Result<SecretString> {
        let step = self.claim_steps(serial, period, 1)?;
        Ok(SecretString::new(code_for(step)?))
    }

    /// Claims `count` consecutive steps of `serial`, starting with the current one (or, when
    /// that was already used, the first unused one after waiting for it), and returns the
    /// first. EnableMFADevice and ResyncMFADevice take two; every STS call takes one.
    pub fn claim_steps(&self, serial: &str, period: u64, count: u64) -> Result<u64> {
        let id = serial_id(serial);
        let _lock = RefreshLock::acquire(
            &self.lock_dir,
            &format!("mfa-{id}"),
            self.lock_timeout,
            &format!("use the MFA device {serial}"),
        )?;
        let path = self.state_dir.join("mfa-steps").join(format!("{id}.json"));
        let ledger: Ledger = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let mut step = unix_now() / period;
        // This process records at most one step ahead of now (a two-step claim). A record
        // further ahead was made by a clock that ran fast: waiting for it could take hours
        // while holding the device lock, so it is reported and forgotten. The wait is then at
        // most two periods (one for a single claim).
        let ahead = ledger.last_step.saturating_sub(step);
        if ledger.serial == serial && ahead > MAX_STEPS_AHEAD {
            self.ui.notice(&format!(
                "the record of used MFA codes for {serial} is {ahead} steps ahead of this computer's clock (was the clock fast?); starting it again from now"
            ));
            tracing::warn!(ahead, "MFA step ledger ahead of the clock; reset");
        } else if ledger.serial == serial && step <= ledger.last_step {
            let next = ledger.last_step + 1;
            let wait = (next * period).saturating_sub(unix_now());
            self.ui.notice(&format!(
                "waiting {wait} s for a fresh MFA code for {serial}: AWS accepts each code only once"
            ));
            std::thread::sleep(Duration::from_secs(wait));
            // Past the boundary by a hair, so the code is current on AWS's side too.
            std::thread::sleep(Duration::from_millis(200));
            step = (unix_now() / period).max(next);
        }
        let record = Ledger {
            serial: serial.to_owned(),
            last_step: step + count.max(1) - 1,
        };
        // Recorded before the code is used: a crash after this wastes a step, never reuses one.
        write_private_in_own_dir(
            &path,
            &serde_json::to_vec(&record).expect("ledger serialises"),
        )?;
        tracing::debug!(
            "claimed TOTP step {step} (+{}) of {serial}",
            count.max(1) - 1
        );
        Ok(step)
    }
}

fn serial_id(serial: &str) -> String {
    let digest = Sha256::digest(serial.as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

fn validate_code(code: &str) -> std::result::Result<(), &'static str> {
    if (6..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("not a 6-digit code")
    }
}

/// Runs `mfa_process` through the shell (`sh`; `cmd.exe` on Windows), as aws-vault does; its stdout is the code.
fn run_mfa_process(profile: &str, command: &str) -> Result<SecretString> {
    let fail = |detail: String| Error::MfaProcess {
        profile: profile.to_owned(),
        detail,
    };
    let output = crate::platform::shell_command(command)
        .env(crate::env::RECURSION_GUARD, "1")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| fail(format!("cannot run it: {e}")))?;
    let stdout = Zeroizing::new(output.stdout);
    if !output.status.success() {
        return Err(fail(format!("it exited with {}", output.status)));
    }
    let text = std::str::from_utf8(&stdout).map_err(|_| fail("it printed non-text".into()))?;
    let code = text.trim();
    validate_code(code).map_err(|d| fail(format!("its output is {d}")))?;
    Ok(SecretString::from(code))
}

#[cfg(test)]
mod tests;
