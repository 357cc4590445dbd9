import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceView, ExportImportResult, ImportExportArgs, PlannedDeviceView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountDevices } from './devices';
import { DELETE_EXPORT_HINT } from './importExport.model';

const ALICE: PlannedDeviceView = {
  name: 'phone-GitHub-alice',
  issuer: 'GitHub',
  account: 'alice',
  serial: null,
  serialGuessed: false,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
};

const AWS: PlannedDeviceView = {
  name: 'phone-Amazon-Web-Services-alice-111122223333',
  issuer: 'Amazon Web Services',
  account: 'alice@111122223333',
  serial: 'arn:aws:iam::111122223333:mfa/alice',
  serialGuessed: true,
  algorithm: 'SHA256',
  digits: 8,
  period: 60,
};

const PLAN: ExportImportResult = {
  format: 'Aegis export',
  dryRun: true,
  devices: [ALICE, AWS],
  skipped: [{ label: 'Steam (alice)', reason: 'Steam Guard codes are not TOTP' }],
  warnings: ['check the guessed MFA serial'],
};

const asDevice = (d: PlannedDeviceView): DeviceView => ({
  name: d.name,
  serial: d.serial,
  issuer: d.issuer,
  account: d.account,
  algorithm: d.algorithm,
  digits: d.digits,
  period: d.period,
  askBeforeUse: false,
  sealed: false,
  tpmPin: false,
});

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date(2026, 10, 22, 12, 0, 0) });
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
  vi.useRealTimers();
});

async function mount(): Promise<void> {
  unmount = mountDevices(root, fakeDeps(api));
  await settle();
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event('input', { bubbles: true }));
}

function pressEnter(input: HTMLInputElement): KeyboardEvent {
  const e = new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true });
  input.dispatchEvent(e);
  return e;
}

const input = (id: string): HTMLInputElement => byTestId<HTMLInputElement>(root, id);

/** Chooses the export source and types the path (and prefix). */
async function chooseExport(path = '~/Downloads/aegis.json', prefix = ''): Promise<void> {
  await mount();
  byTestId(root, 'add-source-export').click();
  type(input('import-path'), path);
  if (prefix !== '') type(input('import-prefix'), prefix);
}

/** Previews `PLAN` (no password) and waits for it. */
async function showPlan(plan: ExportImportResult = PLAN): Promise<void> {
  api.importExport = vi.fn(async (args: ImportExportArgs) => ({ ...plan, dryRun: args.dryRun }));
  await chooseExport('~/Downloads/aegis.json', 'phone');
  byTestId(root, 'import-preview').click();
  await settle();
}

