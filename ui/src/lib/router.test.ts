import { describe, expect, it } from 'vitest';
import { parseRoute, routeHash } from './router';

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
    expect(parseRoute('#/activity')).toEqual({ view: 'activity' });
    expect(parseRoute('#/activity/')).toEqual({ view: 'activity' });
    expect(parseRoute('#/MFA')).toEqual({ view: 'devices' });
  });

  it('parses a prompt with its id', () => {
    expect(parseRoute('#/prompt/abc')).toEqual({ view: 'prompt', id: 'abc' });
    expect(parseRoute('#/prompt/a%20b')).toEqual({ view: 'prompt', id: 'a b' });
    expect(parseRoute('#/prompt/%E0%A4')).toEqual({ view: 'prompt', id: '%E0%A4' });
  });

  it('needs an id for a prompt', () => {
    expect(parseRoute('#/prompt')).toEqual({ view: 'devices' });
    expect(parseRoute('#/prompt/')).toEqual({ view: 'devices' });
  });

  it('round-trips routes through their hash', () => {
    for (const route of [
      { view: 'devices' },
      { view: 'profiles' },
      { view: 'mfa' },
      { view: 'activity' },
      { view: 'settings' },
      { view: 'prompt', id: 'x/y z' },
    ] as const) {
      expect(parseRoute(routeHash(route))).toEqual(route);
    }
  });
});
