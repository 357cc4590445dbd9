// `#/settings`: refresh margin, clipboard clear delay, global shortcut and its device, start
// at login, ask-before-use.
//
// The state and its rules live in `settings.model.ts`; this file builds the form once,
// reads it on Save, calls the shell and draws the state.

import { h, replaceChildren, setText } from '../lib/dom';
import {
  MAX_CLIPBOARD_SECONDS,
  MAX_MARGIN_SECONDS,
  MIN_CLIPBOARD_SECONDS,
  MIN_MARGIN_SECONDS,
  type SettingsField,
} from '../lib/validate';
import { failure, type Unmount, type ViewDeps } from './context';
import {
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

/** The form's elements, once built. */
type FormEls = {
  form: HTMLFormElement;
  fields: Record<SettingsField, HTMLInputElement>;
  login: HTMLInputElement;
  defaultDevice: HTMLSelectElement;
  ask: HTMLInputElement[];
  save: HTMLButtonElement;
  status: HTMLElement;
  error: HTMLElement;
  /** The values last written into the inputs. */
  written: SettingsFormValues;
};

export function mountSettings(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialSettings();

  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const loadError = h('p', { class: 'error', testid: 'settings-load-error', 'aria-live': 'polite' });
  replaceChildren(
    root,
    h(
      'section',
      { class: 'view', 'aria-labelledby': 'settings-title' },
      h('h1', { id: 'settings-title' }, 'Settings'),
      loadError,
      body,
    ),
  );

  let els: FormEls | null = null;
  /** What the body was last built from: a phase, or the loaded form's choices. */
  let drawn: unknown = 'loading';

  function update(next: SettingsState): void {
    if (next === state) return;
    state = next;
    if (!disposed) render();
  }

  function render(): void {
    setText(loadError, state.loadError);
    const shown = settingsBody(state);
    const key = shown.kind === 'form' ? shown.form.choices : shown.kind;
    if (key !== drawn) {
      drawn = key;
      els = shown.kind === 'form' ? buildForm(shown.form) : null;
      replaceChildren(body, shown.kind === 'loading' ? h('p', { class: 'muted' }, 'Loading…') : els?.form);
    }
    if (els && state.form) paintForm(els, state.form);
  }

  function paintForm(e: FormEls, form: SettingsForm): void {
    if (e.written !== form.values) {
      e.written = form.values;
      const v = form.values;
      const set = (input: HTMLInputElement | HTMLSelectElement, value: string): void => {
        if (input.value !== value) input.value = value;
      };
      set(e.fields.refreshMarginSeconds, v.refreshMarginSeconds);
      set(e.fields.clipboardClearSeconds, v.clipboardClearSeconds);
      set(e.fields.globalShortcut, v.globalShortcut);
      set(e.defaultDevice, v.defaultDevice);
      e.login.checked = v.startAtLogin;
      for (const box of e.ask) box.checked = v.askBeforeUse.includes(box.value);
    }
    const invalid = fieldsInvalid(form);
    if (invalid) {
      for (const [field, input] of Object.entries(e.fields)) {
        input.setAttribute('aria-invalid', String(invalid[field as SettingsField]));
      }
    }
    e.save.disabled = saveDisabled(form);
    setText(e.status, form.status);
    setText(e.error, form.error);
  }

  function buildForm(initial: SettingsForm): FormEls {
    const { choices, values } = initial;
    const margin = h('input', {
      id: 'settings-margin',
      type: 'number',
      inputmode: 'numeric',
      min: MIN_MARGIN_SECONDS,
      max: MAX_MARGIN_SECONDS,
      step: 1,
      testid: 'settings-margin',
      value: values.refreshMarginSeconds,
      'aria-describedby': 'settings-margin-hint',
    });
    const clipboard = h('input', {
      id: 'settings-clipboard',
      type: 'number',
      inputmode: 'numeric',
      min: MIN_CLIPBOARD_SECONDS,
      max: MAX_CLIPBOARD_SECONDS,
      step: 1,
      testid: 'settings-clipboard',
      value: values.clipboardClearSeconds,
      'aria-describedby': 'settings-clipboard-hint',
    });
    const shortcut = h('input', {
      id: 'settings-global-shortcut',
      type: 'text',
      testid: 'settings-global-shortcut',
      placeholder: 'e.g. Ctrl+Alt+O',
      autocomplete: 'off',
      spellcheck: 'false',
      value: values.globalShortcut,
      'aria-describedby': 'settings-global-shortcut-hint',
    });
    const defaultDevice = h(
      'select',
      { id: 'settings-default-device', testid: 'settings-default-device', 'aria-describedby': 'settings-default-device-hint' },
      ...choices.defaultDevice.map((c) => h('option', { value: c.value }, c.label)),
    );
    defaultDevice.value = values.defaultDevice;
    const login = h('input', {
      id: 'settings-login',
      type: 'checkbox',
      testid: 'settings-login',
      checked: values.startAtLogin,
    });
    const ask = choices.askDevices.map((name) =>
      h('input', {
        type: 'checkbox',
        value: name,
        testid: `settings-ask-${name}`,
        checked: values.askBeforeUse.includes(name),
      }),
    );
    const save = h('button', { type: 'submit', class: 'primary', testid: 'settings-save' }, 'Save');
    const status = h('p', { class: 'success', testid: 'settings-status', 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: 'settings-error', 'aria-live': 'polite' });
    const fields: Record<SettingsField, HTMLInputElement> = {
      refreshMarginSeconds: margin,
      clipboardClearSeconds: clipboard,
      globalShortcut: shortcut,
    };

    const form = h(
      'form',
      { class: 'card settings-form', testid: 'settings-form', novalidate: true, 'aria-labelledby': 'settings-title' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'settings-margin' }, 'Refresh margin (seconds)'),
        margin,
        h(
          'p',
          { class: 'hint', id: 'settings-margin-hint' },
          'Credentials are refreshed when less than this is left. 900 (15 min) matches the AWS SDKs.',
        ),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'settings-clipboard' }, 'Clear copied codes after (seconds)'),
        clipboard,
        h('p', { class: 'hint', id: 'settings-clipboard-hint' }, 'Default 20; 5 to 600 seconds.'),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'settings-global-shortcut' }, 'Global shortcut'),
        shortcut,
        h(
          'p',
          { class: 'hint', id: 'settings-global-shortcut-hint' },
          "Copies the default device's code from anywhere. Leave empty for none. Works on X11 desktops; Wayland does not let apps take global shortcuts.",
        ),
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'settings-default-device' }, 'Default device'),
        defaultDevice,
        h('p', { class: 'hint', id: 'settings-default-device-hint' }, 'The device whose code the global shortcut copies.'),
      ),
      h('div', { class: 'field' }, h('label', { class: 'choice' }, login, 'Start Otpilot at login')),
      h(
        'fieldset',
        { class: 'field' },
        h('legend', {}, 'Ask before a program uses a device'),
        ask.length === 0
          ? h('p', { class: 'muted' }, 'No devices yet.')
          : h('div', { class: 'checklist' }, ...ask.map((box) => h('label', { class: 'choice' }, box, box.value))),
        h('p', { class: 'hint' }, 'A small window asks you to allow each use by credential_process.'),
      ),
      h('div', { class: 'buttons' }, save),
      status,
      error,
    );

    const read = (): SettingsFormValues => ({
      refreshMarginSeconds: margin.value,
      clipboardClearSeconds: clipboard.value,
      startAtLogin: login.checked,
      globalShortcut: shortcut.value,
      defaultDevice: defaultDevice.value,
      askBeforeUse: ask.filter((b) => b.checked).map((b) => b.value),
    });
    form.addEventListener('input', () => update(edited(state)));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void submit(read());
    });
    return { form, fields, login, defaultDevice, ask, save, status, error, written: values };
  }

  async function load(): Promise<void> {
    try {
      const [settings, devices] = await Promise.all([
        api.getSettings(),
        // The form still shows without devices (a locked keyring, say); null: not known.
        api.listDevices().catch(() => null),
      ]);
      if (disposed) return;
      update(loaded(state, settings, devices));
    } catch (err) {
      if (disposed) return;
      update(loadFailed(state, failure(deps, err).message));
    }
  }

  async function submit(values: SettingsFormValues): Promise<void> {
    const out = submitted(state, values);
    update(out.state);
    if (out.focus && els) els.fields[out.focus].focus();
    const request = out.save;
    const base = state.form?.base;
    if (!request || !base) return;
    try {
      const latest = await api.getSettings().catch(() => base);
      const kept = await api.saveSettings(saveBody(request, latest));
      if (disposed) return;
      update(saved(state, kept));
    } catch (err) {
      update(saveFailed(state, failure(deps, err).message));
    }
  }

  void load();
  return () => {
    disposed = true;
  };
}
