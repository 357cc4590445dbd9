//! Device commands: list, live codes, add, remove, rename, serial, QR for a phone backup,
//! copy a code to the clipboard.

use otpilot_core::app::{AppExportImport, AppExportImported, DeviceImport, ImportSource};
use otpilot_core::device::Device;
use otpilot_core::error::ErrorKind;
use serde::Deserialize;
use serde::Serialize;
use tauri::ipc::Request;
use tauri::{AppHandle, Emitter, State};

use otpilot_tray::control::TrayOp as Op;
use otpilot_tray::error::{CommandError, CommandResult};
use otpilot_tray::state::AppState;
use otpilot_tray::views::{codes, CodeView};

use super::{args, blocking, typed_path};
use crate::Shared;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct DeviceView {
    name: String,
    serial: Option<String>,
    issuer: Option<String>,
    account: Option<String>,
    algorithm: &'static str,
    digits: u8,
    period: u64,
    ask_before_use: bool,
    /// The seed is sealed in this machine's TPM (`otpilot device protect`).
    sealed: bool,
    /// The sealed key asks for a PIN at every use (the tray asks for it).
    tpm_pin: bool,
}

impl From<&Device> for DeviceView {
    fn from(d: &Device) -> Self {
        Self {
            name: d.name.clone(),
            serial: d.serial.clone(),
            issuer: d.issuer.clone(),
            account: d.account.clone(),
            algorithm: d.params.algorithm.as_str(),
            digits: d.params.digits,
            period: d.params.period,
            ask_before_use: d.ask_before_use,
            sealed: d.location == otpilot_core::device::Location::Tpm,
            tpm_pin: d.tpm_pin,
        }
    }
}

