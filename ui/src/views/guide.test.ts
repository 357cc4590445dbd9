import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConfigPreview, DeviceView, ProfileIdentity, ProfileView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountGuide } from './guide';
import { PROGRESS_KEY } from './guide.model';

const DEVICE: DeviceView = {
  name: 'work',
  serial: null,
  issuer: null,
  account: null,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  askBeforeUse: false,
  sealed: false,
  tpmPin: false,
};

const BASE: ProfileView = {
  profile: 'base',
  wired: false,
  delegatesTo: null,
  isRole: false,
  keys: 'credentials_file',
  watched: false,
  chain: ['base'],
  mfaSerial: null,
  device: null,
  error: null,
  state: 'unknown',
  expiresAt: null,
  message: null,
};
const ADMIN: ProfileView = { ...BASE, profile: 'admin', isRole: true, keys: null, chain: ['base', 'admin'] };
const DEV: ProfileView = { ...ADMIN, profile: 'dev' };

const PREVIEW: ConfigPreview = {
  path: '/home/alice/.aws/config',
  lines: [
    { change: 'context', text: '[profile admin]' },
    { change: 'removed', text: 'role_arn = arn:aws:iam::111122223333:role/Admin' },
    { change: 'added', text: 'otpilot_role_arn = arn:aws:iam::111122223333:role/Admin' },
    { change: 'added', text: 'credential_process = /usr/bin/otpilot credential-process admin' },
  ],
  notes: ['The AWS CLI will no longer ask for an MFA code itself.'],
};

const identity = (profile: string): ProfileIdentity => ({
  profile,
  arn: `arn:aws:sts::111122223333:assumed-role/Admin/otpilot-${profile}`,
  account: '111122223333',
});

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '#/setup');
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
});

async function mount(devices: DeviceView[], profiles: ProfileView[]): Promise<void> {
  api.listDevices = vi.fn(async () => devices);
  api.listProfiles = vi.fn(async () => profiles);
  unmount = mountGuide(root, fakeDeps(api));
  await settle();
}

function remount(): Promise<void> {
  unmount?.();
  root.replaceChildren();
  unmount = mountGuide(root, fakeDeps(api));
  return settle();
}

const stateOf = (step: string): string | null => byTestId(root, `guide-step-${step}`).getAttribute('data-state');
const states = (): (string | null)[] => ['device', 'keys', 'wire', 'check', 'done'].map(stateOf);

describe('guide: steps', () => {
  it('starts at the device step and moves with Next, Back and the step list', async () => {
    await mount([], []);
    expect(states()).toEqual(['current', 'todo', 'todo', 'todo', 'todo']);
    expect(queryTestId(root, 'guide-device')).not.toBeNull();
    expect(byTestId<HTMLButtonElement>(root, 'guide-back').disabled).toBe(true);
    byTestId(root, 'guide-next').click();
    expect(queryTestId(root, 'guide-keys')).not.toBeNull();
    expect(stateOf('keys')).toBe('current');
    expect(byTestId(root, 'guide-step-keys').getAttribute('aria-current')).toBe('step');
    byTestId(root, 'guide-back').click();
    expect(queryTestId(root, 'guide-device')).not.toBeNull();
    byTestId(root, 'guide-step-done').click();
    expect(queryTestId(root, 'guide-done')).not.toBeNull();
    expect(byTestId<HTMLButtonElement>(root, 'guide-next').disabled).toBe(true);
    expect(byTestId<HTMLButtonElement>(root, 'guide-skip').disabled).toBe(true);
  });

  it('computes done from the real state', async () => {
    await mount([DEVICE], [{ ...BASE, keys: 'keyring' }, { ...ADMIN, wired: true }]);
    expect(states()).toEqual(['current', 'done', 'done', 'todo', 'todo']);
    expect(byTestId(root, 'guide-step-note').textContent).toBe('This step is done.');
  });

  it('keeps skipped steps and the open step across windows', async () => {
    await mount([], [BASE]);
    byTestId(root, 'guide-skip').click();
    expect(stateOf('device')).toBe('skipped');
    expect(queryTestId(root, 'guide-keys')).not.toBeNull();
    expect(JSON.parse(localStorage.getItem(PROGRESS_KEY) ?? 'null')).toEqual({ current: 'keys', skipped: ['device'] });

    await remount();
    expect(states()).toEqual(['skipped', 'current', 'todo', 'todo', 'todo']);
    expect(queryTestId(root, 'guide-keys')).not.toBeNull();

    // A skipped step opens again, says so, and shows done once it is.
    byTestId(root, 'guide-step-device').click();
    expect(byTestId(root, 'guide-step-note').textContent).toBe('You skipped this step; you can do it now.');
    api.listDevices = vi.fn(async () => [DEVICE]);
    api.emitDevicesChanged();
    await settle();
    byTestId(root, 'guide-next').click();
    expect(stateOf('device')).toBe('done');
  });

  it('starts over when the stored progress is unreadable', async () => {
    localStorage.setItem(PROGRESS_KEY, '{oops');
    await mount([], []);
    expect(stateOf('device')).toBe('current');
  });
});

