import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandError, type DeviceView } from '../lib/api';
import { SETTINGS, byTestId, fakeApi, fakeDeps, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountSettings } from './settings';

const device = (name: string): DeviceView => ({
  name,
  serial: null,
  issuer: null,
  account: null,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  askBeforeUse: false,
  sealed: false,
  tpmPin: false,
});

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

describe('settings view', () => {
  it('loads, edits and saves, keeping watched profiles and removed devices', async () => {
    api.getSettings = vi.fn(async () => ({
      ...SETTINGS,
      watchedProfiles: ['admin'],
      askBeforeUse: ['gone', 'work'],
    }));
    api.listDevices = vi.fn(async () => [device('work'), device('home')]);
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    const clipboard = byTestId<HTMLInputElement>(root, 'settings-clipboard');
    const margin = byTestId<HTMLInputElement>(root, 'settings-margin');
    expect(clipboard.value).toBe('20');
    expect(margin.value).toBe('900');
    expect(byTestId<HTMLInputElement>(root, 'settings-ask-work').checked).toBe(true);
    expect(byTestId<HTMLInputElement>(root, 'settings-ask-home').checked).toBe(false);
    for (const input of root.querySelectorAll('input, select')) {
      expect(input.closest('label') ?? root.querySelector(`label[for="${input.id}"]`), input.id).not.toBeNull();
    }

    clipboard.value = '30';
    byTestId(root, 'settings-login').click();
    byTestId(root, 'settings-ask-work').click();
    byTestId(root, 'settings-ask-home').click();
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).toHaveBeenCalledWith({
      refreshMarginSeconds: 900,
      clipboardClearSeconds: 30,
      startAtLogin: true,
      watchedProfiles: ['admin'],
      askBeforeUse: ['gone', 'home'],
      globalShortcut: null,
      defaultDevice: null,
    });
    expect(byTestId(root, 'settings-status').textContent).toBe('Saved');
  });

  it('shows the global shortcut and default device and saves them trimmed', async () => {
    api.getSettings = vi.fn(async () => ({ ...SETTINGS, globalShortcut: 'Ctrl+Alt+O', defaultDevice: 'home' }));
    api.listDevices = vi.fn(async () => [device('work'), device('home')]);
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    const shortcut = byTestId<HTMLInputElement>(root, 'settings-global-shortcut');
    const select = byTestId<HTMLSelectElement>(root, 'settings-default-device');
    expect(shortcut.value).toBe('Ctrl+Alt+O');
    expect(shortcut.placeholder).toBe('e.g. Ctrl+Alt+O');
    expect(root.querySelector('label[for="settings-global-shortcut"]')?.textContent).toBe('Global shortcut');
    expect(root.querySelector('label[for="settings-default-device"]')?.textContent).toBe('Default device');
    expect(document.getElementById(shortcut.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/Wayland/);
    expect([...select.options].map((o) => [o.value, o.textContent])).toEqual([
      ['', 'First device'],
      ['work', 'work'],
      ['home', 'home'],
    ]);
    expect(select.value).toBe('home');

    shortcut.value = '  Super+Shift+K  ';
    select.value = 'work';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).toHaveBeenLastCalledWith(
      expect.objectContaining({ globalShortcut: 'Super+Shift+K', defaultDevice: 'work' }),
    );
    expect(shortcut.value).toBe('Super+Shift+K');
    expect(byTestId(root, 'settings-status').textContent).toBe('Saved');

    shortcut.value = ' ';
    select.value = '';
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).toHaveBeenLastCalledWith(
      expect.objectContaining({ globalShortcut: null, defaultDevice: null }),
    );
    expect(shortcut.value).toBe('');
    expect(select.value).toBe('');
  });

  it('keeps a default device that is no longer listed', async () => {
    api.getSettings = vi.fn(async () => ({ ...SETTINGS, defaultDevice: 'gone' }));
    api.listDevices = vi.fn(async () => [device('work')]);
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    const select = byTestId<HTMLSelectElement>(root, 'settings-default-device');
    expect(select.value).toBe('gone');
    expect(select.selectedOptions[0]?.textContent).toBe('gone (not found)');
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).toHaveBeenLastCalledWith(expect.objectContaining({ defaultDevice: 'gone' }));
    unmount();

    // Without the device list (a locked keyring), the name is all there is to show.
    api.listDevices = vi.fn(async () => {
      throw new CommandError('keyring_locked', 'locked');
    });
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    const again = byTestId<HTMLSelectElement>(root, 'settings-default-device');
    expect([...again.options].map((o) => [o.value, o.textContent])).toEqual([
      ['', 'First device'],
      ['gone', 'gone'],
    ]);
    expect(again.value).toBe('gone');
  });

  it('refuses a malformed shortcut without saving', async () => {
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    const shortcut = byTestId<HTMLInputElement>(root, 'settings-global-shortcut');
    shortcut.value = 'Ctrl+Alt+';
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).not.toHaveBeenCalled();
    expect(byTestId(root, 'settings-error').textContent).toMatch(/Ctrl\+Alt\+O/);
    expect(shortcut.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(shortcut);
    expect(shortcut.value).toBe('Ctrl+Alt+');
  });

  it('shows a refused shortcut and keeps what was typed', async () => {
    api.saveSettings = vi.fn(async () => {
      throw new CommandError('invalid_input', 'the shortcut Ctrl+Alt+T is taken by another application');
    });
    api.listDevices = vi.fn(async () => [device('work'), device('home')]);
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    const shortcut = byTestId<HTMLInputElement>(root, 'settings-global-shortcut');
    const select = byTestId<HTMLSelectElement>(root, 'settings-default-device');
    shortcut.value = 'Ctrl+Alt+T';
    select.value = 'home';
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).toHaveBeenCalledTimes(1);
    expect(byTestId(root, 'settings-error').textContent).toBe(
      'the shortcut Ctrl+Alt+T is taken by another application',
    );
    expect(byTestId(root, 'settings-status').textContent).toBe('');
    expect(shortcut.value).toBe('Ctrl+Alt+T');
    expect(select.value).toBe('home');
    expect(byTestId<HTMLButtonElement>(root, 'settings-save').disabled).toBe(false);
  });

  it('refuses bad numbers without saving', async () => {
    unmount = mountSettings(root, fakeDeps(api));
    await settle();
    byTestId<HTMLInputElement>(root, 'settings-margin').value = '';
    byTestId(root, 'settings-save').click();
    await settle();
    expect(api.saveSettings).not.toHaveBeenCalled();
    expect(byTestId(root, 'settings-error').textContent).toMatch(/whole number/);
    expect(byTestId(root, 'settings-margin').getAttribute('aria-invalid')).toBe('true');
  });
});
