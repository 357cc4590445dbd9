import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CodeView, DeviceView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountDevices } from './devices';

const WORK: DeviceView = {
  name: 'work',
  serial: 'arn:aws:iam::111122223333:mfa/alice',
  issuer: 'Amazon Web Services',
  account: 'alice@111122223333',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  askBeforeUse: false,
  sealed: false,
  tpmPin: false,
};

const code = (over: Partial<CodeView> = {}): CodeView => ({
  name: 'work',
  code: '123456',
  nextCode: '654321',
  remainingSeconds: 10,
  period: 30,
  sealed: false,
  ...over,
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

describe('devices view', () => {
  it('shows the empty state and no rows when there are no devices', async () => {
    await mount();
    expect(byTestId(root, 'devices-empty').textContent).toBe('No devices yet — add one below');
    expect(root.querySelector('[data-testid^="device-row-"]')).toBeNull();
    expect(api.deviceCodes).not.toHaveBeenCalled();
    // The add form is there to act on the empty state.
    expect(byTestId(root, 'add-submit').tagName).toBe('BUTTON');
  });

  it('renders a row with the raw code, grouped for display, and its countdown', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code()]);
    await mount();
    expect(queryTestId(root, 'devices-empty')).toBeNull();
    const row = byTestId(root, 'device-row-work');
    const codeEl = byTestId(row, 'code-work');
    expect(codeEl.textContent).toBe('123456');
    expect(Array.from(codeEl.children).map((c) => c.textContent)).toEqual(['123', '456']);
    expect(byTestId(row, 'remaining-work').textContent).toBe('10 s');
    expect(row.textContent).toContain('arn:aws:iam::111122223333:mfa/alice');
    for (const id of ['copy-work', 'qr-work', 'rename-work', 'remove-work']) {
      expect(byTestId(row, id).tagName, id).toBe('BUTTON');
    }
  });

  it('counts down locally, rolls over to the next code and refetches once per step', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi
      .fn()
      .mockResolvedValueOnce([code()])
      .mockResolvedValueOnce([code({ code: '654321', nextCode: '999999', remainingSeconds: 30 })]);
    await mount();
    await vi.advanceTimersByTimeAsync(4_000);
    expect(byTestId(root, 'remaining-work').textContent).toBe('6 s');
    expect(api.deviceCodes).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(6_500);
    expect(byTestId(root, 'code-work').textContent).toBe('654321');
    expect(api.deviceCodes).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.deviceCodes).toHaveBeenCalledTimes(2);
    expect(byTestId(root, 'code-work').textContent).toBe('654321');
  });

  it('copies through the shell and says when the clipboard clears', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code({ remainingSeconds: 30 })]);
    api.copyCode = vi.fn(async () => ({ clearsInSeconds: 20 }));
    await mount();
    byTestId(root, 'copy-work').click();
    await settle();
    expect(api.copyCode).toHaveBeenCalledWith('work');
    const copied = byTestId(root, 'copied-work');
    expect(copied.textContent).toBe('Copied — clears in 20 s');
    expect(copied.getAttribute('aria-live')).toBe('polite');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(copied.textContent).toBe('');
  });

  it('shows a locked keyring error and asks the shell to re-check its status', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => {
      throw new CommandError('keyring_locked', 'Your keyring is locked');
    });
    const deps = fakeDeps(api);
    unmount = mountDevices(root, deps);
    await settle();
    expect(byTestId(root, 'devices-error').textContent).toBe('Your keyring is locked');
    expect(byTestId(root, 'code-work').textContent).toBe('––––––');
    expect(deps.refreshStatus).toHaveBeenCalled();
    // Retries later, not on every tick.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(api.deviceCodes).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(api.deviceCodes).toHaveBeenCalledTimes(2);
  });

  it('asks before removing, then removes and reloads', async () => {
    api.listDevices = vi.fn().mockResolvedValueOnce([WORK]).mockResolvedValueOnce([]);
    api.deviceCodes = vi.fn(async () => [code({ remainingSeconds: 30 })]);
    await mount();
    byTestId(root, 'remove-work').click();
    expect(api.removeDevice).not.toHaveBeenCalled();
    byTestId(root, 'remove-confirm').click();
    await settle();
    expect(api.removeDevice).toHaveBeenCalledWith('work');
    expect(byTestId(root, 'devices-empty')).toBeTruthy();
  });

  it('cancels a confirmation with Escape and gives focus back', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code({ remainingSeconds: 30 })]);
    await mount();
    const trigger = byTestId<HTMLButtonElement>(root, 'remove-work');
    trigger.click();
    const confirm = byTestId(root, 'remove-confirm');
    expect(document.activeElement).toBe(confirm);
    confirm.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    expect(queryTestId(root, 'remove-confirm')).toBeNull();
    expect(document.activeElement).toBe(trigger);
    expect(api.removeDevice).not.toHaveBeenCalled();
  });

  it('shows the QR code only after confirmation', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code({ remainingSeconds: 30 })]);
    await mount();
    byTestId(root, 'qr-work').click();
    expect(api.deviceQrSvg).not.toHaveBeenCalled();
    expect(queryTestId(root, 'qr-image')).toBeNull();
    expect(root.textContent).toContain('Anyone who sees this QR code can make your codes');
    byTestId(root, 'qr-confirm').click();
    await settle();
    expect(api.deviceQrSvg).toHaveBeenCalledWith('work');
    expect(byTestId(root, 'qr-image').querySelector('svg path')).not.toBeNull();
  });

  it('badges a sealed device and offers no QR code for it', async () => {
    const vault: DeviceView = { ...WORK, name: 'vault', sealed: true };
    api.listDevices = vi.fn(async () => [WORK, vault]);
    api.deviceCodes = vi.fn(async () => [code(), code({ name: 'vault', code: '424242', sealed: true })]);
    await mount();
    const row = byTestId(root, 'device-row-vault');
    const badge = byTestId(row, 'tpm-vault');
    expect(badge.textContent).toBe('TPM');
    expect(badge.getAttribute('title')).toMatch(/^Seed sealed in this computer's TPM: .*cannot be read out/);
    expect(byTestId(row, 'code-vault').textContent).toBe('424242');
    expect(queryTestId(row, 'qr-vault')).toBeNull();
    expect(row.textContent).not.toContain('Show QR');
    for (const id of ['copy-vault', 'rename-vault', 'serial-vault', 'remove-vault']) {
      expect(byTestId(row, id).tagName, id).toBe('BUTTON');
    }
    // The unsealed row keeps its QR action and has no badge.
    const work = byTestId(root, 'device-row-work');
    expect(byTestId(work, 'qr-work').tagName).toBe('BUTTON');
    expect(queryTestId(work, 'tpm-work')).toBeNull();
  });

  it('shows "PIN needed" for a device that asks for a PIN, and copies it through the tray', async () => {
    const safe: DeviceView = { ...WORK, name: 'safe', sealed: true, tpmPin: true };
    api.listDevices = vi.fn(async () => [WORK, safe]);
    // `device_codes` leaves out a device whose sealed key asks for a PIN.
    api.deviceCodes = vi.fn(async () => [code()]);
    api.copyCode = vi.fn(async () => ({ clearsInSeconds: 20 }));
    await mount();
    const row = byTestId(root, 'device-row-safe');
    expect(byTestId(row, 'tpm-safe').textContent).toBe('TPM · PIN');
    expect(byTestId(row, 'tpm-safe').getAttribute('title')).toMatch(/PIN at every use/);
    const codeEl = byTestId(row, 'code-safe');
    expect(codeEl.textContent).toBe('PIN needed');
    expect(codeEl.querySelector('.code-pin')).not.toBeNull();
    expect(byTestId(row, 'remaining-safe').textContent).toBe('');
    expect(queryTestId(row, 'qr-safe')).toBeNull();
    // Not waited for: the other row's code is asked for again at its step boundary, as usual.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(api.deviceCodes).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5_500);
    expect(api.deviceCodes).toHaveBeenCalledTimes(2);
    expect(codeEl.textContent).toBe('PIN needed');
    const copy = byTestId(row, 'copy-safe');
    expect(copy.getAttribute('title')).toMatch(/tray asks for the TPM PIN/);
    copy.click();
    await settle();
    expect(api.copyCode).toHaveBeenCalledWith('safe');
    expect(byTestId(row, 'copied-safe').textContent).toBe('Copied — clears in 20 s');
  });

  it('shows the tray’s refusal of a wrong PIN on the row', async () => {
    const safe: DeviceView = { ...WORK, name: 'safe', sealed: true, tpmPin: true };
    api.listDevices = vi.fn(async () => [safe]);
    api.copyCode = vi.fn(async () => {
      throw new CommandError('other', 'The PIN is wrong; try again.', 'wrong_pin');
    });
    await mount();
    expect(api.deviceCodes).not.toHaveBeenCalled();
    byTestId(root, 'copy-safe').click();
    await settle();
    expect(byTestId(root, 'row-error-safe').textContent).toBe('The PIN is wrong; try again.');
  });

  it('validates a rename before calling the shell', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code({ remainingSeconds: 30 })]);
    api.renameDevice = vi.fn(async () => ({ ...WORK, name: 'prod' }));
    await mount();
    byTestId(root, 'rename-work').click();
    const input = byTestId<HTMLInputElement>(root, 'rename-input');
    expect(input.value).toBe('work');
    type(input, '-bad');
    byTestId(root, 'rename-save').click();
    await settle();
    expect(api.renameDevice).not.toHaveBeenCalled();
    expect(byTestId(root, 'row-error-work').textContent).toMatch(/start/);
    type(input, 'prod');
    byTestId(root, 'rename-save').click();
    await settle();
    expect(api.renameDevice).toHaveBeenCalledWith('work', 'prod');
  });

  it('reloads when the shell says devices changed', async () => {
    await mount();
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code()]);
    api.emitDevicesChanged();
    await settle();
    expect(byTestId(root, 'code-work').textContent).toBe('123456');
  });
});

