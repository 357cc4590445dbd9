//! `otpilot account report|enforce-mfa --organization`: one `Session` call each and its
//! presentation (the table, JSON, CSV, the plan per account); a progress line on stderr when
//! it is a terminal, nothing on a pipe.

use std::io::{IsTerminal, Write};

use anyhow::{bail, Result};
use otpilot_core::account::organization::{AccountStatus, OrganizationReport};
use otpilot_core::app::{OrgEnforcePlan, OrgOptions, Planned};
use otpilot_core::aws::iam_admin::Principal;
use otpilot_core::csv;

use super::Ctx;
use crate::cli::OrgArgs;
use crate::term;

pub fn options(org: &OrgArgs) -> Result<OrgOptions> {
    Ok(OrgOptions::new(
        &org.role,
        &org.accounts,
        org.ou.as_deref(),
        usize::from(org.concurrency),
    )?)
}

/// "checked 12/30 accounts" on stderr, rewritten in place, when stderr is a terminal.
struct ProgressLine {
    on: bool,
    verb: &'static str,
}

impl ProgressLine {
    fn new(verb: &'static str) -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
            verb,
        }
    }

    fn show(&self, done: usize, total: usize) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{} {done}/{total} accounts", self.verb);
            let _ = err.flush();
        }
    }

    fn finish(&self) {
        if self.on {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

pub fn report(
    ctx: &Ctx,
    profile: &str,
    org: &OrgArgs,
    json: bool,
    csv_out: bool,
    allow_unchecked: bool,
) -> Result<()> {
    let options = options(org)?;
    let line = ProgressLine::new("checked");
    let report = ctx
        .session
        .organization_report(profile, &options, &|done, total| line.show(done, total));
    line.finish();
    let report = report?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", otpilot_core::text::json_pretty(&report)?)?;
    } else if csv_out {
        print_csv(&mut out, &report)?;
    } else {
        print_table(&mut out, &report)?;
    }
    out.flush()?;
    if report.fails(allow_unchecked) {
        if report.summary.not_checked > 0 && !report.has_high() {
            eprintln!(
                "{} accounts could not be checked; fix their access role, or pass --allow-unchecked",
                report.summary.not_checked
            );
        }
        std::process::exit(1);
    }
    Ok(())
}

fn print_csv(out: &mut impl Write, report: &OrganizationReport) -> Result<()> {
    writeln!(
        out,
        "account_id,account_name,severity,check,subject,detail,fix"
    )?;
    for f in &report.findings {
        let g = &f.finding;
        let row = [
            f.account_id.as_str(),
            &f.account_name,
            g.severity.as_str(),
            &g.check,
            &g.subject,
            &g.detail,
            &g.fix,
        ];
        let row = row.map(|cell| csv::field(&term::shown(cell)).into_owned());
        writeln!(out, "{}", row.join(","))?;
    }
    // An account that was not checked is a row of its own, so a spreadsheet shows it too.
    for a in &report.accounts {
        let (severity, check, detail) = match &a.status {
            AccountStatus::NotChecked { reason } => ("unchecked", "not_checked", reason),
            AccountStatus::Skipped { reason } => ("skipped", "skipped", reason),
            AccountStatus::Checked { .. } => continue,
        };
        let row = [
            a.account_id.as_str(),
            &a.account_name,
            severity,
            check,
            "account",
            detail,
            "",
        ];
        let row = row.map(|cell| csv::field(&term::shown(cell)).into_owned());
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

fn print_table(out: &mut impl Write, report: &OrganizationReport) -> Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "Organization report (profile `{}`, role {}): {} accounts checked, {} not checked, {} skipped",
        term::shown(&report.profile),
        term::shown(&report.role),
        s.checked,
        s.not_checked,
        s.skipped
    )?;
    writeln!(
        out,
        "Findings: {} high, {} medium, {} low",
        s.high, s.medium, s.low
    )?;
    writeln!(out)?;
    for f in &report.findings {
        writeln!(
            out,
            "{:<7} {} {:<20} {}",
            f.finding.severity.as_str().to_uppercase(),
            f.account_id,
            term::shown(&f.account_name),
            term::shown(&f.finding.detail)
        )?;
        writeln!(out, "        fix: {}", term::shown(&f.finding.fix))?;
    }
    writeln!(out)?;
    writeln!(out, "Accounts:")?;
    for a in &report.accounts {
        let what = match &a.status {
            AccountStatus::Checked {
                users,
                high,
                medium,
                low,
            } => format!("checked: {users} IAM users; {high} high, {medium} medium, {low} low"),
            AccountStatus::NotChecked { reason } => format!("NOT CHECKED: {}", term::shown(reason)),
            AccountStatus::Skipped { reason } => format!("skipped: {}", term::shown(reason)),
        };
        writeln!(
            out,
            "  {} {:<20} {what}",
            a.account_id,
            term::shown(&a.account_name)
        )?;
    }
    Ok(())
}

pub fn enforce(
    ctx: &Ctx,
    profile: &str,
    principal: &Principal,
    org: &OrgArgs,
    yes: bool,
) -> Result<()> {
    let options = options(org)?;
    let line = ProgressLine::new("planned");
    let plan = ctx
        .session
        .organization_enforce_plan(profile, &options, principal, &|d, t| line.show(d, t));
    line.finish();
    let plan = plan?;
    print_plan(&plan);
    let changes = plan.to_change().count();
    if changes == 0 {
        eprintln!(
            "nothing to change: every planned account already has {} attached to {}",
            otpilot_core::account::ENFORCE_MFA_POLICY_NAME,
            plan.principal
        );
        return unplanned_exit(&plan);
    }
    if !yes {
        eprintln!("dry run: nothing was changed; pass --yes to apply this in {changes} accounts");
        return unplanned_exit(&plan);
    }
    let line = ProgressLine::new("applied");
    let applied =
        ctx.session
            .organization_enforce_apply(profile, &options, principal, &plan, &|d, t| {
                line.show(d, t)
            });
    line.finish();
    let mut failed = 0;
    for a in applied? {
        match a.result {
            Ok(arn) => eprintln!(
                "{} {}: done: {arn} is attached to {}",
                a.account_id,
                term::shown(&a.account_name),
                plan.principal
            ),
            Err(why) => {
                failed += 1;
                eprintln!(
                    "{} {}: FAILED: {}",
                    a.account_id,
                    term::shown(&a.account_name),
                    term::shown(&why)
                );
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} accounts failed (see above); the others are done; run it again to retry them"
        );
    }
    unplanned_exit(&plan)
}

/// Exit 1 when some account could not even be planned.
fn unplanned_exit(plan: &OrgEnforcePlan) -> Result<()> {
    match plan.unplanned() {
        0 => Ok(()),
        n => bail!(
            "{n} accounts could not be planned (see above); fix their access role and run it again"
        ),
    }
}

fn print_plan(plan: &OrgEnforcePlan) {
    use otpilot_core::app::PolicyChange;
    for m in &plan.members {
        let who = format!("{} {}", m.account_id, term::shown(&m.account_name));
        let p = match &m.plan {
            Planned::Failed(why) => {
                eprintln!("{who}: NOT PLANNED: {}", term::shown(why));
                continue;
            }
            Planned::NoPrincipal => {
                eprintln!("{who}: no {} here; nothing to do", plan.principal);
                continue;
            }
            Planned::Plan(p) => p,
        };
        let mut steps = Vec::new();
        match p.policy_change {
            PolicyChange::Create => steps.push(format!("create {}", p.policy_name)),
            PolicyChange::Update => steps.push(format!("update {}", p.policy_name)),
            PolicyChange::Unchanged => {}
        }
        if p.attach {
            steps.push(format!("attach it to {}", p.principal));
        }
        if steps.is_empty() {
            eprintln!("{who}: nothing to change");
            continue;
        }
        let restricted = if p.restricted.is_empty() {
            String::new()
        } else {
            format!(
                "; without MFA, restricted until they enrol: {}",
                term::shown(&p.restricted.join(", "))
            )
        };
        eprintln!("{who}: will {}{restricted}", steps.join(", then "));
    }
    for (id, name, why) in &plan.skipped {
        eprintln!("{id} {}: skipped ({why})", term::shown(name));
    }
}
