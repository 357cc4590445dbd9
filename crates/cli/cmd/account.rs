//! `otpilot account report|enforce-mfa|password-policy|cleanup-mfa`: the administrator's
//! side, each one `Session` call and its presentation.

use std::io::Write;

use anyhow::Result;
use otpilot_core::app::{AccountReport, EnforcePlan, PolicyChange};
use otpilot_core::aws::iam_admin::Principal;
use otpilot_core::csv;

use super::{account_org, Ctx};
use crate::cli::AccountCommand;
use crate::term;

pub fn run(ctx: &Ctx, command: AccountCommand) -> Result<()> {
    match command {
        AccountCommand::Report {
            profile,
            json,
            csv,
            org,
            allow_unchecked,
        } => {
            if org.organization {
                return account_org::report(ctx, profile.name(), &org, json, csv, allow_unchecked);
            }
            report(ctx, profile.name(), json, csv)
        }
        AccountCommand::EnforceMfa {
            profile,
            group,
            user,
            dry_run,
            yes,
            org,
        } => {
            let principal = match (group, user) {
                (Some(g), _) => Principal::Group(g),
                (None, Some(u)) => Principal::User(u),
                (None, None) => unreachable!("clap requires --group or --user"),
            };
            if org.organization {
                return account_org::enforce(
                    ctx,
                    profile.name(),
                    &principal,
                    &org,
                    yes && !dry_run,
                );
            }
            enforce(ctx, profile.name(), &principal, dry_run, yes)
        }
        AccountCommand::PasswordPolicy {
            profile,
            apply,
            yes,
        } => password_policy(ctx, profile.name(), apply, yes),
        AccountCommand::CleanupMfa { profile, yes } => cleanup(ctx, profile.name(), yes),
    }
}

fn report(ctx: &Ctx, profile: &str, json: bool, csv: bool) -> Result<()> {
    let report = ctx.session.account_report(profile)?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", otpilot_core::text::json_pretty(&report)?)?;
    } else if csv {
        writeln!(out, "severity,check,subject,detail,fix")?;
        for f in &report.findings {
            let row = [f.severity.as_str(), &f.check, &f.subject, &f.detail, &f.fix];
            let row = row.map(|cell| csv::field(&term::shown(cell)).into_owned());
            writeln!(out, "{}", row.join(","))?;
        }
    } else {
        print_report(&mut out, &report)?;
    }
    if report.has_high() {
        out.flush()?;
        std::process::exit(1);
    }
    Ok(())
}

fn print_report(out: &mut impl Write, report: &AccountReport) -> Result<()> {
    let high = report
        .findings
        .iter()
        .filter(|f| f.severity.as_str() == "high")
        .count();
    writeln!(
        out,
        "Account report (profile `{}`): {} IAM users, {} findings, {high} high",
        term::shown(&report.profile),
        report.users,
        report.findings.len()
    )?;
    for f in &report.findings {
        writeln!(
            out,
            "{:<7} {}",
            f.severity.as_str().to_uppercase(),
            term::shown(&f.detail)
        )?;
        writeln!(out, "        fix: {}", term::shown(&f.fix))?;
    }
    Ok(())
}

fn enforce(
    ctx: &Ctx,
    profile: &str,
    principal: &Principal,
    dry_run: bool,
    yes: bool,
) -> Result<()> {
    let plan = ctx.session.enforce_mfa_plan(profile, principal)?;
    print_plan(&plan);
    if plan.changes_nothing() {
        eprintln!(
            "nothing to change: {} already has {} attached, as Otpilot writes it",
            plan.principal, plan.policy_name
        );
        return Ok(());
    }
    if dry_run {
        eprintln!("dry run: nothing was changed");
        return Ok(());
    }
    term::confirm_or_yes(yes, &format!("Apply this to {}?", plan.principal))?;
    let arn = ctx.session.enforce_mfa_apply(profile, principal, &plan)?;
    eprintln!("done: {arn} is attached to {}", plan.principal);
    Ok(())
}

fn print_plan(plan: &EnforcePlan) {
    match plan.policy_change {
        PolicyChange::Create => eprintln!(
            "will create the managed policy {} (the document of `otpilot policy enforce-mfa`)",
            plan.policy_name
        ),
        PolicyChange::Update => eprintln!(
            "will update {} to Otpilot's document (a new default version)",
            plan.policy_arn.as_deref().unwrap_or(plan.policy_name)
        ),
        PolicyChange::Unchanged => eprintln!(
            "{} exists with Otpilot's document",
            plan.policy_arn.as_deref().unwrap_or(plan.policy_name)
        ),
    }
    if plan.attach {
        eprintln!("will attach it to {}", plan.principal);
    }
    if plan.restricted.is_empty() {
        eprintln!(
            "every one of the {} members has an active MFA device",
            plan.members
        );
    } else {
        eprintln!(
            "{} of {} without an active MFA device will be restricted to setting up MFA and changing their password until they enrol one (`otpilot mfa enroll`): {}",
            plan.restricted.len(),
            plan.members,
            term::shown(&plan.restricted.join(", "))
        );
    }
}

fn password_policy(ctx: &Ctx, profile: &str, apply: bool, yes: bool) -> Result<()> {
    let review = ctx.session.password_policy_review(profile)?;
    let mut out = std::io::stdout().lock();
    if review.current.is_none() {
        writeln!(
            out,
            "The account has no password policy; AWS's default applies."
        )?;
    }
    writeln!(
        out,
        "{:<24} {:<10} {:<10}",
        "setting", "account", "baseline"
    )?;
    for f in &review.fields {
        let mark = if f.meets {
            ""
        } else {
            "  <- below the baseline"
        };
        writeln!(
            out,
            "{:<24} {:<10} {:<10}{mark}",
            f.field, f.current, f.baseline
        )?;
    }
    out.flush()?;
    if !apply {
        if !review.meets_baseline {
            eprintln!("set the baseline with `otpilot account password-policy --profile {profile} --apply`");
        }
        return Ok(());
    }
    if review.meets_baseline {
        eprintln!("nothing to change: the policy meets the baseline");
        return Ok(());
    }
    term::confirm_or_yes(
        yes,
        "Set the account password policy to the baseline (stricter settings kept)?",
    )?;
    ctx.session.apply_password_policy(profile)?;
    eprintln!("the account password policy now meets the baseline");
    Ok(())
}

fn cleanup(ctx: &Ctx, profile: &str, yes: bool) -> Result<()> {
    let serials = ctx.session.unassigned_mfa_devices(profile)?;
    if serials.is_empty() {
        eprintln!("no virtual MFA device is unassigned; nothing to delete");
        return Ok(());
    }
    for serial in &serials {
        eprintln!("unassigned: {}", term::shown(serial));
    }
    term::confirm_or_yes(
        yes,
        &format!(
            "Delete these {} virtual MFA devices (assigned to nobody)?",
            serials.len()
        ),
    )?;
    ctx.session
        .delete_unassigned_mfa_devices(profile, &serials)?;
    eprintln!("deleted {} unassigned virtual MFA devices", serials.len());
    Ok(())
}
