// The "Add device" form of the devices view: a name, an optional serial, and one source for
// the seed (pasted secret, QR image path, AWS seed file path). Paths are typed or pasted:
// the shell has no file-dialog plugin. A fourth source, an authenticator app's export,
// adds many devices at once: its panel (importExport.ts) takes the place of the form's
// own fields while it is chosen.
//
// The form's rules live in `addDevice.model.ts`; this file builds the form, reads it on
// submit, calls the shell and draws the state.

import { h, replaceChildren, setText } from '../lib/dom';
import type { AddField, AddFormInput, AddSource } from '../lib/validate';
import {
  PATH_LABELS,
  addFailed,
  added,
  fieldsInvalid,
  initialAdd,
  sourceChosen,
  sourceFields,
  submitDisabled,
  submitted,
  type AddFormText,
  type AddState,
} from './addDevice.model';
import { failure, type ViewDeps } from './context';
import { buildImportPanel } from './importExport';

/** `onAdded` gets the devices just added, by the form or by an import. */
export function buildAddForm(deps: ViewDeps, onAdded: (added: readonly { name: string }[]) => void): HTMLFormElement {
  let state = initialAdd();
  const importPanel = buildImportPanel(deps, onAdded);

  const name = h('input', {
    id: 'add-name',
    type: 'text',
    testid: 'add-name',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    maxlength: 64,
    'aria-describedby': 'add-name-hint',
  });
  const serial = h('input', {
    id: 'add-serial',
    type: 'text',
    testid: 'add-serial',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'arn:aws:iam::123456789012:mfa/alice',
  });
  const radio = (source: AddSource, label: string): HTMLLabelElement =>
    h(
      'label',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: 'add-source',
        value: source,
        testid: `add-source-${source}`,
        checked: state.source === source,
        onchange: () => {
          const next = sourceChosen(state, checkedSource());
          // Leaving the export: its plan and password are not kept out of sight.
          if (state.source === 'export' && next.source !== 'export') importPanel.close();
          update(next);
        },
      }),
      label,
    );
  // A password field, not a textarea: the seed never shows on screen, and otpauth URIs
  // and migration exports are single lines.
  const secret = h('input', {
    id: 'add-secret',
    type: 'password',
    testid: 'add-secret',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'add-secret-hint',
  });
  const pathLabel = h('label', { for: 'add-path' }, PATH_LABELS.qr.label);
  const path = h('input', {
    id: 'add-path',
    type: 'text',
    testid: 'add-path',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const force = h('input', { id: 'add-force', type: 'checkbox', testid: 'add-force' });
  const submit = h('button', { type: 'submit', class: 'primary', testid: 'add-submit' }, 'Add device');
  const error = h('p', { class: 'error', testid: 'add-error', 'aria-live': 'polite' });
  const warnings = h('div', { class: 'warnings', testid: 'add-warnings', 'aria-live': 'polite' });
  const result = h('p', { class: 'success', testid: 'add-result', 'aria-live': 'polite' });

  const secretField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'add-secret' }, 'Secret'),
    secret,
    h(
      'p',
      { class: 'hint', id: 'add-secret-hint' },
      'A base32 seed, an otpauth:// URI, or an otpauth-migration:// export (which adds name-1, name-2, …).',
    ),
  );
  const pathField = h('div', { class: 'field', hidden: true }, pathLabel, path);
  const nameField = h(
    'div',
    { class: 'field' },
    h('label', { for: 'add-name' }, 'Name'),
    name,
    h('p', { class: 'hint', id: 'add-name-hint' }, 'Letters, digits and . _ - @ +, up to 64.'),
  );
  const serialField = h('div', { class: 'field' }, h('label', { for: 'add-serial' }, 'MFA serial (optional)'), serial);
  const forceField = h(
    'div',
    { class: 'field' },
    h('label', { class: 'choice' }, force, 'Replace a device with the same name'),
  );
  const submitButtons = h('div', { class: 'buttons' }, submit);

  const form = h(
    'form',
    { class: 'card add-form', testid: 'add-form', novalidate: true, 'aria-labelledby': 'add-title' },
    h('h2', { id: 'add-title' }, 'Add device'),
    nameField,
    serialField,
    h(
      'fieldset',
      { class: 'field sources' },
      h('legend', {}, 'Seed from'),
      radio('secret', 'Pasted secret'),
      radio('qr', 'QR image'),
      radio('aws', 'AWS seed file'),
      radio('export', 'Authenticator app’s export'),
    ),
    secretField,
    pathField,
    importPanel.el,
    forceField,
    submitButtons,
    error,
    warnings,
    result,
  );

  const inputs: Record<AddField, HTMLElement> = {
    name,
    serial,
    source: form.querySelector<HTMLElement>('input[name="add-source"]') ?? name,
    secret,
    path,
  };

  function checkedSource(): AddSource | null {
    const checked = form.querySelector<HTMLInputElement>('input[name="add-source"]:checked');
    return (checked?.value as AddSource | undefined) ?? null;
  }

  function read(): AddFormInput {
    return {
      name: name.value,
      serial: serial.value,
      source: checkedSource(),
      secret: secret.value,
      path: path.value,
      force: force.checked,
    };
  }

  // What the render last wrote; the inputs start out as the initial state says.
  let writtenText: AddFormText = state.text;
  let drawnWarnings: readonly string[] = state.warnings;

  function update(next: AddState): void {
    if (next === state) return;
    state = next;
    render();
  }

  function render(): void {
    const f = sourceFields(state);
    for (const el of [nameField, serialField, forceField, submitButtons, error, warnings, result]) {
      el.hidden = f.addFieldsHidden;
    }
    importPanel.el.hidden = f.importHidden;
    secretField.hidden = f.secretHidden;
    pathField.hidden = f.pathHidden;
    setText(pathLabel, f.pathLabel);
    if (f.pathPlaceholder !== null) path.placeholder = f.pathPlaceholder;

    if (writtenText !== state.text) {
      writtenText = state.text;
      const t = state.text;
      for (const [input, value] of [
        [name, t.name],
        [serial, t.serial],
        [secret, t.secret],
        [path, t.path],
      ] as const) {
        if (input.value !== value) input.value = value;
      }
      force.checked = t.force;
    }

    const invalid = fieldsInvalid(state);
    if (invalid) {
      for (const [field, el] of Object.entries(inputs)) {
        el.setAttribute('aria-invalid', invalid[field as AddField] ? 'true' : 'false');
      }
    }
    submit.disabled = submitDisabled(state);
    setText(error, state.error);
    setText(result, state.result);
    if (drawnWarnings !== state.warnings) {
      drawnWarnings = state.warnings;
      if (state.warnings.length === 0) {
        replaceChildren(warnings);
      } else {
        replaceChildren(
          warnings,
          h('p', {}, 'Please note:'),
          h('ul', {}, ...state.warnings.map((w) => h('li', {}, w))),
        );
      }
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // With the export chosen a submit (Enter on a radio, say: the panel catches Enter in
    // its own fields) means its Preview, never add_device.
    if (state.source === 'export') {
      importPanel.preview();
      return;
    }
    const out = submitted(state, read());
    update(out.state);
    if (out.focus) inputs[out.focus].focus();
    if (!out.request) return;
    try {
      const answer = await deps.api.addDevice(out.request);
      update(added(state, answer));
      onAdded(answer.added);
    } catch (err) {
      const problem = failure(deps, err);
      update(addFailed(state, problem.kind, problem.message));
    }
  });

  render();
  return form;
}
