// The guide's two steps that write: long-term keys into the keyring (moved out of
// ~/.aws/credentials, or pasted), and role profiles wired to Otpilot. Both go through the
// same confirmation, which says what will change before anything does. `mountGuide` owns
// the state; these builders read and update it through a `GuideCtx`.

import { append, h, replaceChildren, setText, type Child } from '../lib/dom';
import { failure, type ViewDeps } from './context';
import {
  backupNote,
  diffRows,
  forceStarted,
  keysRequest,
  keysRows,
  moveAsked,
  moveCancelled,
  moveConfirmText,
  moveConfirmed,
  moveDone,
  moveFailed,
  pasteSelected,
  pasteTarget,
  previewAnswered,
  previewRefused,
  previewStarted,
  previewsRead,
  storeDone,
  storeFailed,
  storeRefused,
  storeStarted,
  wireCancelled,
  wireChosen,
  wireForce,
  wireRefusalText,
  wireRows,
  wireTicked,
  wireWritable,
  writeAnswered,
  writeResultText,
  writeStarted,
  writesDone,
  type GuideState,
  type GuideStep,
  type KeysRow,
  type PreviewResult,
  type WireRow,
} from './guide.model';

/** A step's content, and how to bring its changing parts up to the state. */
export type Built = { el: HTMLElement; paint: () => void };

/** What a step builder needs of the guide. */
export type GuideCtx = {
  deps: ViewDeps;
  state: () => GuideState;
  update: (next: GuideState) => void;
  disposed: () => boolean;
  /** The step's frame: numbered heading, what it is for, and whether it is done. */
  section: (step: GuideStep, title: string, intro: string, ...children: Child[]) => HTMLElement;
  /** Focuses the element with this testid, if it is on screen. */
  focus: (testid: string) => void;
  loadProfiles: () => Promise<void>;
};

/** A chosen file's text; FileReader rather than Blob.text(), which jsdom (the tests) lacks. */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(reader.error ?? new Error('unreadable'));
    reader.readAsText(file);
  });
}

/** The confirmation every write goes through: what will happen, then Confirm or Cancel. */
export function confirmPanel(
  label: string,
  lines: Child[],
  confirmLabel: string,
  onConfirm: () => void,
  onCancel: () => void,
): { panel: HTMLElement; confirm: HTMLButtonElement } {
  const confirm = h('button', { type: 'button', class: 'small primary', testid: 'guide-confirm' }, confirmLabel);
  const cancel = h('button', { type: 'button', class: 'small', testid: 'guide-cancel' }, 'Cancel');
  confirm.addEventListener('click', onConfirm);
  cancel.addEventListener('click', onCancel);
  const panel = h(
    'div',
    { class: 'confirm guide-confirm', role: 'group', 'aria-label': label, testid: 'guide-confirm-panel' },
    ...lines,
    h('div', { class: 'buttons' }, confirm, cancel),
  );
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onCancel();
    }
  });
  return { panel, confirm };
}

// ---- step 2: long-term keys in the keyring ----

