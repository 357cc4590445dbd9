// `#/setup`: the first-run guide, from nothing to "the AWS CLI works" without a terminal.
// Five steps: an MFA device, long-term keys in the keyring, role profiles wired to Otpilot,
// a live check of each wired profile, and what works now. Each step can be skipped and
// opened again later; the step open and the steps skipped survive closing the window
// (localStorage), while whether a step is done is always read from the shell.
//
// Nothing that writes a file runs without a confirmation that says what will change. The
// state and its rules live in `guide.model.ts`; this file calls the shell, feeds the
// answers to the model and draws the state. A step's form is built once per visit of the
// step, and only its lists are drawn again, so typed text survives the shell's answers.

import { h, replaceChildren, setText, type Child } from '../lib/dom';
import { buildAddForm } from './addDevice';
import { failure, type Unmount, type ViewDeps } from './context';
import {
  GUIDE_STEPS,
  PROGRESS_KEY,
  STEP_LABELS,
  checkAnswered,
  checkStarted,
  devicesLoaded,
  devicesText,
  doneCommands,
  goTo,
  guideNav,
  initialGuide,
  initialProgress,
  loadFailed,
  nextStep,
  parseProgress,
  previousStep,
  profilesLoaded,
  progressText,
  skipStep,
  stepDone,
  stepState,
  wiredProfiles,
  withProgress,
  type GuideProgress,
  type GuideState,
  type GuideStep,
  type StepState,
} from './guide.model';
import { buildKeysStep, buildWireStep, type Built, type GuideCtx } from './guideSteps';

const STATE_WORDS: Record<StepState, string> = {
  current: 'current step',
  done: 'done',
  skipped: 'skipped',
  todo: 'to do',
};

function readProgress(): GuideProgress {
  try {
    return parseProgress(localStorage.getItem(PROGRESS_KEY));
  } catch {
    // No storage (a locked-down webview): the guide still works, it just starts over.
    return initialProgress();
  }
}

function writeProgress(progress: GuideProgress | null): void {
  try {
    if (progress === null) localStorage.removeItem(PROGRESS_KEY);
    else localStorage.setItem(PROGRESS_KEY, progressText(progress));
  } catch {
    // As above: only the resuming is lost.
  }
}

