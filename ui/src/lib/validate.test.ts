import { describe, expect, it } from 'vitest';
import type { SettingsView } from './api';
import {
  deviceNameError,
  globalShortcutError,
  importPrefixError,
  mfaDeviceNameError,
  normaliseMfaCode,
  serialError,
  toggleWatched,
  validateAddForm,
  validateImportForm,
  validateSettings,
  type AddFormInput,
  type SettingsFormInput,
} from './validate';

describe('device names', () => {
  it('accepts letters, digits and . _ - @ +', () => {
    for (const name of ['work', 'a', 'alice@example.com', 'prod_1.b-c+d', 'X'.repeat(64)]) {
      expect(deviceNameError(name), name).toBeNull();
    }
  });

  it('rejects empty, too long, leading dash, other characters and ARNs', () => {
    expect(deviceNameError('')).toMatch(/name/i);
    expect(deviceNameError('x'.repeat(65))).toMatch(/64/);
    expect(deviceNameError('-work')).toMatch(/start/);
    expect(deviceNameError('my work')).toMatch(/letters/);
    expect(deviceNameError('wörk')).toMatch(/letters/);
    expect(deviceNameError('a/b')).toMatch(/letters/);
    expect(deviceNameError('arn:aws:iam::1:mfa/x')).not.toBeNull();
  });

  it('allows a dash after the first character', () => {
    expect(deviceNameError('w-')).toBeNull();
  });
});

describe('IAM virtual MFA device names', () => {
  it('accepts empty (the default name) and 1 to 226 of letters, digits and + = , . @ _ -', () => {
    for (const name of ['', 'a', 'otpilot-admin', 'alice+laptop=1,a.b@c_d-e', '-lead', 'X'.repeat(226)]) {
      expect(mfaDeviceNameError(name), name).toBeNull();
    }
  });

  it('rejects longer names and other characters', () => {
    expect(mfaDeviceNameError('x'.repeat(227))).toMatch(/226/);
    for (const name of ['my phone', 'a/b', 'wörk', 'a:b', 'tab\t']) {
      expect(mfaDeviceNameError(name), name).toMatch(/letters/);
    }
  });
});

describe('MFA serials', () => {
  it('accepts empty (optional), IAM MFA ARNs in any partition, and hardware serials', () => {
    expect(serialError('')).toBeNull();
    expect(serialError('arn:aws:iam::123456789012:mfa/alice')).toBeNull();
    expect(serialError('arn:aws-us-gov:iam::123456789012:mfa/path/bob.smith@x')).toBeNull();
    expect(serialError('GAHT12345678')).toBeNull();
  });

  it('rejects other ARNs and short strings', () => {
    expect(serialError('arn:aws:iam::12345:mfa/alice')).not.toBeNull();
    expect(serialError('arn:aws:iam::123456789012:user/alice')).not.toBeNull();
    expect(serialError('arn:aws:sts::123456789012:mfa/alice')).not.toBeNull();
    expect(serialError('ABC')).not.toBeNull();
  });
});

