//! The TypeScript declarations of every type the window's UI exchanges with Rust (command
//! arguments and results, events, error kinds), generated from the Rust types with ts-rs into
//! `ui/src/lib/bindings.ts`, so the UI cannot drift from the shell. The test fails when the
//! committed file is stale; `OTPILOT_UPDATE_BINDINGS=1 cargo test -p otpilot-tray --bin
//! otpilot-window bindings` rewrites it.

use ts_rs::{Config, TS};

use crate::commands::account::{OrgProgressEvent, OrganizationArgs};
use crate::commands::devices::{
    AddDeviceArgs, AddResult, CopyResult, DeviceArgs, DeviceView, ExportImportResult,
    ImportExportArgs, PlannedDeviceView, RenameDeviceArgs, SetDeviceSerialArgs, SkippedView,
};
use crate::commands::mfa::{
    ActivityEntry, EnrollCandidate, EnrollResult, MfaEnrollArgs, RecentActivityArgs,
};
use crate::commands::profiles::{
    AppStatus, AwsConfigStatus, KeyringStatus, OpenConsoleArgs, ProfileArgs,
};
use crate::commands::settings::{SaveSettingsArgs, SettingsView};
use crate::commands::setup::{KeysStored, StoreKeysArgs, SwitchSerialArgs, WireArgs};
use crate::tray_client::FailedEvent;
use otpilot_core::account::organization::{
    AccountRow, AccountStatus, OrgFinding, OrganizationReport, Summary,
};
use otpilot_core::account::report::{Finding, Severity};
use otpilot_core::agent::protocol::Freshness;
use otpilot_core::app::{AccountReport, ConfigPreview, KeysLocation, KeysMoved, ProfileIdentity};
use otpilot_core::aws::config_diff::{DiffLine, LineChange};
use otpilot_core::error::ErrorKind;
use otpilot_tray::error::CommandError;
use otpilot_tray::views::{CodeView, ProfileView};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/bindings.ts");

/// The whole file, as it should be.
fn generate() -> String {
    // The shell sends JSON numbers; every integer here (Unix seconds, durations) fits.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        ErrorKind::decl(&cfg),
        CommandError::decl(&cfg),
        Freshness::decl(&cfg),
        KeysLocation::decl(&cfg),
        DeviceView::decl(&cfg),
        CodeView::decl(&cfg),
        AddResult::decl(&cfg),
        PlannedDeviceView::decl(&cfg),
        SkippedView::decl(&cfg),
        ExportImportResult::decl(&cfg),
        CopyResult::decl(&cfg),
        ProfileView::decl(&cfg),
        FailedEvent::decl(&cfg),
        SettingsView::decl(&cfg),
        KeyringStatus::decl(&cfg),
        AwsConfigStatus::decl(&cfg),
        AppStatus::decl(&cfg),
        EnrollCandidate::decl(&cfg),
        EnrollResult::decl(&cfg),
        ActivityEntry::decl(&cfg),
        LineChange::decl(&cfg),
        DiffLine::decl(&cfg),
        ConfigPreview::decl(&cfg),
        KeysMoved::decl(&cfg),
        KeysStored::decl(&cfg),
        ProfileIdentity::decl(&cfg),
        Severity::decl(&cfg),
        Finding::decl(&cfg),
        AccountReport::decl(&cfg),
        OrgFinding::decl(&cfg),
        AccountStatus::decl(&cfg),
        AccountRow::decl(&cfg),
        Summary::decl(&cfg),
        OrganizationReport::decl(&cfg),
        OrgProgressEvent::decl(&cfg),
        // Command arguments.
        AddDeviceArgs::decl(&cfg),
        ImportExportArgs::decl(&cfg),
        DeviceArgs::decl(&cfg),
        RenameDeviceArgs::decl(&cfg),
        SetDeviceSerialArgs::decl(&cfg),
        ProfileArgs::decl(&cfg),
        OrganizationArgs::decl(&cfg),
        OpenConsoleArgs::decl(&cfg),
        SaveSettingsArgs::decl(&cfg),
        MfaEnrollArgs::decl(&cfg),
        RecentActivityArgs::decl(&cfg),
        WireArgs::decl(&cfg),
        StoreKeysArgs::decl(&cfg),
        SwitchSerialArgs::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/window/bindings.rs; do not edit.\n\
         // Update: OTPILOT_UPDATE_BINDINGS=1 cargo test -p otpilot-tray --bin otpilot-window bindings\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[test]
fn bindings_are_current() {
    let want = generate();
    if std::env::var_os("OTPILOT_UPDATE_BINDINGS").is_some() {
        std::fs::write(PATH, &want).expect("ui/src/lib/bindings.ts is writable");
        return;
    }
    let have = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/lib/bindings.ts is stale: run `OTPILOT_UPDATE_BINDINGS=1 cargo test -p otpilot-tray --bin otpilot-window bindings` and commit it"
    );
}
