// `#/devices`: every device with its live code, countdown and actions, then the add form.
//
// Codes are fetched once per 30 s step, not once per second: `device_codes` returns the
// current and next code with the seconds left, the countdown runs locally (`codeAt`), the
// next code takes over at the step boundary, and a new snapshot is fetched then. Rows are
// built once per device list and only their text changes on each tick, so an open rename
// field keeps its focus while codes roll over.
//
// The state and every decision live in `devices.model.ts`; this file calls the shell, runs
// the clock, feeds answers to the model and draws the state.

import type { DeviceView } from '../lib/api';
import { h, replaceChildren, setText, uid } from '../lib/dom';
import { buildAddForm } from './addDevice';
import { failure, type Unmount, type ViewDeps } from './context';
import {
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
  type DevicesList,
  type DevicesState,
  type PanelKind,
  type PanelRequest,
  type PanelSubmitted,
} from './devices.model';
import { buildQrConfirm } from './qr';

/** Countdown refresh: twice a second keeps the seconds display within half a second. */
const TICK_MS = 500;

/** A row's elements, and the code it shows (undefined before the first paint). */
type RowEls = {
  device: DeviceView;
  li: HTMLElement;
  code: HTMLElement;
  remaining: HTMLElement;
  barFill: HTMLElement;
  bar: HTMLElement;
  copied: HTMLElement;
  error: HTMLElement;
  panel: HTMLElement;
  actions: Map<PanelKind, HTMLButtonElement>;
  shownCode: string | null | undefined;
};

/** The panel on screen: which opening it shows, and the controls its state drives. */
type DrawnPanel = {
  device: string;
  kind: PanelKind;
  opening: number;
  /** The button turned off while the panel's action runs. */
  busy: HTMLButtonElement | null;
  input: HTMLInputElement | null;
};

