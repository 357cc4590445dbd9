import { describe, expect, it } from 'vitest';
import type { CodeView, DeviceView } from '../lib/api';
import {
  COPIED_PLAIN_MS,
  MISSING_RETRY_MS,
  PIN_NEEDED,
  REFETCH_MS,
  RETRY_MS,
  codeShown,
  codesAnswered,
  codesFailed,
  codesWanted,
  copied,
  copiedExpired,
  copiedShowsMs,
  copyFailed,
  copyStarted,
  deviceInfo,
  devicesFailed,
  devicesList,
  devicesLoaded,
  initialDevices,
  isLatestLoad,
  loadStarted,
  panelClosed,
  panelFailed,
  panelOpen,
  panelOpened,
  panelSubmitted,
  qrFailed,
  removeConfirmed,
  removeWarning,
  rowActions,
  shouldFetch,
  textFormSpec,
  type DevicesState,
} from './devices.model';

const WORK: DeviceView = {
  name: 'work',
  serial: 'arn:aws:iam::111122223333:mfa/alice',
  issuer: 'Amazon Web Services',
  account: 'alice@111122223333',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  askBeforeUse: false,
  sealed: false,
  tpmPin: false,
};
const HOME: DeviceView = { ...WORK, name: 'home', serial: null, issuer: null, account: null };
/** Sealed in the TPM, no PIN: its code is listed like any other. */
const VAULT: DeviceView = { ...WORK, name: 'vault', sealed: true };
/** Sealed in the TPM with a PIN: `device_codes` leaves it out. */
const SAFE: DeviceView = { ...WORK, name: 'safe', sealed: true, tpmPin: true };

const code = (over: Partial<CodeView> = {}): CodeView => ({
  name: 'work',
  code: '123456',
  nextCode: '654321',
  remainingSeconds: 10,
  period: 30,
  sealed: false,
  ...over,
});

/** On a whole second, so the shell's whole-second count adds no fraction. */
const T0 = 1_800_000_000_000;

function listed(devices: DeviceView[], state: DevicesState = initialDevices()): DevicesState {
  const started = loadStarted(state);
  return devicesLoaded(started, started.loadSeq, devices);
}

/** `devices` listed, and one snapshot of `codes` asked for and answered at T0. */
function withCodes(devices: DeviceView[], codes: CodeView[]): DevicesState {
  const wanted = codesWanted(listed(devices));
  return codesAnswered(wanted.state, codes, T0, T0);
}

function lines(state: DevicesState, name = 'work'): { copied: string; error: string } | undefined {
  return state.rows.get(name);
}

describe('devices model: the list', () => {
  it('shows Loading… until the first list', () => {
    expect(devicesList(initialDevices())).toEqual({ kind: 'loading' });
  });

  it('says so when there are no devices, and asks for no codes', () => {
    const s = listed([]);
    expect(devicesList(s)).toEqual({ kind: 'empty', text: 'No devices yet — add one below' });
    expect(codesWanted(s)).toEqual({ state: s, start: false });
  });

  it('lists the devices with clear lines', () => {
    const s = listed([WORK, HOME]);
    expect(devicesList(s)).toEqual({ kind: 'rows', devices: [WORK, HOME] });
    expect(lines(s)).toEqual({ copied: '', error: '' });
  });

  it('shows a failed first list as the error with nothing listed', () => {
    const started = loadStarted(initialDevices());
    const s = devicesFailed(started, started.loadSeq, 'Your keyring is locked');
    expect(s.listError).toBe('Your keyring is locked');
    expect(devicesList(s)).toEqual({ kind: 'none' });
  });

  it('keeps the rows shown when a later list fails', () => {
    const started = loadStarted(listed([WORK]));
    const s = devicesFailed(started, started.loadSeq, 'Your keyring is locked');
    expect(devicesList(s)).toEqual({ kind: 'rows', devices: [WORK] });
  });

  it('drops an answer overtaken by a newer list', () => {
    const first = loadStarted(initialDevices());
    const second = loadStarted(first);
    expect(isLatestLoad(second, first.loadSeq)).toBe(false);
    expect(devicesLoaded(second, first.loadSeq, [WORK])).toBe(second);
    expect(devicesFailed(second, first.loadSeq, 'old')).toBe(second);
  });

  it('closes an open panel and clears the rows’ lines on a new list', () => {
    const open = copyFailed(panelOpened(listed([WORK]), 'work', 'rename'), 1, 'work', 'boom');
    const again = listed([WORK], open);
    expect(again.panel).toBeNull();
    expect(lines(again)).toEqual({ copied: '', error: '' });
  });
});

