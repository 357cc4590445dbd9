import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EnrollCandidate, EnrollResult } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountMfa } from './mfa';

const ADMIN: EnrollCandidate = { profile: 'admin', mfaSerial: null };
const OLD: EnrollCandidate = { profile: 'old', mfaSerial: 'arn:aws:iam::111122223333:mfa/old-phone' };

const RESULT: EnrollResult = {
  device: 'otpilot-admin',
  serial: 'arn:aws:iam::111122223333:mfa/otpilot-admin',
  user: 'alice',
  profilesUpdated: ['admin', 'admin-ro'],
  backup: '/home/alice/.aws/config.otpilot-backup',
  keptSerial: null,
  keptNote: null,
};

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
});

async function mount(candidates: EnrollCandidate[]): Promise<ReturnType<typeof fakeDeps>> {
  api.mfaEnrollCandidates = vi.fn(async () => candidates);
  const deps = fakeDeps(api);
  unmount = mountMfa(root, deps);
  await settle();
  return deps;
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

function choose(select: HTMLSelectElement, value: string): void {
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('set up MFA: choosing a profile', () => {
  it('explains how to get a candidate when there is none', async () => {
    await mount([]);
    const empty = byTestId(root, 'mfa-empty');
    expect(empty.textContent).toContain('long-term access keys');
    expect(empty.textContent).toContain('otpilot keys add PROFILE');
    expect(empty.textContent).toContain('~/.aws/credentials');
    expect(queryTestId(root, 'mfa-enroll')).toBeNull();
  });

  it('lists the candidates, with the default name as placeholder', async () => {
    await mount([ADMIN, OLD]);
    const select = byTestId<HTMLSelectElement>(root, 'mfa-profile');
    expect(Array.from(select.options).map((o) => o.value)).toEqual(['admin', 'old']);
    const name = byTestId<HTMLInputElement>(root, 'mfa-device-name');
    expect(name.placeholder).toBe('USER-otpilot-YYYYMMDD');
    expect(byTestId(root, 'mfa-existing').hidden).toBe(true);
    choose(select, 'old');
    expect(name.placeholder).toBe('USER-otpilot-YYYYMMDD');
    for (const el of [select, name]) {
      expect(root.querySelector(`label[for="${el.id}"]`), el.id).not.toBeNull();
    }
  });

  it('warns that a profile with a device gets a new one, and points to rotate', async () => {
    await mount([OLD, ADMIN]);
    const note = byTestId(root, 'mfa-existing');
    expect(note.hidden).toBe(false);
    expect(note.textContent).toContain('arn:aws:iam::111122223333:mfa/old-phone');
    expect(note.textContent).toContain('adds a new device');
    expect(note.textContent).toContain('otpilot mfa rotate --profile old');
    choose(byTestId(root, 'mfa-profile'), 'admin');
    expect(note.hidden).toBe(true);
  });

  it('shows a failed load with a way to try again', async () => {
    api.mfaEnrollCandidates = vi
      .fn()
      .mockRejectedValueOnce(new CommandError('aws', 'could not read the AWS config'))
      .mockResolvedValueOnce([ADMIN]);
    unmount = mountMfa(root, fakeDeps(api));
    await settle();
    expect(byTestId(root, 'mfa-load-error').textContent).toBe('could not read the AWS config');
    byTestId(root, 'mfa-retry').click();
    await settle();
    expect(byTestId(root, 'mfa-load-error').textContent).toBe('');
    expect(document.activeElement).toBe(byTestId(root, 'mfa-profile'));
  });
});

describe('set up MFA: device name', () => {
  it('refuses names IAM would refuse, without calling the shell', async () => {
    await mount([ADMIN]);
    const name = byTestId<HTMLInputElement>(root, 'mfa-device-name');
    for (const bad of ['my phone', 'a/b', 'wörk', 'x'.repeat(227)]) {
      type(name, bad);
      byTestId(root, 'mfa-enroll').click();
      await settle();
      expect(byTestId(root, 'mfa-error').textContent, bad).not.toBe('');
      expect(name.getAttribute('aria-invalid'), bad).toBe('true');
    }
    expect(api.mfaEnroll).not.toHaveBeenCalled();
  });

  it('sends a valid name as typed (trimmed), and null when empty', async () => {
    api.mfaEnroll = vi.fn(async () => RESULT);
    await mount([ADMIN]);
    type(byTestId(root, 'mfa-device-name'), '  alice+laptop=1,a.b@c_d-e ');
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(api.mfaEnroll).toHaveBeenCalledWith('admin', 'alice+laptop=1,a.b@c_d-e');

    byTestId(root, 'mfa-done').click();
    await settle();
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(api.mfaEnroll).toHaveBeenLastCalledWith('admin', null);
  });
});

describe('set up MFA: enrolling', () => {
  it('says it is enrolling and disables the button while the shell works', async () => {
    let finish: (r: EnrollResult) => void = () => undefined;
    api.mfaEnroll = vi.fn(() => new Promise<EnrollResult>((r) => (finish = r)));
    await mount([ADMIN, OLD]);
    choose(byTestId(root, 'mfa-profile'), 'old');
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(api.mfaEnroll).toHaveBeenCalledWith('old', null);
    const button = byTestId<HTMLButtonElement>(root, 'mfa-enroll');
    expect(button.disabled).toBe(true);
    const status = byTestId(root, 'mfa-status');
    expect(status.textContent).toBe('Enrolling…');
    expect(status.getAttribute('aria-live')).toBe('polite');
    // A second submit (Enter) while it runs does nothing.
    byTestId<HTMLFormElement>(root, 'mfa-form').requestSubmit();
    expect(api.mfaEnroll).toHaveBeenCalledTimes(1);
    finish(RESULT);
    await settle();
    expect(queryTestId(root, 'mfa-result')).not.toBeNull();
  });

  it('shows the result, and the QR code only after confirmation', async () => {
    api.mfaEnroll = vi.fn(async () => RESULT);
    await mount([ADMIN]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    const result = byTestId(root, 'mfa-result');
    expect(byTestId(result, 'mfa-result-user').textContent).toBe('alice');
    expect(byTestId(result, 'mfa-result-serial').textContent).toBe(RESULT.serial);
    expect(byTestId(result, 'mfa-result-device').textContent).toBe('otpilot-admin');
    expect(byTestId(result, 'mfa-result-profiles').textContent).toBe('admin, admin-ro');
    expect(byTestId(result, 'mfa-result-backup').textContent).toBe('/home/alice/.aws/config.otpilot-backup');
    expect(document.activeElement?.id).toBe('mfa-result-title');

    expect(queryTestId(root, 'mfa-qr')).toBeNull();
    expect(api.deviceQrSvg).not.toHaveBeenCalled();
    expect(result.textContent).toContain('Anyone who sees this QR code can make your codes');
    byTestId(root, 'mfa-show-qr').click();
    await settle();
    expect(api.deviceQrSvg).toHaveBeenCalledWith('otpilot-admin');
    expect(byTestId(root, 'mfa-qr').querySelector('svg path')).not.toBeNull();

    // Hiding it offers it again, behind the same confirmation.
    byTestId(root, 'mfa-hide-qr').click();
    expect(queryTestId(root, 'mfa-qr')).toBeNull();
    expect(document.activeElement).toBe(byTestId(root, 'mfa-show-qr'));
  });

  it('says when no profile was updated and no backup made', async () => {
    api.mfaEnroll = vi.fn(async () => ({ ...RESULT, profilesUpdated: [], backup: null }));
    await mount([ADMIN]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(byTestId(root, 'mfa-result-profiles').textContent).toBe('no profile');
    expect(byTestId(root, 'mfa-result-backup').textContent).toBe('none made');
  });

  it('shows a QR failure and lets the user try again', async () => {
    api.mfaEnroll = vi.fn(async () => RESULT);
    api.deviceQrSvg = vi.fn(async () => {
      throw new CommandError('keyring_locked', 'Your keyring is locked');
    });
    const deps = await mount([ADMIN]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    byTestId(root, 'mfa-show-qr').click();
    await settle();
    expect(byTestId(root, 'mfa-qr-error').textContent).toBe('Your keyring is locked');
    expect(byTestId<HTMLButtonElement>(root, 'mfa-show-qr').disabled).toBe(false);
    expect(deps.refreshStatus).toHaveBeenCalled();
  });

  it('shows the shell’s error and lets the user retry', async () => {
    api.mfaEnroll = vi
      .fn()
      .mockRejectedValueOnce({ kind: 'aws', message: 'AccessDenied: iam:CreateVirtualMFADevice' })
      .mockResolvedValueOnce(RESULT);
    await mount([ADMIN]);
    const button = byTestId<HTMLButtonElement>(root, 'mfa-enroll');
    button.click();
    await settle();
    expect(byTestId(root, 'mfa-error').textContent).toBe('AccessDenied: iam:CreateVirtualMFADevice');
    expect(byTestId(root, 'mfa-status').textContent).toBe('');
    expect(button.disabled).toBe(false);
    expect(byTestId<HTMLSelectElement>(root, 'mfa-profile').disabled).toBe(false);
    expect(document.activeElement).toBe(button);
    expect(queryTestId(root, 'mfa-result')).toBeNull();

    button.click();
    await settle();
    expect(api.mfaEnroll).toHaveBeenCalledTimes(2);
    expect(queryTestId(root, 'mfa-result')).not.toBeNull();
  });

  it('asks the shell to re-check its status on keyring trouble', async () => {
    api.mfaEnroll = vi.fn(async () => {
      throw new CommandError('no_keyring', 'No keyring (Secret Service) found');
    });
    const deps = await mount([ADMIN]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(byTestId(root, 'mfa-error').textContent).toBe('No keyring (Secret Service) found');
    expect(deps.refreshStatus).toHaveBeenCalled();
  });

  it('Done starts over with fresh candidates and offers the devices page', async () => {
    api.mfaEnroll = vi.fn(async () => RESULT);
    await mount([ADMIN]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(byTestId(root, 'mfa-go-devices').getAttribute('href')).toBe('#/devices');
    api.mfaEnrollCandidates = vi.fn(async () => [{ profile: 'admin', mfaSerial: RESULT.serial }]);
    byTestId(root, 'mfa-done').click();
    await settle();
    expect(queryTestId(root, 'mfa-result')).toBeNull();
    expect(api.mfaEnrollCandidates).toHaveBeenCalledTimes(1);
    expect(byTestId(root, 'mfa-existing').textContent).toContain(RESULT.serial);
    expect(document.activeElement).toBe(byTestId(root, 'mfa-profile'));
    expect(byTestId<HTMLButtonElement>(root, 'mfa-enroll').disabled).toBe(false);
  });
});

describe('set up MFA: a profile that kept its device', () => {
  const KEPT: EnrollResult = {
    ...RESULT,
    profilesUpdated: [],
    keptSerial: 'arn:aws:iam::111122223333:mfa/old-phone',
    keptNote: 'admin still uses its MFA device arn:aws:iam::111122223333:mfa/old-phone.',
  };

  it('says so, and points the profile at the new device on request', async () => {
    api.mfaEnroll = vi.fn(async () => KEPT);
    api.mfaSwitchSerial = vi.fn(async () => ['admin']);
    await mount([OLD]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(byTestId(root, 'mfa-kept-note').textContent).toBe(KEPT.keptNote);
    expect(api.mfaSwitchSerial).not.toHaveBeenCalled();
    byTestId(root, 'mfa-switch-serial').click();
    await settle();
    expect(api.mfaSwitchSerial).toHaveBeenCalledWith(KEPT.keptSerial, KEPT.serial);
    expect(byTestId(root, 'mfa-switch-result').textContent).toBe('Profile admin now uses the new device.');
    expect(byTestId(root, 'mfa-switch-serial').hidden).toBe(true);
  });

  it('shows why the switch failed', async () => {
    api.mfaEnroll = vi.fn(async () => KEPT);
    api.mfaSwitchSerial = vi.fn(async () => {
      throw new CommandError('io', 'cannot write /home/alice/.aws/config');
    });
    await mount([OLD]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    byTestId(root, 'mfa-switch-serial').click();
    await settle();
    expect(byTestId(root, 'mfa-switch-error').textContent).toBe('cannot write /home/alice/.aws/config');
    expect(byTestId<HTMLButtonElement>(root, 'mfa-switch-serial').disabled).toBe(false);
  });

  it('offers nothing when the profile took the new device', async () => {
    api.mfaEnroll = vi.fn(async () => RESULT);
    await mount([ADMIN]);
    byTestId(root, 'mfa-enroll').click();
    await settle();
    expect(queryTestId(root, 'mfa-kept-note')).toBeNull();
    expect(queryTestId(root, 'mfa-switch-serial')).toBeNull();
  });
});
