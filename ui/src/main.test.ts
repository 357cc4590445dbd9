// The shell: banner from app_status and navigation.

import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: vi.fn(async () => () => undefined) }));

const STATUS_OK = { keyring: 'ok', keyringMessage: null, awsConfig: 'ok', awsMessage: null };

function answer(status: object): void {
  invoke.mockImplementation(async (cmd: string) => {
    switch (cmd) {
      case 'app_status':
        return status;
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

beforeEach(() => invoke.mockReset());

describe('shell', () => {
  it('shows the devices view with a nav by default and no banner when all is well', async () => {
    answer(STATUS_OK);
    await boot('#/');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-devices'));
    expect($('nav-profiles')?.getAttribute('href')).toBe('#/profiles');
    expect($('status-banner')?.hidden).toBe(true);
    expect($('devices-empty')?.textContent).toBe('No devices yet — add one below');
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
      'Devices',
      'Profiles',
      'Set up MFA',
      'Activity',
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

  it('shows the devices view for an old prompt window link', async () => {
    // MFA prompts are native dialogs of the tray now; `#/prompt/<id>` is an unknown route.
    answer(STATUS_OK);
    await boot('#/prompt/abc');
    expect(document.querySelector('nav a[aria-current="page"]')).toBe($('nav-devices'));
    expect(invoke).not.toHaveBeenCalledWith('get_prompt', expect.anything());
  });
});
