// `#/activity`: the latest entries of Otpilot's activity log (credentials issued, codes
// used, MFA devices enrolled or rotated, console sign-ins), newest first. Read again on
// Refresh, when the window gains focus, and on the credentials:// and devices:// events.
//
// The decisions (which answer counts, labels, order, the status line) live in
// `activity.model.ts`; this file asks the shell and draws the state.

import { h, replaceChildren, setText } from '../lib/dom';
import {
  ACTIVITY_LIMIT,
  activityList,
  activityStatus,
  initialActivity,
  loadAnswered,
  loadFailed,
  loadStarted,
  refreshDisabled,
  type ActivityList,
  type ActivityRow,
  type ActivityState,
} from './activity.model';
import { failure, type Unmount, type ViewDeps } from './context';

export { ACTIVITY_LIMIT };

export function mountActivity(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialActivity();

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

  // The list is rebuilt only when what it lists changed, not when Refresh is pressed.
  let drawn: unknown = 'loading';

  function update(next: ActivityState): void {
    if (next === state) return;
    state = next;
    render();
  }

  function render(): void {
    refresh.disabled = refreshDisabled(state);
    setText(error, state.error);
    const shown = activityList(state);
    const key = shown.kind === 'rows' || shown.kind === 'empty' ? state.entries : shown.kind;
    if (key !== drawn) {
      drawn = key;
      replaceChildren(list, ...buildList(shown));
    }
    setText(status, activityStatus(state));
  }

  function buildList(shown: ActivityList): HTMLElement[] {
    switch (shown.kind) {
      case 'loading':
        return [h('p', { class: 'muted' }, 'Loading…')];
      case 'none':
        return [];
      case 'empty':
        return [h('p', { class: 'empty', testid: 'activity-empty' }, shown.text)];
      case 'rows':
        return [h('ul', { class: 'activity-list', testid: 'activity-list' }, ...shown.rows.map(buildRow))];
    }
  }

  function buildRow(row: ActivityRow): HTMLElement {
    return h(
      'li',
      { class: 'activity', testid: 'activity-row', 'data-event': row.event },
      h(
        'div',
        { class: 'activity-head' },
        h('span', { class: 'activity-event', testid: 'activity-event' }, row.label),
        h(
          'time',
          { class: 'activity-time', testid: 'activity-time', datetime: row.datetime, title: row.title },
          row.when,
        ),
      ),
      row.summary !== null ? h('p', { class: 'activity-summary', testid: 'activity-summary' }, row.summary) : null,
      // The summary already names the profile and device.
      h('p', { class: 'meta' }, 'Source: ', h('span', { testid: 'activity-source' }, row.source)),
    );
  }

  async function load(): Promise<void> {
    update(loadStarted(state));
    const seq = state.seq;
    try {
      const entries = await api.recentActivity(ACTIVITY_LIMIT);
      if (disposed) return;
      update(loadAnswered(state, seq, entries, Math.floor(deps.now() / 1000)));
    } catch (err) {
      if (disposed) return;
      // Only the latest request's failure is reported (and refreshes the banner).
      if (seq === state.seq) update(loadFailed(state, seq, failure(deps, err).message));
    }
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