export function buildKeysStep(ctx: GuideCtx): Built {
  const { api } = ctx.deps;
  const rows = h('div', {});
  const profile = h('input', {
    id: 'guide-keys-profile',
    type: 'text',
    testid: 'guide-keys-profile',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const text = h('textarea', {
    id: 'guide-keys-text',
    testid: 'guide-keys-text',
    class: 'secret-text',
    rows: 3,
    autocomplete: 'off',
    autocapitalize: 'off',
    autocorrect: 'off',
    spellcheck: 'false',
    'aria-describedby': 'guide-keys-text-hint',
  });
  const accessKeyId = h('input', {
    id: 'guide-keys-akid',
    type: 'text',
    testid: 'guide-keys-akid',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'AKIA…',
  });
  const csv = h('input', { id: 'guide-keys-csv', type: 'file', testid: 'guide-keys-csv', accept: '.csv,text/csv' });
  const csvNote = h('p', { class: 'hint', testid: 'guide-keys-csv-note', 'aria-live': 'polite' });
  const save = h('button', { type: 'submit', class: 'primary', testid: 'guide-keys-save' }, 'Save in the keyring');
  const stored = h('p', { class: 'success', testid: 'guide-keys-stored', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', testid: 'guide-keys-error', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'guide-paste', testid: 'guide-keys-paste', novalidate: true, 'aria-labelledby': 'guide-keys-paste-title' },
    h('h3', { id: 'guide-keys-paste-title' }, 'Paste new keys'),
    h('div', { class: 'field' }, h('label', { for: 'guide-keys-profile' }, 'Profile'), profile),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'guide-keys-text' }, 'Access key ID and secret access key'),
      text,
      h(
        'p',
        { class: 'hint', id: 'guide-keys-text-hint' },
        'Both, separated by a space or a comma. They go straight into your keyring and the box is emptied.',
      ),
    ),
    h('div', { class: 'field' }, h('label', { for: 'guide-keys-csv' }, 'Or the CSV file from the IAM console'), csv, csvNote),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'guide-keys-akid' }, 'Access key ID (only when you paste the secret alone)'),
      accessKeyId,
    ),
    h('div', { class: 'buttons' }, save),
    stored,
    error,
  );

  // The CSV file's text stays in this closure, never in the page, until it is sent.
  let csvRead: Promise<string | null> = Promise.resolve(null);
  csv.addEventListener('change', () => {
    const file = csv.files?.[0];
    setText(csvNote, '');
    if (!file) {
      csvRead = Promise.resolve(null);
      return;
    }
    csvRead = readText(file).then(
      (content) => {
        setText(csvNote, `${file.name} read: its keys go into the keyring when you save.`);
        return content;
      },
      () => {
        ctx.update(storeRefused(ctx.state(), `${file.name} could not be read.`));
        return null;
      },
    );
  });
  function forgetSecret(): void {
    text.value = '';
    accessKeyId.value = '';
    csv.value = '';
    csvRead = Promise.resolve(null);
    setText(csvNote, '');
  }

  /** The profile field follows the default until the person picks or types one. */
  let profileChosen = false;
  profile.addEventListener('input', () => {
    profileChosen = true;
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void storeKeys();
  });

  async function storeKeys(): Promise<void> {
    const csvText = await csvRead;
    // Checked after the wait: a second submit may have started meanwhile.
    if (ctx.disposed() || ctx.state().paste.storing) return;
    const out = keysRequest({
      profile: profile.value,
      pasted: text.value,
      csv: csvText,
      accessKeyId: accessKeyId.value,
    });
    if ('error' in out) {
      ctx.update(storeRefused(ctx.state(), out.error));
      return;
    }
    ctx.update(storeStarted(ctx.state()));
    try {
      const answer = await api.keysStore(out.request.profile, out.request.text, out.request.accessKeyId);
      if (ctx.disposed()) return;
      ctx.update(storeDone(ctx.state(), answer));
      void ctx.loadProfiles();
    } catch (err) {
      if (!ctx.disposed()) ctx.update(storeFailed(ctx.state(), failure(ctx.deps, err).message));
    } finally {
      forgetSecret();
    }
  }

  function buildRow(r: KeysRow): HTMLElement {
    const p = r.profile;
    const select = h(
      'button',
      { type: 'button', class: 'small', testid: `guide-keys-select-${p}`, 'aria-label': `Paste new keys for ${p}` },
      'Paste new keys',
    );
    select.addEventListener('click', () => {
      profile.value = p;
      profileChosen = true;
      ctx.update(pasteSelected(ctx.state(), p));
      text.focus();
    });
    const actions = h('div', { class: 'buttons' });
    if (r.movable) {
      const move = h(
        'button',
        { type: 'button', class: 'small primary', testid: `guide-keys-move-${p}`, disabled: ctx.state().move.moving !== null },
        'Move into the keyring',
      );
      move.addEventListener('click', () => {
        ctx.update(moveAsked(ctx.state(), p));
        ctx.focus('guide-confirm');
      });
      append(actions, move);
    }
    append(actions, select);
    const confirm = r.confirming
      ? confirmPanel(
          `Move the keys of ${p}`,
          moveConfirmText(p).map((line) => h('p', {}, line)),
          'Move the keys',
          () => void moveKeys(ctx),
          () => {
            ctx.update(moveCancelled(ctx.state()));
            ctx.focus(`guide-keys-move-${p}`);
          },
        ).panel
      : null;
    return h(
      'li',
      { class: 'guide-row', testid: `guide-keys-row-${p}` },
      h(
        'div',
        { class: 'guide-row-head' },
        h('span', { class: 'profile-name' }, p),
        h('span', { class: 'meta', testid: `guide-keys-where-${p}` }, r.words),
      ),
      actions,
      confirm,
      r.moving ? h('p', { class: 'muted' }, 'Moving…') : null,
      r.result
        ? h('p', { class: r.result.ok ? 'success' : 'error', testid: `guide-keys-result-${p}` }, r.result.text)
        : null,
    );
  }

  const el = ctx.section(
    'keys',
    'Your access keys',
    'Otpilot uses the long-term access keys of your IAM user to ask AWS for short-lived credentials. They are safest in your OS keyring, where the AWS tools cannot read them without Otpilot, rather than in the plain ~/.aws/credentials file.',
    rows,
    form,
  );
  let drawnRows: unknown[] = [];
  let drawnTarget: string | null = null;
  return {
    el,
    paint: () => {
      const s = ctx.state();
      if (drawnRows[0] !== s.profiles || drawnRows[1] !== s.move) {
        drawnRows = [s.profiles, s.move];
        const list = keysRows(s);
        replaceChildren(
          rows,
          s.profiles === null
            ? h('p', { class: 'muted' }, 'Loading…')
            : list.length === 0
              ? h(
                  'p',
                  { class: 'empty', testid: 'guide-keys-none' },
                  'No profile holds access keys yet. Paste the keys of your IAM user below, under a profile name of your choice.',
                )
              : h('ul', { class: 'guide-list' }, ...list.map(buildRow)),
        );
      }
      const target = pasteTarget(s);
      if (!profileChosen && target !== drawnTarget) {
        drawnTarget = target;
        profile.value = target;
      }
      save.disabled = s.paste.storing;
      text.readOnly = s.paste.storing;
      setText(stored, s.paste.stored);
      setText(error, s.paste.error);
    },
  };
}

