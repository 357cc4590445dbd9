// `#/mfa`: the "Set up MFA" wizard. Pick a profile with long-term access keys, optionally
// name the new virtual MFA device, enroll it (the shell creates and enables it in IAM,
// keeps its seed in the keyring and, when the profile has no mfa_serial yet, writes one
// into the AWS config after a backup), then see what changed and, only after an explicit
// confirmation, the QR code for a backup on a phone.
//
// The steps and their rules live in `mfa.model.ts`; this file calls the shell, feeds the
// answers to the model, draws the current step and moves the focus.

import type { EnrollResult } from '../lib/api';
import { h, replaceChildren, setText } from '../lib/dom';
import { failure, type Unmount, type ViewDeps } from './context';
import {
  DEFAULT_MFA_DEVICE_NAME,
  candidateLabel,
  candidatesLoaded,
  done,
  enrollFailed,
  enrollSubmitted,
  enrolled,
  existingDevice,
  formControls,
  initialMfa,
  loadFailed,
  loadStarted,
  nameEdited,
  profileChosen,
  qrFailed,
  qrOffered,
  resultFacts,
  switchFailed,
  switchOffered,
  switchStarted,
  switched,
  type MfaForm,
  type MfaState,
  type MfaStep,
} from './mfa.model';
import { buildQrConfirm } from './qr';

export { DEFAULT_MFA_DEVICE_NAME };

/** The form's elements, and the profile its note was last drawn for. */
type FormEls = {
  form: HTMLFormElement;
  select: HTMLSelectElement;
  existing: HTMLElement;
  name: HTMLInputElement;
  enroll: HTMLButtonElement;
  status: HTMLElement;
  error: HTMLElement;
  drawnProfile: string | null;
};

