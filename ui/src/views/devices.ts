// `#/devices`: every device with its live code, countdown and actions, then the add form.
//
// Codes are fetched once per 30 s step, not once per second: `device_codes` returns the
// current and next code with the seconds left, the countdown runs locally (`codeAt`), the
// next code takes over at the step boundary, and a new snapshot is fetched then. Rows are
// built once per device list and only their text changes on each tick, so an open rename
// field keeps its focus while codes roll over.

import type { CodeView, DeviceView } from '../lib/api';
import { h, replaceChildren, setText, uid } from '../lib/dom';
import { codeAt, copiedText, splitCode } from '../lib/format';
import { deviceNameError, serialError } from '../lib/validate';
import { buildAddForm } from './addDevice';
import { failure, type Unmount, type ViewDeps } from './context';
import { buildQrConfirm } from './qr';

/** Countdown refresh: twice a second keeps the seconds display within half a second. */
const TICK_MS = 500;
/** After a failed fetch (locked keyring, say), wait this long before the next try. */
const RETRY_MS = 5000;
/** How often to ask again for a device `device_codes` left out. */
const MISSING_RETRY_MS = 30_000;
/** How long "Copied" stays when the clipboard is not cleared. */
const COPIED_PLAIN_MS = 3000;

type Row = {
  device: DeviceView;
  code: HTMLElement;
  remaining: HTMLElement;
  barFill: HTMLElement;
  bar: HTMLElement;
  copied: HTMLElement;
  error: HTMLElement;
  panel: HTMLElement;
  /** The code on screen; undefined before the first paint. */
  shownCode: string | null | undefined;
  copiedTimer: ReturnType<typeof setTimeout> | undefined;
};

