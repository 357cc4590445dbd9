// The "Set up MFA" wizard's state and decisions: which step shows (loading, a failed load,
// no candidate, the form, the result), which answer counts, what enrolling sends and what
// the form and the result say meanwhile. No DOM, no api: `mountMfa` calls the shell and
// feeds the answers in here.

import type { EnrollCandidate, EnrollResult } from '../lib/api';
import { mfaDeviceNameError } from '../lib/validate';

/**
 * The device name field's placeholder: what the core names a device when no name is given
 * (it knows the IAM user; the UI does not). Empty sends null.
 */
export const DEFAULT_MFA_DEVICE_NAME = 'USER-otpilot-YYYYMMDD';

export type MfaForm = {
  candidates: readonly EnrollCandidate[];
  /** The chosen profile. */
  profile: string;
  /** Enrolling is on its way; null: not asked yet (the form then carries no aria-busy). */
  busy: boolean | null;
  status: string;
  error: string;
  /** Whether the typed name was refused; null: not checked since the last keystroke. */
  nameInvalid: boolean | null;
};

export type MfaStep =
  | { kind: 'loading' }
  /** The candidates could not be read: "Try again". */
  | { kind: 'failed' }
  /** No profile has long-term access keys. */
  | { kind: 'empty' }
  | { kind: 'form'; form: MfaForm }
  | { kind: 'result'; result: EnrollResult; qrError: string; switching: SwitchState };

/** "Use the new device for this profile", offered when the profile kept its old device. */
export type SwitchState = {
  busy: boolean;
  /** "Profile admin now uses the new device"; "" until switched. */
  done: string;
  error: string;
};

export type MfaState = {
  /** Numbers the candidate reads: only the latest one's answer counts. */
  seq: number;
  loadError: string;
  step: MfaStep;
};

export function initialMfa(): MfaState {
  return { seq: 0, loadError: '', step: { kind: 'loading' } };
}

// ---- step 1: the candidates ----

/** A read of the candidates starts; the step on screen stays until it answers. */
export function loadStarted(state: MfaState): MfaState {
  return { ...state, seq: state.seq + 1, loadError: '' };
}

export function candidatesLoaded(state: MfaState, seq: number, candidates: readonly EnrollCandidate[]): MfaState {
  if (seq !== state.seq) return state;
  const first = candidates[0];
  if (!first) return { ...state, step: { kind: 'empty' } };
  return {
    ...state,
    step: {
      kind: 'form',
      form: { candidates, profile: first.profile, busy: null, status: '', error: '', nameInvalid: null },
    },
  };
}

export function loadFailed(state: MfaState, seq: number, message: string): MfaState {
  if (seq !== state.seq) return state;
  return { ...state, loadError: message, step: { kind: 'failed' } };
}

// ---- step 2: the form ----

function withForm(state: MfaState, change: (form: MfaForm) => Partial<MfaForm>): MfaState {
  if (state.step.kind !== 'form') return state;
  return { ...state, step: { kind: 'form', form: { ...state.step.form, ...change(state.step.form) } } };
}

export function profileChosen(state: MfaState, profile: string): MfaState {
  return withForm(state, () => ({ profile, error: '' }));
}

/** Typing in the name field takes back a "refused" mark until the next submit. */
export function nameEdited(state: MfaState): MfaState {
  if (state.step.kind !== 'form' || state.step.form.nameInvalid === null) return state;
  return withForm(state, () => ({ nameInvalid: null }));
}

export type EnrollRequest = { profile: string; deviceName: string | null };

export type EnrollSubmitted = {
  state: MfaState;
  /** What to ask the shell; null: nothing (refused, or already enrolling). */
  request: EnrollRequest | null;
  /** The name was refused: focus its field. */
  focusName: boolean;
};

/** Enroll pressed (or Enter) with `profile` chosen and `typed` in the name field. */
export function enrollSubmitted(state: MfaState, profile: string, typed: string): EnrollSubmitted {
  const step = state.step;
  // A second submit while the shell works does nothing.
  if (step.kind !== 'form' || step.form.busy === true) return { state, request: null, focusName: false };
  const name = typed.trim();
  const problem = mfaDeviceNameError(name);
  if (problem) {
    return {
      state: withForm(state, () => ({ error: problem, nameInvalid: true })),
      request: null,
      focusName: true,
    };
  }
  return {
    state: withForm(state, () => ({ error: '', nameInvalid: false, busy: true, status: 'Enrolling…' })),
    request: { profile, deviceName: name === '' ? null : name },
    focusName: false,
  };
}

/** The shell refused: the form works again and says why. */
export function enrollFailed(state: MfaState, message: string): MfaState {
  return withForm(state, () => ({ busy: false, status: '', error: message }));
}

// ---- steps 3 and 4: the result, the QR code, Done ----

