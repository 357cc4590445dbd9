import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConfigPreview, ProfileView } from '../lib/api';
import { CommandError } from '../lib/api';
import { SETTINGS, byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountProfiles } from './profiles';

const NOW = new Date(2026, 10, 22, 12, 0, 0);
const at = (h: number, m: number): number => new Date(2026, 10, 22, h, m).getTime() / 1000;

const ADMIN: ProfileView = {
  profile: 'admin',
  wired: true,
  delegatesTo: null,
  isRole: true,
  keys: null,
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
    expect(byTestId(root, 'profile-wiring-admin').textContent).toContain('Not wired to Otpilot');
    expect(byTestId(root, 'profile-row-admin').textContent).toContain('otpilot profile setup admin');
    expect(byTestId(root, 'profile-wire-admin').textContent).toBe('Wire to Otpilot');
    expect(queryTestId(root, 'profile-unwire-admin')).toBeNull();
    expect(queryTestId(root, 'profiles-empty')).toBeNull();
  });
});

const PREVIEW: ConfigPreview = {
  path: '/home/alice/.aws/config',
  lines: [
    { change: 'context', text: '[profile admin]' },
    { change: 'removed', text: 'mfa_serial = arn:aws:iam::111122223333:mfa/alice' },
    { change: 'added', text: 'otpilot_mfa_serial = arn:aws:iam::111122223333:mfa/alice' },
    { change: 'added', text: 'credential_process = /usr/bin/otpilot credential-process admin' },
  ],
  notes: ['The AWS CLI will no longer prompt for MFA on its own.'],
};

const BASE: ProfileView = {
  ...ADMIN,
  profile: 'base',
  wired: false,
  isRole: false,
  keys: 'credentials_file',
  chain: ['base'],
  state: 'unknown',
  expiresAt: null,
};

