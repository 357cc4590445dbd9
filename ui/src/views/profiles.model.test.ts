import { describe, expect, it } from 'vitest';
import type { ConfigPreview, ProfileView, SettingsView } from '../lib/api';
import { SETTINGS } from '../test/fakeApi';
import {
  closeConsoleOptions,
  consoleFailed,
  consoleOpened,
  consoleRequest,
  consoleStarted,
  configAsked,
  configCancelled,
  configConfirmed,
  configFailed,
  configForce,
  configPreviewed,
  configRefused,
  configWritten,
  credentialsFailed,
  credentialsRefreshed,
  diffRows,
  forceAsked,
  foreignCommand,
  foreignText,
  hasProfile,
  initialProfiles,
  keysMovedInRow,
  listFailed,
  listed,
  profileDetails,
  shellCommands,
  profileRowView,
  profilesList,
  refreshAnswered,
  refreshFailed,
  refreshStarted,
  relisted,
  setupActions,
  toggleConsoleOptions,
  watchFailed,
  watchRequest,
  watchSaved,
  watchStarted,
  wireRefusalText,
  type ProfilesState,
} from './profiles.model';

// Local wall-clock times, so the tests pass in any time zone.
const at = (h: number, m: number): number => new Date(2026, 10, 22, h, m).getTime() / 1000;
const NOW = at(12, 0);

const ADMIN: ProfileView = {
  profile: 'admin',
  wired: true,
  delegatesTo: null,
  isRole: true,
  keys: null,
  watched: false,
  chain: ['base', 'admin'],
  mfaSerial: 'arn:aws:iam::111122223333:mfa/alice',
  device: 'work',
  error: null,
  state: 'valid',
  expiresAt: at(14, 5),
  message: null,
};
const OTHER: ProfileView = { ...ADMIN, profile: 'other', state: 'unknown', expiresAt: null };

/** What the row of `profile` shows at NOW. */
function shown(state: ProfilesState, profile = 'admin'): ReturnType<typeof profileRowView> {
  const row = state.rows.get(profile);
  if (!row) throw new Error(`no row for ${profile}`);
  return profileRowView(row, NOW);
}

const ready = (...views: ProfileView[]): ProfilesState => listed(initialProfiles(), views);

describe('profiles model: the list', () => {
  it('shows Loading… until the shell answers', () => {
    expect(profilesList(initialProfiles())).toEqual({ kind: 'loading' });
  });

  it('says so when there are no profiles', () => {
    expect(profilesList(ready())).toEqual({ kind: 'empty', text: 'No AWS profiles found' });
  });

  it('lists the profiles in the shell’s order, each with a fresh row', () => {
    const s = ready(OTHER, ADMIN);
    expect(profilesList(s)).toEqual({ kind: 'rows', profiles: ['other', 'admin'] });
    expect(shown(s)).toEqual({
      badge: { label: 'valid until 14:05', className: 'badge badge-valid' },
      message: '',
      watched: false,
      watchDisabled: false,
      refreshDisabled: false,
      consoleDisabled: false,
      optionsOpen: false,
      setupDisabled: false,
      status: '',
      error: '',
    });
  });

  it('shows a failed listing as the error with nothing listed, and recovers on the next list', () => {
    const failed = listFailed(ready(ADMIN), 'cannot read ~/.aws/config');
    expect(failed.loadError).toBe('cannot read ~/.aws/config');
    expect(profilesList(failed)).toEqual({ kind: 'none' });
    expect(hasProfile(failed, 'admin')).toBe(false);
    const again = listed(failed, [ADMIN]);
    expect(again.loadError).toBe('');
    expect(profilesList(again)).toEqual({ kind: 'rows', profiles: ['admin'] });
  });

  it('gives every listing a new order, so rows are rebuilt only then', () => {
    const s = ready(ADMIN);
    expect(refreshStarted(s, 'admin').order).toBe(s.order);
    expect(listed(s, [ADMIN]).order).not.toBe(s.order);
  });
});

