//! `otpilot log`: the local audit log, newest last (as a log reads).

use std::io::Write;

use anyhow::Result;
use otpilot_core::localtime::date_time;

use super::Ctx;

pub fn run(ctx: &Ctx, limit: usize, json: bool) -> Result<()> {
    let log = ctx.audit();
    let mut entries = log.recent(limit)?;
    entries.reverse();
    let mut out = std::io::stdout().lock();
    if entries.is_empty() && !json {
        eprintln!("the audit log is empty ({})", log.path().display());
        return Ok(());
    }
    // Columns as wide as their widest value among the rows shown (`agent` is wider than
    // `cli`; "MFA device sealed in the TPM" than "code used").
    let event_width = entries
        .iter()
        .map(|e| e.event.label().len())
        .max()
        .unwrap_or(0);
    let origin_width = entries.iter().map(|e| e.origin.len()).max().unwrap_or(0);
    for e in entries {
        if json {
            writeln!(out, "{}", serde_json::to_string(&e)?)?;
        } else {
            writeln!(
                out,
                "{}  {:<event_width$}  {:<origin_width$}  {}",
                date_time(e.time),
                e.event.label(),
                e.origin,
                e.summary()
            )?;
        }
    }
    Ok(())
}

/// `--limit`: at least one entry (the log cannot be shown in none).
pub fn parse_limit(text: &str) -> std::result::Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("show at least 1 entry".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a number of entries")),
    }
}
