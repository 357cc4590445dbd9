// The "Add device" form of the devices view: a name, an optional serial, and one source for
// the seed (pasted secret, QR image path, AWS seed file path). Paths are typed or pasted:
// the shell has no file-dialog plugin.

import type { DeviceView } from '../lib/api';
import { h, replaceChildren, setText } from '../lib/dom';
import { validateAddForm, type AddField, type AddSource } from '../lib/validate';
import { failure, type ViewDeps } from './context';

const PATH_LABELS: Record<Exclude<AddSource, 'secret'>, { label: string; placeholder: string }> = {
  qr: { label: 'Path of the QR code image', placeholder: '~/Downloads/qr.png' },
  aws: { label: 'Path of the AWS seed file', placeholder: '~/seed.txt' },
};

export function buildAddForm(deps: ViewDeps, onAdded: (added: DeviceView[]) => void): HTMLFormElement {
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
  const radio = (source: AddSource, label: string, checked = false): HTMLLabelElement =>
    h(
      'label',
      { class: 'choice' },
      h('input', {
        type: 'radio',
        name: 'add-source',
        value: source,
        testid: `add-source-${source}`,
        checked,
        onchange: () => showSource(),
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

  const form = h(
    'form',
    { class: 'card add-form', testid: 'add-form', novalidate: true, 'aria-labelledby': 'add-title' },
    h('h2', { id: 'add-title' }, 'Add device'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'add-name' }, 'Name'),
      name,
      h('p', { class: 'hint', id: 'add-name-hint' }, 'Letters, digits and . _ - @ +, up to 64.'),
    ),
    h('div', { class: 'field' }, h('label', { for: 'add-serial' }, 'MFA serial (optional)'), serial),
    h(
      'fieldset',
      { class: 'field sources' },
      h('legend', {}, 'Seed from'),
      radio('secret', 'Pasted secret', true),
      radio('qr', 'QR image'),
      radio('aws', 'AWS seed file'),
    ),
    secretField,
    pathField,
    h('div', { class: 'field' }, h('label', { class: 'choice' }, force, 'Replace a device with the same name')),
    h('div', { class: 'buttons' }, submit),
    error,
    warnings,
    result,
  );

  function source(): AddSource | null {
    const checked = form.querySelector<HTMLInputElement>('input[name="add-source"]:checked');
    return (checked?.value as AddSource | undefined) ?? null;
  }

  function showSource(): void {
    const s = source();
    secretField.hidden = s !== 'secret';
    pathField.hidden = s === 'secret' || s === null;
    if (s === 'qr' || s === 'aws') {
      setText(pathLabel, PATH_LABELS[s].label);
      path.placeholder = PATH_LABELS[s].placeholder;
    }
  }

  const inputs: Record<AddField, HTMLElement> = {
    name,
    serial,
    source: form.querySelector<HTMLElement>('input[name="add-source"]') ?? name,
    secret,
    path,
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setText(error, '');
    setText(result, '');
    replaceChildren(warnings);
    const checked = validateAddForm({
      name: name.value,
      serial: serial.value,
      source: source(),
      secret: secret.value,
      path: path.value,
      force: force.checked,
    });
    for (const [field, el] of Object.entries(inputs)) {
      const bad = !checked.ok && field in checked.errors;
      el.setAttribute('aria-invalid', bad ? 'true' : 'false');
    }
    if (!checked.ok) {
      const fields = Object.keys(checked.errors) as AddField[];
      setText(error, fields.map((f) => checked.errors[f]).join('. '));
      const first = fields[0];
      if (first) inputs[first].focus();
      return;
    }
    submit.disabled = true;
    try {
      const added = await deps.api.addDevice(checked.value);
      // The seed is in the keyring now: do not keep it in the page.
      secret.value = '';
      path.value = '';
      name.value = '';
      serial.value = '';
      force.checked = false;
      const names = added.added.map((d) => d.name);
      setText(result, names.length === 1 ? `Added ${names[0]}.` : `Added ${names.join(', ')}.`);
      if (added.warnings.length > 0) {
        replaceChildren(
          warnings,
          h('p', {}, 'Please note:'),
          h('ul', {}, ...added.warnings.map((w) => h('li', {}, w))),
        );
      }
      onAdded(added.added);
    } catch (err) {
      const problem = failure(deps, err);
      const hint = problem.kind === 'exists' ? ' Tick “Replace a device with the same name” to replace it.' : '';
      setText(error, problem.message + hint);
    } finally {
      submit.disabled = false;
    }
  });

  showSource();
  return form;
}
