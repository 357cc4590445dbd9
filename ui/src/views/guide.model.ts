// The first-run guide's state and decisions: which step is open and which were skipped (kept
// across windows), which steps are done (always from what the shell reports, never from
// what was clicked), and what each step's moves, pastes, wirings and checks are doing.
// No DOM, no api, no storage: `mountGuide` performs the calls and feeds the answers in here.

import type {
  ConfigPreview,
  DeviceView,
  ErrorKind,
  KeysMoved,
  KeysStored,
  ProfileIdentity,
  ProfileView,
} from '../lib/api';
import {
  diffRows,
  foreignText,
  keysMovable,
  keysMovedText,
  keysWords,
  moveConfirmText,
  shellWord,
  wireRefusalText,
} from './profiles.model';

// The keys in words, the changed lines and a refused wiring show on the profile cards too.
export { diffRows, foreignText, keysMovable, keysMovedText, keysWords, moveConfirmText, wireRefusalText };
export type { DiffRow } from './profiles.model';

export const GUIDE_STEPS = ['device', 'keys', 'wire', 'check', 'done'] as const;

export type GuideStep = (typeof GUIDE_STEPS)[number];

export const STEP_LABELS: Record<GuideStep, string> = {
  device: 'MFA device',
  keys: 'Access keys',
  wire: 'Wire profiles',
  check: 'Check',
  done: 'Done',
};

export type StepState = 'current' | 'done' | 'skipped' | 'todo';

/** Where the progress is kept, so a closed window opens again at the same step. */
export const PROGRESS_KEY = 'otpilot.guide';

export type GuideProgress = { current: GuideStep; skipped: readonly GuideStep[] };

export function initialProgress(): GuideProgress {
  return { current: 'device', skipped: [] };
}

function isStep(value: unknown): value is GuideStep {
  return typeof value === 'string' && (GUIDE_STEPS as readonly string[]).includes(value);
}

/**
 * The progress as stored; anything unreadable (another version's format, a hand edit)
 * starts over rather than failing the view.
 */
export function parseProgress(text: string | null): GuideProgress {
  if (text === null) return initialProgress();
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null) return initialProgress();
    const { current, skipped } = raw as { current?: unknown; skipped?: unknown };
    return {
      current: isStep(current) ? current : 'device',
      skipped: Array.isArray(skipped) ? GUIDE_STEPS.filter((s) => skipped.includes(s)) : [],
    };
  } catch {
    return initialProgress();
  }
}

export function progressText(progress: GuideProgress): string {
  return JSON.stringify({ current: progress.current, skipped: progress.skipped });
}

export function goTo(progress: GuideProgress, step: GuideStep): GuideProgress {
  return progress.current === step ? progress : { ...progress, current: step };
}

function offset(step: GuideStep, by: number): GuideStep {
  const i = GUIDE_STEPS.indexOf(step) + by;
  return GUIDE_STEPS[Math.min(Math.max(i, 0), GUIDE_STEPS.length - 1)] ?? step;
}

export function nextStep(progress: GuideProgress): GuideProgress {
  return goTo(progress, offset(progress.current, 1));
}

export function previousStep(progress: GuideProgress): GuideProgress {
  return goTo(progress, offset(progress.current, -1));
}

/** Skip: the step is marked skipped (it can be opened and done later) and the next opens. */
export function skipStep(progress: GuideProgress): GuideProgress {
  const skipped = progress.skipped.includes(progress.current)
    ? progress.skipped
    : GUIDE_STEPS.filter((s) => s === progress.current || progress.skipped.includes(s));
  return nextStep({ ...progress, skipped });
}

export type GuideNav = { backDisabled: boolean; skipDisabled: boolean; nextDisabled: boolean };

export function guideNav(progress: GuideProgress): GuideNav {
  const last = progress.current === 'done';
  return { backDisabled: progress.current === 'device', skipDisabled: last, nextDisabled: last };
}

// ---- what the shell reports ----

