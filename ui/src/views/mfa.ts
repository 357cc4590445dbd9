// `#/mfa`: the "Set up MFA" wizard. Pick a profile with long-term access keys, optionally
// name the new virtual MFA device, enroll it (the shell creates and enables it in IAM,
// keeps its seed in the keyring and, when the profile has no mfa_serial yet, writes one
// into the AWS config after a backup), then see what changed and, only after an explicit
// confirmation, the QR code for a backup on a phone.

import type { EnrollCandidate, EnrollResult } from '../lib/api';
import { h, replaceChildren, setText } from '../lib/dom';
import { mfaDeviceNameError } from '../lib/validate';
import { failure, type Unmount, type ViewDeps } from './context';
import { buildQrConfirm } from './qr';

/** The placeholder of the device name field: a suggestion; empty sends null. */
/** What the core names a device when no name is given (it knows the IAM user; the UI does not). */
export const DEFAULT_MFA_DEVICE_NAME = 'USER-otpilot-YYYYMMDD';

export function mountMfa(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let loadSeq = 0;

  const loadError = h('p', { class: 'error', testid: 'mfa-load-error', 'aria-live': 'polite' });
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  replaceChildren(
    root,
    h(
      'section',
      { class: 'view', 'aria-labelledby': 'mfa-title' },
      h('h1', { id: 'mfa-title' }, 'Set up MFA'),
      h(
        'p',
        { class: 'hint intro' },
        'Otpilot creates and turns on a virtual MFA device for the IAM user of one of your profiles, keeps its seed in your keyring and, if the profile has no MFA device yet, writes its serial (mfa_serial) into your AWS config.',
      ),
      loadError,
      body,
    ),
  );

  /** Step 1: the candidates, then the form (or the empty state). */
  async function load(focusForm = false): Promise<void> {
    const seq = ++loadSeq;
    setText(loadError, '');
    try {
      const candidates = await api.mfaEnrollCandidates();
      if (disposed || seq !== loadSeq) return;
      if (candidates.length === 0) {
        replaceChildren(body, emptyState());
        return;
      }
      const form = buildForm(candidates);
      replaceChildren(body, form);
      if (focusForm) form.querySelector<HTMLElement>('select')?.focus();
    } catch (err) {
      if (disposed || seq !== loadSeq) return;
      setText(loadError, failure(deps, err).message);
      const retry = h('button', { type: 'button', testid: 'mfa-retry', onclick: () => void load(true) }, 'Try again');
      replaceChildren(body, h('div', { class: 'buttons' }, retry));
    }
  }

  function emptyState(): HTMLElement {
    return h(
      'div',
      { class: 'empty', testid: 'mfa-empty' },
      h('p', {}, 'No profile can enroll an MFA device yet.'),
      h(
        'p',
        {},
        'A profile needs long-term access keys: add them with ',
        h('code', {}, 'otpilot keys add PROFILE'),
        ' or put them in ',
        h('code', {}, '~/.aws/credentials'),
        ', then come back here.',
      ),
    );
  }

  function buildForm(candidates: EnrollCandidate[]): HTMLFormElement {
    const byProfile = new Map(candidates.map((c) => [c.profile, c]));
    const select = h(
      'select',
      { id: 'mfa-profile', testid: 'mfa-profile', 'aria-describedby': 'mfa-existing' },
      ...candidates.map((c) =>
        h('option', { value: c.profile }, c.mfaSerial ? `${c.profile} (has an MFA device)` : c.profile),
      ),
    );
    const existing = h('div', { class: 'info', id: 'mfa-existing', testid: 'mfa-existing', hidden: true });
    const name = h('input', {
      id: 'mfa-device-name',
      type: 'text',
      testid: 'mfa-device-name',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-describedby': 'mfa-device-name-hint',
    });
    const enroll = h('button', { type: 'submit', class: 'primary', testid: 'mfa-enroll' }, 'Enroll MFA device');
    const status = h('p', { class: 'muted', testid: 'mfa-status', role: 'status', 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: 'mfa-error', 'aria-live': 'polite' });

    const form = h(
      'form',
      { class: 'card mfa-form', testid: 'mfa-form', novalidate: true, 'aria-labelledby': 'mfa-form-title' },
      h('h2', { id: 'mfa-form-title' }, 'Choose a profile'),
      h('div', { class: 'field' }, h('label', { for: 'mfa-profile' }, 'AWS profile'), select, existing),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'mfa-device-name' }, 'Device name (optional)'),
        name,
        h(
          'p',
          { class: 'hint', id: 'mfa-device-name-hint' },
          'The name in IAM: letters, digits and + = , . @ _ -, up to 226. Leave empty for the default: your IAM user name, -otpilot- and the date.',
        ),
      ),
      h('div', { class: 'buttons' }, enroll),
      status,
      error,
    );

    function showProfile(): void {
      const c = byProfile.get(select.value);
      name.placeholder = DEFAULT_MFA_DEVICE_NAME;
      existing.hidden = !c?.mfaSerial;
      if (c?.mfaSerial) {
        replaceChildren(
          existing,
          h('p', {}, 'This profile already has an MFA device: ', h('span', { class: 'mono' }, c.mfaSerial), '.'),
          h(
            'p',
            {},
            'Enrolling adds a new device; the old one stays and the profile keeps using it. To replace it instead, run ',
            h('code', {}, `otpilot mfa rotate --profile ${c.profile}`),
            ' on the command line.',
          ),
        );
      } else {
        replaceChildren(existing);
      }
    }

    function setBusy(busy: boolean): void {
      enroll.disabled = busy;
      select.disabled = busy;
      name.readOnly = busy;
      form.setAttribute('aria-busy', String(busy));
    }

    select.addEventListener('change', () => {
      setText(error, '');
      showProfile();
    });
    name.addEventListener('input', () => name.removeAttribute('aria-invalid'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (enroll.disabled) return;
      setText(error, '');
      const profile = select.value;
      const typed = name.value.trim();
      const problem = mfaDeviceNameError(typed);
      name.setAttribute('aria-invalid', problem ? 'true' : 'false');
      if (problem) {
        setText(error, problem);
        name.focus();
        return;
      }
      setBusy(true);
      setText(status, 'Enrolling…');
      try {
        const result = await api.mfaEnroll(profile, typed === '' ? null : typed);
        if (disposed) return;
        showResult(result);
      } catch (err) {
        if (disposed) return;
        setText(status, '');
        setText(error, failure(deps, err).message);
        setBusy(false);
        enroll.focus();
      }
    });

    showProfile();
    return form;
  }

  /** Steps 3 and 4: what changed, the QR code on request, and Done. */
  function showResult(r: EnrollResult): void {
    loadSeq++;
    const heading = h('h2', { id: 'mfa-result-title', tabindex: '-1' }, 'MFA device enrolled');
    const fact = (label: string, testid: string, value: string, mono = false): HTMLElement[] => [
      h('dt', {}, label),
      h('dd', { testid, class: mono ? 'mono' : null }, value),
    ];
    const qrError = h('p', { class: 'error', testid: 'mfa-qr-error', 'aria-live': 'polite' });
    const qrSlot = h('div', {});
    const offerQr = (focus: boolean): void => {
      const { box, confirm } = buildQrConfirm(deps, {
        name: r.device,
        testids: { confirm: 'mfa-show-qr', image: 'mfa-qr', hide: 'mfa-hide-qr' },
        hint: 'Scan it with an authenticator app on your phone to keep a backup of this device.',
        onHide: () => offerQr(true),
        onError: (err) => setText(qrError, err.message),
      });
      setText(qrError, '');
      replaceChildren(qrSlot, box);
      if (focus) confirm.focus();
    };
    offerQr(false);

    const done = h('button', { type: 'button', class: 'primary', testid: 'mfa-done' }, 'Done');
    done.addEventListener('click', () => {
      replaceChildren(body, h('p', { class: 'muted' }, 'Loading…'));
      void load(true);
    });

    replaceChildren(
      body,
      h(
        'div',
        { class: 'card mfa-result', testid: 'mfa-result', role: 'group', 'aria-labelledby': 'mfa-result-title' },
        heading,
        h(
          'dl',
          { class: 'facts' },
          ...fact('IAM user', 'mfa-result-user', r.user),
          ...fact('MFA serial', 'mfa-result-serial', r.serial, true),
          ...fact('Device in Otpilot', 'mfa-result-device', r.device),
          ...fact(
            'mfa_serial written to',
            'mfa-result-profiles',
            r.profilesUpdated.length > 0 ? r.profilesUpdated.join(', ') : 'no profile',
          ),
          ...fact('AWS config backup', 'mfa-result-backup', r.backup ?? 'none made', r.backup !== null),
        ),
        h('h3', {}, 'Back up to your phone (optional)'),
        h(
          'p',
          { class: 'hint' },
          'An authenticator app on your phone can hold the same device, so you can still sign in without this computer.',
        ),
        qrSlot,
        qrError,
        h(
          'div',
          { class: 'buttons' },
          done,
          h('a', { href: '#/devices', class: 'button-link', testid: 'mfa-go-devices' }, 'Go to devices'),
        ),
      ),
    );
    heading.focus();
  }

  void load();
  return () => {
    disposed = true;
  };
}
