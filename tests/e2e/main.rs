//! End-to-end tests of the `otpilot` binary against real components: a private D-Bus session
//! with an unlocked gnome-keyring, the moto STS/IAM emulator, the AWS CLI, oathtool.
//!
//! One test binary; the harness starts each shared service once per run, in temp dirs, and
//! never touches the developer's own session or keyring.

mod harness;

// Device import paths: stdin, terminal prompt, otpauth URI, migration export, QR, AWS seed file.
mod device_import;
// Authenticator apps' exports (Aegis, 2FAS, Bitwarden, ...), written independently, imported.
mod app_exports;
// Listing, renaming, removing, serials, QR export for a phone backup.
mod device_manage;
// `otpilot code` against RFC 6238 and oathtool.
mod code;
// Every bad input and broken environment: one clear line, non-zero exit, nothing changed.
mod errors;
// credential_process: plan, shared MFA session, cache, single flight, refresh, faults.
mod credential_process;
// Real clients (AWS CLI, boto3, aws-sdk-rust) loading a profile wired to otpilot.
mod aws_clients;
// export and exec: credentials as environment variables for bash, fish, the AWS CLI, boto3.
mod exec_export;
// profile setup/list/status and keys add/import/remove: the user's AWS files, edited safely.
mod profile_wiring;
// The tray app: window through WebDriver, menu through dbusmenu, clipboard, screenshots.
mod tray;
// The window's first-run guide: from keys in a file to a working AWS CLI, with no terminal.
mod guide;
// The tray's local agent for credential_process, and prompts for callers with no terminal.
mod agent;
// console sign-in: credentials, SessionDuration rules, destinations, browser, no URL leaks.
mod console;
// each AWS profile's console in its own browser profile (real headless Chromium), WSL.
mod console_browsers;
// The administrator's side: account report, MFA enforcement, password policy, cleanup.
mod account_admin;
// The same across an AWS Organization: 30 member accounts through their access role.
mod account_org;
// The MFA device lifecycle (IAM), doctor, policy templates and the audit log.
mod mfa_lifecycle;
// Seeds sealed in a software TPM: codes against oathtool, another TPM, PINs, no TPM.
mod tpm;
mod tpm_mfa;
// An active man-in-the-middle on the TPM link, answering with a storage key of its own.
mod tpm_link;
// No desktop keyring: the vault held by the headless agent, and migration between stores.
mod vault;
// The headless agent and the configured store: migrate, forget, lock, notices through it.
mod agent_store;
// A security review's findings, as a user meets them: links kept, no core dumps.
mod hardening;
// A newcomer's rough edges: completions with this machine's names, the credential_process
// line, MFA notes at setup, positional profiles, exec's shell, and small output lines.
mod cli_edges;
// zsh's completion, registered as docs/devices.md says, in a real interactive zsh on a terminal.
mod completions_zsh;
// Other local users on one machine: the kernel keyring's copies, the runtime directory.
mod shared_host;
// Hostile input: terminal escapes in labels, CSV formulas, endless files, huge images.
mod hostile_input;
// The MFA gate in front of moto: codes checked as at AWS, faults, the request record.
mod gate_selftest;
// The terminal and shared files: Ctrl-C at a hidden prompt, closed pipes, concurrent edits
// of the AWS files, a failed read said once.
mod cli_io;
// The packages installed into a clean Debian root (run by tests/package.sh, ignored otherwise).
mod package_root;
// otpilot.exe under Wine (run by tests/windows.sh; ignored, and failing, without it).
mod windows_wine;