/** Profiles that hold long-term keys themselves (not roles, not handing out another's). */
export function keyHolders(profiles: readonly ProfileView[]): ProfileView[] {
  return profiles.filter((p) => !p.isRole && p.delegatesTo === null && p.error === null);
}

export function roleProfiles(profiles: readonly ProfileView[]): ProfileView[] {
  return profiles.filter((p) => p.isRole);
}

export function wiredProfiles(profiles: readonly ProfileView[]): string[] {
  return profiles.filter((p) => p.wired).map((p) => p.profile);
}

/**
 * Whether a window opened without a route should start in the guide: nothing makes codes
 * yet, or no profile gets its credentials from Otpilot yet.
 */
export function needsSetup(devices: readonly DeviceView[], profiles: readonly ProfileView[]): boolean {
  return devices.length === 0 || !profiles.some((p) => p.wired);
}

// ---- the state ----

export type MoveResult = { ok: boolean; text: string };

export type KeysMoveState = {
  /** The profile whose move waits for "Confirm"; null: none. */
  confirming: string | null;
  /** The profile whose move is on its way; null: none. */
  moving: string | null;
  /** What the last move of each profile did, or why it failed. */
  results: ReadonlyMap<string, MoveResult>;
};

export type KeysPasteState = {
  /** The profile a row's "Paste keys" pointed the form at; null: the first key holder. */
  selected: string | null;
  storing: boolean;
  stored: string;
  error: string;
};

export type PreviewResult =
  | { kind: 'ok'; preview: ConfigPreview }
  /** Wiring would replace another tool's credential_process: `text` says so in the window's words. */
  | { kind: 'foreign'; text: string }
  | { kind: 'failed'; message: string };

export type WriteResult = { kind: 'ok' } | { kind: 'failed'; message: string };

export type WireState = {
  /** Choosing; reading the previews; waiting for "Confirm"; writing. */
  phase: 'choose' | 'previewing' | 'confirm' | 'writing';
  /** Role profiles the person unticked: every other choosable one is chosen. */
  unticked: ReadonlySet<string>;
  /** The previews of the profiles chosen, in their order. */
  previews: ReadonlyMap<string, PreviewResult>;
  /**
   * Profiles whose wiring may replace another tool's credential_process ("Replace it with
   * Otpilot"), each chosen on its own; forgotten on Cancel, on a new preview and once written.
   */
  forced: ReadonlySet<string>;
  /** What the last confirmed wiring did, per profile. */
  results: ReadonlyMap<string, WriteResult>;
  /** The AWS config the last wiring changed; null: none changed. */
  changedPath: string | null;
};

export type CheckRow =
  | { kind: 'checking' }
  | { kind: 'ok'; identity: ProfileIdentity }
  | { kind: 'failed'; message: string };

export type CheckState = {
  /** Numbers the runs: only the latest one's answers count. */
  seq: number;
  rows: ReadonlyMap<string, CheckRow>;
};

export type GuideState = {
  progress: GuideProgress;
  /** null until the shell answers. */
  devices: readonly DeviceView[] | null;
  profiles: readonly ProfileView[] | null;
  /** Why devices or profiles could not be read; "" for none. */
  loadError: string;
  move: KeysMoveState;
  paste: KeysPasteState;
  wire: WireState;
  check: CheckState;
};

export function initialGuide(progress: GuideProgress): GuideState {
  return {
    progress,
    devices: null,
    profiles: null,
    loadError: '',
    move: { confirming: null, moving: null, results: new Map() },
    paste: { selected: null, storing: false, stored: '', error: '' },
    wire: {
      phase: 'choose',
      unticked: new Set(),
      previews: new Map(),
      forced: new Set(),
      results: new Map(),
      changedPath: null,
    },
    check: { seq: 0, rows: new Map() },
  };
}

export function withProgress(state: GuideState, progress: GuideProgress): GuideState {
  return progress === state.progress ? state : { ...state, progress };
}

