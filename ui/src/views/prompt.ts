// `#/prompt/<id>`: the small window the shell opens when credential_process needs a typed
// MFA code ("code") or the user's permission to use a device ("approve"). Enter submits,
// Escape cancels; once answered the window closes itself.

import type { PromptView } from '../lib/api';
import { h, replaceChildren, setText } from '../lib/dom';
import { normaliseMfaCode } from '../lib/validate';
import { failure, type Unmount, type ViewDeps } from './context';

export function mountPrompt(root: HTMLElement, id: string, deps: ViewDeps): Unmount {
  const { api } = deps;
  let disposed = false;
  let answered = false;
  let onEscape: (() => void) | null = null;

  const error = h('p', { class: 'error', testid: 'prompt-error', 'aria-live': 'polite' });
  const body = h('div', { class: 'prompt-body' }, h('p', { class: 'muted' }, 'Loading…'));
  replaceChildren(root, h('section', { class: 'view prompt', 'aria-labelledby': 'prompt-title' }, body, error));

  const keydown = (e: KeyboardEvent): void => {
    if (e.key === 'Escape' && onEscape) {
      e.preventDefault();
      onEscape();
    }
  };
  document.addEventListener('keydown', keydown);

  function closeButton(): HTMLButtonElement {
    return h(
      'button',
      { type: 'button', testid: 'prompt-close', onclick: () => void api.closeCurrentWindow().catch(() => undefined) },
      'Close',
    );
  }

  /** Sends the answer once, then closes the window; on failure says why and offers Close. */
  async function answer(code: string | null, allow: boolean, buttons: HTMLButtonElement[]): Promise<void> {
    if (answered) return;
    answered = true;
    for (const b of buttons) b.disabled = true;
    setText(error, '');
    try {
      await api.answerPrompt(id, code, allow);
    } catch (err) {
      if (disposed) return;
      setText(error, failure(deps, err).message);
      onEscape = () => void api.closeCurrentWindow().catch(() => undefined);
      const close = closeButton();
      buttons[0]?.parentElement?.appendChild(close);
      close.focus();
      return;
    }
    await api.closeCurrentWindow().catch(() => undefined);
  }

  function codeForm(p: PromptView): HTMLFormElement {
    const what = p.serial ?? p.device ?? 'your MFA device';
    const input = h('input', {
      id: 'prompt-code',
      type: 'text',
      inputmode: 'numeric',
      autocomplete: 'one-time-code',
      pattern: '[0-9 ]*',
      maxlength: 7,
      required: true,
      testid: 'prompt-code',
      'aria-describedby': 'prompt-desc',
    });
    const submit = h('button', { type: 'submit', class: 'primary', testid: 'prompt-submit' }, 'Submit');
    const cancel = h('button', { type: 'button', testid: 'prompt-cancel' }, 'Cancel');
    const form = h(
      'form',
      { class: 'card', novalidate: true },
      h('h1', { id: 'prompt-title' }, 'MFA code needed'),
      h('p', { id: 'prompt-desc', class: 'prompt-text' }, `MFA code for ${what} (profile ${p.profile})`),
      h('label', { for: 'prompt-code' }, '6-digit code'),
      input,
      h('div', { class: 'buttons' }, submit, cancel),
    );
    const buttons = [submit, cancel];
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const code = normaliseMfaCode(input.value);
      if (code === null) {
        input.setAttribute('aria-invalid', 'true');
        setText(error, 'Enter the 6 digits your MFA device shows');
        input.focus();
        return;
      }
      input.setAttribute('aria-invalid', 'false');
      void answer(code, true, buttons);
    });
    onEscape = () => void answer(null, false, buttons);
    cancel.addEventListener('click', () => onEscape?.());
    queueMicrotask(() => input.focus());
    return form;
  }

  function approveForm(p: PromptView): HTMLFormElement {
    const what = p.device ?? p.serial ?? 'an MFA device';
    const allow = h('button', { type: 'submit', class: 'primary', testid: 'prompt-allow' }, 'Allow');
    const deny = h('button', { type: 'button', testid: 'prompt-deny' }, 'Deny');
    const form = h(
      'form',
      { class: 'card', novalidate: true },
      h('h1', { id: 'prompt-title' }, 'Allow MFA use?'),
      h('p', { class: 'prompt-text' }, `Allow ${p.profile} to use the MFA device ${what}?`),
      p.serial && p.device ? h('p', { class: 'hint' }, p.serial) : null,
      h('div', { class: 'buttons' }, allow, deny),
    );
    const buttons = [allow, deny];
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void answer(null, true, buttons);
    });
    onEscape = () => void answer(null, false, buttons);
    deny.addEventListener('click', () => onEscape?.());
    queueMicrotask(() => allow.focus());
    return form;
  }

  async function load(): Promise<void> {
    try {
      const p = await api.getPrompt(id);
      if (disposed) return;
      replaceChildren(body, p.kind === 'approve' ? approveForm(p) : codeForm(p));
    } catch (err) {
      if (disposed) return;
      replaceChildren(body, h('h1', { id: 'prompt-title' }, 'MFA request'), h('div', { class: 'buttons' }, closeButton()));
      setText(error, failure(deps, err).message);
      onEscape = () => void api.closeCurrentWindow().catch(() => undefined);
    }
  }

  void load();
  return () => {
    disposed = true;
    document.removeEventListener('keydown', keydown);
  };
}
