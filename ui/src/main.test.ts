// The shell: banner from app_status and navigation.

import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => undefined) }));

const STATUS_OK = { keyring: 'ok', keyringMessage: null, awsConfig: 'ok', awsMessage: null };

const DEVICE = { name: 'work', serial: null, issuer: null, account: null, algorithm: 'SHA1', digits: 6, period: 30, askBeforeUse: false };
const WIRED = {
  profile: 'admin',
  wired: true,
  delegatesTo: null,
  isRole: true,
  keys: null,
  watched: false,
  chain: ['base', 'admin'],
  mfaSerial: null,
  device: null,
  error: null,
  state: 'unknown',
  expiresAt: null,
  message: null,
};

function answer(status: object, lists: { devices?: object[]; profiles?: object[] } = {}): void {
  invoke.mockImplementation(async (cmd: string) => {
    switch (cmd) {
      case 'app_status':
        return status;
      case 'list_devices':
        return lists.devices ?? [];
      case 'list_profiles':
        return lists.profiles ?? [];
      default:
        return [];
    }
  });
}

async function boot(hash: string): Promise<void> {
  vi.resetModules();
  document.body.innerHTML = '<div id="app"></div>';
  history.replaceState(null, '', hash);
  await import('./main');
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

const $ = (id: string): HTMLElement | null => document.querySelector(`[data-testid="${id}"]`);

// Braces: a function returned from beforeEach (mockReset returns the mock) is run as a cleanup.
beforeEach(() => {
  invoke.mockReset();
});

describe('shell', () => {
  it('shows the devices view with a nav by default and no banner when all is well', async () => {
    answer(STATUS_OK, { devices: [DEVICE], profiles: [WIRED] });
    await boot('#/');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-devices'));
    expect($('nav-profiles')?.getAttribute('href')).toBe('#/profiles');
    expect($('status-banner')?.hidden).toBe(true);
    expect($('device-row-work')).not.toBeNull();
  });

  it('opens the set-up guide when nothing is set up and no view was asked for', async () => {
    answer(STATUS_OK);
    await boot('');
    expect(location.hash).toBe('#/setup');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-setup'));
    expect(document.title).toBe('Otpilot: Set up');
    expect($('guide-device')).not.toBeNull();

    // A device but no wired profile: still the guide.
    answer(STATUS_OK, { devices: [DEVICE], profiles: [{ ...WIRED, wired: false }] });
    await boot('#/');
    expect(location.hash).toBe('#/setup');
  });

  it('obeys a route in the address even when nothing is set up', async () => {
    answer(STATUS_OK);
    await boot('#/devices');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-devices'));
    expect($('devices-empty')?.textContent).toBe('No devices yet — add one below');
  });

  it('starts on the default view when the lists cannot be read', async () => {
    invoke.mockImplementation(async (cmd: string) => {
      if (cmd === 'app_status') return STATUS_OK;
      if (cmd === 'list_devices' || cmd === 'list_profiles') {
        throw { kind: 'keyring_locked', message: 'Your keyring is locked' };
      }
      return [];
    });
    await boot('');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-devices'));
  });

  it('shows the keyring and AWS config problems in the banner', async () => {
    answer({ keyring: 'locked', keyringMessage: null, awsConfig: 'missing', awsMessage: null });
    await boot('#/profiles');
    const banner = $('status-banner');
    expect(banner?.hidden).toBe(false);
    expect(banner?.textContent).toContain('Your keyring is locked: unlock it to see codes');
    expect(banner?.textContent).toContain('No AWS config found (~/.aws/config)');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-profiles'));
  });

  it('links the MFA wizard and the activity log, and shows them', async () => {
    answer(STATUS_OK);
    await boot('#/mfa');
    expect(Array.from(document.querySelectorAll('nav a')).map((a) => a.textContent)).toEqual([
      'Set up',
      'Devices',
      'Profiles',
      'Set up MFA',
      'Activity',
      'Account',
      'Settings',
    ]);
    expect($('nav-mfa')?.getAttribute('href')).toBe('#/mfa');
    expect($('nav-activity')?.getAttribute('href')).toBe('#/activity');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-mfa'));
    expect(document.title).toBe('Otpilot: Set up MFA');
    expect(invoke).toHaveBeenCalledWith('mfa_enroll_candidates', undefined);
    expect($('mfa-empty')).not.toBeNull();

    await boot('#/activity');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-activity'));
    expect(invoke).toHaveBeenCalledWith('recent_activity', { limit: 100 });
    expect($('activity-empty')?.textContent).toBe('No activity yet');
  });

  it('links the account report after the activity log, and shows it', async () => {
    answer(STATUS_OK, { profiles: [WIRED] });
    await boot('#/account');
    const ids = Array.from(document.querySelectorAll('nav a')).map((a) => a.getAttribute('data-testid'));
    expect(ids.slice(ids.indexOf('nav-activity'))).toEqual(['nav-activity', 'nav-account', 'nav-settings']);
    expect($('nav-account')?.getAttribute('href')).toBe('#/account');
    expect($('nav-account')?.textContent).toBe('Account');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-account'));
    expect(document.title).toBe('Otpilot: Account');
    expect(($('account-profile') as HTMLSelectElement | null)?.value).toBe('admin');

    invoke.mockImplementation(async (cmd: string) =>
      cmd === 'account_report' ? { profile: 'admin', users: 1, findings: [] } : STATUS_OK,
    );
    $('account-run')?.click();
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(invoke).toHaveBeenCalledWith('account_report', { profile: 'admin' });
    expect($('account-summary')?.textContent).toBe(
      'Profile admin: 1 IAM user and no findings: MFA and the password policy meet the baseline.',
    );
  });

  it('shows the devices view for an old prompt window link', async () => {
    // MFA prompts are native dialogs of the tray now; `#/prompt/<id>` is an unknown route.
    answer(STATUS_OK);
    await boot('#/prompt/abc');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-devices'));
    expect(invoke).not.toHaveBeenCalledWith('get_prompt', expect.anything());
  });
});
