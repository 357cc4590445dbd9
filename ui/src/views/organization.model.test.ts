import { describe, expect, it } from 'vitest';
import type { OrganizationReport } from '../lib/api';
import { ORG_REPORT } from '../test/orgReport';
import {
  initialFields,
  initialOrg,
  orgAnswered,
  orgFailed,
  orgProfileChosen,
  orgProgressed,
  orgProgressText,
  orgRequest,
  orgResult,
  orgRows,
  orgStarted,
  orgSummaryText,
} from './organization.model';

describe('the request', () => {
  it('sends the defaults as the CLI has them', () => {
    expect(orgRequest('admin', initialFields())).toEqual({
      profile: 'admin',
      role: 'OrganizationAccountAccessRole',
      accounts: [],
      ou: null,
      concurrency: 8,
    });
  });

  it('splits account ids on commas and spaces and keeps an OU', () => {
    const fields = { role: 'Audit', accounts: ' 111111111111, 222222222222 333333333333,', ou: ' ou-ab12-cdef3456 ', concurrency: '16' };
    expect(orgRequest('admin', fields)).toEqual({
      profile: 'admin',
      role: 'Audit',
      accounts: ['111111111111', '222222222222', '333333333333'],
      ou: 'ou-ab12-cdef3456',
      concurrency: 16,
    });
  });

  it('says so when the number is not one, and asks nothing', () => {
    const out = orgStarted(initialOrg('admin'), { ...initialFields(), concurrency: 'eight' });
    expect(out.request).toBeNull();
    expect(out.state.running).toBe(false);
    expect(out.state.error).toContain('"eight" is not a number');
  });
});

describe('a run', () => {
  it('shows progress for its own profile only, then the report', () => {
    const started = orgStarted(initialOrg('admin'), initialFields());
    expect(started.request?.profile).toBe('admin');
    let s = started.state;
    expect(orgProgressText(s)).toBe("Listing the organization's accounts… an MFA code may be asked for in the tray.");
    s = orgProgressed(s, { profile: 'other', done: 5, total: 9 });
    expect(s.progress).toBeNull();
    s = orgProgressed(s, { profile: 'admin', done: 3, total: 6 });
    expect(orgProgressText(s)).toBe('Checked 3 of 6 accounts…');
    s = orgAnswered(s, s.seq, ORG_REPORT);
    expect(orgProgressText(s)).toBe('');
    expect(orgResult(s)?.rows).toHaveLength(6);
    // A late progress event after the answer changes nothing.
    expect(orgProgressed(s, { profile: 'admin', done: 6, total: 6 })).toBe(s);
  });

  it('ignores an answer for a profile no longer chosen', () => {
    const { state } = orgStarted(initialOrg('admin'), initialFields());
    const moved = orgProfileChosen(state, 'member');
    expect(moved.running).toBe(false);
    expect(orgAnswered(moved, state.seq, ORG_REPORT)).toBe(moved);
    expect(orgFailed(moved, state.seq, 'late')).toBe(moved);
  });

  it("shows the core's one-line error for a profile outside the management account", () => {
    const { state } = orgStarted(initialOrg('member'), initialFields());
    const message =
      "AWS Organizations ListAccounts failed: not allowed; run it with the management account's profile or a delegated administrator's";
    const failed = orgFailed(state, state.seq, message);
    expect(failed.error).toBe(message);
    expect(failed.running).toBe(false);
    expect(orgResult(failed)).toBeNull();
  });

  it('does nothing without a profile or while one runs', () => {
    expect(orgStarted(initialOrg(null), initialFields()).request).toBeNull();
    const { state } = orgStarted(initialOrg('admin'), initialFields());
    expect(orgStarted(state, initialFields())).toEqual({ state, request: null });
  });
});

describe('what it shows', () => {
  it('sums up by severity and by what became of the accounts', () => {
    expect(orgSummaryText(ORG_REPORT)).toBe(
      'Organization (profile admin, role OrganizationAccountAccessRole): 2 accounts checked, 1 not checked, 1 skipped. Findings: 2 high, 1 medium, 1 low.',
    );
    const one = { ...ORG_REPORT, summary: { ...ORG_REPORT.summary, checked: 1 } };
    expect(orgSummaryText(one)).toContain(': 1 account checked,');
  });

  it('lists findings most severe first with their account, then the unchecked, then the skipped accounts', () => {
    const rows = orgRows(ORG_REPORT);
    expect(rows.map((r) => [r.kind, r.label, r.accountId, r.accountName, r.check])).toEqual([
      ['finding', 'High', '111111111111', 'prod', 'console_without_mfa'],
      ['finding', 'High', '444444444444', 'dev', 'root_mfa'],
      ['finding', 'Medium', '444444444444', 'dev', 'old_access_key'],
      ['finding', 'Low', '111111111111', 'prod', 'no_password_policy'],
      ['not_checked', 'Not checked', '333333333333', 'roleless', 'not_checked'],
      ['skipped', 'Skipped', '222222222222', 'closed-one', 'skipped'],
    ]);
    const unchecked = rows[4]!;
    expect(unchecked.detail).toContain('AccessDenied on sts:AssumeRole');
    expect(unchecked.fix).toBe('');
    expect(unchecked.severity).toBeNull();
    expect(rows[5]!.detail).toBe('suspended');
    expect(rows[0]!.badgeClass).toBe('badge severity-high');
  });

  it('shows only the summary when nothing was found', () => {
    const clean: OrganizationReport = {
      ...ORG_REPORT,
      accounts: [ORG_REPORT.accounts[0]!],
      findings: [],
      summary: { high: 0, medium: 0, low: 0, checked: 1, not_checked: 0, skipped: 0 },
    };
    expect(orgRows(clean)).toEqual([]);
  });
});
