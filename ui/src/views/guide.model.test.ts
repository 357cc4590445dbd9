import { describe, expect, it } from 'vitest';
import type { ConfigPreview, DeviceView, ProfileView } from '../lib/api';
import {
  GUIDE_STEPS,
  backupNote,
  checkAnswered,
  checkStarted,
  devicesLoaded,
  devicesText,
  diffRows,
  doneCommands,
  forceStarted,
  goTo,
  guideNav,
  initialGuide,
  initialProgress,
  keyHolders,
  keysMovedText,
  keysRequest,
  keysRows,
  keysWords,
  moveAsked,
  moveCancelled,
  moveConfirmed,
  moveDone,
  moveFailed,
  needsSetup,
  nextStep,
  parseProgress,
  pasteSelected,
  pasteTarget,
  previewAnswered,
  previewRefused,
  previewStarted,
  previewsRead,
  previousStep,
  profilesLoaded,
  progressText,
  skipStep,
  stepDone,
  stepState,
  storeDone,
  storeFailed,
  storeStarted,
  wireCancelled,
  wireChosen,
  wireForce,
  wireRows,
  wireTicked,
  wireWritable,
  writeAnswered,
  writeStarted,
  writesDone,
  type GuideState,
} from './guide.model';

const DEVICE: DeviceView = {
  name: 'work',
  serial: null,
  issuer: null,
  account: null,
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  askBeforeUse: false,
  sealed: false,
  tpmPin: false,
};

const BASE: ProfileView = {
  profile: 'base',
  wired: false,
  delegatesTo: null,
  isRole: false,
  keys: 'credentials_file',
  watched: false,
  chain: ['base'],
  mfaSerial: null,
  device: null,
  error: null,
  state: 'unknown',
  expiresAt: null,
  message: null,
};
const ADMIN: ProfileView = { ...BASE, profile: 'admin', isRole: true, keys: null, chain: ['base', 'admin'] };
const DEV: ProfileView = { ...ADMIN, profile: 'dev' };

const PREVIEW: ConfigPreview = {
  path: '/home/alice/.aws/config',
  lines: [
    { change: 'context', text: '[profile admin]' },
    { change: 'removed', text: 'role_arn = arn:aws:iam::111122223333:role/Admin' },
    { change: 'added', text: 'otpilot_role_arn = arn:aws:iam::111122223333:role/Admin' },
  ],
  notes: [],
};

function withProfiles(...profiles: ProfileView[]): GuideState {
  return profilesLoaded(devicesLoaded(initialGuide(initialProgress()), []), profiles);
}

describe('guide model: progress', () => {
  it('starts at the device step with nothing skipped', () => {
    expect(initialProgress()).toEqual({ current: 'device', skipped: [] });
  });

  it('goes forward and back, stopping at the ends', () => {
    let p = initialProgress();
    expect(previousStep(p)).toBe(p);
    for (const step of GUIDE_STEPS.slice(1)) {
      p = nextStep(p);
      expect(p.current).toBe(step);
    }
    expect(nextStep(p)).toBe(p);
    expect(previousStep(p).current).toBe('check');
    expect(goTo(p, 'keys').current).toBe('keys');
  });

  it('skipping marks the step and opens the next; marks stay in step order, once', () => {
    let p = skipStep(goTo(initialProgress(), 'wire'));
    expect(p).toEqual({ current: 'check', skipped: ['wire'] });
    p = skipStep(goTo(p, 'device'));
    expect(p).toEqual({ current: 'keys', skipped: ['device', 'wire'] });
    p = skipStep(goTo(p, 'device'));
    expect(p.skipped).toEqual(['device', 'wire']);
  });

  it('round-trips through its stored text', () => {
    const p = { current: 'check', skipped: ['device', 'wire'] } as const;
    expect(parseProgress(progressText(p))).toEqual(p);
  });

  it('starts over on stored text it cannot read', () => {
    for (const text of [null, '', 'not json', '42', 'null', '[]', '{"current":"nowhere","skipped":"device"}']) {
      expect(parseProgress(text), String(text)).toEqual(initialProgress());
    }
    expect(parseProgress('{"current":"keys","skipped":["done","bogus","device"]}')).toEqual({
      current: 'keys',
      skipped: ['device', 'done'],
    });
  });

  it('turns Back off on the first step and Skip and Next off on the last', () => {
    expect(guideNav(initialProgress())).toEqual({ backDisabled: true, skipDisabled: false, nextDisabled: false });
    expect(guideNav(goTo(initialProgress(), 'wire'))).toEqual({
      backDisabled: false,
      skipDisabled: false,
      nextDisabled: false,
    });
    expect(guideNav(goTo(initialProgress(), 'done'))).toEqual({
      backDisabled: false,
      skipDisabled: true,
      nextDisabled: true,
    });
  });
});

