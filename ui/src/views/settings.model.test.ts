import { describe, expect, it } from 'vitest';
import type { DeviceView, SettingsView } from '../lib/api';
import { SETTINGS } from '../test/fakeApi';
import {
  defaultDeviceChoices,
  edited,
  fieldsInvalid,
  initialSettings,
  loadFailed,
  loaded,
  saveBody,
  saveDisabled,
  saveFailed,
  saved,
  settingsBody,
  submitted,
  type SettingsForm,
  type SettingsFormValues,
  type SettingsState,
} from './settings.model';

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

function formOf(state: SettingsState): SettingsForm {
  if (!state.form) throw new Error('no form');
  return state.form;
}

const ready = (settings: SettingsView = SETTINGS, devices: DeviceView[] | null = [device('work'), device('home')]): SettingsState =>
  loaded(initialSettings(), settings, devices);

/** The form's values as loaded, with `over` typed on top. */
const typed = (state: SettingsState, over: Partial<SettingsFormValues> = {}): SettingsFormValues => ({
  ...formOf(state).values,
  ...over,
});

describe('settings model: loading', () => {
  it('shows Loading… until the shell answers, and nothing but the error if it fails', () => {
    expect(settingsBody(initialSettings())).toEqual({ kind: 'loading' });
    const failed = loadFailed(initialSettings(), 'cannot read config.toml');
    expect(failed.loadError).toBe('cannot read config.toml');
    expect(settingsBody(failed)).toEqual({ kind: 'none' });
  });

  it('fills the form from the settings, ticking the devices that ask first', () => {
    const s = ready({ ...SETTINGS, askBeforeUse: ['gone', 'work'], globalShortcut: 'Ctrl+Alt+O', defaultDevice: 'home' });
    const form = formOf(s);
    expect(form.values).toEqual({
      refreshMarginSeconds: '900',
      clipboardClearSeconds: '20',
      startAtLogin: false,
      globalShortcut: 'Ctrl+Alt+O',
      defaultDevice: 'home',
      askBeforeUse: ['work'],
    });
    expect(form.choices.askDevices).toEqual(['work', 'home']);
    expect(form.choices.defaultDevice.map((c) => c.label)).toEqual(['First device', 'work', 'home']);
    expect([form.status, form.error, saveDisabled(form), fieldsInvalid(form)]).toEqual(['', '', false, null]);
  });
});

describe('settings model: the default device', () => {
  it('offers "First device" and each device', () => {
    expect(defaultDeviceChoices([device('work')], 'work')).toEqual([
      { value: '', label: 'First device' },
      { value: 'work', label: 'work' },
    ]);
  });

  it('keeps a chosen device that is no longer listed, marked as not found', () => {
    expect(defaultDeviceChoices([device('work')], 'gone').at(-1)).toEqual({ value: 'gone', label: 'gone (not found)' });
  });

  it('shows the chosen name as it is when the device list could not be read', () => {
    expect(defaultDeviceChoices(null, 'gone')).toEqual([
      { value: '', label: 'First device' },
      { value: 'gone', label: 'gone' },
    ]);
  });
});

