// The page shell: status banner, navigation and the hash router.

import './styles.css';
import { h, replaceChildren } from './lib/dom';
import { statusMessages } from './lib/format';
import { noRouteChosen, parseRoute, routeHash, type MainView, type Route } from './lib/router';
import { defaultDeps, type Unmount, type ViewDeps } from './views/context';
import { mountAccount } from './views/account';
import { mountActivity } from './views/activity';
import { mountDevices } from './views/devices';
import { mountGuide } from './views/guide';
import { needsSetup } from './views/guide.model';
import { mountMfa } from './views/mfa';
import { mountProfiles } from './views/profiles';
import { mountSettings } from './views/settings';

/** The app_status banner is re-read this often, and whenever the window gains focus. */
const STATUS_MS = 60_000;

const NAV: { view: MainView; label: string }[] = [
  { view: 'setup', label: 'Set up' },
  { view: 'devices', label: 'Devices' },
  { view: 'profiles', label: 'Profiles' },
  { view: 'mfa', label: 'Set up MFA' },
  { view: 'activity', label: 'Activity' },
  { view: 'account', label: 'Account' },
  { view: 'settings', label: 'Settings' },
];

const MOUNT: Record<MainView, (root: HTMLElement, deps: ViewDeps) => Unmount> = {
  setup: mountGuide,
  devices: mountDevices,
  profiles: mountProfiles,
  mfa: mountMfa,
  activity: mountActivity,
  account: mountAccount,
  settings: mountSettings,
};

function start(app: HTMLElement): void {
  let unmount: Unmount | null = null;
  let shell: { main: HTMLElement; links: Map<MainView, HTMLAnchorElement> } | null = null;

  const banner = h('div', {
    class: 'banner',
    testid: 'status-banner',
    role: 'status',
    'aria-live': 'polite',
    hidden: true,
  });
  const deps: ViewDeps = defaultDeps(() => refreshStatus());
  let statusSeq = 0;
  function refreshStatus(): void {
    const seq = ++statusSeq;
    deps.api.appStatus().then(
      (status) => {
        if (seq !== statusSeq) return;
        const lines = statusMessages(status);
        replaceChildren(banner, ...lines.map((line) => h('p', {}, line)));
        banner.hidden = lines.length === 0;
      },
      () => {
        // No status (outside Tauri, or the command failed): show nothing rather than guess.
        if (seq === statusSeq) banner.hidden = true;
      },
    );
  }

  function buildShell(): { main: HTMLElement; links: Map<MainView, HTMLAnchorElement> } {
    const links = new Map<MainView, HTMLAnchorElement>();
    const nav = h(
      'nav',
      { class: 'nav', 'aria-label': 'Main' },
      h(
        'ul',
        {},
        ...NAV.map(({ view, label }) => {
          const a = h('a', { href: `#/${view}`, testid: `nav-${view}` }, label);
          links.set(view, a);
          return h('li', {}, a);
        }),
      ),
    );
    const main = h('main', { id: 'main', tabindex: '-1' });
    replaceChildren(app, h('header', { class: 'top' }, nav), banner, main);
    return { main, links };
  }

  function show(route: Route): void {
    unmount?.();
    unmount = null;
    if (!shell) {
      shell = buildShell();
      refreshStatus();
    }
    for (const [view, link] of shell.links) {
      if (view === route.view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    const label = NAV.find((n) => n.view === route.view)?.label ?? '';
    document.title = `Otpilot: ${label}`;
    unmount = MOUNT[route.view](shell.main, deps);
  }

  window.addEventListener('hashchange', () => show(parseRoute(location.hash)));
  window.addEventListener('focus', () => {
    if (shell) refreshStatus();
  });
  setInterval(() => {
    if (shell && !document.hidden) refreshStatus();
  }, STATUS_MS);
  const off = deps.api.onDevicesChanged(() => {
    if (shell) refreshStatus();
  });
  window.addEventListener('pagehide', off);

  /**
   * Where a window opened without a route starts: the guide while nothing is set up (no
   * device, or no profile wired), else the default view. A route in the address is obeyed.
   */
  async function startRoute(): Promise<Route> {
    const route = parseRoute(location.hash);
    if (!noRouteChosen(location.hash)) return route;
    try {
      const [devices, profiles] = await Promise.all([deps.api.listDevices(), deps.api.listProfiles()]);
      return needsSetup(devices, profiles) ? { view: 'setup' } : route;
    } catch {
      // Cannot tell: the default view, which shows the error itself.
      return route;
    }
  }

  void startRoute().then((route) => {
    // A view chosen meanwhile (a click, a link from the tray) wins.
    if (shell) return;
    // Without firing hashchange: the address then names the view shown.
    if (route.view === 'setup') history.replaceState(null, '', routeHash(route));
    show(route);
  });
}

const app = document.getElementById('app');
if (app) start(app);
