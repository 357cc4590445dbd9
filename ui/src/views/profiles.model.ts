// The profiles view's state and decisions: each profile's credential state as the shell and
// its events report it, what a refresh, a "Keep fresh" toggle or a console open is doing,
// and what each row shows. No DOM, no api, no timers: `mountProfiles` performs the calls
// and feeds their answers in here.

import type { ProfileView, SettingsView } from '../lib/api';
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
  /** The row's success line ("Console opened…"); "" for none. */
  status: string;
  /** The row's error line; "" for none. */
  error: string;
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
  return { view, refreshing: false, saving: false, opening: false, optionsOpen: false, status: '', error: '' };
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
  /** How to wire it to Otpilot; null when it is. */
  wiring: string | null;
};

export function profileDetails(view: ProfileView): ProfileDetails {
  return {
    chain: view.chain.length > 0 ? chainText(view.chain) : null,
    mfa: view.device
      ? `Device: ${view.device}`
      : view.mfaSerial
        ? `MFA: ${view.mfaSerial} (no device stored)`
        : 'No MFA',
    wiring: view.wired ? null : `Not wired to Otpilot: run “otpilot profile setup ${view.profile}”`,
  };
}

/** A profile name as one shell word: as it is when it is plain, else single-quoted. */
function shellWord(name: string): string {
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
    status: row.status,
    error: row.error,
  };
}
