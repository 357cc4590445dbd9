// The account view's state and decisions: which profile is chosen (the remembered one if it
// still exists), when a report may be asked for, which answer counts, and what the summary
// and the findings say. No DOM, no api, no storage: `mountAccount` reads the profiles,
// asks for the report and feeds the answers in here.
//
// The report only reads; the actions stay in the CLI, so a finding shows its `fix` command
// rather than a button.

import type { AccountReport, Finding, ProfileView, Severity } from '../lib/api';

/** Where the last profile chosen is kept, so the view opens on it again. */
export const PROFILE_KEY = 'otpilot.accountProfile';

/** What the status line says while IAM builds the credential report (it takes seconds). */
export const RUNNING_TEXT = 'Making the report… IAM builds it in a few seconds; an MFA code may be asked for in the tray.';

export const NO_PROFILES_TEXT = 'No AWS profiles yet: set one up first.';

export type AccountState = {
  /** The profile names, as listed; null until the first list arrives. */
  profiles: readonly string[] | null;
  /** The profile list could not be read: its message, kept until a list arrives. */
  loadError: string;
  /** Numbers the profile list reads: only the latest one's answer counts. */
  listSeq: number;
  /** The chosen profile; before the list arrives, the remembered one (or null). */
  profile: string | null;
  /** A report is being made. */
  running: boolean;
  /** Numbers the report requests: an answer counts only if no run or profile change came since. */
  seq: number;
  /** The latest report, for `profile`; null for none. */
  report: AccountReport | null;
  /** The latest run's failure, as the shell worded it; "" for none. */
  error: string;
};

/** `remembered`: the stored profile name, if any (it is checked against the list later). */
export function initialAccount(remembered: string | null): AccountState {
  return {
    profiles: null,
    loadError: '',
    listSeq: 0,
    profile: remembered === '' ? null : remembered,
    running: false,
    seq: 0,
    report: null,
    error: '',
  };
}

/** The profile to show: `wanted` while it is listed, else the first one, else none. */
export function chooseProfile(names: readonly string[], wanted: string | null): string | null {
  if (wanted !== null && names.includes(wanted)) return wanted;
  return names[0] ?? null;
}

// ---- the profile list ----

/** A read of the profiles starts; the new `listSeq` is the one its answer must carry. */
export function listStarted(state: AccountState): AccountState {
  return { ...state, listSeq: state.listSeq + 1 };
}

/**
 * The profiles, as read by request `seq`. The chosen one stays while it is still listed;
 * otherwise the first is chosen, and what was shown for the old one goes.
 */
export function profilesListed(state: AccountState, seq: number, views: readonly ProfileView[]): AccountState {
  if (seq !== state.listSeq) return state;
  const profiles = views.map((v) => v.profile);
  const listed: AccountState = { ...state, profiles, loadError: '' };
  const profile = chooseProfile(profiles, state.profile);
  // Before the first list, `profile` is only the remembered name: nothing was shown for it.
  return profile === state.profile ? listed : profileChosen(listed, profile);
}

/** Request `seq` failed: the message shows; a list already shown stays. */
export function listFailed(state: AccountState, seq: number, message: string): AccountState {
  if (seq !== state.listSeq) return state;
  return { ...state, loadError: message };
}

// ---- choosing and running ----

/**
 * Another profile is chosen: the result shown belonged to the old one, so it goes, and a
 * report still on its way for the old one no longer counts.
 */
export function profileChosen(state: AccountState, profile: string | null): AccountState {
  if (profile === state.profile) return state;
  return { ...state, profile, running: false, seq: state.seq + 1, report: null, error: '' };
}

export type RunStarted = {
  state: AccountState;
  /** What to ask the shell; null: nothing (no profile, or a report is already being made). */
  request: { profile: string } | null;
};

/** "Make the report" pressed: the old result and error go while the new one is made. */
export function runStarted(state: AccountState): RunStarted {
  const { profile } = state;
  if (state.running || profile === null) return { state, request: null };
  return {
    state: { ...state, running: true, seq: state.seq + 1, report: null, error: '' },
    request: { profile },
  };
}

/** The report asked for by request `seq`; ignored if a run or a profile change came since. */
export function reportAnswered(state: AccountState, seq: number, report: AccountReport): AccountState {
  if (seq !== state.seq) return state;
  return { ...state, running: false, report, error: '' };
}

/** Request `seq` failed: the shell's message shows as it is (it says what to do). */
export function reportFailed(state: AccountState, seq: number, message: string): AccountState {
  if (seq !== state.seq) return state;
  return { ...state, running: false, report: null, error: message };
}

// ---- what the view shows ----

export type AccountForm =
  | { kind: 'loading' }
  /** The first read of the profiles failed: nothing to choose from (the error says why). */
  | { kind: 'none' }
  | { kind: 'empty'; text: string }
  | {
      kind: 'form';
      profiles: readonly string[];
      profile: string;
      runDisabled: boolean;
      /** Off while a report is made, so the one shown is the chosen profile's. */
      selectDisabled: boolean;
      busy: boolean;
    };

export function accountForm(state: AccountState): AccountForm {
  const { profiles, profile } = state;
  if (profiles === null) return state.loadError === '' ? { kind: 'loading' } : { kind: 'none' };
  if (profiles.length === 0 || profile === null) return { kind: 'empty', text: NO_PROFILES_TEXT };
  return {
    kind: 'form',
    profiles,
    profile,
    runDisabled: state.running,
    selectDisabled: state.running,
    busy: state.running,
  };
}

/** The status line: said only while a report is being made. */
export function accountStatus(state: AccountState): string {
  return state.running ? RUNNING_TEXT : '';
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * "Profile admin: 3 IAM users, 5 findings, 2 of them high.", "Profile admin: 1 IAM user,
 * 1 finding." or, with none, that the account meets the baseline.
 */
export function summaryText(report: AccountReport): string {
  const head = `Profile ${report.profile}: ${count(report.users, 'IAM user', 'IAM users')}`;
  const n = report.findings.length;
  if (n === 0) return `${head} and no findings: MFA and the password policy meet the baseline.`;
  const high = report.findings.filter((f) => f.severity === 'high').length;
  const findings = `${head}, ${count(n, 'finding', 'findings')}`;
  if (high === 0) return `${findings}.`;
  // "1 finding, 1 of them high" would read oddly.
  return n === 1 ? `${findings}, a high one.` : `${findings}, ${high} of them high.`;
}

export const SEVERITY_LABELS: Record<Severity, string> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

export type FindingRow = {
  /** The raw severity, kept on the row for styling and tests. */
  severity: Severity;
  check: string;
  label: string;
  /** The badge's classes: high in the error colour. */
  badgeClass: string;
  detail: string;
  /** The command to run in a terminal (for the root user, where to do it). */
  fix: string;
};

/** The findings in the shell's order (most severe first). */
export function findingRows(report: AccountReport): FindingRow[] {
  return report.findings.map(findingRow);
}

function findingRow(f: Finding): FindingRow {
  // An unknown severity (a newer shell) still shows, as it was sent.
  const label = Object.hasOwn(SEVERITY_LABELS, f.severity) ? SEVERITY_LABELS[f.severity] : String(f.severity);
  return {
    severity: f.severity,
    check: f.check,
    label,
    badgeClass: `badge severity-${f.severity}`,
    detail: f.detail,
    fix: f.fix,
  };
}

/** What the result area shows: nothing, or the summary and the findings. */
export function accountResult(state: AccountState): { summary: string; rows: FindingRow[] } | null {
  const { report } = state;
  if (report === null) return null;
  return { summary: summaryText(report), rows: findingRows(report) };
}
