// `#/settings`: refresh margin, clipboard clear delay, global shortcut and its device, start
// at login, ask-before-use.

import type { DeviceView, SettingsView } from '../lib/api';
import { append, h, replaceChildren, setText } from '../lib/dom';
import {
  MAX_CLIPBOARD_SECONDS,
  MAX_MARGIN_SECONDS,
  MIN_CLIPBOARD_SECONDS,
  MIN_MARGIN_SECONDS,
  validateSettings,
  type SettingsField,
} from '../lib/validate';
import { failure, type Unmount, type ViewDeps } from './context';

export function mountSettings(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
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

  async function load(): Promise<void> {
    try {
      const [settings, devices] = await Promise.all([
        api.getSettings(),
        // The form still shows without devices (a locked keyring, say); null: not known.
        api.listDevices().catch(() => null),
      ]);
      if (disposed) return;
      replaceChildren(body, buildForm(settings, devices));
    } catch (err) {
      if (disposed) return;
      setText(loadError, failure(deps, err).message);
      replaceChildren(body);
    }
  }

  function buildForm(initial: SettingsView, listed: DeviceView[] | null): HTMLFormElement {
    let base = initial;
    const devices = listed ?? [];
    const margin = h('input', {
      id: 'settings-margin',
      type: 'number',
      inputmode: 'numeric',
      min: MIN_MARGIN_SECONDS,
      max: MAX_MARGIN_SECONDS,
      step: 1,
      testid: 'settings-margin',
      value: initial.refreshMarginSeconds,
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
      value: initial.clipboardClearSeconds,
      'aria-describedby': 'settings-clipboard-hint',
    });
    const shortcut = h('input', {
      id: 'settings-global-shortcut',
      type: 'text',
      testid: 'settings-global-shortcut',
      placeholder: 'e.g. Ctrl+Alt+O',
      autocomplete: 'off',
      spellcheck: 'false',
      value: initial.globalShortcut ?? '',
      'aria-describedby': 'settings-global-shortcut-hint',
    });
    const defaultDevice = h(
      'select',
      { id: 'settings-default-device', testid: 'settings-default-device', 'aria-describedby': 'settings-default-device-hint' },
      h('option', { value: '' }, 'First device'),
      ...devices.map((d) => h('option', { value: d.name }, d.name)),
    );
    // A default device not listed (removed since, or the list did not load) stays chosen.
    const chosen = initial.defaultDevice;
    if (chosen && !devices.some((d) => d.name === chosen)) {
      append(defaultDevice, h('option', { value: chosen }, listed ? `${chosen} (not found)` : chosen));
    }
    defaultDevice.value = chosen ?? '';
    const login = h('input', {
      id: 'settings-login',
      type: 'checkbox',
      testid: 'settings-login',
      checked: initial.startAtLogin,
    });
    const ask = devices.map((d) =>
      h('input', {
        type: 'checkbox',
        value: d.name,
        testid: `settings-ask-${d.name}`,
        checked: initial.askBeforeUse.includes(d.name),
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

    form.addEventListener('input', () => setText(status, ''));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      setText(status, '');
      setText(error, '');
      // Names of devices not shown (removed since) are kept as they were.
      const shown = new Set(devices.map((d) => d.name));
      const askBeforeUse = [
        ...base.askBeforeUse.filter((n) => !shown.has(n)),
        ...ask.filter((b) => b.checked).map((b) => b.value),
      ];
      const checked = validateSettings(
        {
          refreshMarginSeconds: margin.value,
          clipboardClearSeconds: clipboard.value,
          startAtLogin: login.checked,
          askBeforeUse,
          globalShortcut: shortcut.value,
          defaultDevice: defaultDevice.value,
        },
        base,
      );
      for (const [field, input] of Object.entries(fields)) {
        const bad = !checked.ok && field in checked.errors;
        input.setAttribute('aria-invalid', bad ? 'true' : 'false');
      }
      if (!checked.ok) {
        const names = Object.keys(checked.errors) as SettingsField[];
        setText(error, names.map((n) => checked.errors[n]).join('. '));
        if (names[0]) fields[names[0]].focus();
        return;
      }
      save.disabled = true;
      try {
        // Watched profiles are edited on the profiles page: take the latest list.
        const latest = await api.getSettings().catch(() => base);
        base = await api.saveSettings({ ...checked.value, watchedProfiles: latest.watchedProfiles });
        if (disposed) return;
        margin.value = String(base.refreshMarginSeconds);
        clipboard.value = String(base.clipboardClearSeconds);
        login.checked = base.startAtLogin;
        shortcut.value = base.globalShortcut ?? '';
        defaultDevice.value = base.defaultDevice ?? '';
        setText(status, 'Saved');
      } catch (err) {
        // What was typed stays, so a refused shortcut ("invalid_input") can be corrected.
        setText(error, failure(deps, err).message);
      } finally {
        save.disabled = false;
      }
    });
    return form;
  }

  void load();
  return () => {
    disposed = true;
  };
}