describe('add form: an authenticator app’s export', () => {
  it('takes the place of the form’s own fields while chosen, and gives them back', async () => {
    await mount();
    const nameField = input('add-name').closest('.field') as HTMLElement;
    const panel = byTestId(root, 'import-panel');
    expect([nameField.hidden, panel.hidden]).toEqual([false, true]);
    byTestId(root, 'add-source-export').click();
    expect(nameField.hidden).toBe(true);
    expect(panel.hidden).toBe(false);
    for (const id of ['add-serial', 'add-secret', 'add-path', 'add-force']) {
      expect((input(id).closest('.field') as HTMLElement).hidden, id).toBe(true);
    }
    for (const id of ['add-submit', 'add-error', 'add-warnings', 'add-result']) {
      expect(byTestId(root, id).closest('[hidden]'), id).not.toBeNull();
    }
    const path = input('import-path');
    expect(path.closest('[hidden]')).toBeNull();
    expect(path.placeholder).toBe('~/Downloads/aegis-export.json');
    expect(root.textContent).toContain('Bitwarden (JSON or CSV, unencrypted)');
    // The password field shows only once the export turns out to be encrypted.
    expect(byTestId(root, 'import-password-field').hidden).toBe(true);
    byTestId(root, 'add-source-secret').click();
    expect([nameField.hidden, panel.hidden]).toEqual([false, true]);
    expect(byTestId(root, 'add-submit').closest('[hidden]')).toBeNull();
  });

  it('refuses an empty path without calling the shell', async () => {
    await chooseExport('  ');
    byTestId(root, 'import-preview').click();
    await settle();
    expect(api.importExport).not.toHaveBeenCalled();
    expect(byTestId(root, 'import-error').textContent).toBe('Enter the path of the export file');
    expect(input('import-path').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input('import-path'));
  });

  it('previews, asks for the password, previews again, then adds what the plan showed', async () => {
    api.importExport = vi
      .fn()
      .mockRejectedValueOnce(
        new CommandError('password_needed', 'aegis.json (Aegis export) is encrypted; give its password'),
      )
      .mockResolvedValueOnce(PLAN)
      .mockResolvedValueOnce({ ...PLAN, dryRun: false, skipped: [], warnings: [] });
    await chooseExport('~/Downloads/aegis.json', ' phone ');
    // Enter in the path field previews; the add form around it does not submit.
    const enter = pressEnter(input('import-path'));
    expect(enter.defaultPrevented).toBe(true);
    await settle();
    expect(api.importExport).toHaveBeenLastCalledWith({
      path: '~/Downloads/aegis.json',
      password: null,
      prefix: 'phone',
      dryRun: true,
    });
    const passwordField = byTestId(root, 'import-password-field');
    const password = input('import-password');
    expect(passwordField.hidden).toBe(false);
    expect(password.type).toBe('password');
    expect(password.getAttribute('autocomplete')).toBe('off');
    expect(document.activeElement).toBe(password);
    expect(passwordField.textContent).toContain('Password of the export');
    expect(passwordField.textContent).toContain(
      'The export is encrypted. The password is used to read it and is not kept.',
    );
    expect(byTestId(root, 'import-notice').textContent).toBe(
      'This export is encrypted: enter its password, then Preview again.',
    );
    expect(byTestId(root, 'import-error').textContent).toBe('');
    expect(queryTestId(root, 'import-plan')?.hidden).toBe(true);

    type(password, 'correct horse');
    pressEnter(password);
    await settle();
    expect(api.importExport).toHaveBeenLastCalledWith({
      path: '~/Downloads/aegis.json',
      password: 'correct horse',
      prefix: 'phone',
      dryRun: true,
    });
    const plan = byTestId(root, 'import-plan');
    expect(plan.hidden).toBe(false);
    expect(byTestId(root, 'import-notice').textContent).toBe('');
    expect(byTestId(plan, 'import-summary').textContent).toBe('From the Aegis export: 2 devices to add, 1 skipped.');
    const rows = plan.querySelectorAll('[data-testid="import-device"]');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toBe('phone-GitHub-alice — GitHub · alice');
    expect(rows[1]?.textContent).toContain('SHA256 · 8 digits · 60 s');
    expect(rows[1]?.textContent).toContain(
      'MFA serial arn:aws:iam::111122223333:mfa/alice (guessed from the account label — check it)',
    );
    expect(rows[0]?.querySelector('.mono')?.textContent).toBe('phone-GitHub-alice');
    expect(byTestId(plan, 'import-skipped').textContent).toBe('Steam (alice) — Steam Guard codes are not TOTP');
    expect(plan.textContent).toContain('Please note:');
    expect(plan.textContent).toContain('check the guessed MFA serial');
    const confirm = byTestId<HTMLButtonElement>(plan, 'import-confirm');
    expect(confirm.textContent).toBe('Add 2 devices');
    expect(confirm.classList.contains('primary')).toBe(true);
    expect(byTestId(root, 'import-preview').classList.contains('primary')).toBe(false);

    api.listDevices = vi.fn(async () => [asDevice(ALICE), asDevice(AWS)]);
    confirm.click();
    await settle();
    expect(api.importExport).toHaveBeenCalledTimes(3);
    expect(api.importExport).toHaveBeenLastCalledWith({
      path: '~/Downloads/aegis.json',
      password: 'correct horse',
      prefix: 'phone',
      dryRun: false,
    });
    const result = byTestId(root, 'import-result');
    expect(result.textContent).toBe(
      `Added phone-GitHub-alice and phone-Amazon-Web-Services-alice-111122223333. ${DELETE_EXPORT_HINT}`,
    );
    expect(result.classList.contains('success')).toBe(true);
    expect(result.getAttribute('aria-live')).toBe('polite');
    // Nothing of the export stays in the page.
    expect(plan.hidden).toBe(true);
    expect(password.value).toBe('');
    expect(passwordField.hidden).toBe(true);
    expect(input('import-path').value).toBe('');
    expect(input('import-prefix').value).toBe('');
    expect(root.innerHTML).not.toContain('correct horse');
    // The list shows the new devices.
    await settle();
    expect(byTestId(root, 'device-row-phone-GitHub-alice')).toBeTruthy();
    expect(api.addDevice).not.toHaveBeenCalled();
  });

  it('empties a wrong password and keeps its field, focused, with the shell’s message', async () => {
    const wrong = 'wrong password for aegis.json (Aegis export); nothing was added';
    api.importExport = vi
      .fn()
      .mockRejectedValueOnce(new CommandError('password_needed', 'encrypted'))
      .mockRejectedValueOnce(new CommandError('wrong_password', wrong));
    await chooseExport();
    byTestId(root, 'import-preview').click();
    await settle();
    type(input('import-password'), 'nope');
    byTestId(root, 'import-preview').click();
    await settle();
    expect(byTestId(root, 'import-error').textContent).toBe(wrong);
    expect(input('import-password').value).toBe('');
    expect(byTestId(root, 'import-password-field').hidden).toBe(false);
    expect(document.activeElement).toBe(input('import-password'));
  });

  it('shows any other refusal as the shell words it', async () => {
    api.importExport = vi.fn(async () => {
      throw new CommandError('invalid_input', 'notes.txt is not an authenticator export Otpilot reads');
    });
    await chooseExport('~/notes.txt');
    byTestId(root, 'import-preview').click();
    await settle();
    const error = byTestId(root, 'import-error');
    expect(error.textContent).toBe('notes.txt is not an authenticator export Otpilot reads');
    expect(error.getAttribute('aria-live')).toBe('polite');
    expect(byTestId(root, 'import-password-field').hidden).toBe(true);
  });

  it('says when there is nothing to add, with the reasons, and offers no Add button', async () => {
    await showPlan({
      ...PLAN,
      devices: [],
      skipped: [
        { label: 'GitHub (alice)', reason: 'its seed is already in Otpilot as `GitHub-alice`' },
        { label: 'GitLab (bob)', reason: 'its seed is already in Otpilot as `GitLab-bob`' },
      ],
      warnings: [],
    });
    expect(byTestId(root, 'import-summary').textContent).toBe(
      'Nothing to add from the Aegis export: all 2 entries are skipped.',
    );
    expect(root.querySelectorAll('[data-testid="import-skipped"]')).toHaveLength(2);
    expect(byTestId(root, 'import-confirm').hidden).toBe(true);
    expect(byTestId(root, 'import-cancel').hidden).toBe(false);
  });

  it('cancels: the plan goes, the path stays', async () => {
    await showPlan();
    byTestId(root, 'import-cancel').click();
    expect(byTestId(root, 'import-plan').hidden).toBe(true);
    expect(input('import-path').value).toBe('~/Downloads/aegis.json');
    expect(document.activeElement).toBe(input('import-path'));
  });

  it('discards the plan when the path or prefix is edited', async () => {
    await showPlan();
    expect(byTestId(root, 'import-plan').hidden).toBe(false);
    type(input('import-prefix'), 'tablet');
    expect(byTestId(root, 'import-plan').hidden).toBe(true);
    expect(root.querySelector('[data-testid="import-device"]')).toBeNull();
  });

  it('turns the buttons off while a call runs', async () => {
    let answer: (r: ExportImportResult) => void = () => undefined;
    await showPlan();
    api.importExport = vi.fn(() => new Promise<ExportImportResult>((r) => (answer = r)));
    byTestId(root, 'import-confirm').click();
    await settle();
    for (const id of ['import-confirm', 'import-cancel', 'import-preview']) {
      expect(byTestId<HTMLButtonElement>(root, id).disabled, id).toBe(true);
    }
    expect(input('import-path').readOnly).toBe(true);
    byTestId(root, 'import-confirm').click();
    pressEnter(input('import-path'));
    await settle();
    expect(api.importExport).toHaveBeenCalledTimes(1);
    answer({ ...PLAN, dryRun: false });
    await settle();
    expect(byTestId<HTMLButtonElement>(root, 'import-preview').disabled).toBe(false);
    expect(input('import-path').readOnly).toBe(false);
  });

  it('keeps the plan when the import is refused', async () => {
    await showPlan();
    api.importExport = vi.fn(async () => {
      throw new CommandError('invalid_input', 'cannot read aegis.json (Aegis export): it changed; nothing was added');
    });
    byTestId(root, 'import-confirm').click();
    await settle();
    expect(byTestId(root, 'import-error').textContent).toBe(
      'cannot read aegis.json (Aegis export): it changed; nothing was added',
    );
    expect(byTestId(root, 'import-plan').hidden).toBe(false);
    expect(byTestId<HTMLButtonElement>(root, 'import-confirm').disabled).toBe(false);
  });

  it('forgets the plan and the password when another source is chosen', async () => {
    api.importExport = vi
      .fn()
      .mockRejectedValueOnce(new CommandError('password_needed', 'encrypted'))
      .mockResolvedValueOnce(PLAN);
    await chooseExport();
    byTestId(root, 'import-preview').click();
    await settle();
    type(input('import-password'), 'correct horse');
    byTestId(root, 'import-preview').click();
    await settle();
    expect(byTestId(root, 'import-plan').hidden).toBe(false);
    byTestId(root, 'add-source-qr').click();
    expect(input('import-password').value).toBe('');
    byTestId(root, 'add-source-export').click();
    expect(byTestId(root, 'import-plan').hidden).toBe(true);
    expect(byTestId(root, 'import-password-field').hidden).toBe(true);
    expect(input('import-path').value).toBe('~/Downloads/aegis.json');
  });

  it('previews, never adds, when the add form is submitted with the export chosen', async () => {
    await chooseExport();
    byTestId<HTMLFormElement>(root, 'add-form').dispatchEvent(new Event('submit', { cancelable: true }));
    await settle();
    expect(api.addDevice).not.toHaveBeenCalled();
    expect(api.importExport).toHaveBeenCalledWith({
      path: '~/Downloads/aegis.json',
      password: null,
      prefix: null,
      dryRun: true,
    });
  });
});
