import { describe, expect, it } from 'vitest';
import type { CodeView, ProfileView } from './api';
import {
  chainText,
  clockTime,
  codeAt,
  copiedText,
  eventLabel,
  expiryText,
  groupCode,
  profileBadge,
  splitCode,
  statusMessages,
  whenText,
} from './format';

describe('code grouping', () => {
  it('groups 6 digits 3+3 and 8 digits 4+4', () => {
    expect(groupCode('123456')).toBe('123 456');
    expect(groupCode('12345678')).toBe('1234 5678');
    expect(splitCode('123456')).toEqual(['123', '456']);
  });

  it('gives the raw code back when the parts are joined', () => {
    for (const code of ['000000', '1234567', '98765432']) {
      expect(splitCode(code).join('')).toBe(code);
    }
    expect(splitCode('1234567')).toEqual(['123', '4567']);
  });

  it('leaves very short strings whole', () => {
    expect(splitCode('12')).toEqual(['12']);
    expect(groupCode('')).toBe('');
  });
});

describe('countdown', () => {
  const view: CodeView = { name: 'work', code: '111111', nextCode: '222222', remainingSeconds: 12, period: 30, sealed: false };
  const t0 = 1_000_000;

  it('counts down locally from the snapshot', () => {
    expect(codeAt(view, t0, t0)).toEqual({ code: '111111', seconds: 12, fraction: 0.4, stale: false });
    const later = codeAt(view, t0, t0 + 4_500);
    expect(later.code).toBe('111111');
    expect(later.seconds).toBe(8); // 7.5 s left shows as 8, as the CLI rounds up
    expect(later.fraction).toBeCloseTo(7.5 / 30);
    expect(later.stale).toBe(false);
  });

  it('switches to the next code at the step boundary and asks for a refetch', () => {
    const d = codeAt(view, t0, t0 + 12_000);
    expect(d.code).toBe('222222');
    expect(d.seconds).toBe(30);
    expect(d.fraction).toBe(1);
    expect(d.stale).toBe(true);
    expect(codeAt(view, t0, t0 + 20_000)).toMatchObject({ code: '222222', seconds: 22, stale: true });
  });

  it('knows no code once the next step has passed too', () => {
    expect(codeAt(view, t0, t0 + 42_000)).toEqual({ code: null, seconds: 0, fraction: 0, stale: true });
  });

  it('distrusts a clock that went backwards', () => {
    expect(codeAt(view, t0, t0 - 5_000)).toMatchObject({ code: null, stale: true });
  });

  it('ends the step on the second boundary of the shell’s whole-second count', () => {
    // Asked at x.700 s with "12 s left": the step ends 11.3 s later, not 12.
    const t = t0 + 700;
    expect(codeAt(view, t, t + 11_200)).toMatchObject({ code: '111111', seconds: 1 });
    expect(codeAt(view, t, t + 11_400)).toMatchObject({ code: '222222', stale: true });
  });

  it('never shows 0 s for a live code', () => {
    expect(codeAt(view, t0, t0 + 11_999).seconds).toBe(1);
  });
});

describe('expiry text', () => {
  // Local wall-clock times, so the tests pass in any time zone.
  const at = (h: number, m: number, s = 0): number => new Date(2026, 10, 22, h, m, s).getTime() / 1000;

  it('formats local clock times with two digits', () => {
    expect(clockTime(at(14, 5))).toBe('14:05');
    expect(clockTime(at(9, 0))).toBe('09:00');
  });

  it('says "valid until HH:MM" when far off', () => {
    expect(expiryText(at(14, 5), at(12, 0))).toBe('valid until 14:05');
  });

  it('says "expires in N min" within the last 15 minutes, rounding up', () => {
    expect(expiryText(at(14, 5), at(14, 2))).toBe('expires in 3 min');
    expect(expiryText(at(14, 5), at(14, 2, 30))).toBe('expires in 3 min');
    expect(expiryText(at(14, 5), at(14, 4, 50))).toBe('expires in 1 min');
    expect(expiryText(at(14, 5), at(13, 50))).toBe('expires in 15 min');
    expect(expiryText(at(14, 5), at(13, 49, 59))).toBe('valid until 14:05');
  });

  it('says "expired" at and after expiry', () => {
    expect(expiryText(at(14, 5), at(14, 5))).toBe('expired');
    expect(expiryText(at(14, 5), at(15, 0))).toBe('expired');
  });
});

