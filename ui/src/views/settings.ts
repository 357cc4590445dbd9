// `#/settings`: refresh margin, clipboard clear delay, start at login, ask-before-use.

import type { DeviceView, SettingsView } from '../lib/api';
import { h, replaceChildren, setText } from '../lib/dom';
import { MAX_CLIPBOARD_SECONDS, MAX_MARGIN_SECONDS, validateSettings, type SettingsField } from '../lib/validate';
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
        // The ask-before-use list still shows without devices (a locked keyring, say).
        api.listDevices().catch(() => [] as DeviceView[]),
      ]);
      if (disposed) return;
      replaceChildren(body, buildForm(settings, devices));
    } catch (err) {
      if (disposed) return;
      setText(loadError, failure(deps, err).message);
      replaceChildren(body);
    }
  }

  function buildForm(initial: SettingsView, devices: DeviceView[]): HTMLFormElement {
    let base = initial;
    const margin = h('input', {
      id: 'settings-margin',
      type: 'number',
      inputmode: 'numeric',
      min: 0,
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
      min: 0,
      max: MAX_CLIPBOARD_SECONDS,
      step: 1,
      testid: 'settings-clipboard',
      value: initial.clipboardClearSeconds,
      'aria-describedby': 'settings-clipboard-hint',
    });
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
        h('p', { class: 'hint', id: 'settings-clipboard-hint' }, 'Default 20; 0 leaves the code on the clipboard.'),
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
        setText(status, 'Saved');
      } catch (err) {
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