describe('guide model: step states', () => {
  it('shows the open step as current, and the others as to do until done', () => {
    const s = withProfiles();
    expect(GUIDE_STEPS.map((step) => stepState(s, step))).toEqual(['current', 'todo', 'todo', 'todo', 'todo']);
  });

  it('reads done from what the shell reports', () => {
    let s = withProfiles(BASE, { ...ADMIN, wired: false });
    expect(GUIDE_STEPS.map((step) => stepDone(s, step))).toEqual([false, false, false, false, false]);
    s = devicesLoaded(s, [DEVICE]);
    expect(stepDone(s, 'device')).toBe(true);
    s = profilesLoaded(s, [{ ...BASE, keys: 'keyring' }, { ...ADMIN, wired: true }]);
    expect(stepDone(s, 'keys')).toBe(true);
    expect(stepDone(s, 'wire')).toBe(true);
    expect(stepDone(s, 'check')).toBe(false);
    expect(stepState(s, 'wire')).toBe('done');
  });

  it('counts keys as in the keyring only when no longer in the plain file', () => {
    for (const keys of ['credentials_file', 'both', 'nowhere'] as const) {
      expect(stepDone(withProfiles({ ...BASE, keys }), 'keys'), keys).toBe(false);
    }
    // A role or a broken profile does not hold keys of its own.
    expect(stepDone(withProfiles({ ...BASE, keys: 'keyring', error: 'bad' }), 'keys')).toBe(false);
    expect(stepDone(withProfiles({ ...BASE, keys: 'keyring', delegatesTo: 'other' }), 'keys')).toBe(false);
  });

  it('counts only wired roles for the wire step', () => {
    expect(stepDone(withProfiles({ ...BASE, wired: true }), 'wire')).toBe(false);
    expect(stepDone(withProfiles({ ...ADMIN, wired: true }), 'wire')).toBe(true);
  });

  it('marks the check done when every wired profile answered well in this visit', () => {
    const s = withProfiles({ ...ADMIN, wired: true }, { ...DEV, wired: true }, BASE);
    const run = checkStarted(s);
    expect(run.profiles).toEqual(['admin', 'dev']);
    const identity = { profile: 'admin', arn: 'arn:aws:sts::111122223333:assumed-role/Admin/alice', account: '111122223333' };
    let t = checkAnswered(run.state, run.seq, 'admin', { kind: 'ok', identity });
    expect(stepDone(t, 'check')).toBe(false);
    t = checkAnswered(t, run.seq, 'dev', { kind: 'failed', message: 'AccessDenied' });
    expect(stepDone(t, 'check')).toBe(false);
    t = checkAnswered(t, run.seq, 'dev', { kind: 'ok', identity: { ...identity, profile: 'dev' } });
    expect(stepDone(t, 'check')).toBe(true);
    expect(stepDone(withProfiles(BASE), 'check')).toBe(false);
  });

  it('ignores the answers of an earlier run', () => {
    const s = withProfiles({ ...ADMIN, wired: true });
    const first = checkStarted(s);
    const second = checkStarted(first.state);
    const late = checkAnswered(second.state, first.seq, 'admin', { kind: 'failed', message: 'old' });
    expect(late).toBe(second.state);
    expect(second.state.check.rows.get('admin')).toEqual({ kind: 'checking' });
  });

  it('shows a skipped step as skipped until it is done', () => {
    let s = withProfiles();
    s = { ...s, progress: skipStep(s.progress) };
    expect(stepState(s, 'device')).toBe('skipped');
    expect(stepState(s, 'keys')).toBe('current');
    expect(stepState(devicesLoaded(s, [DEVICE]), 'device')).toBe('done');
  });

  it('marks the last step done once all the others are', () => {
    let s = profilesLoaded(devicesLoaded(initialGuide(initialProgress()), [DEVICE]), [
      { ...BASE, keys: 'keyring' },
      { ...ADMIN, wired: true },
    ]);
    expect(stepDone(s, 'done')).toBe(false);
    const run = checkStarted(s);
    s = checkAnswered(run.state, run.seq, 'admin', {
      kind: 'ok',
      identity: { profile: 'admin', arn: 'arn', account: '1' },
    });
    expect(stepDone(s, 'done')).toBe(true);
  });
});