describe('guide: device step', () => {
  it('lists the devices, adds one with the add form, and shows the step done', async () => {
    await mount([], []);
    expect(byTestId(root, 'guide-device-list').textContent).toBe('No device yet.');
    expect(byTestId(root, 'guide-step-note').textContent).toBe('');
    api.addDevice = vi.fn(async () => ({ added: [DEVICE], warnings: [] }));
    api.listDevices = vi.fn(async () => [DEVICE]);
    byTestId<HTMLInputElement>(root, 'add-name').value = 'work';
    byTestId<HTMLInputElement>(root, 'add-secret').value = 'JBSWY3DPEHPK3PXP';
    byTestId(root, 'add-submit').click();
    await settle();
    expect(api.addDevice).toHaveBeenCalled();
    expect(byTestId(root, 'guide-device-list').textContent).toBe('Your device: work.');
    expect(byTestId(root, 'guide-step-note').textContent).toBe('This step is done.');
  });

  it('sends someone without a device to the MFA enrolment', async () => {
    await mount([], []);
    byTestId(root, 'guide-device-none').click();
    expect(location.hash).toBe('#/mfa');
  });
});

describe('guide: keys step', () => {
  async function openKeys(profiles: ProfileView[]): Promise<void> {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'keys', skipped: [] }));
    await mount([DEVICE], profiles);
  }

  it('lists key holders with where their keys are', async () => {
    await openKeys([
      BASE,
      ADMIN,
      { ...BASE, profile: 'ci', keys: 'keyring' },
      { ...BASE, profile: 'old', delegatesTo: 'base' },
      { ...BASE, profile: 'new', keys: 'nowhere' },
    ]);
    expect(byTestId(root, 'guide-keys-row-base').textContent).toContain('Keys in ~/.aws/credentials (a plain file)');
    expect(byTestId(root, 'guide-keys-row-ci').textContent).toContain('Keys in the keyring');
    expect(byTestId(root, 'guide-keys-row-new').textContent).toContain('No keys yet');
    expect(queryTestId(root, 'guide-keys-row-admin')).toBeNull();
    expect(queryTestId(root, 'guide-keys-row-old')).toBeNull();
    expect(queryTestId(root, 'guide-keys-move-base')).not.toBeNull();
    expect(queryTestId(root, 'guide-keys-move-ci')).toBeNull();
    expect(byTestId<HTMLInputElement>(root, 'guide-keys-profile').value).toBe('base');
  });

  it('moves keys only after confirmation; Cancel moves nothing', async () => {
    await openKeys([BASE]);
    expect(queryTestId(root, 'guide-confirm-panel')).toBeNull();
    byTestId(root, 'guide-keys-move-base').click();
    const panel = byTestId(root, 'guide-confirm-panel');
    expect(panel.textContent).toContain('leave ~/.aws/credentials');
    expect(panel.textContent).toContain('other profiles stay');
    expect(panel.textContent).toContain('saved inside the keyring');
    expect(api.keysMove).not.toHaveBeenCalled();
    byTestId(root, 'guide-cancel').click();
    await settle();
    expect(queryTestId(root, 'guide-confirm-panel')).toBeNull();
    expect(api.keysMove).not.toHaveBeenCalled();

    api.listProfiles = vi.fn(async () => [{ ...BASE, keys: 'keyring' as const }]);
    byTestId(root, 'guide-keys-move-base').click();
    byTestId(root, 'guide-confirm').click();
    await settle();
    expect(api.keysMove).toHaveBeenCalledWith('base');
    const result = byTestId(root, 'guide-keys-result-base');
    expect(result.textContent).toContain('AKIA…MPLE');
    expect(result.textContent).toContain('backup:aws-credentials:1700000000');
    expect(byTestId(root, 'guide-keys-row-base').textContent).toContain('Keys in the keyring');
    expect(byTestId(root, 'guide-step-note').textContent).toBe('This step is done.');
  });

  it('shows why a move was refused', async () => {
    api.keysMove = vi.fn(async () => {
      throw new CommandError('other', '[base] holds temporary credentials (aws_session_token), not long-term keys');
    });
    await openKeys([BASE]);
    byTestId(root, 'guide-keys-move-base').click();
    byTestId(root, 'guide-confirm').click();
    await settle();
    expect(byTestId(root, 'guide-keys-result-base').className).toBe('error');
    expect(byTestId(root, 'guide-keys-result-base').textContent).toContain('temporary credentials');
  });

  it('stores pasted keys and empties the box, also when the shell refuses', async () => {
    await openKeys([BASE, { ...BASE, profile: 'new', keys: 'nowhere' }]);
    const text = byTestId<HTMLTextAreaElement>(root, 'guide-keys-text');
    expect(text.getAttribute('autocomplete')).toBe('off');
    expect(text.getAttribute('spellcheck')).toBe('false');
    byTestId(root, 'guide-keys-select-new').click();
    expect(byTestId<HTMLInputElement>(root, 'guide-keys-profile').value).toBe('new');
    expect(document.activeElement).toBe(text);
    text.value = 'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    byTestId(root, 'guide-keys-save').click();
    await settle();
    expect(api.keysStore).toHaveBeenCalledWith(
      'new',
      'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      null,
    );
    expect(text.value).toBe('');
    expect(byTestId(root, 'guide-keys-stored').textContent).toBe('Stored AKIA…MPLE in the keyring for new.');
    expect(root.textContent).not.toContain('wJalrXUtnFEMI');

    api.keysStore = vi.fn(async () => {
      throw new CommandError('invalid_input', 'no secret access key found in the pasted text');
    });
    text.value = 'AKIAIOSFODNN7EXAMPLE';
    byTestId(root, 'guide-keys-save').click();
    await settle();
    expect(text.value).toBe('');
    expect(byTestId(root, 'guide-keys-error').textContent).toBe('no secret access key found in the pasted text');
  });

  it('sends a chosen CSV file without showing it, then forgets it', async () => {
    await openKeys([BASE]);
    const csv = byTestId<HTMLInputElement>(root, 'guide-keys-csv');
    const content = 'Access key ID,Secret access key\nAKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n';
    const file = new File([content], 'alice_accessKeys.csv', { type: 'text/csv' });
    Object.defineProperty(csv, 'files', { value: [file], configurable: true });
    csv.dispatchEvent(new Event('change'));
    await vi.waitFor(() => expect(byTestId(root, 'guide-keys-csv-note').textContent).toContain('alice_accessKeys.csv'));
    expect(root.textContent).not.toContain('wJalrXUtnFEMI');
    byTestId(root, 'guide-keys-save').click();
    await vi.waitFor(() => expect(api.keysStore).toHaveBeenCalledWith('base', content, null));
    await settle();
    expect(byTestId(root, 'guide-keys-csv-note').textContent).toBe('');

    // Forgotten: a second save has nothing to send.
    byTestId(root, 'guide-keys-save').click();
    await settle();
    expect(api.keysStore).toHaveBeenCalledTimes(1);
    expect(byTestId(root, 'guide-keys-error').textContent).toContain('Paste the keys');
  });
});

