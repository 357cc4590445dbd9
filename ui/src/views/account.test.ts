import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountReport, OrganizationArgs, OrganizationReport, ProfileView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import { ORG_REPORT } from '../test/orgReport';
import { PROFILE_KEY, mountAccount } from './account';
import type { Unmount } from './context';

const view = (profile: string): ProfileView => ({
  profile,
  wired: true,
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

const REPORT: AccountReport = {
  profile: 'admin',
  users: 3,
  findings: [
    {
      check: 'console_without_mfa',
      severity: 'high',
      subject: 'bob',
      detail: '`bob` can sign in to the console with a password and has no active MFA device',
      fix: 'otpilot account enforce-mfa --profile admin --user bob',
    },
    {
      check: 'unused_access_key',
      severity: 'medium',
      subject: 'ci',
      detail: 'access key 1 of `ci` was never used',
      fix: 'aws iam update-access-key --user-name ci --access-key-id ID --status Inactive',
    },
    {
      check: 'weak_password_policy',
      severity: 'low',
      subject: 'account',
      detail: 'the password policy is below the baseline: minimum length 8 (baseline 14)',
      fix: 'otpilot account password-policy --profile admin --apply',
    },
  ],
};

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  localStorage.clear();
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
});

async function mount(profiles: string[]): Promise<ReturnType<typeof fakeDeps>> {
  api.listProfiles = vi.fn(async () => profiles.map(view));
  const deps = fakeDeps(api);
  unmount = mountAccount(root, deps);
  await settle();
  return deps;
}

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

const select = (): HTMLSelectElement => byTestId<HTMLSelectElement>(root, 'account-profile');
const run = (): HTMLButtonElement => byTestId<HTMLButtonElement>(root, 'account-run');
const rows = (): HTMLElement[] => Array.from(root.querySelectorAll<HTMLElement>('[data-testid="account-finding"]'));
const text = (id: string): string | null => byTestId(root, id).textContent;

describe('account view: choosing a profile', () => {
  it('explains what the report is and lists the profiles, the first chosen', async () => {
    await mount(['dev', 'admin']);
    expect(root.textContent).toContain(
      'How the AWS account behind a profile stands on MFA: who has no MFA device, old or unused access keys, abandoned MFA devices, the password policy. It only reads; each finding shows the command that fixes it, to run in a terminal.',
    );
    expect(Array.from(select().options).map((o) => o.value)).toEqual(['dev', 'admin']);
    expect(select().value).toBe('dev');
    expect(root.querySelector(`label[for="${select().id}"]`)).not.toBeNull();
    expect(run().textContent).toBe('Make the report');
    expect(run().className).toBe('primary');
    expect(run().disabled).toBe(false);
    expect(text('account-status')).toBe('');
    expect(byTestId(root, 'account-status').getAttribute('aria-live')).toBe('polite');
    expect(byTestId(root, 'account-error').getAttribute('aria-live')).toBe('polite');
    expect(queryTestId(root, 'account-summary')).toBeNull();
  });

  it('opens on the profile chosen last, and remembers a new choice', async () => {
    localStorage.setItem(PROFILE_KEY, 'admin');
    await mount(['dev', 'admin']);
    expect(select().value).toBe('admin');
    choose(select(), 'dev');
    expect(localStorage.getItem(PROFILE_KEY)).toBe('dev');
  });

  it('falls back to the first profile when the remembered one is gone', async () => {
    localStorage.setItem(PROFILE_KEY, 'gone');
    await mount(['dev', 'admin']);
    expect(select().value).toBe('dev');
  });

  it('offers no button without profiles', async () => {
    await mount([]);
    expect(text('account-empty')).toBe('No AWS profiles yet: set one up first.');
    expect(queryTestId(root, 'account-run')).toBeNull();
    expect(queryTestId(root, 'account-profile')).toBeNull();
  });

  it('shows why the profiles cannot be read', async () => {
    api.listProfiles = vi.fn(async () => {
      throw new CommandError('keyring_locked', 'Your keyring is locked');
    });
    const deps = fakeDeps(api);
    unmount = mountAccount(root, deps);
    await settle();
    expect(text('account-load-error')).toBe('Your keyring is locked');
    expect(queryTestId(root, 'account-run')).toBeNull();
    expect(deps.refreshStatus).toHaveBeenCalled();
  });

  it('reads the profiles again when the AWS files change', async () => {
    await mount(['dev']);
    api.listProfiles = vi.fn(async () => [view('dev'), view('admin')]);
    api.emitProfilesChanged();
    await settle();
    expect(Array.from(select().options).map((o) => o.value)).toEqual(['dev', 'admin']);
  });
});

