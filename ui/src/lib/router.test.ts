import { describe, expect, it } from 'vitest';
import { noRouteChosen, parseRoute, routeHash } from './router';

describe('router', () => {
  it('defaults to the devices view', () => {
    expect(parseRoute('')).toEqual({ view: 'devices' });
    expect(parseRoute('#')).toEqual({ view: 'devices' });
    expect(parseRoute('#/')).toEqual({ view: 'devices' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'devices' });
  });

  it('parses the main views', () => {
    expect(parseRoute('#/devices')).toEqual({ view: 'devices' });
    expect(parseRoute('#/profiles')).toEqual({ view: 'profiles' });
    expect(parseRoute('#/settings')).toEqual({ view: 'settings' });
    expect(parseRoute('#settings')).toEqual({ view: 'settings' });
    expect(parseRoute('#/mfa')).toEqual({ view: 'mfa' });
    expect(parseRoute('#/setup')).toEqual({ view: 'setup' });
    expect(parseRoute('#/activity')).toEqual({ view: 'activity' });
    expect(parseRoute('#/activity/')).toEqual({ view: 'activity' });
    expect(parseRoute('#/account')).toEqual({ view: 'account' });
    expect(parseRoute('#/MFA')).toEqual({ view: 'devices' });
  });

  it('has no prompt route any more: it falls back to the devices view', () => {
    // MFA prompts are native dialogs of the tray now, not windows of this page.
    expect(parseRoute('#/prompt')).toEqual({ view: 'devices' });
    expect(parseRoute('#/prompt/abc')).toEqual({ view: 'devices' });
    expect(parseRoute('#/prompt/%E0%A4')).toEqual({ view: 'devices' });
  });

  it('round-trips routes through their hash', () => {
    for (const route of [
      { view: 'setup' },
      { view: 'devices' },
      { view: 'profiles' },
      { view: 'mfa' },
      { view: 'activity' },
      { view: 'account' },
      { view: 'settings' },
    ] as const) {
      expect(parseRoute(routeHash(route))).toEqual(route);
    }
  });

  it('tells a window opened without a route from one that names a view', () => {
    for (const hash of ['', '#', '#/', '#//']) expect(noRouteChosen(hash), hash).toBe(true);
    for (const hash of ['#/devices', '#/setup', '#/nowhere', '#devices']) expect(noRouteChosen(hash), hash).toBe(false);
  });
});
