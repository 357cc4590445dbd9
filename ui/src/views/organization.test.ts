import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OrganizationArgs, OrganizationReport, ProfileView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import { mountAccount } from './account';
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

const REPORT: OrganizationReport = {
  profile: 'admin',
  role: 'OrganizationAccountAccessRole',
  accounts: [
    { account_id: '111111111111', account_name: 'prod', status: 'checked', users: 1, high: 1, medium: 0, low: 0 },
    { account_id: '222222222222', account_name: 'roleless', status: 'not_checked', reason: 'AccessDenied on sts:AssumeRole' },
    { account_id: '333333333333', account_name: 'old', status: 'skipped', reason: 'suspended' },
  ],
  findings: [
    {
      account_id: '111111111111',
      account_name: 'prod',
      check: 'console_without_mfa',
      severity: 'high',
      subject: 'bob',
      detail: '`bob` has no MFA',
      fix: 'otpilot account enforce-mfa --profile admin --organization --accounts 111111111111 --user bob',
    },
  ],
  summary: { high: 1, medium: 0, low: 0, checked: 1, not_checked: 1, skipped: 1 },
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

async function mount(profiles: string[]): Promise<void> {
  api.listProfiles = vi.fn(async () => profiles.map(view));
  unmount = mountAccount(root, fakeDeps(api));
  await settle();
}

const text = (id: string): string | null => byTestId(root, id).textContent;
const input = (id: string): HTMLInputElement => byTestId<HTMLInputElement>(root, id);
const orgRun = (): HTMLButtonElement => byTestId<HTMLButtonElement>(root, 'org-run');

function type(id: string, value: string): void {
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
    type('org-accounts', '111111111111, 222222222222');
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

    answer(REPORT);
    await settle();
    expect(text('org-progress')).toBe('');
    expect(orgRun().disabled).toBe(false);
    expect(text('org-summary')).toBe(
      'Organization (profile admin, role OrganizationAccountAccessRole): 1 account checked, 1 not checked, 1 skipped. Findings: 1 high, 0 medium, 0 low.',
    );
    const rows = Array.from(root.querySelectorAll<HTMLElement>('[data-testid="org-row"]'));
    expect(rows.map((r) => [r.dataset.kind, r.dataset.account])).toEqual([
      ['finding', '111111111111'],
      ['not_checked', '222222222222'],
      ['skipped', '333333333333'],
    ]);
    expect(rows[0]!.textContent).toContain('prod');
    expect(rows[0]!.textContent).toContain('otpilot account enforce-mfa --profile admin --organization');
    expect(rows[1]!.textContent).toContain('Not checked');
    expect(rows[1]!.textContent).toContain('roleless');
    expect(rows[1]!.textContent).toContain('AccessDenied on sts:AssumeRole');
    expect(rows[2]!.textContent).toContain('Skipped');
    expect(rows[2]!.textContent).toContain('suspended');
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
    api.organizationReport = vi.fn(async () => REPORT);
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