describe('add device form', () => {
  it('shows validation errors inline without calling the shell', async () => {
    await mount();
    byTestId(root, 'add-submit').click();
    await settle();
    expect(api.addDevice).not.toHaveBeenCalled();
    const error = byTestId(root, 'add-error');
    expect(error.textContent).toMatch(/name/i);
    expect(error.textContent).toMatch(/secret/i);
    expect(byTestId(root, 'add-name').getAttribute('aria-invalid')).toBe('true');
  });

  it('sends one source, clears the secret and shows warnings', async () => {
    api.addDevice = vi.fn(async () => ({ added: [WORK], warnings: ['the seed is short (80 bits)'] }));
    await mount();
    type(byTestId(root, 'add-name'), 'work');
    type(byTestId(root, 'add-secret'), 'JBSWY3DPEHPK3PXP');
    byTestId(root, 'add-source-aws').click();
    type(byTestId(root, 'add-path'), '/tmp/seed.txt');
    byTestId(root, 'add-submit').click();
    await settle();
    expect(api.addDevice).toHaveBeenCalledWith({
      name: 'work',
      secret: null,
      qrPath: null,
      awsSeedFile: '/tmp/seed.txt',
      serial: null,
      force: false,
    });
    expect(byTestId<HTMLInputElement>(root, 'add-secret').value).toBe('');
    expect(byTestId(root, 'add-warnings').textContent).toContain('the seed is short (80 bits)');
    expect(byTestId(root, 'add-error').textContent).toBe('');
  });

  it('shows the shell’s error and keeps the input', async () => {
    api.addDevice = vi.fn(async () => {
      throw new CommandError('exists', 'a device named work already exists');
    });
    await mount();
    type(byTestId(root, 'add-name'), 'work');
    type(byTestId(root, 'add-secret'), 'JBSWY3DPEHPK3PXP');
    byTestId(root, 'add-submit').click();
    await settle();
    expect(byTestId(root, 'add-error').textContent).toContain('a device named work already exists');
    expect(byTestId<HTMLInputElement>(root, 'add-name').value).toBe('work');
  });

  it('shows only the field of the chosen source', async () => {
    await mount();
    const secretField = byTestId(root, 'add-secret').closest('.field') as HTMLElement;
    const pathField = byTestId(root, 'add-path').closest('.field') as HTMLElement;
    expect([secretField.hidden, pathField.hidden]).toEqual([false, true]);
    byTestId(root, 'add-source-qr').click();
    expect([secretField.hidden, pathField.hidden]).toEqual([true, false]);
    expect(pathField.querySelector('label')?.textContent).toMatch(/QR/);
  });
});

