// The devices view's state and decisions: the device list and which answer counts, the
// code snapshot and when to fetch the next one, what each row shows at a given moment,
// the copy feedback, and the one open per-row panel (QR code, rename, serial, remove) with
// what its submit sends. No DOM, no api, no timers: `mountDevices` performs the calls and
// runs the clock, and feeds answers and the time in here.

import type { CodeView, DeviceView } from '../lib/api';
import { codeAt, copiedText, splitCode } from '../lib/format';
import { deviceNameError, serialError } from '../lib/validate';

/** After a failed fetch (locked keyring, say), wait this long before the next try. */
export const RETRY_MS = 5000;
/** How often to ask again for a device `device_codes` left out (not one that asks for a PIN). */
export const MISSING_RETRY_MS = 30_000;
/** After a good snapshot, the earliest next fetch (the step boundary asks for one). */
export const REFETCH_MS = 1000;
/** How long "Copied" stays when the clipboard is not cleared. */
export const COPIED_PLAIN_MS = 3000;

export type PanelKind = 'qr' | 'rename' | 'serial' | 'remove';

/** The one open panel under a row. */
export type OpenPanel = {
  device: string;
  kind: PanelKind;
  /** Its action is on its way (the button is off). */
  busy: boolean;
  /** Whether the typed value was refused; null: not checked yet. */
  invalid: boolean | null;
  /** Counts openings, so opening the panel that is open again starts it afresh. */
  opening: number;
};

/** A row's feedback lines. */
export type RowLines = { copied: string; error: string };

export type DevicesState = {
  /** Devices as listed; null until the first list. A new array per list: rows rebuilt then. */
  devices: readonly DeviceView[] | null;
  /** Counts lists; answers about rows (copy, panels) carry it, and are dropped once stale. */
  generation: number;
  listError: string;
  /** Numbers the list reads: only the latest one's answer counts. */
  loadSeq: number;
  codes: ReadonlyMap<string, CodeView>;
  /** When the snapshot in `codes` was asked for (ms): the countdown runs from there. */
  fetchedAt: number;
  fetching: boolean;
  /** A fetch was asked for while one was running (the list changed): run one more. */
  fetchAgain: boolean;
  /** No fetch for stale codes before this (ms), so failures are not retried every tick. */
  nextFetchAt: number;
  rows: ReadonlyMap<string, RowLines>;
  panel: OpenPanel | null;
};

export function initialDevices(): DevicesState {
  return {
    devices: null,
    generation: 0,
    listError: '',
    loadSeq: 0,
    codes: new Map(),
    fetchedAt: 0,
    fetching: false,
    fetchAgain: false,
    nextFetchAt: 0,
    rows: new Map(),
    panel: null,
  };
}

// ---- the list ----

export function loadStarted(state: DevicesState): DevicesState {
  return { ...state, loadSeq: state.loadSeq + 1 };
}

/** Whether list read `seq` is still the latest (its answer counts). */
export function isLatestLoad(state: DevicesState, seq: number): boolean {
  return seq === state.loadSeq;
}

/** A new list: rows are rebuilt, their lines cleared, any open panel closed. */
export function devicesLoaded(state: DevicesState, seq: number, devices: readonly DeviceView[]): DevicesState {
  if (!isLatestLoad(state, seq)) return state;
  return {
    ...state,
    devices,
    generation: state.generation + 1,
    listError: '',
    rows: new Map(devices.map((d) => [d.name, { copied: '', error: '' }])),
    panel: null,
  };
}

/** The list could not be read: the rows shown (if any) stay. */
export function devicesFailed(state: DevicesState, seq: number, message: string): DevicesState {
  if (!isLatestLoad(state, seq)) return state;
  return { ...state, listError: message };
}

// ---- codes ----

/**
 * Whether `device_codes` lists the device's code. A device whose sealed key asks for a PIN
 * is left out on purpose (its code would need the PIN every second): it is never waited for.
 */
function listsCode(device: DeviceView): boolean {
  return !device.tpmPin;
}

/**
 * Codes are wanted (a new list, the window came back, the step ended). `start`: ask the
 * shell now. With no device there is nothing to ask; with a fetch running, one more runs
 * after it, since the list may have changed under it.
 */