#[derive(Serialize, ts_rs::TS)]
pub struct AddResult {
    added: Vec<DeviceView>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
#[derive(ts_rs::TS)]
pub struct CopyResult {
    clears_in_seconds: u64,
}

/// The device list changed: the UI reloads, and the tray redraws its menu.
fn changed(app: &AppHandle, state: &AppState) {
    let _ = app.emit("devices://changed", ());
    crate::tray_client::changed(state);
}

#[tauri::command]
pub async fn list_devices(state: State<'_, Shared>) -> CommandResult<Vec<DeviceView>> {
    blocking(*state, |s| {
        Ok(s.devices().list()?.iter().map(DeviceView::from).collect())
    })
    .await
}

#[tauri::command]
pub async fn device_codes(state: State<'_, Shared>) -> CommandResult<Vec<CodeView>> {
    blocking(*state, |s| Ok(codes(s)?)).await
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AddDeviceArgs {
    name: String,
    /// Pasted text: a base32 seed, an otpauth:// URI or an otpauth-migration:// export.
    secret: Option<String>,
    qr_path: Option<String>,
    aws_seed_file: Option<String>,
    serial: Option<String>,
    force: bool,
}

/// The arguments of the commands that name one device.
#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceArgs {
    name: String,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct RenameDeviceArgs {
    old: String,
    new: String,
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct SetDeviceSerialArgs {
    name: String,
    serial: Option<String>,
}

#[tauri::command]
pub async fn add_device(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<AddResult> {
    let AddDeviceArgs {
        name,
        secret,
        qr_path,
        aws_seed_file,
        serial,
        force,
    } = args(&request)?;
    let secret = secret.map(otpilot_core::secret::SecretString::new);
    let result = blocking(*state, move |s| {
        let source = match (secret, qr_path, aws_seed_file) {
            (Some(text), None, None) => ImportSource::Text(text),
            (None, Some(path), None) => ImportSource::QrImage(typed_path(&path)),
            (None, None, Some(path)) => ImportSource::AwsSeedFile(typed_path(&path)),
            _ => {
                return Err(CommandError::new(
                    ErrorKind::InvalidInput,
                    "give exactly one of: a pasted secret, a QR image, an AWS seed file",
                ))
            }
        };
        let added = s.session.import_devices(DeviceImport {
            name,
            source,
            serial,
            force,
            // Sealing asks for a new PIN twice and offers nothing the CLI does not; the
            // window adds to the store, and `otpilot device protect` seals afterwards.
            seal: None,
        })?;
        Ok(AddResult {
            added: added.devices.iter().map(DeviceView::from).collect(),
            warnings: added.warnings,
        })
    })
    .await?;
    changed(&app, state.0);
    Ok(result)
}

#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportExportArgs {
    /// The export file, as typed (`~/` is the home directory).
    path: String,
    /// For an encrypted export; asked for after a `password_needed` error.
    password: Option<String>,
    prefix: Option<String>,
    dry_run: bool,
}

/// A device an import adds, or in a dry run would add.
#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PlannedDeviceView {
    name: String,
    issuer: Option<String>,
    account: Option<String>,
    serial: Option<String>,
    /// Built from an AWS account label (`NAME@ACCOUNT`): to be checked.
    serial_guessed: bool,
    algorithm: &'static str,
    digits: u8,
    period: u64,
}

#[derive(Serialize, ts_rs::TS)]
pub struct SkippedView {
    label: String,
    reason: String,
}

#[derive(Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportImportResult {
    /// "Aegis export", "2FAS backup", ...
    format: String,
    dry_run: bool,
    devices: Vec<PlannedDeviceView>,
    skipped: Vec<SkippedView>,
    warnings: Vec<String>,
}

impl From<AppExportImported> for ExportImportResult {
    fn from(imported: AppExportImported) -> Self {
        Self {
            format: imported.format.to_owned(),
            dry_run: imported.dry_run,
            devices: imported
                .devices
                .into_iter()
                .map(|d| PlannedDeviceView {
                    name: d.name,
                    issuer: d.issuer,
                    account: d.account,
                    serial: d.serial,
                    serial_guessed: d.serial_guessed,
                    algorithm: d.params.algorithm.as_str(),
                    digits: d.params.digits,
                    period: d.params.period,
                })
                .collect(),
            skipped: imported
                .skipped
                .into_iter()
                .map(|s| SkippedView {
                    label: s.label,
                    reason: s.reason,
                })
                .collect(),
            warnings: imported.warnings,
        }
    }
}

/// "From an authenticator app's export": the core's import, the same as `otpilot device
/// import`. An encrypted export without a password fails with `password_needed`; the UI
/// then asks for it and calls again.
#[tauri::command]
pub async fn import_export(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<ExportImportResult> {
    let ImportExportArgs {
        path,
        password,
        prefix,
        dry_run,
    } = args(&request)?;
    let password = password.map(otpilot_core::secret::SecretString::new);
    let result = blocking(*state, move |s| {
        let imported = s.session.import_app_export(AppExportImport {
            path: typed_path(&path),
            password,
            prefix,
            dry_run,
            seal: None,
        })?;
        Ok(ExportImportResult::from(imported))
    })
    .await?;
    if !result.dry_run && !result.devices.is_empty() {
        changed(&app, state.0);
    }
    Ok(result)
}

#[tauri::command]
pub async fn remove_device(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<()> {
    let DeviceArgs { name } = args(&request)?;
    blocking(*state, move |s| {
        Ok(s.devices().remove(&name).map(|_| ())?)
    })
    .await?;
    changed(&app, state.0);
    Ok(())
}

#[tauri::command]
pub async fn rename_device(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<DeviceView> {
    let RenameDeviceArgs { old, new } = args(&request)?;
    let d = blocking(*state, move |s| {
        Ok(DeviceView::from(&s.devices().rename(&old, &new)?))
    })
    .await?;
    changed(&app, state.0);
    Ok(d)
}

#[tauri::command]
pub async fn set_device_serial(
    app: AppHandle,
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<DeviceView> {
    let SetDeviceSerialArgs { name, serial } = args(&request)?;
    let d = blocking(*state, move |s| {
        let serial = serial.filter(|s| !s.trim().is_empty());
        Ok(DeviceView::from(
            &s.devices().set_serial(&name, serial.as_deref())?,
        ))
    })
    .await?;
    changed(&app, state.0);
    Ok(d)
}

/// The device's otpauth QR code as an SVG document. The UI shows it only after the person
/// confirms; the SVG holds the seed.
#[tauri::command]
pub async fn device_qr_svg(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<String> {
    let DeviceArgs { name } = args(&request)?;
    blocking(*state, move |s| {
        let devices = s.devices();
        let device = devices.find(&name)?;
        let uri = devices.otpauth_uri(&device)?;
        Ok(otpilot_core::qr::to_svg(uri.expose())?.to_string())
    })
    .await
}

#[tauri::command]
pub async fn copy_code(
    state: State<'_, Shared>,
    request: Request<'_>,
) -> CommandResult<CopyResult> {
    let DeviceArgs { name } = args(&request)?;
    blocking(*state, move |s| {
        // The tray copies: the code must stay pasteable after this window closes.
        let clears_in_seconds = crate::tray_client::ask(s, &Op::CopyCode { device: name })?;
        Ok(CopyResult { clears_in_seconds })
    })
    .await
}
