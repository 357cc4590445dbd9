// `#/activity`: the latest entries of Otpilot's activity log (credentials issued, codes
// used, MFA devices enrolled or rotated, console sign-ins), newest first. Read again on
// Refresh, when the window gains focus, and on the credentials:// and devices:// events.

import type { ActivityEntry } from '../lib/api';
import { h, replaceChildren, setText } from '../lib/dom';
import { eventLabel, whenText } from '../lib/format';
import { failure, type Unmount, type ViewDeps } from './context';

/** How many entries to ask for. */
export const ACTIVITY_LIMIT = 100;

export function mountActivity(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let loadSeq = 0;
  let loaded = false;

  const refresh = h('button', { type: 'button', class: 'small', testid: 'activity-refresh' }, 'Refresh');
  const error = h('p', { class: 'error', testid: 'activity-error', 'aria-live': 'polite' });
  const status = h('p', { class: 'hint', testid: 'activity-status', role: 'status', 'aria-live': 'polite' });
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replaceChildren(
    root,
    h(
      'section',
      { class: 'view', 'aria-labelledby': 'activity-title' },
      h('div', { class: 'view-head' }, h('h1', { id: 'activity-title' }, 'Recent activity'), refresh),
      error,
      list,
      status,
    ),
  );

  async function load(): Promise<void> {
    const seq = ++loadSeq;
    refresh.disabled = true;
    try {
      const entries = await api.recentActivity(ACTIVITY_LIMIT);
      if (disposed || seq !== loadSeq) return;
      setText(error, '');
      loaded = true;
      render(entries);
    } catch (err) {
      if (disposed || seq !== loadSeq) return;
      setText(error, failure(deps, err).message);
      // Keep what was shown before; with nothing shown yet, drop "Loading…".
      if (!loaded) replaceChildren(list);
    } finally {
      if (seq === loadSeq) refresh.disabled = false;
    }
  }

  function render(entries: ActivityEntry[]): void {
    if (entries.length === 0) {
      replaceChildren(list, h('p', { class: 'empty', testid: 'activity-empty' }, 'No activity yet'));
      setText(status, '');
      return;
    }
    // Newest first, whatever order the answer came in; equal times keep theirs.
    const sorted = [...entries].sort((a, b) => b.time - a.time);
    const now = Math.floor(deps.now() / 1000);
    replaceChildren(
      list,
      h('ul', { class: 'activity-list', testid: 'activity-list' }, ...sorted.map((e) => buildRow(e, now))),
    );
    setText(
      status,
      entries.length >= ACTIVITY_LIMIT ? `Showing the latest ${ACTIVITY_LIMIT} entries` : '',
    );
  }

  function buildRow(e: ActivityEntry, now: number): HTMLElement {
    const at = new Date(e.time * 1000);
    return h(
      'li',
      { class: 'activity', testid: 'activity-row', 'data-event': e.event },
      h(
        'div',
        { class: 'activity-head' },
        h('span', { class: 'activity-event', testid: 'activity-event' }, eventLabel(e.event)),
        h(
          'time',
          {
            class: 'activity-time',
            testid: 'activity-time',
            datetime: Number.isFinite(at.getTime()) ? at.toISOString() : null,
            title: Number.isFinite(at.getTime()) ? at.toLocaleString() : null,
          },
          whenText(e.time, now),
        ),
      ),
      e.summary ? h('p', { class: 'activity-summary', testid: 'activity-summary' }, e.summary) : null,
      // The summary already names the profile and device.
      h('p', { class: 'meta' }, 'Source: ', h('span', { testid: 'activity-source' }, e.source)),
    );
  }

  refresh.addEventListener('click', () => void load());
  const onFocus = (): void => void load();
  window.addEventListener('focus', onFocus);
  const unlistenRefreshed = api.onCredentialsRefreshed(() => void load());
  const unlistenDevices = api.onDevicesChanged(() => void load());

  void load();

  return () => {
    disposed = true;
    window.removeEventListener('focus', onFocus);
    unlistenRefreshed();
    unlistenDevices();
  };
}