export function codesWanted(state: DevicesState): { state: DevicesState; start: boolean } {
  if (!state.devices || !state.devices.some(listsCode)) return { state, start: false };
  if (state.fetching) return { state: state.fetchAgain ? state : { ...state, fetchAgain: true }, start: false };
  return { state: { ...state, fetching: true, fetchAgain: false }, start: true };
}

/** A snapshot asked for at `askedAt` (the shell reads its clock when asked), arrived at `now`. */
export function codesAnswered(
  state: DevicesState,
  codes: readonly CodeView[],
  askedAt: number,
  now: number,
): DevicesState {
  const byName = new Map(codes.map((c) => [c.name, c]));
  // A device the answer left out (its seed unreadable, say) is asked about again now and
  // then, not on every tick. One that asks for a PIN is always left out: not missing.
  const missing = (state.devices ?? []).some((d) => listsCode(d) && !byName.has(d.name));
  return {
    ...state,
    codes: byName,
    fetchedAt: askedAt,
    nextFetchAt: now + (missing ? MISSING_RETRY_MS : REFETCH_MS),
    listError: '',
    fetching: false,
  };
}

/** No snapshot: codes show as unknown, and the next try waits a little. */
export function codesFailed(state: DevicesState, message: string, now: number): DevicesState {
  return { ...state, codes: new Map(), nextFetchAt: now + RETRY_MS, listError: message, fetching: false };
}

/** What a device's code area shows at `now`. */
export type CodeShown = {
  /** The code valid now; null when unknown (no snapshot, or too old). */
  code: string | null;
  /** The code in groups for reading ("123", "456"); empty when unknown. */
  parts: string[];
  /**
   * Shown while the code is unknown: dashes as long as the code, or "PIN needed" for a
   * device whose sealed key asks for a PIN (no code is listed for it; Copy still works, the
   * tray asks for the PIN).
   */
  placeholder: string;
  /** The code is not listed because the device asks for a PIN: `placeholder` says so. */
  pinNeeded: boolean;
  /** "10 s"; "" when unknown. */
  remaining: string;
  /** The progress bar's length, 0 to 1, as CSS wants it. */
  scale: string;
  /** Few seconds left: the bar turns to a warning colour. */
  low: boolean;
  /** The snapshot no longer covers this device's current step: fetch again. */
  stale: boolean;
};

/** Where the code would be, for a device whose sealed key asks for a PIN. */
export const PIN_NEEDED = 'PIN needed';

export function codeShown(state: DevicesState, device: DeviceView, now: number): CodeShown {
  const view = state.codes.get(device.name);
  const at = view ? codeAt(view, state.fetchedAt, now) : null;
  const code = at?.code ?? null;
  const seconds = at?.seconds ?? 0;
  const pinNeeded = !view && !listsCode(device);
  return {
    code,
    parts: code === null ? [] : splitCode(code),
    placeholder: pinNeeded ? PIN_NEEDED : '–'.repeat(device.digits),
    pinNeeded,
    remaining: code === null ? '' : `${seconds} s`,
    scale: code === null ? '0' : (at?.fraction ?? 0).toFixed(3),
    low: code !== null && seconds <= 5,
    // No snapshot will list it: nothing to fetch for it.
    stale: pinNeeded ? false : !at || at.stale,
  };
}

/** Whether to fetch at `now`: some row's code is stale, none is on its way, and it is time. */
export function shouldFetch(state: DevicesState, now: number): boolean {
  if (state.fetching || now < state.nextFetchAt) return false;
  return (state.devices ?? []).some((d) => codeShown(state, d, now).stale);
}

// ---- rows: copy feedback and errors ----

function withRow(state: DevicesState, generation: number, name: string, change: Partial<RowLines>): DevicesState {
  const row = state.rows.get(name);
  if (generation !== state.generation || !row) return state;
  const rows = new Map(state.rows);
  rows.set(name, { ...row, ...change });
  return { ...state, rows };
}

export function copyStarted(state: DevicesState, name: string): DevicesState {
  return withRow(state, state.generation, name, { error: '' });
}

