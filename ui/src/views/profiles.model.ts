// The profiles view's state and decisions: each profile's credential state as the shell and
// its events report it, what a refresh, a "Keep fresh" toggle, a console open or a change
// of its set-up (wiring, unwiring, keys into the keyring) is doing, and what each row shows. No DOM, no api, no timers: `mountProfiles` performs the calls
// and feeds their answers in here.

import type {
  ConfigPreview,
  DiffLine,
  ErrorKind,
  KeysLocation,
  KeysMoved,
  ProfileView,
  SettingsView,
} from '../lib/api';
import { chainText, profileBadge } from '../lib/format';
import { toggleWatched } from '../lib/validate';

/** Quick picks for the console's service; any other service can be typed. */
export const CONSOLE_SERVICES = [
  's3',
  'ec2',
  'iam',
  'cloudwatch',
  'lambda',
  'cloudformation',
  'rds',
  'dynamodb',
] as const;

export type ProfileRow = {
  view: ProfileView;
  /** "Refresh now" is on its way. */
  refreshing: boolean;
  /** A "Keep fresh" change is being saved. */
  saving: boolean;
  /** "Open console" is on its way. */
  opening: boolean;
  /** The console options (service, region) are open. */
  optionsOpen: boolean;
  /** A wiring, unwiring or keys move on its way through preview and confirmation; null: none. */
  config: ConfigAction | null;
  /** The row's success line ("Console opened…"); "" for none. */
  status: string;
  /** The row's error line; "" for none. */
  error: string;
};

/** A change to the profile's files, which only an explicit confirmation makes. */
export type ConfigKind = 'wire' | 'unwire' | 'move';

export type ConfigAction = {
  kind: ConfigKind;
  /**
   * Reading the lines that will change; refused because another tool's credential_process
   * would be replaced (waiting for "Replace it with Otpilot" or Cancel); waiting for Confirm
   * or Cancel; writing.
   */
  phase: 'previewing' | 'foreign' | 'confirm' | 'writing';
  /** The lines wiring or unwiring will change; null while they are read, and for a move. */
  preview: ConfigPreview | null;
  /**
   * The wiring may replace another tool's credential_process: chosen with "Replace it with
   * Otpilot" for this change of this profile only, and forgotten with it.
   */
  force: boolean;
  /** In 'foreign': what the refusal says, in the window's words; "" otherwise. */
  refusal: string;
};

export type ProfilesState = {
  phase: 'loading' | 'failed' | 'ready';
  loadError: string;
  /**
   * Profile names as listed. A new array on every list, and only then: the render
   * rebuilds the rows when it changes and otherwise updates them in place.
   */
  order: readonly string[];
  rows: ReadonlyMap<string, ProfileRow>;
  /** The settings as last saved here; null until the first "Keep fresh" save. */
  settings: SettingsView | null;
};

export function initialProfiles(): ProfilesState {
  return { phase: 'loading', loadError: '', order: [], rows: new Map(), settings: null };
}

function newRow(view: ProfileView): ProfileRow {
  return {
    view,
    refreshing: false,
    saving: false,
    opening: false,
    optionsOpen: false,
    config: null,
    status: '',
    error: '',
  };
}

/** Applies `change` to the row of `profile`; a profile not listed leaves the state alone. */
function withRow(
  state: ProfilesState,
  profile: string,
  change: (row: ProfileRow) => Partial<ProfileRow>,
): ProfilesState {
  const row = state.rows.get(profile);
  if (!row) return state;
  const rows = new Map(state.rows);
  rows.set(profile, { ...row, ...change(row) });
  return { ...state, rows };
}

// ---- the list ----

export function listed(state: ProfilesState, profiles: readonly ProfileView[]): ProfilesState {
  return {
    ...state,
    phase: 'ready',
    loadError: '',
    order: profiles.map((p) => p.profile),
    rows: new Map(profiles.map((p) => [p.profile, newRow(p)])),
  };
}

/**
 * The list read again after the AWS files changed (profiles://changed). The same names keep
 * the same `order`, so the rows are updated in place, and each row keeps what it was doing
 * and saying (a wiring's result, say); only new or removed names rebuild the list.
 */
