//! TOTP seeds and codes (RFC 6238), computed with totp-rs, or by the TPM for a sealed seed
//! (the TPM computes the HMAC; the truncation of RFC 4226 is done here).
//!
//! Seeds are accepted the way people paste them: any case, with spaces or dashes between
//! groups, with or without `=` padding. AWS virtual MFA devices use SHA-1, 6 digits and 30 s
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html>.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::secret::{SecretBytes, SecretString};
use crate::tpm::{SealedKey, Tcti, Tpm};

/// RFC 4226 asks for at least 128 bits; some services still issue 80-bit seeds, which work.
const RECOMMENDED_SEED_BITS: usize = 128;
/// Below this nothing real issues seeds: it is almost certainly a truncated paste.
const MINIMUM_SEED_BITS: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Algorithm {
    #[default]
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA512")]
    Sha512,
}

impl Algorithm {
    /// Parses the names used in otpauth URIs (`SHA1`, `sha256`, ...).
    pub fn parse(name: &str) -> Result<Self> {
        match name.to_ascii_uppercase().replace('-', "").as_str() {
            "SHA1" => Ok(Self::Sha1),
            "SHA256" => Ok(Self::Sha256),
            "SHA512" => Ok(Self::Sha512),
            _ => Err(Error::UnsupportedParams(format!(
                "algorithm `{name}` (use SHA1, SHA256 or SHA512)"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    pub(crate) fn to_tpm(self) -> crate::tpm::Hash {
        match self {
            Self::Sha1 => crate::tpm::Hash::Sha1,
            Self::Sha256 => crate::tpm::Hash::Sha256,
            Self::Sha512 => crate::tpm::Hash::Sha512,
        }
    }

    fn to_totp_rs(self) -> totp_rs::Algorithm {
        match self {
            Self::Sha1 => totp_rs::Algorithm::SHA1,
            Self::Sha256 => totp_rs::Algorithm::SHA256,
            Self::Sha512 => totp_rs::Algorithm::SHA512,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The public parameters of a TOTP generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpParams {
    pub algorithm: Algorithm,
    pub digits: u8,
    /// Step length in seconds.
    pub period: u64,
}

impl Default for TotpParams {
    /// AWS virtual MFA: SHA-1, 6 digits, 30 seconds.
    fn default() -> Self {
        Self {
            algorithm: Algorithm::Sha1,
            digits: 6,
            period: 30,
        }
    }
}

impl TotpParams {
    pub fn validate(&self) -> Result<()> {
        if !(6..=8).contains(&self.digits) {
            return Err(Error::UnsupportedParams(format!(
                "{} digits (TOTP codes have 6 to 8)",
                self.digits
            )));
        }
        if !(1..=600).contains(&self.period) {
            return Err(Error::UnsupportedParams(format!(
                "a period of {} seconds (expected 30 or 60)",
                self.period
            )));
        }
        Ok(())
    }
}

/// A TOTP shared secret. Zeroized on drop; deliberately neither `Debug` nor `Display`.
#[derive(Clone, PartialEq)]
pub struct TotpSeed(SecretBytes);

impl TotpSeed {
    /// Wraps raw seed bytes, refusing ones too short to be real. A short-but-usable seed comes
    /// back with a warning for the user.
    pub fn from_bytes(bytes: SecretBytes) -> Result<(Self, Option<String>)> {
        let bits = bytes.len() * 8;
        if bits < MINIMUM_SEED_BITS {
            return Err(Error::SeedTooShort { bits });
        }
        let warning = (bits < RECOMMENDED_SEED_BITS).then(|| {
            format!(
                "this seed is only {bits} bits long (RFC 4226 asks for at least 128); it works, \
                 but ask the service for a new device when you can"
            )
        });
        Ok((Self(bytes), warning))
    }

    /// Parses a base32 seed as people paste it.
    pub fn from_base32(text: &str) -> Result<(Self, Option<String>)> {
        Self::from_bytes(decode_base32_lenient(text)?)
    }

    /// Canonical form: upper case, no padding, no spaces (what authenticator apps accept).
    pub fn to_base32(&self) -> SecretString {
        SecretString::new(data_encoding::BASE32_NOPAD.encode(self.0.expose()))
    }

    pub fn bits(&self) -> usize {
        self.0.len() * 8
    }

    pub(crate) fn expose(&self) -> &[u8] {
        self.0.expose()
    }
}

/// Decodes base32 (RFC 4648 alphabet) ignoring case, spaces, dashes and `=` padding.
/// Leftover bits that do not fill a byte are dropped, as authenticator apps do.
pub fn decode_base32_lenient(text: &str) -> Result<SecretBytes> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    let mut seen_padding = false;
    let mut any = false;
    for c in text.chars() {
        let value = match c {
            ' ' | '\t' | '\n' | '\r' | '-' => continue,
            '=' => {
                seen_padding = true;
                continue;
            }
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32,
            '2'..='7' => c as u32 - '2' as u32 + 26,
            '0' | '1' | '8' | '9' => {
                // Zeroize what was decoded so far before failing.
                let _ = SecretBytes::new(out);
                return Err(Error::InvalidBase32(
                    "it contains the digit 0, 1, 8 or 9, which base32 does not use",
                ));
            }
            _ => {
                let _ = SecretBytes::new(out);
                return Err(Error::InvalidBase32(
                    "it contains a character other than A-Z, 2-7, spaces and `=`",
                ));
            }
        };
        if seen_padding {
            let _ = SecretBytes::new(out);
            return Err(Error::InvalidBase32("`=` padding appears before the end"));
        }
        any = true;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    if !any {
        return Err(Error::EmptySecret);
    }
    Ok(SecretBytes::new(out))
}

/// A code and how long it stays current.
#[derive(Clone, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub remaining_seconds: u64,
    pub next_code: String,
    /// The RFC 6238 time step this code belongs to (`unix_time / period`).
    pub step: u64,
}

/// A TOTP generator: a seed (or a TPM key sealed from one) with its parameters.
pub struct Totp {
    params: TotpParams,
    mac: Mac,
}

enum Mac {
    Software(totp_rs::Totp),
    Sealed(Sealed),
}

/// A seed sealed in a TPM: where the TPM is, its wrapped key, and the key's PIN if it has
/// one. The device's name is for error messages.
struct Sealed {
    device: String,
    at: Tcti,
    key: SealedKey,
    pin: Option<SecretString>,
}

impl Totp {
    pub fn new(seed: &TotpSeed, params: TotpParams) -> Result<Self> {
        params.validate()?;
        // Non-compliant build: short seeds are allowed (warned about at import instead).
        let inner = totp_rs::Builder::new()
            .with_algorithm(params.algorithm.to_totp_rs())
            .with_digits(params.digits)
            .with_step_duration(params.period)
            .with_skew(0)
            .with_secret(seed.expose().to_vec())
            .build_noncompliant();
        Ok(Self {
            params,
            mac: Mac::Software(inner),
        })
    }

    /// Codes from the TPM at `at`, for the device `device` whose seed it sealed as `key`.
    pub fn sealed(
        device: &str,
        at: Tcti,
        key: SealedKey,
        pin: Option<SecretString>,
        params: TotpParams,
    ) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            params,
            mac: Mac::Sealed(Sealed {
                device: device.to_owned(),
                at,
                key,
                pin,
            }),
        })
    }

    pub fn params(&self) -> TotpParams {
        self.params
    }

    /// Whether the TPM computes this generator's codes.
    pub fn is_sealed(&self) -> bool {
        matches!(self.mac, Mac::Sealed(_))
    }

    /// The time step that `unix_time` falls in.
    pub fn step_at(&self, unix_time: u64) -> u64 {
        unix_time / self.params.period
    }

    /// The code for one time step.
    pub fn code_for_step(&self, step: u64) -> Result<String> {
        Ok(self.codes_for_steps(&[step])?.remove(0))
    }

    /// The codes for several steps; a sealed seed opens the TPM once for all of them.
    pub fn codes_for_steps(&self, steps: &[u64]) -> Result<Vec<String>> {
        match &self.mac {
            Mac::Software(inner) => Ok(steps
                .iter()
                .map(|step| inner.generate(step * self.params.period).to_string())
                .collect()),
            Mac::Sealed(sealed) => {
                let counters: Vec<[u8; 8]> = steps.iter().map(|s| s.to_be_bytes()).collect();
                let messages: Vec<&[u8]> = counters.iter().map(|c| &c[..]).collect();
                let pin = sealed.pin.as_ref().map(|p| p.expose().as_bytes());
                let macs = Tpm::open(&sealed.at)
                    .and_then(|mut tpm| {
                        tpm.hmac_each(&sealed.key, self.params.algorithm.to_tpm(), pin, &messages)
                    })
                    .map_err(|e| e.for_device(&sealed.device))?;
                macs.iter()
                    .map(|mac| truncate(mac, self.params.digits))
                    .collect()
            }
        }
    }

    /// The code at `unix_time`, seconds until it changes, and the code after it.
    pub fn code_at(&self, unix_time: u64) -> Result<Code> {
        let step = self.step_at(unix_time);
        let mut codes = self.codes_for_steps(&[step, step + 1])?;
        let next_code = codes.pop().expect("two codes");
        Ok(Code {
            code: codes.pop().expect("two codes"),
            remaining_seconds: self.params.period - unix_time % self.params.period,
            next_code,
            step,
        })
    }
}

/// RFC 4226 §5.3 dynamic truncation of an HMAC into a `digits`-digit code.
pub(crate) fn truncate(mac: &[u8], digits: u8) -> Result<String> {
    let offset = (mac.last().copied().unwrap_or_default() & 0x0F) as usize;
    let Some(window) = mac.get(offset..offset + 4) else {
        return Err(Error::Tpm {
            op: "compute the code",
            detail: format!("its HMAC is {} bytes, too short", mac.len()),
        });
    };
    let binary = u32::from_be_bytes([window[0] & 0x7F, window[1], window[2], window[3]]);
    let code = binary % 10u32.pow(digits as u32);
    Ok(format!("{code:0width$}", width = digits as usize))
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_library_wipes_its_copy_of_the_seed() {
        // Compiles only while totp-rs is built with its `zeroize` feature.
        fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        wiped_on_drop::<totp_rs::Totp>();
    }
    use super::*;

    /// RFC 6238 appendix B: the seeds are the ASCII strings below, 8-digit codes, 30 s.
    const RFC_SEED_SHA1: &[u8] = b"12345678901234567890";
    const RFC_SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
    const RFC_SEED_SHA512: &[u8] =
        b"1234567890123456789012345678901234567890123456789012345678901234";
    const RFC_VECTORS: &[(u64, &str, &str, &str)] = &[
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];

    fn totp(seed: &[u8], algorithm: Algorithm, digits: u8) -> Totp {
        let (seed, _) = TotpSeed::from_bytes(SecretBytes::new(seed.to_vec())).unwrap();
        Totp::new(
            &seed,
            TotpParams {
                algorithm,
                digits,
                period: 30,
            },
        )
        .unwrap()
    }

    #[test]
    fn truncation_follows_rfc4226() {
        // RFC 4226 appendix D: HMAC-SHA1("12345678901234567890", counter 0) and its code.
        let mac = data_encoding::HEXLOWER
            .decode(b"cc93cf18508d94934c64b65d8ba7667fb7cde4b0")
            .unwrap();
        assert_eq!(truncate(&mac, 6).unwrap(), "755224");
        assert!(truncate(&mac[..4], 6).is_err());
    }

    #[test]
    fn rfc6238_vectors() {
        let sha1 = totp(RFC_SEED_SHA1, Algorithm::Sha1, 8);
        let sha256 = totp(RFC_SEED_SHA256, Algorithm::Sha256, 8);
        let sha512 = totp(RFC_SEED_SHA512, Algorithm::Sha512, 8);
        for &(t, c1, c256, c512) in RFC_VECTORS {
            assert_eq!(sha1.code_at(t).unwrap().code, c1, "SHA1 at {t}");
            assert_eq!(sha256.code_at(t).unwrap().code, c256, "SHA256 at {t}");
            assert_eq!(sha512.code_at(t).unwrap().code, c512, "SHA512 at {t}");
        }
    }

    #[test]
    fn six_digit_codes_are_the_low_digits_of_the_eight_digit_ones() {
        let six = totp(RFC_SEED_SHA1, Algorithm::Sha1, 6);
        assert_eq!(six.code_at(59).unwrap().code, "287082");
        assert_eq!(six.code_at(1111111109).unwrap().code, "081804");
    }

    #[test]
    fn remaining_and_next() {
        let t = totp(RFC_SEED_SHA1, Algorithm::Sha1, 8);
        let c = t.code_at(1111111109).unwrap();
        assert_eq!(c.remaining_seconds, 30 - 1111111109 % 30);
        assert_eq!(c.next_code, t.code_at(1111111109 + 30).unwrap().code);
        assert_eq!(c.step, 1111111109 / 30);
        // The last second of a step still has 1 second left, the first has the full period.
        assert_eq!(t.code_at(59).unwrap().remaining_seconds, 1);
        assert_eq!(t.code_at(60).unwrap().remaining_seconds, 30);
    }

    #[test]
    fn base32_as_people_paste_it() {
        let canonical = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let variants = [
            "jbswy3dpehpk3pxpjbswy3dpehpk3pxp",
            "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP",
            "jbsw-y3dp-ehpk-3pxp-jbsw-y3dp-ehpk-3pxp\n",
            "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP====",
        ];
        let (expected, _) = TotpSeed::from_base32(canonical).unwrap();
        for v in variants {
            let (seed, _) = TotpSeed::from_base32(v).unwrap();
            assert!(seed == expected, "{v:?}");
            assert_eq!(seed.to_base32().expose(), canonical);
        }
    }

    #[test]
    fn short_seeds_warn_and_tiny_ones_fail() {
        // 16 base32 chars = 80 bits: accepted with a warning.
        let (_, warning) = TotpSeed::from_base32("JBSWY3DPEHPK3PXP").unwrap();
        assert!(warning.unwrap().contains("80 bits"));
        let (_, warning) = TotpSeed::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
        assert!(warning.is_none());
        assert!(matches!(
            TotpSeed::from_base32("JBSWY3DP"),
            Err(Error::SeedTooShort { bits: 40 })
        ));
    }

    #[test]
    fn base32_errors_never_echo_input() {
        for bad in ["JBSWY3DP0HPK3PXP", "JBSWY3DP!HPK3PXP", "JBSW==Y3DPEHPK3PXP"] {
            let err = TotpSeed::from_base32(bad).err().unwrap().to_string();
            assert!(!err.contains("JBSW"), "{err}");
        }
        assert!(matches!(
            TotpSeed::from_base32("  "),
            Err(Error::EmptySecret)
        ));
    }

    #[test]
    fn params_are_validated() {
        let (seed, _) = TotpSeed::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
        for (digits, period) in [(5, 30), (9, 30), (6, 0)] {
            let p = TotpParams {
                algorithm: Algorithm::Sha1,
                digits,
                period,
            };
            assert!(Totp::new(&seed, p).is_err());
        }
        let sixty = TotpParams {
            period: 60,
            ..TotpParams::default()
        };
        let t = Totp::new(&seed, sixty).unwrap();
        assert_eq!(t.code_at(60).unwrap().code, t.code_at(119).unwrap().code);
        assert_ne!(t.code_at(60).unwrap().code, t.code_at(120).unwrap().code);
    }
}
