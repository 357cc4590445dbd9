// Generated from the Rust types by src-tauri/src/window/bindings.rs; do not edit.
// Update: OTPILOT_UPDATE_BINDINGS=1 cargo test -p otpilot-tray --bin otpilot-window bindings

export type ErrorKind = "no_keyring" | "keyring_locked" | "keyring" | "not_found" | "exists" | "seed_missing" | "invalid_input" | "profile_loop" | "profile_config" | "config" | "no_keys" | "no_mfa_code" | "mfa_process" | "denied" | "aws" | "lifecycle" | "not_confirmed" | "timeout" | "recursion" | "not_console_capable" | "signin_rejected" | "unreachable" | "signin_failed" | "io" | "no_browser" | "tray_not_running" | "unsupported" | "unsupported_version" | "bad_request" | "foreign_credential_process" | "busy" | "password_needed" | "wrong_password" | "vault_locked" | "no_tpm" | "tpm_foreign" | "wrong_pin" | "tpm_lockout" | "pin_needed" | "seed_sealed" | "tpm" | "wrong_store" | "other";

export type CommandError = { kind: ErrorKind, message: string, };

export type Freshness = "valid" | "refreshing" | "attention" | "unknown";

export type KeysLocation = "keyring" | "credentials_file" | "both" | "nowhere";

export type DeviceView = { name: string, serial: string | null, issuer: string | null, account: string | null, algorithm: string, digits: number, period: number, askBeforeUse: boolean, 
/**
 * The seed is sealed in this machine's TPM (`otpilot device protect`).
 */
sealed: boolean, 
/**
 * The sealed key asks for a PIN at every use (the tray asks for it).
 */
tpmPin: boolean, };

export type CodeView = { name: string, code: string, nextCode: string, remainingSeconds: number, period: number, 
/**
 * The seed is sealed in the TPM (the window shows a badge).
 */
sealed: boolean, };

export type AddResult = { added: Array<DeviceView>, warnings: Array<string>, };

export type PlannedDeviceView = { name: string, issuer: string | null, account: string | null, serial: string | null, 
/**
 * Built from an AWS account label (`NAME@ACCOUNT`): to be checked.
 */
serialGuessed: boolean, algorithm: string, digits: number, period: number, };

export type SkippedView = { label: string, reason: string, };

export type ExportImportResult = { 
/**
 * "Aegis export", "2FAS backup", ...
 */
format: string, dryRun: boolean, devices: Array<PlannedDeviceView>, skipped: Array<SkippedView>, warnings: Array<string>, };

export type CopyResult = { clearsInSeconds: number, };

export type ProfileView = { profile: string, wired: boolean, 
/**
 * The other Otpilot profile it hands out ("uses Otpilot profile OTHER").
 */
delegatesTo: string | null, 
/**
 * It assumes a role (its credentials come from another profile's keys).
 */
isRole: boolean, 
/**
 * Where its long-term keys are, for a profile that holds keys itself (not a role).
 */
keys: KeysLocation | null, watched: boolean, chain: Array<string>, mfaSerial: string | null, device: string | null, error: string | null, state: Freshness, expiresAt: number | null, message: string | null, };

export type FailedEvent = { profile: string, message: string, };

export type SettingsView = { refreshMarginSeconds: number, clipboardClearSeconds: number, startAtLogin: boolean, watchedProfiles: Array<string>, askBeforeUse: Array<string>, globalShortcut: string | null, defaultDevice: string | null, };

export type KeyringStatus = "ok" | "locked" | "unavailable";

export type AwsConfigStatus = "ok" | "missing" | "error";

export type AppStatus = { keyring: KeyringStatus, keyringMessage: string | null, awsConfig: AwsConfigStatus, awsMessage: string | null, };

export type EnrollCandidate = { profile: string, mfaSerial: string | null, };

export type EnrollResult = { device: string, serial: string, user: string, profilesUpdated: Array<string>, backup: string | null, 
/**
 * The serial the profile already named and kept, with what to say about it.
 */
keptSerial: string | null, keptNote: string | null, };

export type ActivityEntry = { time: number, event: string, summary: string, profile: string | null, device: string | null, source: string, };

export type LineChange = "context" | "removed" | "added";

export type DiffLine = { change: LineChange, text: string, };

export type ConfigPreview = { 
/**
 * The file that would change.
 */
path: string, 
/**
 * The removed and added lines under their section header; empty when nothing changes.
 */
lines: Array<DiffLine>, 
/**
 * What the person should know before confirming.
 */
notes: Array<string>, };