export function relisted(state: ProfilesState, profiles: readonly ProfileView[]): ProfilesState {
  const names = profiles.map((p) => p.profile);
  const same = state.phase === 'ready' && names.length === state.order.length && names.every((n, i) => n === state.order[i]);
  return {
    ...state,
    phase: 'ready',
    loadError: '',
    order: same ? state.order : names,
    rows: new Map(
      profiles.map((p) => {
        const row = state.rows.get(p.profile);
        return [p.profile, row ? { ...row, view: p } : newRow(p)];
      }),
    ),
  };
}

export function listFailed(state: ProfilesState, message: string): ProfilesState {
  return { ...state, phase: 'failed', loadError: message, order: [], rows: new Map() };
}

/** Whether the list shows `profile`; an event about any other one means: list again. */
export function hasProfile(state: ProfilesState, profile: string): boolean {
  return state.rows.has(profile);
}

// ---- events from the shell (credentials://refreshed, credentials://failed) ----

export function credentialsRefreshed(state: ProfilesState, view: ProfileView): ProfilesState {
  return withRow(state, view.profile, () => ({ view, error: '' }));
}

export function credentialsFailed(state: ProfilesState, profile: string, message: string): ProfilesState {
  return withRow(state, profile, (row) => ({ view: { ...row.view, state: 'attention', message } }));
}

// ---- Refresh now ----

export function refreshStarted(state: ProfilesState, profile: string): ProfilesState {
  return withRow(state, profile, (row) => ({
    view: { ...row.view, state: 'refreshing' },
    refreshing: true,
    status: '',
    error: '',
  }));
}

/** The shell's answer to refreshing `profile`. */
export function refreshAnswered(state: ProfilesState, profile: string, view: ProfileView): ProfilesState {
  return withRow(state, profile, () => ({ view, refreshing: false }));
}

/** A failed refresh shows as the profile needing attention, with the reason as its message. */
export function refreshFailed(state: ProfilesState, profile: string, message: string): ProfilesState {
  return withRow(state, profile, (row) => ({
    view: { ...row.view, state: 'attention', message },
    refreshing: false,
  }));
}

// ---- Keep fresh (the watched list in the settings) ----

export function watchStarted(state: ProfilesState, profile: string): ProfilesState {
  return withRow(state, profile, () => ({ saving: true, error: '' }));
}

/**
 * The settings to save for "Keep fresh" switched `on` for `profile`: `base` (the latest
 * settings) with only the watched list changed.
 */
export function watchRequest(base: SettingsView, profile: string, on: boolean): SettingsView {
  return { ...base, watchedProfiles: toggleWatched(base.watchedProfiles, profile, on) };
}

/** Saved: the box shows what the shell kept, and later toggles build on these settings. */
export function watchSaved(state: ProfilesState, profile: string, settings: SettingsView): ProfilesState {
  const next = withRow(state, profile, (row) => ({
    view: { ...row.view, watched: settings.watchedProfiles.includes(profile) },
    saving: false,
  }));
  return { ...next, settings };
}

/** Not saved: the box goes back to what the profile had. */
export function watchFailed(state: ProfilesState, profile: string, message: string): ProfilesState {
  return withRow(state, profile, () => ({ saving: false, error: message }));
}

// ---- the AWS console ----

export function toggleConsoleOptions(state: ProfilesState, profile: string): ProfilesState {
  return withRow(state, profile, (row) => ({ optionsOpen: !row.optionsOpen }));
}

export function closeConsoleOptions(state: ProfilesState, profile: string): ProfilesState {
  return withRow(state, profile, () => ({ optionsOpen: false }));
}

/** `open_console`'s service and region as typed: trimmed, and null when left empty. */
export function consoleRequest(service: string, region: string): { service: string | null; region: string | null } {
  const s = service.trim();
  const r = region.trim();
  return { service: s === '' ? null : s, region: r === '' ? null : r };
}

export function consoleStarted(state: ProfilesState, profile: string): ProfilesState {
  return withRow(state, profile, () => ({ opening: true, status: '', error: '' }));
}

