import { describe, expect, it } from 'vitest';
import type { AccountReport, Finding, ProfileView, Severity } from '../lib/api';
import {
  NO_PROFILES_TEXT,
  PROFILE_KEY,
  RUNNING_TEXT,
  accountForm,
  accountResult,
  accountStatus,
  chooseProfile,
  findingRows,
  initialAccount,
  listFailed,
  listStarted,
  profileChosen,
  profilesListed,
  reportAnswered,
  reportFailed,
  runStarted,
  summaryText,
  type AccountState,
} from './account.model';

const view = (profile: string): ProfileView => ({
  profile,
  wired: false,
  delegatesTo: null,
  isRole: false,
  keys: 'keyring',
  watched: false,
  chain: [profile],
  mfaSerial: null,
  device: null,
  error: null,
  state: 'unknown',
  expiresAt: null,
  message: null,
});

const finding = (severity: Severity, over: Partial<Finding> = {}): Finding => ({
  check: 'console_without_mfa',
  severity,
  subject: 'bob',
  detail: '`bob` can sign in to the console with a password and has no active MFA device',
  fix: 'otpilot account enforce-mfa --profile admin --user bob',
  ...over,
});

const report = (users: number, findings: Finding[], profile = 'admin'): AccountReport => ({ profile, users, findings });

/** The state after the profiles were listed once, with `remembered` stored. */
function listedOnce(names: string[], remembered: string | null = null): AccountState {
  const started = listStarted(initialAccount(remembered));
  return profilesListed(started, started.listSeq, names.map(view));
}

/** `state` after a run that was answered with `answer`. */
function ran(state: AccountState, answer: AccountReport): AccountState {
  const out = runStarted(state);
  return reportAnswered(out.state, out.state.seq, answer);
}

describe('account model: the summary', () => {
  it('counts users and findings, with the high ones', () => {
    const findings = [finding('high'), finding('high'), finding('medium'), finding('low'), finding('low')];
    expect(summaryText(report(3, findings))).toBe('Profile admin: 3 IAM users, 5 findings, 2 of them high.');
  });

  it('says nothing of severity when no finding is high', () => {
    expect(summaryText(report(3, [finding('medium')]))).toBe('Profile admin: 3 IAM users, 1 finding.');
    expect(summaryText(report(3, [finding('low'), finding('medium')]))).toBe('Profile admin: 3 IAM users, 2 findings.');
  });

  it('says the account meets the baseline when there is no finding', () => {
    expect(summaryText(report(3, []))).toBe(
      'Profile admin: 3 IAM users and no findings: MFA and the password policy meet the baseline.',
    );
  });

  it('gets the singular right', () => {
    expect(summaryText(report(1, [finding('low')]))).toBe('Profile admin: 1 IAM user, 1 finding.');
    expect(summaryText(report(1, []))).toBe(
      'Profile admin: 1 IAM user and no findings: MFA and the password policy meet the baseline.',
    );
    expect(summaryText(report(0, [finding('high')], 'ops'))).toBe('Profile ops: 0 IAM users, 1 finding, a high one.');
    expect(summaryText(report(2, [finding('high'), finding('high')]))).toBe(
      'Profile admin: 2 IAM users, 2 findings, 2 of them high.',
    );
  });
});

