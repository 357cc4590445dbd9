// The page shell: status banner, navigation and the hash router.

import './styles.css';
import { h, replaceChildren } from './lib/dom';
import { statusMessages } from './lib/format';
import { parseRoute, type MainView, type Route } from './lib/router';
import { defaultDeps, type Unmount, type ViewDeps } from './views/context';
import { mountActivity } from './views/activity';
import { mountDevices } from './views/devices';
import { mountMfa } from './views/mfa';
import { mountProfiles } from './views/profiles';
import { mountSettings } from './views/settings';

/** The app_status banner is re-read this often, and whenever the window gains focus. */
const STATUS_MS = 60_000;

const NAV: { view: MainView; label: string }[] = [
  { view: 'devices', label: 'Devices' },
  { view: 'profiles', label: 'Profiles' },
  { view: 'mfa', label: 'Set up MFA' },
  { view: 'activity', label: 'Activity' },
  { view: 'settings', label: 'Settings' },
];

const MOUNT: Record<MainView, (root: HTMLElement, deps: ViewDeps) => Unmount> = {
  devices: mountDevices,
  profiles: mountProfiles,
  mfa: mountMfa,
  activity: mountActivity,
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

  show(parseRoute(location.hash));
}

const app = document.getElementById('app');
if (app) start(app);