export type KeysMoved = { profile: string, 
/**
 * The access key id, masked (`AKIA…MPLE`).
 */
accessKeyId: string, 
/**
 * The credentials file the keys were taken out of.
 */
path: string, 
/**
 * The keyring item that holds the file as it was (`backup:aws-credentials:<time>`).
 */
backupKey: string, };

export type KeysStored = { profile: string, 
/**
 * Masked (`AKIA…MPLE`).
 */
accessKeyId: string, };

export type ProfileIdentity = { profile: string, 
/**
 * `arn:aws:sts::123456789012:assumed-role/Admin/otpilot-alice`, for a role.
 */
arn: string, account: string, };

export type Severity = "low" | "medium" | "high";

export type Finding = { 
/**
 * Stable id: `root_mfa`, `console_without_mfa`, `keys_without_mfa`, `old_access_key`,
 * `unused_access_key`, `unassigned_mfa_device`, `no_password_policy`,
 * `weak_password_policy`.
 */
check: string, severity: Severity, 
/**
 * Who or what: a user name, `root`, a device serial, `account`.
 */
subject: string, detail: string, 
/**
 * The exact command that fixes it (or, for the root user, where to do it).
 */
fix: string, };

export type AccountReport = { profile: string, 
/**
 * IAM users in the credential report (the root user not counted).
 */
users: number, 
/**
 * Most severe first.
 */
findings: Array<Finding>, };

export type OrgFinding = { account_id: string, account_name: string, 
/**
 * Stable id: `root_mfa`, `console_without_mfa`, `keys_without_mfa`, `old_access_key`,
 * `unused_access_key`, `unassigned_mfa_device`, `no_password_policy`,
 * `weak_password_policy`.
 */
check: string, severity: Severity, 
/**
 * Who or what: a user name, `root`, a device serial, `account`.
 */
subject: string, detail: string, 
/**
 * The exact command that fixes it (or, for the root user, where to do it).
 */
fix: string, };

export type AccountStatus = { "status": "checked", users: number, high: number, medium: number, low: number, } | { "status": "not_checked", reason: string, } | { "status": "skipped", reason: string, };

export type AccountRow = { account_id: string, account_name: string, } & ({ "status": "checked", users: number, high: number, medium: number, low: number, } | { "status": "not_checked", reason: string, } | { "status": "skipped", reason: string, });

export type Summary = { high: number, medium: number, low: number, checked: number, not_checked: number, skipped: number, };

export type OrganizationReport = { profile: string, 
/**
 * The role assumed in each member account.
 */
role: string, 
/**
 * Every account listed, by account id.
 */
accounts: Array<AccountRow>, 
/**
 * Most severe first, then by account id, then in the account report's order.
 */
findings: Array<OrgFinding>, summary: Summary, };

export type OrgProgressEvent = { profile: string, done: number, total: number, };

export type AddDeviceArgs = { name: string, 
/**
 * Pasted text: a base32 seed, an otpauth:// URI or an otpauth-migration:// export.
 */
secret: string | null, qrPath: string | null, awsSeedFile: string | null, serial: string | null, force: boolean, };

export type ImportExportArgs = { 
/**
 * The export file, as typed (`~/` is the home directory).
 */
path: string, 
/**
 * For an encrypted export; asked for after a `password_needed` error.
 */
password: string | null, prefix: string | null, dryRun: boolean, };

export type DeviceArgs = { name: string, };

export type RenameDeviceArgs = { old: string, new: string, };

export type SetDeviceSerialArgs = { name: string, serial: string | null, };

export type ProfileArgs = { profile: string, };

export type OrganizationArgs = { profile: string, 
/**
 * The access role's name in each member account.
 */
role: string, 
/**
 * Only these account ids; none for every account.
 */
accounts: Array<string>, 
/**
 * Only the accounts directly in this organizational unit or root.
 */
ou: string | null, concurrency: number, };

export type OpenConsoleArgs = { profile: string, 
/**
 * A console service (`s3`), or none for the console home.
 */
service: string | null, region: string | null, };

export type SaveSettingsArgs = { settings: SettingsView, };

export type MfaEnrollArgs = { profile: string, 
/**
 * An IAM virtual MFA device name; none for the default.
 */
deviceName: string | null, };

export type RecentActivityArgs = { limit: number, };

export type WireArgs = { profile: string, 
/**
 * Replace a `credential_process` that runs another tool.
 */
force: boolean, };

export type StoreKeysArgs = { profile: string, 
/**
 * Pasted: `AKID SECRET`, the secret alone (with `accessKeyId`), or the IAM console's
 * CSV file's text.
 */
text: string, accessKeyId: string | null, };

export type SwitchSerialArgs = { old: string, new: string, };