describe('profiles model: row details', () => {
  it('shows the chain, the device and nothing about wiring when wired', () => {
    expect(profileDetails(ADMIN)).toEqual({
      chain: 'base → admin',
      mfa: 'Device: work',
      wiring: null,
      delegates: null,
      keys: null,
    });
  });

  it('names the serial when no device is stored, and says when there is no MFA', () => {
    expect(profileDetails({ ...ADMIN, device: null }).mfa).toBe(
      'MFA: arn:aws:iam::111122223333:mfa/alice (no device stored)',
    );
    expect(profileDetails({ ...ADMIN, device: null, mfaSerial: null }).mfa).toBe('No MFA');
    expect(profileDetails({ ...ADMIN, chain: [] }).chain).toBeNull();
  });

  it('says a profile is not wired, with the terminal’s way to wire it', () => {
    expect(profileDetails({ ...ADMIN, wired: false }).wiring).toEqual({
      text: 'Not wired to Otpilot',
      command: 'otpilot profile setup admin',
    });
    expect(profileDetails({ ...ADMIN, wired: false, profile: 'my admin' }).wiring?.command).toBe(
      "otpilot profile setup 'my admin'",
    );
  });

  it('says where a key holder’s keys are, and what a delegating profile uses instead', () => {
    const base: ProfileView = { ...ADMIN, profile: 'base', isRole: false, chain: ['base'] };
    expect(profileDetails({ ...base, keys: 'keyring' }).keys).toBe('Keys in the keyring');
    expect(profileDetails({ ...base, keys: 'credentials_file' }).keys).toBe('Keys in ~/.aws/credentials (a plain file)');
    expect(profileDetails({ ...base, keys: 'both' }).keys).toBe('Keys in the keyring and in ~/.aws/credentials');
    expect(profileDetails({ ...base, keys: 'nowhere' }).keys).toBe('No keys yet');
    expect(profileDetails(ADMIN).keys).toBeNull();
    const ci = profileDetails({ ...base, profile: 'ci', delegatesTo: 'admin', keys: 'keyring' });
    expect(ci.delegates).toBe('Uses Otpilot profile admin');
    expect(ci.keys).toBeNull();
  });

  it('shows the attention message and the profile’s error as one line', () => {
    const s = ready({ ...ADMIN, state: 'attention', message: 'MFA code rejected', error: 'bad chain' });
    expect(shown(s).message).toBe('MFA code rejected bad chain');
    // A message is only shown while the profile needs attention.
    expect(shown(ready({ ...ADMIN, message: 'old news' })).message).toBe('');
  });

  it('counts the badge down as time passes', () => {
    const row = ready({ ...ADMIN, expiresAt: at(12, 20) }).rows.get('admin');
    if (!row) throw new Error('no row');
    expect(profileRowView(row, at(12, 0)).badge.label).toBe('valid until 12:20');
    expect(profileRowView(row, at(12, 10)).badge.label).toBe('expires in 10 min');
  });
});

describe('profiles model: credentials:// events', () => {
  it('marks a failed profile as needing attention, leaving the others alone', () => {
    const s = credentialsFailed(ready(ADMIN, OTHER), 'admin', 'MFA code rejected');
    expect(shown(s).badge.label).toBe('needs attention');
    expect(shown(s).message).toBe('MFA code rejected');
    expect(shown(s, 'other').badge.label).toBe('not cached');
  });

  it('shows refreshed credentials and clears the row’s error', () => {
    const failed = watchFailed(watchStarted(ready(ADMIN, OTHER), 'other'), 'other', 'cannot write');
    const s = credentialsRefreshed(failed, { ...OTHER, state: 'valid', expiresAt: at(13, 30) });
    expect(shown(s, 'other').badge.label).toBe('valid until 13:30');
    expect(shown(s, 'other').error).toBe('');
  });

  it('ignores events about profiles it does not list', () => {
    const s = ready(ADMIN);
    expect(hasProfile(s, 'new')).toBe(false);
    expect(credentialsRefreshed(s, { ...ADMIN, profile: 'new' })).toBe(s);
    expect(credentialsFailed(s, 'new', 'x')).toBe(s);
  });
});