describe('settings model: saving', () => {
  it('saves what was typed, keeping ask-before-use names of devices not shown', () => {
    const s = ready({ ...SETTINGS, askBeforeUse: ['gone', 'work'] });
    const out = submitted(s, typed(s, { clipboardClearSeconds: '30', startAtLogin: true, askBeforeUse: ['home'] }));
    expect(out.save).toEqual({ ...SETTINGS, clipboardClearSeconds: 30, startAtLogin: true, askBeforeUse: ['gone', 'home'] });
    expect(out.focus).toBeNull();
    const form = formOf(out.state);
    expect(saveDisabled(form)).toBe(true);
    expect(fieldsInvalid(form)).toEqual({ refreshMarginSeconds: false, clipboardClearSeconds: false, globalShortcut: false });
  });

  it('trims the shortcut and sends empty choices as null', () => {
    const s = ready({ ...SETTINGS, globalShortcut: 'Ctrl+Alt+O', defaultDevice: 'home' });
    expect(submitted(s, typed(s, { globalShortcut: '  Super+Shift+K  ', defaultDevice: 'work' })).save).toMatchObject({
      globalShortcut: 'Super+Shift+K',
      defaultDevice: 'work',
    });
    expect(submitted(s, typed(s, { globalShortcut: ' ', defaultDevice: '' })).save).toMatchObject({
      globalShortcut: null,
      defaultDevice: null,
    });
  });

  it('takes the latest watched profiles, edited on the profiles page meanwhile', () => {
    const request = { ...SETTINGS, watchedProfiles: ['old'] };
    expect(saveBody(request, { ...SETTINGS, watchedProfiles: ['admin'] })).toEqual({ ...SETTINGS, watchedProfiles: ['admin'] });
  });

  it('shows what the shell kept and says Saved, keeping the ticks', () => {
    const s = ready();
    const out = submitted(s, typed(s, { globalShortcut: ' Ctrl+Alt+P ', askBeforeUse: ['home'] }));
    const after = saved(out.state, { ...SETTINGS, globalShortcut: 'Ctrl+Alt+P', askBeforeUse: ['home'] });
    const form = formOf(after);
    expect(form.status).toBe('Saved');
    expect(saveDisabled(form)).toBe(false);
    expect(form.values.globalShortcut).toBe('Ctrl+Alt+P');
    expect(form.values.askBeforeUse).toEqual(['home']);
    // The next save builds on what was saved.
    expect(form.base.globalShortcut).toBe('Ctrl+Alt+P');
  });

  it('clears "Saved" once the user types again', () => {
    const s = ready();
    const after = saved(submitted(s, typed(s)).state, SETTINGS);
    expect(formOf(edited(after)).status).toBe('');
    // Typing with nothing to clear changes nothing.
    expect(edited(s)).toBe(s);
  });

  it('shows a refused save and keeps what was typed', () => {
    const s = ready();
    const out = submitted(s, typed(s, { globalShortcut: 'Ctrl+Alt+T', defaultDevice: 'home' }));
    const failed = saveFailed(out.state, 'the shortcut Ctrl+Alt+T is taken by another application');
    const form = formOf(failed);
    expect(form.error).toBe('the shortcut Ctrl+Alt+T is taken by another application');
    expect(form.status).toBe('');
    expect(form.values).toMatchObject({ globalShortcut: 'Ctrl+Alt+T', defaultDevice: 'home' });
    expect(saveDisabled(form)).toBe(false);
  });

  it('clears the last error and status when Save is pressed again', () => {
    const s = ready();
    const failed = saveFailed(submitted(s, typed(s)).state, 'cannot write config.toml');
    const again = formOf(submitted(failed, typed(failed)).state);
    expect([again.error, again.status]).toEqual(['', '']);
  });
});

describe('settings model: refusing bad input', () => {
  it('refuses a malformed shortcut without saving, pointing at the field', () => {
    const s = ready();
    const out = submitted(s, typed(s, { globalShortcut: 'Ctrl+Alt+' }));
    expect(out.save).toBeNull();
    expect(out.focus).toBe('globalShortcut');
    const form = formOf(out.state);
    expect(form.error).toMatch(/Ctrl\+Alt\+O/);
    expect(fieldsInvalid(form)).toEqual({ refreshMarginSeconds: false, clipboardClearSeconds: false, globalShortcut: true });
    expect(form.values.globalShortcut).toBe('Ctrl+Alt+');
    expect(saveDisabled(form)).toBe(false);
  });

  it('lists every wrong field in form order and focuses the first', () => {
    const s = ready();
    const out = submitted(s, typed(s, { refreshMarginSeconds: '', clipboardClearSeconds: '1', globalShortcut: 'K' }));
    expect(out.focus).toBe('refreshMarginSeconds');
    const form = formOf(out.state);
    expect(form.error).toBe(
      'Enter a whole number of seconds. Use 5 to 600 seconds. Add at least one modifier (Ctrl, Alt, Shift or Super), e.g. Ctrl+Alt+O',
    );
    expect(fieldsInvalid(form)).toEqual({ refreshMarginSeconds: true, clipboardClearSeconds: true, globalShortcut: true });
  });

  it('does nothing before the form is loaded', () => {
    const s = initialSettings();
    expect(submitted(s, typed(ready()))).toEqual({ state: s, save: null, focus: null });
  });
});
