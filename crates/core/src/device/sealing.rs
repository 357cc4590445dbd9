//! Seeds sealed in the TPM: sealing a new device's seed, moving a keyring seed into the TPM
//! (`device protect`), and the code generator of a sealed device.
//!
//! The rules both sealing paths share: a sealed key is only kept after the TPM's code for
//! the current step has matched the software code of the same seed, so a key that would
//! make wrong codes is never stored in place of a good seed; and a seed is only sent to a
//! TPM that answers with the storage key the machine's sealed devices were made under
//! ([`Devices::storage_key_pins`]), so a stand-in for the TPM learns nothing.

use super::{find_in, read_file, write_file, Device, Devices, Location};
use crate::clock::unix_now;
use crate::error::{Error, Result};
use crate::secret::SecretString;
use crate::totp::{truncate, Totp, TotpParams, TotpSeed};
use crate::tpm::{SealedKey, Tcti, Tpm};

/// How to seal a new device: into this machine's TPM, with a PIN or without.
#[derive(Clone, Default)]
pub struct Seal {
    pub pin: Option<SecretString>,
}

/// Shortest and longest TPM PIN. The longest is the TPM's limit for an authValue under a
/// SHA-256 name (32 bytes).
const PIN_MIN_CHARS: usize = 4;
const PIN_MAX_BYTES: usize = 32;

/// Asks for a sealed device's PIN; `Ok(None)` when nobody can be asked.
pub type PinPrompt<'a> = &'a dyn Fn(&str) -> Result<Option<SecretString>>;

/// For callers that can ask nobody (the tray's menu, a background refresh).
pub fn no_pin(_device: &str) -> Result<Option<SecretString>> {
    Ok(None)
}

/// The one rule for a new TPM PIN.
pub fn validate_pin(pin: &SecretString) -> Result<()> {
    let text = pin.expose();
    if text.chars().count() < PIN_MIN_CHARS {
        return Err(Error::InvalidPin("use at least 4 characters"));
    }
    if text.len() > PIN_MAX_BYTES {
        return Err(Error::InvalidPin("use at most 32 bytes"));
    }
    if text.ends_with('\0') {
        return Err(Error::InvalidPin("it must not end with a NUL character"));
    }
    Ok(())
}

/// Where the TPM is, as a person configured it.
pub fn tpm_location() -> Result<Tcti> {
    Tcti::from_env().map_err(|e| e.for_device(""))
}

/// The manufacturer of the TPM Otpilot would use, proving it answers.
pub fn tpm_manufacturer() -> Result<String> {
    open_tpm("")?.manufacturer().map_err(|e| e.for_device(""))
}

/// Opens the TPM for sealing `device`.
pub(super) fn open_tpm(device: &str) -> Result<Tpm> {
    Tpm::open(&tpm_location()?).map_err(|e| e.for_device(device))
}

/// Seals `seed` for `device` under a storage key whose Name is in `pinned` (any, when
/// empty) and proves the sealed key makes the same code as the seed.
pub(super) fn seal_verified(
    tpm: &mut Tpm,
    device: &str,
    seed: &TotpSeed,
    params: TotpParams,
    seal: &Seal,
    pinned: &[Vec<u8>],
) -> Result<SealedKey> {
    if let Some(pin) = &seal.pin {
        validate_pin(pin)?;
    }
    let pin = seal.pin.as_ref().map(|p| p.expose().as_bytes());
    let key = tpm
        .seal(seed.expose(), params.algorithm.to_tpm(), pin, pinned)
        .map_err(|e| e.for_device(device))?;
    let software = Totp::new(seed, params)?;
    let step = software.step_at(unix_now());
    // The codes of this step and the next, from the TPM over this same link (a software
    // TPM serves one link at a time); two steps, so a match is no coincidence.
    let counters = [step.to_be_bytes(), (step + 1).to_be_bytes()];
    let macs = tpm
        .hmac_each(
            &key,
            params.algorithm.to_tpm(),
            pin,
            &[&counters[0], &counters[1]],
        )
        .map_err(|e| e.for_device(device))?;
    let sealed: Vec<String> = macs
        .iter()
        .map(|mac| truncate(mac, params.digits))
        .collect::<Result<_>>()?;
    if sealed != software.codes_for_steps(&[step, step + 1])? {
        return Err(Error::Tpm {
            op: "seal the seed",
            detail: "the sealed key's code differs from the seed's; nothing was changed".into(),
        });
    }
    Ok(key)
}