export function consoleOpened(state: ProfilesState, profile: string): ProfilesState {
  return withRow(state, profile, () => ({ opening: false, status: 'Console opened in your browser' }));
}

export function consoleFailed(state: ProfilesState, profile: string, message: string): ProfilesState {
  return withRow(state, profile, () => ({ opening: false, error: message }));
}

// ---- set-up: wire, unwire, keys into the keyring (preview, then confirm) ----

const WROTE_CONFIG = 'Your previous config was saved beside it.';

/**
 * Wire, Unwire or Move pressed: wiring and unwiring read their lines first; a move goes
 * straight to its confirmation. Ignored while another change of the row is on its way.
 */
export function configAsked(state: ProfilesState, profile: string, kind: ConfigKind): ProfilesState {
  const row = state.rows.get(profile);
  if (!row || row.config?.phase === 'writing' || row.config?.phase === 'previewing') return state;
  return withRow(state, profile, () => ({
    config: { kind, phase: kind === 'move' ? 'confirm' : 'previewing', preview: null, force: false, refusal: '' },
    status: '',
    error: '',
  }));
}

/**
 * "Replace it with Otpilot": the lines are read again, this time letting the wiring replace
 * the other tool's credential_process. Nothing is written before Confirm.
 */
export function forceAsked(state: ProfilesState, profile: string): ProfilesState {
  const c = state.rows.get(profile)?.config;
  if (c?.kind !== 'wire' || c.phase !== 'foreign') return state;
  return withRow(state, profile, () => ({ config: { ...c, phase: 'previewing', force: true, refusal: '' } }));
}

export function configPreviewed(
  state: ProfilesState,
  profile: string,
  kind: ConfigKind,
  preview: ConfigPreview,
): ProfilesState {
  const c = state.rows.get(profile)?.config;
  if (c?.kind !== kind || c.phase !== 'previewing') return state;
  return withRow(state, profile, () => ({ config: { ...c, phase: 'confirm', preview } }));
}

/** Cancel: nothing is written. */
export function configCancelled(state: ProfilesState, profile: string): ProfilesState {
  const c = state.rows.get(profile)?.config;
  if (!c || c.phase === 'writing') return state;
  return withRow(state, profile, () => ({ config: null }));
}

/** Whether Confirm does anything: a move always, a wiring or unwiring only with lines to change. */
export function configConfirmable(action: ConfigAction): boolean {
  if (action.phase !== 'confirm') return false;
  return action.kind === 'move' || (action.preview !== null && action.preview.lines.length > 0);
}

/**
 * Confirm: the change to make, or null when there is none to confirm, and whether a wiring
 * may replace another tool's credential_process.
 */
export function configConfirmed(
  state: ProfilesState,
  profile: string,
): { state: ProfilesState; kind: ConfigKind | null; force: boolean } {
  const c = state.rows.get(profile)?.config;
  if (!c || !configConfirmable(c)) return { state, kind: null, force: false };
  return {
    state: withRow(state, profile, () => ({ config: { ...c, phase: 'writing' } })),
    kind: c.kind,
    force: c.force,
  };
}

/** Whether the row's change on its way may replace another tool's credential_process. */
export function configForce(state: ProfilesState, profile: string): boolean {
  return state.rows.get(profile)?.config?.force === true;
}

/** Wired or unwired: the row shows the profile as it is now, and says what happened. */
export function configWritten(
  state: ProfilesState,
  profile: string,
  kind: 'wire' | 'unwire',
  view: ProfileView,
): ProfilesState {
  const status =
    kind === 'wire'
      ? `Wired to Otpilot. ${WROTE_CONFIG}`
      : `Unwired: the AWS tools use this profile’s own settings again. ${WROTE_CONFIG}`;
  return withRow(state, profile, () => ({ view, config: null, status, error: '' }));
}

export function keysMovedInRow(state: ProfilesState, moved: KeysMoved): ProfilesState {
  return withRow(state, moved.profile, () => ({ config: null, status: keysMovedText(moved), error: '' }));
}

/** Not read or not written: the row says why; what was on screen stays as it was. */
export function configFailed(state: ProfilesState, profile: string, message: string): ProfilesState {
  return withRow(state, profile, () => ({ config: null, error: message }));
}

