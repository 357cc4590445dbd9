import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
const listen = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: (...args: unknown[]) => listen(...args) }));

const api = await import('./api');
const { CommandError, toCommandError } = api;

beforeEach(() => {
  invoke.mockReset();
  listen.mockReset();
});

describe('toCommandError', () => {
  it('keeps the kind and message the shell sends', () => {
    const e = toCommandError({ kind: 'keyring_locked', message: 'unlock your keyring' });
    expect(e).toBeInstanceOf(CommandError);
    expect(e).toBeInstanceOf(Error);
    expect(e.kind).toBe('keyring_locked');
    expect(e.message).toBe('unlock your keyring');
  });

  it('turns strings (Tauri’s own errors) into kind "other"', () => {
    const e = toCommandError('command add_device not found');
    expect(e.kind).toBe('other');
    expect(e.message).toBe('command add_device not found');
  });

  it('maps unknown kinds to "other", keeping the message and the kind as sent', () => {
    // The core has finer kinds ("timeout", "denied", "seed_missing", ...) than the UI's list.
    expect(toCommandError({ kind: 'timeout', message: 'm' })).toMatchObject({
      kind: 'other',
      rawKind: 'timeout',
      message: 'm',
    });
    expect(toCommandError({ kind: 'aws', message: 'm' }).rawKind).toBe('aws');
  });

  it('knows the tray_not_running kind', () => {
    const message = 'the Otpilot tray is not running (no answer on its socket); start it with otpilot-tray';
    expect(toCommandError({ kind: 'tray_not_running', message })).toMatchObject({
      kind: 'tray_not_running',
      rawKind: 'tray_not_running',
      message,
    });
  });

  it('knows the foreign_credential_process kind, so views can offer to replace it', () => {
    const message = 'profile `dev` already has credential_process = aws-vault exec dev; pass --force to replace it';
    expect(toCommandError({ kind: 'foreign_credential_process', message })).toMatchObject({
      kind: 'foreign_credential_process',
      rawKind: 'foreign_credential_process',
      message,
    });
  });

  it('gives a known kind without a message a readable one', () => {
    expect(toCommandError({ kind: 'not_found' })).toMatchObject({ kind: 'not_found', message: 'not found' });
  });

  it('handles Errors, nothing, and odd values', () => {
    expect(toCommandError(new TypeError('window.__TAURI_INTERNALS__ is undefined'))).toMatchObject({
      kind: 'other',
      message: 'window.__TAURI_INTERNALS__ is undefined',
    });
    expect(toCommandError(undefined)).toMatchObject({ kind: 'other', message: 'Unknown error' });
    expect(toCommandError(null).message).toBe('Unknown error');
    expect(toCommandError('').message).toBe('Unknown error');
    expect(toCommandError(42).message).toBe('42');
  });

  it('returns a CommandError unchanged', () => {
    const e = new CommandError('aws', 'AccessDenied');
    expect(toCommandError(e)).toBe(e);
  });
});

