import { describe, expect, it } from 'vitest';
import type { ExportImportResult, ImportExportArgs, PlannedDeviceView } from '../lib/api';
import {
  DELETE_EXPORT_HINT,
  ENCRYPTED_NOTICE,
  GUESSED_SERIAL_NOTE,
  cancelled,
  confirmFailed,
  confirmLabel,
  confirmed,
  fieldsInvalid,
  imported,
  importedText,
  initialImport,
  listText,
  planSummary,
  plannedRow,
  previewAnswered,
  previewFailed,
  previewed,
  skippedText,
  typed,
  type ImportState,
  type ImportText,
} from './importExport.model';

const device = (over: Partial<PlannedDeviceView> = {}): PlannedDeviceView => ({
  name: 'GitHub-alice',
  issuer: 'GitHub',
  account: 'alice',
  serial: null,
  serialGuessed: false,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  ...over,
});

const answer = (over: Partial<ExportImportResult> = {}): ExportImportResult => ({
  format: 'Aegis export',
  dryRun: true,
  devices: [device()],
  skipped: [],
  warnings: [],
  ...over,
});

const text = (over: Partial<ImportText> = {}): ImportText => ({
  path: '~/aegis.json',
  prefix: '',
  password: '',
  ...over,
});

/** The state while the dry run of `over` runs, and its request. */
function previewing(state: ImportState = initialImport(), over: Partial<ImportText> = {}) {
  const out = previewed(state, text(over));
  if (!out.request) throw new Error(`refused: ${out.state.error}`);
  return { state: out.state, request: out.request };
}

/** A plan shown for the dry run of `over`. */
function planned(over: Partial<ImportText> = {}, result: ExportImportResult = answer()): ImportState {
  const p = previewing(initialImport(), over);
  return previewAnswered(p.state, p.request, result);
}

/** An encrypted export whose password field now shows, with `password` typed. */
function asked(password: string, over: Partial<ImportText> = {}): ImportState {
  const p = previewing(initialImport(), over);
  const needed = previewFailed(p.state, 'password_needed', 'x.json (Aegis export) is encrypted; …').state;
  return typed(needed, text({ ...over, password }));
}

describe('import model: Preview', () => {
  it('refuses an empty path before calling, marking and focusing the field', () => {
    const out = previewed(initialImport(), text({ path: '   ' }));
    expect(out.request).toBeNull();
    expect(out.focus).toBe('path');
    expect(out.state.error).toBe('Enter the path of the export file');
    expect(fieldsInvalid(out.state)).toEqual({ path: true, prefix: false });
    expect(out.state.busy).toBe(false);
  });

  it('refuses a prefix no name can start with', () => {
    const out = previewed(initialImport(), text({ prefix: 'my phone' }));
    expect(out.request).toBeNull();
    expect(out.focus).toBe('prefix');
    expect(fieldsInvalid(out.state)).toEqual({ path: false, prefix: true });
  });

  it('marks nothing before the first Preview', () => {
    expect(fieldsInvalid(initialImport())).toBeNull();
  });

  it('sends a dry run, the prefix trimmed or null, and no password before one is asked for', () => {
    const typedIn = text({ path: ' ~/aegis.json ', prefix: ' phone ', password: 'typed anyway' });
    const out = previewed(initialImport(), typedIn);
    expect(out.request).toEqual({ path: '~/aegis.json', password: null, prefix: 'phone', dryRun: true });
    expect(out.focus).toBeNull();
    expect(out.state.busy).toBe(true);
    expect(fieldsInvalid(out.state)).toEqual({ path: false, prefix: false });
    expect(previewed(initialImport(), text()).request?.prefix).toBeNull();
  });

  it('sends nothing while a call runs', () => {
    const { state } = previewing();
    expect(previewed(state, text())).toEqual({ state, request: null, focus: null });
  });
});

describe('import model: encrypted exports', () => {
  it('asks for the password on password_needed, in its own words, and focuses it', () => {
    const p = previewing();
    const message = 'x.json (Aegis export) is encrypted; give its password on the terminal';
    const out = previewFailed(p.state, 'password_needed', message);
    expect(out.focus).toBe('password');
    expect(out.state.passwordShown).toBe(true);
    expect(out.state.notice).toBe(ENCRYPTED_NOTICE);
    expect(out.state.notice).toBe('This export is encrypted: enter its password, then Preview again.');
    // The shell's words are for the terminal: no error line.
    expect(out.state.error).toBe('');
    expect(out.state.busy).toBe(false);
  });

  it('sends the typed password with the next Preview, and none while the field is empty', () => {
    const s = asked('correct horse');
    const out = previewed(s, text({ password: 'correct horse' }));
    expect(out.request).toEqual({ path: '~/aegis.json', password: 'correct horse', prefix: null, dryRun: true });
    expect(out.state.notice).toBe('');
    expect(previewed(asked(''), text()).request?.password).toBeNull();
  });

  it('empties a wrong password, keeps its field and focuses it, with the shell’s message', () => {
    const p = previewing(asked('nope'), { password: 'nope' });
    const message =
      'wrong password for x.json (Aegis export); nothing was added; try again with the password chosen when exporting';
    const out = previewFailed(p.state, 'wrong_password', message);
    expect(out.focus).toBe('password');
    expect(out.state.error).toBe(message);
    expect(out.state.text.password).toBe('');
    expect(out.state.text.path).toBe('~/aegis.json');
    expect(out.state.passwordShown).toBe(true);
    // A new text object: the render writes the emptied password into the field.
    expect(out.state.text).not.toBe(p.state.text);
  });
});