/**
 * A wiring or unwiring refused by the shell. A wiring that would replace another tool's
 * credential_process waits for "Replace it with Otpilot" or Cancel, said in the window's
 * words (the shell's speak of the CLI's --force); any other refusal is the row's error.
 */
export function configRefused(state: ProfilesState, profile: string, kind: ErrorKind, message: string): ProfilesState {
  const c = state.rows.get(profile)?.config;
  if (kind !== 'foreign_credential_process' || c?.kind !== 'wire') return configFailed(state, profile, message);
  return withRow(state, profile, () => ({
    config: { ...c, phase: 'foreign', preview: null, force: false, refusal: foreignText(profile, message) },
    error: '',
  }));
}

// ---- another tool's credential_process (shared with the set-up guide) ----

const FOREIGN_MARK = 'already has credential_process = ';
const FORCE_HINT = '; pass --force';

/**
 * The command the other tool's credential_process runs, from the shell's refusal
 * ("profile `X` already has credential_process = CMD; pass --force to replace it"); null
 * when the message does not say.
 */
export function foreignCommand(message: string): string | null {
  const at = message.indexOf(FOREIGN_MARK);
  if (at < 0) return null;
  const rest = message.slice(at + FOREIGN_MARK.length);
  const end = rest.lastIndexOf(FORCE_HINT);
  const command = (end < 0 ? rest : rest.slice(0, end)).trim();
  return command === '' ? null : command;
}

/** Why wiring `profile` was refused, in the window's words: never the CLI's --force. */
export function foreignText(profile: string, message: string): string {
  const command = foreignCommand(message);
  const what = command === null ? '' : ` (credential_process = ${command})`;
  return `${profile} already gets its credentials from another tool${what}.`;
}

/** A refused wiring as the window says it: another tool's credential_process in its words, else the shell's. */
export function wireRefusalText(profile: string, kind: ErrorKind, message: string): string {
  return kind === 'foreign_credential_process' ? foreignText(profile, message) : message;
}

// ---- long-term keys, in words (shared with the set-up guide) ----

const KEYS_WORDS: Record<KeysLocation, string> = {
  keyring: 'Keys in the keyring',
  credentials_file: 'Keys in ~/.aws/credentials (a plain file)',
  both: 'Keys in the keyring and in ~/.aws/credentials',
  nowhere: 'No keys yet',
};

export function keysWords(location: KeysLocation | null): string {
  return KEYS_WORDS[location ?? 'nowhere'];
}

/** Keys still in the plain file can be moved into the keyring. */
export function keysMovable(location: KeysLocation | null): boolean {
  return location === 'credentials_file' || location === 'both';
}

/** What moving the keys will do, said before the person confirms. */
export function moveConfirmText(profile: string): string[] {
  return [
    `The keys of [${profile}] leave ~/.aws/credentials and go into your keyring.`,
    'The file’s other profiles stay as they are.',
    'The file as it was is first saved inside the keyring, so nothing is lost.',
  ];
}

export function keysMovedText(m: KeysMoved): string {
  return `Moved ${m.accessKeyId} into the keyring. ${m.path} as it was is kept in the keyring as ${m.backupKey}.`;
}

export type DiffRow = { text: string; className: 'diff-added' | 'diff-removed' | 'diff-context' };

const DIFF_MARKS = { added: '+ ', removed: '- ', context: '  ' } as const;

/** One row per changed line, marked as `diff` marks them. */
export function diffRows(lines: readonly DiffLine[]): DiffRow[] {
  return lines.map((l) => ({ text: DIFF_MARKS[l.change] + l.text, className: `diff-${l.change}` }));
}

// ---- what the view shows ----

export type ProfilesList =
  | { kind: 'loading' }
  /** Listing failed: nothing to show (the error says why). */
  | { kind: 'none' }
  | { kind: 'empty'; text: string }
  | { kind: 'rows'; profiles: readonly string[] };

export function profilesList(state: ProfilesState): ProfilesList {
  switch (state.phase) {
    case 'loading':
      return { kind: 'loading' };
    case 'failed':
      return { kind: 'none' };
    default:
      return state.order.length === 0
        ? { kind: 'empty', text: 'No AWS profiles found' }
        : { kind: 'rows', profiles: state.order };
  }
}