export function mountDevices(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let devices: DeviceView[] | null = null;
  let codes = new Map<string, CodeView>();
  let fetchedAt = 0;
  let fetching = false;
  /** A fetch was asked for while one was running (the list changed): run one more. */
  let fetchAgain = false;
  let nextFetchAt = 0;
  let loadSeq = 0;
  const rows = new Map<string, Row>();
  let timer: ReturnType<typeof setInterval> | undefined;

  const listError = h('p', { class: 'error', testid: 'devices-error', 'aria-live': 'polite' });
  const list = h('div', { class: 'device-list-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const addForm = buildAddForm(deps, (added) => {
    void loadAll().then(() => {
      const first = added[0];
      if (first) rows.get(first.name)?.code.closest('li')?.scrollIntoView?.({ block: 'nearest' });
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

  async function loadAll(): Promise<void> {
    const seq = ++loadSeq;
    try {
      const result = await api.listDevices();
      if (disposed || seq !== loadSeq) return;
      devices = result;
      setText(listError, '');
      renderList();
    } catch (err) {
      if (disposed || seq !== loadSeq) return;
      setText(listError, failure(deps, err).message);
      if (devices === null) replaceChildren(list);
      return;
    }
    await fetchCodes();
  }

  async function fetchCodes(): Promise<void> {
    if (disposed || !devices || devices.length === 0) return;
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetching = true;
    fetchAgain = false;
    // The shell reads its clock when asked: count from the request, not the answer.
    const askedAt = deps.now();
    try {
      const result = await api.deviceCodes();
      if (disposed) return;
      codes = new Map(result.map((c) => [c.name, c]));
      fetchedAt = askedAt;
      // A device the answer left out (its seed unreadable, say) is asked about again
      // now and then, not on every tick.
      const missing = (devices ?? []).some((d) => !codes.has(d.name));
      nextFetchAt = deps.now() + (missing ? MISSING_RETRY_MS : 1000);
      setText(listError, '');
    } catch (err) {
      if (disposed) return;
      codes = new Map();
      nextFetchAt = deps.now() + RETRY_MS;
      setText(listError, failure(deps, err).message);
    } finally {
      fetching = false;
    }
    if (fetchAgain && !disposed) {
      void fetchCodes();
      return;
    }
    tick();
  }

  /** Brings every row up to date; true if the codes need fetching again. */
  function paint(now: number): boolean {
    let stale = false;
    for (const row of rows.values()) {
      const view = codes.get(row.device.name);
      const shown = view ? codeAt(view, fetchedAt, now) : null;
      if (!shown || shown.stale) stale = true;
      updateRow(row, shown?.code ?? null, shown?.seconds ?? 0, shown?.fraction ?? 0);
    }
    return stale;
  }

  function tick(): void {
    if (disposed) return;
    const now = deps.now();
    if (paint(now) && !fetching && now >= nextFetchAt) void fetchCodes();
  }

  function updateRow(row: Row, code: string | null, seconds: number, fraction: number): void {
    if (row.shownCode !== code) {
      row.shownCode = code;
      if (code === null) {
        replaceChildren(row.code, h('span', { class: 'code-placeholder' }, '–'.repeat(row.device.digits)));
      } else {
        replaceChildren(row.code, ...splitCode(code).map((part) => h('span', { class: 'code-part' }, part)));
      }
    }
    setText(row.remaining, code === null ? '' : `${seconds} s`);
    row.barFill.style.transform = `scaleX(${code === null ? 0 : fraction.toFixed(3)})`;
    row.bar.classList.toggle('low', code !== null && seconds <= 5);
  }

  function renderList(): void {
    for (const row of rows.values()) clearTimeout(row.copiedTimer);
    rows.clear();
    if (!devices || devices.length === 0) {
      replaceChildren(
        list,
        h('p', { class: 'empty', testid: 'devices-empty' }, 'No devices yet — add one below'),
      );
      return;
    }
    const ul = h('ul', { class: 'device-list', testid: 'device-list' });
    for (const device of devices) ul.appendChild(buildRow(device));
    replaceChildren(list, ul);
    paint(deps.now());
  }

  function buildRow(device: DeviceView): HTMLElement {
    const name = device.name;
    const code = h('span', { class: 'code', testid: `code-${name}` });
    const remaining = h('span', { class: 'remaining', testid: `remaining-${name}` });
    const barFill = h('div', { class: 'bar-fill' });
    const bar = h('div', { class: 'bar', 'aria-hidden': 'true' }, barFill);
    const copied = h('p', { class: 'copied', testid: `copied-${name}`, 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: `row-error-${name}`, 'aria-live': 'polite' });
    const panel = h('div', { class: 'panel' });
    const row: Row = {
      device,
      code,
      remaining,
      barFill,
      bar,
      copied,
      error,
      panel,
      shownCode: undefined,
      copiedTimer: undefined,
    };
    rows.set(name, row);

    const about = [device.issuer, device.account].filter((s): s is string => !!s).join(' · ');
    const copyButton = h(
      'button',
      {
        type: 'button',
        class: 'primary copy',
        testid: `copy-${name}`,
        'aria-label': `Copy code for ${name}`,
        onclick: () => void copy(row),
      },
      'Copy',
    );
    const action = (
      label: string,
      testid: string,
      open: (row: Row, trigger: HTMLButtonElement) => void,
      extra: string = '',
    ): HTMLButtonElement => {
      const b = h(
        'button',
        {
          type: 'button',
          class: `small ${extra}`.trim(),
          testid,
          'aria-label': `${label} ${name}`,
        },
        label,
      );
      b.addEventListener('click', () => open(row, b));
      return b;
    };

    return h(
      'li',
      { class: 'device', testid: `device-row-${name}` },
      h(
        'div',
        { class: 'device-main' },
        h(
          'div',
          { class: 'device-info' },
          h('div', { class: 'device-name' }, name, device.askBeforeUse ? h('span', { class: 'tag' }, 'asks first') : null),
          about ? h('div', { class: 'device-meta' }, about) : null,
          h(
            'div',
            { class: 'device-meta serial', title: device.serial ?? '' },
            device.serial ?? 'no MFA serial set',
          ),
        ),
        h('div', { class: 'device-code' }, code, remaining),
        copyButton,
      ),
      bar,
      copied,
      h(
        'div',
        { class: 'device-actions' },
        action('Show QR', `qr-${name}`, openQr),
        action('Rename', `rename-${name}`, openRename),
        action('Set serial', `serial-${name}`, openSerial),
        action('Remove', `remove-${name}`, openRemove, 'danger'),
      ),
      panel,
      error,
    );
  }

  async function copy(row: Row): Promise<void> {
    setText(row.error, '');
    clearTimeout(row.copiedTimer);
    try {
      const { clearsInSeconds } = await api.copyCode(row.device.name);
      if (disposed) return;
      setText(row.copied, copiedText(clearsInSeconds));
      const ms = clearsInSeconds > 0 ? clearsInSeconds * 1000 : COPIED_PLAIN_MS;
      row.copiedTimer = setTimeout(() => setText(row.copied, ''), ms);
    } catch (err) {
      setText(row.copied, '');
      setText(row.error, failure(deps, err).message);
    }
  }

  // ---- per-row panels: one open at a time, Escape closes and gives focus back ----

  let closeOpenPanel: (() => void) | null = null;

  function showPanel(row: Row, trigger: HTMLButtonElement, content: HTMLElement, focus?: HTMLElement): void {
    closeOpenPanel?.();
    setText(row.error, '');
    const close = (): void => {
      replaceChildren(row.panel);
      if (closeOpenPanel === close) closeOpenPanel = null;
      trigger.setAttribute('aria-expanded', 'false');
      if (trigger.isConnected) trigger.focus();
    };
    content.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close();
      }
    });
    replaceChildren(row.panel, content);
    trigger.setAttribute('aria-expanded', 'true');
    closeOpenPanel = close;
    (focus ?? content.querySelector<HTMLElement>('input, button'))?.focus();
  }

  function cancelButton(testid: string): HTMLButtonElement {
    return h(
      'button',
      { type: 'button', class: 'small', testid, onclick: () => closeOpenPanel?.() },
      'Cancel',
    );
  }

  function openQr(row: Row, trigger: HTMLButtonElement): void {
    const { box, confirm } = buildQrConfirm(deps, {
      name: row.device.name,
      testids: { confirm: 'qr-confirm', image: 'qr-image', hide: 'qr-hide' },
      extraButtons: [cancelButton('qr-cancel')],
      onHide: () => closeOpenPanel?.(),
      onError: (err) => setText(row.error, err.message),
    });
    showPanel(row, trigger, box, confirm);
  }

  function textForm(
    row: Row,
    trigger: HTMLButtonElement,
    opts: {
      label: string;
      value: string;
      testid: string;
      submitLabel: string;
      placeholder?: string;
      check: (value: string) => string | null;
      submit: (value: string) => Promise<unknown>;
    },
  ): void {
    const id = uid(opts.testid);
    const input = h('input', {
      id,
      type: 'text',
      testid: `${opts.testid}-input`,
      value: opts.value,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: opts.placeholder,
    });
    const save = h('button', { type: 'submit', class: 'small primary', testid: `${opts.testid}-save` }, opts.submitLabel);
    const form = h(
      'form',
      { class: 'inline-form', novalidate: true },
      h('label', { for: id }, opts.label),
      input,
      h('div', { class: 'buttons' }, save, cancelButton(`${opts.testid}-cancel`)),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const value = input.value.trim();
      const problem = opts.check(value);
      input.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (problem) {
        setText(row.error, problem);
        input.focus();
        return;
      }
      save.disabled = true;
      try {
        await opts.submit(value);
        if (disposed) return;
        closeOpenPanel?.();
        await loadAll();
      } catch (err) {
        save.disabled = false;
        setText(row.error, failure(deps, err).message);
        input.focus();
      }
    });
    showPanel(row, trigger, form, input);
    input.select();
  }

  function openRename(row: Row, trigger: HTMLButtonElement): void {
    const old = row.device.name;
    textForm(row, trigger, {
      label: `New name for ${old}`,
      value: old,
      testid: 'rename',
      submitLabel: 'Rename',
      check: deviceNameError,
      submit: (value) => (value === old ? Promise.resolve() : api.renameDevice(old, value)),
    });
  }

  function openSerial(row: Row, trigger: HTMLButtonElement): void {
    const name = row.device.name;
    textForm(row, trigger, {
      label: `MFA serial (ARN) for ${name}; leave empty to remove`,
      value: row.device.serial ?? '',
      testid: 'serial',
      submitLabel: 'Save serial',
      placeholder: 'arn:aws:iam::123456789012:mfa/alice',
      check: serialError,
      submit: (value) => api.setDeviceSerial(name, value === '' ? null : value),
    });
  }

  function openRemove(row: Row, trigger: HTMLButtonElement): void {
    const name = row.device.name;
    const confirm = h('button', { type: 'button', class: 'small danger', testid: 'remove-confirm' }, `Remove ${name}`);
    const box = h(
      'div',
      { class: 'confirm', role: 'group', 'aria-label': `Remove ${name}` },
      h(
        'p',
        { class: 'warning' },
        `Remove ${name}? Its seed is deleted from the keyring; to add it again you need the original secret or QR code.`,
      ),
      h('div', { class: 'buttons' }, confirm, cancelButton('remove-cancel')),
    );
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      try {
        await api.removeDevice(name);
        if (disposed) return;
        closeOpenPanel = null;
        await loadAll();
      } catch (err) {
        confirm.disabled = false;
        setText(row.error, failure(deps, err).message);
      }
    });
    showPanel(row, trigger, box, confirm);
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
    for (const row of rows.values()) clearTimeout(row.copiedTimer);
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('focus', onFocus);
    unlisten();
  };
}
