//! Adding devices from what a person has: the one import policy (which input, how several
//! accounts are named, what a serial means), for the CLI's `device add` and the window's
//! "Add device" alike.

use std::path::PathBuf;

use super::Session;
use crate::audit::{AuditEntry, EventKind};
use crate::device::{Device, Location, NewDevice, Seal};
use crate::error::{Error, Result};
use crate::import;
use crate::secret::SecretString;
use crate::settings::StoreKind;
use crate::store::SecretStore;

/// Where a device's secret really is (`otpilot device list`), looked up rather than assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedPlace {
    /// In the configured store.
    Store(StoreKind),
    /// Not in the configured store but in the other one (the store was switched without
    /// `otpilot vault migrate`): Otpilot will not find it there.
    OtherStore(StoreKind),
    /// Sealed in the TPM (its wrapped key is in the store).
    Tpm,
    /// In no store Otpilot can reach.
    Missing,
    /// The configured store could not be read (a locked vault or keyring).
    Unknown,
}

impl SeedPlace {
    /// As `device list --json` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            SeedPlace::Store(kind) | SeedPlace::OtherStore(kind) => kind.as_str(),
            SeedPlace::Tpm => "tpm",
            SeedPlace::Missing => "missing",
            SeedPlace::Unknown => "unknown",
        }
    }
}

/// Where the secret comes from.
pub enum ImportSource {
    /// Pasted text: a base32 seed, an otpauth:// URI or an otpauth-migration:// export.
    Text(SecretString),
    /// A PNG or JPEG image of a QR code.
    QrImage(PathBuf),
    /// The file `aws iam create-virtual-mfa-device --bootstrap-method Base32StringSeed` wrote.
    AwsSeedFile(PathBuf),
}

/// A request to add the devices in one input under `name`.
pub struct DeviceImport {
    pub name: String,
    pub source: ImportSource,
    /// The AWS MFA serial of the device; refused for an export of several accounts (which
    /// account would it belong to?). Blank counts as none.
    pub serial: Option<String>,
    /// Replace devices of the same name.
    pub force: bool,
    /// Seal the seed in the TPM instead of keeping it in the store.
    pub seal: Option<Seal>,
}

/// What an import added, and what the person should be told.
pub struct AddedDevices {
    pub devices: Vec<Device>,
    pub warnings: Vec<String>,
    /// Which kind of input was recognised ("base32 seed", "otpauth URI", ...).
    pub source: &'static str,
}

impl Session {
    /// Where each device's secret really is: the configured store, else the other store
    /// (the keyring when the vault is configured, the unlocked vault otherwise), else
    /// nowhere. One lookup per device.
    pub fn seed_places(&self, devices: &[Device]) -> Vec<SeedPlace> {
        let configured = self.configured_store();
        let socket = crate::agent::socket_path(&self.dirs.runtime);
        let other: std::cell::OnceCell<(StoreKind, Box<dyn SecretStore>)> =
            std::cell::OnceCell::new();
        let other = || {
            other.get_or_init(|| match configured {
                StoreKind::Vault => (
                    StoreKind::Keyring,
                    Box::new(crate::store::KeyringStore::new()) as Box<dyn SecretStore>,
                ),
                StoreKind::Keyring => (
                    StoreKind::Vault,
                    Box::new(crate::vault::client::AgentVault::new(&socket)),
                ),
            })
        };
        let store = self.devices();
        devices
            .iter()
            .map(|d| match (store.secret_present(d), d.location) {
                (Ok(true), Location::Tpm) => SeedPlace::Tpm,
                (Ok(true), Location::Store) => SeedPlace::Store(configured),
                (Ok(false), _) => {
                    let (kind, other) = other();
                    match other.get(&d.keyring_key()) {
                        Ok(Some(_)) => SeedPlace::OtherStore(*kind),
                        _ => SeedPlace::Missing,
                    }
                }
                (Err(e), _) => {
                    tracing::debug!(device = %d.name, "cannot look for the seed: {e}");
                    SeedPlace::Unknown
                }
            })
            .collect()
    }

