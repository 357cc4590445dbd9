// Form validation, mirroring otpilot-core's rules (crates/core/src/device.rs) so mistakes
// are caught before a round trip; the Rust side checks again and has the last word.

import type { AddDeviceArgs, SettingsView } from './api';

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

export type AddSource = 'secret' | 'qr' | 'aws';

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
    default:
      errors.source = 'Choose where the seed comes from';
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { name, secret, qrPath, awsSeedFile, serial: serial === '' ? null : serial, force: input.force },
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
};

export type SettingsField = 'refreshMarginSeconds' | 'clipboardClearSeconds';

/** Longest refresh margin accepted: 12 h, the default MFA session length. */
export const MAX_MARGIN_SECONDS = 12 * 3600;
/** Longest clipboard delay accepted: 10 min; 0 leaves the code on the clipboard. */
export const MAX_CLIPBOARD_SECONDS = 600;

function wholeSeconds(text: string, max: number): number | string {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return 'Enter a whole number of seconds';
  const n = Number(t);
  if (n > max) return `Use at most ${max} seconds`;
  return n;
}

/** Checks the settings form, keeping the parts of `base` the form does not edit. */
export function validateSettings(
  input: SettingsFormInput,
  base: SettingsView,
): Validation<SettingsView, SettingsField> {
  const errors: Partial<Record<SettingsField, string>> = {};
  const margin = wholeSeconds(input.refreshMarginSeconds, MAX_MARGIN_SECONDS);
  const clipboard = wholeSeconds(input.clipboardClearSeconds, MAX_CLIPBOARD_SECONDS);
  if (typeof margin === 'string') errors.refreshMarginSeconds = margin;
  if (typeof clipboard === 'string') errors.clipboardClearSeconds = clipboard;
  if (typeof margin === 'string' || typeof clipboard === 'string') return { ok: false, errors };
  return {
    ok: true,
    value: {
      ...base,
      refreshMarginSeconds: margin,
      clipboardClearSeconds: clipboard,
      startAtLogin: input.startAtLogin,
      askBeforeUse: [...input.askBeforeUse],
    },
  };
}

/** `watched` with `profile` switched on or off; order kept, no duplicates. */
export function toggleWatched(watched: readonly string[], profile: string, on: boolean): string[] {
  const rest = watched.filter((p) => p !== profile);
  return on ? [...rest, profile] : rest;
}