/** Enrolled: the result shows, and a candidate read still on its way no longer counts. */
export function enrolled(state: MfaState, result: EnrollResult): MfaState {
  return {
    ...state,
    seq: state.seq + 1,
    step: { kind: 'result', result, qrError: '', switching: { busy: false, done: '', error: '' } },
  };
}

export function qrFailed(state: MfaState, message: string): MfaState {
  if (state.step.kind !== 'result') return state;
  return { ...state, step: { ...state.step, qrError: message } };
}

/** The QR code is offered (again, after Hide): behind the confirmation, no error. */
export function qrOffered(state: MfaState): MfaState {
  if (state.step.kind !== 'result' || state.step.qrError === '') return state;
  return { ...state, step: { ...state.step, qrError: '' } };
}

/** Whether the result offers to point the profile at the new device (it kept its old one). */
export function switchOffered(r: EnrollResult): boolean {
  return r.keptNote !== null && r.keptSerial !== null;
}

export type SwitchRequest = { old: string; new: string };

/** "Use the new device" pressed: the serials to switch, or null (not offered, busy, or done). */
export function switchStarted(state: MfaState): { state: MfaState; request: SwitchRequest | null } {
  const step = state.step;
  if (step.kind !== 'result' || step.switching.busy || step.switching.done !== '') return { state, request: null };
  const old = step.result.keptSerial;
  if (old === null || !switchOffered(step.result)) return { state, request: null };
  return {
    state: { ...state, step: { ...step, switching: { busy: true, done: '', error: '' } } },
    request: { old, new: step.result.serial },
  };
}

/** "Profile admin now uses the new device", or "Profiles a, b now use the new device". */
export function switchedText(profiles: readonly string[]): string {
  if (profiles.length === 0) return 'No profile named the old device: nothing changed.';
  return profiles.length === 1
    ? `Profile ${profiles[0]} now uses the new device.`
    : `Profiles ${profiles.join(', ')} now use the new device.`;
}

export function switched(state: MfaState, profiles: readonly string[]): MfaState {
  if (state.step.kind !== 'result') return state;
  return { ...state, step: { ...state.step, switching: { busy: false, done: switchedText(profiles), error: '' } } };
}

export function switchFailed(state: MfaState, message: string): MfaState {
  if (state.step.kind !== 'result') return state;
  return { ...state, step: { ...state.step, switching: { busy: false, done: '', error: message } } };
}

/** Done: back to Loading…, then the candidates as they are now. */
export function done(state: MfaState): MfaState {
  return { ...state, step: { kind: 'loading' } };
}

// ---- what the view shows ----

/** A candidate's option: a profile that already names an MFA device says so. */
export function candidateLabel(c: EnrollCandidate): string {
  return c.mfaSerial ? `${c.profile} (has an MFA device)` : c.profile;
}

export type ExistingDevice = {
  serial: string;
  /** The command that replaces the device instead of adding one. */
  rotate: string;
};

/** The chosen profile's MFA device, if it has one: enrolling adds another, it does not replace it. */
export function existingDevice(form: MfaForm): ExistingDevice | null {
  const c = form.candidates.find((x) => x.profile === form.profile);
  if (!c?.mfaSerial) return null;
  return { serial: c.mfaSerial, rotate: `otpilot mfa rotate --profile ${c.profile}` };
}

export type FormControls = {
  enrollDisabled: boolean;
  selectDisabled: boolean;
  nameReadOnly: boolean;
  /** The form's aria-busy; null: none. */
  ariaBusy: 'true' | 'false' | null;
  /** The name field's aria-invalid; null: none. */
  nameInvalid: 'true' | 'false' | null;
};

export function formControls(form: MfaForm): FormControls {
  const busy = form.busy === true;
  return {
    enrollDisabled: busy,
    selectDisabled: busy,
    nameReadOnly: busy,
    ariaBusy: form.busy === null ? null : busy ? 'true' : 'false',
    nameInvalid: form.nameInvalid === null ? null : form.nameInvalid ? 'true' : 'false',
  };
}

export type ResultFact = { label: string; testid: string; value: string; mono: boolean };

/** What enrolling did, one line each. */
export function resultFacts(r: EnrollResult): ResultFact[] {
  return [
    { label: 'IAM user', testid: 'mfa-result-user', value: r.user, mono: false },
    { label: 'MFA serial', testid: 'mfa-result-serial', value: r.serial, mono: true },
    { label: 'Device in Otpilot', testid: 'mfa-result-device', value: r.device, mono: false },
    {
      label: 'mfa_serial written to',
      testid: 'mfa-result-profiles',
      value: r.profilesUpdated.length > 0 ? r.profilesUpdated.join(', ') : 'no profile',
      mono: false,
    },
    { label: 'AWS config backup', testid: 'mfa-result-backup', value: r.backup ?? 'none made', mono: r.backup !== null },
  ];
}
