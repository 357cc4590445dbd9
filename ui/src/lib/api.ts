// The only door to the Rust side (src-tauri). Every `invoke(...)` command name and every
// event name the UI uses lives in this file; views import these functions, never
// `@tauri-apps/api` directly, so the contract with the shell can be read in one place.
//
// Tauri turns Rust snake_case command arguments into camelCase keys on the JS side, so the
// argument objects below use camelCase. Every rejection is normalised into a `CommandError`.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

// ---- types shared with src-tauri: generated from the Rust types (see bindings.ts) ----

import type { ErrorKind as WireErrorKind, FailedEvent, Freshness } from './bindings';

// Every generated type, under its Rust name (the UI's own `ErrorKind` below takes precedence).
export type * from './bindings';
import type {
  AccountReport,
  ActivityEntry,
  AddDeviceArgs,
  AddResult,
  AppStatus,
  CodeView,
  ConfigPreview,
  CopyResult,
  DeviceArgs,
  DeviceView,
  EnrollCandidate,
  EnrollResult,
  ExportImportResult,
  ImportExportArgs,
  KeysMoved,
  KeysStored,
  MfaEnrollArgs,
  OrganizationArgs,
  OrganizationReport,
  OrgProgressEvent,
  OpenConsoleArgs,
  ProfileArgs,
  ProfileIdentity,
  ProfileView,
  RecentActivityArgs,
  RenameDeviceArgs,
  SaveSettingsArgs,
  SetDeviceSerialArgs,
  SettingsView,
  StoreKeysArgs,
  SwitchSerialArgs,
  WireArgs,
} from './bindings';

/** What the tray knows of a watched profile. */
export type ProfileState = Freshness;

/** The payload of `credentials://failed`. */
export type FailedPayload = FailedEvent;

/** Every error kind the shell can send (generated from the core's `ErrorKind`). */
export type { WireErrorKind };


// ---- errors ----

/**
 * The kinds the UI branches on; every other kind the shell sends (see `WireErrorKind`) reads
 * as "other", with the kind as sent in `rawKind`. `satisfies` keeps this list to kinds the
 * Rust side really has.
 */
export const ERROR_KINDS = [
  'keyring_locked',
  'no_keyring',
  'not_found',
  'exists',
  'invalid_input',
  'aws',
  'io',
  'other',
  /**
   * The command needs the running tray (otpilot-tray) and it is not running: copy_code,
   * refresh_profile, open_console, and save_settings when the shortcut changes. The
   * message says to start it.
   */
  'tray_not_running',
  /**
   * Wiring would replace a credential_process that runs another tool: wire_preview and
   * wire_profile refuse unless `force` is true. The message is the CLI's ("…; pass --force
   * to replace it"), so the window words it itself and offers to replace it.
   */
  'foreign_credential_process',
  /**
   * import_export was given an encrypted export and no password: the window then asks for
   * the password and calls again.
   */
  'password_needed',
  /** import_export: the export's password is wrong; nothing was added. */
  'wrong_password',
] as const satisfies readonly WireErrorKind[];

export type ErrorKind = (typeof ERROR_KINDS)[number];

/** What every rejected command carries: `{ kind, message }` from the Rust `CommandError`. */
export class CommandError extends Error {
  readonly kind: ErrorKind;
  /** The kind as sent, when it was not one of `ERROR_KINDS` (then `kind` is "other"). */
  readonly rawKind: string;

  constructor(kind: ErrorKind, message: string, rawKind: string = kind) {
    super(message);
    this.name = 'CommandError';
    this.kind = kind;
    this.rawKind = rawKind;
  }
}

function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (ERROR_KINDS as readonly string[]).includes(value);
}

/**
 * Turns whatever a rejected invoke (or anything else) threw into a `CommandError`.
 * The shell sends `{ kind, message }`; Tauri itself rejects with plain strings (unknown
 * command, bad arguments); outside Tauri `invoke` throws a `TypeError`.
 */
