//! Talking to the person at the terminal: hidden prompts and confirmations go through
//! the terminal itself (`/dev/tty`; the console, `CONIN$` and `CONOUT$`, on Windows), never
//! stdout, so they work even when stdout is a pipe.

use std::borrow::Cow;
use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context, Result};
use otpilot_core::mfa::Interaction;
use otpilot_core::secret::SecretString;
use zeroize::Zeroizing;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix::{open_tty, read_hidden};
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows::{open_tty, read_hidden};

/// Text from outside (an issuer, an account, an IAM name, an error that quotes one) as it
/// may be printed: any control character shown as an escape (`\x1b`), so a label carrying a
/// terminal sequence (OSC 52 writes the clipboard) is seen, never obeyed. Every print of such
/// text goes through here; `--json` output needs not (serde_json escapes controls).
pub fn shown(text: &str) -> Cow<'_, str> {
    otpilot_core::text::escape_controls(text)
}

/// All of stdin, refused past `limit` (`cat /dev/zero | otpilot …` must not fill memory).
pub fn read_stdin(limit: otpilot_core::limits::Limit) -> Result<Zeroizing<Vec<u8>>> {
    Ok(otpilot_core::limits::read_stream(
        std::io::stdin().lock(),
        limit,
        "stdin",
    )?)
}

/// The first line of stdin, refused past `limit`.
pub fn read_stdin_line(limit: otpilot_core::limits::Limit) -> Result<Zeroizing<String>> {
    Ok(otpilot_core::limits::read_line(
        std::io::stdin().lock(),
        limit,
        "stdin",
    )?)
}

/// True when stdin is a terminal (so the user can be asked, rather than read from a pipe).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// True when this process has a terminal to ask on (`/dev/tty` opens), stdin piped or not.
pub fn has_terminal() -> bool {
    open_tty().is_ok()
}

/// Asks for a secret on the terminal without echo.
pub fn prompt_secret(prompt: &str) -> Result<SecretString> {
    read_hidden(prompt).context("cannot read from the terminal; pipe the secret on stdin instead")
}

/// Asks for a non-secret value on the terminal, with echo.
pub fn prompt_visible(prompt: &str) -> Result<String> {
    let (input, mut output) =
        open_tty().context("no terminal to ask on; pipe the input on stdin instead")?;
    write!(output, "{prompt}").context("cannot write to the terminal")?;
    output.flush().ok();
    let mut line = String::new();
    std::io::BufReader::new(input)
        .read_line(&mut line)
        .context("cannot read from the terminal")?;
    Ok(line.trim().to_owned())
}

/// Asks a yes/no question on the terminal; anything but y/yes is no.
pub fn confirm(question: &str) -> Result<bool> {
    let Ok((input, mut output)) = open_tty() else {
        bail!("no terminal to confirm on; pass --yes to go ahead without asking");
    };
    write!(output, "{question} [y/N] ").context("cannot write to the terminal")?;
    output.flush().ok();
    let mut line = String::new();
    std::io::BufReader::new(input)
        .read_line(&mut line)
        .context("cannot read from the terminal")?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Confirms unless `--yes` was given; refuses without a terminal.
pub fn confirm_or_yes(yes: bool, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !stdin_is_terminal() {
        bail!("not asking without a terminal; pass --yes to go ahead");
    }
    if !confirm(question)? {
        bail!("cancelled; nothing was changed");
    }
    Ok(())
}

/// True when there is a terminal to talk to, even if stdin/stdout are pipes (credential
/// process runs with pipes, but a person may be at the terminal it was started from).
pub fn has_tty() -> bool {
    open_tty().is_ok()
}

/// The CLI's way of talking to the person: notices on stderr, prompts on /dev/tty.
pub struct TerminalInteraction;

impl Interaction for TerminalInteraction {
    fn notice(&self, message: &str) {
        eprintln!("otpilot: {message}");
    }

    fn warn(&self, message: &str) {
        eprintln!("otpilot: warning: {message}");
    }

    fn prompt_mfa_code(
        &self,
        profile: &str,
        serial: &str,
    ) -> otpilot_core::Result<Option<SecretString>> {
        if !has_tty() {
            return Ok(None);
        }
        let prompt = format!("MFA code for {serial} (profile {profile}): ");
        Ok(read_hidden(&prompt)
            .ok()
            .map(|code| SecretString::new(code.expose().trim().to_owned())))
    }

    fn approve_device(&self, profile: &str, device: &str) -> otpilot_core::Result<bool> {
        if !has_tty() {
            return Ok(false);
        }
        Ok(confirm(&format!(
            "Allow profile `{profile}` to use the MFA device `{device}`?"
        ))
        .unwrap_or(false))
    }

    fn tpm_pin(&self, device: &str) -> otpilot_core::Result<Option<SecretString>> {
        if !has_tty() {
            return Ok(None);
        }
        Ok(read_hidden(&format!("TPM PIN of `{device}`: ")).ok())
    }
}

/// A new TPM PIN, asked twice on the terminal and checked by the core's rule.
pub fn prompt_new_pin() -> Result<SecretString> {
    if !has_tty() {
        bail!(
            "no terminal to ask for the TPM PIN on; run this in a terminal, or leave out --tpm-pin"
        );
    }
    let pin = prompt_secret("New TPM PIN (at least 4 characters): ")?;
    otpilot_core::device::validate_pin(&pin)?;
    let again = prompt_secret("The same PIN again: ")?;
    if again.expose() != pin.expose() {
        bail!("the two PINs differ; nothing was changed");
    }
    Ok(pin)
}

/// The `Seal` that `--tpm` / `--tpm-pin` ask for, or `None` without `--tpm`.
pub fn seal_from(tpm: bool, tpm_pin: bool) -> Result<Option<otpilot_core::device::Seal>> {
    if !tpm {
        return Ok(None);
    }
    let pin = if tpm_pin {
        Some(prompt_new_pin()?)
    } else {
        None
    };
    Ok(Some(otpilot_core::device::Seal { pin }))
}