export function mountMfa(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialMfa();

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

  let formEls: FormEls | null = null;
  let qrError: HTMLElement | null = null;
  let resultHeading: HTMLElement | null = null;
  let switchEls: { button: HTMLButtonElement; done: HTMLElement; error: HTMLElement } | null = null;
  /** What the body was last built for: the step's data (a new object per step entered). */
  let drawn: unknown = 'loading';

  function update(next: MfaState): void {
    if (next === state) return;
    state = next;
    if (!disposed) render();
  }

  function stepKey(step: MfaStep): unknown {
    switch (step.kind) {
      case 'loading':
        return 'loading';
      case 'form':
        return step.form.candidates;
      case 'result':
        return step.result;
      default:
        return step;
    }
  }

  function render(): void {
    setText(loadError, state.loadError);
    const step = state.step;
    const key = stepKey(step);
    if (key !== drawn) {
      drawn = key;
      formEls = null;
      qrError = null;
      resultHeading = null;
      switchEls = null;
      replaceChildren(body, buildStep(step));
    }
    if (step.kind === 'form' && formEls) paintForm(formEls, step.form);
    if (step.kind === 'result' && qrError) setText(qrError, step.qrError);
    if (step.kind === 'result' && switchEls) {
      const s = step.switching;
      // Gone once switched: the profile uses the new device, there is nothing left to offer.
      switchEls.button.hidden = s.done !== '';
      switchEls.button.disabled = s.busy;
      setText(switchEls.done, s.done);
      setText(switchEls.error, s.error);
    }
  }

  function buildStep(step: MfaStep): HTMLElement {
    switch (step.kind) {
      case 'loading':
        return h('p', { class: 'muted' }, 'Loading…');
      case 'failed': {
        const retry = h('button', { type: 'button', testid: 'mfa-retry', onclick: () => void load(true) }, 'Try again');
        return h('div', { class: 'buttons' }, retry);
      }
      case 'empty':
        return emptyState();
      case 'form':
        formEls = buildForm(step.form);
        return formEls.form;
      case 'result':
        return buildResult(step.result);
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

  // ---- step 2: the form ----

  function buildForm(initial: MfaForm): FormEls {
    const select = h(
      'select',
      { id: 'mfa-profile', testid: 'mfa-profile', 'aria-describedby': 'mfa-existing' },
      ...initial.candidates.map((c) => h('option', { value: c.profile }, candidateLabel(c))),
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
    name.placeholder = DEFAULT_MFA_DEVICE_NAME;
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

    select.addEventListener('change', () => update(profileChosen(state, select.value)));
    name.addEventListener('input', () => update(nameEdited(state)));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void submitEnroll(select.value, name.value);
    });
    return { form, select, existing, name, enroll, status, error, drawnProfile: null };
  }

  function paintForm(els: FormEls, form: MfaForm): void {
    if (els.drawnProfile !== form.profile) {
      els.drawnProfile = form.profile;
      const existing = existingDevice(form);
      els.existing.hidden = existing === null;
      if (existing) {
        replaceChildren(
          els.existing,
          h('p', {}, 'This profile already has an MFA device: ', h('span', { class: 'mono' }, existing.serial), '.'),
          h(
            'p',
            {},
            'Enrolling adds a new device; the old one stays and the profile keeps using it. To replace it instead, run ',
            h('code', {}, existing.rotate),
            ' on the command line.',
          ),
        );
      } else {
        replaceChildren(els.existing);
      }
    }
    const c = formControls(form);
    if (c.nameInvalid === null) els.name.removeAttribute('aria-invalid');
    else els.name.setAttribute('aria-invalid', c.nameInvalid);
    els.enroll.disabled = c.enrollDisabled;
    els.select.disabled = c.selectDisabled;
    els.name.readOnly = c.nameReadOnly;
    if (c.ariaBusy !== null) els.form.setAttribute('aria-busy', c.ariaBusy);
    setText(els.status, form.status);
    setText(els.error, form.error);
  }

  // ---- steps 3 and 4: what changed, the QR code on request, and Done ----

  function buildResult(r: EnrollResult): HTMLElement {
    const heading = h('h2', { id: 'mfa-result-title', tabindex: '-1' }, 'MFA device enrolled');
    resultHeading = heading;
    const errorEl = h('p', { class: 'error', testid: 'mfa-qr-error', 'aria-live': 'polite' });
    qrError = errorEl;
    const qrSlot = h('div', {});
    const offerQr = (focus: boolean): void => {
      const { box, confirm } = buildQrConfirm(deps, {
        name: r.device,
        testids: { confirm: 'mfa-show-qr', image: 'mfa-qr', hide: 'mfa-hide-qr' },
        hint: 'Scan it with an authenticator app on your phone to keep a backup of this device.',
        // Hidden: offered again, behind the same confirmation.
        onHide: () => {
          update(qrOffered(state));
          offerQr(true);
        },
        onError: (err) => update(qrFailed(state, err.message)),
      });
      replaceChildren(qrSlot, box);
      if (focus) confirm.focus();
    };
    offerQr(false);

    const doneButton = h('button', { type: 'button', class: 'primary', testid: 'mfa-done' }, 'Done');
    doneButton.addEventListener('click', () => {
      update(done(state));
      void load(true);
    });

    return h(
      'div',
      { class: 'card mfa-result', testid: 'mfa-result', role: 'group', 'aria-labelledby': 'mfa-result-title' },
      heading,
      h(
        'dl',
        { class: 'facts' },
        ...resultFacts(r).flatMap((f) => [
          h('dt', {}, f.label),
          h('dd', { testid: f.testid, class: f.mono ? 'mono' : null }, f.value),
        ]),
      ),
      buildKept(r),
      h('h3', {}, 'Back up to your phone (optional)'),
      h(
        'p',
        { class: 'hint' },
        'An authenticator app on your phone can hold the same device, so you can still sign in without this computer.',
      ),
      qrSlot,
      errorEl,
      h(
        'div',
        { class: 'buttons' },
        doneButton,
        h('a', { href: '#/devices', class: 'button-link', testid: 'mfa-go-devices' }, 'Go to devices'),
      ),
    );
  }

  /** The profile kept its old device: say so, and offer to point it at the new one. */
  function buildKept(r: EnrollResult): HTMLElement | null {
    if (r.keptNote === null) return null;
    const note = h('p', { testid: 'mfa-kept-note' }, r.keptNote);
    if (!switchOffered(r)) return h('div', { class: 'info' }, note);
    const button = h(
      'button',
      { type: 'button', class: 'small primary', testid: 'mfa-switch-serial' },
      'Use the new device for this profile',
    );
    button.addEventListener('click', () => void switchSerial());
    const done = h('p', { class: 'success', testid: 'mfa-switch-result', 'aria-live': 'polite' });
    const error = h('p', { class: 'error', testid: 'mfa-switch-error', 'aria-live': 'polite' });
    switchEls = { button, done, error };
    return h('div', { class: 'info' }, note, h('div', { class: 'buttons' }, button), done, error);
  }

  // ---- effects ----

  async function switchSerial(): Promise<void> {
    const out = switchStarted(state);
    update(out.state);
    if (!out.request) return;
    try {
      const profiles = await api.mfaSwitchSerial(out.request.old, out.request.new);
      if (disposed) return;
      update(switched(state, profiles));
    } catch (err) {
      if (!disposed) update(switchFailed(state, failure(deps, err).message));
    }
  }

  /** Step 1: the candidates, then the form (focused on request) or the empty state. */
  async function load(focusForm = false): Promise<void> {
    update(loadStarted(state));
    const seq = state.seq;
    try {
      const candidates = await api.mfaEnrollCandidates();
      if (disposed) return;
      update(candidatesLoaded(state, seq, candidates));
      if (focusForm && seq === state.seq) formEls?.select.focus();
    } catch (err) {
      if (disposed || seq !== state.seq) return;
      update(loadFailed(state, seq, failure(deps, err).message));
    }
  }

  async function submitEnroll(profile: string, typed: string): Promise<void> {
    const out = enrollSubmitted(state, profile, typed);
    update(out.state);
    if (out.focusName) formEls?.name.focus();
    if (!out.request) return;
    try {
      const result = await api.mfaEnroll(out.request.profile, out.request.deviceName);
      if (disposed) return;
      update(enrolled(state, result));
      resultHeading?.focus();
    } catch (err) {
      if (disposed) return;
      update(enrollFailed(state, failure(deps, err).message));
      formEls?.enroll.focus();
    }
  }

  void load();
  return () => {
    disposed = true;
  };
}
