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
    for e in entries {
        if json {
            writeln!(out, "{}", serde_json::to_string(&e)?)?;
        } else {
            writeln!(
                out,
                "{}  {:<20}  {:<4}  {}",
                date_time(e.time),
                e.event.label(),
                e.origin,
                e.summary()
            )?;
        }
    }
    Ok(())
}
