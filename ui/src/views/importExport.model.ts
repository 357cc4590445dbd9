// The add form's "Authenticator app’s export" panel: what Preview sends or why it is
// refused, when the password field shows, how the plan a dry run answers reads, and what
// confirming sends. No DOM, no api: `buildImportPanel` reads the inputs, calls the shell
// and feeds both in here.
//
// An import is two calls of `import_export` on the same file: a dry run (Preview) that
// says what would be added and what skipped, then the very same request without the dry
// run (Add N devices), so what is added is what was shown. The password of an encrypted
// export is asked for only once the shell says the export needs one; it goes with both
// calls and is dropped as soon as the plan is imported or cancelled.

import type { ErrorKind, ExportImportResult, ImportExportArgs, PlannedDeviceView, SkippedView } from '../lib/api';
import { validateImportForm, type ImportField } from '../lib/validate';

export const ENCRYPTED_NOTICE = 'This export is encrypted: enter its password, then Preview again.';

/** The panel's inputs as typed. */
export type ImportText = { path: string; prefix: string; password: string };

/** An input the model may send the focus to. */
export type ImportFocus = ImportField | 'password';

export type ImportPlan = {
  /** The dry run that answered it: confirming sends it again, `dryRun` off. */
  request: ImportExportArgs;
  answer: ExportImportResult;
};

export type ImportState = {
  /**
   * What the inputs hold as far as the model knows: follows the typing, and is a new
   * object whenever the model empties a field (the password after a wrong one, everything
   * after an import), which the render then writes into the inputs.
   */
  text: ImportText;
  /** The export turned out to be encrypted: its password field shows. */
  passwordShown: boolean;
  /** A call is running: the buttons are off and the inputs read-only, so nothing is sent twice. */
  busy: boolean;
  error: string;
  /** `ENCRYPTED_NOTICE` after `password_needed`; "" otherwise. */
  notice: string;
  /** The fields the last Preview found wrong; null before the first one. */
  invalid: ImportField[] | null;
  /** The last dry run's answer, while it still matches the path and prefix. */
  plan: ImportPlan | null;
  /** "Added GitHub-alice and GitLab-bob."; "" for none. */
  result: string;
  /** The import's warnings, shown with the result (a plan shows its own). */
  warnings: readonly string[];
};

const EMPTY_TEXT: ImportText = { path: '', prefix: '', password: '' };

export function initialImport(): ImportState {
  return {
    text: EMPTY_TEXT,
    passwordShown: false,
    busy: false,
    error: '',
    notice: '',
    invalid: null,
    plan: null,
    result: '',
    warnings: [],
  };
}

/**
 * The person typed in a field. A plan was worked out for the path and prefix it was
 * previewed with: changing either discards it, so what Add sends is always what shows.
 */
export function typed(state: ImportState, text: ImportText): ImportState {
  const moved = text.path !== state.text.path || text.prefix !== state.text.prefix;
  return { ...state, text, plan: moved ? null : state.plan };
}

export type ImportStep = {
  state: ImportState;
  /** What to send to `import_export`; null: nothing (refused, or a call is running). */
  request: ImportExportArgs | null;
  /** The input to focus; null: leave the focus where it is. */
  focus: ImportFocus | null;
};

/** "Preview" pressed (or Enter in a field) with the inputs holding `text`. */
export function previewed(state: ImportState, text: ImportText): ImportStep {
  if (state.busy) return { state, request: null, focus: null };
  const cleared: ImportState = { ...state, text, error: '', notice: '', result: '', warnings: [], plan: null };
  // A hidden password field is never read: it shows once the export is known to be encrypted.
  const password = state.passwordShown && text.password !== '' ? text.password : null;
  const checked = validateImportForm({ path: text.path, prefix: text.prefix, password });
  if (!checked.ok) {
    const invalid = Object.keys(checked.errors) as ImportField[];
    const error = invalid.map((f) => checked.errors[f]).join('. ');
    return { state: { ...cleared, invalid, error }, request: null, focus: invalid[0] ?? null };
  }
  return { state: { ...cleared, invalid: [], busy: true }, request: checked.value, focus: null };
}

/** The dry run answered: its plan shows. */
export function previewAnswered(
  state: ImportState,
  request: ImportExportArgs,
  answer: ExportImportResult,
): ImportState {
  return { ...state, busy: false, plan: { request, answer } };
}

export type ImportAnswered = { state: ImportState; focus: ImportFocus | null };

/**
 * The dry run was refused. An encrypted export asks for its password (the shell's words
 * are for the terminal, so the panel says it its own way); a wrong one is emptied for
 * the next try; anything else shows as the shell words it.
 */
export function previewFailed(state: ImportState, kind: ErrorKind, message: string): ImportAnswered {
  const done: ImportState = { ...state, busy: false };
  switch (kind) {
    case 'password_needed':
      return { state: { ...done, passwordShown: true, notice: ENCRYPTED_NOTICE }, focus: 'password' };
    case 'wrong_password':
      return {
        state: { ...done, passwordShown: true, error: message, text: { ...state.text, password: '' } },
        focus: 'password',
      };
    case 'io':
      // The file cannot be read: the path is the thing to fix.
      return { state: { ...done, error: message, invalid: ['path'] }, focus: 'path' };
    default:
      return { state: { ...done, error: message }, focus: null };
  }
}

