// Form validation, mirroring otpilot-core's rules (crates/core/src/device.rs) so mistakes
// are caught before a round trip; the Rust side checks again and has the last word.

import type { AddDeviceArgs, ImportExportArgs, SettingsView } from './api';

/** Why `name` is not a valid device name, or null when it is. */
export function deviceNameError(name: string): string | null {
  if (name === '') return 'Enter a name';
  if (name.length > 64) return 'Use at most 64 characters';
  if (name.startsWith('-')) return 'A name must not start with “-”';
  if (!/^[A-Za-z0-9._\-@+]+$/.test(name)) return 'Use letters, digits and . _ - @ + only';
  if (name.startsWith('arn:')) return 'A name cannot look like an ARN; put the ARN in MFA serial';
  return null;
}

/** Longest IAM virtual MFA device name (IAM's `VirtualMFADeviceName`). */
export const MAX_MFA_DEVICE_NAME = 226;

/**
 * Why `name` is not a name IAM accepts for a virtual MFA device, or null when it is (or is
 * empty: the shell then uses its default, "otpilot-PROFILE"). The rule IAM and the shell
 * use: 1 to 226 of letters, digits and + = , . @ _ -.
 */
export function mfaDeviceNameError(name: string): string | null {
  if (name === '') return null;
  if (name.length > MAX_MFA_DEVICE_NAME) return `Use at most ${MAX_MFA_DEVICE_NAME} characters`;
  if (!/^[A-Za-z0-9+=,.@_-]+$/.test(name)) return 'Use letters, digits and + = , . @ _ - only';
  return null;
}

/**
 * Why `serial` is not an MFA serial, or null when it is (or is empty: it is optional).
 * Virtual devices: `arn:PARTITION:iam::ACCOUNT:mfa/PATH/NAME`; hardware tokens: 9 to 256
 * letters and digits.
 */
export function serialError(serial: string): string | null {
  if (serial === '') return null;
  const arn = /^arn:aws[a-z-]*:iam::\d{12}:mfa\/[A-Za-z0-9+=,.@_\-/]+$/;
  const hardware = /^[A-Za-z0-9]{9,256}$/;
  if (arn.test(serial) || hardware.test(serial)) return null;
  return 'Use the MFA device ARN (arn:aws:iam::123456789012:mfa/alice) or a hardware serial';
}

/**
 * Where the add form's seed comes from. 'export' (an authenticator app's export) is not
 * sent to `add_device`: it has its own panel (views/importExport.ts), which calls
 * `import_export` instead.
 */
export type AddSource = 'secret' | 'qr' | 'aws' | 'export';

export type AddFormInput = {
  name: string;
  serial: string;
  source: AddSource | null;
  secret: string;
  path: string;
  force: boolean;
};

export type AddField = 'name' | 'serial' | 'source' | 'secret' | 'path';

export type Validation<T, F extends string> =
  | { ok: true; value: T }
  | { ok: false; errors: Partial<Record<F, string>> };

/**
 * Checks the add-device form and builds the `add_device` arguments, with exactly one of
 * secret / qrPath / awsSeedFile set: the one the chosen source names. Text typed into the
 * other source's field is ignored, never sent.
 */
export function validateAddForm(input: AddFormInput): Validation<AddDeviceArgs, AddField> {
  const errors: Partial<Record<AddField, string>> = {};
  const name = input.name.trim();
  const serial = input.serial.trim();
  const nameErr = deviceNameError(name);
  if (nameErr) errors.name = nameErr;
  const serialErr = serialError(serial);
  if (serialErr) errors.serial = serialErr;

  let secret: string | null = null;
  let qrPath: string | null = null;
  let awsSeedFile: string | null = null;
  const path = input.path.trim();
  switch (input.source) {
    case 'secret':
      // Sent as typed: the core trims and recognises base32, otpauth:// and exports.
      if (input.secret.trim() === '') errors.secret = 'Paste the secret';
      else secret = input.secret;
      break;
    case 'qr':
      if (path === '') errors.path = 'Enter the path of the QR code image';
      else qrPath = path;
      break;
    case 'aws':
      if (path === '') errors.path = 'Enter the path of the AWS seed file';
      else awsSeedFile = path;
      break;
    case 'export':
      // The form hides its Add button for this source; refused should a submit slip through.
      errors.source = 'Import an export with Preview, below';
      break;
    default:
      errors.source = 'Choose where the seed comes from';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { name, secret, qrPath, awsSeedFile, serial: serial === '' ? null : serial, force: input.force },
  };
}

/**
 * Why `prefix` cannot start the imported devices' names, or null when it can (or is empty:
 * no prefix). The core checks it as a device name (`validate_name`); a colon is already
 * refused by the character rule, so "arn:" needs no rule of its own.
 */
export function importPrefixError(prefix: string): string | null {
  if (prefix === '') return null;
  if (prefix.length > 64) return 'Use at most 64 characters in the prefix';
  if (prefix.startsWith('-')) return 'The prefix must not start with “-”';
  if (!/^[A-Za-z0-9._\-@+]+$/.test(prefix)) return 'Use letters, digits and . _ - @ + only in the prefix';
  return null;
}

export type ImportFormInput = {
  path: string;
  prefix: string;
  /** null: none to send (the export is not known to be encrypted, or nothing was typed). */
  password: string | null;
};

export type ImportField = 'path' | 'prefix';