describe('guide model: start', () => {
  it('needs the guide without a device or without a wired profile', () => {
    expect(needsSetup([], [{ ...ADMIN, wired: true }])).toBe(true);
    expect(needsSetup([DEVICE], [ADMIN])).toBe(true);
    expect(needsSetup([DEVICE], [{ ...ADMIN, wired: true }])).toBe(false);
  });
});

describe('guide model: devices', () => {
  it('names the devices there are', () => {
    expect(devicesText(null)).toBe('Loading…');
    expect(devicesText([])).toBe('No device yet.');
    expect(devicesText([DEVICE])).toBe('Your device: work.');
    expect(devicesText([DEVICE, { ...DEVICE, name: 'phone' }])).toBe('Your devices: work, phone.');
  });
});

describe('guide model: keys', () => {
  it('lists only profiles that hold keys themselves, saying where they are', () => {
    const s = withProfiles(
      BASE,
      ADMIN,
      { ...BASE, profile: 'ci', keys: 'keyring' },
      { ...BASE, profile: 'old', delegatesTo: 'base' },
      { ...BASE, profile: 'broken', error: 'no section' },
      { ...BASE, profile: 'both', keys: 'both' },
      { ...BASE, profile: 'new', keys: 'nowhere' },
    );
    expect(keyHolders(s.profiles ?? []).map((p) => p.profile)).toEqual(['base', 'ci', 'both', 'new']);
    expect(keysRows(s).map((r) => [r.profile, r.words, r.movable])).toEqual([
      ['base', 'Keys in ~/.aws/credentials (a plain file)', true],
      ['ci', 'Keys in the keyring', false],
      ['both', 'Keys in the keyring and in ~/.aws/credentials', true],
      ['new', 'No keys yet', false],
    ]);
    expect(keysWords(null)).toBe('No keys yet');
  });

  it('moves only after confirmation, one at a time', () => {
    const s = withProfiles(BASE);
    expect(moveConfirmed(s).profile).toBeNull();
    const asked = moveAsked(s, 'base');
    expect(keysRows(asked)[0]?.confirming).toBe(true);
    expect(moveCancelled(asked).move.confirming).toBeNull();
    const out = moveConfirmed(asked);
    expect(out.profile).toBe('base');
    expect(keysRows(out.state)[0]).toMatchObject({ confirming: false, moving: true });
    // No second move while one runs.
    expect(moveAsked(out.state, 'base')).toBe(out.state);
    const moved = moveDone(out.state, {
      profile: 'base',
      accessKeyId: 'AKIA…MPLE',
      path: '/home/alice/.aws/credentials',
      backupKey: 'backup:aws-credentials:1700000000',
    });
    expect(keysRows(moved)[0]?.moving).toBe(false);
    expect(keysRows(moved)[0]?.result).toEqual({
      ok: true,
      text: 'Moved AKIA…MPLE into the keyring. /home/alice/.aws/credentials as it was is kept in the keyring as backup:aws-credentials:1700000000.',
    });
    expect(keysRows(moveFailed(out.state, 'base', 'no such section'))[0]?.result).toEqual({
      ok: false,
      text: 'no such section',
    });
    expect(keysMovedText({ profile: 'x', accessKeyId: 'A…B', path: 'p', backupKey: 'k' })).toContain('A…B');
  });

  it('points the paste form at the chosen row, else the first key holder', () => {
    expect(pasteTarget(withProfiles())).toBe('');
    const s = withProfiles(ADMIN, BASE, { ...BASE, profile: 'ci' });
    expect(pasteTarget(s)).toBe('base');
    expect(pasteTarget(pasteSelected(s, 'ci'))).toBe('ci');
  });

  it('sends pasted text before a CSV file, and says what is missing', () => {
    const input = { profile: ' base ', pasted: '', csv: null, accessKeyId: '' };
    expect(keysRequest(input)).toEqual({
      error: 'Paste the keys, or choose the CSV file the IAM console gave you.',
    });
    expect(keysRequest({ ...input, profile: ' ', pasted: 'A B' })).toEqual({
      error: 'Name the profile the keys are for.',
    });
    expect(keysRequest({ ...input, pasted: 'AKID SECRET', csv: 'csv text' })).toEqual({
      request: { profile: 'base', text: 'AKID SECRET', accessKeyId: null },
    });
    expect(keysRequest({ ...input, pasted: '  ', csv: 'csv text' })).toEqual({
      request: { profile: 'base', text: 'csv text', accessKeyId: null },
    });
    expect(keysRequest({ ...input, pasted: 'SECRET', accessKeyId: ' AKID ' })).toEqual({
      request: { profile: 'base', text: 'SECRET', accessKeyId: 'AKID' },
    });
  });

  it('says what was stored, or why not', () => {
    const started = storeStarted(withProfiles());
    expect(started.paste.storing).toBe(true);
    const done = storeDone(started, { profile: 'base', accessKeyId: 'AKIA…MPLE' });
    expect(done.paste).toMatchObject({ storing: false, stored: 'Stored AKIA…MPLE in the keyring for base.', error: '' });
    expect(storeFailed(started, 'not a key').paste).toMatchObject({ storing: false, error: 'not a key' });
  });
});

