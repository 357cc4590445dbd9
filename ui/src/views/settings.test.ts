import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DeviceView } from '../lib/api';
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
    for (const input of root.querySelectorAll('input')) {
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
    });
    expect(byTestId(root, 'settings-status').textContent).toBe('Saved');
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