describe('account model: the findings', () => {
  it('keeps the shell’s order and gives each a label, a badge and the fix', () => {
    const rows = findingRows(
      report(2, [
        finding('high', { check: 'root_mfa', detail: 'the root user has no MFA device', fix: 'sign in as the root user' }),
        finding('medium'),
        finding('low', { check: 'unassigned_mfa_device' }),
      ]),
    );
    expect(rows).toEqual([
      {
        severity: 'high',
        check: 'root_mfa',
        label: 'High',
        badgeClass: 'badge severity-high',
        detail: 'the root user has no MFA device',
        fix: 'sign in as the root user',
      },
      {
        severity: 'medium',
        check: 'console_without_mfa',
        label: 'Medium',
        badgeClass: 'badge severity-medium',
        detail: '`bob` can sign in to the console with a password and has no active MFA device',
        fix: 'otpilot account enforce-mfa --profile admin --user bob',
      },
      expect.objectContaining({ severity: 'low', label: 'Low', check: 'unassigned_mfa_device' }),
    ]);
  });

  it('shows a severity it does not know as it was sent', () => {
    for (const severity of ['critical', 'toString']) {
      const [row] = findingRows(report(1, [finding(severity as Severity)]));
      expect(row?.label).toBe(severity);
    }
  });
});

describe('account model: choosing the profile', () => {
  it('keeps the remembered profile while it is listed', () => {
    expect(PROFILE_KEY).toBe('otpilot.accountProfile');
    expect(chooseProfile(['dev', 'admin'], 'admin')).toBe('admin');
    const s = listedOnce(['dev', 'admin'], 'admin');
    expect(s.profile).toBe('admin');
    expect(accountForm(s)).toEqual({
      kind: 'form',
      profiles: ['dev', 'admin'],
      profile: 'admin',
      runDisabled: false,
      selectDisabled: false,
      busy: false,
    });
  });

  it('falls back to the first profile when the remembered one is gone or none is', () => {
    expect(chooseProfile(['dev', 'admin'], 'gone')).toBe('dev');
    expect(listedOnce(['dev', 'admin'], 'gone').profile).toBe('dev');
    expect(listedOnce(['dev', 'admin'], null).profile).toBe('dev');
    expect(listedOnce(['dev', 'admin'], '').profile).toBe('dev');
  });

  it('offers nothing to run without profiles', () => {
    expect(chooseProfile([], 'admin')).toBeNull();
    const s = listedOnce([], 'admin');
    expect(s.profile).toBeNull();
    expect(accountForm(s)).toEqual({ kind: 'empty', text: 'No AWS profiles yet: set one up first.' });
    expect(NO_PROFILES_TEXT).toBe('No AWS profiles yet: set one up first.');
    expect(runStarted(s)).toEqual({ state: s, request: null });
  });

  it('shows Loading… until the list arrives, and nothing when it failed', () => {
    const started = listStarted(initialAccount(null));
    expect(accountForm(started)).toEqual({ kind: 'loading' });
    const failed = listFailed(started, started.listSeq, 'Your keyring is locked');
    expect(failed.loadError).toBe('Your keyring is locked');
    expect(accountForm(failed)).toEqual({ kind: 'none' });
    const again = listStarted(failed);
    const listed = profilesListed(again, again.listSeq, [view('admin')]);
    expect(listed.loadError).toBe('');
    expect(accountForm(listed).kind).toBe('form');
  });

  it('drops a list overtaken by a newer read', () => {
    const first = listStarted(initialAccount(null));
    const second = listStarted(first);
    expect(profilesListed(second, first.listSeq, [view('stale')])).toBe(second);
    expect(listFailed(second, first.listSeq, 'boom')).toBe(second);
    expect(profilesListed(second, second.listSeq, [view('fresh')]).profiles).toEqual(['fresh']);
  });

  it('clears the result when another profile is chosen', () => {
    const shown = ran(listedOnce(['dev', 'admin']), report(3, [finding('high')], 'dev'));
    expect(accountResult(shown)).not.toBeNull();
    expect(profileChosen(shown, 'dev')).toBe(shown);
    const other = profileChosen(shown, 'admin');
    expect(other.profile).toBe('admin');
    expect(other.report).toBeNull();
    expect(accountResult(other)).toBeNull();

    const failedRun = runStarted(other).state;
    const failed = reportFailed(failedRun, failedRun.seq, 'denied');
    expect(profileChosen(failed, 'dev').error).toBe('');
  });

  it('keeps the result when the list is read again and still has the profile', () => {
    const shown = ran(listedOnce(['dev', 'admin'], 'admin'), report(3, [], 'admin'));
    const again = listStarted(shown);
    const relisted = profilesListed(again, again.listSeq, [view('admin'), view('new')]);
    expect(relisted.profile).toBe('admin');
    expect(relisted.report).toBe(shown.report);
  });

  it('moves to the first profile, clearing the result, when the chosen one is removed', () => {
    const shown = ran(listedOnce(['dev', 'admin'], 'admin'), report(3, [], 'admin'));
    const again = listStarted(shown);
    const relisted = profilesListed(again, again.listSeq, [view('dev')]);
    expect(relisted.profile).toBe('dev');
    expect(relisted.report).toBeNull();
  });
});

