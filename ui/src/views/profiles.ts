// `#/profiles`: each AWS profile with its chain, device and credential state; keep it
// fresh (watched), refresh it now, open its console, wire or unwire it, or move its keys
// into the keyring (each change shown first, and made only on Confirm). Live on
// credentials:// events, and read again on profiles://changed.
//
// The state and its rules live in `profiles.model.ts`; this file calls the shell, feeds
// the answers to the model and draws the state. Rows are built once per list and updated
// in place, so typed console options and focus survive events and clock ticks.

import type { ProfileView } from '../lib/api';
import { h, replaceChildren, setText, uid } from '../lib/dom';
import { failure, type Unmount, type ViewDeps } from './context';
import {
  CONSOLE_SERVICES,
  closeConsoleOptions,
  configAsked,
  configCancelled,
  configConfirmable,
  configConfirmed,
  configForce,
  configPreviewed,
  configRefused,
  configWritten,
  consoleFailed,
  consoleOpened,
  consoleRequest,
  consoleStarted,
  credentialsFailed,
  credentialsRefreshed,
  diffRows,
  forceAsked,
  hasProfile,
  initialProfiles,
  keysMovedInRow,
  listFailed,
  listed,
  moveConfirmText,
  profileDetails,
  profileRowView,
  shellCommands,
  profilesList,
  refreshAnswered,
  refreshFailed,
  refreshStarted,
  relisted,
  setupActions,
  toggleConsoleOptions,
  watchFailed,
  watchRequest,
  watchSaved,
  watchStarted,
  type ConfigAction,
  type ConfigKind,
  type ProfileRow,
  type ProfilesList,
  type ProfilesState,
} from './profiles.model';

export { CONSOLE_SERVICES };

const CONFIRM_LABELS: Record<ConfigKind, string> = {
  wire: 'Wire',
  unwire: 'Unwire',
  move: 'Move the keys',
};

/** The button that opened a change, to give the focus back to on Cancel. */
function setupTestId(profile: string, kind: ConfigKind): string {
  return kind === 'move' ? `profile-keys-move-${profile}` : `profile-${kind}-${profile}`;
}

/** "valid until 14:05" turns into "expires in 3 min" as time passes: re-render this often. */
const CLOCK_MS = 15_000;

/** A row's elements, and the view its details were last drawn from. */
type RowEls = {
  badge: HTMLElement;
  details: HTMLElement;
  message: HTMLElement;
  watch: HTMLInputElement;
  refresh: HTMLButtonElement;
  consoleButton: HTMLButtonElement;
  toggle: HTMLButtonElement;
  options: HTMLElement;
  /** The set-up buttons (Wire, Unwire, Move into the keyring), drawn with the details. */
  setup: HTMLElement;
  /** Where a change's preview and confirmation show. */
  panel: HTMLElement;
  status: HTMLElement;
  error: HTMLElement;
  drawnView: ProfileView | null;
  /** The change the panel was last drawn for; undefined: not drawn yet. */
  drawnConfig: ConfigAction | null | undefined;
};