export function mountDevices(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialDevices();
  let timer: ReturnType<typeof setInterval> | undefined;
  const copiedTimers = new Map<string, ReturnType<typeof setTimeout>>();

  const listError = h('p', { class: 'error', testid: 'devices-error', 'aria-live': 'polite' });
  const list = h('div', { class: 'device-list-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const addForm = buildAddForm(deps, (added) => {
    void loadAll().then(() => {
      const first = added[0];
      if (first) rowEls.get(first.name)?.li.scrollIntoView?.({ block: 'nearest' });
    });
  });

  replaceChildren(
    root,
    h(
      'section',
      { class: 'view', 'aria-labelledby': 'devices-title' },
      h('h1', { id: 'devices-title' }, 'MFA devices'),
      listError,
      list,
      addForm,
    ),
  );

  // ---- render ----

  const rowEls = new Map<string, RowEls>();
  /** What the list was last built from: a phase, or the model's `devices` array. */
  let drawn: unknown = 'loading';
  let drawnPanel: DrawnPanel | null = null;

  function update(next: DevicesState): void {
    if (next === state) return;
    state = next;
    if (!disposed) render();
  }

  function render(): void {
    setText(listError, state.listError);
    const shown = devicesList(state);
    const key = shown.kind === 'loading' || shown.kind === 'none' ? shown.kind : state.devices;
    if (key !== drawn) {
      drawn = key;
      rowEls.clear();
      drawnPanel = null;
      replaceChildren(list, ...buildList(shown));
    }
    for (const [name, els] of rowEls) {
      const lines = state.rows.get(name);
      setText(els.copied, lines?.copied ?? '');
      setText(els.error, lines?.error ?? '');
      for (const [kind, button] of els.actions) {
        // Only a panel opened once says it is collapsed again.
        if (panelOpen(state, name, kind)) button.setAttribute('aria-expanded', 'true');
        else if (button.hasAttribute('aria-expanded')) button.setAttribute('aria-expanded', 'false');
      }
    }
    renderPanel();
    paintCodes(deps.now());
  }

  /** Brings every row's code and countdown to `now`; only text and the bar change. */
  function paintCodes(now: number): void {
    for (const els of rowEls.values()) {
      const c = codeShown(state, els.device, now);
      if (els.shownCode !== c.code) {
        els.shownCode = c.code;
        if (c.code === null) {
          const cls = c.pinNeeded ? 'code-placeholder code-pin' : 'code-placeholder';
          replaceChildren(els.code, h('span', { class: cls }, c.placeholder));
        }
        else replaceChildren(els.code, ...c.parts.map((part) => h('span', { class: 'code-part' }, part)));
      }
      setText(els.remaining, c.remaining);
      els.barFill.style.transform = `scaleX(${c.scale})`;
      els.bar.classList.toggle('low', c.low);
    }
  }

  function buildList(shown: DevicesList): HTMLElement[] {
    switch (shown.kind) {
      case 'loading':
        return [h('p', { class: 'muted' }, 'Loading…')];
      case 'none':
        return [];
      case 'empty':
        return [h('p', { class: 'empty', testid: 'devices-empty' }, shown.text)];
      case 'rows':
        return [h('ul', { class: 'device-list', testid: 'device-list' }, ...shown.devices.map(buildRow))];
    }
  }

  function buildRow(device: DeviceView): HTMLElement {
    const name = device.name;
    const info = deviceInfo(device);
    const code = h('span', { class: 'code', testid: `code-${name}` });
    const remaining = h('span', { class: 'remaining', testid: `remaining-${name}` });
    const barFill = h('div', { class: 'bar-fill' });
    const bar = h('div', { class: 'bar', 'aria-hidden': 'true' }, barFill);
    const copiedEl = h('p', { class: 'copied', testid: `copied-${name}`, 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: `row-error-${name}`, 'aria-live': 'polite' });
    const panel = h('div', { class: 'panel' });
    const actions = new Map<PanelKind, HTMLButtonElement>();
    for (const a of rowActions(device)) {
      const b = h(
        'button',
        { type: 'button', class: a.danger ? 'small danger' : 'small', testid: a.testid, 'aria-label': `${a.label} ${name}` },
        a.label,
      );
      b.addEventListener('click', () => update(panelOpened(state, name, a.kind)));
      actions.set(a.kind, b);
    }
    const copyButton = h(
      'button',
      {
        type: 'button',
        class: 'primary copy',
        testid: `copy-${name}`,
        'aria-label': `Copy code for ${name}`,
        title: info.copyTitle,
        onclick: () => void copy(name),
      },
      'Copy',
    );

    const li = h(
      'li',
      { class: 'device', testid: `device-row-${name}` },
      h(
        'div',
        { class: 'device-main' },
        h(
          'div',
          { class: 'device-info' },
          h(
            'div',
            { class: 'device-name' },
            name,
            info.tpm ? h('span', { class: 'tag', testid: `tpm-${name}`, title: info.tpm.title }, info.tpm.text) : null,
            info.asksFirst ? h('span', { class: 'tag' }, 'asks first') : null,
          ),
          info.about !== null ? h('div', { class: 'device-meta' }, info.about) : null,
          h('div', { class: 'device-meta serial', title: device.serial ?? '' }, info.serial),
        ),
        h('div', { class: 'device-code' }, code, remaining),
        copyButton,
      ),
      bar,
      copiedEl,
      h('div', { class: 'device-actions' }, ...actions.values()),
      panel,
      error,
    );
    rowEls.set(name, {
      device,
      li,
      code,
      remaining,
      barFill,
      bar,
      copied: copiedEl,
      error,
      panel,
      actions,
      shownCode: undefined,
    });
    return li;
  }

  // ---- per-row panels: one open at a time, Escape closes and gives focus back ----

  /** Shows the panel the state names, building it afresh when another one is opened. */
  function renderPanel(): void {
    const p = state.panel;
    const d = drawnPanel;
    const same = p !== null && d !== null && p.device === d.device && p.kind === d.kind && p.opening === d.opening;
    if (drawnPanel && !same) {
      const els = rowEls.get(drawnPanel.device);
      if (els) replaceChildren(els.panel);
      drawnPanel = null;
    }
    if (p && !drawnPanel) {
      const els = rowEls.get(p.device);
      if (els) drawnPanel = buildPanel(els, p.kind, p.opening);
    }
    if (p && drawnPanel) {
      if (drawnPanel.busy) drawnPanel.busy.disabled = p.busy;
      if (drawnPanel.input && p.invalid !== null) drawnPanel.input.setAttribute('aria-invalid', String(p.invalid));
    }
  }

  function closePanel(): void {
    const p = state.panel;
    update(panelClosed(state));
    const trigger = p ? rowEls.get(p.device)?.actions.get(p.kind) : undefined;
    if (trigger?.isConnected) trigger.focus();
  }

  function cancelButton(testid: string): HTMLButtonElement {
    return h('button', { type: 'button', class: 'small', testid, onclick: () => closePanel() }, 'Cancel');
  }

  function buildPanel(els: RowEls, kind: PanelKind, opening: number): DrawnPanel {
    const device = els.device;
    let content: HTMLElement;
    let focus: HTMLElement;
    let busy: HTMLButtonElement | null = null;
    let input: HTMLInputElement | null = null;
    if (kind === 'qr') {
      const generation = state.generation;
      const qr = buildQrConfirm(deps, {
        name: device.name,
        testids: { confirm: 'qr-confirm', image: 'qr-image', hide: 'qr-hide' },
        extraButtons: [cancelButton('qr-cancel')],
        onHide: () => closePanel(),
        onError: (err) => update(qrFailed(state, generation, device.name, err.message)),
      });
      content = qr.box;
      focus = qr.confirm;
    } else if (kind === 'remove') {
      const confirm = h(
        'button',
        { type: 'button', class: 'small danger', testid: 'remove-confirm' },
        `Remove ${device.name}`,
      );
      confirm.addEventListener('click', () => void submitPanel(removeConfirmed(state)));
      content = h(
        'div',
        { class: 'confirm', role: 'group', 'aria-label': `Remove ${device.name}` },
        h('p', { class: 'warning' }, removeWarning(device)),
        h('div', { class: 'buttons' }, confirm, cancelButton('remove-cancel')),
      );
      focus = confirm;
      busy = confirm;
    } else {
      const spec = textFormSpec(device, kind);
      const id = uid(spec.testid);
      const field = h('input', {
        id,
        type: 'text',
        testid: `${spec.testid}-input`,
        value: spec.value,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: spec.placeholder,
      });
      const save = h('button', { type: 'submit', class: 'small primary', testid: `${spec.testid}-save` }, spec.submitLabel);
      content = h(
        'form',
        { class: 'inline-form', novalidate: true },
        h('label', { for: id }, spec.label),
        field,
        h('div', { class: 'buttons' }, save, cancelButton(`${spec.testid}-cancel`)),
      );
      content.addEventListener('submit', (e) => {
        e.preventDefault();
        void submitPanel(panelSubmitted(state, field.value));
      });
      focus = field;
      busy = save;
      input = field;
    }
    content.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        closePanel();
      }
    });
    replaceChildren(els.panel, content);
    focus.focus();
    input?.select();
    return { device: device.name, kind, opening, busy, input };
  }

  /** Sends what a panel's submit asks for; the list is read again after a change. */
  async function submitPanel(out: PanelSubmitted): Promise<void> {
    update(out.state);
    const request = out.request;
    if (!request) {
      if (out.refused) drawnPanel?.input?.focus();
      return;
    }
    try {
      await send(request);
      if (disposed) return;
      // A removed device's row goes away with the next list: no trigger to go back to.
      if (request.kind === 'remove') update(panelClosed(state));
      else closePanel();
      await loadAll();
    } catch (err) {
      update(panelFailed(state, failure(deps, err).message));
      drawnPanel?.input?.focus();
    }
  }

  async function send(request: PanelRequest): Promise<unknown> {
    switch (request.kind) {
      case 'rename':
        return api.renameDevice(request.from, request.to);
      case 'serial':
        return api.setDeviceSerial(request.name, request.serial);
      case 'remove':
        return api.removeDevice(request.name);
      case 'none':
        return undefined;
    }
  }

  // ---- effects: the list, codes, copying ----

  async function loadAll(): Promise<void> {
    update(loadStarted(state));
    const seq = state.loadSeq;
    try {
      const result = await api.listDevices();
      if (disposed || !isLatestLoad(state, seq)) return;
      // The rows are rebuilt: their "Copied" lines start empty, so no timer is needed.
      for (const t of copiedTimers.values()) clearTimeout(t);
      copiedTimers.clear();
      update(devicesLoaded(state, seq, result));
    } catch (err) {
      if (disposed || !isLatestLoad(state, seq)) return;
      update(devicesFailed(state, seq, failure(deps, err).message));
      return;
    }
    await fetchCodes();
  }

  async function fetchCodes(): Promise<void> {
    if (disposed) return;
    const wanted = codesWanted(state);
    update(wanted.state);
    if (!wanted.start) return;
    // The shell reads its clock when asked: count from the request, not the answer.
    const askedAt = deps.now();
    try {
      const result = await api.deviceCodes();
      if (disposed) return;
      update(codesAnswered(state, result, askedAt, deps.now()));
    } catch (err) {
      if (disposed) return;
      update(codesFailed(state, failure(deps, err).message, deps.now()));
    }
    if (state.fetchAgain) {
      void fetchCodes();
      return;
    }
    tick();
  }

  function tick(): void {
    if (disposed) return;
    const now = deps.now();
    paintCodes(now);
    if (shouldFetch(state, now)) void fetchCodes();
  }

  async function copy(name: string): Promise<void> {
    update(copyStarted(state, name));
    clearTimeout(copiedTimers.get(name));
    const generation = state.generation;
    try {
      const { clearsInSeconds } = await api.copyCode(name);
      if (disposed) return;
      update(copied(state, generation, name, clearsInSeconds));
      const hide = (): void => update(copiedExpired(state, generation, name));
      copiedTimers.set(name, setTimeout(hide, copiedShowsMs(clearsInSeconds)));
    } catch (err) {
      update(copyFailed(state, generation, name, failure(deps, err).message));
    }
  }

  // ---- lifecycle ----

  function start(): void {
    if (timer === undefined) timer = setInterval(tick, TICK_MS);
  }

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  const onVisibility = (): void => {
    if (document.hidden) {
      stop();
    } else {
      start();
      void fetchCodes();
    }
  };
  const onFocus = (): void => void fetchCodes();
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('focus', onFocus);
  const unlisten = api.onDevicesChanged(() => void loadAll());

  if (!document.hidden) start();
  void loadAll();

  return () => {
    disposed = true;
    stop();
    for (const t of copiedTimers.values()) clearTimeout(t);
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('focus', onFocus);
    unlisten();
  };
}
