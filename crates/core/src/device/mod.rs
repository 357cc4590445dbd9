//! MFA devices: non-secret metadata in `devices.toml` under the config dir, seeds in the
//! `SecretStore` (or, for a device sealed in the TPM, the TPM-wrapped key in its place:
//! [`sealing`]).
//!
//! Every change keeps the two in step: the keyring is written first and the metadata file
//! second (atomically), and when the second step fails the first is undone, so a failed
//! command leaves the user's devices exactly as they were.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::atomic::write_private_in_own_dir;
use crate::error::{Error, Result};
use crate::import::ImportedAccount;
use crate::lock::RefreshLock;
use crate::secret::SecretString;
use crate::store::SecretStore;
use crate::totp::{Totp, TotpParams, TotpSeed};

mod sealing;
pub use sealing::{no_pin, tpm_location, tpm_manufacturer, validate_pin, PinPrompt, Seal};

const FILE_NAME: &str = "devices.toml";

/// A change to the device list takes milliseconds; a holder this slow is stuck.
const DEVICE_LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// A device's public description. The seed is not here: it is in the keyring under
/// [`Device::keyring_key`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub name: String,
    /// Stable id; the keyring item is keyed by it so a rename never touches the keyring.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(flatten)]
    pub params: TotpParams,
    /// Ask the person before a profile uses this device's seed (tray dialog or terminal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ask_before_use: bool,
    /// Unix seconds when the device was added.
    pub added: u64,
    /// Where the seed lives.
    #[serde(default, skip_serializing_if = "Location::is_store")]
    pub location: Location,
    /// A sealed device whose TPM key has a PIN.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tpm_pin: bool,
}

/// Where a device's seed lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    /// In Otpilot's secret store (the OS keyring, or the vault).
    #[default]
    Store,
    /// Sealed in this machine's TPM; the store holds only the TPM-wrapped key.
    Tpm,
}

impl Location {
    fn is_store(&self) -> bool {
        *self == Self::Store
    }
}

