// The activity view's state and decisions: which answer counts, what the list, the status
// line and the Refresh button show. No DOM, no api, no timers: `mountActivity` asks for
// the log and feeds the answers in here, so every rule is unit-tested with plain data.

import type { ActivityEntry } from '../lib/api';
import { eventLabel, whenText } from '../lib/format';

/** How many entries to ask for. */
export const ACTIVITY_LIMIT = 100;

export type ActivityState = {
  /** The entries of the latest answer; null until the first one arrives. */
  entries: readonly ActivityEntry[] | null;
  /** When `entries` were read (unix seconds): "today" and "yesterday" count from then. */
  readAt: number;
  /** The latest failure's message, kept until an answer arrives; "" for none. */
  error: string;
  /** Numbers the requests: only the answer to the latest one is shown. */
  seq: number;
  /** The latest request has not been answered yet. */
  loading: boolean;
};

export function initialActivity(): ActivityState {
  return { entries: null, readAt: 0, error: '', seq: 0, loading: false };
}

/** A read of the log starts; the new `seq` is the one its answer must carry. */
export function loadStarted(state: ActivityState): ActivityState {
  return { ...state, seq: state.seq + 1, loading: true };
}

/** The log, as read by request `seq` at `nowSeconds`; ignored if a newer read started. */
export function loadAnswered(
  state: ActivityState,
  seq: number,
  entries: readonly ActivityEntry[],
  nowSeconds: number,
): ActivityState {
  if (seq !== state.seq) return state;
  return { ...state, entries, readAt: nowSeconds, error: '', loading: false };
}

/** Request `seq` failed: the message shows, and whatever was listed before stays. */
export function loadFailed(state: ActivityState, seq: number, message: string): ActivityState {
  if (seq !== state.seq) return state;
  return { ...state, error: message, loading: false };
}

// ---- what the view shows ----

/** Refresh is off while a read is on its way, so clicks do not pile up requests. */
export function refreshDisabled(state: ActivityState): boolean {
  return state.loading;
}

export type ActivityRow = {
  /** The raw event name, kept on the row for styling and tests. */
  event: string;
  label: string;
  /** "14:05", "yesterday 14:05" or a full date. */
  when: string;
  /** ISO time for `<time datetime>`; null when the time is not a real one. */
  datetime: string | null;
  /** The full local date and time, as a tooltip; null with `datetime`. */
  title: string | null;
  /** null: no summary line. */
  summary: string | null;
  source: string;
};

export type ActivityList =
  | { kind: 'loading' }
  /** The first read failed: nothing to list (the error says why). */
  | { kind: 'none' }
  | { kind: 'empty'; text: string }
  | { kind: 'rows'; rows: ActivityRow[] };

export function activityList(state: ActivityState): ActivityList {
  const { entries } = state;
  if (entries === null) return state.error === '' ? { kind: 'loading' } : { kind: 'none' };
  if (entries.length === 0) return { kind: 'empty', text: 'No activity yet' };
  // Newest first, whatever order the answer came in; equal times keep theirs.
  const sorted = [...entries].sort((a, b) => b.time - a.time);
  return { kind: 'rows', rows: sorted.map((e) => activityRow(e, state.readAt)) };
}

function activityRow(e: ActivityEntry, nowSeconds: number): ActivityRow {
  const at = new Date(e.time * 1000);
  const real = Number.isFinite(at.getTime());
  return {
    event: e.event,
    label: eventLabel(e.event),
    when: whenText(e.time, nowSeconds),
    datetime: real ? at.toISOString() : null,
    title: real ? at.toLocaleString() : null,
    summary: e.summary ? e.summary : null,
    source: e.source,
  };
}

/** The line under the list: said only when the answer may have been cut at the limit. */
export function activityStatus(state: ActivityState): string {
  const n = state.entries?.length ?? 0;
  return n >= ACTIVITY_LIMIT ? `Showing the latest ${ACTIVITY_LIMIT} entries` : '';
}