export function mountProfiles(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialProfiles();
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

  const rowEls = new Map<string, RowEls>();
  /** What the list was last built from: a phase, or the model's `order` array. */
  let drawn: unknown = 'loading';

  function update(next: ProfilesState): void {
    if (next === state) return;
    state = next;
    if (!disposed) render();
  }

  function render(): void {
    setText(listError, state.loadError);
    const shown = profilesList(state);
    const key = shown.kind === 'loading' || shown.kind === 'none' ? shown.kind : state.order;
    if (key !== drawn) {
      drawn = key;
      rowEls.clear();
      replaceChildren(list, ...buildList(shown));
    }
    const now = Math.floor(deps.now() / 1000);
    for (const [profile, els] of rowEls) {
      const row = state.rows.get(profile);
      if (row) paintRow(els, row, now);
    }
  }

  function buildList(shown: ProfilesList): HTMLElement[] {
    switch (shown.kind) {
      case 'loading':
        return [h('p', { class: 'muted' }, 'Loading…')];
      case 'none':
        return [];
      case 'empty':
        return [h('p', { class: 'empty', testid: 'profiles-empty' }, shown.text)];
      case 'rows':
        return [h('ul', { class: 'profile-list', testid: 'profile-list' }, ...shown.profiles.map(buildRow))];
    }
  }

  function paintRow(els: RowEls, row: ProfileRow, nowSeconds: number): void {
    const v = profileRowView(row, nowSeconds);
    els.badge.className = v.badge.className;
    setText(els.badge, v.badge.label);
    if (els.drawnView !== row.view) {
      els.drawnView = row.view;
      const p = row.view.profile;
      const d = profileDetails(row.view);
      replaceChildren(
        els.details,
        d.chain !== null ? h('div', { class: 'chain', title: 'Credential chain, base first' }, d.chain) : null,
        h('div', { class: 'meta' }, d.mfa),
        d.delegates !== null ? h('div', { class: 'meta', testid: `profile-delegates-${p}` }, d.delegates) : null,
        d.keys !== null ? h('div', { class: 'meta', testid: `profile-keys-${p}` }, d.keys) : null,
        d.wiring !== null
          ? h(
              'div',
              { class: 'meta note', testid: `profile-wiring-${p}` },
              d.wiring.text,
              h('span', { class: 'muted' }, ' (or in a terminal: ', h('code', {}, d.wiring.command), ')'),
            )
          : null,
        ...shellCommands(row.view).map((line) =>
          h('div', { class: 'meta', testid: `profile-shell-${p}` }, h('code', {}, line)),
        ),
      );
      replaceChildren(
        els.setup,
        ...setupActions(row.view).map((a) => {
          const b = h('button', { type: 'button', class: 'small', testid: a.testid, 'aria-label': `${a.label}: ${p}` }, a.label);
          b.addEventListener('click', () => void askConfig(p, a.kind));
          return b;
        }),
      );
    }
    if (els.drawnConfig !== row.config) {
      els.drawnConfig = row.config;
      replaceChildren(els.panel, ...configPanel(row.view.profile, row.config));
    }
    for (const b of els.setup.querySelectorAll('button')) b.disabled = v.setupDisabled;
    setText(els.message, v.message);
    els.message.classList.toggle('error', v.message !== '');
    els.watch.disabled = v.watchDisabled;
    if (v.watched !== null) els.watch.checked = v.watched;
    els.refresh.disabled = v.refreshDisabled;
    els.consoleButton.disabled = v.consoleDisabled;
    els.options.hidden = !v.optionsOpen;
    els.toggle.setAttribute('aria-expanded', String(v.optionsOpen));
    setText(els.status, v.status);
    setText(els.error, v.error);
  }

  function buildRow(p: string): HTMLElement {
    const badge = h('span', { testid: `profile-state-${p}` });
    const details = h('div', { class: 'profile-details' });
    const message = h('p', { class: 'profile-message', testid: `profile-message-${p}` });
    const watchId = uid('watch');
    const watch = h('input', { id: watchId, type: 'checkbox', testid: `watch-${p}` });
    const refresh = h(
      'button',
      { type: 'button', class: 'small', testid: `refresh-${p}`, 'aria-label': `Refresh ${p} now` },
      'Refresh now',
    );
    const status = h('p', { class: 'success', testid: `profile-status-${p}`, 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: `profile-error-${p}`, 'aria-live': 'polite' });
    const setup = h('div', { class: 'profile-setup' });
    const panel = h('div', { class: 'panel' });

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
      update(toggleConsoleOptions(state, p));
      if (state.rows.get(p)?.optionsOpen) service.focus();
    });
    const consoleButton = h(
      'button',
      { type: 'button', class: 'small', testid: `console-${p}`, 'aria-label': `Open the AWS console for ${p}` },
      'Open console',
    );
    consoleButton.addEventListener('click', () => void openConsole(p, service.value, region.value));
    options.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
        e.preventDefault();
        void openConsole(p, service.value, region.value);
      } else if (e.key === 'Escape') {
        e.preventDefault();
        update(closeConsoleOptions(state, p));
        toggle.focus();
      }
    });

    refresh.addEventListener('click', () => void refreshNow(p));
    watch.addEventListener('change', () => void setWatched(p, watch.checked));

    rowEls.set(p, {
      badge,
      details,
      message,
      watch,
      refresh,
      consoleButton,
      toggle,
      options,
      setup,
      panel,
      status,
      error,
      drawnView: null,
      drawnConfig: undefined,
    });
    return h(
      'li',
      { class: 'profile', testid: `profile-row-${p}` },
      h('div', { class: 'profile-head' }, h('span', { class: 'profile-name' }, p), badge),
      details,
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
      setup,
      panel,
      status,
      error,
    );
  }

  /** A change's preview and its confirmation: nothing is written before Confirm. */
  function configPanel(p: string, c: ConfigAction | null): HTMLElement[] {
    if (c === null) return [];
    if (c.phase === 'previewing') return [h('p', { class: 'muted', role: 'status' }, 'Reading the changes…')];
    const cancel = h('button', { type: 'button', class: 'small', testid: `profile-cancel-${p}` }, 'Cancel');
    cancel.disabled = c.phase === 'writing';
    cancel.addEventListener('click', () => {
      update(configCancelled(state, p));
      focusTestId(setupTestId(p, c.kind));
    });
    if (c.phase === 'foreign') return [foreignBox(p, c, cancel)];
    const confirm = h(
      'button',
      { type: 'button', class: 'small primary', testid: `profile-confirm-${p}` },
      CONFIRM_LABELS[c.kind],
    );
    confirm.disabled = !configConfirmable(c);
    confirm.addEventListener('click', () => void confirmConfig(p));
    let about: HTMLElement[];
    if (c.kind === 'move') {
      about = moveConfirmText(p).map((line) => h('p', {}, line));
    } else if (c.preview === null || c.preview.lines.length === 0) {
      about = [h('p', { class: 'muted', testid: `profile-diff-${p}` }, 'Nothing to change.')];
    } else {
      about = [
        h('p', {}, `These lines of ${c.preview.path} will change; a copy of the file is saved beside it first.`),
        h(
          'div',
          { class: 'diff', testid: `profile-diff-${p}`, role: 'group', 'aria-label': `Changes to ${p}` },
          ...diffRows(c.preview.lines).map((row) => h('div', { class: row.className }, row.text)),
        ),
      ];
    }
    const notes = c.preview?.notes ?? [];
    const box = h(
      'div',
      { class: 'confirm', role: 'group', 'aria-label': `${CONFIRM_LABELS[c.kind]}: ${p}` },
      ...about,
      notes.length > 0 ? h('ul', { class: 'diff-notes' }, ...notes.map((n) => h('li', {}, n))) : null,
      h('div', { class: 'buttons' }, confirm, cancel),
      c.phase === 'writing' ? h('p', { class: 'muted', role: 'status' }, 'Saving…') : null,
    );
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && c.phase !== 'writing') {
        e.preventDefault();
        cancel.click();
      }
    });
    return [box];
  }

  /**
   * Wiring would replace another tool's credential_process: the window says so in its own
   * words and offers to replace it, which reads the lines again before anything is written.
   */
  function foreignBox(p: string, c: ConfigAction, cancel: HTMLButtonElement): HTMLElement {
    const replace = h(
      'button',
      { type: 'button', class: 'small primary', testid: `profile-force-${p}` },
      'Replace it with Otpilot',
    );
    replace.addEventListener('click', () => void forceConfig(p));
    const box = h(
      'div',
      { class: 'confirm', role: 'group', 'aria-label': `${CONFIRM_LABELS[c.kind]}: ${p}` },
      h('p', { class: 'note', testid: `profile-foreign-${p}` }, c.refusal),
      h('div', { class: 'buttons' }, replace, cancel),
    );
    box.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        cancel.click();
      }
    });
    return box;
  }

  function focusTestId(id: string): void {
    root.querySelector<HTMLElement>(`[data-testid="${id.replace(/["\\]/g, '\\$&')}"]`)?.focus();
  }

  // ---- effects: each asks the shell and feeds the answer to the model ----

  async function load(): Promise<void> {
    try {
      const profiles = await api.listProfiles();
      if (disposed) return;
      update(listed(state, profiles));
    } catch (err) {
      if (disposed) return;
      update(listFailed(state, failure(deps, err).message));
    }
  }

  /** profiles://changed: the same rows, updated in place, keeping what they say. */
  let reloadSeq = 0;
  async function reload(): Promise<void> {
    const seq = ++reloadSeq;
    try {
      const profiles = await api.listProfiles();
      if (disposed || seq !== reloadSeq) return;
      update(relisted(state, profiles));
    } catch (err) {
      if (disposed || seq !== reloadSeq) return;
      update(listFailed(state, failure(deps, err).message));
    }
  }

  async function askConfig(profile: string, kind: ConfigKind): Promise<void> {
    const before = state;
    update(configAsked(state, profile, kind));
    if (state === before) return;
    if (kind === 'move') {
      focusTestId(`profile-confirm-${profile}`);
      return;
    }
    await previewConfig(profile, kind);
  }

  /** "Replace it with Otpilot": the wiring's lines again, now replacing the other tool's. */
  async function forceConfig(profile: string): Promise<void> {
    const before = state;
    update(forceAsked(state, profile));
    if (state === before) return;
    await previewConfig(profile, 'wire');
  }

  async function previewConfig(profile: string, kind: 'wire' | 'unwire'): Promise<void> {
    try {
      const preview =
        kind === 'wire'
          ? await api.wirePreview(profile, configForce(state, profile))
          : await api.unwirePreview(profile);
      if (disposed) return;
      update(configPreviewed(state, profile, kind, preview));
      focusTestId(`profile-confirm-${profile}`);
    } catch (err) {
      if (disposed) return;
      const e = failure(deps, err);
      update(configRefused(state, profile, e.kind, e.message));
      focusTestId(`profile-force-${profile}`);
    }
  }

  async function confirmConfig(profile: string): Promise<void> {
    const out = configConfirmed(state, profile);
    update(out.state);
    try {
      switch (out.kind) {
        case null:
          return;
        case 'wire':
        case 'unwire': {
          const view =
            out.kind === 'wire' ? await api.wireProfile(profile, out.force) : await api.unwireProfile(profile);
          if (disposed) return;
          update(configWritten(state, profile, out.kind, view));
          break;
        }
        case 'move': {
          const moved = await api.keysMove(profile);
          if (disposed) return;
          update(keysMovedInRow(state, moved));
          break;
        }
      }
    } catch (err) {
      if (disposed) return;
      const e = failure(deps, err);
      update(configRefused(state, profile, e.kind, e.message));
      return;
    }
    // The shell says so too (profiles://changed); reading now does not depend on it.
    void reload();
  }

  async function refreshNow(profile: string): Promise<void> {
    update(refreshStarted(state, profile));
    try {
      const view = await api.refreshProfile(profile);
      if (disposed) return;
      update(refreshAnswered(state, profile, view));
    } catch (err) {
      update(refreshFailed(state, profile, failure(deps, err).message));
    }
  }

  function setWatched(profile: string, on: boolean): Promise<unknown> {
    update(watchStarted(state, profile));
    saving = saving.then(async () => {
      try {
        // The settings last saved here are the latest; fetch them only the first time.
        const base = state.settings ?? (await api.getSettings());
        const saved = await api.saveSettings(watchRequest(base, profile, on));
        update(watchSaved(state, profile, saved));
      } catch (err) {
        update(watchFailed(state, profile, failure(deps, err).message));
      }
    });
    return saving;
  }

  async function openConsole(profile: string, service: string, region: string): Promise<void> {
    update(consoleStarted(state, profile));
    const args = consoleRequest(service, region);
    try {
      await api.openConsole(profile, args.service, args.region);
      if (!disposed) update(consoleOpened(state, profile));
    } catch (err) {
      update(consoleFailed(state, profile, failure(deps, err).message));
    }
  }

  const unlistenRefreshed = api.onCredentialsRefreshed((view) => {
    // A profile not listed yet (the AWS config changed): list them all again.
    if (!hasProfile(state, view.profile)) {
      void load();
      return;
    }
    update(credentialsRefreshed(state, view));
  });
  const unlistenFailed = api.onCredentialsFailed(({ profile, message }) => {
    update(credentialsFailed(state, profile, message));
  });
  const unlistenChanged = api.onProfilesChanged(() => void reload());
  const clock = setInterval(render, CLOCK_MS);

  void load();

  return () => {
    disposed = true;
    clearInterval(clock);
    unlistenRefreshed();
    unlistenFailed();
    unlistenChanged();
  };
}
