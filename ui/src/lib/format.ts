// Pure formatting and time arithmetic for the views: no DOM, no api calls, so every rule
// here is unit-tested with fixed clocks.

import type { AppStatus, CodeView, ProfileView } from './api';

/**
 * Splits a code into groups for reading: 6 digits as 3+3, 8 as 4+4, any other length in
 * two halves (the longer half last). The parts joined give the raw code back.
 */
export function splitCode(code: string): string[] {
  if (code.length < 4) return [code];
  const first = Math.floor(code.length / 2);
  return [code.slice(0, first), code.slice(first)];
}

/** "123 456": a code grouped for display or screen readers; never what is copied. */
export function groupCode(code: string): string {
  return splitCode(code).join(' ');
}

/** What a device row shows at a given moment, derived from one `device_codes` snapshot. */
export type CodeDisplay = {
  /** The code valid now, or null when the snapshot is too old to know it. */
  code: string | null;
  /** Whole seconds left for `code` (rounded up, as the CLI counts), 0 when unknown. */
  seconds: number;
  /** Share of the step left, 1 = just started, 0 = expiring; drives the progress bar. */
  fraction: number;
  /** The snapshot no longer covers the current step: fetch new codes. */
  stale: boolean;
};

/**
 * The code and countdown at `nowMs`, for a `CodeView` asked for at `fetchedAtMs`. The
 * countdown runs locally; when the current step ends the snapshot's `nextCode` takes over
 * at once (so the row never blanks while a new snapshot is fetched) and `stale` asks for
 * one. Past the next step too, or if the clock went backwards, the code is unknown.
 */
export function codeAt(view: CodeView, fetchedAtMs: number, nowMs: number): CodeDisplay {
  const period = view.period > 0 ? view.period : 30;
  const elapsed = (nowMs - fetchedAtMs) / 1000;
  // The shell counts whole seconds (`period - now % period` on the same clock), so the step
  // really ends the fraction of a second already gone at fetch time earlier than it says.
  const fraction0 = (((fetchedAtMs % 1000) + 1000) % 1000) / 1000;
  const left = view.remainingSeconds - fraction0 - elapsed;
  const show = (code: string, secondsLeft: number, stale: boolean): CodeDisplay => ({
    code,
    seconds: Math.max(1, Math.ceil(secondsLeft)),
    fraction: clamp01(secondsLeft / period),
    stale,
  });
  if (elapsed < -1) return { code: null, seconds: 0, fraction: 0, stale: true };
  if (left > 0) return show(view.code, left, false);
  if (left + period > 0) return show(view.nextCode, left + period, true);
  return { code: null, seconds: 0, fraction: 0, stale: true };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** "14:05": local wall-clock time of a unix timestamp (seconds), 24-hour. */
export function clockTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * When something happened, for a log: "14:05" today, "yesterday 14:05", else
 * "2026-11-20 14:05" (local time; the date unambiguous in any locale).
 */
export function whenText(unixSeconds: number, nowSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const day = (x: Date): number => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const today = day(new Date(nowSeconds * 1000));
  const time = clockTime(unixSeconds);
  if (day(d) === today) return time;
  const yesterday = new Date(today);
  yesterday.setDate(yesterday.getDate() - 1);
  if (day(d) === yesterday.getTime()) return `yesterday ${time}`;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${time}`;
}

/** What the activity log's event names mean to a person. */
export const EVENT_LABELS: Readonly<Record<string, string>> = {
  credentials_issued: 'Credentials issued',
  code_used: 'Code used',
  mfa_enrolled: 'MFA device enrolled',
  mfa_rotated: 'MFA device rotated',
  mfa_resynced: 'MFA device resynced',
  mfa_removed: 'MFA device removed',
  console_signin: 'Console sign-in',
  account_changed: 'Account changed',
  device_sealed: 'MFA device sealed in the TPM',
};

/** "Credentials issued" for "credentials_issued"; an event not known here as it is. */
export function eventLabel(event: string): string {
  return Object.hasOwn(EVENT_LABELS, event) ? (EVENT_LABELS[event] ?? event) : event;
}

/** Below this much time left, expiry is told as minutes rather than a clock time. */
export const SOON_SECONDS = 15 * 60;

/** "valid until 14:05", "expires in 3 min" (within `soonSeconds`) or "expired". */
export function expiryText(
  expiresAt: number,
  nowSeconds: number,
  soonSeconds: number = SOON_SECONDS,
): string {
  const left = expiresAt - nowSeconds;
  if (left <= 0) return 'expired';
  if (left <= soonSeconds) return `expires in ${Math.ceil(left / 60)} min`;
  return `valid until ${clockTime(expiresAt)}`;
}

export type BadgeTone = 'valid' | 'refreshing' | 'attention' | 'unknown';

export type Badge = { label: string; tone: BadgeTone; className: string };

/** The state badge of a profile row: its label and CSS class. */
export function profileBadge(view: ProfileView, nowSeconds: number): Badge {
  const badge = (label: string, tone: BadgeTone): Badge => ({
    label,
    tone,
    className: `badge badge-${tone}`,
  });
  switch (view.state) {
    case 'valid': {
      if (view.expiresAt === null) return badge('valid', 'valid');
      const text = expiryText(view.expiresAt, nowSeconds);
      return badge(text, text === 'expired' ? 'attention' : 'valid');
    }
    case 'refreshing':
      return badge('refreshing…', 'refreshing');
    case 'attention':
      return badge('needs attention', 'attention');
    default:
      return badge('not cached', 'unknown');
  }
}

/** "base → admin": the profile's credential chain, base first. */
export function chainText(chain: readonly string[]): string {
  return chain.join(' → ');
}

/** The lines of the status banner for an `app_status` answer; none when all is well. */
export function statusMessages(status: AppStatus): string[] {
  const lines: string[] = [];
  if (status.keyring === 'locked') {
    lines.push('Your keyring is locked: unlock it to see codes');
  } else if (status.keyring === 'unavailable') {
    lines.push(
      'No keyring (Secret Service) found: install or start gnome-keyring or KeePassXC',
    );
  }
  if (status.awsConfig === 'missing') {
    lines.push(
      'No AWS config found (~/.aws/config): profiles will appear once you create one',
    );
  } else if (status.awsConfig === 'error') {
    lines.push(
      status.awsMessage ? `AWS config problem: ${status.awsMessage}` : 'Your AWS config could not be read',
    );
  }
  return lines;
}

/** "Copied — clears in 20 s", or plain "Copied" when the clipboard is not cleared. */
export function copiedText(clearsInSeconds: number): string {
  return clearsInSeconds > 0 ? `Copied — clears in ${clearsInSeconds} s` : 'Copied';
}