describe('guide: wire step', () => {
  async function openWire(profiles: ProfileView[]): Promise<void> {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'wire', skipped: [] }));
    await mount([DEVICE], profiles);
  }

  it('lists roles to wire, ticked; wired ones marked; broken ones not choosable', async () => {
    await openWire([BASE, ADMIN, { ...DEV, wired: true }, { ...DEV, profile: 'bad', error: 'profile loop: a → b → a' }]);
    expect(byTestId<HTMLInputElement>(root, 'guide-wire-admin').checked).toBe(true);
    expect(queryTestId(root, 'guide-wire-dev')).toBeNull();
    expect(byTestId(root, 'guide-wire-wired-dev').textContent).toBe('already wired');
    expect(queryTestId(root, 'guide-wire-bad')).toBeNull();
    expect(byTestId(root, 'guide-wire-error-bad').textContent).toBe('profile loop: a → b → a');
    expect(queryTestId(root, 'guide-wire-base')).toBeNull();
    const admin = byTestId<HTMLInputElement>(root, 'guide-wire-admin');
    admin.click();
    expect(byTestId<HTMLButtonElement>(root, 'guide-wire-preview').disabled).toBe(true);
  });

  it('shows the lines first; Cancel writes nothing', async () => {
    api.wirePreview = vi.fn(async () => PREVIEW);
    await openWire([ADMIN, DEV]);
    byTestId<HTMLInputElement>(root, 'guide-wire-dev').click();
    byTestId(root, 'guide-wire-preview').click();
    await settle();
    expect(api.wirePreview).toHaveBeenCalledTimes(1);
    expect(api.wirePreview).toHaveBeenCalledWith('admin', false);
    const diff = byTestId(root, 'guide-wire-diff-admin');
    const lines = Array.from(diff.children).map((el) => [el.className, el.textContent]);
    expect(lines).toEqual([
      ['diff-context', '  [profile admin]'],
      ['diff-removed', '- role_arn = arn:aws:iam::111122223333:role/Admin'],
      ['diff-added', '+ otpilot_role_arn = arn:aws:iam::111122223333:role/Admin'],
      ['diff-added', '+ credential_process = /usr/bin/otpilot credential-process admin'],
    ]);
    expect(root.textContent).toContain('The AWS CLI will no longer ask for an MFA code itself.');
    expect(byTestId(root, 'guide-confirm-panel').textContent).toContain('/home/alice/.aws/config');
    expect(document.activeElement).toBe(byTestId(root, 'guide-confirm'));

    byTestId(root, 'guide-cancel').click();
    await settle();
    expect(api.wireProfile).not.toHaveBeenCalled();
    expect(queryTestId(root, 'guide-confirm-panel')).toBeNull();
    // Back to the list, the choice as it was.
    expect(byTestId<HTMLInputElement>(root, 'guide-wire-admin').checked).toBe(true);
    expect(byTestId<HTMLInputElement>(root, 'guide-wire-dev').checked).toBe(false);
  });

  it('wires each confirmed profile in turn, saying what happened to each', async () => {
    api.wirePreview = vi.fn(async (profile: string) => {
      if (profile === 'dev') throw new CommandError('other', 'profile `dev` already has credential_process = aws-vault');
      return PREVIEW;
    });
    api.wireProfile = vi.fn(async (profile: string) => ({ ...ADMIN, profile, wired: true }));
    await openWire([ADMIN, DEV, { ...DEV, profile: 'ops' }]);
    byTestId(root, 'guide-wire-preview').click();
    await settle();
    expect(byTestId(root, 'guide-wire-refused-dev').textContent).toContain('aws-vault');
    expect(byTestId(root, 'guide-confirm').textContent).toBe('Wire 2 profiles');
    api.listProfiles = vi.fn(async () => [{ ...ADMIN, wired: true }, DEV, { ...DEV, profile: 'ops', wired: true }]);
    api.wireProfile = vi
      .fn()
      .mockResolvedValueOnce({ ...ADMIN, wired: true })
      .mockRejectedValueOnce(new CommandError('io', 'cannot write /home/alice/.aws/config: read-only'));
    byTestId(root, 'guide-confirm').click();
    await settle();
    expect(api.wireProfile).toHaveBeenNthCalledWith(1, 'admin', false);
    expect(api.wireProfile).toHaveBeenNthCalledWith(2, 'ops', false);
    expect(api.wireProfile).not.toHaveBeenCalledWith('dev', expect.anything());
    expect(byTestId(root, 'guide-wire-result-admin').textContent).toBe('admin is wired to Otpilot.');
    expect(byTestId(root, 'guide-wire-result-ops').className).toBe('error');
    expect(byTestId(root, 'guide-wire-result-ops').textContent).toContain('read-only');
    expect(byTestId(root, 'guide-wire-backup').textContent).toBe(
      '/home/alice/.aws/config was changed; your previous config was saved beside it.',
    );
    expect(byTestId(root, 'guide-wire-wired-admin').textContent).toBe('already wired');
    expect(byTestId(root, 'guide-step-note').textContent).toBe('This step is done.');
  });
});