describe('import model: other refusals', () => {
  it('shows the shell’s message; an unreadable file points at the path', () => {
    const p = previewing();
    const io = previewFailed(p.state, 'io', 'cannot read ~/aegis.json: No such file or directory');
    expect(io.state.error).toBe('cannot read ~/aegis.json: No such file or directory');
    expect(io.focus).toBe('path');
    expect(fieldsInvalid(io.state)).toEqual({ path: true, prefix: false });
    const bad = previewFailed(p.state, 'invalid_input', 'x.json is not an authenticator export Otpilot reads: …');
    expect(bad.state.error).toBe('x.json is not an authenticator export Otpilot reads: …');
    expect(bad.focus).toBeNull();
    expect([bad.state.passwordShown, bad.state.notice, bad.state.busy]).toEqual([false, '', false]);
  });
});

describe('import model: the plan', () => {
  it('shows the dry run’s answer with the request it answered', () => {
    const p = previewing(initialImport(), { prefix: 'phone' });
    const s = previewAnswered(p.state, p.request, answer());
    expect(s.plan).toEqual({ request: p.request, answer: answer() });
    expect(s.busy).toBe(false);
  });

  it('sums the plan up, in the plural, the singular, and with nothing to add', () => {
    const two = [device(), device({ name: 'GitLab-bob' })];
    const skipped = [
      { label: 'Steam (alice)', reason: 'Steam Guard codes are not TOTP' },
      { label: 'GitHub (old)', reason: 'its seed is already in Otpilot as `GitHub-alice`' },
    ];
    expect(planSummary(answer({ devices: [...two, device({ name: 'c' })], skipped }))).toBe(
      'From the Aegis export: 3 devices to add, 2 skipped.',
    );
    expect(planSummary(answer({ format: '2FAS backup' }))).toBe('From the 2FAS backup: 1 device to add.');
    expect(planSummary(answer({ devices: [], skipped }))).toBe(
      'Nothing to add from the Aegis export: all 2 entries are skipped.',
    );
    expect(planSummary(answer({ devices: [], skipped: skipped.slice(1) }))).toBe(
      'Nothing to add from the Aegis export: its only entry is skipped.',
    );
    expect(planSummary(answer({ devices: [] }))).toBe('Nothing to add from the Aegis export: it holds no entries.');
  });

  it('labels the confirm button with the count, and offers none with nothing to add', () => {
    expect(confirmLabel(planned().plan)).toBe('Add 1 device');
    const two = answer({ devices: [device(), device({ name: 'b' })] });
    expect(confirmLabel(planned({}, two).plan)).toBe('Add 2 devices');
    expect(confirmLabel(planned({}, answer({ devices: [] })).plan)).toBeNull();
    expect(confirmLabel(null)).toBeNull();
  });

  it('shows a device’s parameters only when unusual, and says when its serial is a guess', () => {
    expect(plannedRow(device())).toEqual({
      name: 'GitHub-alice',
      about: 'GitHub · alice',
      params: null,
      serial: null,
      serialNote: null,
    });
    const aws = plannedRow(
      device({
        name: 'aws-alice',
        issuer: null,
        account: 'alice@111122223333',
        serial: 'arn:aws:iam::111122223333:mfa/alice',
        serialGuessed: true,
        algorithm: 'SHA256',
        digits: 8,
        period: 60,
      }),
    );
    expect(aws).toEqual({
      name: 'aws-alice',
      about: 'alice@111122223333',
      params: 'SHA256 · 8 digits · 60 s',
      serial: 'arn:aws:iam::111122223333:mfa/alice',
      serialNote: '(guessed from the account label — check it)',
    });
    expect(GUESSED_SERIAL_NOTE).toBe(aws.serialNote);
    expect(plannedRow(device({ serial: 'GAHT12345678' })).serialNote).toBeNull();
    expect(plannedRow(device({ issuer: null, account: null })).about).toBeNull();
  });

  it('says why each entry is skipped', () => {
    expect(skippedText({ label: 'Steam (alice)', reason: 'Steam Guard codes are not TOTP' })).toBe(
      'Steam (alice) — Steam Guard codes are not TOTP',
    );
    expect(skippedText({ label: '', reason: 'it has no secret' })).toBe('An entry without a name — it has no secret');
  });
});

