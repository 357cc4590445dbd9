// The Account view's "Whole organization" panel: its fields, which answer and which progress
// event count, and what the progress line, the summary and the table say. No DOM, no api:
// `organization.ts` asks the shell and feeds the answers in here.
//
// The report's rules (which accounts are checked, the findings' order, the counts, which
// typed options are valid) are the core's, the same as `otpilot account report
// --organization`; this model only lays out what the core answered.

import type { OrganizationArgs, OrganizationReport, OrgProgressEvent, Severity } from '../lib/api';
import { SEVERITY_LABELS } from './account.model';

/** The role AWS Organizations creates in each account it creates (the CLI's default too). */
export const DEFAULT_ROLE = 'OrganizationAccountAccessRole';
/** Accounts checked at once unless the person changes it (the CLI's default too). */
export const DEFAULT_CONCURRENCY = '8';

/** The fields, as typed. */
export type OrgFields = {
  role: string;
  /** Account ids, separated by commas or spaces; empty for every account. */
  accounts: string;
  /** An organizational unit or root id; empty for none. */
  ou: string;
  concurrency: string;
};

export type OrgState = {
  /** The profile the panel runs for (the Account view's choice). */
  profile: string | null;
  running: boolean;
  /** Numbers the runs: an answer counts only if no run or profile change came since. */
  seq: number;
  /** Accounts done, of how many, while it runs; null before the tray has listed them. */
  progress: { done: number; total: number } | null;
  report: OrganizationReport | null;
  /** The latest run's failure, as the shell worded it (or the panel's own); "" for none. */
  error: string;
};

export function initialOrg(profile: string | null): OrgState {
  return { profile, running: false, seq: 0, progress: null, report: null, error: '' };
}

export function initialFields(): OrgFields {
  return { role: DEFAULT_ROLE, accounts: '', ou: '', concurrency: DEFAULT_CONCURRENCY };
}

/** The Account view chose another profile: what was shown was for the old one. */
export function orgProfileChosen(state: OrgState, profile: string | null): OrgState {
  if (profile === state.profile) return state;
  return { ...initialOrg(profile), seq: state.seq + 1 };
}

/**
 * What to send for `fields`: the account ids split on commas and spaces, an empty OU as
 * none. Only the number is checked here (the field is text); the tray checks the rest.
 */
export function orgRequest(profile: string, fields: OrgFields): OrganizationArgs | { error: string } {
  const concurrency = fields.concurrency.trim();
  if (!/^\d+$/.test(concurrency)) {
    return { error: `"${fields.concurrency}" is not a number: give how many accounts to check at once` };
  }
  const accounts = fields.accounts.split(/[\s,]+/).filter((id) => id !== '');
  const ou = fields.ou.trim();
  return { profile, role: fields.role, accounts, ou: ou === '' ? null : ou, concurrency: Number(concurrency) };
}

export type OrgRunStarted = { state: OrgState; request: OrganizationArgs | null };

/** "Check every account" pressed: the old result goes while the new one is made. */
export function orgStarted(state: OrgState, fields: OrgFields): OrgRunStarted {
  const { profile } = state;
  if (state.running || profile === null) return { state, request: null };
  const request = orgRequest(profile, fields);
  const cleared = { ...state, seq: state.seq + 1, progress: null, report: null };
  if ('error' in request) return { state: { ...cleared, error: request.error }, request: null };
  return { state: { ...cleared, running: true, error: '' }, request };
}

/** A progress event: counts only for the run under way, for its profile. */
export function orgProgressed(state: OrgState, event: OrgProgressEvent): OrgState {
  if (!state.running || event.profile !== state.profile) return state;
  return { ...state, progress: { done: event.done, total: event.total } };
}

export function orgAnswered(state: OrgState, seq: number, report: OrganizationReport): OrgState {
  if (seq !== state.seq) return state;
  return { ...state, running: false, progress: null, report, error: '' };
}

export function orgFailed(state: OrgState, seq: number, message: string): OrgState {
  if (seq !== state.seq) return state;
  return { ...state, running: false, progress: null, report: null, error: message };
}

// ---- what the panel shows ----

/** The progress line: said only while a run is under way. */
export function orgProgressText(state: OrgState): string {
  if (!state.running) return '';
  const { progress } = state;
  if (progress === null) {
    return "Listing the organization's accounts… an MFA code may be asked for in the tray.";
  }
  return `Checked ${progress.done} of ${count(progress.total, 'account', 'accounts')}…`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * "Organization (profile admin, role OrganizationAccountAccessRole): 4 accounts checked,
 * 1 not checked, 1 skipped. Findings: 2 high, 1 medium, 4 low."
 */
export function orgSummaryText(report: OrganizationReport): string {
  const s = report.summary;
  return (
    `Organization (profile ${report.profile}, role ${report.role}): ` +
    `${count(s.checked, 'account', 'accounts')} checked, ${s.not_checked} not checked, ${s.skipped} skipped. ` +
    `Findings: ${s.high} high, ${s.medium} medium, ${s.low} low.`
  );
}

export type OrgRowKind = 'finding' | 'not_checked' | 'skipped';

export type OrgRow = {
  kind: OrgRowKind;
  accountId: string;
  accountName: string;
  /** The finding's severity; null for an account's own row. */
  severity: Severity | null;
  /** "High", "Not checked", "Skipped". */
  label: string;
  badgeClass: string;
  /** The finding's check id, or the row's kind. */
  check: string;
  detail: string;
  /** The command that fixes it; "" for an account's own row. */
  fix: string;
};

/**
 * One table: the findings in the core's order (most severe first, then by account), then
 * the accounts that could not be checked (they need the person as much as a high finding),
 * then the skipped ones; each account group in the report's order (by account id).
 */
export function orgRows(report: OrganizationReport): OrgRow[] {
  const findings: OrgRow[] = report.findings.map((f) => ({
    kind: 'finding',
    accountId: f.account_id,
    accountName: f.account_name,
    severity: f.severity,
    // An unknown severity (a newer shell) still shows, as it was sent.
    label: Object.hasOwn(SEVERITY_LABELS, f.severity) ? SEVERITY_LABELS[f.severity] : String(f.severity),
    badgeClass: `badge severity-${f.severity}`,
    check: f.check,
    detail: f.detail,
    fix: f.fix,
  }));
  const accountRows = (kind: 'not_checked' | 'skipped', label: string, badgeClass: string): OrgRow[] =>
    report.accounts.flatMap((a) =>
      a.status === kind
        ? [{ kind, accountId: a.account_id, accountName: a.account_name, severity: null, label, badgeClass, check: kind, detail: a.reason, fix: '' }]
        : [],
    );
  return [
    ...findings,
    ...accountRows('not_checked', 'Not checked', 'badge severity-high'),
    ...accountRows('skipped', 'Skipped', 'badge severity-low'),
  ];
}

/** What the result area shows: nothing, or the summary and the table. */
export function orgResult(state: OrgState): { summary: string; rows: OrgRow[] } | null {
  if (state.report === null) return null;
  return { summary: orgSummaryText(state.report), rows: orgRows(state.report) };
}