describe('add-device form', () => {
  const form: AddFormInput = {
    name: 'work',
    serial: '',
    source: 'secret',
    secret: 'JBSWY3DPEHPK3PXP',
    path: '',
    force: false,
  };

  it('sends exactly the chosen source', () => {
    const s = validateAddForm({ ...form, path: '/tmp/ignored.png' });
    expect(s).toEqual({
      ok: true,
      value: { name: 'work', secret: 'JBSWY3DPEHPK3PXP', qrPath: null, awsSeedFile: null, serial: null, force: false },
    });
    const q = validateAddForm({ ...form, source: 'qr', path: ' ~/qr.png ' });
    expect(q.ok && q.value).toMatchObject({ secret: null, qrPath: '~/qr.png', awsSeedFile: null });
    const a = validateAddForm({ ...form, source: 'aws', path: 'seed.txt', serial: 'arn:aws:iam::123456789012:mfa/a', force: true });
    expect(a.ok && a.value).toMatchObject({
      secret: null,
      qrPath: null,
      awsSeedFile: 'seed.txt',
      serial: 'arn:aws:iam::123456789012:mfa/a',
      force: true,
    });
  });

  it('needs a source and its value', () => {
    const none = validateAddForm({ ...form, source: null });
    expect(none.ok).toBe(false);
    expect(!none.ok && none.errors.source).toBeTruthy();
    const empty = validateAddForm({ ...form, secret: '   ' });
    expect(!empty.ok && Object.keys(empty.errors)).toEqual(['secret']);
    const noPath = validateAddForm({ ...form, source: 'aws', path: '' });
    expect(!noPath.ok && Object.keys(noPath.errors)).toEqual(['path']);
  });

  it('reports every bad field at once', () => {
    const r = validateAddForm({ ...form, name: '-x', serial: 'nope', secret: '' });
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors).sort()).toEqual(['name', 'secret', 'serial']);
  });

  it('trims the name', () => {
    const r = validateAddForm({ ...form, name: '  work  ' });
    expect(r.ok && r.value.name).toBe('work');
  });

  it('never sends an app’s export to add_device: its panel imports it', () => {
    const r = validateAddForm({ ...form, source: 'export', path: '~/aegis.json' });
    expect(!r.ok && Object.keys(r.errors)).toEqual(['source']);
  });
});

describe('import of an app’s export', () => {
  it('builds a dry run, the path and prefix trimmed, the password as typed', () => {
    expect(validateImportForm({ path: ' ~/aegis.json ', prefix: ' phone ', password: ' pass word ' })).toEqual({
      ok: true,
      value: { path: '~/aegis.json', password: ' pass word ', prefix: 'phone', dryRun: true },
    });
    const r = validateImportForm({ path: '/tmp/2fas.2fas', prefix: '   ', password: null });
    expect(r.ok && r.value).toEqual({ path: '/tmp/2fas.2fas', password: null, prefix: null, dryRun: true });
  });

  it('needs a path and a prefix a name can start with', () => {
    const r = validateImportForm({ path: '  ', prefix: 'my phone', password: null });
    expect(!r.ok && r.errors).toEqual({
      path: 'Enter the path of the export file',
      prefix: 'Use letters, digits and . _ - @ + only in the prefix',
    });
  });

  it('checks the prefix as the core checks a device name', () => {
    for (const ok of ['', 'phone', 'a.b_c-d@e+f', 'X'.repeat(64)]) expect(importPrefixError(ok), ok).toBeNull();
    expect(importPrefixError('X'.repeat(65))).toBe('Use at most 64 characters in the prefix');
    expect(importPrefixError('-phone')).toBe('The prefix must not start with “-”');
    for (const bad of ['arn:aws', 'my phone', 'tél']) expect(importPrefixError(bad), bad).not.toBeNull();
  });
});

describe('MFA code input', () => {
  it('accepts 6 digits, spaces allowed', () => {
    expect(normaliseMfaCode('123456')).toBe('123456');
    expect(normaliseMfaCode(' 123 456 ')).toBe('123456');
  });

  it('rejects anything else', () => {
    for (const bad of ['', '12345', '1234567', '12345a', '１２３４５６']) {
      expect(normaliseMfaCode(bad), bad).toBeNull();
    }
  });
});