impl Device {
    /// Where the seed lives, as people call it: `keyring` or `vault` (the store Otpilot
    /// uses), or `tpm`.
    pub fn seed_home(&self, store: crate::settings::StoreKind) -> &'static str {
        match (self.location, store) {
            (Location::Tpm, _) => "tpm",
            (Location::Store, crate::settings::StoreKind::Keyring) => "keyring",
            (Location::Store, crate::settings::StoreKind::Vault) => "vault",
        }
    }

    pub fn keyring_key(&self) -> String {
        format!("totp:{}", self.id)
    }

    fn keyring_label(&self) -> String {
        match self.location {
            Location::Store => format!("Otpilot TOTP seed ({})", self.name),
            Location::Tpm => format!("Otpilot TPM-sealed TOTP key ({})", self.name),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct DeviceFile {
    #[serde(default, rename = "device")]
    devices: Vec<Device>,
}

/// A new device to add: a name, an optional AWS serial, what was imported, and whether to
/// seal its seed in the TPM.
pub struct NewDevice {
    pub name: String,
    pub serial: Option<String>,
    pub account: ImportedAccount,
    pub seal: Option<Seal>,
}

/// Devices on disk and in the keyring.
pub struct Devices<'s> {
    path: PathBuf,
    store: &'s dyn SecretStore,
}

impl<'s> Devices<'s> {
    pub fn new(config_dir: &Path, store: &'s dyn SecretStore) -> Self {
        Self {
            path: config_dir.join(FILE_NAME),
            store,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// All devices, in the order they were added.
    pub fn list(&self) -> Result<Vec<Device>> {
        Ok(read_file(&self.path)?.devices)
    }

    /// Finds a device by name, or else by serial ARN.
    pub fn find(&self, name_or_serial: &str) -> Result<Device> {
        find_in(&self.list()?, name_or_serial)
    }

    /// The stored device that answers for the AWS MFA serial `serial`, if any.
    pub fn by_serial(&self, serial: &str) -> Result<Option<Device>> {
        Ok(by_serial(&self.list()?, serial).cloned())
    }

    /// Adds devices all together or not at all. With `force`, devices of the same name are
    /// replaced (their old seeds are deleted once the new metadata is written); a replaced
    /// device keeps its AWS serial, labels and "ask before use" unless the new one says
    /// otherwise, so re-adding a seed (the advice when it is missing) does not unlink it
    /// from AWS.
    pub fn add(&self, new: Vec<NewDevice>, force: bool) -> Result<Vec<Device>> {
        let _lock = self.lock()?;
        let mut file = read_file(&self.path)?;
        let now = crate::clock::unix_now();
        let mut added = Vec::with_capacity(new.len());
        let mut replaced = Vec::new();
        for (i, n) in new.iter().enumerate() {
            validate_name(&n.name)?;
            if let Some(serial) = &n.serial {
                validate_serial(serial)?;
            }
            n.account.params.validate()?;
            if new[..i].iter().any(|other| other.name == n.name) {
                return Err(Error::DeviceExists(n.name.clone()));
            }
            let mut old = None;
            if let Some(pos) = file.devices.iter().position(|d| d.name == n.name) {
                if !force {
                    return Err(Error::DeviceExists(n.name.clone()));
                }
                let gone = file.devices.remove(pos);
                old = Some(gone.clone());
                replaced.push(gone);
            }
            let kept = |f: fn(&Device) -> &Option<String>| old.as_ref().and_then(|o| f(o).clone());
            added.push(Device {
                name: n.name.clone(),
                id: uuid::Uuid::new_v4().simple().to_string(),
                serial: n.serial.clone().or_else(|| kept(|o| &o.serial)),
                issuer: n.account.issuer.clone().or_else(|| kept(|o| &o.issuer)),
                account: n.account.account.clone().or_else(|| kept(|o| &o.account)),
                params: n.account.params,
                ask_before_use: old.as_ref().is_some_and(|o| o.ask_before_use),
                added: now,
                location: if n.seal.is_some() {
                    Location::Tpm
                } else {
                    Location::Store
                },
                tpm_pin: n.seal.as_ref().is_some_and(|s| s.pin.is_some()),
            });
        }

        // Sealing next: a TPM that refuses changes nothing either.
        let mut secrets = Vec::with_capacity(new.len());
        let mut tpm = None;
        // Pinned by the devices that stay (a replaced one's TPM may be the cleared one); the
        // first seed sealed pins the rest of the batch when nothing did.
        let mut pinned = if new.iter().any(|n| n.seal.is_some()) {
            self.storage_key_pins(&file.devices)?
        } else {
            Vec::new()
        };
        for (device, n) in added.iter().zip(&new) {
            secrets.push(match &n.seal {
                None => crate::secret::SecretBytes::new(
                    n.account.seed.to_base32().expose().as_bytes().to_vec(),
                ),
                Some(seal) => {
                    let tpm = match &mut tpm {
                        Some(tpm) => tpm,
                        None => tpm.insert(sealing::open_tpm(&device.name)?),
                    };
                    let key = sealing::seal_verified(
                        tpm,
                        &device.name,
                        &n.account.seed,
                        n.account.params,
                        seal,
                        &pinned,
                    )?;
                    if pinned.is_empty() {
                        pinned.extend(key.parent_name());
                    }
                    crate::secret::SecretBytes::new(key.to_bytes())
                }
            });
        }
        drop(tpm);

        // Then the store: if the keyring refuses, nothing has changed yet.
        let mut stored: Vec<&Device> = Vec::new();
        for (device, secret) in added.iter().zip(&secrets) {
            if let Err(e) = self.store.set(
                &device.keyring_key(),
                &device.keyring_label(),
                secret.expose(),
            ) {
                self.forget(&stored);
                return Err(e);
            }
            stored.push(device);
        }
        file.devices.extend(added.iter().cloned());
        if let Err(e) = write_file(&self.path, &file) {
            self.forget(&stored);
            return Err(e);
        }
        for old in &replaced {
            if let Err(e) = self.store.delete(&old.keyring_key()) {
                tracing::warn!(device = %old.name, "could not delete the replaced seed: {e}");
            }
        }
        Ok(added)
    }

    /// Removes a device's seed and metadata together.
    pub fn remove(&self, name_or_serial: &str) -> Result<Device> {
        let _lock = self.lock()?;
        let mut file = read_file(&self.path)?;
        let device = find_in(&file.devices, name_or_serial)?;
        // Keep the seed so the deletion can be undone if the metadata cannot be written.
        let seed = self.store.get(&device.keyring_key())?;
        self.store.delete(&device.keyring_key())?;
        file.devices.retain(|d| d.id != device.id);
        if let Err(e) = write_file(&self.path, &file) {
            if let Some(seed) = seed {
                let _ = self.store.set(
                    &device.keyring_key(),
                    &device.keyring_label(),
                    seed.expose(),
                );
            }
            return Err(e);
        }
        Ok(device)
    }

    /// Renames a device; the keyring item stays where it is.
    pub fn rename(&self, old: &str, new: &str) -> Result<Device> {
        validate_name(new)?;
        self.update(old, |others, d| {
            if others.iter().any(|o| o.name == new) {
                return Err(Error::DeviceExists(new.to_owned()));
            }
            d.name = new.to_owned();
            Ok(())
        })
    }

    /// Sets or clears a device's AWS serial ARN.
    pub fn set_serial(&self, name: &str, serial: Option<&str>) -> Result<Device> {
        if let Some(serial) = serial {
            validate_serial(serial)?;
        }
        self.update(name, |_, d| {
            d.serial = serial.map(str::to_owned);
            Ok(())
        })
    }

    /// Sets whether a profile must ask before using this device.
    pub fn set_ask_before_use(&self, name: &str, ask: bool) -> Result<Device> {
        self.update(name, |_, d| {
            d.ask_before_use = ask;
            Ok(())
        })
    }

    /// Changes one device's metadata under the lock and writes the file; `change` sees the
    /// other devices too (to refuse a duplicate name).
    fn update(
        &self,
        name_or_serial: &str,
        change: impl FnOnce(&[Device], &mut Device) -> Result<()>,
    ) -> Result<Device> {
        let _lock = self.lock()?;
        let mut file = read_file(&self.path)?;
        let mut device = find_in(&file.devices, name_or_serial)?;
        let others: Vec<Device> = file
            .devices
            .iter()
            .filter(|d| d.id != device.id)
            .cloned()
            .collect();
        change(&others, &mut device)?;
        let entry = file
            .devices
            .iter_mut()
            .find(|d| d.id == device.id)
            .expect("found above");
        *entry = device.clone();
        write_file(&self.path, &file)?;
        Ok(device)
    }

    /// The device's seed from the keyring; a seed sealed in the TPM cannot be read.
    pub fn seed(&self, device: &Device) -> Result<TotpSeed> {
        if device.location == Location::Tpm {
            return Err(Error::SeedSealed(device.name.clone()));
        }
        let bytes = self
            .store
            .get(&device.keyring_key())?
            .ok_or_else(|| self.seed_missing(device))?;
        let text = std::str::from_utf8(bytes.expose()).map_err(|_| Error::Keyring {
            op: "read a secret",
            detail: format!("the seed of `{}` is not text", device.name),
        })?;
        Ok(TotpSeed::from_base32(text)?.0)
    }

    /// A code generator for the device; `pin` is asked for the PIN of a sealed device whose
    /// key has one.
    pub fn totp(&self, device: &Device, pin: PinPrompt<'_>) -> Result<Totp> {
        match device.location {
            Location::Store => Totp::new(&self.seed(device)?, device.params),
            Location::Tpm => self.sealed_totp(device, pin),
        }
    }

    /// The error for a device whose secret is not in the store, naming the configured store.
    pub fn seed_missing(&self, device: &Device) -> Error {
        let config_dir = self.path.parent().unwrap_or(Path::new("."));
        Error::SeedMissing {
            device: device.name.clone(),
            store: match crate::settings::StoreKind::configured(config_dir) {
                crate::settings::StoreKind::Keyring => "OS keyring",
                crate::settings::StoreKind::Vault => "vault",
            },
        }
    }

    /// Whether the device's secret (its seed, or its sealed key) is in the store.
    pub fn secret_present(&self, device: &Device) -> Result<bool> {
        Ok(self.store.get(&device.keyring_key())?.is_some())
    }

    /// The otpauth URI of a device, for a phone backup. Holds the seed.
    pub fn otpauth_uri(&self, device: &Device) -> Result<SecretString> {
        let seed = self.seed(device)?;
        let account = device.account.as_deref().unwrap_or(&device.name);
        Ok(crate::otpauth::to_uri(
            &seed,
            device.params,
            device.issuer.as_deref(),
            account,
        ))
    }

    fn forget(&self, devices: &[&Device]) {
        for d in devices {
            if let Err(e) = self.store.delete(&d.keyring_key()) {
                tracing::warn!(device = %d.name, "could not undo storing a seed: {e}");
            }
        }
    }

    /// Serialises read-modify-write of the metadata file across processes (`.devices.lock`
    /// beside it), waiting at most [`DEVICE_LOCK_TIMEOUT`].
    fn lock(&self) -> Result<RefreshLock> {
        let dir = self.path.parent().expect("config path has a parent");
        RefreshLock::acquire(
            dir,
            ".devices",
            DEVICE_LOCK_TIMEOUT,
            "change the device list",
        )
    }
}

/// The device in `devices` that answers for the AWS MFA serial `serial`: the one rule for
/// which stored seed makes a profile's codes.
pub fn by_serial<'d>(devices: &'d [Device], serial: &str) -> Option<&'d Device> {
    devices.iter().find(|d| d.serial.as_deref() == Some(serial))
}

fn find_in(devices: &[Device], name_or_serial: &str) -> Result<Device> {
    devices
        .iter()
        .find(|d| d.name == name_or_serial)
        .or_else(|| by_serial(devices, name_or_serial))
        .cloned()
        .ok_or_else(|| Error::DeviceNotFound(name_or_serial.to_owned()))
}

/// The devices listed in `config_dir`'s `devices.toml`, reading no secret and opening no
/// store (shell completion asks for the names at every TAB).
pub fn list_in(config_dir: &Path) -> Result<Vec<Device>> {
    Ok(read_file(&config_dir.join(FILE_NAME))?.devices)
}

fn read_file(path: &Path) -> Result<DeviceFile> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DeviceFile::default()),
        Err(source) => {
            return Err(Error::FileRead {
                path: path.to_owned(),
                cause: source,
            })
        }
    };
    toml::from_str(&text).map_err(|e| Error::ConfigParse {
        path: path.to_owned(),
        detail: e.message().to_owned(),
    })
}

