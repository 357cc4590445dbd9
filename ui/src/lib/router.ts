// The hash router: `#/devices` (default), `#/profiles`, `#/mfa`, `#/activity`, `#/settings`,
// `#/prompt/<id>`.
// The prompt route is opened by the shell in its own small window.

export type Route =
  | { view: 'devices' }
  | { view: 'profiles' }
  | { view: 'mfa' }
  | { view: 'activity' }
  | { view: 'settings' }
  | { view: 'prompt'; id: string };

export type MainView = 'devices' | 'profiles' | 'mfa' | 'activity' | 'settings';

/** Parses `location.hash`; anything unknown is the devices view. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '');
  const [head = '', ...rest] = path.split('/');
  switch (head) {
    case 'profiles':
      return { view: 'profiles' };
    case 'mfa':
      return { view: 'mfa' };
    case 'activity':
      return { view: 'activity' };
    case 'settings':
      return { view: 'settings' };
    case 'prompt': {
      const raw = rest.join('/');
      let id = raw;
      try {
        id = decodeURIComponent(raw);
      } catch {
        // A malformed escape: keep the id as written.
      }
      return id === '' ? { view: 'devices' } : { view: 'prompt', id };
    }
    default:
      return { view: 'devices' };
  }
}

/** The hash that leads to `route`. */
export function routeHash(route: Route): string {
  return route.view === 'prompt' ? `#/prompt/${encodeURIComponent(route.id)}` : `#/${route.view}`;
}
