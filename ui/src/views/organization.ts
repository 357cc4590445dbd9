// The Account view's "Whole organization" panel: the account report in every account of the
// AWS Organization the chosen (management) profile runs, made by the tray as `otpilot account
// report --organization` makes it. It only reads, like the single-account report.
//
// The decisions live in `organization.model.ts`; this file draws the fields, asks for the
// report, follows its progress events and draws the table.

import { h, replaceChildren, setText } from '../lib/dom';
import { failure, type ViewDeps } from './context';
import {
  initialFields,
  initialOrg,
  orgAnswered,
  orgFailed,
  orgProfileChosen,
  orgProgressed,
  orgProgressText,
  orgResult,
  orgStarted,
  type OrgFields,
  type OrgRow,
  type OrgState,
} from './organization.model';

export type OrgPanel = {
  /** The panel, to place in the view. */
  el: HTMLElement;
  /** The Account view chose another profile. */
  setProfile: (profile: string | null) => void;
  unmount: () => void;
};

export function mountOrganization(deps: ViewDeps, profile: string | null): OrgPanel {
  const { api } = deps;
  let disposed = false;
  let state = initialOrg(profile);
  let drawnReport: unknown = null;
  const defaults = initialFields();

  const field = (id: string, label: string, input: HTMLInputElement, hint?: string): HTMLElement =>
    h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { class: 'hint' }, hint) : null);
  const role = h('input', { id: 'org-role', testid: 'org-role', type: 'text', value: defaults.role, spellcheck: 'false' });
  const accounts = h('input', {
    id: 'org-accounts',
    testid: 'org-accounts',
    type: 'text',
    value: defaults.accounts,
    placeholder: 'every account',
    spellcheck: 'false',
  });
  const ou = h('input', { id: 'org-ou', testid: 'org-ou', type: 'text', value: defaults.ou, placeholder: 'ou-… or r-…', spellcheck: 'false' });
  const concurrency = h('input', {
    id: 'org-concurrency',
    testid: 'org-concurrency',
    type: 'text',
    inputmode: 'numeric',
    value: defaults.concurrency,
  });
  const run = h('button', { type: 'submit', class: 'primary', testid: 'org-run' }, 'Check every account');
  const form = h(
    'form',
    { testid: 'org-form', novalidate: true },
    field('org-role', 'Access role in each account', role),
    field('org-accounts', 'Only these account IDs', accounts, 'Comma-separated; empty for every account.'),
    field('org-ou', 'Or only this organizational unit', ou),
    field('org-concurrency', 'Accounts checked at once', concurrency),
    h('div', { class: 'buttons' }, run),
  );
  const progress = h('p', { class: 'hint', testid: 'org-progress', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', testid: 'org-error', 'aria-live': 'polite' });
  const result = h('div', {});
  const el = h(
    'details',
    { class: 'card', testid: 'org-panel' },
    h('summary', { testid: 'org-toggle' }, 'Whole organization'),
    h(
      'p',
      { class: 'hint' },
      "For the management account's profile (or a delegated administrator's): the same report in every account of the AWS Organization, through each account's access role, with one MFA code.",
    ),
    form,
    progress,
    error,
    result,
  );

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void makeReport();
  });

  function fields(): OrgFields {
    return { role: role.value, accounts: accounts.value, ou: ou.value, concurrency: concurrency.value };
  }

  function update(next: OrgState): void {
    if (next === state) return;
    state = next;
    if (!disposed) render();
  }

  function render(): void {
    run.disabled = state.running || state.profile === null;
    form.setAttribute('aria-busy', state.running ? 'true' : 'false');
    setText(progress, orgProgressText(state));
    setText(error, state.error);
    if (state.report !== drawnReport) {
      drawnReport = state.report;
      replaceChildren(result, ...buildResult());
    }
  }

  function buildResult(): HTMLElement[] {
    const shown = orgResult(state);
    if (shown === null) return [];
    const summary = h('p', { class: 'card', testid: 'org-summary', tabindex: '-1' }, shown.summary);
    if (shown.rows.length === 0) return [summary];
    // Cards rather than table columns: the window is narrow, and an account id or a fix
    // command must stay readable.
    return [summary, h('ul', { class: 'findings', testid: 'org-rows' }, ...shown.rows.map(buildRow))];
  }

  function buildRow(row: OrgRow): HTMLElement {
    return h(
      'li',
      { class: 'finding', testid: 'org-row', 'data-kind': row.kind, 'data-account': row.accountId, 'data-severity': row.severity ?? '' },
      h(
        'p',
        {},
        h('span', { class: row.badgeClass }, row.label),
        ' ',
        h('strong', { testid: 'org-account-name' }, row.accountName),
        ' ',
        h('span', { class: 'muted' }, row.accountId),
      ),
      h('p', { testid: 'org-detail', class: 'org-detail' }, row.detail),
      row.fix === '' ? null : h('code', { class: 'fix', title: 'Select it, copy it, run it in a terminal' }, row.fix),
    );
  }

  async function makeReport(): Promise<void> {
    const out = orgStarted(state, fields());
    update(out.state);
    if (!out.request) return;
    const seq = state.seq;
    try {
      const report = await api.organizationReport(out.request);
      if (disposed) return;
      update(orgAnswered(state, seq, report));
    } catch (err) {
      if (disposed || seq !== state.seq) return;
      update(orgFailed(state, seq, failure(deps, err).message));
    }
  }

  const unlistenProgress = api.onOrganizationProgress((event) => update(orgProgressed(state, event)));
  render();

  return {
    el,
    setProfile: (p) => update(orgProfileChosen(state, p)),
    unmount: () => {
      disposed = true;
      unlistenProgress();
    },
  };
}