describe('state badge', () => {
  const base: ProfileView = {
    profile: 'admin',
    wired: true,
    delegatesTo: null,
    isRole: true,
    keys: null,
    watched: false,
    chain: ['base', 'admin'],
    mfaSerial: null,
    device: null,
    error: null,
    state: 'unknown',
    expiresAt: null,
    message: null,
  };
  const now = new Date(2026, 10, 22, 12, 0).getTime() / 1000;

  it('labels each state with its own class', () => {
    expect(profileBadge({ ...base, state: 'refreshing' }, now)).toEqual({
      label: 'refreshing…',
      tone: 'refreshing',
      className: 'badge badge-refreshing',
    });
    expect(profileBadge({ ...base, state: 'attention', message: 'x' }, now)).toMatchObject({
      label: 'needs attention',
      className: 'badge badge-attention',
    });
    expect(profileBadge({ ...base, state: 'unknown' }, now)).toMatchObject({
      label: 'not cached',
      className: 'badge badge-unknown',
    });
  });

  it('shows the expiry of valid credentials', () => {
    const expiresAt = new Date(2026, 10, 22, 14, 5).getTime() / 1000;
    expect(profileBadge({ ...base, state: 'valid', expiresAt }, now)).toMatchObject({
      label: 'valid until 14:05',
      className: 'badge badge-valid',
    });
    expect(profileBadge({ ...base, state: 'valid', expiresAt: now + 120 }, now).label).toBe('expires in 2 min');
    expect(profileBadge({ ...base, state: 'valid', expiresAt: null }, now).label).toBe('valid');
  });

  it('flags valid-but-expired credentials for attention', () => {
    expect(profileBadge({ ...base, state: 'valid', expiresAt: now - 1 }, now)).toMatchObject({
      label: 'expired',
      tone: 'attention',
    });
  });
});

describe('chain, status banner and copy text', () => {
  it('joins the chain with arrows', () => {
    expect(chainText(['base', 'mfa-session', 'admin'])).toBe('base → mfa-session → admin');
    expect(chainText([])).toBe('');
  });

  it('has no banner when everything is fine', () => {
    expect(statusMessages({ keyring: 'ok', keyringMessage: null, awsConfig: 'ok', awsMessage: null })).toEqual([]);
  });

  it('explains a locked or missing keyring and a missing AWS config', () => {
    expect(
      statusMessages({ keyring: 'locked', keyringMessage: null, awsConfig: 'missing', awsMessage: null }),
    ).toEqual([
      'Your keyring is locked: unlock it to see codes',
      'No AWS config found (~/.aws/config): profiles will appear once you create one',
    ]);
    expect(
      statusMessages({ keyring: 'unavailable', keyringMessage: 'dbus', awsConfig: 'ok', awsMessage: null }),
    ).toEqual(['No keyring (Secret Service) found: install or start gnome-keyring or KeePassXC']);
  });

  it('passes on the reason an AWS config could not be read', () => {
    expect(
      statusMessages({ keyring: 'ok', keyringMessage: null, awsConfig: 'error', awsMessage: 'line 3: bad section' }),
    ).toEqual(['AWS config problem: line 3: bad section']);
  });

  it('says when the clipboard will be cleared', () => {
    expect(copiedText(20)).toBe('Copied — clears in 20 s');
    expect(copiedText(0)).toBe('Copied');
  });
});

describe('activity log text', () => {
  const at = (month: number, day: number, h: number, m: number): number =>
    new Date(2026, month, day, h, m).getTime() / 1000;

  it('tells the time today, "yesterday" before that, and the date otherwise', () => {
    const now = at(10, 22, 0, 30);
    expect(whenText(at(10, 22, 0, 5), now)).toBe('00:05');
    expect(whenText(at(10, 21, 23, 59), now)).toBe('yesterday 23:59');
    expect(whenText(at(10, 21, 0, 0), now)).toBe('yesterday 00:00');
    expect(whenText(at(10, 20, 23, 59), now)).toBe('2026-11-20 23:59');
    // Across a month and a year boundary.
    expect(whenText(at(0, 1, 8, 0), at(0, 2, 9, 0))).toBe('yesterday 08:00');
    expect(whenText(new Date(2025, 11, 31, 8, 0).getTime() / 1000, at(0, 1, 9, 0))).toBe('yesterday 08:00');
    expect(whenText(new Date(2025, 11, 30, 8, 0).getTime() / 1000, at(0, 1, 9, 0))).toBe('2025-12-30 08:00');
  });

  it('labels the known events and leaves others as they are', () => {
    expect(eventLabel('credentials_issued')).toBe('Credentials issued');
    expect(eventLabel('console_signin')).toBe('Console sign-in');
    expect(eventLabel('mfa_resynced')).toBe('MFA device resynced');
    expect(eventLabel('device_sealed')).toBe('MFA device sealed in the TPM');
    expect(eventLabel('new_kind')).toBe('new_kind');
    expect(eventLabel('constructor')).toBe('constructor');
    expect(eventLabel('')).toBe('');
  });
});
