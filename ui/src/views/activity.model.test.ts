import { describe, expect, it } from 'vitest';
import type { ActivityEntry } from '../lib/api';
import {
  ACTIVITY_LIMIT,
  activityList,
  activityStatus,
  initialActivity,
  loadAnswered,
  loadFailed,
  loadStarted,
  refreshDisabled,
  type ActivityState,
} from './activity.model';

// Local wall-clock times, so the tests pass in any time zone.
const at = (day: number, h: number, m: number): number => new Date(2026, 10, day, h, m).getTime() / 1000;
const NOW = at(22, 12, 0);

const entry = (over: Partial<ActivityEntry> = {}): ActivityEntry => ({
  time: at(22, 11, 30),
  event: 'credentials_issued',
  summary: 'profile admin, via GetSessionToken, device work, until 23:30',
  profile: 'admin',
  device: 'work',
  source: 'tray',
  ...over,
});

/** The state after one read that answered `entries`. */
function readOnce(entries: ActivityEntry[]): ActivityState {
  const started = loadStarted(initialActivity());
  return loadAnswered(started, started.seq, entries, NOW);
}

describe('activity model: reading the log', () => {
  it('shows Loading… with Refresh off until the first answer', () => {
    const s = loadStarted(initialActivity());
    expect(activityList(s)).toEqual({ kind: 'loading' });
    expect(refreshDisabled(s)).toBe(true);
    expect(s.error).toBe('');
  });

  it('says so when there is no activity, and turns Refresh back on', () => {
    const s = readOnce([]);
    expect(activityList(s)).toEqual({ kind: 'empty', text: 'No activity yet' });
    expect(refreshDisabled(s)).toBe(false);
    expect(activityStatus(s)).toBe('');
  });

  it('drops an answer overtaken by a newer request', () => {
    const first = loadStarted(initialActivity());
    const second = loadStarted(first);
    const late = loadAnswered(second, first.seq, [entry({ summary: 'stale' })], NOW);
    expect(late).toBe(second);
    expect(refreshDisabled(late)).toBe(true);
    const fresh = loadAnswered(late, second.seq, [entry({ summary: 'fresh' })], NOW);
    const list = activityList(fresh);
    expect(list.kind === 'rows' && list.rows.map((r) => r.summary)).toEqual(['fresh']);
    // A failure of the overtaken request does not show either.
    expect(loadFailed(fresh, first.seq, 'boom')).toBe(fresh);
  });

  it('shows a failed first read as an error with nothing listed', () => {
    const started = loadStarted(initialActivity());
    const s = loadFailed(started, started.seq, 'cannot read the activity log');
    expect(s.error).toBe('cannot read the activity log');
    expect(activityList(s)).toEqual({ kind: 'none' });
    expect(refreshDisabled(s)).toBe(false);
  });

  it('keeps the entries shown when a later read fails, and clears the error on success', () => {
    const shown = readOnce([entry()]);
    const again = loadStarted(shown);
    const failed = loadFailed(again, again.seq, 'cannot read the activity log');
    expect(failed.error).toBe('cannot read the activity log');
    const list = activityList(failed);
    expect(list.kind === 'rows' && list.rows).toHaveLength(1);
    const retry = loadStarted(failed);
    // The error stays while the retry is on its way.
    expect(retry.error).toBe('cannot read the activity log');
    expect(loadAnswered(retry, retry.seq, [], NOW).error).toBe('');
  });
});

describe('activity model: what each row says', () => {
  it('labels the event and gives the time, summary and source', () => {
    const list = activityList(readOnce([entry()]));
    expect(list).toEqual({
      kind: 'rows',
      rows: [
        {
          event: 'credentials_issued',
          label: 'Credentials issued',
          when: '11:30',
          datetime: new Date(at(22, 11, 30) * 1000).toISOString(),
          title: new Date(at(22, 11, 30) * 1000).toLocaleString(),
          summary: 'profile admin, via GetSessionToken, device work, until 23:30',
          source: 'tray',
        },
      ],
    });
  });

  it('shows an unknown event as it is and leaves out an empty summary', () => {
    const list = activityList(readOnce([entry({ event: 'something_new', summary: '' })]));
    expect(list.kind === 'rows' && list.rows[0]).toMatchObject({ label: 'something_new', summary: null });
  });

  it('gives no machine time for a time that is not a real one', () => {
    const list = activityList(readOnce([entry({ time: Number.NaN })]));
    expect(list.kind === 'rows' && list.rows[0]).toMatchObject({ datetime: null, title: null });
  });

  it('puts the newest first and dates entries from other days, as of the read', () => {
    const list = activityList(
      readOnce([
        entry({ summary: 'older', time: at(20, 9, 5) }),
        entry({ summary: 'newest', time: at(22, 11, 45) }),
        entry({ summary: 'yesterday', time: at(21, 23, 10) }),
      ]),
    );
    expect(list.kind === 'rows' && list.rows.map((r) => [r.summary, r.when])).toEqual([
      ['newest', '11:45'],
      ['yesterday', 'yesterday 23:10'],
      ['older', '2026-11-20 09:05'],
    ]);
  });

  it('keeps the answer’s order for entries at the same time', () => {
    const list = activityList(readOnce(['a', 'b', 'c'].map((summary) => entry({ summary }))));
    expect(list.kind === 'rows' && list.rows.map((r) => r.summary)).toEqual(['a', 'b', 'c']);
  });

  it('says when only the latest entries are shown', () => {
    const full = readOnce(Array.from({ length: ACTIVITY_LIMIT }, (_, i) => entry({ time: at(22, 10, 0) - i })));
    expect(activityStatus(full)).toBe('Showing the latest 100 entries');
    expect(activityStatus(readOnce([entry()]))).toBe('');
  });
});