export function devicesLoaded(state: GuideState, devices: readonly DeviceView[]): GuideState {
  return { ...state, devices, loadError: '' };
}

export function profilesLoaded(state: GuideState, profiles: readonly ProfileView[]): GuideState {
  return { ...state, profiles, loadError: '' };
}

export function loadFailed(state: GuideState, message: string): GuideState {
  return { ...state, loadError: message };
}

// ---- step states ----

/** Whether `step` is done, from what the shell reports (and, for the check, this visit's runs). */
export function stepDone(state: GuideState, step: GuideStep): boolean {
  const profiles = state.profiles ?? [];
  switch (step) {
    case 'device':
      return (state.devices?.length ?? 0) > 0;
    case 'keys':
      return keyHolders(profiles).some((p) => p.keys === 'keyring');
    case 'wire':
      return roleProfiles(profiles).some((p) => p.wired);
    case 'check': {
      const wired = wiredProfiles(profiles);
      return wired.length > 0 && wired.every((p) => state.check.rows.get(p)?.kind === 'ok');
    }
    case 'done':
      return GUIDE_STEPS.every((s) => s === 'done' || stepDone(state, s));
  }
}

export function stepState(state: GuideState, step: GuideStep): StepState {
  if (state.progress.current === step) return 'current';
  if (stepDone(state, step)) return 'done';
  return state.progress.skipped.includes(step) ? 'skipped' : 'todo';
}

// ---- the device step ----

export function devicesText(devices: readonly DeviceView[] | null): string {
  if (devices === null) return 'Loading…';
  if (devices.length === 0) return 'No device yet.';
  return `${devices.length === 1 ? 'Your device' : 'Your devices'}: ${devices.map((d) => d.name).join(', ')}.`;
}

// ---- the keys step ----

export type KeysRow = {
  profile: string;
  words: string;
  movable: boolean;
  confirming: boolean;
  moving: boolean;
  result: MoveResult | null;
};

export function keysRows(state: GuideState): KeysRow[] {
  return keyHolders(state.profiles ?? []).map((p) => ({
    profile: p.profile,
    words: keysWords(p.keys),
    movable: keysMovable(p.keys),
    confirming: state.move.confirming === p.profile,
    moving: state.move.moving === p.profile,
    result: state.move.results.get(p.profile) ?? null,
  }));
}

export function moveAsked(state: GuideState, profile: string): GuideState {
  if (state.move.moving !== null) return state;
  return { ...state, move: { ...state.move, confirming: profile } };
}

export function moveCancelled(state: GuideState): GuideState {
  if (state.move.confirming === null) return state;
  return { ...state, move: { ...state.move, confirming: null } };
}

/** Confirmed: the profile to move, or null when no move waits for confirmation. */
export function moveConfirmed(state: GuideState): { state: GuideState; profile: string | null } {
  const profile = state.move.confirming;
  if (profile === null || state.move.moving !== null) return { state, profile: null };
  return { state: { ...state, move: { ...state.move, confirming: null, moving: profile } }, profile };
}

function moveAnswered(state: GuideState, profile: string, result: MoveResult): GuideState {
  const results = new Map(state.move.results);
  results.set(profile, result);
  return { ...state, move: { ...state.move, moving: null, results } };
}

export function moveDone(state: GuideState, moved: KeysMoved): GuideState {
  return moveAnswered(state, moved.profile, { ok: true, text: keysMovedText(moved) });
}

export function moveFailed(state: GuideState, profile: string, message: string): GuideState {
  return moveAnswered(state, profile, { ok: false, text: message });
}

/** The profile the paste form offers: the one a row pointed at, else the first key holder. */
export function pasteTarget(state: GuideState): string {
  return state.paste.selected ?? keyHolders(state.profiles ?? [])[0]?.profile ?? '';
}

export function pasteSelected(state: GuideState, profile: string): GuideState {
  return { ...state, paste: { ...state.paste, selected: profile } };
}

