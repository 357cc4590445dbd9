// The hash router: `#/devices` (default), `#/profiles`, `#/mfa`, `#/activity`, `#/settings`.

export type Route =
  | { view: 'devices' }
  | { view: 'profiles' }
  | { view: 'mfa' }
  | { view: 'activity' }
  | { view: 'settings' };

export type MainView = 'devices' | 'profiles' | 'mfa' | 'activity' | 'settings';

/** Parses `location.hash`; anything unknown is the devices view. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '');
  const [head = ''] = path.split('/');
  switch (head) {
    case 'profiles':
      return { view: 'profiles' };
    case 'mfa':
      return { view: 'mfa' };
    case 'activity':
      return { view: 'activity' };
    case 'settings':
      return { view: 'settings' };
    default:
      return { view: 'devices' };
  }
}

/** The hash that leads to `route`. */
export function routeHash(route: Route): string {
  return `#/${route.view}`;
}
