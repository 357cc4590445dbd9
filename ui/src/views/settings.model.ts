// The settings view's state and decisions: the form as loaded, what a save sends (watched
// profiles and devices not shown are kept), which fields are wrong, and what the form shows
// after an answer. No DOM, no api: `mountSettings` reads the inputs, calls the shell and
// feeds both in here.

import type { DeviceView, SettingsView } from '../lib/api';
import { validateSettings, type SettingsField } from '../lib/validate';

/** The form's inputs as text and ticks, as the user sees them. */
export type SettingsFormValues = {
  refreshMarginSeconds: string;
  clipboardClearSeconds: string;
  startAtLogin: boolean;
  globalShortcut: string;
  /** A device name, or "" for the first device. */
  defaultDevice: string;
  /** The listed devices whose "ask before use" box is ticked. */
  askBeforeUse: string[];
};

export type Choice = { value: string; label: string };

/** What the form offers; fixed when it is built (once per load). */
export type SettingsChoices = {
  defaultDevice: Choice[];
  /** The devices that get an "ask before use" box. */
  askDevices: string[];
};

export type SettingsForm = {
  /** The settings as last loaded or saved: what a save builds on. */
  base: SettingsView;
  choices: SettingsChoices;
  /**
   * What the inputs hold as far as the model knows: set on load, on submit (what was
   * typed) and after a save (what the shell kept). A new object only then, so the render
   * writes it into the inputs only then, never over typing it has not seen.
   */
  values: SettingsFormValues;
  saving: boolean;
  status: string;
  error: string;
  /** The fields the last submit found wrong; null before the first submit. */
  invalid: SettingsField[] | null;
};

export type SettingsState = {
  loadError: string;
  /** null until loaded (or when loading failed). */
  form: SettingsForm | null;
};

export const SETTINGS_FIELDS: readonly SettingsField[] = [
  'refreshMarginSeconds',
  'clipboardClearSeconds',
  'globalShortcut',
];

export function initialSettings(): SettingsState {
  return { loadError: '', form: null };
}

/**
 * The default device's options: "First device", each device, and the chosen device when it
 * is not listed (removed since, or the list did not load: `devices` null), so it stays
 * chosen until the user picks another.
 */
export function defaultDeviceChoices(devices: readonly DeviceView[] | null, chosen: string | null): Choice[] {
  const listed = devices ?? [];
  const choices: Choice[] = [{ value: '', label: 'First device' }, ...listed.map((d) => ({ value: d.name, label: d.name }))];
  if (chosen && !listed.some((d) => d.name === chosen)) {
    choices.push({ value: chosen, label: devices ? `${chosen} (not found)` : chosen });
  }
  return choices;
}

function valuesOf(s: SettingsView, askDevices: readonly string[]): SettingsFormValues {
  return {
    refreshMarginSeconds: String(s.refreshMarginSeconds),
    clipboardClearSeconds: String(s.clipboardClearSeconds),
    startAtLogin: s.startAtLogin,
    globalShortcut: s.globalShortcut ?? '',
    defaultDevice: s.defaultDevice ?? '',
    askBeforeUse: askDevices.filter((name) => s.askBeforeUse.includes(name)),
  };
}

/** Loaded; `devices` null: the device list could not be read (a locked keyring, say). */
export function loaded(state: SettingsState, settings: SettingsView, devices: readonly DeviceView[] | null): SettingsState {
  const askDevices = (devices ?? []).map((d) => d.name);
  return {
    ...state,
    form: {
      base: settings,
      choices: { defaultDevice: defaultDeviceChoices(devices, settings.defaultDevice), askDevices },
      values: valuesOf(settings, askDevices),
      saving: false,
      status: '',
      error: '',
      invalid: null,
    },
  };
}

export function loadFailed(state: SettingsState, message: string): SettingsState {
  return { ...state, loadError: message, form: null };
}

function withForm(state: SettingsState, change: (form: SettingsForm) => Partial<SettingsForm>): SettingsState {
  return state.form ? { ...state, form: { ...state.form, ...change(state.form) } } : state;
}

/** Typing after a save: "Saved" no longer describes the form. */
export function edited(state: SettingsState): SettingsState {
  if (!state.form || state.form.status === '') return state;
  return withForm(state, () => ({ status: '' }));
}

export type Submitted = {
  state: SettingsState;
  /** What to save (before the latest watched profiles are put in); null: nothing. */
  save: SettingsView | null;
  /** The first wrong field, to focus; null when none. */
  focus: SettingsField | null;
};

/** Save pressed with the inputs holding `values`. */
export function submitted(state: SettingsState, values: SettingsFormValues): Submitted {
  const form = state.form;
  if (!form) return { state, save: null, focus: null };
  // Names of devices not shown (removed since) are kept as they were.
  const shown = new Set(form.choices.askDevices);
  const askBeforeUse = [...form.base.askBeforeUse.filter((n) => !shown.has(n)), ...values.askBeforeUse];
  const checked = validateSettings({ ...values, askBeforeUse }, form.base);
  const base = { ...form, values, status: '', error: '' };
  if (!checked.ok) {
    const invalid = SETTINGS_FIELDS.filter((f) => f in checked.errors);
    const error = invalid.map((f) => checked.errors[f]).join('. ');
    return { state: { ...state, form: { ...base, invalid, error } }, save: null, focus: invalid[0] ?? null };
  }
  return { state: { ...state, form: { ...base, invalid: [], saving: true } }, save: checked.value, focus: null };
}

/** Watched profiles are edited on the profiles page: the save takes the latest list. */
export function saveBody(request: SettingsView, latest: SettingsView): SettingsView {
  return { ...request, watchedProfiles: latest.watchedProfiles };
}

/** Saved: the form shows what the shell kept (a trimmed shortcut, say) and says so. */
export function saved(state: SettingsState, settings: SettingsView): SettingsState {
  return withForm(state, (form) => {
    const kept = valuesOf(settings, form.choices.askDevices);
    return {
      base: settings,
      // The ask boxes stay as they were ticked.
      values: { ...kept, askBeforeUse: form.values.askBeforeUse },
      saving: false,
      status: 'Saved',
    };
  });
}

/** Not saved: what was typed stays, so a refused shortcut ("invalid_input") can be corrected. */
export function saveFailed(state: SettingsState, message: string): SettingsState {
  return withForm(state, () => ({ saving: false, error: message }));
}

// ---- what the view shows ----

export type SettingsBody = { kind: 'loading' } | { kind: 'none' } | { kind: 'form'; form: SettingsForm };

export function settingsBody(state: SettingsState): SettingsBody {
  if (state.form) return { kind: 'form', form: state.form };
  return state.loadError === '' ? { kind: 'loading' } : { kind: 'none' };
}

/** Each checked field's aria-invalid; null before the first submit (no attribute). */
export function fieldsInvalid(form: SettingsForm): Record<SettingsField, boolean> | null {
  const invalid = form.invalid;
  if (invalid === null) return null;
  return {
    refreshMarginSeconds: invalid.includes('refreshMarginSeconds'),
    clipboardClearSeconds: invalid.includes('clipboardClearSeconds'),
    globalShortcut: invalid.includes('globalShortcut'),
  };
}

/** Save is off while a save is on its way. */
export function saveDisabled(form: SettingsForm): boolean {
  return form.saving;
}
