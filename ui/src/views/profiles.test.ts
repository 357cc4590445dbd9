import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProfileView } from '../lib/api';
import { CommandError } from '../lib/api';
import { SETTINGS, byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountProfiles } from './profiles';

const NOW = new Date(2026, 10, 22, 12, 0, 0);
const at = (h: number, m: number): number => new Date(2026, 10, 22, h, m).getTime() / 1000;

const ADMIN: ProfileView = {
  profile: 'admin',
  wired: true,
  watched: false,
  chain: ['base', 'admin'],
  mfaSerial: 'arn:aws:iam::111122223333:mfa/alice',
  device: 'work',
  error: null,
  state: 'valid',
  expiresAt: at(14, 5),
  message: null,
};

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
  vi.useRealTimers();
});

async function mount(profiles: ProfileView[]): Promise<void> {
  api.listProfiles = vi.fn(async () => profiles);
  unmount = mountProfiles(root, fakeDeps(api));
  await settle();
}

describe('profiles view', () => {
  it('says so when there are no profiles', async () => {
    await mount([]);
    expect(byTestId(root, 'profiles-empty').textContent).toBe('No AWS profiles found');
  });

  it('shows the chain, device and state', async () => {
    await mount([ADMIN]);
    const row = byTestId(root, 'profile-row-admin');
    expect(row.textContent).toContain('base → admin');
    expect(row.textContent).toContain('Device: work');
    const state = byTestId(row, 'profile-state-admin');
    expect(state.textContent).toBe('valid until 14:05');
    expect(state.className).toBe('badge badge-valid');
    expect(byTestId<HTMLInputElement>(row, 'watch-admin').checked).toBe(false);
  });

  it('updates the badge as time passes', async () => {
    await mount([{ ...ADMIN, expiresAt: at(12, 20) }]);
    expect(byTestId(root, 'profile-state-admin').textContent).toBe('valid until 12:20');
    await vi.advanceTimersByTimeAsync(10 * 60 * 1000);
    expect(byTestId(root, 'profile-state-admin').textContent).toBe('expires in 10 min');
  });

  it('follows credentials:// events', async () => {
    await mount([ADMIN, { ...ADMIN, profile: 'other', state: 'unknown', expiresAt: null }]);
    api.emitFailed({ profile: 'admin', message: 'MFA code rejected' });
    expect(byTestId(root, 'profile-state-admin').textContent).toBe('needs attention');
    expect(byTestId(root, 'profile-message-admin').textContent).toBe('MFA code rejected');
    api.emitRefreshed({ ...ADMIN, profile: 'other', expiresAt: at(13, 30) });
    expect(byTestId(root, 'profile-state-other').textContent).toBe('valid until 13:30');
    // An unrelated failure leaves the other row alone.
    expect(byTestId(root, 'profile-state-admin').textContent).toBe('needs attention');
  });

  it('refreshes on request, showing progress, then the result', async () => {
    let finish: (v: ProfileView) => void = () => undefined;
    api.refreshProfile = vi.fn(() => new Promise<ProfileView>((r) => (finish = r)));
    await mount([{ ...ADMIN, state: 'unknown', expiresAt: null }]);
    const button = byTestId<HTMLButtonElement>(root, 'refresh-admin');
    button.click();
    expect(api.refreshProfile).toHaveBeenCalledWith('admin');
    expect(byTestId(root, 'profile-state-admin').textContent).toBe('refreshing…');
    expect(button.disabled).toBe(true);
    finish({ ...ADMIN, expiresAt: at(13, 0) });
    await settle();
    expect(byTestId(root, 'profile-state-admin').textContent).toBe('valid until 13:00');
    expect(button.disabled).toBe(false);
  });

  it('shows a failed refresh as needing attention', async () => {
    api.refreshProfile = vi.fn(async () => {
      throw new CommandError('aws', 'AccessDenied: not authorized to perform sts:AssumeRole');
    });
    await mount([ADMIN]);
    byTestId(root, 'refresh-admin').click();
    await settle();
    expect(byTestId(root, 'profile-state-admin').className).toContain('badge-attention');
    expect(byTestId(root, 'profile-message-admin').textContent).toContain('AccessDenied');
  });

  it('saves the watched list when toggled, keeping other settings', async () => {
    api.getSettings = vi.fn(async () => ({ ...SETTINGS, watchedProfiles: ['dev'], clipboardClearSeconds: 45 }));
    await mount([ADMIN]);
    const box = byTestId<HTMLInputElement>(root, 'watch-admin');
    box.click();
    await settle();
    expect(api.saveSettings).toHaveBeenCalledWith({
      ...SETTINGS,
      clipboardClearSeconds: 45,
      watchedProfiles: ['dev', 'admin'],
    });
    expect(box.checked).toBe(true);
    box.click();
    await settle();
    expect(api.saveSettings).toHaveBeenLastCalledWith({ ...SETTINGS, clipboardClearSeconds: 45, watchedProfiles: ['dev'] });
    expect(api.getSettings).toHaveBeenCalledTimes(1);
  });

  it('puts the checkbox back when saving fails', async () => {
    api.saveSettings = vi.fn(async () => {
      throw new CommandError('io', 'cannot write config.toml');
    });
    await mount([ADMIN]);
    const box = byTestId<HTMLInputElement>(root, 'watch-admin');
    box.click();
    await settle();
    expect(box.checked).toBe(false);
    expect(byTestId(root, 'profile-error-admin').textContent).toBe('cannot write config.toml');
  });

  it('opens the console with the chosen service and region, and shows errors', async () => {
    api.openConsole = vi
      .fn()
      .mockResolvedValueOnce(undefined)
      .mockRejectedValueOnce(new CommandError('other', 'the console is not available yet'));
    await mount([ADMIN]);
    byTestId(root, 'console-admin').click();
    await settle();
    expect(api.openConsole).toHaveBeenLastCalledWith('admin', null, null);
    byTestId(root, 'console-options-admin').click();
    byTestId(root, 'console-pick-lambda').click();
    byTestId<HTMLInputElement>(root, 'console-region-admin').value = ' eu-west-1 ';
    byTestId(root, 'console-admin').click();
    await settle();
    expect(api.openConsole).toHaveBeenLastCalledWith('admin', 'lambda', 'eu-west-1');
    expect(byTestId(root, 'profile-error-admin').textContent).toBe('the console is not available yet');
  });

  it('marks profiles not wired to otpilot', async () => {
    await mount([{ ...ADMIN, wired: false }]);
    expect(byTestId(root, 'profile-row-admin').textContent).toContain('otpilot profile setup admin');
    expect(queryTestId(root, 'profiles-empty')).toBeNull();
  });
});
