// What every view receives: the api (a fake in tests), the clock, and a way to tell the
// shell that something it shows (the status banner) may have changed.

import * as realApi from '../lib/api';
import { toCommandError, type CommandError } from '../lib/api';

/** The api module's shape (writable, so tests can swap single commands). */
export type Api = { -readonly [K in keyof typeof realApi]: (typeof realApi)[K] };

export type ViewDeps = {
  api: Api;
  /** Milliseconds since the epoch, as `Date.now()`. */
  now: () => number;
  /** Asks the shell to re-read `app_status` (after a keyring error, say). */
  refreshStatus: () => void;
};

/** Stops a view's timers and event subscriptions. */
export type Unmount = () => void;

export function defaultDeps(refreshStatus: () => void = () => undefined): ViewDeps {
  return { api: realApi, now: () => Date.now(), refreshStatus };
}

/** A failed command as a `CommandError`; keyring trouble also refreshes the banner. */
export function failure(deps: ViewDeps, err: unknown): CommandError {
  const e = toCommandError(err);
  if (e.kind === 'keyring_locked' || e.kind === 'no_keyring') deps.refreshStatus();
  return e;
}
