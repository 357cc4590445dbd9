// The add form's "Authenticator app’s export" panel: the path of an export file (Aegis,
// 2FAS, Bitwarden, ...), an optional name prefix, and the export's password once the shell
// says it is encrypted. Preview shows what would be added and skipped; "Add N devices"
// adds exactly that. Paths are typed or pasted: the shell has no file-dialog plugin.
//
// The panel's rules live in `importExport.model.ts`; this file builds the panel, reads it,
// calls the shell and draws the state. It is not a form of its own (it sits inside the
// add form, and forms do not nest): Enter in its fields is caught here instead.

import { h, replaceChildren, setText } from '../lib/dom';
import type { ImportField } from '../lib/validate';
import { failure, type ViewDeps } from './context';
import {
  cancelled,
  confirmFailed,
  confirmLabel,
  confirmed,
  fieldsInvalid,
  imported,
  initialImport,
  planSummary,
  plannedRow,
  previewAnswered,
  previewFailed,
  previewed,
  skippedText,
  typed,
  type ImportAnswered,
  type ImportFocus,
  type ImportPlan,
  type ImportState,
  type ImportText,
  type PlannedRow,
} from './importExport.model';

export type ImportPanel = {
  el: HTMLElement;
  /** Preview, as the button does: the add form's submit while this source is chosen. */
  preview: () => void;
  /** The panel is being hidden: the plan and the password go, as with Cancel. */
  close: () => void;
};

const FORMATS =
  'Reads Aegis (plain or encrypted), 2FAS (plain or encrypted), Bitwarden (JSON or CSV, unencrypted), ' +
  'andOTP (plain JSON), FreeOTP+, Proton Authenticator, Ente Auth (plain text), ' +
  'or a text file of otpauth:// URIs.';

