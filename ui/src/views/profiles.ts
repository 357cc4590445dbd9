// `#/profiles`: each AWS profile with its chain, device and credential state; keep it
// fresh (watched), refresh it now, or open its console. Live on credentials:// events.

import type { ProfileView, SettingsView } from '../lib/api';
import { h, replaceChildren, setText, uid } from '../lib/dom';
import { chainText, profileBadge } from '../lib/format';
import { toggleWatched } from '../lib/validate';
import { failure, type Unmount, type ViewDeps } from './context';

/** Quick picks for the console's service; any other service can be typed. */
export const CONSOLE_SERVICES = [
  's3',
  'ec2',
  'iam',
  'cloudwatch',
  'lambda',
  'cloudformation',
  'rds',
  'dynamodb',
] as const;

/** "valid until 14:05" turns into "expires in 3 min" as time passes: re-render this often. */
const CLOCK_MS = 15_000;

type Row = {
  view: ProfileView;
  badge: HTMLElement;
  message: HTMLElement;
  watch: HTMLInputElement;
  refresh: HTMLButtonElement;
  status: HTMLElement;
  error: HTMLElement;
};

export function mountProfiles(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  const rows = new Map<string, Row>();
  let settings: SettingsView | null = null;
  // Watch toggles save settings one after another, each on top of the last answer.
  let saving: Promise<unknown> = Promise.resolve();

  const listError = h('p', { class: 'error', testid: 'profiles-error', 'aria-live': 'polite' });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replaceChildren(
    root,
    h(
      'section',
      { class: 'view', 'aria-labelledby': 'profiles-title' },
      h('h1', { id: 'profiles-title' }, 'AWS profiles'),
      listError,
      list,
    ),
  );

  const nowSeconds = (): number => Math.floor(deps.now() / 1000);

  async function load(): Promise<void> {
    try {
      const profiles = await api.listProfiles();
      if (disposed) return;
      setText(listError, '');
      render(profiles);
    } catch (err) {
      if (disposed) return;
      setText(listError, failure(deps, err).message);
      replaceChildren(list);
    }
  }

  function render(profiles: ProfileView[]): void {
    rows.clear();
    if (profiles.length === 0) {
      replaceChildren(list, h('p', { class: 'empty', testid: 'profiles-empty' }, 'No AWS profiles found'));
      return;
    }
    replaceChildren(list, h('ul', { class: 'profile-list', testid: 'profile-list' }, ...profiles.map(buildRow)));
  }

  function buildRow(view: ProfileView): HTMLElement {
    const p = view.profile;
    const badge = h('span', { testid: `profile-state-${p}` });
    const message = h('p', { class: 'profile-message', testid: `profile-message-${p}` });
    const watchId = uid('watch');
    const watch = h('input', {
      id: watchId,
      type: 'checkbox',
      testid: `watch-${p}`,
      checked: view.watched,
    });
    const refresh = h(
      'button',
      { type: 'button', class: 'small', testid: `refresh-${p}`, 'aria-label': `Refresh ${p} now` },
      'Refresh now',
    );
    const status = h('p', { class: 'success', testid: `profile-status-${p}`, 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: `profile-error-${p}`, 'aria-live': 'polite' });
    const row: Row = { view, badge, message, watch, refresh, status, error };
    rows.set(p, row);

    // Console options: closed by default, so one click opens the console home.
    const serviceId = uid('service');
    const regionId = uid('region');
    const service = h('input', {
      id: serviceId,
      type: 'text',
      testid: `console-service-${p}`,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'console home',
    });
    const region = h('input', {
      id: regionId,
      type: 'text',
      testid: `console-region-${p}`,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: "profile's region",
    });
    const optionsId = uid('console-options');
    const options = h(
      'div',
      { class: 'console-options', id: optionsId, hidden: true },
      h('label', { for: serviceId }, 'Service'),
      service,
      h(
        'div',
        { class: 'chips', role: 'group', 'aria-label': 'Common services' },
        ...CONSOLE_SERVICES.map((s) =>
          h(
            'button',
            {
              type: 'button',
              class: 'chip',
              testid: `console-pick-${s}`,
              onclick: () => {
                service.value = s;
                service.focus();
              },
            },
            s,
          ),
        ),
      ),
      h('label', { for: regionId }, 'Region'),
      region,
    );
    const toggle = h(
      'button',
      {
        type: 'button',
        class: 'small',
        testid: `console-options-${p}`,
        'aria-expanded': 'false',
        'aria-controls': optionsId,
        'aria-label': `Console options for ${p}`,
      },
      '▾',
    );
    toggle.addEventListener('click', () => {
      options.hidden = !options.hidden;
      toggle.setAttribute('aria-expanded', String(!options.hidden));
      if (!options.hidden) service.focus();
    });
    const consoleButton = h(
      'button',
      { type: 'button', class: 'small', testid: `console-${p}`, 'aria-label': `Open the AWS console for ${p}` },
      'Open console',
    );
    const openConsole = async (): Promise<void> => {
      setText(error, '');
      setText(status, '');
      consoleButton.disabled = true;
      try {
        const s = service.value.trim();
        const r = region.value.trim();
        await api.openConsole(p, s === '' ? null : s, r === '' ? null : r);
        if (!disposed) setText(status, 'Console opened in your browser');
      } catch (err) {
        setText(error, failure(deps, err).message);
      } finally {
        consoleButton.disabled = false;
      }
    };
    consoleButton.addEventListener('click', () => void openConsole());
    options.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
        e.preventDefault();
        void openConsole();
      } else if (e.key === 'Escape') {
        e.preventDefault();
        options.hidden = true;
        toggle.setAttribute('aria-expanded', 'false');
        toggle.focus();
      }
    });

    refresh.addEventListener('click', () => void refreshNow(row));
    watch.addEventListener('change', () => void setWatched(row, watch.checked));

    const li = h(
      'li',
      { class: 'profile', testid: `profile-row-${p}` },
      h('div', { class: 'profile-head' }, h('span', { class: 'profile-name' }, p), badge),
      h('div', { class: 'profile-details' }),
      message,
      h(
        'div',
        { class: 'profile-actions' },
        h('label', { class: 'choice', for: watchId, title: 'Refresh these credentials in the background before they expire' }, watch, 'Keep fresh'),
        refresh,
        consoleButton,
        toggle,
      ),
      options,
      status,
      error,
    );
    paint(row, li);
    return li;
  }

  /** Writes a row's view into its elements (badge, details, message, watched). */
  function paint(row: Row, li?: HTMLElement): void {
    const v = row.view;
    paintBadge(row);
    const container = li ?? row.badge.closest('li');
    const details = container?.querySelector('.profile-details');
    if (details) {
      replaceChildren(
        details,
        v.chain.length > 0 ? h('div', { class: 'chain', title: 'Credential chain, base first' }, chainText(v.chain)) : null,
        h(
          'div',
          { class: 'meta' },
          v.device ? `Device: ${v.device}` : v.mfaSerial ? `MFA: ${v.mfaSerial} (no device stored)` : 'No MFA',
        ),
        v.wired
          ? null
          : h('div', { class: 'meta note' }, `Not wired to Otpilot: run “otpilot profile setup ${v.profile}”`),
      );
    }
    const text = [v.state === 'attention' ? v.message : null, v.error].filter((s): s is string => !!s).join(' ');
    setText(row.message, text);
    row.message.classList.toggle('error', text !== '');
    if (!row.watch.disabled) row.watch.checked = v.watched;
  }

  function paintBadge(row: Row): void {
    const badge = profileBadge(row.view, nowSeconds());
    row.badge.className = badge.className;
    setText(row.badge, badge.label);
  }

  async function refreshNow(row: Row): Promise<void> {
    setText(row.error, '');
    setText(row.status, '');
    row.refresh.disabled = true;
    row.view = { ...row.view, state: 'refreshing' };
    paint(row);
    try {
      const view = await api.refreshProfile(row.view.profile);
      if (disposed) return;
      row.view = view;
      paint(row);
    } catch (err) {
      const problem = failure(deps, err);
      row.view = { ...row.view, state: 'attention', message: problem.message };
      paint(row);
    } finally {
      row.refresh.disabled = false;
    }
  }

  function setWatched(row: Row, on: boolean): Promise<unknown> {
    setText(row.error, '');
    row.watch.disabled = true;
    saving = saving.then(async () => {
      try {
        const base = settings ?? (await api.getSettings());
        const next = { ...base, watchedProfiles: toggleWatched(base.watchedProfiles, row.view.profile, on) };
        settings = await api.saveSettings(next);
        row.view = { ...row.view, watched: settings.watchedProfiles.includes(row.view.profile) };
      } catch (err) {
        setText(row.error, failure(deps, err).message);
      } finally {
        row.watch.disabled = false;
        if (!disposed) paint(row);
      }
    });
    return saving;
  }

  const unlistenRefreshed = api.onCredentialsRefreshed((view) => {
    const row = rows.get(view.profile);
    if (!row) {
      void load();
      return;
    }
    row.view = view;
    setText(row.error, '');
    paint(row);
  });
  const unlistenFailed = api.onCredentialsFailed(({ profile, message }) => {
    const row = rows.get(profile);
    if (!row) return;
    row.view = { ...row.view, state: 'attention', message };
    paint(row);
  });
  const clock = setInterval(() => {
    for (const row of rows.values()) paintBadge(row);
  }, CLOCK_MS);

  void load();

  return () => {
    disposed = true;
    clearInterval(clock);
    unlistenRefreshed();
    unlistenFailed();
  };
}