describe('guide model: wiring', () => {
  it('offers the roles not wired yet, ticked; wired and broken ones cannot be chosen', () => {
    const s = withProfiles(BASE, ADMIN, { ...DEV, wired: true }, { ...DEV, profile: 'bad', error: 'profile loop' });
    expect(wireRows(s)).toEqual([
      { profile: 'admin', wired: false, error: null, choosable: true, ticked: true },
      { profile: 'dev', wired: true, error: null, choosable: false, ticked: false },
      { profile: 'bad', wired: false, error: 'profile loop', choosable: false, ticked: false },
    ]);
    expect(wireChosen(s)).toEqual(['admin']);
    const unticked = wireTicked(s, 'admin', false);
    expect(wireChosen(unticked)).toEqual([]);
    expect(previewStarted(unticked).profiles).toEqual([]);
    expect(wireChosen(wireTicked(unticked, 'admin', true))).toEqual(['admin']);
  });

  it('keeps a choice across a new listing', () => {
    const s = wireTicked(withProfiles(ADMIN, DEV), 'dev', false);
    expect(wireChosen(profilesLoaded(s, [DEV, ADMIN]))).toEqual(['admin']);
  });

  it('previews, then writes only what a preview showed and only after confirmation', () => {
    const s = withProfiles(ADMIN, DEV, { ...DEV, profile: 'same' });
    const started = previewStarted(s);
    expect(started.profiles).toEqual(['admin', 'dev', 'same']);
    expect(started.state.wire.phase).toBe('previewing');
    // Nothing can be written while the previews are read.
    expect(writeStarted(started.state).profiles).toEqual([]);
    let t = previewAnswered(started.state, 'admin', { kind: 'ok', preview: PREVIEW });
    t = previewAnswered(t, 'dev', { kind: 'failed', message: 'has credential_process = aws-vault' });
    t = previewAnswered(t, 'same', { kind: 'ok', preview: { ...PREVIEW, lines: [] } });
    t = previewsRead(t);
    expect(t.wire.phase).toBe('confirm');
    expect(wireWritable(t)).toEqual(['admin']);

    expect(wireCancelled(t).wire).toMatchObject({ phase: 'choose', previews: new Map() });

    const writing = writeStarted(t);
    expect(writing.profiles).toEqual(['admin']);
    const written = writesDone(writeAnswered(writing.state, 'admin', { kind: 'ok' }));
    expect(written.wire.phase).toBe('choose');
    expect(written.wire.results).toEqual(new Map([['admin', { kind: 'ok' }]]));
    expect(backupNote(written.wire.changedPath)).toBe(
      '/home/alice/.aws/config was changed; your previous config was saved beside it.',
    );
  });

  it('says nothing about a backup when nothing was written', () => {
    const s = withProfiles(ADMIN);
    let t = previewsRead(previewAnswered(previewStarted(s).state, 'admin', { kind: 'ok', preview: PREVIEW }));
    t = writeAnswered(writeStarted(t).state, 'admin', { kind: 'failed', message: 'cannot write' });
    expect(t.wire.changedPath).toBeNull();
    expect(backupNote(t.wire.changedPath)).toBe('');
  });

  const FOREIGN = 'profile `dev` already has credential_process = aws-vault exec dev; pass --force to replace it';

  it('words a refusal to replace another tool’s credential_process itself; other refusals as sent', () => {
    expect(previewRefused('dev', 'foreign_credential_process', FOREIGN)).toEqual({
      kind: 'foreign',
      text: 'dev already gets its credentials from another tool (credential_process = aws-vault exec dev).',
    });
    expect(previewRefused('dev', 'other', 'profile loop: a → b → a')).toEqual({
      kind: 'failed',
      message: 'profile loop: a → b → a',
    });
  });

  it('reads a refused preview again with force, for that profile only, and writes only on Confirm', () => {
    const s = withProfiles(ADMIN, DEV);
    let t = previewAnswered(previewStarted(s).state, 'admin', { kind: 'ok', preview: PREVIEW });
    t = previewsRead(previewAnswered(t, 'dev', previewRefused('dev', 'foreign_credential_process', FOREIGN)));
    expect(wireWritable(t)).toEqual(['admin']);
    expect(wireForce(t, 'dev')).toBe(false);
    // Only a preview refused so can be forced.
    expect(forceStarted(t, 'admin')).toEqual({ state: t, profile: null });

    const forced = forceStarted(t, 'dev');
    expect(forced.profile).toBe('dev');
    expect(forced.state.wire.phase).toBe('previewing');
    expect(wireForce(forced.state, 'dev')).toBe(true);
    expect(wireForce(forced.state, 'admin')).toBe(false);
    // Nothing is written while the lines are read again.
    expect(writeStarted(forced.state).profiles).toEqual([]);
    // Not twice.
    expect(forceStarted(forced.state, 'dev').profile).toBeNull();

    t = previewsRead(previewAnswered(forced.state, 'dev', { kind: 'ok', preview: PREVIEW }));
    expect([...t.wire.previews.keys()]).toEqual(['admin', 'dev']);
    expect(wireWritable(t)).toEqual(['admin', 'dev']);
    const writing = writeStarted(t);
    expect(writing.profiles).toEqual(['admin', 'dev']);
    expect(wireForce(writing.state, 'dev')).toBe(true);
    expect(wireForce(writing.state, 'admin')).toBe(false);
    const done = writesDone(writeAnswered(writing.state, 'dev', { kind: 'ok' }));
    expect(wireForce(done, 'dev')).toBe(false);
  });

  it('forgets the choice to replace on Cancel: the next preview is not forced', () => {
    const s = withProfiles(DEV);
    let t = previewsRead(
      previewAnswered(previewStarted(s).state, 'dev', previewRefused('dev', 'foreign_credential_process', FOREIGN)),
    );
    t = previewsRead(previewAnswered(forceStarted(t, 'dev').state, 'dev', { kind: 'ok', preview: PREVIEW }));
    expect(wireForce(t, 'dev')).toBe(true);
    const cancelled = wireCancelled(t);
    expect(cancelled.wire.phase).toBe('choose');
    expect(wireForce(cancelled, 'dev')).toBe(false);
    const again = previewStarted(cancelled);
    expect(again.profiles).toEqual(['dev']);
    expect(wireForce(again.state, 'dev')).toBe(false);
  });

  it('marks each changed line as diff does', () => {
    expect(diffRows(PREVIEW.lines)).toEqual([
      { text: '  [profile admin]', className: 'diff-context' },
      { text: '- role_arn = arn:aws:iam::111122223333:role/Admin', className: 'diff-removed' },
      { text: '+ otpilot_role_arn = arn:aws:iam::111122223333:role/Admin', className: 'diff-added' },
    ]);
  });
});

describe('guide model: done', () => {
  it('gives the commands that work now, quoting odd names', () => {
    expect(doneCommands('admin')).toEqual([
      'aws sts get-caller-identity --profile admin',
      'otpilot exec admin -- terraform plan',
    ]);
    expect(doneCommands('my admin')[0]).toBe("aws sts get-caller-identity --profile 'my admin'");
  });
});