describe('profiles model: Refresh now', () => {
  it('shows progress with the button off, then the answer', () => {
    const started = refreshStarted(ready({ ...ADMIN, state: 'unknown', expiresAt: null }), 'admin');
    expect(shown(started).badge.label).toBe('refreshing…');
    expect(shown(started).refreshDisabled).toBe(true);
    const done = refreshAnswered(started, 'admin', { ...ADMIN, expiresAt: at(13, 0) });
    expect(shown(done).badge.label).toBe('valid until 13:00');
    expect(shown(done).refreshDisabled).toBe(false);
  });

  it('clears the row’s old lines when it starts', () => {
    const opened = consoleOpened(consoleStarted(ready(ADMIN), 'admin'), 'admin');
    expect(shown(opened).status).toBe('Console opened in your browser');
    const s = refreshStarted(opened, 'admin');
    expect([shown(s).status, shown(s).error]).toEqual(['', '']);
  });

  it('shows a failed refresh as needing attention, with the reason', () => {
    const s = refreshFailed(refreshStarted(ready(ADMIN), 'admin'), 'admin', 'AccessDenied: sts:AssumeRole');
    expect(shown(s).badge.className).toBe('badge badge-attention');
    expect(shown(s).message).toBe('AccessDenied: sts:AssumeRole');
    expect(shown(s).refreshDisabled).toBe(false);
  });
});

describe('profiles model: Keep fresh', () => {
  const base: SettingsView = { ...SETTINGS, watchedProfiles: ['dev'], clipboardClearSeconds: 45 };

  it('saves only the watched list changed', () => {
    expect(watchRequest(base, 'admin', true)).toEqual({ ...base, watchedProfiles: ['dev', 'admin'] });
    expect(watchRequest({ ...base, watchedProfiles: ['dev', 'admin'] }, 'admin', false)).toEqual(base);
  });

  it('leaves the box as clicked and off while saving, then shows what was saved', () => {
    const saving = watchStarted(ready(ADMIN), 'admin');
    expect(shown(saving).watched).toBeNull();
    expect(shown(saving).watchDisabled).toBe(true);
    const saved = watchSaved(saving, 'admin', { ...base, watchedProfiles: ['dev', 'admin'] });
    expect(shown(saved).watched).toBe(true);
    expect(shown(saved).watchDisabled).toBe(false);
    // Later toggles build on the settings just saved.
    expect(saved.settings?.watchedProfiles).toEqual(['dev', 'admin']);
  });

  it('puts the box back and shows why when saving fails', () => {
    const s = watchFailed(watchStarted(ready(ADMIN), 'admin'), 'admin', 'cannot write config.toml');
    expect(shown(s).watched).toBe(false);
    expect(shown(s).error).toBe('cannot write config.toml');
    expect(s.settings).toBeNull();
  });
});

describe('profiles model: the console', () => {
  it('sends the service and region trimmed, and null when left empty', () => {
    expect(consoleRequest('', '  ')).toEqual({ service: null, region: null });
    expect(consoleRequest(' lambda ', ' eu-west-1 ')).toEqual({ service: 'lambda', region: 'eu-west-1' });
  });

  it('opens and closes the options', () => {
    const open = toggleConsoleOptions(ready(ADMIN), 'admin');
    expect(shown(open).optionsOpen).toBe(true);
    expect(shown(toggleConsoleOptions(open, 'admin')).optionsOpen).toBe(false);
    expect(shown(closeConsoleOptions(open, 'admin')).optionsOpen).toBe(false);
  });

  it('turns the button off while opening, then says it opened', () => {
    const opening = consoleStarted(ready(ADMIN), 'admin');
    expect(shown(opening).consoleDisabled).toBe(true);
    const s = consoleOpened(opening, 'admin');
    expect(shown(s).consoleDisabled).toBe(false);
    expect(shown(s).status).toBe('Console opened in your browser');
  });

  it('shows why the console did not open, clearing the last success', () => {
    const opened = consoleOpened(consoleStarted(ready(ADMIN), 'admin'), 'admin');
    const s = consoleFailed(consoleStarted(opened, 'admin'), 'admin', 'the console is not available yet');
    expect(shown(s).status).toBe('');
    expect(shown(s).error).toBe('the console is not available yet');
    expect(shown(s).consoleDisabled).toBe(false);
  });
});