    /// Moves a device's seed into the TPM (see [`crate::device::Devices::protect`]) and
    /// records it in the audit log.
    pub fn protect_device(&self, name_or_serial: &str, seal: &Seal) -> Result<Device> {
        let device = self.devices().protect(name_or_serial, seal)?;
        self.audit().record(AuditEntry {
            device: Some(device.name.clone()),
            serial: device.serial.clone(),
            ..AuditEntry::new(EventKind::DeviceSealed)
        });
        Ok(device)
    }

    /// Adds every account in the input, all together or not at all. One account is named
    /// `name`; several (an authenticator's export) are named `name-1` .. `name-N` in the
    /// export's order.
    pub fn import_devices(&self, request: DeviceImport) -> Result<AddedDevices> {
        let import = match request.source {
            ImportSource::Text(text) => import::from_text(text.expose())?,
            ImportSource::QrImage(path) => import::from_qr_image(&path)?,
            ImportSource::AwsSeedFile(path) => import::from_aws_seed_file(&path)?,
        };
        let serial = request.serial.filter(|s| !s.trim().is_empty());
        let several = import.accounts.len() > 1;
        if several && serial.is_some() {
            return Err(Error::AmbiguousSerial {
                accounts: import.accounts.len(),
            });
        }
        let new = import
            .accounts
            .into_iter()
            .enumerate()
            .map(|(i, account)| NewDevice {
                name: if several {
                    format!("{}-{}", request.name, i + 1)
                } else {
                    request.name.clone()
                },
                serial: serial.clone(),
                account,
                seal: request.seal.clone(),
            })
            .collect();
        let devices = self.devices().add(new, request.force)?;
        Ok(AddedDevices {
            devices,
            warnings: import.warnings,
            source: import.source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::World;

    const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

    fn text(s: &str) -> ImportSource {
        ImportSource::Text(SecretString::from(s))
    }

    #[test]
    fn one_account_takes_the_name_and_the_serial() {
        let world = World::new();
        let added = world
            .session
            .import_devices(DeviceImport {
                name: "work".into(),
                source: text(SEED),
                serial: Some(SERIAL.into()),
                force: false,
                seal: None,
            })
            .unwrap();
        assert_eq!(added.source, "base32 seed");
        assert_eq!(added.devices[0].name, "work");
        assert_eq!(added.devices[0].serial.as_deref(), Some(SERIAL));
        // Blank serials (an empty form field) are none.
        let added = world
            .session
            .import_devices(DeviceImport {
                name: "home".into(),
                source: text(SEED),
                serial: Some("  ".into()),
                force: false,
                seal: None,
            })
            .unwrap();
        assert_eq!(added.devices[0].serial, None);
    }

    #[test]
    fn an_export_of_several_accounts_is_numbered_and_refuses_a_serial() {
        let world = World::new();
        let seed = crate::totp::TotpSeed::from_base32(SEED).unwrap().0;
        let entry = |name| crate::migration::ExportEntry {
            seed: &seed,
            params: Default::default(),
            name,
            issuer: "AWS",
            hotp: false,
        };
        let export = crate::migration::encode(&[entry("a"), entry("b")]);
        let refused = world.session.import_devices(DeviceImport {
            name: "phone".into(),
            source: text(&export),
            serial: Some(SERIAL.into()),
            force: false,
            seal: None,
        });
        assert!(matches!(
            refused,
            Err(Error::AmbiguousSerial { accounts: 2 })
        ));
        assert!(world.session.devices().list().unwrap().is_empty());
        let added = world
            .session
            .import_devices(DeviceImport {
                name: "phone".into(),
                source: text(&export),
                serial: None,
                force: false,
                seal: None,
            })
            .unwrap();
        let names: Vec<&str> = added.devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["phone-1", "phone-2"]);
    }
}