export type KeysInput = {
  profile: string;
  /** The textarea's text. */
  pasted: string;
  /** The chosen CSV file's text; null: none chosen. */
  csv: string | null;
  accessKeyId: string;
};

export type KeysRequest = { profile: string; text: string; accessKeyId: string | null };

/** "Save" pressed: what to send to `keys_store`, or why nothing is sent. */
export function keysRequest(input: KeysInput): { request: KeysRequest } | { error: string } {
  const profile = input.profile.trim();
  if (profile === '') return { error: 'Name the profile the keys are for.' };
  // Pasted text wins: a file picked earlier may be the wrong one.
  const text = input.pasted.trim() !== '' ? input.pasted : (input.csv ?? '');
  if (text.trim() === '') return { error: 'Paste the keys, or choose the CSV file the IAM console gave you.' };
  const id = input.accessKeyId.trim();
  return { request: { profile, text, accessKeyId: id === '' ? null : id } };
}

export function storeStarted(state: GuideState): GuideState {
  return { ...state, paste: { ...state.paste, storing: true, stored: '', error: '' } };
}

export function storeRefused(state: GuideState, error: string): GuideState {
  return { ...state, paste: { ...state.paste, stored: '', error } };
}

export function storeDone(state: GuideState, stored: KeysStored): GuideState {
  const text = `Stored ${stored.accessKeyId} in the keyring for ${stored.profile}.`;
  return { ...state, paste: { ...state.paste, storing: false, stored: text, error: '' } };
}

export function storeFailed(state: GuideState, message: string): GuideState {
  return { ...state, paste: { ...state.paste, storing: false, error: message } };
}

// ---- the wire step ----

export type WireRow = {
  profile: string;
  wired: boolean;
  error: string | null;
  /** Not wired and without error: it can be chosen. */
  choosable: boolean;
  ticked: boolean;
};

export function wireRows(state: GuideState): WireRow[] {
  return roleProfiles(state.profiles ?? []).map((p) => {
    const choosable = !p.wired && p.error === null;
    return {
      profile: p.profile,
      wired: p.wired,
      error: p.error,
      choosable,
      ticked: choosable && !state.wire.unticked.has(p.profile),
    };
  });
}

export function wireChosen(state: GuideState): string[] {
  return wireRows(state)
    .filter((r) => r.ticked)
    .map((r) => r.profile);
}

export function wireTicked(state: GuideState, profile: string, on: boolean): GuideState {
  const unticked = new Set(state.wire.unticked);
  if (on) unticked.delete(profile);
  else unticked.add(profile);
  return { ...state, wire: { ...state.wire, unticked } };
}

/** "Show the changes": the previews to read, or none when nothing is chosen or it is busy. */
export function previewStarted(state: GuideState): { state: GuideState; profiles: string[] } {
  const profiles = wireChosen(state);
  if (state.wire.phase !== 'choose' || profiles.length === 0) return { state, profiles: [] };
  return {
    state: {
      ...state,
      wire: { ...state.wire, phase: 'previewing', previews: new Map(), forced: new Set(), results: new Map(), changedPath: null },
    },
    profiles,
  };
}

/** A preview the shell refused: another tool's credential_process in the window's words, else its message. */
export function previewRefused(profile: string, kind: ErrorKind, message: string): PreviewResult {
  return kind === 'foreign_credential_process'
    ? { kind: 'foreign', text: foreignText(profile, message) }
    : { kind: 'failed', message };
}

/**
 * "Replace it with Otpilot" under a refused preview: that profile's lines are read again,
 * letting its wiring replace the other tool's credential_process; the other previews stay.
 * Nothing is written before Confirm. Null when that preview was not refused so.
 */
export function forceStarted(state: GuideState, profile: string): { state: GuideState; profile: string | null } {
  if (state.wire.phase !== 'confirm' || state.wire.previews.get(profile)?.kind !== 'foreign') {
    return { state, profile: null };
  }
  const forced = new Set(state.wire.forced);
  forced.add(profile);
  return { state: { ...state, wire: { ...state.wire, phase: 'previewing', forced } }, profile };
}