describe('shellCommands', () => {
  it('gives the exec and export lines for a profile Otpilot can plan', () => {
    expect(shellCommands(ADMIN)).toEqual([
      'otpilot exec admin -- aws sts get-caller-identity',
      'eval "$(otpilot export admin)"',
    ]);
  });

  it('quotes a name the shell would split, and gives nothing for a broken profile', () => {
    expect(shellCommands({ ...ADMIN, profile: "it's mine" })[1]).toBe(
      `eval "$(otpilot export 'it'\\''s mine')"`,
    );
    expect(shellCommands({ ...ADMIN, error: 'profile loop' })).toEqual([]);
    expect(shellCommands({ ...ADMIN, chain: [] })).toEqual([]);
  });
});

describe('profiles model: read again after a change', () => {
  it('keeps the order and what each row says when the names are the same', () => {
    const s = consoleOpened(consoleStarted(ready(ADMIN, OTHER), 'admin'), 'admin');
    const again = relisted(s, [{ ...ADMIN, wired: false }, OTHER]);
    expect(again.order).toBe(s.order);
    expect(again.rows.get('admin')?.view.wired).toBe(false);
    expect(shown(again).status).toBe('Console opened in your browser');
  });

  it('gives a new order when names come or go', () => {
    const s = ready(ADMIN);
    const again = relisted(s, [ADMIN, OTHER]);
    expect(again.order).not.toBe(s.order);
    expect(profilesList(again)).toEqual({ kind: 'rows', profiles: ['admin', 'other'] });
    expect(relisted(listFailed(s, 'x'), [ADMIN]).order).toEqual(['admin']);
  });
});

