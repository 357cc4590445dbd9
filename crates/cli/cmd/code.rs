//! `otpilot code DEVICE`: the current code (or the one at `--at`), plain or as JSON.

use anyhow::Result;
use otpilot_core::audit::{AuditEntry, EventKind};
use otpilot_core::clock::unix_now;
use serde::Serialize;

use otpilot_core::mfa::Interaction;

use super::Ctx;
use crate::cli::CodeArgs;
use crate::term::TerminalInteraction;

#[derive(Serialize)]
struct CodeJson<'a> {
    code: &'a str,
    remaining_seconds: u64,
    next_code: &'a str,
}

pub fn run(ctx: &Ctx, args: CodeArgs) -> Result<()> {
    let devices = ctx.devices();
    let device = devices.find(&args.device)?;
    let code = devices
        .totp(&device, &|name| TerminalInteraction.tpm_pin(name))?
        .code_at(args.at.unwrap_or_else(unix_now))?;
    ctx.audit().record(AuditEntry {
        device: Some(device.name.clone()),
        serial: device.serial.clone(),
        purpose: Some("printed".into()),
        ..AuditEntry::new(EventKind::CodeUsed)
    });
    if args.json {
        let json = CodeJson {
            code: &code.code,
            remaining_seconds: code.remaining_seconds,
            next_code: &code.next_code,
        };
        println!("{}", serde_json::to_string(&json)?);
    } else {
        println!("{}", code.code);
    }
    Ok(())
}