describe('settings form', () => {
  const base: SettingsView = {
    refreshMarginSeconds: 900,
    clipboardClearSeconds: 20,
    startAtLogin: false,
    watchedProfiles: ['admin'],
    askBeforeUse: ['work'],
    globalShortcut: 'Ctrl+Alt+O',
    defaultDevice: 'work',
  };
  const form = (input: Partial<SettingsFormInput> = {}): SettingsFormInput => ({
    refreshMarginSeconds: '900',
    clipboardClearSeconds: '20',
    startAtLogin: false,
    askBeforeUse: [],
    globalShortcut: '',
    defaultDevice: '',
    ...input,
  });

  it('builds settings and keeps what the form does not edit', () => {
    const r = validateSettings(
      form({
        refreshMarginSeconds: ' 600 ',
        clipboardClearSeconds: '5',
        startAtLogin: true,
        askBeforeUse: ['home'],
        globalShortcut: '  Super+Shift+K ',
        defaultDevice: 'home',
      }),
      base,
    );
    expect(r).toEqual({
      ok: true,
      value: {
        refreshMarginSeconds: 600,
        clipboardClearSeconds: 5,
        startAtLogin: true,
        watchedProfiles: ['admin'],
        askBeforeUse: ['home'],
        globalShortcut: 'Super+Shift+K',
        defaultDevice: 'home',
      },
    });
  });

  it('holds the numbers to the ranges the core accepts', () => {
    const outside: [string, string][] = [
      ['59', '20'],
      ['3601', '20'],
      ['900', '4'],
      ['900', '601'],
    ];
    for (const [margin, clip] of outside) {
      const r = validateSettings(form({ refreshMarginSeconds: margin, clipboardClearSeconds: clip }), base);
      expect(r.ok, `${margin}/${clip}`).toBe(false);
    }
    const edges = validateSettings(form({ refreshMarginSeconds: '60', clipboardClearSeconds: '600' }), base);
    expect(edges.ok).toBe(true);
  });

  it('turns an empty shortcut and the first-device choice into null', () => {
    const r = validateSettings(form({ globalShortcut: '   ', defaultDevice: '' }), base);
    expect(r.ok && r.value.globalShortcut).toBeNull();
    expect(r.ok && r.value.defaultDevice).toBeNull();
  });

  it('rejects non-numbers, fractions, negatives and huge values', () => {
    for (const bad of ['', 'abc', '1.5', '-1', '100000']) {
      const r = validateSettings(form({ refreshMarginSeconds: bad }), base);
      expect(r.ok, bad).toBe(false);
      expect(!r.ok && Object.keys(r.errors), bad).toEqual(['refreshMarginSeconds']);
    }
    const c = validateSettings(form({ clipboardClearSeconds: '601' }), base);
    expect(!c.ok && c.errors.clipboardClearSeconds).toMatch(/600/);
  });

  it('rejects a malformed shortcut', () => {
    const r = validateSettings(form({ globalShortcut: 'Ctrl+' }), base);
    expect(r.ok).toBe(false);
    expect(!r.ok && Object.keys(r.errors)).toEqual(['globalShortcut']);
  });
});

describe('global shortcuts', () => {
  it('accepts modifiers and one key, or nothing', () => {
    for (const ok of [
      '',
      '  ',
      'Ctrl+Alt+O',
      'CommandOrControl+Shift+K',
      'CmdOrCtrl+Space',
      'Super+Alt+C',
      'Meta+F12',
      'Control+Option+Enter',
      'shift+cmd+1',
      'Command+F24',
      ' Ctrl + Alt + O ',
    ]) {
      expect(globalShortcutError(ok), ok).toBeNull();
    }
  });

  it('names what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['O', /modifier/],
      ['F5', /modifier/],
      ['Ctrl+Alt', /key/],
      ['Shift', /key/],
      ['Ctrl+A+B', /exactly one key/],
      ['Ctrl+', /“\+”/],
      ['+O', /“\+”/],
      ['Ctrl++O', /“\+”/],
      ['+', /“\+”/],
      ['O+Ctrl', /last/],
    ];
    for (const [bad, why] of cases) {
      const err = globalShortcutError(bad);
      expect(err, bad).toMatch(why);
      expect(err, bad).not.toContain('\n');
    }
  });
});

describe('watched profiles', () => {
  it('adds once and removes', () => {
    expect(toggleWatched(['a'], 'b', true)).toEqual(['a', 'b']);
    expect(toggleWatched(['a', 'b'], 'b', true)).toEqual(['a', 'b']);
    expect(toggleWatched(['a', 'b'], 'a', false)).toEqual(['b']);
    expect(toggleWatched([], 'a', false)).toEqual([]);
  });
});
