import { describe, expect, it } from 'vitest';
import type { EnrollCandidate, EnrollResult } from '../lib/api';
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
  switchedText,
  type MfaForm,
  type MfaState,
} from './mfa.model';

const ADMIN: EnrollCandidate = { profile: 'admin', mfaSerial: null };
const OLD: EnrollCandidate = { profile: 'old', mfaSerial: 'arn:aws:iam::111122223333:mfa/old-phone' };

const RESULT: EnrollResult = {
  device: 'otpilot-admin',
  serial: 'arn:aws:iam::111122223333:mfa/otpilot-admin',
  user: 'alice',
  profilesUpdated: ['admin', 'admin-ro'],
  backup: '/home/alice/.aws/config.otpilot-backup',
  keptSerial: null,
  keptNote: null,
};

function loadedWith(candidates: EnrollCandidate[]): MfaState {
  const started = loadStarted(initialMfa());
  return candidatesLoaded(started, started.seq, candidates);
}

function formOf(state: MfaState): MfaForm {
  if (state.step.kind !== 'form') throw new Error(`on step ${state.step.kind}, not the form`);
  return state.step.form;
}

describe('set up MFA model: choosing a profile', () => {
  it('starts on Loading…', () => {
    expect(initialMfa().step).toEqual({ kind: 'loading' });
  });

  it('explains how to get a candidate when there is none', () => {
    expect(loadedWith([]).step).toEqual({ kind: 'empty' });
  });

  it('chooses the first candidate, with nothing said yet', () => {
    const form = formOf(loadedWith([ADMIN, OLD]));
    expect(form.profile).toBe('admin');
    expect([form.status, form.error]).toEqual(['', '']);
    expect(formControls(form)).toEqual({
      enrollDisabled: false,
      selectDisabled: false,
      nameReadOnly: false,
      ariaBusy: null,
      nameInvalid: null,
    });
  });

  it('labels a profile that already names an MFA device', () => {
    expect(candidateLabel(ADMIN)).toBe('admin');
    expect(candidateLabel(OLD)).toBe('old (has an MFA device)');
    expect(DEFAULT_MFA_DEVICE_NAME).toBe('USER-otpilot-YYYYMMDD');
  });

  it('warns that a profile with a device gets a new one, and points to rotate', () => {
    const s = loadedWith([OLD, ADMIN]);
    expect(existingDevice(formOf(s))).toEqual({
      serial: 'arn:aws:iam::111122223333:mfa/old-phone',
      rotate: 'otpilot mfa rotate --profile old',
    });
    expect(existingDevice(formOf(profileChosen(s, 'admin')))).toBeNull();
  });

  it('clears an error when another profile is chosen', () => {
    const s = loadedWith([ADMIN, OLD]);
    const refused = enrollSubmitted(s, 'admin', 'my phone').state;
    expect(formOf(refused).error).not.toBe('');
    expect(formOf(profileChosen(refused, 'old')).error).toBe('');
  });

  it('shows a failed load with a way to try again, and clears the error on retry', () => {
    const started = loadStarted(initialMfa());
    const failed = loadFailed(started, started.seq, 'could not read the AWS config');
    expect(failed.loadError).toBe('could not read the AWS config');
    expect(failed.step).toEqual({ kind: 'failed' });
    const retry = loadStarted(failed);
    expect(retry.loadError).toBe('');
    // "Try again" stays until the answer.
    expect(retry.step).toEqual({ kind: 'failed' });
    expect(formOf(candidatesLoaded(retry, retry.seq, [ADMIN])).profile).toBe('admin');
  });

  it('drops an answer overtaken by a newer read', () => {
    const first = loadStarted(initialMfa());
    const second = loadStarted(first);
    expect(candidatesLoaded(second, first.seq, [])).toBe(second);
    expect(loadFailed(second, first.seq, 'old failure')).toBe(second);
  });
});

describe('set up MFA model: device name', () => {
  it('refuses names IAM would refuse, without a request, and points at the field', () => {
    const s = loadedWith([ADMIN]);
    for (const bad of ['my phone', 'a/b', 'wörk', 'x'.repeat(227)]) {
      const out = enrollSubmitted(s, 'admin', bad);
      expect(out.request, bad).toBeNull();
      expect(out.focusName, bad).toBe(true);
      const form = formOf(out.state);
      expect(form.error, bad).not.toBe('');
      expect(formControls(form).nameInvalid, bad).toBe('true');
      expect(formControls(form).enrollDisabled, bad).toBe(false);
    }
  });

  it('takes the refused mark back once the user types', () => {
    const refused = enrollSubmitted(loadedWith([ADMIN]), 'admin', 'my phone').state;
    expect(formControls(formOf(nameEdited(refused))).nameInvalid).toBeNull();
  });

  it('sends a valid name trimmed, and null when empty', () => {
    const s = loadedWith([ADMIN, OLD]);
    expect(enrollSubmitted(s, 'admin', '  alice+laptop=1,a.b@c_d-e ').request).toEqual({
      profile: 'admin',
      deviceName: 'alice+laptop=1,a.b@c_d-e',
    });
    expect(enrollSubmitted(s, 'old', '   ').request).toEqual({ profile: 'old', deviceName: null });
  });
});

