import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../lib/api';
import type { AddFormInput } from '../lib/validate';
import {
  addFailed,
  added,
  addedText,
  fieldsInvalid,
  initialAdd,
  sourceChosen,
  sourceFields,
  submitDisabled,
  submitted,
  type AddState,
} from './addDevice.model';

const WORK: DeviceView = {
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

const input = (over: Partial<AddFormInput> = {}): AddFormInput => ({
  name: 'work',
  serial: '',
  source: 'secret',
  secret: 'JBSWY3DPEHPK3PXP',
  path: '',
  force: false,
  ...over,
});

/** The state while the shell adds what `over` describes. */
const adding = (over: Partial<AddFormInput> = {}): AddState => submitted(initialAdd(), input(over)).state;

describe('add device model: the seed’s source', () => {
  it('starts with the pasted secret, the path field hidden and labelled for a QR image', () => {
    expect(sourceFields(initialAdd())).toEqual({
      addFieldsHidden: false,
      importHidden: true,
      secretHidden: false,
      pathHidden: true,
      pathLabel: 'Path of the QR code image',
      pathPlaceholder: null,
    });
  });

  it('shows only the field of the chosen source, labelled for it', () => {
    const qr = sourceChosen(initialAdd(), 'qr');
    expect(sourceFields(qr)).toEqual({
      addFieldsHidden: false,
      importHidden: true,
      secretHidden: true,
      pathHidden: false,
      pathLabel: 'Path of the QR code image',
      pathPlaceholder: '~/Downloads/qr.png',
    });
    const aws = sourceChosen(qr, 'aws');
    expect(sourceFields(aws)).toMatchObject({ pathLabel: 'Path of the AWS seed file', pathPlaceholder: '~/seed.txt' });
    // Back to the secret: the hidden path field keeps its last label.
    expect(sourceFields(sourceChosen(aws, 'secret'))).toMatchObject({
      secretHidden: false,
      pathHidden: true,
      pathLabel: 'Path of the AWS seed file',
    });
  });

  it('gives an app’s export its own panel in place of the form’s fields, and back', () => {
    const exported = sourceChosen(sourceChosen(initialAdd(), 'aws'), 'export');
    expect(sourceFields(exported)).toEqual({
      addFieldsHidden: true,
      importHidden: false,
      secretHidden: true,
      pathHidden: true,
      pathLabel: 'Path of the AWS seed file',
      pathPlaceholder: '~/seed.txt',
    });
    expect(sourceFields(sourceChosen(exported, 'qr'))).toMatchObject({
      addFieldsHidden: false,
      importHidden: true,
      pathHidden: false,
      pathLabel: 'Path of the QR code image',
    });
  });

  it('hides both fields when no source is chosen', () => {
    expect(sourceFields(sourceChosen(initialAdd(), null))).toMatchObject({ secretHidden: true, pathHidden: true });
  });
});

describe('add device model: submitting', () => {
  it('refuses a form without a name or secret, saying why and marking the fields', () => {
    const out = submitted(initialAdd(), input({ name: '', secret: '' }));
    expect(out.request).toBeNull();
    expect(out.focus).toBe('name');
    expect(out.state.error).toBe('Enter a name. Paste the secret');
    expect(fieldsInvalid(out.state)).toEqual({ name: true, serial: false, source: false, secret: true, path: false });
    expect(submitDisabled(out.state)).toBe(false);
  });

  it('asks for a source when none is chosen', () => {
    const out = submitted(initialAdd(), input({ source: null }));
    expect(out.focus).toBe('source');
    expect(out.state.error).toBe('Choose where the seed comes from');
  });

  it('marks nothing before the first submit', () => {
    expect(fieldsInvalid(initialAdd())).toBeNull();
  });

  it('sends only the chosen source and turns the button off', () => {
    const out = submitted(initialAdd(), input({ source: 'aws', path: ' /tmp/seed.txt ' }));
    expect(out.request).toEqual({
      name: 'work',
      secret: null,
      qrPath: null,
      awsSeedFile: '/tmp/seed.txt',
      serial: null,
      force: false,
    });
    expect(out.focus).toBeNull();
    expect(submitDisabled(out.state)).toBe(true);
    expect(fieldsInvalid(out.state)).toEqual({ name: false, serial: false, source: false, secret: false, path: false });
  });

  it('clears the last answer’s lines when submitted again', () => {
    const done = added(adding(), { added: [WORK], warnings: ['the seed is short (80 bits)'] });
    const again = submitted(done, input({ name: '' })).state;
    expect([again.result, again.warnings]).toEqual(['', []]);
  });
});

describe('add device model: the shell’s answer', () => {
  it('says what was added, shows the warnings and empties the form', () => {
    const s = added(adding({ serial: 'arn:aws:iam::111122223333:mfa/alice', force: true }), {
      added: [WORK],
      warnings: ['the seed is short (80 bits)'],
    });
    expect(s.result).toBe('Added work.');
    expect(s.warnings).toEqual(['the seed is short (80 bits)']);
    expect(s.error).toBe('');
    expect(s.text).toEqual({ name: '', serial: '', secret: '', path: '', force: false });
    expect(submitDisabled(s)).toBe(false);
    // The source stays as chosen.
    expect(s.source).toBe('secret');
  });

  it('names every device a migration export added', () => {
    expect(addedText(['work-1', 'work-2'])).toBe('Added work-1, work-2.');
  });

  it('shows the shell’s error and keeps what was typed', () => {
    const s = addFailed(adding(), 'io', 'cannot read /tmp/seed.txt');
    expect(s.error).toBe('cannot read /tmp/seed.txt');
    expect(s.text.name).toBe('work');
    expect(submitDisabled(s)).toBe(false);
  });

  it('says how to replace a device whose name is taken', () => {
    expect(addFailed(adding(), 'exists', 'a device named work already exists').error).toBe(
      'a device named work already exists Tick “Replace a device with the same name” to replace it.',
    );
  });
});