/** "Add N devices" pressed: the previewed request again, for real. */
export function confirmed(state: ImportState): { state: ImportState; request: ImportExportArgs | null } {
  const plan = state.plan;
  if (state.busy || plan === null || plan.answer.devices.length === 0) return { state, request: null };
  return {
    state: { ...state, busy: true, error: '', result: '' },
    request: { ...plan.request, dryRun: false },
  };
}

/**
 * Imported: the result and the import's warnings show, and the panel is emptied, the
 * password above all (the seeds are in the keyring now; nothing of the export stays in
 * the page).
 */
export function imported(state: ImportState, answer: ExportImportResult): ImportAnswered {
  return {
    state: {
      ...state,
      text: EMPTY_TEXT,
      passwordShown: false,
      busy: false,
      error: '',
      notice: '',
      plan: null,
      result: importedText(answer),
      warnings: answer.warnings,
    },
    focus: 'path',
  };
}

/** The import was refused (the file changed since the preview, say): the plan stays to try again. */
export function confirmFailed(state: ImportState, message: string): ImportState {
  return { ...state, busy: false, error: message };
}

/**
 * "Cancel" pressed, or the panel hidden by choosing another source: the plan and the
 * password go; the path and prefix stay for another Preview.
 */
export function cancelled(state: ImportState): ImportAnswered {
  if (state.busy) return { state, focus: null };
  return {
    state: {
      ...state,
      text: { ...state.text, password: '' },
      passwordShown: false,
      error: '',
      notice: '',
      plan: null,
    },
    focus: 'path',
  };
}

// ---- what the panel shows ----

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** "a", "a and b", "a, b and c". */
export function listText(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The plan's first line: how many devices it adds and how many entries it skips. */
export function planSummary(answer: ExportImportResult): string {
  const from = `the ${answer.format}`;
  const adds = answer.devices.length;
  const skips = answer.skipped.length;
  if (adds === 0) {
    if (skips === 0) return `Nothing to add from ${from}: it holds no entries.`;
    if (skips === 1) return `Nothing to add from ${from}: its only entry is skipped.`;
    return `Nothing to add from ${from}: all ${skips} entries are skipped.`;
  }
  const add = `${plural(adds, 'device', 'devices')} to add`;
  return skips === 0 ? `From ${from}: ${add}.` : `From ${from}: ${add}, ${skips} skipped.`;
}

/** The confirm button's label; null: no button, there is nothing to add. */
export function confirmLabel(plan: ImportPlan | null): string | null {
  const n = plan?.answer.devices.length ?? 0;
  return n === 0 ? null : `Add ${plural(n, 'device', 'devices')}`;
}

export type PlannedRow = {
  name: string;
  /** "GitHub · alice"; null when the entry has neither. */
  about: string | null;
  /** "SHA256 · 8 digits · 60 s"; null for the usual SHA1, 6 digits, 30 s. */
  params: string | null;
  serial: string | null;
  /** Said after a serial built from the account label rather than read whole. */
  serialNote: string | null;
};

export const GUESSED_SERIAL_NOTE = '(guessed from the account label — check it)';

export function plannedRow(d: PlannedDeviceView): PlannedRow {
  const about = [d.issuer, d.account].filter((s): s is string => !!s).join(' · ');
  const usual = d.algorithm.toUpperCase() === 'SHA1' && d.digits === 6 && d.period === 30;
  return {
    name: d.name,
    about: about === '' ? null : about,
    params: usual ? null : `${d.algorithm} · ${d.digits} digits · ${d.period} s`,
    serial: d.serial,
    serialNote: d.serial !== null && d.serialGuessed ? GUESSED_SERIAL_NOTE : null,
  };
}

/** "GitHub (alice) — its seed is already in Otpilot as `GitHub-alice`". */
export function skippedText(s: SkippedView): string {
  return `${s.label === '' ? 'An entry without a name' : s.label} — ${s.reason}`;
}

/** Said after every import that added something: the file is the one copy left outside the keyring. */
export const DELETE_EXPORT_HINT = 'The export file still holds every seed: delete it once you no longer need it.';

/**
 * "Added a, b and c. The export file still holds …"; the import can find nothing left to add
 * if the devices changed since the preview.
 */
export function importedText(answer: ExportImportResult): string {
  if (answer.devices.length === 0) return `Nothing was added from the ${answer.format}: every entry was skipped.`;
  return `Added ${listText(answer.devices.map((d) => d.name))}. ${DELETE_EXPORT_HINT}`;
}

/** Each checked field's aria-invalid; null before the first Preview (no attribute). */
export function fieldsInvalid(state: ImportState): Record<ImportField, boolean> | null {
  const invalid = state.invalid;
  if (invalid === null) return null;
  return { path: invalid.includes('path'), prefix: invalid.includes('prefix') };
}