fn write_file(path: &Path, file: &DeviceFile) -> Result<()> {
    let mut text = String::from(
        "# Otpilot's MFA devices. Seeds are not here: they are in the OS keyring.\n\
         # Edit with `otpilot device ...`.\n\n",
    );
    text.push_str(&toml::to_string(file).expect("device metadata serialises"));
    write_private_in_own_dir(path, text.as_bytes())
}

/// The one rule that turns a name from elsewhere (an IAM device name, an authenticator's
/// issuer and account) into a valid device name: characters a name may not hold become `-`,
/// at most 64 characters, and a name that would start with `-` (or be empty) gets `mfa` in
/// front.
pub fn name_from(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-@+".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(64);
    if validate_name(&name).is_err() {
        name = format!("mfa{}", name.trim_start_matches('-'));
        name.truncate(64);
    }
    name
}

/// `base`, or `base-2`, `base-3`, ... : the first that `taken` does not hold, still at most
/// 64 characters.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!("-{n}");
            let mut stem = base.to_owned();
            stem.truncate(64 - suffix.len());
            stem + &suffix
        })
        .find(|candidate| !taken(candidate))
        .expect("some suffix is free")
}

/// Names are used on command lines and in menus: keep them short and shell-friendly.
pub fn validate_name(name: &str) -> Result<()> {
    let bad = |reason| {
        Err(Error::InvalidDeviceName {
            name: name.chars().take(64).collect(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("it is empty");
    }
    if name.len() > 64 {
        return bad("use at most 64 characters");
    }
    if name.starts_with('-') {
        return bad("it must not start with `-`");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-@+".contains(c))
    {
        return bad("use letters, digits and . _ - @ + only");
    }
    if name.starts_with("arn:") {
        return bad("a name cannot look like an ARN; give the ARN with --serial");
    }
    Ok(())
}

/// An IAM MFA serial: `arn:PARTITION:iam::ACCOUNT:mfa/PATH/NAME`. Hardware tokens use other
/// serials (e.g. `GAHT12345678`), which are accepted as plain upper-case alphanumerics.
/// <https://docs.aws.amazon.com/IAM/latest/APIReference/API_MFADevice.html>
pub fn validate_serial(serial: &str) -> Result<()> {
    let bad = || Err(Error::InvalidSerial(serial.chars().take(200).collect()));
    if let Some(rest) = serial.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [partition, service, region, account, resource] = parts[..] else {
            return bad();
        };
        let ok = partition.starts_with("aws")
            && service == "iam"
            && region.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("mfa/").is_some_and(|n| {
                !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
            });
        return if ok { Ok(()) } else { bad() };
    }
    let hardware =
        (9..=256).contains(&serial.len()) && serial.bytes().all(|b| b.is_ascii_alphanumeric());
    if hardware {
        Ok(())
    } else {
        bad()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import;
    use crate::store::MemoryStore;
    use std::sync::atomic::Ordering;

    const SEED: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    fn new_device(name: &str, seed: &str) -> NewDevice {
        NewDevice {
            name: name.into(),
            serial: None,
            account: import::from_text(seed).unwrap().accounts.remove(0),
            seal: None,
        }
    }

    #[test]
    fn add_list_code_rename_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let devices = Devices::new(dir.path(), &store);
        let added = devices.add(vec![new_device("work", SEED)], false).unwrap();
        assert_eq!(store.len(), 1);
        let text = std::fs::read_to_string(devices.path()).unwrap();
        assert!(!text.contains(SEED), "seed leaked into the metadata file");
        assert_eq!(devices.list().unwrap(), added);

        let code = devices
            .totp(&added[0], &no_pin)
            .unwrap()
            .code_at(59)
            .unwrap()
            .code;
        assert_eq!(code.len(), 6);

        devices.rename("work", "prod").unwrap();
        assert!(matches!(
            devices.find("work"),
            Err(Error::DeviceNotFound(_))
        ));
        assert_eq!(
            devices
                .totp(&devices.find("prod").unwrap(), &no_pin)
                .unwrap()
                .code_at(59)
                .unwrap()
                .code,
            code
        );

        devices.remove("prod").unwrap();
        assert!(devices.list().unwrap().is_empty());
        assert!(store.is_empty());
    }

    #[test]
    fn duplicates_need_force_and_force_replaces_the_seed() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let devices = Devices::new(dir.path(), &store);
        devices.add(vec![new_device("a", SEED)], false).unwrap();
        let other = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert!(matches!(
            devices.add(vec![new_device("a", other)], false),
            Err(Error::DeviceExists(_))
        ));
        devices.add(vec![new_device("a", other)], true).unwrap();
        assert_eq!(store.len(), 1, "the replaced seed is deleted");
        let seed = devices.seed(&devices.find("a").unwrap()).unwrap();
        assert_eq!(seed.to_base32().expose(), other);
    }

    #[test]
    fn force_keeps_the_serial_and_settings_unless_told_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let devices = Devices::new(dir.path(), &store);
        let serial = "arn:aws:iam::123456789012:mfa/alice";
        let mut first = new_device("a", SEED);
        first.serial = Some(serial.into());
        devices.add(vec![first], false).unwrap();
        devices.set_ask_before_use("a", true).unwrap();
        let other = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        let again = devices.add(vec![new_device("a", other)], true).unwrap();
        assert_eq!(again[0].serial.as_deref(), Some(serial));
        assert!(again[0].ask_before_use);
        assert_eq!(devices.find("a").unwrap().serial.as_deref(), Some(serial));
        // A serial given with the new seed wins.
        let mut moved = new_device("a", SEED);
        moved.serial = Some("arn:aws:iam::123456789012:mfa/bob".into());
        let moved = devices.add(vec![moved], true).unwrap();
        assert_eq!(
            moved[0].serial.as_deref(),
            Some("arn:aws:iam::123456789012:mfa/bob")
        );
    }

    #[test]
    fn a_locked_keyring_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let devices = Devices::new(dir.path(), &store);
        devices.add(vec![new_device("a", SEED)], false).unwrap();
        let before = std::fs::read(devices.path()).unwrap();
        store.locked.store(true, Ordering::SeqCst);
        assert!(matches!(
            devices.add(vec![new_device("b", SEED)], false),
            Err(Error::KeyringLocked)
        ));
        assert!(matches!(devices.remove("a"), Err(Error::KeyringLocked)));
        assert_eq!(std::fs::read(devices.path()).unwrap(), before);
        store.locked.store(false, Ordering::SeqCst);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_failed_metadata_write_undoes_the_keyring_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        // A directory where the file should be makes the rename fail.
        std::fs::create_dir_all(dir.path().join(FILE_NAME).join("x")).unwrap();
        let devices = Devices::new(dir.path(), &store);
        assert!(devices.add(vec![new_device("a", SEED)], false).is_err());
        assert!(store.is_empty());
    }

    #[test]
    fn find_by_serial() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let devices = Devices::new(dir.path(), &store);
        let mut d = new_device("a", SEED);
        d.serial = Some("arn:aws:iam::123456789012:mfa/alice".into());
        devices.add(vec![d], false).unwrap();
        assert_eq!(
            devices
                .find("arn:aws:iam::123456789012:mfa/alice")
                .unwrap()
                .name,
            "a"
        );
    }

    #[test]
    fn names_and_serials() {
        for good in ["work", "prod-admin", "alice@acme", "a.b_c+d"] {
            validate_name(good).unwrap();
        }
        for bad in [
            "",
            "-x",
            "has space",
            "arn:aws:iam::1:mfa/x",
            &"x".repeat(65),
        ] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
        for good in [
            "arn:aws:iam::123456789012:mfa/alice",
            "arn:aws-us-gov:iam::123456789012:mfa/path/bob",
            "arn:aws-cn:iam::123456789012:mfa/carol.d",
            "GAHT12345678",
        ] {
            validate_serial(good).unwrap();
        }
        for bad in [
            "arn:aws:iam::12345:mfa/alice",
            "arn:aws:sts::123456789012:mfa/alice",
            "arn:aws:iam::123456789012:user/alice",
            "arn:aws:iam::123456789012:mfa/",
            "short",
        ] {
            assert!(validate_serial(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_damaged_file_is_reported_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let devices = Devices::new(dir.path(), &store);
        std::fs::write(devices.path(), "[[device]\nname=").unwrap();
        assert!(matches!(devices.list(), Err(Error::ConfigParse { .. })));
        assert!(devices.add(vec![new_device("a", SEED)], false).is_err());
        assert_eq!(
            std::fs::read_to_string(devices.path()).unwrap(),
            "[[device]\nname="
        );
        assert!(store.is_empty());
    }
}

#[cfg(test)]
mod ask_tests {
    use super::*;

    #[test]
    fn ask_before_use_survives_a_round_trip() {
        let text = "[[device]]\nname = \"a\"\nid = \"x\"\nalgorithm = \"SHA1\"\ndigits = 6\nperiod = 30\nask_before_use = true\nadded = 1\n";
        let file: DeviceFile = toml::from_str(text).unwrap();
        assert!(file.devices[0].ask_before_use);
    }
}