impl Devices<'_> {
    /// The Names of the storage keys the sealed devices among `devices` were made under: a
    /// new seed is only sealed under one of them. Each sealed key has recorded its parent's
    /// Name since the first sealed device, so devices sealed by an older Otpilot pin it
    /// too; with no sealed device left (none yet, or all removed after the TPM was cleared)
    /// the next seal trusts the TPM's storage key and pins it.
    pub(super) fn storage_key_pins(&self, devices: &[Device]) -> Result<Vec<Vec<u8>>> {
        let mut pins = Vec::new();
        for device in devices.iter().filter(|d| d.location == Location::Tpm) {
            let Some(bytes) = self.store.get(&device.keyring_key())? else {
                continue;
            };
            let name = SealedKey::from_bytes(bytes.expose())
                .ok()
                .and_then(|key| key.parent_name());
            if let Some(name) = name.filter(|n| !pins.contains(n)) {
                pins.push(name);
            }
        }
        Ok(pins)
    }

    /// Moves a device's seed from the keyring into the TPM. The sealed key is stored under
    /// a new keyring item and the device's entry switched to it before the seed's item is
    /// deleted; a failure before that leaves the device exactly as it was.
    pub fn protect(&self, name_or_serial: &str, seal: &Seal) -> Result<Device> {
        let _lock = self.lock()?;
        let mut file = read_file(&self.path)?;
        let device = find_in(&file.devices, name_or_serial)?;
        if device.location == Location::Tpm {
            return Err(Error::AlreadySealed(device.name));
        }
        let seed = self.seed(&device)?;
        let pinned = self.storage_key_pins(&file.devices)?;
        let mut tpm = open_tpm(&device.name)?;
        let key = seal_verified(&mut tpm, &device.name, &seed, device.params, seal, &pinned)?;
        drop(seed);
        let sealed = Device {
            id: uuid::Uuid::new_v4().simple().to_string(),
            location: Location::Tpm,
            tpm_pin: seal.pin.is_some(),
            ..device.clone()
        };
        self.store.set(
            &sealed.keyring_key(),
            &sealed.keyring_label(),
            &key.to_bytes(),
        )?;
        let entry = file
            .devices
            .iter_mut()
            .find(|d| d.id == device.id)
            .expect("found above");
        *entry = sealed.clone();
        if let Err(e) = write_file(&self.path, &file) {
            self.forget(&[&sealed]);
            return Err(e);
        }
        self.store
            .delete(&device.keyring_key())
            .map_err(|e| Error::Keyring {
                op: "delete the keyring copy of the seed",
                detail: format!(
                    "{e}; `{}` is sealed in the TPM now, but its old seed is still in the keyring as `{}`: delete that item with your keyring's manager",
                    device.name,
                    device.keyring_key()
                ),
            })?;
        Ok(sealed)
    }

    /// Whether this machine's TPM can load the device's sealed key (not using it, so no PIN
    /// is needed and no wrong try is counted).
    pub fn check_sealed(&self, device: &Device) -> Result<()> {
        let bytes = self
            .store
            .get(&device.keyring_key())?
            .ok_or_else(|| self.seed_missing(device))?;
        let key = SealedKey::from_bytes(bytes.expose()).map_err(|e| e.for_device(&device.name))?;
        open_tpm(&device.name)?
            .check(&key)
            .map_err(|e| e.for_device(&device.name))
    }

    /// The code generator of a sealed device, asking `pin` for the PIN when its key has one.
    pub(super) fn sealed_totp(&self, device: &Device, pin: PinPrompt<'_>) -> Result<Totp> {
        let bytes = self
            .store
            .get(&device.keyring_key())?
            .ok_or_else(|| self.seed_missing(device))?;
        let key = SealedKey::from_bytes(bytes.expose()).map_err(|e| e.for_device(&device.name))?;
        let pin = if key.pin {
            Some(pin(&device.name)?.ok_or_else(|| Error::TpmPinNeeded(device.name.clone()))?)
        } else {
            None
        };
        Totp::sealed(&device.name, tpm_location()?, key, pin, device.params)
    }
}
