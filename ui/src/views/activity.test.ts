import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ActivityEntry, ProfileView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import { ACTIVITY_LIMIT, mountActivity } from './activity';
import type { Unmount } from './context';

const NOW = new Date(2026, 10, 22, 12, 0, 0);
const at = (day: number, h: number, m: number): number => new Date(2026, 10, day, h, m).getTime() / 1000;

const entry = (over: Partial<ActivityEntry> = {}): ActivityEntry => ({
  time: at(22, 11, 30),
  event: 'credentials_issued',
  summary: 'profile admin, via GetSessionToken, device work, until 23:30',
  profile: 'admin',
  device: 'work',
  source: 'tray',
  ...over,
});

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
  vi.useRealTimers();
});

async function mount(entries: ActivityEntry[]): Promise<void> {
  api.recentActivity = vi.fn(async () => entries);
  unmount = mountActivity(root, fakeDeps(api));
  await settle();
}

const rows = (): HTMLElement[] => Array.from(root.querySelectorAll<HTMLElement>('[data-testid="activity-row"]'));
const cell = (row: HTMLElement, id: string): string | null => byTestId(row, id).textContent;

describe('activity view', () => {
  it('says so when there is no activity', async () => {
    await mount([]);
    expect(api.recentActivity).toHaveBeenCalledWith(ACTIVITY_LIMIT);
    expect(ACTIVITY_LIMIT).toBe(100);
    expect(byTestId(root, 'activity-empty').textContent).toBe('No activity yet');
    expect(queryTestId(root, 'activity-list')).toBeNull();
  });

  it('renders each entry with its time, label, summary and source', async () => {
    await mount([entry()]);
    const [row] = rows();
    expect(row).toBeDefined();
    if (!row) return;
    expect(cell(row, 'activity-time')).toBe('11:30');
    expect(byTestId(row, 'activity-time').getAttribute('datetime')).toBe(new Date(at(22, 11, 30) * 1000).toISOString());
    expect(cell(row, 'activity-event')).toBe('Credentials issued');
    expect(row.getAttribute('data-event')).toBe('credentials_issued');
    expect(cell(row, 'activity-summary')).toBe('profile admin, via GetSessionToken, device work, until 23:30');
    expect(cell(row, 'activity-source')).toBe('tray');
    expect(row.textContent).toContain('Source: tray');
  });

  it('labels the known events and shows unknown ones as they are', async () => {
    const events = [
      ['credentials_issued', 'Credentials issued'],
      ['code_used', 'Code used'],
      ['mfa_enrolled', 'MFA device enrolled'],
      ['mfa_rotated', 'MFA device rotated'],
      ['mfa_resynced', 'MFA device resynced'],
      ['mfa_removed', 'MFA device removed'],
      ['console_signin', 'Console sign-in'],
      ['something_new', 'something_new'],
      ['toString', 'toString'],
    ];
    await mount(events.map(([event], i) => entry({ event: event ?? '', time: at(22, 11, 59 - i) })));
    expect(rows().map((r) => cell(r, 'activity-event'))).toEqual(events.map(([, label]) => label));
  });

  it('puts the newest first and dates entries from other days', async () => {
    await mount([
      entry({ summary: 'older', time: at(20, 9, 5) }),
      entry({ summary: 'newest', time: at(22, 11, 45) }),
      entry({ summary: 'yesterday', time: at(21, 23, 10), profile: null, device: null }),
    ]);
    const shown = rows();
    expect(shown.map((r) => cell(r, 'activity-summary'))).toEqual(['newest', 'yesterday', 'older']);
    expect(shown.map((r) => cell(r, 'activity-time'))).toEqual(['11:45', 'yesterday 23:10', '2026-11-20 09:05']);
  });

  it('refreshes on request and on credentials and devices events', async () => {
    await mount([]);
    api.recentActivity = vi.fn(async () => [entry()]);
    byTestId(root, 'activity-refresh').click();
    await settle();
    expect(rows()).toHaveLength(1);

    api.recentActivity = vi.fn(async () => [entry({ time: at(22, 11, 50), event: 'code_used' }), entry()]);
    api.emitRefreshed({ profile: 'admin' } as ProfileView);
    await settle();
    expect(rows()).toHaveLength(2);

    api.recentActivity = vi.fn(async () => [entry({ event: 'mfa_enrolled' })]);
    api.emitDevicesChanged();
    await settle();
    expect(rows().map((r) => cell(r, 'activity-event'))).toEqual(['MFA device enrolled']);
  });

  it('stops listening once unmounted', async () => {
    await mount([]);
    unmount?.();
    unmount = undefined;
    api.emitDevicesChanged();
    window.dispatchEvent(new Event('focus'));
    await settle();
    expect(api.recentActivity).toHaveBeenCalledTimes(1);
  });

  it('shows an error and keeps the entries already shown', async () => {
    await mount([entry()]);
    api.recentActivity = vi.fn(async () => {
      throw new CommandError('io', 'cannot read the activity log');
    });
    byTestId(root, 'activity-refresh').click();
    await settle();
    expect(byTestId(root, 'activity-error').textContent).toBe('cannot read the activity log');
    expect(rows()).toHaveLength(1);
    expect(byTestId<HTMLButtonElement>(root, 'activity-refresh').disabled).toBe(false);
  });

  it('ignores an answer overtaken by a newer one', async () => {
    let first: (v: ActivityEntry[]) => void = () => undefined;
    api.recentActivity = vi
      .fn()
      .mockImplementationOnce(() => new Promise<ActivityEntry[]>((r) => (first = r)))
      .mockResolvedValueOnce([entry({ summary: 'fresh' })]);
    unmount = mountActivity(root, fakeDeps(api));
    api.emitDevicesChanged();
    await settle();
    first([]);
    await settle();
    expect(rows().map((r) => cell(r, 'activity-summary'))).toEqual(['fresh']);
  });

  it('says when only the latest entries are shown', async () => {
    await mount(Array.from({ length: ACTIVITY_LIMIT }, (_, i) => entry({ time: at(22, 10, 0) - i })));
    expect(rows()).toHaveLength(ACTIVITY_LIMIT);
    expect(byTestId(root, 'activity-status').textContent).toBe('Showing the latest 100 entries');
  });
});