describe('account view: the report', () => {
  it('asks for the chosen profile and shows the summary and the findings', async () => {
    await mount(['dev', 'admin']);
    api.accountReport = vi.fn(async () => REPORT);
    choose(select(), 'admin');
    run().click();
    await settle();
    expect(api.accountReport).toHaveBeenCalledTimes(1);
    expect(api.accountReport).toHaveBeenCalledWith({ profile: 'admin' });
    expect(localStorage.getItem(PROFILE_KEY)).toBe('admin');

    expect(text('account-summary')).toBe('Profile admin: 3 IAM users, 3 findings, 1 of them high.');
    expect(document.activeElement).toBe(byTestId(root, 'account-summary'));
    expect(byTestId(root, 'account-findings').tagName).toBe('UL');
    const shown = rows();
    expect(shown.map((r) => r.getAttribute('data-severity'))).toEqual(['high', 'medium', 'low']);
    expect(shown.map((r) => byTestId(r, 'account-severity').textContent)).toEqual(['High', 'Medium', 'Low']);
    expect(shown.map((r) => byTestId(r, 'account-severity').className)).toEqual([
      'badge severity-high',
      'badge severity-medium',
      'badge severity-low',
    ]);
    expect(shown.map((r) => byTestId(r, 'account-detail').textContent)).toEqual(REPORT.findings.map((f) => f.detail));
    const fixes = shown.map((r) => byTestId(r, 'account-fix'));
    expect(fixes.map((f) => f.tagName)).toEqual(['CODE', 'CODE', 'CODE']);
    expect(fixes.map((f) => f.textContent)).toEqual(REPORT.findings.map((f) => f.fix));
    expect(text('account-error')).toBe('');
    expect(text('account-status')).toBe('');
  });

  it('says so while the report is made, with the controls off', async () => {
    await mount(['admin']);
    let answer: (r: AccountReport) => void = () => undefined;
    api.accountReport = vi.fn(() => new Promise<AccountReport>((r) => (answer = r)));
    run().click();
    await settle();
    expect(text('account-status')).toBe(
      'Making the report… IAM builds it in a few seconds; an MFA code may be asked for in the tray.',
    );
    expect(run().disabled).toBe(true);
    expect(select().disabled).toBe(true);
    expect(byTestId(root, 'account-form').getAttribute('aria-busy')).toBe('true');
    // A second press asks nothing more.
    byTestId<HTMLFormElement>(root, 'account-form').requestSubmit();
    expect(api.accountReport).toHaveBeenCalledTimes(1);

    answer({ profile: 'admin', users: 1, findings: [] });
    await settle();
    expect(text('account-status')).toBe('');
    expect(run().disabled).toBe(false);
    expect(select().disabled).toBe(false);
    expect(text('account-summary')).toBe(
      'Profile admin: 1 IAM user and no findings: MFA and the password policy meet the baseline.',
    );
    expect(queryTestId(root, 'account-findings')).toBeNull();
  });

  it('shows the shell’s message as it is when the report fails', async () => {
    await mount(['admin']);
    const message =
      'profile `admin` is not allowed iam:GenerateCredentialReport (AWS answered AccessDenied); grant it that action, or use an administrator\u2019s profile';
    api.accountReport = vi.fn(async () => {
      throw { kind: 'denied', message };
    });
    run().click();
    await settle();
    expect(text('account-error')).toBe(message);
    expect(queryTestId(root, 'account-summary')).toBeNull();
    expect(rows()).toHaveLength(0);
    expect(run().disabled).toBe(false);
    expect(document.activeElement).toBe(run());
  });

  it('clears the old result and error when a new run starts', async () => {
    await mount(['admin']);
    api.accountReport = vi.fn(async () => REPORT);
    run().click();
    await settle();
    expect(rows()).toHaveLength(3);

    api.accountReport = vi.fn(async () => {
      throw new CommandError('tray_not_running', 'The Otpilot tray is not running: start it (otpilot-tray)');
    });
    run().click();
    await settle();
    expect(rows()).toHaveLength(0);
    expect(queryTestId(root, 'account-summary')).toBeNull();
    expect(text('account-error')).toBe('The Otpilot tray is not running: start it (otpilot-tray)');

    let answer: (r: AccountReport) => void = () => undefined;
    api.accountReport = vi.fn(() => new Promise<AccountReport>((r) => (answer = r)));
    run().click();
    await settle();
    expect(text('account-error')).toBe('');
    answer(REPORT);
    await settle();
    expect(rows()).toHaveLength(3);
  });

  it('clears the result when another profile is chosen', async () => {
    await mount(['admin', 'dev']);
    api.accountReport = vi.fn(async () => REPORT);
    run().click();
    await settle();
    expect(queryTestId(root, 'account-summary')).not.toBeNull();
    choose(select(), 'dev');
    expect(queryTestId(root, 'account-summary')).toBeNull();
    expect(queryTestId(root, 'account-findings')).toBeNull();
  });

  it('draws nothing once unmounted', async () => {
    await mount(['admin']);
    let answer: (r: AccountReport) => void = () => undefined;
    api.accountReport = vi.fn(() => new Promise<AccountReport>((r) => (answer = r)));
    run().click();
    unmount?.();
    unmount = undefined;
    answer(REPORT);
    api.emitProfilesChanged();
    await settle();
    expect(rows()).toHaveLength(0);
    expect(api.listProfiles).toHaveBeenCalledTimes(1);
  });
});

