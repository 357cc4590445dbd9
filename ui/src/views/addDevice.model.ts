// The "Add device" form's state and decisions: which seed field shows for the chosen
// source, what a submit sends or why it is refused, and what the form says after the
// shell's answer. No DOM, no api: `buildAddForm` reads the inputs, calls the shell and
// feeds both in here.

import type { AddDeviceArgs, AddResult, ErrorKind } from '../lib/api';
import { validateAddForm, type AddField, type AddFormInput, type AddSource } from '../lib/validate';

type PathSource = 'qr' | 'aws';

export const PATH_LABELS: Record<PathSource, { label: string; placeholder: string }> = {
  qr: { label: 'Path of the QR code image', placeholder: '~/Downloads/qr.png' },
  aws: { label: 'Path of the AWS seed file', placeholder: '~/seed.txt' },
};

/** The inputs the model may empty: everything but the source, which only the user sets. */
export type AddFormText = Omit<AddFormInput, 'source'>;

export type AddState = {
  source: AddSource | null;
  /** The last path source chosen, which the path field is labelled for; null: none yet. */
  pathSource: PathSource | null;
  /**
   * What the text inputs hold as far as the model knows: set on submit (what was typed) and
   * emptied after a device was added. A new object only then, so the render writes it into
   * the inputs only then.
   */
  text: AddFormText;
  submitting: boolean;
  error: string;
  warnings: readonly string[];
  /** "Added work."; "" for none. */
  result: string;
  /** The fields the last submit found wrong; null before the first submit. */
  invalid: AddField[] | null;
};

const EMPTY_TEXT: AddFormText = { name: '', serial: '', secret: '', path: '', force: false };

/** The form as first shown: a pasted secret is the default source. */
export function initialAdd(): AddState {
  return {
    source: 'secret',
    pathSource: null,
    text: EMPTY_TEXT,
    submitting: false,
    error: '',
    warnings: [],
    result: '',
    invalid: null,
  };
}

export function sourceChosen(state: AddState, source: AddSource | null): AddState {
  const pathSource = source === 'qr' || source === 'aws' ? source : state.pathSource;
  return { ...state, source, pathSource };
}

export type AddSubmitted = {
  state: AddState;
  /** What to send to `add_device`; null: refused. */
  request: AddDeviceArgs | null;
  /** The first wrong field, to focus; null when none. */
  focus: AddField | null;
};

/** "Add device" pressed with the inputs holding `input`. */
export function submitted(state: AddState, input: AddFormInput): AddSubmitted {
  const text: AddFormText = {
    name: input.name,
    serial: input.serial,
    secret: input.secret,
    path: input.path,
    force: input.force,
  };
  const cleared: AddState = { ...state, text, error: '', result: '', warnings: [] };
  const checked = validateAddForm(input);
  if (!checked.ok) {
    const invalid = Object.keys(checked.errors) as AddField[];
    const error = invalid.map((f) => checked.errors[f]).join('. ');
    return { state: { ...cleared, invalid, error }, request: null, focus: invalid[0] ?? null };
  }
  return { state: { ...cleared, invalid: [], submitting: true }, request: checked.value, focus: null };
}

/** "Added work." or "Added work-1, work-2." for a migration export. */
export function addedText(names: readonly string[]): string {
  return names.length === 1 ? `Added ${names[0]}.` : `Added ${names.join(', ')}.`;
}

/**
 * Added: the form is emptied (the seed is in the keyring now, so it is not kept in the
 * page), the source stays, and the shell's warnings show.
 */
export function added(state: AddState, result: AddResult): AddState {
  return {
    ...state,
    text: EMPTY_TEXT,
    submitting: false,
    result: addedText(result.added.map((d) => d.name)),
    warnings: result.warnings,
  };
}

/** Refused by the shell: what was typed stays; an existing name says how to replace it. */
export function addFailed(state: AddState, kind: ErrorKind, message: string): AddState {
  const hint = kind === 'exists' ? ' Tick “Replace a device with the same name” to replace it.' : '';
  return { ...state, submitting: false, error: message + hint };
}

// ---- what the form shows ----

export type SourceFields = {
  /**
   * An app's export is imported by its own panel (importExport.ts): the form's own fields
   * (name, serial, seed, replace, Add and its lines) make way for it.
   */
  addFieldsHidden: boolean;
  importHidden: boolean;
  secretHidden: boolean;
  pathHidden: boolean;
  pathLabel: string;
  /** null: leave the path field without a placeholder. */
  pathPlaceholder: string | null;
};

/** Only the field of the chosen source shows, the path field labelled for it. */
export function sourceFields(state: AddState): SourceFields {
  const s = state.source;
  const p = state.pathSource;
  return {
    addFieldsHidden: s === 'export',
    importHidden: s !== 'export',
    secretHidden: s !== 'secret',
    pathHidden: s !== 'qr' && s !== 'aws',
    pathLabel: PATH_LABELS[p ?? 'qr'].label,
    pathPlaceholder: p ? PATH_LABELS[p].placeholder : null,
  };
}

/** Each field's aria-invalid; null before the first submit (no attribute). */
export function fieldsInvalid(state: AddState): Record<AddField, boolean> | null {
  const invalid = state.invalid;
  if (invalid === null) return null;
  const bad = (f: AddField): boolean => invalid.includes(f);
  return { name: bad('name'), serial: bad('serial'), source: bad('source'), secret: bad('secret'), path: bad('path') };
}

/** The submit button is off while the shell adds the device. */
export function submitDisabled(state: AddState): boolean {
  return state.submitting;
}