async function moveKeys(ctx: GuideCtx): Promise<void> {
  const { api } = ctx.deps;
  const out = moveConfirmed(ctx.state());
  ctx.update(out.state);
  if (out.profile === null) return;
  try {
    const moved = await api.keysMove(out.profile);
    if (ctx.disposed()) return;
    ctx.update(moveDone(ctx.state(), moved));
    void ctx.loadProfiles();
  } catch (err) {
    if (!ctx.disposed()) ctx.update(moveFailed(ctx.state(), out.profile, failure(ctx.deps, err).message));
  }
}

// ---- step 3: wiring role profiles ----

export function buildWireStep(ctx: GuideCtx): Built {
  const content = h('div', {});
  const preview = h('button', { type: 'button', class: 'primary', testid: 'guide-wire-preview' }, 'Show the changes');
  preview.addEventListener('click', () => void previewWiring(ctx));
  const previewButtons = h('div', { class: 'buttons' }, preview);
  const el = ctx.section(
    'wire',
    'Wire your role profiles',
    'A wired profile gets its credentials from Otpilot, so the AWS CLI, the SDKs and Terraform work without asking you for codes. Otpilot changes only the profiles you choose, and shows you the lines first.',
    content,
    previewButtons,
  );

  function rowEl(r: WireRow): HTMLElement {
    const p = r.profile;
    if (r.choosable) {
      const box = h('input', { type: 'checkbox', testid: `guide-wire-${p}`, checked: r.ticked });
      box.addEventListener('change', () => ctx.update(wireTicked(ctx.state(), p, box.checked)));
      return h('li', { class: 'guide-row' }, h('label', { class: 'choice' }, box, h('span', { class: 'profile-name' }, p)));
    }
    return h(
      'li',
      { class: 'guide-row' },
      h(
        'div',
        { class: 'guide-row-head' },
        h('span', { class: 'profile-name' }, p),
        r.wired ? h('span', { class: 'tag', testid: `guide-wire-wired-${p}` }, 'already wired') : null,
      ),
      r.error !== null ? h('p', { class: 'error', testid: `guide-wire-error-${p}` }, r.error) : null,
    );
  }

  function previewEl(p: string, result: PreviewResult): HTMLElement {
    if (result.kind === 'foreign') {
      // Said in the window's words; the button reads the lines again before anything is written.
      const replace = h(
        'button',
        {
          type: 'button',
          class: 'small',
          testid: `guide-wire-force-${p}`,
          disabled: ctx.state().wire.phase !== 'confirm',
        },
        'Replace it with Otpilot',
      );
      replace.addEventListener('click', () => void forceWiring(ctx, p));
      return h(
        'div',
        { class: 'guide-preview' },
        h('h3', {}, p),
        h('p', { class: 'note', testid: `guide-wire-refused-${p}` }, result.text),
        h('div', { class: 'buttons' }, replace),
      );
    }
    if (result.kind === 'failed') {
      return h(
        'div',
        { class: 'guide-preview' },
        h('h3', {}, p),
        h('p', { class: 'error', testid: `guide-wire-refused-${p}` }, result.message),
      );
    }
    const { lines, notes } = result.preview;
    return h(
      'div',
      { class: 'guide-preview' },
      h('h3', {}, p),
      lines.length === 0
        ? h('p', { class: 'muted', testid: `guide-wire-diff-${p}` }, 'Nothing to change.')
        : h(
            'div',
            { class: 'diff', testid: `guide-wire-diff-${p}`, role: 'group', 'aria-label': `Changes to ${p}` },
            ...diffRows(lines).map((row) => h('div', { class: row.className }, row.text)),
          ),
      notes.length > 0 ? h('ul', { class: 'diff-notes' }, ...notes.map((n) => h('li', {}, n))) : null,
    );
  }

  function resultsEl(): HTMLElement | null {
    const w = ctx.state().wire;
    const results = [...w.results];
    if (results.length === 0) return null;
    const note = backupNote(w.changedPath);
    return h(
      'div',
      { class: 'guide-results', 'aria-live': 'polite' },
      ...results.map(([p, r]) =>
        h('p', { class: r.kind === 'ok' ? 'success' : 'error', testid: `guide-wire-result-${p}` }, writeResultText(p, r)),
      ),
      note !== '' ? h('p', { class: 'hint', testid: 'guide-wire-backup' }, note) : null,
    );
  }

  function contentEls(): Child[] {
    const s = ctx.state();
    const w = s.wire;
    if (s.profiles === null) return [h('p', { class: 'muted' }, 'Loading…')];
    if (w.phase === 'previewing') return [h('p', { class: 'muted', role: 'status' }, 'Reading the changes…')];
    if (w.phase === 'confirm' || w.phase === 'writing') {
      const writable = wireWritable(s);
      const first = [...w.previews.values()].find((r) => r.kind === 'ok');
      const { panel, confirm } = confirmPanel(
        'Wire these profiles',
        [
          h(
            'p',
            {},
            first?.kind === 'ok' ? `These lines of ${first.preview.path} will change. ` : '',
            'Otpilot first saves a copy of the file beside it, then changes only these lines.',
          ),
        ],
        writable.length === 1 ? 'Wire 1 profile' : `Wire ${writable.length} profiles`,
        () => void confirmWiring(ctx),
        () => {
          ctx.update(wireCancelled(ctx.state()));
          preview.focus();
        },
      );
      confirm.disabled = writable.length === 0 || w.phase === 'writing';
      return [
        ...[...w.previews].map(([p, r]) => previewEl(p, r)),
        panel,
        w.phase === 'writing' ? h('p', { class: 'muted', role: 'status' }, 'Wiring…') : null,
      ];
    }
    const rows = wireRows(s);
    return [
      rows.length === 0
        ? h(
            'p',
            { class: 'empty', testid: 'guide-wire-none' },
            'No role profile in your AWS config yet. A role profile names a role_arn and the source_profile whose keys assume it.',
          )
        : h('ul', { class: 'guide-list' }, ...rows.map(rowEl)),
      resultsEl(),
    ];
  }

  let drawn: unknown[] = [];
  return {
    el,
    paint: () => {
      const s = ctx.state();
      const w = s.wire;
      const key = [s.profiles, w.phase, w.previews, w.results];
      if (key.some((k, i) => k !== drawn[i])) {
        drawn = key;
        replaceChildren(content, ...contentEls());
      }
      previewButtons.hidden = w.phase !== 'choose';
      preview.disabled = wireChosen(s).length === 0;
    },
  };
}