export function toCommandError(err: unknown): CommandError {
  if (err instanceof CommandError) return err;
  if (typeof err === 'string') return new CommandError('other', err || 'Unknown error');
  if (typeof err === 'object' && err !== null) {
    const { kind, message } = err as { kind?: unknown; message?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : undefined;
    if (isErrorKind(kind)) return new CommandError(kind, text ?? kind.replace(/_/g, ' '));
    const raw = typeof kind === 'string' && kind !== '' ? kind : 'other';
    if (text !== undefined) return new CommandError('other', text, raw);
  }
  if (err === undefined || err === null) return new CommandError('other', 'Unknown error');
  return new CommandError('other', String(err));
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (err) {
    throw toCommandError(err);
  }
}

// ---- commands ----

export const appStatus = (): Promise<AppStatus> => call('app_status');

export const listDevices = (): Promise<DeviceView[]> => call('list_devices');

export const deviceCodes = (): Promise<CodeView[]> => call('device_codes');

export const addDevice = (args: AddDeviceArgs): Promise<AddResult> => call('add_device', args);

/**
 * Reads an authenticator app's export (Aegis, 2FAS, Bitwarden, ...) and adds a device for
 * each TOTP account not already here, all together or none; `dryRun` adds nothing and
 * answers the plan. `password` is for an encrypted export (`password_needed` without it):
 * never log it, and drop it once the import is done or cancelled.
 */
export const importExport = (args: ImportExportArgs): Promise<ExportImportResult> => call('import_export', args);

export const removeDevice = (name: string): Promise<void> => call('remove_device', { name } satisfies DeviceArgs);

export const renameDevice = (oldName: string, newName: string): Promise<DeviceView> =>
  call('rename_device', { old: oldName, new: newName } satisfies RenameDeviceArgs);

export const setDeviceSerial = (name: string, serial: string | null): Promise<DeviceView> =>
  call('set_device_serial', { name, serial } satisfies SetDeviceSerialArgs);

/** An SVG document; show it only after the user has confirmed. */
export const deviceQrSvg = (name: string): Promise<string> => call('device_qr_svg', { name } satisfies DeviceArgs);

export const copyCode = (name: string): Promise<CopyResult> => call('copy_code', { name } satisfies DeviceArgs);

export const listProfiles = (): Promise<ProfileView[]> => call('list_profiles');

export const refreshProfile = (profile: string): Promise<ProfileView> =>
  call('refresh_profile', { profile } satisfies ProfileArgs);

export const openConsole = (
  profile: string,
  service: string | null,
  region: string | null,
): Promise<void> => call('open_console', { profile, service, region } satisfies OpenConsoleArgs);

export const getSettings = (): Promise<SettingsView> => call('get_settings');

export const saveSettings = (settings: SettingsView): Promise<SettingsView> =>
  call('save_settings', { settings } satisfies SaveSettingsArgs);

/** Profiles with long-term access keys, which can enroll a new virtual MFA device. */
export const mfaEnrollCandidates = (): Promise<EnrollCandidate[]> => call('mfa_enroll_candidates');

/**
 * Creates and enables a virtual MFA device for the profile's IAM user and stores its seed;
 * `deviceName` (an IAM virtual MFA device name) null means the shell's default. Takes a
 * few seconds.
 */
export const mfaEnroll = (profile: string, deviceName: string | null): Promise<EnrollResult> =>
  call('mfa_enroll', { profile, deviceName } satisfies MfaEnrollArgs);

/** The latest `limit` activity log entries, newest first. */
export const recentActivity = (limit: number): Promise<ActivityEntry[]> =>
  call('recent_activity', { limit } satisfies RecentActivityArgs);

/**
 * Moves the profile's long-term keys out of ~/.aws/credentials into the keyring; the file
 * keeps its other profiles, and the file as it was is kept in the keyring (`backupKey`).
 */
export const keysMove = (profile: string): Promise<KeysMoved> => call('keys_move', { profile } satisfies ProfileArgs);

/**
 * Stores pasted keys in the keyring: `text` is "AKID SECRET", the secret alone (then with
 * `accessKeyId`), or the IAM console's CSV file. It carries a secret: never log it, and
 * empty the field it came from once this answers.
 */
export const keysStore = (profile: string, text: string, accessKeyId: string | null): Promise<KeysStored> =>
  call('keys_store', { profile, text, accessKeyId } satisfies StoreKeysArgs);

/** The lines wiring would change in the AWS config; writes nothing. */
export const wirePreview = (profile: string, force: boolean): Promise<ConfigPreview> =>
  call('wire_preview', { profile, force } satisfies WireArgs);

/** Wires the profile to Otpilot (the AWS config is backed up first). */
export const wireProfile = (profile: string, force: boolean): Promise<ProfileView> =>
  call('wire_profile', { profile, force } satisfies WireArgs);

/** The lines unwiring would change in the AWS config; writes nothing. */
export const unwirePreview = (profile: string): Promise<ConfigPreview> =>
  call('unwire_preview', { profile } satisfies ProfileArgs);

export const unwireProfile = (profile: string): Promise<ProfileView> =>
  call('unwire_profile', { profile } satisfies ProfileArgs);

/**
 * Gets credentials through the tray, as the AWS CLI would, then asks STS who they are.
 * Can take seconds (the tray may ask for a code); a failure's message says what to do.
 */
export const checkProfile = (profile: string): Promise<ProfileIdentity> =>
  call('check_profile', { profile } satisfies ProfileArgs);

/** Points every profile whose mfa_serial is `old` at `newSerial`; answers the profiles changed. */
export const mfaSwitchSerial = (old: string, newSerial: string): Promise<string[]> =>
  call('mfa_switch_serial', { old, new: newSerial } satisfies SwitchSerialArgs);

/**
 * The MFA posture of the AWS account behind the profile (users without MFA, old or unused
 * access keys, abandoned MFA devices, the password policy), most severe first. It only
 * reads; each finding names the CLI command that fixes it. Takes seconds (IAM builds the
 * credential report; the tray may ask for an MFA code).
 */
export const accountReport = (args: ProfileArgs): Promise<AccountReport> => call('account_report', args);

/**
 * The same report in every (selected) account of the AWS Organization the profile manages,
 * through each account's access role and one MFA session (`otpilot account report
 * --organization`). The tray checks the fields; a profile that is not the management
 * account's (or a delegated administrator's) fails with a message saying so. Progress comes
 * as `organization://progress` events while it runs.
 */
export const organizationReport = (args: OrganizationArgs): Promise<OrganizationReport> =>
  call('organization_report', args);

// ---- events ----

export const EVENTS = {
  refreshed: 'credentials://refreshed',
  failed: 'credentials://failed',
  devicesChanged: 'devices://changed',
  /** The AWS files changed (keys moved or stored, a profile wired or unwired). */
  profilesChanged: 'profiles://changed',
  /** How far a running organization report is (accounts done, of how many). */
  organizationProgress: 'organization://progress',
} as const;

/**
 * Subscribes to an event and returns a synchronous unsubscribe, safe to call before the
 * subscription has settled. Outside Tauri (a plain browser, unit tests) it does nothing.
 */
function subscribe<T>(event: string, handler: (payload: T) => void): () => void {
  let unlisten: UnlistenFn | undefined;
  let disposed = false;
  try {
    listen<T>(event, (e) => {
      if (!disposed) handler(e.payload);
    }).then(
      (fn) => {
        if (disposed) fn();
        else unlisten = fn;
      },
      () => undefined,
    );
  } catch {
    // Not running inside Tauri.
  }
  return () => {
    disposed = true;
    unlisten?.();
    unlisten = undefined;
  };
}

export const onCredentialsRefreshed = (handler: (view: ProfileView) => void): (() => void) =>
  subscribe<ProfileView>(EVENTS.refreshed, handler);

export const onCredentialsFailed = (handler: (payload: FailedPayload) => void): (() => void) =>
  subscribe<FailedPayload>(EVENTS.failed, handler);

export const onDevicesChanged = (handler: () => void): (() => void) =>
  subscribe<null>(EVENTS.devicesChanged, () => handler());

export const onProfilesChanged = (handler: () => void): (() => void) =>
  subscribe<null>(EVENTS.profilesChanged, () => handler());

export const onOrganizationProgress = (handler: (progress: OrgProgressEvent) => void): (() => void) =>
  subscribe<OrgProgressEvent>(EVENTS.organizationProgress, handler);