/** `onAdded` gets the devices an import added, as the add form's callback does. */
export function buildImportPanel(
  deps: ViewDeps,
  onAdded: (added: readonly { name: string }[]) => void,
): ImportPanel {
  let state = initialImport();

  const textInput = (id: string, extra: Record<string, string | number>): HTMLInputElement =>
    h('input', { id, type: 'text', testid: id, autocomplete: 'off', spellcheck: 'false', ...extra });
  const path = textInput('import-path', {
    placeholder: '~/Downloads/aegis-export.json',
    'aria-describedby': 'import-path-hint',
  });
  const prefix = textInput('import-prefix', { maxlength: 64, 'aria-describedby': 'import-prefix-hint' });
  const password = h('input', {
    id: 'import-password',
    type: 'password',
    testid: 'import-password',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'import-password-hint',
  });
  const passwordField = h(
    'div',
    { class: 'field', testid: 'import-password-field', hidden: true },
    h('label', { for: 'import-password' }, 'Password of the export'),
    password,
    h(
      'p',
      { class: 'hint', id: 'import-password-hint' },
      'The export is encrypted. The password is used to read it and is not kept.',
    ),
  );
  const notice = h('p', { class: 'warnings', testid: 'import-notice', 'aria-live': 'polite' });
  const previewButton = h('button', { type: 'button', class: 'primary', testid: 'import-preview' }, 'Preview');
  const error = h('p', { class: 'error', testid: 'import-error', 'aria-live': 'polite' });

  const summary = h('p', { testid: 'import-summary', 'aria-live': 'polite' });
  const details = h('div');
  const confirm = h('button', { type: 'button', class: 'primary', testid: 'import-confirm' });
  const cancel = h('button', { type: 'button', testid: 'import-cancel' }, 'Cancel');
  const plan = h(
    'div',
    { class: 'panel', testid: 'import-plan', hidden: true },
    summary,
    details,
    h('div', { class: 'buttons' }, confirm, cancel),
  );
  const result = h('p', { class: 'success', testid: 'import-result', 'aria-live': 'polite' });
  const warnings = h('div', { class: 'warnings', testid: 'import-warnings', 'aria-live': 'polite' });

  const el = h(
    'div',
    {
      class: 'import-panel',
      testid: 'import-panel',
      role: 'group',
      'aria-label': 'Import an authenticator app’s export',
      hidden: true,
    },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'import-path' }, 'Path of the export file'),
      path,
      h('p', { class: 'hint', id: 'import-path-hint' }, FORMATS),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'import-prefix' }, 'Name prefix (optional)'),
      prefix,
      h(
        'p',
        { class: 'hint', id: 'import-prefix-hint' },
        'Devices are named from each entry’s issuer and account, e.g. ',
        h('code', {}, 'GitHub-alice'),
        '; a prefix gives ',
        h('code', {}, 'phone-GitHub-alice'),
        '.',
      ),
    ),
    notice,
    passwordField,
    h('div', { class: 'buttons' }, previewButton),
    error,
    plan,
    result,
    warnings,
  );

  const inputs: Record<ImportFocus, HTMLInputElement> = { path, prefix, password };

  function read(): ImportText {
    return { path: path.value, prefix: prefix.value, password: password.value };
  }

  // What the render last wrote or drew; the inputs start out as the initial state says.
  let writtenText: ImportText = state.text;
  let drawnPlan: ImportPlan | null = null;
  let drawnWarnings: readonly string[] = state.warnings;

  function update(next: ImportState): void {
    if (next === state) return;
    state = next;
    render();
  }

  /** Updates, then moves the focus where the model says (after the render shows the field). */
  function answer(out: ImportAnswered, scroll = true): void {
    update(out.state);
    if (out.focus) inputs[out.focus].focus({ preventScroll: !scroll });
  }

  function render(): void {
    if (writtenText !== state.text) {
      writtenText = state.text;
      for (const [input, value] of [
        [path, state.text.path],
        [prefix, state.text.prefix],
        [password, state.text.password],
      ] as const) {
        if (input.value !== value) input.value = value;
      }
    }
    for (const input of [path, prefix, password]) input.readOnly = state.busy;
    passwordField.hidden = !state.passwordShown;
    setText(notice, state.notice);
    const invalid = fieldsInvalid(state);
    if (invalid) {
      for (const field of ['path', 'prefix'] as const satisfies readonly ImportField[]) {
        inputs[field].setAttribute('aria-invalid', invalid[field] ? 'true' : 'false');
      }
    }
    for (const button of [previewButton, confirm, cancel]) button.disabled = state.busy;
    // Once a plan shows, adding it is the main action.
    previewButton.classList.toggle('primary', state.plan === null);
    setText(error, state.error);
    setText(result, state.result);
    if (drawnPlan !== state.plan) {
      drawnPlan = state.plan;
      drawPlan(state.plan);
    }
    if (drawnWarnings !== state.warnings) {
      drawnWarnings = state.warnings;
      replaceChildren(warnings, ...warningList(state.warnings));
    }
  }

  function drawPlan(p: ImportPlan | null): void {
    plan.hidden = p === null;
    if (p === null) {
      setText(summary, '');
      replaceChildren(details);
      return;
    }
    const a = p.answer;
    setText(summary, planSummary(a));
    const label = confirmLabel(p);
    confirm.hidden = label === null;
    setText(confirm, label ?? '');
    replaceChildren(
      details,
      a.devices.length > 0 ? h('h3', {}, 'Devices to add') : null,
      a.devices.length > 0
        ? h('ul', { class: 'import-list' }, ...a.devices.map((d) => deviceItem(plannedRow(d))))
        : null,
      a.skipped.length > 0 ? h('h3', {}, 'Skipped') : null,
      a.skipped.length > 0
        ? h(
            'ul',
            { class: 'import-list' },
            ...a.skipped.map((s) => h('li', { testid: 'import-skipped' }, skippedText(s))),
          )
        : null,
      a.warnings.length > 0 ? h('div', { class: 'warnings' }, ...warningList(a.warnings)) : null,
    );
  }

  function deviceItem(row: PlannedRow): HTMLLIElement {
    return h(
      'li',
      { testid: 'import-device' },
      h('span', { class: 'mono import-name' }, row.name),
      row.about !== null ? h('span', { class: 'hint' }, ` — ${row.about}`) : null,
      row.params !== null ? h('div', { class: 'hint' }, row.params) : null,
      row.serial !== null
        ? h(
            'div',
            { class: 'hint' },
            'MFA serial ',
            h('span', { class: 'mono' }, row.serial),
            row.serialNote !== null ? ` ${row.serialNote}` : null,
          )
        : null,
    );
  }

  function warningList(list: readonly string[]): HTMLElement[] {
    if (list.length === 0) return [];
    return [h('p', {}, 'Please note:'), h('ul', {}, ...list.map((w) => h('li', {}, w)))];
  }

  async function preview(): Promise<void> {
    const out = previewed(state, read());
    answer(out);
    const request = out.request;
    if (!request) return;
    try {
      const dryRun = await deps.api.importExport(request);
      update(previewAnswered(state, request, dryRun));
    } catch (err) {
      const problem = failure(deps, err);
      answer(previewFailed(state, problem.kind, problem.message));
    }
  }

  async function confirmPlan(): Promise<void> {
    const out = confirmed(state);
    update(out.state);
    if (!out.request) return;
    try {
      const done = await deps.api.importExport(out.request);
      // The Add button goes with the plan: the focus goes back to the path, without
      // scrolling away from the new rows the list is about to show.
      answer(imported(state, done), false);
      if (done.devices.length > 0) onAdded(done.devices);
    } catch (err) {
      update(confirmFailed(state, failure(deps, err).message));
    }
  }

  for (const input of [path, prefix, password]) {
    input.addEventListener('input', () => update(typed(state, read())));
    // Enter previews, as a form's submit would; the add form around must not submit.
    input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || e.isComposing) return;
      e.preventDefault();
      void preview();
    });
  }
  previewButton.addEventListener('click', () => void preview());
  confirm.addEventListener('click', () => void confirmPlan());
  cancel.addEventListener('click', () => answer(cancelled(state)));

  render();
  return {
    el,
    preview: () => void preview(),
    close: () => update(cancelled(state).state),
  };
}