export function mountGuide(root: HTMLElement, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let state = initialGuide(readProgress());

  const items = new Map<GuideStep, HTMLButtonElement>();
  const stepList = h(
    'ol',
    { class: 'guide-steps' },
    ...GUIDE_STEPS.map((step, i) => {
      const item = h(
        'button',
        { type: 'button', class: 'guide-step', testid: `guide-step-${step}` },
        h('span', { class: 'guide-step-number', 'aria-hidden': 'true' }, String(i + 1)),
        STEP_LABELS[step],
      );
      item.addEventListener('click', () => go(goTo(state.progress, step)));
      items.set(step, item);
      return h('li', {}, item);
    }),
  );
  const loadError = h('p', { class: 'error', testid: 'guide-error', 'aria-live': 'polite' });
  const body = h('div', { class: 'guide-body' });
  const backButton = h('button', { type: 'button', class: 'guide-back', testid: 'guide-back' }, 'Back');
  const skipButton = h('button', { type: 'button', testid: 'guide-skip' }, 'Skip for now');
  const nextButton = h('button', { type: 'button', class: 'primary', testid: 'guide-next' }, 'Next');
  backButton.addEventListener('click', () => go(previousStep(state.progress)));
  skipButton.addEventListener('click', () => go(skipStep(state.progress)));
  nextButton.addEventListener('click', () => go(nextStep(state.progress)));

  replaceChildren(
    root,
    h(
      'section',
      { class: 'view guide', testid: 'guide', 'aria-labelledby': 'guide-title' },
      h('h1', { id: 'guide-title' }, 'Set up Otpilot'),
      h('nav', { 'aria-label': 'Set-up steps' }, stepList),
      loadError,
      body,
      h('div', { class: 'buttons guide-nav' }, backButton, skipButton, nextButton),
    ),
  );

  let drawnStep: GuideStep | null = null;
  let built: Built | null = null;
  let heading: HTMLElement | null = null;
  let stepNote: HTMLElement | null = null;
  /** The check step opened before the profiles were read: run it once they are. */
  let checkWhenLoaded = false;

  function update(next: GuideState): void {
    if (next === state) return;
    const progressChanged = next.progress !== state.progress;
    state = next;
    if (progressChanged) writeProgress(state.progress);
    if (!disposed) render();
  }

  /** Opens another step: its heading gets the focus, and the check runs on arrival. */
  function go(progress: GuideProgress): void {
    const entering = progress.current !== state.progress.current;
    update(withProgress(state, progress));
    if (!entering) return;
    heading?.focus();
    if (progress.current === 'check') void runCheck();
  }

  function render(): void {
    setText(loadError, state.loadError);
    for (const [step, item] of items) {
      const s = stepState(state, step);
      item.setAttribute('data-state', s);
      item.setAttribute('aria-label', `${STEP_LABELS[step]}: ${STATE_WORDS[s]}`);
      if (s === 'current') item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    }
    const nav = guideNav(state.progress);
    backButton.disabled = nav.backDisabled;
    skipButton.disabled = nav.skipDisabled;
    nextButton.disabled = nav.nextDisabled;
    const current = state.progress.current;
    if (drawnStep !== current) {
      drawnStep = current;
      built = buildStep(current);
      replaceChildren(body, built.el);
    }
    if (stepNote) {
      const done = current !== 'done' && stepDone(state, current);
      const skipped = !done && state.progress.skipped.includes(current);
      setText(stepNote, done ? 'This step is done.' : skipped ? 'You skipped this step; you can do it now.' : '');
      stepNote.className = done ? 'success' : 'hint';
    }
    built?.paint();
  }

  function buildStep(step: GuideStep): Built {
    switch (step) {
      case 'device':
        return buildDevice();
      case 'keys':
        return buildKeysStep(ctx);
      case 'wire':
        return buildWireStep(ctx);
      case 'check':
        return buildCheck();
      case 'done':
        return buildDone();
    }
  }

  /** The step's frame: numbered heading, what it is for, and whether it is done. */
  function stepSection(step: GuideStep, title: string, intro: string, ...children: Child[]): HTMLElement {
    heading = h('h2', { id: 'guide-step-title', tabindex: '-1' }, `${GUIDE_STEPS.indexOf(step) + 1}. ${title}`);
    stepNote = h('p', { testid: 'guide-step-note', 'aria-live': 'polite' });
    return h(
      'section',
      { class: 'card guide-card', testid: `guide-${step}`, 'aria-labelledby': 'guide-step-title' },
      heading,
      h('p', { class: 'hint intro' }, intro),
      stepNote,
      ...children,
    );
  }

  function focusTestId(id: string): void {
    root.querySelector<HTMLElement>(`[data-testid="${id.replace(/["\\]/g, '\\$&')}"]`)?.focus();
  }

  const ctx: GuideCtx = {
    deps,
    state: () => state,
    update: (next) => update(next),
    disposed: () => disposed,
    section: stepSection,
    focus: focusTestId,
    loadProfiles: () => loadProfiles(),
  };

  // ---- step 1: a device ----

  function buildDevice(): Built {
    const list = h('p', { testid: 'guide-device-list', 'aria-live': 'polite' });
    const form = buildAddForm(deps, () => void loadDevices());
    const none = h('button', { type: 'button', testid: 'guide-device-none' }, 'I don’t have one yet');
    none.addEventListener('click', () => {
      location.hash = '#/mfa';
    });
    const el = stepSection(
      'device',
      'Your MFA device',
      'Otpilot makes the six-digit codes AWS asks for, from the same secret as your authenticator app. Add the device you use now: its secret, a QR code image, or the seed file AWS gave you.',
      list,
      form,
      h('h3', {}, 'No MFA device yet?'),
      h(
        'p',
        { class: 'hint' },
        'Otpilot can create one in IAM for a profile with access keys (see the next step) and keep its secret for you.',
      ),
      h('div', { class: 'buttons' }, none),
    );
    let drawn: unknown;
    return {
      el,
      paint: () => {
        if (drawn === state.devices) return;
        drawn = state.devices;
        setText(list, devicesText(state.devices));
      },
    };
  }

  // ---- step 4: the live check ----

  function buildCheck(): Built {
    const rows = h('div', {});
    const run = h('button', { type: 'button', testid: 'guide-check-run' }, 'Check again');
    run.addEventListener('click', () => void runCheck());
    const el = stepSection(
      'check',
      'Check that it works',
      'For each wired profile, Otpilot gets credentials as the AWS CLI would, then asks AWS whose they are. The tray may ask you for an MFA code.',
      rows,
      h('div', { class: 'buttons' }, run),
    );

    function rowEl(p: string): HTMLElement {
      const row = state.check.rows.get(p);
      let line: HTMLElement;
      if (!row) line = h('p', { class: 'muted' }, 'not checked yet');
      else if (row.kind === 'checking') line = h('p', { class: 'muted' }, 'checking…');
      else if (row.kind === 'ok')
        line = h(
          'p',
          { class: 'success' },
          'Works: ',
          h('span', { class: 'mono', testid: `guide-check-arn-${p}` }, row.identity.arn),
        );
      else line = h('p', { class: 'error' }, row.message);
      return h(
        'li',
        { class: 'guide-row', testid: `guide-check-${p}`, 'aria-live': 'polite' },
        h('span', { class: 'profile-name' }, p),
        line,
      );
    }

    let drawn: unknown[] = [];
    return {
      el,
      paint: () => {
        if (drawn[0] !== state.profiles || drawn[1] !== state.check) {
          drawn = [state.profiles, state.check];
          const wired = wiredProfiles(state.profiles ?? []);
          replaceChildren(
            rows,
            state.profiles === null
              ? h('p', { class: 'muted' }, 'Loading…')
              : wired.length === 0
                ? h('p', { class: 'empty', testid: 'guide-check-none' }, 'No profile is wired yet: wire one in step 3 first.')
                : h('ul', { class: 'guide-list' }, ...wired.map(rowEl)),
          );
        }
        run.disabled = [...state.check.rows.values()].some((r) => r.kind === 'checking');
      },
    };
  }

  async function runCheck(): Promise<void> {
    if (state.profiles === null) {
      checkWhenLoaded = true;
      return;
    }
    const out = checkStarted(state);
    update(out.state);
    // One at a time: each may ask for an MFA code in the tray's dialog.
    for (const p of out.profiles) {
      try {
        const identity = await api.checkProfile(p);
        if (disposed) return;
        update(checkAnswered(state, out.seq, p, { kind: 'ok', identity }));
      } catch (err) {
        if (disposed) return;
        update(checkAnswered(state, out.seq, p, { kind: 'failed', message: failure(deps, err).message }));
      }
      if (out.seq !== state.check.seq) return;
    }
  }

  // ---- step 5: what works now ----

  function buildDone(): Built {
    const list = h('div', {});
    const finish = h('button', { type: 'button', class: 'primary', testid: 'guide-finish' }, 'Go to my profiles');
    finish.addEventListener('click', () => {
      // Finished: a later visit starts from the top (the steps still show what is done).
      writeProgress(null);
      location.hash = '#/profiles';
    });
    const el = stepSection(
      'done',
      'What works now',
      'Each wired profile gets its credentials from Otpilot, in any terminal and any tool that reads your AWS config.',
      list,
      h('div', { class: 'buttons' }, finish),
    );

    function profileEl(p: string): HTMLElement {
      const status = h('p', { class: 'success', testid: `guide-console-status-${p}`, 'aria-live': 'polite' });
      const open = h(
        'button',
        { type: 'button', class: 'small', testid: `guide-console-${p}`, 'aria-label': `Open the AWS console for ${p}` },
        'Open the console',
      );
      open.addEventListener('click', async () => {
        open.disabled = true;
        status.className = 'success';
        setText(status, '');
        try {
          await api.openConsole(p, null, null);
          setText(status, 'Console opened in your browser');
        } catch (err) {
          status.className = 'error';
          setText(status, failure(deps, err).message);
        } finally {
          open.disabled = false;
        }
      });
      return h(
        'li',
        { class: 'guide-row', testid: `guide-done-${p}` },
        h('span', { class: 'profile-name' }, p),
        ...doneCommands(p).map((line) => h('div', { class: 'meta' }, h('code', {}, line))),
        h('div', { class: 'buttons' }, open),
        status,
      );
    }

    let drawn: unknown;
    return {
      el,
      paint: () => {
        if (drawn === state.profiles) return;
        drawn = state.profiles;
        const wired = wiredProfiles(state.profiles ?? []);
        replaceChildren(
          list,
          state.profiles === null
            ? h('p', { class: 'muted' }, 'Loading…')
            : wired.length === 0
              ? h(
                  'p',
                  { class: 'empty', testid: 'guide-done-none' },
                  'No profile is wired yet, so nothing goes through Otpilot. Step 3 wires one.',
                )
              : h('ul', { class: 'guide-list' }, ...wired.map(profileEl)),
        );
      },
    };
  }

  // ---- effects: what the shell reports ----

  let devicesSeq = 0;
  async function loadDevices(): Promise<void> {
    const seq = ++devicesSeq;
    try {
      const devices = await api.listDevices();
      if (disposed || seq !== devicesSeq) return;
      update(devicesLoaded(state, devices));
    } catch (err) {
      if (disposed || seq !== devicesSeq) return;
      update(loadFailed(state, failure(deps, err).message));
    }
  }

  let profilesSeq = 0;
  async function loadProfiles(): Promise<void> {
    const seq = ++profilesSeq;
    try {
      const profiles = await api.listProfiles();
      if (disposed || seq !== profilesSeq) return;
      update(profilesLoaded(state, profiles));
    } catch (err) {
      if (disposed || seq !== profilesSeq) return;
      update(loadFailed(state, failure(deps, err).message));
      return;
    }
    if (checkWhenLoaded) {
      checkWhenLoaded = false;
      void runCheck();
    }
  }

  const unlistenDevices = api.onDevicesChanged(() => void loadDevices());
  const unlistenProfiles = api.onProfilesChanged(() => void loadProfiles());

  render();
  void loadDevices();
  void loadProfiles();
  if (state.progress.current === 'check') void runCheck();

  return () => {
    disposed = true;
    unlistenDevices();
    unlistenProfiles();
  };
}