describe('devices model: the facts on a row', () => {
  it('shows issuer and account, the serial, and whether it asks first', () => {
    expect(deviceInfo(WORK)).toEqual({
      about: 'Amazon Web Services · alice@111122223333',
      serial: 'arn:aws:iam::111122223333:mfa/alice',
      asksFirst: false,
      tpm: null,
      copyTitle: null,
    });
    expect(deviceInfo({ ...HOME, askBeforeUse: true })).toEqual({
      about: null,
      serial: 'no MFA serial set',
      asksFirst: true,
      tpm: null,
      copyTitle: null,
    });
  });

  it('badges a seed sealed in the TPM, and says so when it asks for a PIN', () => {
    const sealed = deviceInfo(VAULT).tpm;
    expect(sealed?.text).toBe('TPM');
    expect(sealed?.title).toMatch(/^Seed sealed in this computer's TPM: .*cannot be read out/);
    expect(sealed?.title).not.toMatch(/PIN/);
    const pin = deviceInfo(SAFE).tpm;
    expect(pin?.text).toBe('TPM · PIN');
    expect(pin?.title).toMatch(/^Seed sealed in this computer's TPM: /);
    expect(pin?.title).toMatch(/PIN at every use/);
  });

  it('says that the tray asks for the PIN on Copy, only for a device with a PIN', () => {
    expect(deviceInfo(SAFE).copyTitle).toMatch(/tray asks for the TPM PIN/);
    expect(deviceInfo(VAULT).copyTitle).toBeNull();
  });

  it('offers Show QR, Rename, Set serial and Remove, Remove as the dangerous one', () => {
    expect(rowActions(WORK).map((a) => [a.label, a.testid, a.danger])).toEqual([
      ['Show QR', 'qr-work', false],
      ['Rename', 'rename-work', false],
      ['Set serial', 'serial-work', false],
      ['Remove', 'remove-work', true],
    ]);
  });

  it('offers no QR code for a sealed device: its seed cannot be read out', () => {
    for (const d of [VAULT, SAFE]) {
      expect(rowActions(d).map((a) => a.kind)).toEqual(['rename', 'serial', 'remove']);
    }
  });
});

describe('devices model: codes and the countdown', () => {
  it('shows the code in groups with the seconds left', () => {
    const s = withCodes([WORK], [code()]);
    expect(codeShown(s, WORK, T0)).toEqual({
      code: '123456',
      parts: ['123', '456'],
      placeholder: '––––––',
      pinNeeded: false,
      remaining: '10 s',
      scale: '0.333',
      low: false,
      stale: false,
    });
  });

  it('counts down locally and warns in the last five seconds', () => {
    const s = withCodes([WORK], [code()]);
    expect(codeShown(s, WORK, T0 + 4_000)).toMatchObject({ remaining: '6 s', low: false });
    expect(codeShown(s, WORK, T0 + 5_000)).toMatchObject({ remaining: '5 s', low: true });
  });

  it('rolls over to the next code at the step boundary and asks for a new snapshot', () => {
    const s = withCodes([WORK], [code()]);
    expect(codeShown(s, WORK, T0 + 10_500)).toMatchObject({ code: '654321', remaining: '30 s', stale: true });
    expect(shouldFetch(s, T0 + 10_500)).toBe(true);
    // Not before, and not while a fetch is on its way.
    expect(shouldFetch(s, T0 + 9_000)).toBe(false);
    expect(shouldFetch(codesWanted(s).state, T0 + 10_500)).toBe(false);
  });

  it('shows dashes as long as the code while it is unknown', () => {
    const s = listed([{ ...WORK, digits: 8 }]);
    expect(codeShown(s, { ...WORK, digits: 8 }, T0)).toMatchObject({
      code: null,
      parts: [],
      placeholder: '––––––––',
      pinNeeded: false,
      remaining: '',
      scale: '0',
      low: false,
      stale: true,
    });
  });

  it('asks again for a device the answer left out only now and then', () => {
    const s = withCodes([WORK, HOME], [code()]);
    expect(s.nextFetchAt).toBe(T0 + MISSING_RETRY_MS);
    expect(shouldFetch(s, T0 + 2_000)).toBe(false);
    expect(shouldFetch(s, T0 + MISSING_RETRY_MS)).toBe(true);
  });

  it('shows a failed fetch as the error with unknown codes, and retries later, not every tick', () => {
    const wanted = codesWanted(withCodes([WORK], [code()]));
    const s = codesFailed(wanted.state, 'Your keyring is locked', T0);
    expect(s.listError).toBe('Your keyring is locked');
    expect(codeShown(s, WORK, T0).code).toBeNull();
    expect(shouldFetch(s, T0 + 2_000)).toBe(false);
    expect(shouldFetch(s, T0 + RETRY_MS)).toBe(true);
    // A good snapshot clears the error.
    expect(codesAnswered(codesWanted(s).state, [code()], T0 + RETRY_MS, T0 + RETRY_MS).listError).toBe('');
  });

  it('fetches once more when codes are wanted during a fetch', () => {
    const first = codesWanted(listed([WORK]));
    expect(first.start).toBe(true);
    const during = codesWanted(first.state);
    expect(during.start).toBe(false);
    expect(during.state.fetchAgain).toBe(true);
    const answered = codesAnswered(during.state, [code()], T0, T0);
    expect(answered.fetchAgain).toBe(true);
    const again = codesWanted(answered);
    expect(again.start).toBe(true);
    expect(again.state.fetchAgain).toBe(false);
  });

  it('shows a sealed device without a PIN like any other, from its listed code', () => {
    const s = withCodes([VAULT], [code({ name: 'vault', sealed: true })]);
    expect(codeShown(s, VAULT, T0)).toMatchObject({ code: '123456', pinNeeded: false, stale: false });
  });

  it('says "PIN needed" for a device that asks for a PIN, and waits for no code for it', () => {
    const s = withCodes([WORK, SAFE], [code()]);
    expect(codeShown(s, SAFE, T0)).toEqual({
      code: null,
      parts: [],
      placeholder: PIN_NEEDED,
      pinNeeded: true,
      remaining: '',
      scale: '0',
      low: false,
      stale: false,
    });
    expect(PIN_NEEDED).toBe('PIN needed');
    // Not "missing": the other rows refetch at their step boundary as usual.
    expect(s.nextFetchAt).toBe(T0 + REFETCH_MS);
    expect(shouldFetch(s, T0 + 5_000)).toBe(false);
    expect(shouldFetch(s, T0 + 10_500)).toBe(true);
  });

  it('asks for no codes when every device asks for a PIN', () => {
    const s = listed([SAFE]);
    expect(codesWanted(s)).toEqual({ state: s, start: false });
    expect(shouldFetch(s, T0)).toBe(false);
    expect(codeShown(s, SAFE, T0)).toMatchObject({ placeholder: 'PIN needed', pinNeeded: true });
  });

  it('counts the countdown from when the snapshot was asked for', () => {
    const wanted = codesWanted(listed([WORK]));
    const s = codesAnswered(wanted.state, [code()], T0, T0 + 2_000);
    expect(codeShown(s, WORK, T0 + 2_000).remaining).toBe('8 s');
  });
});

describe('devices model: copying', () => {
  it('says when the clipboard clears, for that long', () => {
    const s = listed([WORK]);
    const done = copied(copyStarted(s, 'work'), s.generation, 'work', 20);
    expect(lines(done)?.copied).toBe('Copied — clears in 20 s');
    expect(copiedShowsMs(20)).toBe(20_000);
    expect(lines(copiedExpired(done, s.generation, 'work'))?.copied).toBe('');
  });

  it('says a plain "Copied" for a moment when the clipboard is not cleared', () => {
    const s = listed([WORK]);
    expect(lines(copied(s, s.generation, 'work', 0))?.copied).toBe('Copied');
    expect(copiedShowsMs(0)).toBe(COPIED_PLAIN_MS);
  });

  it('shows why a copy failed, and clears that error on the next try', () => {
    const s = listed([WORK]);
    const failed = copyFailed(copied(s, s.generation, 'work', 20), s.generation, 'work', 'the tray is not running');
    expect(lines(failed)).toEqual({ copied: '', error: 'the tray is not running' });
    expect(lines(copyStarted(failed, 'work'))?.error).toBe('');
  });

  it('drops an answer about a row rebuilt since', () => {
    const s = listed([WORK]);
    const later = listed([WORK], s);
    expect(copied(later, s.generation, 'work', 20)).toBe(later);
    expect(copyFailed(later, s.generation, 'work', 'boom')).toBe(later);
    expect(qrFailed(later, s.generation, 'work', 'boom')).toBe(later);
  });
});

describe('devices model: panels', () => {
  it('opens one panel at a time and clears the row’s error', () => {
    const s = listed([WORK, HOME]);
    const failed = copyFailed(s, s.generation, 'work', 'boom');
    const rename = panelOpened(failed, 'work', 'rename');
    expect(lines(rename)?.error).toBe('');
    expect(panelOpen(rename, 'work', 'rename')).toBe(true);
    const remove = panelOpened(rename, 'home', 'remove');
    expect(panelOpen(remove, 'work', 'rename')).toBe(false);
    expect(panelOpen(remove, 'home', 'remove')).toBe(true);
    expect(panelOpen(panelClosed(remove), 'home', 'remove')).toBe(false);
  });

  it('starts a panel afresh when it is opened again', () => {
    const once = panelOpened(listed([WORK]), 'work', 'rename');
    const twice = panelOpened(once, 'work', 'rename');
    expect(twice.panel?.opening).not.toBe(once.panel?.opening);
  });

  it('words the rename and serial forms', () => {
    expect(textFormSpec(WORK, 'rename')).toEqual({
      label: 'New name for work',
      value: 'work',
      testid: 'rename',
      submitLabel: 'Rename',
      placeholder: null,
    });
    expect(textFormSpec(HOME, 'serial')).toEqual({
      label: 'MFA serial (ARN) for home; leave empty to remove',
      value: '',
      testid: 'serial',
      submitLabel: 'Save serial',
      placeholder: 'arn:aws:iam::123456789012:mfa/alice',
    });
  });

  it('refuses a bad new name without asking the shell', () => {
    const out = panelSubmitted(panelOpened(listed([WORK]), 'work', 'rename'), '-bad');
    expect(out.request).toBeNull();
    expect(out.refused).toBe(true);
    expect(lines(out.state)?.error).toMatch(/start/);
    expect(out.state.panel).toMatchObject({ invalid: true, busy: false });
  });

  it('renames to the trimmed name, and changes nothing for its own name', () => {
    const open = panelOpened(listed([WORK]), 'work', 'rename');
    const out = panelSubmitted(open, ' prod ');
    expect(out.request).toEqual({ kind: 'rename', from: 'work', to: 'prod' });
    expect(out.state.panel).toMatchObject({ invalid: false, busy: true });
    expect(panelSubmitted(open, 'work').request).toEqual({ kind: 'none' });
  });

  it('sets the serial, and removes it when left empty', () => {
    const open = panelOpened(listed([WORK]), 'work', 'serial');
    expect(panelSubmitted(open, ' arn:aws:iam::111122223333:mfa/bob ').request).toEqual({
      kind: 'serial',
      name: 'work',
      serial: 'arn:aws:iam::111122223333:mfa/bob',
    });
    expect(panelSubmitted(open, '  ').request).toEqual({ kind: 'serial', name: 'work', serial: null });
    const bad = panelSubmitted(open, 'not-a-serial');
    expect(bad.request).toBeNull();
    expect(lines(bad.state)?.error).toMatch(/MFA device ARN/);
  });

  it('asks before removing, and sends nothing twice', () => {
    expect(removeWarning({ name: 'work', sealed: false })).toBe(
      'Remove work? Its seed is deleted from the keyring; to add it again you need the original secret or QR code.',
    );
    expect(removeWarning({ name: 'laptop', sealed: true })).toMatch(
      /^Remove laptop\? Its key is deleted, and its seed exists only inside this computer's TPM/,
    );
    const out = removeConfirmed(panelOpened(listed([WORK]), 'work', 'remove'));
    expect(out.request).toEqual({ kind: 'remove', name: 'work' });
    expect(out.state.panel?.busy).toBe(true);
    expect(removeConfirmed(out.state).request).toBeNull();
    // Nothing to confirm unless the remove panel is open.
    expect(removeConfirmed(listed([WORK])).request).toBeNull();
  });

  it('turns the button back on and says why when the shell refuses', () => {
    const busy = panelSubmitted(panelOpened(listed([WORK]), 'work', 'rename'), 'prod').state;
    const failed = panelFailed(busy, 'a device named prod already exists');
    expect(failed.panel?.busy).toBe(false);
    expect(lines(failed)?.error).toBe('a device named prod already exists');
  });

  it('opens no QR panel for a sealed device', () => {
    const s = listed([WORK, VAULT]);
    expect(panelOpened(s, 'vault', 'qr')).toBe(s);
    expect(panelOpen(panelOpened(s, 'vault', 'rename'), 'vault', 'rename')).toBe(true);
    expect(panelOpen(panelOpened(s, 'work', 'qr'), 'work', 'qr')).toBe(true);
  });

  it('shows a QR failure on its row', () => {
    const s = panelOpened(listed([WORK]), 'work', 'qr');
    expect(lines(qrFailed(s, s.generation, 'work', 'Your keyring is locked'))?.error).toBe('Your keyring is locked');
  });
});