describe('guide: wire step, another tool’s credential_process', () => {
  async function openWire(profiles: ProfileView[]): Promise<void> {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'wire', skipped: [] }));
    await mount([DEVICE], profiles);
  }

  /** admin previews well; any other profile is refused unless forced. */
  function refuseUnforced(): void {
    api.wirePreview = vi.fn(async (profile: string, force: boolean) => {
      if (profile !== 'admin' && !force) {
        throw new CommandError(
          'foreign_credential_process',
          `profile \`${profile}\` already has credential_process = aws-vault exec ${profile}; pass --force to replace it`,
        );
      }
      return PREVIEW;
    });
  }

  it('says so in the window’s words and offers to replace it', async () => {
    refuseUnforced();
    await openWire([ADMIN, DEV]);
    byTestId(root, 'guide-wire-preview').click();
    await settle();
    expect(api.wirePreview).toHaveBeenCalledWith('dev', false);
    expect(byTestId(root, 'guide-wire-refused-dev').textContent).toBe(
      'dev already gets its credentials from another tool (credential_process = aws-vault exec dev).',
    );
    expect(byTestId(root, 'guide-wire').textContent).not.toContain('--force');
    expect(byTestId(root, 'guide-wire-force-dev').textContent).toBe('Replace it with Otpilot');
    expect(queryTestId(root, 'guide-wire-force-admin')).toBeNull();
    expect(byTestId(root, 'guide-confirm').textContent).toBe('Wire 1 profile');
  });

  it('reads the lines again with force, then wires with force only that profile, on Confirm', async () => {
    refuseUnforced();
    api.wireProfile = vi.fn(async (profile: string) => ({ ...ADMIN, profile, wired: true }));
    await openWire([ADMIN, DEV]);
    byTestId(root, 'guide-wire-preview').click();
    await settle();
    byTestId(root, 'guide-wire-force-dev').click();
    await settle();
    expect(api.wirePreview).toHaveBeenCalledTimes(3);
    expect(api.wirePreview).toHaveBeenLastCalledWith('dev', true);
    expect(queryTestId(root, 'guide-wire-diff-admin')).not.toBeNull();
    expect(queryTestId(root, 'guide-wire-diff-dev')).not.toBeNull();
    expect(queryTestId(root, 'guide-wire-force-dev')).toBeNull();
    expect(byTestId(root, 'guide-confirm').textContent).toBe('Wire 2 profiles');
    expect(document.activeElement).toBe(byTestId(root, 'guide-confirm'));
    expect(api.wireProfile).not.toHaveBeenCalled();

    api.listProfiles = vi.fn(async () => [
      { ...ADMIN, wired: true },
      { ...DEV, wired: true },
    ]);
    byTestId(root, 'guide-confirm').click();
    await settle();
    expect(api.wireProfile).toHaveBeenCalledTimes(2);
    expect(api.wireProfile).toHaveBeenNthCalledWith(1, 'admin', false);
    expect(api.wireProfile).toHaveBeenNthCalledWith(2, 'dev', true);
    expect(byTestId(root, 'guide-wire-result-dev').textContent).toBe('dev is wired to Otpilot.');
  });

  it('writes nothing on Cancel, and the next preview is not forced', async () => {
    refuseUnforced();
    await openWire([DEV]);
    byTestId(root, 'guide-wire-preview').click();
    await settle();
    byTestId(root, 'guide-wire-force-dev').click();
    await settle();
    expect(api.wirePreview).toHaveBeenLastCalledWith('dev', true);
    byTestId(root, 'guide-cancel').click();
    await settle();
    expect(api.wireProfile).not.toHaveBeenCalled();
    expect(queryTestId(root, 'guide-confirm-panel')).toBeNull();
    expect(byTestId<HTMLInputElement>(root, 'guide-wire-dev').checked).toBe(true);

    byTestId(root, 'guide-wire-preview').click();
    await settle();
    expect(api.wirePreview).toHaveBeenLastCalledWith('dev', false);
    expect(vi.mocked(api.wirePreview).mock.calls).toEqual([
      ['dev', false],
      ['dev', true],
      ['dev', false],
    ]);
    expect(queryTestId(root, 'guide-wire-force-dev')).not.toBeNull();
  });

  it('shows other refusals as before, without the button', async () => {
    api.wirePreview = vi.fn(async () => {
      throw new CommandError('invalid_input', 'profile `admin` has no [profile admin] section in ~/.aws/config');
    });
    await openWire([ADMIN]);
    byTestId(root, 'guide-wire-preview').click();
    await settle();
    const refused = byTestId(root, 'guide-wire-refused-admin');
    expect(refused.className).toBe('error');
    expect(refused.textContent).toBe('profile `admin` has no [profile admin] section in ~/.aws/config');
    expect(queryTestId(root, 'guide-wire-force-admin')).toBeNull();
  });
});

