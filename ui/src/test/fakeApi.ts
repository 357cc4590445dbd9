// A fake api for view tests: every command is a vi.fn with a harmless default, and events
// can be fired by hand.

import { vi } from 'vitest';
import * as real from '../lib/api';
import type { ProfileView, FailedPayload, OrgProgressEvent, SettingsView } from '../lib/api';
import type { Api, ViewDeps } from '../views/context';

export type FakeApi = Api & {
  emitRefreshed: (view: ProfileView) => void;
  emitFailed: (payload: FailedPayload) => void;
  emitDevicesChanged: () => void;
  emitProfilesChanged: () => void;
  emitOrganizationProgress: (progress: OrgProgressEvent) => void;
};

export const SETTINGS: SettingsView = {
  refreshMarginSeconds: 900,
  clipboardClearSeconds: 20,
  startAtLogin: false,
  watchedProfiles: [],
  askBeforeUse: [],
  globalShortcut: null,
  defaultDevice: null,
};

export function fakeApi(): FakeApi {
  const handlers = {
    refreshed: new Set<(v: ProfileView) => void>(),
    failed: new Set<(p: FailedPayload) => void>(),
    devices: new Set<() => void>(),
    profiles: new Set<() => void>(),
    organization: new Set<(p: OrgProgressEvent) => void>(),
  };
  const subscribe =
    <T>(set: Set<T>) =>
    (fn: T): (() => void) => {
      set.add(fn);
      return () => set.delete(fn);
    };
  return {
    ...real,
    appStatus: vi.fn(async () => ({ keyring: 'ok', keyringMessage: null, awsConfig: 'ok', awsMessage: null }) as const),
    listDevices: vi.fn(async () => []),
    deviceCodes: vi.fn(async () => []),
    addDevice: vi.fn(async () => ({ added: [], warnings: [] })),
    importExport: vi.fn(async (args: real.ImportExportArgs) => ({
      format: 'Aegis export',
      dryRun: args.dryRun,
      devices: [],
      skipped: [],
      warnings: [],
    })),
    removeDevice: vi.fn(async () => undefined),
    renameDevice: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    setDeviceSerial: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    deviceQrSvg: vi.fn(async () => '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><path d="M0 0h1v1H0z"/></svg>'),
    copyCode: vi.fn(async () => ({ clearsInSeconds: 20 })),
    listProfiles: vi.fn(async () => []),
    refreshProfile: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    openConsole: vi.fn(async () => undefined),
    getSettings: vi.fn(async () => ({ ...SETTINGS })),
    saveSettings: vi.fn(async (s: SettingsView) => s),
    mfaEnrollCandidates: vi.fn(async () => []),
    mfaEnroll: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    recentActivity: vi.fn(async () => []),
    keysMove: vi.fn(async (profile: string) => ({
      profile,
      accessKeyId: 'AKIA…MPLE',
      path: '/home/alice/.aws/credentials',
      backupKey: 'backup:aws-credentials:1700000000',
    })),
    keysStore: vi.fn(async (profile: string) => ({ profile, accessKeyId: 'AKIA…MPLE' })),
    wirePreview: vi.fn(async () => ({ path: '/home/alice/.aws/config', lines: [], notes: [] })),
    wireProfile: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    unwirePreview: vi.fn(async () => ({ path: '/home/alice/.aws/config', lines: [], notes: [] })),
    unwireProfile: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    checkProfile: vi.fn(async () => {
      throw new real.CommandError('other', 'not faked');
    }),
    mfaSwitchSerial: vi.fn(async () => []),
    accountReport: vi.fn(async (args: real.ProfileArgs) => ({ profile: args.profile, users: 0, findings: [] })),
    onCredentialsRefreshed: subscribe(handlers.refreshed),
    onCredentialsFailed: subscribe(handlers.failed),
    onDevicesChanged: subscribe(handlers.devices),
    onProfilesChanged: subscribe(handlers.profiles),
    organizationReport: vi.fn(async (args: real.OrganizationArgs) => ({
      profile: args.profile,
      role: args.role,
      accounts: [],
      findings: [],
      summary: { high: 0, medium: 0, low: 0, checked: 0, not_checked: 0, skipped: 0 },
    })),
    onOrganizationProgress: subscribe(handlers.organization),
    emitRefreshed: (v) => handlers.refreshed.forEach((fn) => fn(v)),
    emitFailed: (p) => handlers.failed.forEach((fn) => fn(p)),
    emitDevicesChanged: () => handlers.devices.forEach((fn) => fn()),
    emitProfilesChanged: () => handlers.profiles.forEach((fn) => fn()),
    emitOrganizationProgress: (p) => handlers.organization.forEach((fn) => fn(p)),
  };
}

export function fakeDeps(api: FakeApi): ViewDeps & { refreshStatus: ReturnType<typeof vi.fn> } {
  return { api, now: () => Date.now(), refreshStatus: vi.fn() };
}

/** Lets pending promise callbacks (fake api answers) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

export function byTestId<T extends HTMLElement = HTMLElement>(root: ParentNode, id: string): T {
  const el = root.querySelector<T>(`[data-testid="${id.replace(/["\\]/g, "\\$&")}"]`);
  if (!el) throw new Error(`no element with data-testid="${id}"`);
  return el;
}

export function queryTestId(root: ParentNode, id: string): HTMLElement | null {
  return root.querySelector<HTMLElement>(`[data-testid="${id.replace(/["\\]/g, "\\$&")}"]`);
}
