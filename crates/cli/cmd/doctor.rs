//! `otpilot doctor`: the checks of `otpilot_core::doctor`, as lines or JSON; exit 1 when one
//! fails.

use std::io::Write;

use anyhow::{bail, Result};
use otpilot_core::doctor::Status;

use super::Ctx;

pub fn run(ctx: &Ctx, profile: Option<String>, json: bool) -> Result<()> {
    let broker = ctx.session.broker()?;
    let findings = ctx.session.doctor(&broker).run(profile.as_deref());
    let failed = findings.iter().filter(|f| f.status == Status::Fail).count();
    let mut out = std::io::stdout().lock();
    if json {
        let doc = serde_json::json!({ "ok": failed == 0, "findings": findings });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        for f in &findings {
            let mark = match f.status {
                Status::Ok => "ok  ",
                Status::Warn => "WARN",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
            };
            let about = f
                .profile
                .as_ref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default();
            writeln!(out, "{mark}  {}{about}: {}", f.check, f.message)?;
            if let Some(fix) = &f.fix {
                writeln!(out, "      -> {fix}")?;
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        bail!("{failed} check(s) failed; see the fixes above");
    }
    Ok(())
}