async function previewWiring(ctx: GuideCtx): Promise<void> {
  const out = previewStarted(ctx.state());
  ctx.update(out.state);
  if (out.profiles.length === 0) return;
  await readPreviews(ctx, out.profiles);
}

/** "Replace it with Otpilot": that profile's lines again, now replacing the other tool's. */
async function forceWiring(ctx: GuideCtx, profile: string): Promise<void> {
  const out = forceStarted(ctx.state(), profile);
  ctx.update(out.state);
  if (out.profile === null) return;
  await readPreviews(ctx, [out.profile]);
}

async function readPreviews(ctx: GuideCtx, profiles: readonly string[]): Promise<void> {
  const { api } = ctx.deps;
  for (const p of profiles) {
    let result: PreviewResult;
    try {
      result = { kind: 'ok', preview: await api.wirePreview(p, wireForce(ctx.state(), p)) };
    } catch (err) {
      const e = failure(ctx.deps, err);
      result = previewRefused(p, e.kind, e.message);
    }
    if (ctx.disposed()) return;
    ctx.update(previewAnswered(ctx.state(), p, result));
  }
  ctx.update(previewsRead(ctx.state()));
  ctx.focus('guide-confirm');
}

async function confirmWiring(ctx: GuideCtx): Promise<void> {
  const { api } = ctx.deps;
  const out = writeStarted(ctx.state());
  ctx.update(out.state);
  if (out.profiles.length === 0) return;
  for (const p of out.profiles) {
    try {
      await api.wireProfile(p, wireForce(ctx.state(), p));
      if (ctx.disposed()) return;
      ctx.update(writeAnswered(ctx.state(), p, { kind: 'ok' }));
    } catch (err) {
      if (ctx.disposed()) return;
      const e = failure(ctx.deps, err);
      ctx.update(writeAnswered(ctx.state(), p, { kind: 'failed', message: wireRefusalText(p, e.kind, e.message) }));
    }
  }
  ctx.update(writesDone(ctx.state()));
  await ctx.loadProfiles();
}