/**
 * Checks the import panel and builds a dry run of `import_export`. The path and prefix are
 * trimmed (the shell expands a leading `~/`); the password is sent as typed.
 */
export function validateImportForm(input: ImportFormInput): Validation<ImportExportArgs, ImportField> {
  const errors: Partial<Record<ImportField, string>> = {};
  const path = input.path.trim();
  const prefix = input.prefix.trim();
  if (path === '') errors.path = 'Enter the path of the export file';
  const prefixErr = importPrefixError(prefix);
  if (prefixErr) errors.prefix = prefixErr;
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { path, password: input.password, prefix: prefix === '' ? null : prefix, dryRun: true },
  };
}

/** A 6-digit MFA code as typed (spaces allowed, "123 456"), or null if it is not one. */
export function normaliseMfaCode(text: string): string | null {
  const code = text.replace(/\s+/g, '');
  return /^\d{6}$/.test(code) ? code : null;
}

export type SettingsFormInput = {
  refreshMarginSeconds: string;
  clipboardClearSeconds: string;
  startAtLogin: boolean;
  askBeforeUse: string[];
  /** As typed; empty means no shortcut. */
  globalShortcut: string;
  /** A device name, or "" for the first device. */
  defaultDevice: string;
};

export type SettingsField = 'refreshMarginSeconds' | 'clipboardClearSeconds' | 'globalShortcut';

/** The refresh margin range the core accepts (otpilot_core::settings). */
export const MIN_MARGIN_SECONDS = 60;
export const MAX_MARGIN_SECONDS = 3600;
/** The clipboard clear delay range the core accepts. */
export const MIN_CLIPBOARD_SECONDS = 5;
export const MAX_CLIPBOARD_SECONDS = 600;

function wholeSeconds(text: string, min: number, max: number): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return 'Enter a whole number of seconds';
  const n = Number(t);
  if (n < min || n > max) return `Use ${min} to ${max} seconds`;
  return n;
}

/** Checks the settings form, keeping the parts of `base` the form does not edit. */
export function validateSettings(
  input: SettingsFormInput,
  base: SettingsView,
): Validation<SettingsView, SettingsField> {
  const errors: Partial<Record<SettingsField, string>> = {};
  const margin = wholeSeconds(input.refreshMarginSeconds, MIN_MARGIN_SECONDS, MAX_MARGIN_SECONDS);
  const clipboard = wholeSeconds(input.clipboardClearSeconds, MIN_CLIPBOARD_SECONDS, MAX_CLIPBOARD_SECONDS);
  const shortcut = input.globalShortcut.trim();
  const shortcutErr = globalShortcutError(shortcut);
  if (typeof margin === 'string') errors.refreshMarginSeconds = margin;
  if (typeof clipboard === 'string') errors.clipboardClearSeconds = clipboard;
  if (shortcutErr) errors.globalShortcut = shortcutErr;
  if (typeof margin === 'string' || typeof clipboard === 'string' || shortcutErr) return { ok: false, errors };
  return {
    ok: true,
    value: {
      ...base,
      refreshMarginSeconds: margin,
      clipboardClearSeconds: clipboard,
      startAtLogin: input.startAtLogin,
      askBeforeUse: [...input.askBeforeUse],
      globalShortcut: shortcut === '' ? null : shortcut,
      defaultDevice: input.defaultDevice === '' ? null : input.defaultDevice,
    },
  };
}

/** Modifier names of Tauri's accelerator syntax (global-shortcut plugin), lower case. */
const SHORTCUT_MODIFIERS = new Set([
  'ctrl',
  'control',
  'alt',
  'option',
  'shift',
  'super',
  'meta',
  'cmd',
  'command',
  'commandorcontrol',
  'commandorctrl',
  'cmdorctrl',
  'cmdorcontrol',
]);

const SHORTCUT_EXAMPLE = 'e.g. Ctrl+Alt+O';

/**
 * Why `text` is not a global shortcut in accelerator syntax, or null when it looks like one
 * (or is empty: no shortcut). Only the shape is checked, modifiers then one key joined by
 * "+"; the shell parses it for real and the desktop may still refuse it.
 */
export function globalShortcutError(text: string): string | null {
  const t = text.trim();
  if (t === '') return null;
  const parts = t.split('+').map((p) => p.trim());
  if (parts.some((p) => p === '')) return `Join the modifiers and the key with single “+” signs, ${SHORTCUT_EXAMPLE}`;
  const keys = parts.filter((p) => !SHORTCUT_MODIFIERS.has(p.toLowerCase()));
  if (keys.length === 0) return `End the shortcut with a key after the modifiers, ${SHORTCUT_EXAMPLE}`;
  if (keys.length > 1) return `Use exactly one key besides the modifiers, ${SHORTCUT_EXAMPLE}`;
  if (parts.length === 1) return `Add at least one modifier (Ctrl, Alt, Shift or Super), ${SHORTCUT_EXAMPLE}`;
  if (keys[0] !== parts[parts.length - 1]) return `Put the key last, after the modifiers, ${SHORTCUT_EXAMPLE}`;
  return null;
}

/** `watched` with `profile` switched on or off; order kept, no duplicates. */
export function toggleWatched(watched: readonly string[], profile: string, on: boolean): string[] {
  const rest = watched.filter((p) => p !== profile);
  return on ? [...rest, profile] : rest;
}