/** The details under a profile's name. */
export type ProfileDetails = {
  /** "base → admin"; null when there is no chain. */
  chain: string | null;
  /** Which device answers its MFA, or why none does. */
  mfa: string;
  /** Says it is not wired, and the terminal's way to wire it; null when it is. */
  wiring: { text: string; command: string } | null;
  /** "Uses Otpilot profile OTHER"; null when it hands out no other profile. */
  delegates: string | null;
  /** Where the keys of a profile holding its own are; null for any other profile. */
  keys: string | null;
};

export function profileDetails(view: ProfileView): ProfileDetails {
  const ownKeys = view.keys !== null && view.delegatesTo === null;
  return {
    chain: view.chain.length > 0 ? chainText(view.chain) : null,
    mfa: view.device
      ? `Device: ${view.device}`
      : view.mfaSerial
        ? `MFA: ${view.mfaSerial} (no device stored)`
        : 'No MFA',
    wiring: view.wired
      ? null
      : { text: 'Not wired to Otpilot', command: `otpilot profile setup ${shellWord(view.profile)}` },
    delegates: view.delegatesTo !== null ? `Uses Otpilot profile ${view.delegatesTo}` : null,
    keys: ownKeys ? keysWords(view.keys) : null,
  };
}

export type SetupAction = { kind: ConfigKind; label: string; testid: string };

/** The set-up buttons of a profile's card: what it can be changed to. */
export function setupActions(view: ProfileView): SetupAction[] {
  const p = view.profile;
  const actions: SetupAction[] = [];
  if (view.wired) actions.push({ kind: 'unwire', label: 'Unwire', testid: `profile-unwire-${p}` });
  else if (view.error === null) actions.push({ kind: 'wire', label: 'Wire to Otpilot', testid: `profile-wire-${p}` });
  if (view.delegatesTo === null && keysMovable(view.keys)) {
    actions.push({ kind: 'move', label: 'Move into the keyring', testid: `profile-keys-move-${p}` });
  }
  return actions;
}

/** A profile name as one shell word: as it is when it is plain, else single-quoted. */
export function shellWord(name: string): string {
  return /^[A-Za-z0-9._@+-]+$/.test(name) ? name : `'${name.replace(/'/g, `'\\''`)}'`;
}

/**
 * The lines that give a tool this profile's credentials through its environment, to copy
 * into a terminal (the credentials themselves never reach the clipboard). None for a profile
 * Otpilot cannot plan.
 */
export function shellCommands(view: ProfileView): string[] {
  if (view.error !== null || view.chain.length === 0) return [];
  const p = shellWord(view.profile);
  return [`otpilot exec ${p} -- aws sts get-caller-identity`, `eval "$(otpilot export ${p})"`];
}

export type ProfileRowView = {
  badge: { label: string; className: string };
  /** The attention message and the profile's error, as one line; "" for none. */
  message: string;
  /**
   * The "Keep fresh" box: whether the profile is watched; null while a change is saved
   * (the box then shows the user's click until the answer).
   */
  watched: boolean | null;
  watchDisabled: boolean;
  refreshDisabled: boolean;
  consoleDisabled: boolean;
  optionsOpen: boolean;
  /** The set-up buttons are off while a change is previewed, confirmed or written. */
  setupDisabled: boolean;
  status: string;
  error: string;
};

/** Everything a row shows at `nowSeconds` ("valid until" turns into "expires in"). */
export function profileRowView(row: ProfileRow, nowSeconds: number): ProfileRowView {
  const v = row.view;
  const badge = profileBadge(v, nowSeconds);
  return {
    badge: { label: badge.label, className: badge.className },
    message: [v.state === 'attention' ? v.message : null, v.error].filter((s): s is string => !!s).join(' '),
    watched: row.saving ? null : v.watched,
    watchDisabled: row.saving,
    refreshDisabled: row.refreshing,
    consoleDisabled: row.opening,
    optionsOpen: row.optionsOpen,
    setupDisabled: row.config !== null,
    status: row.status,
    error: row.error,
  };
}