/** Whether the wiring of `profile` (its preview, then its write) may replace another tool's credential_process. */
export function wireForce(state: GuideState, profile: string): boolean {
  return state.wire.forced.has(profile);
}

export function previewAnswered(state: GuideState, profile: string, result: PreviewResult): GuideState {
  if (state.wire.phase !== 'previewing') return state;
  const previews = new Map(state.wire.previews);
  previews.set(profile, result);
  return { ...state, wire: { ...state.wire, previews } };
}

export function previewsRead(state: GuideState): GuideState {
  if (state.wire.phase !== 'previewing') return state;
  return { ...state, wire: { ...state.wire, phase: 'confirm' } };
}

/** Cancel: back to the list, nothing written, and no wiring forced any more. */
export function wireCancelled(state: GuideState): GuideState {
  if (state.wire.phase !== 'confirm') return state;
  return { ...state, wire: { ...state.wire, phase: 'choose', previews: new Map(), forced: new Set() } };
}

/** The profiles a confirmation would wire: those whose preview shows a change. */
export function wireWritable(state: GuideState): string[] {
  return [...state.wire.previews]
    .filter(([, r]) => r.kind === 'ok' && r.preview.lines.length > 0)
    .map(([p]) => p);
}

export function writeStarted(state: GuideState): { state: GuideState; profiles: string[] } {
  const profiles = wireWritable(state);
  if (state.wire.phase !== 'confirm' || profiles.length === 0) return { state, profiles: [] };
  return { state: { ...state, wire: { ...state.wire, phase: 'writing', results: new Map() } }, profiles };
}

export function writeAnswered(state: GuideState, profile: string, result: WriteResult): GuideState {
  if (state.wire.phase !== 'writing') return state;
  const results = new Map(state.wire.results);
  results.set(profile, result);
  const preview = state.wire.previews.get(profile);
  const changedPath =
    result.kind === 'ok' && preview?.kind === 'ok' ? preview.preview.path : state.wire.changedPath;
  return { ...state, wire: { ...state.wire, results, changedPath } };
}

/** Every chosen profile answered: the list shows again, with the results under it. */
export function writesDone(state: GuideState): GuideState {
  if (state.wire.phase !== 'writing') return state;
  return { ...state, wire: { ...state.wire, phase: 'choose', previews: new Map(), forced: new Set() } };
}

export function writeResultText(profile: string, result: WriteResult): string {
  return result.kind === 'ok' ? `${profile} is wired to Otpilot.` : `${profile}: ${result.message}`;
}

/** Said once something was written: where, and that nothing was lost. */
export function backupNote(path: string | null): string {
  return path === null ? '' : `${path} was changed; your previous config was saved beside it.`;
}

// ---- the check step ----

/** A run of the check: every wired profile, each "checking…" until it answers. */
export function checkStarted(state: GuideState): { state: GuideState; seq: number; profiles: string[] } {
  const profiles = wiredProfiles(state.profiles ?? []);
  const seq = state.check.seq + 1;
  const rows = new Map<string, CheckRow>(profiles.map((p) => [p, { kind: 'checking' }]));
  return { state: { ...state, check: { seq, rows } }, seq, profiles };
}

export function checkAnswered(state: GuideState, seq: number, profile: string, row: CheckRow): GuideState {
  if (seq !== state.check.seq || !state.check.rows.has(profile)) return state;
  const rows = new Map(state.check.rows);
  rows.set(profile, row);
  return { ...state, check: { ...state.check, rows } };
}

// ---- the done step ----

/** What works now for a wired profile, to type in any terminal. */
export function doneCommands(profile: string): string[] {
  const p = shellWord(profile);
  return [`aws sts get-caller-identity --profile ${p}`, `otpilot exec ${p} -- terraform plan`];
}
