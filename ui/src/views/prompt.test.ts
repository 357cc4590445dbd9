import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PromptView } from '../lib/api';
import { CommandError } from '../lib/api';
import { byTestId, fakeApi, fakeDeps, queryTestId, settle, type FakeApi } from '../test/fakeApi';
import type { Unmount } from './context';
import { mountPrompt } from './prompt';

const CODE: PromptView = {
  id: 'abc',
  kind: 'code',
  profile: 'admin',
  serial: 'arn:aws:iam::111122223333:mfa/alice',
  device: null,
};
const APPROVE: PromptView = { ...CODE, kind: 'approve', device: 'work' };

let root: HTMLElement;
let api: FakeApi;
let unmount: Unmount | undefined;

beforeEach(() => {
  root = document.createElement('div');
  document.body.replaceChildren(root);
  api = fakeApi();
});

afterEach(() => {
  unmount?.();
  unmount = undefined;
});

async function mount(view: PromptView): Promise<void> {
  api.getPrompt = vi.fn(async () => view);
  unmount = mountPrompt(root, view.id, fakeDeps(api));
  await settle();
}

const escape = (): boolean =>
  document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));

function submit(form: HTMLFormElement): void {
  form.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true }));
}

describe('code prompt', () => {
  it('asks for the code of the serial and profile', async () => {
    await mount(CODE);
    expect(api.getPrompt).toHaveBeenCalledWith('abc');
    expect(root.textContent).toContain('MFA code for arn:aws:iam::111122223333:mfa/alice (profile admin)');
    const input = byTestId<HTMLInputElement>(root, 'prompt-code');
    expect(input.getAttribute('inputmode')).toBe('numeric');
    expect(root.querySelector(`label[for="${input.id}"]`)).not.toBeNull();
    await Promise.resolve();
    expect(document.activeElement).toBe(input);
  });

  it('submits a valid code (Enter submits the form) and closes the window', async () => {
    await mount(CODE);
    const input = byTestId<HTMLInputElement>(root, 'prompt-code');
    input.value = '123 456';
    submit(input.form as HTMLFormElement);
    await settle();
    expect(api.answerPrompt).toHaveBeenCalledWith('abc', '123456', true);
    expect(api.closeCurrentWindow).toHaveBeenCalledOnce();
  });

  it('refuses a code that is not 6 digits', async () => {
    await mount(CODE);
    const input = byTestId<HTMLInputElement>(root, 'prompt-code');
    input.value = '12345';
    byTestId(root, 'prompt-submit').click();
    await settle();
    expect(api.answerPrompt).not.toHaveBeenCalled();
    expect(byTestId(root, 'prompt-error').textContent).toMatch(/6 digits/);
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });

  it('cancels with Escape, answering no code', async () => {
    await mount(CODE);
    escape();
    await settle();
    expect(api.answerPrompt).toHaveBeenCalledWith('abc', null, false);
    expect(api.closeCurrentWindow).toHaveBeenCalledOnce();
  });

  it('answers only once', async () => {
    await mount(CODE);
    byTestId(root, 'prompt-cancel').click();
    byTestId(root, 'prompt-cancel').click();
    escape();
    await settle();
    expect(api.answerPrompt).toHaveBeenCalledTimes(1);
  });

  it('says why an answer failed and offers Close', async () => {
    api.answerPrompt = vi.fn(async () => {
      throw new CommandError('not_found', 'this request has expired');
    });
    await mount(CODE);
    byTestId(root, 'prompt-cancel').click();
    await settle();
    expect(byTestId(root, 'prompt-error').textContent).toBe('this request has expired');
    expect(api.closeCurrentWindow).not.toHaveBeenCalled();
    byTestId(root, 'prompt-close').click();
    await settle();
    expect(api.closeCurrentWindow).toHaveBeenCalledOnce();
  });
});

describe('approve prompt', () => {
  it('asks to allow the profile to use the device', async () => {
    await mount(APPROVE);
    expect(root.textContent).toContain('Allow admin to use the MFA device work?');
    expect(queryTestId(root, 'prompt-code')).toBeNull();
  });

  it('allows', async () => {
    await mount(APPROVE);
    byTestId(root, 'prompt-allow').click();
    await settle();
    expect(api.answerPrompt).toHaveBeenCalledWith('abc', null, true);
    expect(api.closeCurrentWindow).toHaveBeenCalledOnce();
  });

  it('denies with Escape', async () => {
    await mount(APPROVE);
    escape();
    await settle();
    expect(api.answerPrompt).toHaveBeenCalledWith('abc', null, false);
  });
});

describe('a prompt that cannot be loaded', () => {
  it('shows the error and a Close button', async () => {
    unmount = mountPrompt(root, 'gone', fakeDeps(api));
    await settle();
    expect(byTestId(root, 'prompt-error').textContent).toBe('no such prompt');
    byTestId(root, 'prompt-close').click();
    expect(api.closeCurrentWindow).toHaveBeenCalledOnce();
  });
});