describe('import model: editing after a Preview', () => {
  it('discards the plan when the path or the prefix changes', () => {
    const s = planned({ prefix: 'phone' });
    expect(typed(s, text({ path: '~/aegis-2.json', prefix: 'phone' })).plan).toBeNull();
    expect(typed(s, text({ prefix: 'tablet' })).plan).toBeNull();
  });

  it('keeps it when only the password changes (Add sends the previewed one)', () => {
    const s = typed(asked('pw'), text({ password: 'pw' }));
    const p = previewing(s, { password: 'pw' });
    const shown = previewAnswered(p.state, p.request, answer());
    const edited = typed(shown, text({ password: 'pw2' }));
    expect(edited.plan).toBe(shown.plan);
    expect(confirmed(edited).request?.password).toBe('pw');
  });

  it('drops the last plan as soon as a new Preview starts', () => {
    expect(previewed(planned(), text()).state.plan).toBeNull();
  });
});

describe('import model: confirming', () => {
  it('sends the previewed request again, for real', () => {
    const s = typed(asked('pw', { prefix: 'phone' }), text({ prefix: 'phone', password: 'pw' }));
    const p = previewing(s, { prefix: 'phone', password: 'pw' });
    const shown = previewAnswered(p.state, p.request, answer());
    const out = confirmed(shown);
    expect(out.request).toEqual({ ...p.request, dryRun: false });
    expect(out.request).toEqual({ path: '~/aegis.json', password: 'pw', prefix: 'phone', dryRun: false });
    expect(out.state.busy).toBe(true);
    // Not twice.
    expect(confirmed(out.state).request).toBeNull();
  });

  it('sends nothing without a plan or with nothing to add', () => {
    expect(confirmed(initialImport()).request).toBeNull();
    expect(confirmed(planned({}, answer({ devices: [] }))).request).toBeNull();
  });

  it('names what was added and empties the panel, the password above all', () => {
    const s = typed(asked('pw', { prefix: 'phone' }), text({ prefix: 'phone', password: 'pw' }));
    const p = previewing(s, { prefix: 'phone', password: 'pw' });
    const busy = confirmed(previewAnswered(p.state, p.request, answer())).state;
    const names = ['phone-GitHub-alice', 'phone-GitLab-bob', 'phone-AWS-alice'].map((name) => device({ name }));
    const out = imported(busy, answer({ dryRun: false, devices: names, warnings: ['check the guessed serial'] }));
    expect(out.state.result).toBe(`Added phone-GitHub-alice, phone-GitLab-bob and phone-AWS-alice. ${DELETE_EXPORT_HINT}`);
    expect(out.state.warnings).toEqual(['check the guessed serial']);
    expect(out.state.text).toEqual({ path: '', prefix: '', password: '' });
    const after = out.state;
    expect([after.plan, after.passwordShown, after.busy, after.error]).toEqual([null, false, false, '']);
    expect(out.focus).toBe('path');
    expect(JSON.stringify(out.state)).not.toContain('"pw"');
  });

  it('words the result for one, two and none', () => {
    expect(importedText(answer())).toBe(`Added GitHub-alice. ${DELETE_EXPORT_HINT}`);
    expect(listText(['a', 'b'])).toBe('a and b');
    expect(importedText(answer({ devices: [] }))).toBe(
      'Nothing was added from the Aegis export: every entry was skipped.',
    );
  });

  it('keeps the plan when the import is refused', () => {
    const busy = confirmed(planned()).state;
    const s = confirmFailed(busy, 'cannot read ~/aegis.json: it changed');
    expect(s.error).toBe('cannot read ~/aegis.json: it changed');
    expect(s.plan).toBe(busy.plan);
    expect(s.busy).toBe(false);
  });
});

describe('import model: cancelling', () => {
  it('clears the plan and the password, keeps the path and prefix, and focuses the path', () => {
    const s = typed(asked('pw', { prefix: 'phone' }), text({ prefix: 'phone', password: 'pw' }));
    const p = previewing(s, { prefix: 'phone', password: 'pw' });
    const out = cancelled(previewAnswered(p.state, p.request, answer()));
    expect(out.state.plan).toBeNull();
    expect(out.state.text).toEqual({ path: '~/aegis.json', prefix: 'phone', password: '' });
    expect(out.state.passwordShown).toBe(false);
    expect(out.focus).toBe('path');
    expect(JSON.stringify(out.state)).not.toContain('"pw"');
  });

  it('waits for a running call', () => {
    const busy = confirmed(planned()).state;
    expect(cancelled(busy)).toEqual({ state: busy, focus: null });
  });
});

describe('import model: what it sends', () => {
  it('always sends the four arguments of import_export', () => {
    const keys: (keyof ImportExportArgs)[] = ['path', 'password', 'prefix', 'dryRun'];
    expect(Object.keys(previewing().request).sort()).toEqual([...keys].sort());
  });
});
