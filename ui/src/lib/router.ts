// The hash router: `#/devices` (default), `#/setup`, `#/profiles`, `#/mfa`, `#/activity`,
// `#/account`, `#/settings`.

export type Route =
  | { view: 'setup' }
  | { view: 'devices' }
  | { view: 'profiles' }
  | { view: 'mfa' }
  | { view: 'activity' }
  | { view: 'account' }
  | { view: 'settings' };

export type MainView = Route['view'];

/** Parses `location.hash`; anything unknown is the devices view. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '');
  const [head = ''] = path.split('/');
  switch (head) {
    case 'setup':
      return { view: 'setup' };
    case 'profiles':
      return { view: 'profiles' };
    case 'mfa':
      return { view: 'mfa' };
    case 'activity':
      return { view: 'activity' };
    case 'account':
      return { view: 'account' };
    case 'settings':
      return { view: 'settings' };
    default:
      return { view: 'devices' };
  }
}

/**
 * Whether `hash` names no view at all (the window opened plainly), as opposed to one that
 * names a view, known or not: only then may the shell choose where to start.
 */
export function noRouteChosen(hash: string): boolean {
  return hash.replace(/^#/, '').replace(/^\/+/, '') === '';
}

/** The hash that leads to `route`. */
export function routeHash(route: Route): string {
  return `#/${route.view}`;
}