describe('account model: making the report', () => {
  it('asks for the chosen profile and turns the controls off while running', () => {
    const s = listedOnce(['dev', 'admin'], 'admin');
    expect(accountStatus(s)).toBe('');
    const out = runStarted(s);
    expect(out.request).toEqual({ profile: 'admin' });
    expect(out.state.running).toBe(true);
    expect(accountForm(out.state)).toMatchObject({ runDisabled: true, selectDisabled: true, busy: true });
    expect(accountStatus(out.state)).toBe(
      'Making the report… IAM builds it in a few seconds; an MFA code may be asked for in the tray.',
    );
    expect(RUNNING_TEXT).toBe(accountStatus(out.state));
    // A second press while it runs asks nothing.
    expect(runStarted(out.state)).toEqual({ state: out.state, request: null });
  });

  it('shows the report once answered and turns the controls back on', () => {
    const out = runStarted(listedOnce(['admin']));
    const answer = report(3, [finding('high'), finding('low')]);
    const s = reportAnswered(out.state, out.state.seq, answer);
    expect(s.running).toBe(false);
    expect(accountStatus(s)).toBe('');
    expect(accountForm(s)).toMatchObject({ runDisabled: false, selectDisabled: false, busy: false });
    expect(accountResult(s)).toEqual({
      summary: 'Profile admin: 3 IAM users, 2 findings, 1 of them high.',
      rows: findingRows(answer),
    });
  });

  it('shows a failure as the shell worded it, with no result', () => {
    const out = runStarted(listedOnce(['admin']));
    const message = 'profile `admin` is not allowed iam:GenerateCredentialReport (AWS answered AccessDenied)';
    const s = reportFailed(out.state, out.state.seq, message);
    expect(s.error).toBe(message);
    expect(s.running).toBe(false);
    expect(accountResult(s)).toBeNull();
    expect(accountForm(s)).toMatchObject({ runDisabled: false });
  });

  it('clears the old result and error when a new run starts', () => {
    const shown = ran(listedOnce(['admin']), report(3, [finding('high')]));
    const rerun = runStarted(shown).state;
    expect(rerun.report).toBeNull();
    expect(accountResult(rerun)).toBeNull();

    const failed = reportFailed(rerun, rerun.seq, 'tray not running');
    const retry = runStarted(failed).state;
    expect(retry.error).toBe('');
    const answered = reportAnswered(retry, retry.seq, report(1, []));
    expect(answered.error).toBe('');
    expect(accountResult(answered)?.summary).toBe(
      'Profile admin: 1 IAM user and no findings: MFA and the password policy meet the baseline.',
    );
  });

  it('ignores an answer for a profile no longer chosen', () => {
    const out = runStarted(listedOnce(['dev', 'admin']));
    // The list changed under the run and took its profile away.
    const again = listStarted(out.state);
    const moved = profilesListed(again, again.listSeq, [view('admin')]);
    expect(moved.running).toBe(false);
    expect(reportAnswered(moved, out.state.seq, report(3, [], 'dev'))).toBe(moved);
    expect(reportFailed(moved, out.state.seq, 'boom')).toBe(moved);
  });
});