/** Copied (for rows of list `generation`): says when the clipboard clears. */
export function copied(state: DevicesState, generation: number, name: string, clearsInSeconds: number): DevicesState {
  return withRow(state, generation, name, { copied: copiedText(clearsInSeconds) });
}

/** How long "Copied" stays: until the clipboard is cleared, or a moment when it is not. */
export function copiedShowsMs(clearsInSeconds: number): number {
  return clearsInSeconds > 0 ? clearsInSeconds * 1000 : COPIED_PLAIN_MS;
}

export function copiedExpired(state: DevicesState, generation: number, name: string): DevicesState {
  return withRow(state, generation, name, { copied: '' });
}

export function copyFailed(state: DevicesState, generation: number, name: string, message: string): DevicesState {
  return withRow(state, generation, name, { copied: '', error: message });
}

// ---- panels: one open at a time ----

/**
 * Opens `kind` under `name`'s row (closing any other) and clears the row's error. A sealed
 * device has no QR panel (its seed cannot be read out): asking for one changes nothing.
 */
export function panelOpened(state: DevicesState, name: string, kind: PanelKind): DevicesState {
  if (kind === 'qr' && state.devices?.find((d) => d.name === name)?.sealed) return state;
  const next = withRow(state, state.generation, name, { error: '' });
  const opening = (state.panel?.opening ?? 0) + 1;
  return { ...next, panel: { device: name, kind, busy: false, invalid: null, opening } };
}

export function panelClosed(state: DevicesState): DevicesState {
  return state.panel ? { ...state, panel: null } : state;
}

/** What a panel's submit asks the shell. */
export type PanelRequest =
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'serial'; name: string; serial: string | null }
  | { kind: 'remove'; name: string }
  /** Nothing to change (renamed to its own name): close and list again. */
  | { kind: 'none' };

export type PanelSubmitted = {
  state: DevicesState;
  /** What to ask the shell; null: nothing. */
  request: PanelRequest | null;
  /** The typed value was refused: focus the field. */
  refused: boolean;
};

/**
 * The open rename or serial form submitted with `typed`. Refused: the row says why, the
 * field is marked and nothing is sent (`request` null).
 */
export function panelSubmitted(state: DevicesState, typed: string): PanelSubmitted {
  const panel = state.panel;
  if (!panel || panel.busy || (panel.kind !== 'rename' && panel.kind !== 'serial')) {
    return { state, request: null, refused: false };
  }
  const value = typed.trim();
  const problem = panel.kind === 'rename' ? deviceNameError(value) : serialError(value);
  if (problem) {
    const next = withRow(state, state.generation, panel.device, { error: problem });
    return { state: { ...next, panel: { ...panel, invalid: true } }, request: null, refused: true };
  }
  const request: PanelRequest =
    panel.kind === 'rename'
      ? value === panel.device
        ? { kind: 'none' }
        : { kind: 'rename', from: panel.device, to: value }
      : { kind: 'serial', name: panel.device, serial: value === '' ? null : value };
  return { state: { ...state, panel: { ...panel, invalid: false, busy: true } }, request, refused: false };
}

/** Remove confirmed in the open remove panel. */
export function removeConfirmed(state: DevicesState): PanelSubmitted {
  const panel = state.panel;
  if (!panel || panel.kind !== 'remove' || panel.busy) return { state, request: null, refused: false };
  return {
    state: { ...state, panel: { ...panel, busy: true } },
    request: { kind: 'remove', name: panel.device },
    refused: false,
  };
}

/** The panel's action failed: its button works again and the row says why. */
export function panelFailed(state: DevicesState, message: string): DevicesState {
  const panel = state.panel;
  if (!panel) return state;
  const next = withRow(state, state.generation, panel.device, { error: message });
  return { ...next, panel: { ...panel, busy: false } };
}

/** The QR code of `name` (in list `generation`) could not be fetched or shown. */
export function qrFailed(state: DevicesState, generation: number, name: string, message: string): DevicesState {
  return withRow(state, generation, name, { error: message });
}

// ---- what the view shows ----

