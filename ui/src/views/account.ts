// `#/account`: the MFA posture report of the AWS account behind a profile the person picks
// (made by the tray from IAM's credential report). It only reads: each finding shows the
// CLI command that fixes it, selectable in one click to paste into a terminal.
//
// The decisions (the profile chosen, which answer counts, the summary and the rows) live
// in `account.model.ts`; this file reads the profiles, asks for the report, remembers the
// profile chosen and draws the state.

import { h, replaceChildren, setText } from '../lib/dom';
import {
  PROFILE_KEY,
  accountForm,
  accountResult,
  accountStatus,
  initialAccount,
  listFailed,
  listStarted,
  profileChosen,
  profilesListed,
  reportAnswered,
  reportFailed,
  runStarted,
  type AccountForm,
  type AccountState,
  type FindingRow,
} from './account.model';
import { failure, type Unmount, type ViewDeps } from './context';
import { mountOrganization } from './organization';

export { PROFILE_KEY };

function readRemembered(): string | null {
  try {
    return localStorage.getItem(PROFILE_KEY);
  } catch {
    // No storage (a locked-down webview): the first profile is chosen instead.
    return null;
  }
}

function remember(profile: string): void {
  try {
    localStorage.setItem(PROFILE_KEY, profile);
  } catch {
    // As above: only the remembering is lost.
  }
}

type FormEls = { form: HTMLFormElement; select: HTMLSelectElement; run: HTMLButtonElement };

export function mountAccount(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialAccount(readRemembered());

  const loadError = h('p', { class: 'error', testid: 'account-load-error', 'aria-live': 'polite' });
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const status = h('p', { class: 'hint', testid: 'account-status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', testid: 'account-error', 'aria-live': 'polite' });
  const result = h('div', {});
  // "Whole organization": the same report over every account a management profile reaches.
  const org = mountOrganization(deps, state.profile);
  org.el.hidden = true;
  replaceChildren(
    root,
    h(
      'section',
      { class: 'view', 'aria-labelledby': 'account-title' },
      h('h1', { id: 'account-title' }, 'AWS account'),
      h(
        'p',
        { class: 'hint intro' },
        'How the AWS account behind a profile stands on MFA: who has no MFA device, old or unused access keys, abandoned MFA devices, the password policy. It only reads; each finding shows the command that fixes it, to run in a terminal.',
      ),
      loadError,
      body,
      status,
      error,
      result,
      org.el,
    ),
  );

  let formEls: FormEls | null = null;
  let summary: HTMLElement | null = null;
  /** What the body was last built from: a phase, or the model's profile list. */
  let drawnBody: unknown = 'loading';
  /** The report the result area was last built from. */
  let drawnReport: unknown = null;

  function update(next: AccountState): void {
    if (next === state) return;
    state = next;
    org.setProfile(state.profile);
    if (!disposed) render();
  }

  function render(): void {
    setText(loadError, state.loadError);
    const shown = accountForm(state);
    const key = shown.kind === 'form' || shown.kind === 'empty' ? state.profiles : shown.kind;
    if (key !== drawnBody) {
      drawnBody = key;
      formEls = null;
      replaceChildren(body, buildBody(shown));
    }
    if (shown.kind === 'form' && formEls) {
      formEls.select.value = shown.profile;
      formEls.select.disabled = shown.selectDisabled;
      formEls.run.disabled = shown.runDisabled;
      formEls.form.setAttribute('aria-busy', shown.busy ? 'true' : 'false');
    }
    // Only with a profile to run it for.
    org.el.hidden = shown.kind !== 'form';
    setText(status, accountStatus(state));
    setText(error, state.error);
    if (state.report !== drawnReport) {
      drawnReport = state.report;
      summary = null;
      replaceChildren(result, ...buildResult());
    }
  }

  function buildBody(shown: AccountForm): HTMLElement {
    switch (shown.kind) {
      case 'loading':
        return h('p', { class: 'muted' }, 'Loading…');
      case 'none':
        return h('div', {});
      case 'empty':
        return h('p', { class: 'hint', testid: 'account-empty' }, shown.text);
      case 'form':
        formEls = buildForm(shown.profiles);
        return formEls.form;
    }
  }

  function buildForm(profiles: readonly string[]): FormEls {
    const select = h(
      'select',
      { id: 'account-profile', testid: 'account-profile' },
      ...profiles.map((p) => h('option', { value: p }, p)),
    );
    const run = h('button', { type: 'submit', class: 'primary', testid: 'account-run' }, 'Make the report');
    const form = h(
      'form',
      { class: 'card', testid: 'account-form', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: 'account-profile' }, 'AWS profile'), select),
      h('div', { class: 'buttons' }, run),
    );
    select.addEventListener('change', () => {
      remember(select.value);
      update(profileChosen(state, select.value));
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void makeReport();
    });
    return { form, select, run };
  }

  function buildResult(): HTMLElement[] {
    const shown = accountResult(state);
    if (shown === null) return [];
    // Focused once the report is in, so a screen reader reads the summary first.
    summary = h('p', { class: 'card', testid: 'account-summary', tabindex: '-1' }, shown.summary);
    if (shown.rows.length === 0) return [summary];
    return [summary, h('ul', { class: 'findings', testid: 'account-findings' }, ...shown.rows.map(buildRow))];
  }

  function buildRow(row: FindingRow): HTMLElement {
    return h(
      'li',
      { class: 'finding', testid: 'account-finding', 'data-severity': row.severity, 'data-check': row.check },
      h(
        'p',
        {},
        h('span', { class: row.badgeClass, testid: 'account-severity' }, row.label),
        ' ',
        h('span', { testid: 'account-detail' }, row.detail),
      ),
      h('code', { class: 'fix', testid: 'account-fix', title: 'Select it, copy it, run it in a terminal' }, row.fix),
    );
  }

  async function loadProfiles(): Promise<void> {
    update(listStarted(state));
    const seq = state.listSeq;
    try {
      const views = await api.listProfiles();
      if (disposed) return;
      update(profilesListed(state, seq, views));
    } catch (err) {
      if (disposed || seq !== state.listSeq) return;
      update(listFailed(state, seq, failure(deps, err).message));
    }
  }

  async function makeReport(): Promise<void> {
    const out = runStarted(state);
    update(out.state);
    if (!out.request) return;
    const seq = state.seq;
    remember(out.request.profile);
    try {
      const report = await api.accountReport(out.request);
      if (disposed) return;
      update(reportAnswered(state, seq, report));
      if (seq === state.seq) summary?.focus();
    } catch (err) {
      if (disposed || seq !== state.seq) return;
      update(reportFailed(state, seq, failure(deps, err).message));
      formEls?.run.focus();
    }
  }

  // A profile added or removed in the AWS files shows without reopening the view.
  const unlistenProfiles = api.onProfilesChanged(() => void loadProfiles());

  void loadProfiles();

  return () => {
    disposed = true;
    unlistenProfiles();
    org.unmount();
  };
}