describe('set up MFA model: enrolling', () => {
  it('says it is enrolling and turns the form off while the shell works', () => {
    const out = enrollSubmitted(loadedWith([ADMIN]), 'admin', '');
    const form = formOf(out.state);
    expect(form.status).toBe('Enrolling…');
    expect(formControls(form)).toEqual({
      enrollDisabled: true,
      selectDisabled: true,
      nameReadOnly: true,
      ariaBusy: 'true',
      nameInvalid: 'false',
    });
    // A second submit (Enter) while it runs does nothing.
    const again = enrollSubmitted(out.state, 'admin', '');
    expect(again.request).toBeNull();
    expect(again.state).toBe(out.state);
  });

  it('shows the shell’s error and lets the user retry', () => {
    const busy = enrollSubmitted(loadedWith([ADMIN]), 'admin', '').state;
    const failed = enrollFailed(busy, 'AccessDenied: iam:CreateVirtualMFADevice');
    const form = formOf(failed);
    expect(form.error).toBe('AccessDenied: iam:CreateVirtualMFADevice');
    expect(form.status).toBe('');
    expect(formControls(form)).toMatchObject({ enrollDisabled: false, selectDisabled: false, ariaBusy: 'false' });
    expect(enrollSubmitted(failed, 'admin', '').request).toEqual({ profile: 'admin', deviceName: null });
  });

  it('shows the result, and a candidate read still on its way no longer counts', () => {
    const started = loadStarted(loadedWith([ADMIN]));
    const result = enrolled(started, RESULT);
    expect(result.step).toEqual({
      kind: 'result',
      result: RESULT,
      qrError: '',
      switching: { busy: false, done: '', error: '' },
    });
    expect(candidatesLoaded(result, started.seq, [OLD])).toBe(result);
  });

  it('lists what enrolling did', () => {
    expect(resultFacts(RESULT)).toEqual([
      { label: 'IAM user', testid: 'mfa-result-user', value: 'alice', mono: false },
      { label: 'MFA serial', testid: 'mfa-result-serial', value: RESULT.serial, mono: true },
      { label: 'Device in Otpilot', testid: 'mfa-result-device', value: 'otpilot-admin', mono: false },
      { label: 'mfa_serial written to', testid: 'mfa-result-profiles', value: 'admin, admin-ro', mono: false },
      { label: 'AWS config backup', testid: 'mfa-result-backup', value: '/home/alice/.aws/config.otpilot-backup', mono: true },
    ]);
  });

  it('says when no profile was updated and no backup made', () => {
    const facts = resultFacts({ ...RESULT, profilesUpdated: [], backup: null });
    expect(facts.slice(3).map((f) => [f.value, f.mono])).toEqual([
      ['no profile', false],
      ['none made', false],
    ]);
  });

  it('shows a QR failure, and clears it when the QR code is offered again', () => {
    const result = enrolled(loadedWith([ADMIN]), RESULT);
    const failed = qrFailed(result, 'Your keyring is locked');
    expect(failed.step).toMatchObject({ kind: 'result', qrError: 'Your keyring is locked' });
    expect(qrOffered(failed).step).toMatchObject({ kind: 'result', qrError: '' });
    expect(qrOffered(result)).toBe(result);
  });

  it('Done starts over on Loading…, then shows fresh candidates', () => {
    const result = enrolled(loadedWith([ADMIN]), RESULT);
    const back = done(result);
    expect(back.step).toEqual({ kind: 'loading' });
    const started = loadStarted(back);
    const fresh = candidatesLoaded(started, started.seq, [{ profile: 'admin', mfaSerial: RESULT.serial }]);
    expect(existingDevice(formOf(fresh))?.serial).toBe(RESULT.serial);
    expect(formControls(formOf(fresh)).enrollDisabled).toBe(false);
  });
});

describe('set up MFA model: a profile that kept its device', () => {
  const KEPT: EnrollResult = {
    ...RESULT,
    profilesUpdated: [],
    keptSerial: 'arn:aws:iam::111122223333:mfa/old-phone',
    keptNote: 'admin still uses arn:aws:iam::111122223333:mfa/old-phone.',
  };

  it('offers the switch only when the profile kept a device', () => {
    expect(switchOffered(RESULT)).toBe(false);
    expect(switchOffered(KEPT)).toBe(true);
    expect(switchOffered({ ...KEPT, keptSerial: null })).toBe(false);
    expect(switchStarted(enrolled(loadedWith([ADMIN]), RESULT)).request).toBeNull();
  });

  it('switches the old serial for the new one, once', () => {
    const result = enrolled(loadedWith([ADMIN]), KEPT);
    const out = switchStarted(result);
    expect(out.request).toEqual({ old: KEPT.keptSerial, new: KEPT.serial });
    expect(out.state.step).toMatchObject({ switching: { busy: true } });
    expect(switchStarted(out.state).request).toBeNull();
    const done = switched(out.state, ['admin']);
    expect(done.step).toMatchObject({
      switching: { busy: false, done: 'Profile admin now uses the new device.', error: '' },
    });
    expect(switchStarted(done).request).toBeNull();
  });

  it('says why the switch failed, and lets it be tried again', () => {
    const out = switchStarted(enrolled(loadedWith([ADMIN]), KEPT));
    const failed = switchFailed(out.state, 'cannot write ~/.aws/config');
    expect(failed.step).toMatchObject({ switching: { busy: false, done: '', error: 'cannot write ~/.aws/config' } });
    expect(switchStarted(failed).request).not.toBeNull();
  });

  it('names the profiles switched', () => {
    expect(switchedText([])).toBe('No profile named the old device: nothing changed.');
    expect(switchedText(['admin', 'admin-ro'])).toBe('Profiles admin, admin-ro now use the new device.');
  });
});