const input = (id: string): HTMLInputElement => byTestId<HTMLInputElement>(root, id);
const orgRun = (): HTMLButtonElement => byTestId<HTMLButtonElement>(root, 'org-run');

function typeInto(id: string, value: string): void {
  input(id).value = value;
  input(id).dispatchEvent(new Event('input', { bubbles: true }));
}

describe('account view: whole organization', () => {
  it('is offered for a chosen profile, with the CLI defaults', async () => {
    await mount(['admin']);
    expect(byTestId(root, 'org-panel').hidden).toBe(false);
    expect(text('org-toggle')).toBe('Whole organization');
    expect(input('org-role').value).toBe('OrganizationAccountAccessRole');
    expect(input('org-accounts').value).toBe('');
    expect(input('org-concurrency').value).toBe('8');
    expect(orgRun().textContent).toBe('Check every account');
  });

  it('is hidden without profiles', async () => {
    await mount([]);
    expect(byTestId(root, 'org-panel').hidden).toBe(true);
  });

  it('shows progress while it runs, then the table with every account row and the summary', async () => {
    let answer: (r: OrganizationReport) => void = () => undefined;
    api.organizationReport = vi.fn(
      (_args: OrganizationArgs) => new Promise<OrganizationReport>((resolve) => (answer = resolve)),
    );
    await mount(['admin']);
    typeInto('org-accounts', '111111111111, 222222222222');
    orgRun().click();
    await settle();
    expect(api.organizationReport).toHaveBeenCalledWith({
      profile: 'admin',
      role: 'OrganizationAccountAccessRole',
      accounts: ['111111111111', '222222222222'],
      ou: null,
      concurrency: 8,
    });
    expect(orgRun().disabled).toBe(true);
    expect(text('org-progress')).toContain("Listing the organization's accounts");
    api.emitOrganizationProgress({ profile: 'admin', done: 1, total: 2 });
    expect(text('org-progress')).toBe('Checked 1 of 2 accounts…');

    answer(ORG_REPORT);
    await settle();
    expect(text('org-progress')).toBe('');
    expect(orgRun().disabled).toBe(false);
    expect(text('org-summary')).toBe(
      'Organization (profile admin, role OrganizationAccountAccessRole): 2 accounts checked, 1 not checked, 1 skipped. Findings: 2 high, 1 medium, 1 low.',
    );
    const rows = Array.from(root.querySelectorAll<HTMLElement>('[data-testid="org-row"]'));
    expect(rows.map((r) => [r.dataset.kind, r.dataset.severity, r.dataset.account])).toEqual([
      ['finding', 'high', '111111111111'],
      ['finding', 'high', '444444444444'],
      ['finding', 'medium', '444444444444'],
      ['finding', 'low', '111111111111'],
      ['not_checked', '', '333333333333'],
      ['skipped', '', '222222222222'],
    ]);
    expect(rows[0]!.textContent).toContain('High prod 111111111111');
    expect(rows[0]!.textContent).toContain('otpilot account enforce-mfa --profile admin --organization');
    expect(rows[4]!.textContent).toContain('Not checked roleless 333333333333');
    expect(rows[4]!.textContent).toContain('AccessDenied on sts:AssumeRole');
    expect(rows[4]!.querySelector('code')).toBeNull();
    expect(rows[5]!.textContent).toBe('Skipped closed-one 222222222222suspended');
  });

  it("shows the tray's one-line error for a profile that manages no organization", async () => {
    const message =
      "AWS Organizations ListAccounts failed: not allowed; run it with the management account's profile or a delegated administrator's";
    api.organizationReport = vi.fn(async () => {
      throw new CommandError('aws', message);
    });
    await mount(['member']);
    orgRun().click();
    await settle();
    expect(text('org-error')).toBe(message);
    expect(queryTestId(root, 'org-summary')).toBeNull();
    expect(orgRun().disabled).toBe(false);
  });

  it('clears the result when another profile is chosen', async () => {
    api.organizationReport = vi.fn(async () => ORG_REPORT);
    await mount(['admin', 'dev']);
    orgRun().click();
    await settle();
    expect(queryTestId(root, 'org-summary')).not.toBeNull();
    const select = byTestId<HTMLSelectElement>(root, 'account-profile');
    select.value = 'dev';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    expect(queryTestId(root, 'org-summary')).toBeNull();
  });
});