describe('guide: check step', () => {
  it('checks every wired profile on arrival, showing the ARN or what to do', async () => {
    let finish: (v: ProfileIdentity) => void = () => undefined;
    api.checkProfile = vi
      .fn()
      .mockImplementationOnce(() => new Promise<ProfileIdentity>((r) => (finish = r)))
      .mockRejectedValueOnce(
        new CommandError('tray_not_running', 'the Otpilot tray is not running; start it with otpilot-tray'),
      );
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'wire', skipped: [] }));
    await mount([DEVICE], [BASE, { ...ADMIN, wired: true }, { ...DEV, wired: true }]);
    byTestId(root, 'guide-next').click();
    await settle();
    expect(byTestId(root, 'guide-check-admin').textContent).toContain('checking…');
    expect(byTestId(root, 'guide-check-dev').textContent).toContain('checking…');
    expect(byTestId<HTMLButtonElement>(root, 'guide-check-run').disabled).toBe(true);
    expect(queryTestId(root, 'guide-check-base')).toBeNull();
    finish(identity('admin'));
    await settle();
    expect(byTestId(root, 'guide-check-arn-admin').textContent).toBe(
      'arn:aws:sts::111122223333:assumed-role/Admin/otpilot-admin',
    );
    expect(byTestId(root, 'guide-check-dev').textContent).toContain('start it with otpilot-tray');
    expect(stateOf('check')).toBe('current');
    expect(byTestId(root, 'guide-step-note').textContent).toBe('');

    api.checkProfile = vi.fn(async (p: string) => identity(p));
    byTestId(root, 'guide-check-run').click();
    await settle();
    expect(byTestId(root, 'guide-check-arn-dev').textContent).toContain('otpilot-dev');
    expect(byTestId(root, 'guide-step-note').textContent).toBe('This step is done.');
    byTestId(root, 'guide-next').click();
    expect(stateOf('check')).toBe('done');
  });

  it('runs on a resumed window once the profiles are read', async () => {
    api.checkProfile = vi.fn(async (p: string) => identity(p));
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'check', skipped: [] }));
    await mount([DEVICE], [{ ...ADMIN, wired: true }]);
    expect(api.checkProfile).toHaveBeenCalledWith('admin');
    expect(queryTestId(root, 'guide-check-arn-admin')).not.toBeNull();
  });

  it('says when no profile is wired', async () => {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'check', skipped: [] }));
    await mount([DEVICE], [ADMIN]);
    expect(queryTestId(root, 'guide-check-none')).not.toBeNull();
    expect(api.checkProfile).not.toHaveBeenCalled();
  });
});

describe('guide: done step', () => {
  it('shows what works now, opens the console, and finishes at the profiles', async () => {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify({ current: 'done', skipped: ['keys'] }));
    await mount([DEVICE], [BASE, { ...ADMIN, wired: true }]);
    const row = byTestId(root, 'guide-done-admin');
    expect(row.textContent).toContain('aws sts get-caller-identity --profile admin');
    expect(row.textContent).toContain('otpilot exec admin -- terraform plan');
    expect(queryTestId(root, 'guide-done-base')).toBeNull();
    byTestId(root, 'guide-console-admin').click();
    await settle();
    expect(api.openConsole).toHaveBeenCalledWith('admin', null, null);
    expect(byTestId(root, 'guide-console-status-admin').textContent).toBe('Console opened in your browser');
    byTestId(root, 'guide-finish').click();
    expect(location.hash).toBe('#/profiles');
    expect(localStorage.getItem(PROGRESS_KEY)).toBeNull();
  });
});