describe('accessibility', () => {
  it('labels every input and uses real buttons', async () => {
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi.fn(async () => [code({ remainingSeconds: 30 })]);
    await mount();
    byTestId(root, 'serial-work').click();
    const inputs = Array.from(root.querySelectorAll('input'));
    expect(inputs.length).toBeGreaterThan(5);
    for (const input of inputs) {
      const label = input.closest('label') ?? (input.id ? root.querySelector(`label[for="${input.id}"]`) : null);
      expect(label, input.getAttribute('data-testid') ?? input.id).not.toBeNull();
    }
    expect(byTestId<HTMLInputElement>(root, 'add-secret').type).toBe('password');
    for (const el of root.querySelectorAll('[data-testid^="copy-"], [data-testid^="remove-"], [data-testid="add-submit"]')) {
      expect(el.tagName).toBe('BUTTON');
    }
  });

  it('fetches again when the list changes during a fetch', async () => {
    let answer: (v: CodeView[]) => void = () => undefined;
    api.listDevices = vi.fn(async () => [WORK]);
    api.deviceCodes = vi
      .fn()
      .mockImplementationOnce(() => new Promise<CodeView[]>((r) => (answer = r)))
      .mockResolvedValue([code(), code({ name: 'home', code: '777888' })]);
    await mount();
    api.listDevices = vi.fn(async () => [WORK, { ...WORK, name: 'home' }]);
    api.emitDevicesChanged();
    await settle();
    answer([code()]);
    await settle();
    expect(api.deviceCodes).toHaveBeenCalledTimes(2);
    expect(byTestId(root, 'code-home').textContent).toBe('777888');
  });
});
