//! End-to-end tests of the `otpilot` binary against real components: a private D-Bus session
//! with an unlocked gnome-keyring, the moto STS/IAM emulator, the AWS CLI, oathtool.
//!
//! One test binary; the harness starts each shared service once per run, in temp dirs, and
//! never touches the developer's own session or keyring.

mod harness;

// Device import paths: stdin, terminal prompt, otpauth URI, migration export, QR, AWS seed file.
mod device_import;
// Listing, renaming, removing, serials, QR export for a phone backup.
mod device_manage;
// `otpilot code` against RFC 6238 and oathtool.
mod code;
// Every bad input and broken environment: one clear line, non-zero exit, nothing changed.
mod errors;
