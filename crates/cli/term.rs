//! Talking to the person at the terminal: hidden prompts and confirmations go through
//! `/dev/tty`, never stdout, so they work even when stdout is a pipe.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Context, Result};
use otpilot_core::secret::SecretString;

/// True when stdin is a terminal (so the user can be asked, rather than read from a pipe).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for a secret on the terminal without echo.
pub fn prompt_secret(prompt: &str) -> Result<SecretString> {
    let answer = rpassword::prompt_password(prompt)
        .context("cannot read from the terminal; pipe the secret on stdin instead")?;
    Ok(SecretString::new(answer))
}

/// Asks a yes/no question on the terminal; anything but y/yes is no.
pub fn confirm(question: &str) -> Result<bool> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty");
    let Ok(mut tty) = tty else {
        bail!("no terminal to confirm on; pass --yes to go ahead without asking");
    };
    write!(tty, "{question} [y/N] ").context("cannot write to the terminal")?;
    tty.flush().ok();
    let mut line = String::new();
    std::io::BufReader::new(tty)
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