describe('profiles model: set-up on the card', () => {
  const preview: ConfigPreview = {
    path: '/home/alice/.aws/config',
    lines: [{ change: 'added', text: 'credential_process = otpilot credential-process admin' }],
    notes: ['Long-term keys stay in the keyring.'],
  };
  const UNWIRED: ProfileView = { ...ADMIN, wired: false };
  const BASE: ProfileView = { ...ADMIN, profile: 'base', isRole: false, chain: ['base'], keys: 'credentials_file', wired: false };

  it('offers Wire, Unwire and Move as the profile allows', () => {
    expect(setupActions(ADMIN).map((a) => a.testid)).toEqual(['profile-unwire-admin']);
    expect(setupActions(UNWIRED).map((a) => [a.testid, a.label])).toEqual([['profile-wire-admin', 'Wire to Otpilot']]);
    expect(setupActions({ ...UNWIRED, error: 'profile loop' })).toEqual([]);
    expect(setupActions(BASE).map((a) => a.testid)).toEqual(['profile-wire-base', 'profile-keys-move-base']);
    expect(setupActions({ ...BASE, keys: 'keyring' }).map((a) => a.kind)).toEqual(['wire']);
    expect(setupActions({ ...BASE, wired: true, delegatesTo: 'admin' }).map((a) => a.kind)).toEqual(['unwire']);
  });

  it('previews a wiring, then writes only on Confirm', () => {
    const asked = configAsked(ready(UNWIRED), 'admin', 'wire');
    expect(asked.rows.get('admin')?.config).toEqual({
      kind: 'wire',
      phase: 'previewing',
      preview: null,
      force: false,
      refusal: '',
    });
    expect(shown(asked).setupDisabled).toBe(true);
    // Not confirmable while the lines are read.
    expect(configConfirmed(asked, 'admin').kind).toBeNull();
    const previewed = configPreviewed(asked, 'admin', 'wire', preview);
    expect(previewed.rows.get('admin')?.config?.phase).toBe('confirm');
    expect(configCancelled(previewed, 'admin').rows.get('admin')?.config).toBeNull();
    const out = configConfirmed(previewed, 'admin');
    expect(out.kind).toBe('wire');
    expect(out.state.rows.get('admin')?.config?.phase).toBe('writing');
    // No cancel, and no second change, while it is written.
    expect(configCancelled(out.state, 'admin')).toBe(out.state);
    expect(configAsked(out.state, 'admin', 'unwire')).toBe(out.state);
    const done = configWritten(out.state, 'admin', 'wire', ADMIN);
    expect(done.rows.get('admin')?.view.wired).toBe(true);
    expect(shown(done).status).toBe('Wired to Otpilot. Your previous config was saved beside it.');
    expect(shown(done).setupDisabled).toBe(false);
  });

  it('has nothing to confirm when the preview changes nothing', () => {
    const asked = configAsked(ready(ADMIN), 'admin', 'unwire');
    const previewed = configPreviewed(asked, 'admin', 'unwire', { ...preview, lines: [] });
    expect(configConfirmed(previewed, 'admin').kind).toBeNull();
    // An answer for another change than the one asked is ignored.
    expect(configPreviewed(asked, 'admin', 'wire', preview)).toBe(asked);
  });

  it('asks to confirm a move at once, and says what it did', () => {
    const asked = configAsked(ready(BASE), 'base', 'move');
    expect(asked.rows.get('base')?.config).toEqual({
      kind: 'move',
      phase: 'confirm',
      preview: null,
      force: false,
      refusal: '',
    });
    const out = configConfirmed(asked, 'base');
    expect(out.kind).toBe('move');
    const moved = keysMovedInRow(out.state, {
      profile: 'base',
      accessKeyId: 'AKIA…MPLE',
      path: '/home/alice/.aws/credentials',
      backupKey: 'backup:aws-credentials:1',
    });
    expect(shown(moved, 'base').status).toContain('Moved AKIA…MPLE into the keyring');
    expect(shown(moved, 'base').status).toContain('backup:aws-credentials:1');
  });

  it('shows why a preview or a change failed', () => {
    const s = configFailed(configAsked(ready(UNWIRED), 'admin', 'wire'), 'admin', 'keys in ~/.aws/credentials');
    expect(s.rows.get('admin')?.config).toBeNull();
    expect(shown(s).error).toBe('keys in ~/.aws/credentials');
  });

  const FOREIGN = 'profile `admin` already has credential_process = aws-vault exec admin --json; pass --force to replace it';

  it('offers to replace another tool’s credential_process, in the window’s words', () => {
    const asked = configAsked(ready(UNWIRED), 'admin', 'wire');
    const refused = configRefused(asked, 'admin', 'foreign_credential_process', FOREIGN);
    expect(refused.rows.get('admin')?.config).toEqual({
      kind: 'wire',
      phase: 'foreign',
      preview: null,
      force: false,
      refusal: 'admin already gets its credentials from another tool (credential_process = aws-vault exec admin --json).',
    });
    expect(shown(refused).error).toBe('');
    expect(shown(refused).setupDisabled).toBe(true);
    // Nothing to confirm until the lines are read again.
    expect(configConfirmed(refused, 'admin').kind).toBeNull();
    expect(configForce(refused, 'admin')).toBe(false);

    const forced = forceAsked(refused, 'admin');
    expect(forced.rows.get('admin')?.config).toMatchObject({ phase: 'previewing', force: true, refusal: '' });
    expect(configForce(forced, 'admin')).toBe(true);
    // Only once per refusal.
    expect(forceAsked(forced, 'admin')).toBe(forced);
    const previewed = configPreviewed(forced, 'admin', 'wire', preview);
    expect(previewed.rows.get('admin')?.config).toMatchObject({ phase: 'confirm', force: true });
    const out = configConfirmed(previewed, 'admin');
    expect(out).toMatchObject({ kind: 'wire', force: true });
    expect(out.state.rows.get('admin')?.config).toMatchObject({ phase: 'writing', force: true });
  });

  it('forgets the choice to replace on Cancel, and keeps it to its own profile', () => {
    const s = ready(UNWIRED, { ...OTHER, wired: false });
    let t = configAsked(configAsked(s, 'admin', 'wire'), 'other', 'wire');
    t = configRefused(t, 'admin', 'foreign_credential_process', FOREIGN);
    t = forceAsked(t, 'admin');
    expect(configForce(t, 'admin')).toBe(true);
    expect(configForce(t, 'other')).toBe(false);
    t = configCancelled(configPreviewed(t, 'admin', 'wire', preview), 'admin');
    expect(t.rows.get('admin')?.config).toBeNull();
    expect(configForce(t, 'admin')).toBe(false);
    const again = configAsked(t, 'admin', 'wire');
    expect(again.rows.get('admin')?.config).toMatchObject({ phase: 'previewing', force: false });
    expect(configConfirmed(configPreviewed(again, 'admin', 'wire', preview), 'admin').force).toBe(false);
  });

  it('cancels a refused wiring back to the card as it was', () => {
    const refused = configRefused(configAsked(ready(UNWIRED), 'admin', 'wire'), 'admin', 'foreign_credential_process', FOREIGN);
    const cancelled = configCancelled(refused, 'admin');
    expect(cancelled.rows.get('admin')?.config).toBeNull();
    expect(shown(cancelled).setupDisabled).toBe(false);
    expect(forceAsked(cancelled, 'admin')).toBe(cancelled);
  });

  it('shows any other refusal as the row’s error, as before', () => {
    const asked = configAsked(ready(UNWIRED), 'admin', 'wire');
    const s = configRefused(asked, 'admin', 'io', 'cannot write /home/alice/.aws/config');
    expect(s.rows.get('admin')?.config).toBeNull();
    expect(shown(s).error).toBe('cannot write /home/alice/.aws/config');
    // The kind counts only for a wiring.
    const unwire = configRefused(configAsked(ready(ADMIN), 'admin', 'unwire'), 'admin', 'foreign_credential_process', FOREIGN);
    expect(unwire.rows.get('admin')?.config).toBeNull();
  });

  it('takes the other tool’s command from the shell’s message, never its --force', () => {
    expect(foreignCommand(FOREIGN)).toBe('aws-vault exec admin --json');
    expect(foreignCommand('profile `a` already has credential_process = a; b; pass --force to replace it')).toBe('a; b');
    expect(foreignCommand('profile `a` already has credential_process = aws-vault exec a')).toBe('aws-vault exec a');
    expect(foreignCommand('wiring would replace another tool')).toBeNull();
    expect(foreignText('dev', 'refused; pass --force to replace it')).toBe('dev already gets its credentials from another tool.');
    expect(foreignText('dev', FOREIGN)).not.toContain('--force');
    expect(wireRefusalText('admin', 'foreign_credential_process', FOREIGN)).toBe(foreignText('admin', FOREIGN));
    expect(wireRefusalText('admin', 'io', 'read-only')).toBe('read-only');
  });

  it('marks changed lines as diff does', () => {
    expect(
      diffRows([
        { change: 'context', text: '[profile admin]' },
        { change: 'removed', text: 'a' },
        { change: 'added', text: 'b' },
      ]),
    ).toEqual([
      { text: '  [profile admin]', className: 'diff-context' },
      { text: '- a', className: 'diff-removed' },
      { text: '+ b', className: 'diff-added' },
    ]);
  });
});