describe('profiles view: set-up', () => {
  it('wires a profile only after showing the lines and a confirmation', async () => {
    api.wirePreview = vi.fn(async () => PREVIEW);
    api.wireProfile = vi.fn(async () => ADMIN);
    await mount([{ ...ADMIN, wired: false }]);
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    expect(api.wirePreview).toHaveBeenCalledWith('admin', false);
    const diff = byTestId(root, 'profile-diff-admin');
    expect(Array.from(diff.children).map((el) => [el.className, el.textContent])).toEqual([
      ['diff-context', '  [profile admin]'],
      ['diff-removed', '- mfa_serial = arn:aws:iam::111122223333:mfa/alice'],
      ['diff-added', '+ otpilot_mfa_serial = arn:aws:iam::111122223333:mfa/alice'],
      ['diff-added', '+ credential_process = /usr/bin/otpilot credential-process admin'],
    ]);
    expect(byTestId(root, 'profile-row-admin').textContent).toContain('The AWS CLI will no longer prompt for MFA on its own.');
    expect(byTestId<HTMLButtonElement>(root, 'profile-wire-admin').disabled).toBe(true);
    expect(document.activeElement).toBe(byTestId(root, 'profile-confirm-admin'));
    expect(api.wireProfile).not.toHaveBeenCalled();

    api.listProfiles = vi.fn(async () => [ADMIN]);
    byTestId(root, 'profile-confirm-admin').click();
    await settle();
    expect(api.wireProfile).toHaveBeenCalledWith('admin', false);
    expect(queryTestId(root, 'profile-diff-admin')).toBeNull();
    expect(byTestId(root, 'profile-status-admin').textContent).toBe(
      'Wired to Otpilot. Your previous config was saved beside it.',
    );
    expect(queryTestId(root, 'profile-unwire-admin')).not.toBeNull();
    expect(queryTestId(root, 'profile-wiring-admin')).toBeNull();
  });

  it('writes nothing on Cancel', async () => {
    api.unwirePreview = vi.fn(async () => PREVIEW);
    await mount([ADMIN]);
    byTestId(root, 'profile-unwire-admin').click();
    await settle();
    expect(queryTestId(root, 'profile-diff-admin')).not.toBeNull();
    byTestId(root, 'profile-cancel-admin').click();
    await settle();
    expect(api.unwireProfile).not.toHaveBeenCalled();
    expect(queryTestId(root, 'profile-diff-admin')).toBeNull();
    expect(byTestId<HTMLButtonElement>(root, 'profile-unwire-admin').disabled).toBe(false);
    expect(document.activeElement).toBe(byTestId(root, 'profile-unwire-admin'));
  });

  it('unwires after confirmation, with the notes shown first', async () => {
    api.unwirePreview = vi.fn(async () => ({
      ...PREVIEW,
      notes: ['base’s keys stay in the keyring; the AWS CLI cannot use them without Otpilot.'],
    }));
    api.unwireProfile = vi.fn(async () => ({ ...ADMIN, wired: false }));
    await mount([ADMIN]);
    byTestId(root, 'profile-unwire-admin').click();
    await settle();
    expect(byTestId(root, 'profile-row-admin').textContent).toContain('cannot use them without Otpilot');
    api.listProfiles = vi.fn(async () => [{ ...ADMIN, wired: false }]);
    byTestId(root, 'profile-confirm-admin').click();
    await settle();
    expect(api.unwireProfile).toHaveBeenCalledWith('admin');
    expect(byTestId(root, 'profile-status-admin').textContent).toContain('Unwired');
    expect(queryTestId(root, 'profile-wire-admin')).not.toBeNull();
  });

  it('shows a refused preview as the row’s error, with nothing to confirm', async () => {
    api.wirePreview = vi.fn(async () => {
      throw new CommandError('other', 'profile `admin` already has credential_process = aws-vault exec admin');
    });
    await mount([{ ...ADMIN, wired: false }]);
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    expect(byTestId(root, 'profile-error-admin').textContent).toContain('aws-vault');
    expect(queryTestId(root, 'profile-confirm-admin')).toBeNull();
    expect(api.wireProfile).not.toHaveBeenCalled();
  });

  const FOREIGN = 'profile `admin` already has credential_process = aws-vault exec admin; pass --force to replace it';

  /** Refuses to replace another tool's credential_process unless forced. */
  function refuseUnforced(): void {
    api.wirePreview = vi.fn(async (profile: string, force: boolean) => {
      if (!force) {
        throw new CommandError(
          'foreign_credential_process',
          `profile \`${profile}\` already has credential_process = aws-vault exec ${profile}; pass --force to replace it`,
        );
      }
      return PREVIEW;
    });
  }

  it('offers to replace another tool’s credential_process, and wires with force only after Confirm', async () => {
    refuseUnforced();
    api.wireProfile = vi.fn(async () => ADMIN);
    await mount([{ ...ADMIN, wired: false }]);
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    expect(api.wirePreview).toHaveBeenCalledWith('admin', false);
    expect(byTestId(root, 'profile-foreign-admin').textContent).toBe(
      'admin already gets its credentials from another tool (credential_process = aws-vault exec admin).',
    );
    const row = byTestId(root, 'profile-row-admin');
    expect(row.textContent).not.toContain('--force');
    expect(byTestId(root, 'profile-error-admin').textContent).toBe('');
    expect(queryTestId(root, 'profile-confirm-admin')).toBeNull();
    const replace = byTestId(root, 'profile-force-admin');
    expect(replace.textContent).toBe('Replace it with Otpilot');
    expect(document.activeElement).toBe(replace);
    expect(byTestId<HTMLButtonElement>(root, 'profile-wire-admin').disabled).toBe(true);

    replace.click();
    await settle();
    expect(api.wirePreview).toHaveBeenCalledTimes(2);
    expect(api.wirePreview).toHaveBeenLastCalledWith('admin', true);
    expect(queryTestId(root, 'profile-diff-admin')).not.toBeNull();
    expect(queryTestId(root, 'profile-foreign-admin')).toBeNull();
    expect(api.wireProfile).not.toHaveBeenCalled();

    api.listProfiles = vi.fn(async () => [ADMIN]);
    byTestId(root, 'profile-confirm-admin').click();
    await settle();
    expect(api.wireProfile).toHaveBeenCalledTimes(1);
    expect(api.wireProfile).toHaveBeenCalledWith('admin', true);
    expect(byTestId(root, 'profile-status-admin').textContent).toContain('Wired to Otpilot.');
  });

  it('writes nothing on Cancel and forgets the choice to replace', async () => {
    refuseUnforced();
    await mount([{ ...ADMIN, wired: false }]);
    // Cancel at the refusal.
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    byTestId(root, 'profile-cancel-admin').click();
    await settle();
    expect(queryTestId(root, 'profile-foreign-admin')).toBeNull();
    expect(byTestId<HTMLButtonElement>(root, 'profile-wire-admin').disabled).toBe(false);
    expect(document.activeElement).toBe(byTestId(root, 'profile-wire-admin'));

    // Cancel after the forced preview.
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    byTestId(root, 'profile-force-admin').click();
    await settle();
    expect(api.wirePreview).toHaveBeenLastCalledWith('admin', true);
    byTestId(root, 'profile-cancel-admin').click();
    await settle();
    expect(api.wireProfile).not.toHaveBeenCalled();
    expect(queryTestId(root, 'profile-diff-admin')).toBeNull();

    // The next wiring starts without force again.
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    expect(api.wirePreview).toHaveBeenLastCalledWith('admin', false);
    expect(queryTestId(root, 'profile-force-admin')).not.toBeNull();
    expect(vi.mocked(api.wirePreview).mock.calls.map((c) => c[1])).toEqual([false, false, true, false]);
  });

  it('keeps the choice to replace to its own profile', async () => {
    refuseUnforced();
    await mount([{ ...ADMIN, wired: false }, { ...ADMIN, profile: 'dev', wired: false }]);
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    byTestId(root, 'profile-force-admin').click();
    await settle();
    byTestId(root, 'profile-wire-dev').click();
    await settle();
    expect(api.wirePreview).toHaveBeenLastCalledWith('dev', false);
    expect(byTestId(root, 'profile-foreign-dev').textContent).toContain('aws-vault exec dev');
    expect(queryTestId(root, 'profile-diff-admin')).not.toBeNull();
  });

  it('says a write refused for another tool’s credential_process in the window’s words', async () => {
    api.wirePreview = vi.fn(async () => PREVIEW);
    api.wireProfile = vi.fn(async () => {
      throw new CommandError('foreign_credential_process', FOREIGN);
    });
    await mount([{ ...ADMIN, wired: false }]);
    byTestId(root, 'profile-wire-admin').click();
    await settle();
    byTestId(root, 'profile-confirm-admin').click();
    await settle();
    expect(api.wireProfile).toHaveBeenCalledWith('admin', false);
    expect(byTestId(root, 'profile-foreign-admin').textContent).toContain('aws-vault exec admin');
    expect(byTestId(root, 'profile-row-admin').textContent).not.toContain('--force');
    byTestId(root, 'profile-force-admin').click();
    await settle();
    expect(api.wirePreview).toHaveBeenLastCalledWith('admin', true);
  });

  it('says where the keys are and moves them only after confirmation', async () => {
    await mount([BASE]);
    expect(byTestId(root, 'profile-keys-base').textContent).toBe('Keys in ~/.aws/credentials (a plain file)');
    byTestId(root, 'profile-keys-move-base').click();
    await settle();
    expect(byTestId(root, 'profile-row-base').textContent).toContain('other profiles stay');
    byTestId(root, 'profile-cancel-base').click();
    expect(api.keysMove).not.toHaveBeenCalled();

    api.listProfiles = vi.fn(async () => [{ ...BASE, keys: 'keyring' as const }]);
    byTestId(root, 'profile-keys-move-base').click();
    byTestId(root, 'profile-confirm-base').click();
    await settle();
    expect(api.keysMove).toHaveBeenCalledWith('base');
    expect(byTestId(root, 'profile-status-base').textContent).toContain('backup:aws-credentials:1700000000');
    expect(byTestId(root, 'profile-keys-base').textContent).toBe('Keys in the keyring');
    expect(queryTestId(root, 'profile-keys-move-base')).toBeNull();
  });

  it('shows a delegating profile as using the other, not as a key holder', async () => {
    await mount([{ ...BASE, profile: 'ci', wired: true, delegatesTo: 'admin', keys: null }]);
    expect(byTestId(root, 'profile-delegates-ci').textContent).toBe('Uses Otpilot profile admin');
    expect(queryTestId(root, 'profile-keys-ci')).toBeNull();
    expect(queryTestId(root, 'profile-keys-move-ci')).toBeNull();
  });

  it('reads the profiles again on profiles://changed, rows kept in place', async () => {
    await mount([{ ...ADMIN, wired: false }]);
    const row = byTestId(root, 'profile-row-admin');
    api.listProfiles = vi.fn(async () => [ADMIN]);
    api.emitProfilesChanged();
    await settle();
    expect(byTestId(root, 'profile-row-admin')).toBe(row);
    expect(queryTestId(root, 'profile-unwire-admin')).not.toBeNull();
  });
});
