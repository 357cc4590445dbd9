// Showing a device's QR code, shared by the devices view and the MFA wizard: a warning and
// an explicit confirmation first; only then is `device_qr_svg` asked for, and the SVG is
// rebuilt from an allow-list (`sanitizeSvg`) before it is shown inline.

import type { CommandError } from '../lib/api';
import { h, replaceChildren } from '../lib/dom';
import { sanitizeSvg } from '../lib/svg';
import { failure, type ViewDeps } from './context';

export type QrConfirmOptions = {
  /** The device whose seed the QR code carries. */
  name: string;
  testids: {
    /** The "Show QR code" button. */
    confirm: string;
    /** The element holding the QR code, once shown. */
    image: string;
    /** The "Hide QR code" button. */
    hide: string;
  };
  /** Shown under the QR code. */
  hint?: string;
  /** More buttons next to the confirm button (Cancel, say). */
  extraButtons?: HTMLButtonElement[];
  /** "Hide QR code" was pressed: the caller removes or resets the box. */
  onHide: () => void;
  /** The QR code could not be fetched or shown; the confirm button works again. */
  onError: (err: CommandError) => void;
};

export const QR_WARNING =
  'Anyone who sees this QR code can make your codes. Show it only where no one else can see your screen.';

/**
 * A box with the warning and a confirm button; confirming replaces its content with the
 * QR code, a hint and a Hide button (which gets the focus).
 */
export function buildQrConfirm(
  deps: ViewDeps,
  opts: QrConfirmOptions,
): { box: HTMLElement; confirm: HTMLButtonElement } {
  const { name, testids } = opts;
  const confirm = h(
    'button',
    { type: 'button', class: 'small danger', testid: testids.confirm },
    'Show QR code',
  );
  const box = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-label': `QR code for ${name}` },
    h('p', { class: 'warning' }, QR_WARNING),
    h('div', { class: 'buttons' }, confirm, ...(opts.extraButtons ?? [])),
  );
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      const svg = sanitizeSvg(await deps.api.deviceQrSvg(name));
      if (!svg) throw new Error('The QR code could not be displayed');
      svg.setAttribute('aria-hidden', 'true');
      const hide = h('button', { type: 'button', class: 'small', testid: testids.hide }, 'Hide QR code');
      hide.addEventListener('click', () => opts.onHide());
      replaceChildren(
        box,
        h('div', { class: 'qr', role: 'img', 'aria-label': `QR code for ${name}`, testid: testids.image }, svg),
        h('p', { class: 'hint' }, opts.hint ?? 'Scan it with an authenticator app to add the same device there.'),
        h('div', { class: 'buttons' }, hide),
      );
      hide.focus();
    } catch (err) {
      confirm.disabled = false;
      opts.onError(failure(deps, err));
    }
  });
  return { box, confirm };
}