describe('commands', () => {
  it('rejects with a CommandError built from the shell’s payload', async () => {
    invoke.mockRejectedValueOnce({ kind: 'exists', message: 'a device named work exists' });
    const err = await api.addDevice({
      name: 'work',
      secret: 'JBSWY3DPEHPK3PXP',
      qrPath: null,
      awsSeedFile: null,
      serial: null,
      force: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect(err).toMatchObject({ kind: 'exists', message: 'a device named work exists' });
  });

  it('rejects with a CommandError when the rejection is a string', async () => {
    invoke.mockRejectedValueOnce('invalid args `name` for command `remove_device`');
    await expect(api.removeDevice('x')).rejects.toMatchObject({ kind: 'other' });
  });

  it('passes camelCase arguments under the contract’s names', async () => {
    invoke.mockResolvedValue(undefined);
    await api.addDevice({ name: 'w', secret: null, qrPath: '/q.png', awsSeedFile: null, serial: 'S', force: true });
    await api.renameDevice('old-name', 'new-name');
    await api.setDeviceSerial('w', null);
    await api.openConsole('admin', 's3', null);
    await api.mfaEnroll('admin', 'otpilot-laptop');
    await api.mfaEnroll('admin', null);
    await api.recentActivity(100);
    await api.importExport({ path: '~/aegis.json', password: 'pw', prefix: null, dryRun: true });
    await api.saveSettings({
      refreshMarginSeconds: 1,
      clipboardClearSeconds: 2,
      startAtLogin: true,
      watchedProfiles: [],
      askBeforeUse: [],
      globalShortcut: 'Ctrl+Alt+O',
      defaultDevice: null,
    });
    expect(invoke.mock.calls).toEqual([
      ['add_device', { name: 'w', secret: null, qrPath: '/q.png', awsSeedFile: null, serial: 'S', force: true }],
      ['rename_device', { old: 'old-name', new: 'new-name' }],
      ['set_device_serial', { name: 'w', serial: null }],
      ['open_console', { profile: 'admin', service: 's3', region: null }],
      ['mfa_enroll', { profile: 'admin', deviceName: 'otpilot-laptop' }],
      ['mfa_enroll', { profile: 'admin', deviceName: null }],
      ['recent_activity', { limit: 100 }],
      ['import_export', { path: '~/aegis.json', password: 'pw', prefix: null, dryRun: true }],
      [
        'save_settings',
        {
          settings: {
            refreshMarginSeconds: 1,
            clipboardClearSeconds: 2,
            startAtLogin: true,
            watchedProfiles: [],
            askBeforeUse: [],
            globalShortcut: 'Ctrl+Alt+O',
            defaultDevice: null,
          },
        },
      ],
    ]);
  });

  it('passes the set-up commands’ arguments under the contract’s names', async () => {
    invoke.mockResolvedValue(undefined);
    await api.keysMove('base');
    await api.keysStore('base', 'AKIDEXAMPLE SECRETEXAMPLE', null);
    await api.keysStore('base', 'SECRETEXAMPLE', 'AKIDEXAMPLE');
    await api.wirePreview('admin', false);
    await api.wireProfile('admin', true);
    await api.unwirePreview('admin');
    await api.unwireProfile('admin');
    await api.checkProfile('admin');
    await api.mfaSwitchSerial('arn:old', 'arn:new');
    await api.accountReport({ profile: 'admin' });
    expect(invoke.mock.calls).toEqual([
      ['keys_move', { profile: 'base' }],
      ['keys_store', { profile: 'base', text: 'AKIDEXAMPLE SECRETEXAMPLE', accessKeyId: null }],
      ['keys_store', { profile: 'base', text: 'SECRETEXAMPLE', accessKeyId: 'AKIDEXAMPLE' }],
      ['wire_preview', { profile: 'admin', force: false }],
      ['wire_profile', { profile: 'admin', force: true }],
      ['unwire_preview', { profile: 'admin' }],
      ['unwire_profile', { profile: 'admin' }],
      ['check_profile', { profile: 'admin' }],
      ['mfa_switch_serial', { old: 'arn:old', new: 'arn:new' }],
      ['account_report', { profile: 'admin' }],
    ]);
  });

  it('calls argument-less commands without arguments and returns their result', async () => {
    invoke.mockResolvedValueOnce([{ name: 'work' }]);
    await expect(api.listDevices()).resolves.toEqual([{ name: 'work' }]);
    expect(invoke).toHaveBeenCalledWith('list_devices', undefined);
    invoke.mockResolvedValueOnce([{ profile: 'admin', mfaSerial: null }]);
    await expect(api.mfaEnrollCandidates()).resolves.toEqual([{ profile: 'admin', mfaSerial: null }]);
    expect(invoke).toHaveBeenLastCalledWith('mfa_enroll_candidates', undefined);
  });
});

describe('events', () => {
  it('delivers payloads and unsubscribes', async () => {
    const unlisten = vi.fn();
    let handler: ((e: { payload: unknown }) => void) | undefined;
    listen.mockImplementation(async (_name: string, fn: (e: { payload: unknown }) => void) => {
      handler = fn;
      return unlisten;
    });
    const seen: unknown[] = [];
    const off = api.onCredentialsFailed((p) => seen.push(p));
    expect(listen).toHaveBeenCalledWith('credentials://failed', expect.any(Function));
    await Promise.resolve();
    handler?.({ payload: { profile: 'admin', message: 'denied' } });
    expect(seen).toEqual([{ profile: 'admin', message: 'denied' }]);
    off();
    expect(unlisten).toHaveBeenCalledOnce();
    handler?.({ payload: { profile: 'admin', message: 'again' } });
    expect(seen).toHaveLength(1);
  });

  it('unlistens when unsubscribed before listen settled', async () => {
    const unlisten = vi.fn();
    listen.mockResolvedValue(unlisten);
    const off = api.onDevicesChanged(() => undefined);
    off();
    await new Promise((r) => setTimeout(r, 0));
    expect(unlisten).toHaveBeenCalledOnce();
  });

  it('uses the contract’s event names', () => {
    listen.mockResolvedValue(vi.fn());
    api.onCredentialsRefreshed(() => undefined)();
    api.onDevicesChanged(() => undefined)();
    api.onProfilesChanged(() => undefined)();
    expect(listen.mock.calls.map((c) => c[0])).toEqual([
      'credentials://refreshed',
      'devices://changed',
      'profiles://changed',
    ]);
  });

  it('does nothing outside Tauri', () => {
    listen.mockImplementation(() => {
      throw new TypeError('no __TAURI_INTERNALS__');
    });
    expect(() => api.onDevicesChanged(() => undefined)()).not.toThrow();
  });
});