export type DevicesList =
  | { kind: 'loading' }
  /** The first list failed: nothing to show (the error says why). */
  | { kind: 'none' }
  | { kind: 'empty'; text: string }
  | { kind: 'rows'; devices: readonly DeviceView[] };

export function devicesList(state: DevicesState): DevicesList {
  const { devices } = state;
  if (devices === null) return state.listError === '' ? { kind: 'loading' } : { kind: 'none' };
  if (devices.length === 0) return { kind: 'empty', text: 'No devices yet — add one below' };
  return { kind: 'rows', devices };
}

/** The fixed facts under a device's name. */
export type DeviceInfo = {
  /** "issuer · account"; null when neither is known. */
  about: string | null;
  serial: string;
  /** A program must ask before using it. */
  asksFirst: boolean;
  /** The badge of a seed sealed in this machine's TPM; null when it is not sealed. */
  tpm: { text: string; title: string } | null;
  /** The Copy button's tooltip; null: none needed. */
  copyTitle: string | null;
};

const SEALED_TITLE =
  "Seed sealed in this computer's TPM: codes are computed there and the seed cannot be read out (no QR code for a phone backup)";
const PIN_TITLE = 'The TPM asks for a PIN at every use; the tray asks for it when you copy a code';

export function deviceInfo(device: DeviceView): DeviceInfo {
  const about = [device.issuer, device.account].filter((s): s is string => !!s).join(' · ');
  const pin = device.sealed && device.tpmPin;
  return {
    about: about === '' ? null : about,
    serial: device.serial ?? 'no MFA serial set',
    asksFirst: device.askBeforeUse,
    tpm: device.sealed
      ? pin
        ? { text: 'TPM · PIN', title: `${SEALED_TITLE}. ${PIN_TITLE}.` }
        : { text: 'TPM', title: `${SEALED_TITLE}.` }
      : null,
    copyTitle: device.tpmPin ? 'The tray asks for the TPM PIN, then copies the code' : null,
  };
}

/**
 * The row's action buttons, in order: label, test id, panel. No Show QR for a sealed
 * device: the shell cannot read its seed out (`seed_sealed`), so there is nothing to show.
 */
export function rowActions(device: DeviceView): { label: string; testid: string; kind: PanelKind; danger: boolean }[] {
  const name = device.name;
  return [
    ...(device.sealed ? [] : [{ label: 'Show QR', testid: `qr-${name}`, kind: 'qr' as const, danger: false }]),
    { label: 'Rename', testid: `rename-${name}`, kind: 'rename', danger: false },
    { label: 'Set serial', testid: `serial-${name}`, kind: 'serial', danger: false },
    { label: 'Remove', testid: `remove-${name}`, kind: 'remove', danger: true },
  ];
}

/** The rename and serial forms' words and starting value. */
export type TextFormSpec = {
  label: string;
  value: string;
  testid: 'rename' | 'serial';
  submitLabel: string;
  placeholder: string | null;
};

export function textFormSpec(device: DeviceView, kind: 'rename' | 'serial'): TextFormSpec {
  return kind === 'rename'
    ? {
        label: `New name for ${device.name}`,
        value: device.name,
        testid: 'rename',
        submitLabel: 'Rename',
        placeholder: null,
      }
    : {
        label: `MFA serial (ARN) for ${device.name}; leave empty to remove`,
        value: device.serial ?? '',
        testid: 'serial',
        submitLabel: 'Save serial',
        placeholder: 'arn:aws:iam::123456789012:mfa/alice',
      };
}

/** What removing a device costs, said before it is done. */
export function removeWarning(device: Pick<DeviceView, 'name' | 'sealed'>): string {
  if (device.sealed) {
    return `Remove ${device.name}? Its key is deleted, and its seed exists only inside this computer's TPM; to add it again you need your phone backup or the original secret.`;
  }
  return `Remove ${device.name}? Its seed is deleted from the keyring; to add it again you need the original secret or QR code.`;
}

/** Whether `kind`'s panel is the one open under `name`'s row. */
export function panelOpen(state: DevicesState, name: string, kind: PanelKind): boolean {
  return state.panel?.device === name && state.panel.kind === kind;
}
