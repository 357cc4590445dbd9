//! Where the TPM is, in the TCTI configuration syntax tpm2-tools use, and the link to it.
//!
//! - `device:/dev/tpmrm0` (the default): the kernel's resource-managed character device,
//!   which flushes what a process left loaded when it closes the file. Opening it is the
//!   OS-specific part, behind [`crate::platform::open_tpm_device`].
//! - `swtpm:host=127.0.0.1,port=2321`: a software TPM's TCP server, raw commands on `port`.
//!   There is no resource manager there, so every transient object is flushed by Otpilot.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use super::wire::{HEADER_LEN, MAX_RESPONSE};
use super::TpmError;

pub const DEFAULT_DEVICE: &str = "/dev/tpmrm0";
const SWTPM_DEFAULT_PORT: u16 = 2321;
/// The slowest command Otpilot sends is creating a primary key: seconds on a slow TPM.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the TPM is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tcti {
    Device(PathBuf),
    Swtpm { host: String, port: u16 },
}

impl Tcti {
    /// `OTPILOT_TPM_TCTI`, else `TPM2TOOLS_TCTI`, else `device:/dev/tpmrm0`.
    pub fn from_env() -> Result<Self, TpmError> {
        for var in ["OTPILOT_TPM_TCTI", "TPM2TOOLS_TCTI"] {
            if let Ok(value) = std::env::var(var) {
                if !value.trim().is_empty() {
                    return Self::parse(&value).map_err(|detail| TpmError::Config {
                        variable: var,
                        detail,
                    });
                }
            }
        }
        Ok(Self::Device(DEFAULT_DEVICE.into()))
    }

    /// Reads `name[:config]`; the error says what is wrong, without echoing more than the
    /// TCTI's name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, config) = text.trim().split_once(':').unwrap_or((text.trim(), ""));
        match name {
            "device" => Ok(Self::Device(if config.is_empty() {
                DEFAULT_DEVICE.into()
            } else {
                config.into()
            })),
            "swtpm" => {
                let mut host = "127.0.0.1".to_owned();
                let mut port = SWTPM_DEFAULT_PORT;
                for part in config.split(',').filter(|p| !p.is_empty()) {
                    match part.split_once('=') {
                        Some(("host", h)) if !h.is_empty() => host = h.to_owned(),
                        Some(("port", p)) => {
                            port = p
                                .parse()
                                .map_err(|_| "the swtpm port is not a number".to_owned())?
                        }
                        _ => {
                            return Err(
                                "the swtpm configuration takes host=HOST,port=PORT".to_owned()
                            )
                        }
                    }
                }
                Ok(Self::Swtpm { host, port })
            }
            other => Err(format!(
                "the TCTI `{}` is not one Otpilot speaks; use device:/dev/tpmrm0 or swtpm:host=HOST,port=PORT",
                other.chars().take(20).collect::<String>()
            )),
        }
    }

    pub(super) fn connect(&self) -> Result<Box<dyn Link>, TpmError> {
        match self {
            Self::Device(path) => {
                let file = crate::platform::open_tpm_device(path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::PermissionDenied => {
                        TpmError::Permission { path: path.clone() }
                    }
                    _ => TpmError::Unavailable {
                        at: self.to_string(),
                        detail: e.to_string(),
                    },
                })?;
                Ok(Box::new(DeviceLink { file }))
            }
            Self::Swtpm { host, port } => {
                let unavailable = |detail: String| TpmError::Unavailable {
                    at: self.to_string(),
                    detail,
                };
                let addr = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|e| unavailable(e.to_string()))?
                    .next()
                    .ok_or_else(|| unavailable("the host has no address".into()))?;
                let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
                    .map_err(|e| unavailable(e.to_string()))?;
                stream
                    .set_read_timeout(Some(ANSWER_TIMEOUT))
                    .and_then(|()| stream.set_nodelay(true))
                    .map_err(|e| unavailable(e.to_string()))?;
                Ok(Box::new(StreamLink { stream }))
            }
        }
    }
}

impl std::fmt::Display for Tcti {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Device(path) => write!(f, "device:{}", path.display()),
            Self::Swtpm { host, port } => write!(f, "swtpm:host={host},port={port}"),
        }
    }
}

/// One command in, its whole response out.
pub(super) trait Link {
    fn transact(&mut self, command: &[u8]) -> std::io::Result<Zeroizing<Vec<u8>>>;
}

/// A TPM character device: one write is one command, one read is its whole response.
struct DeviceLink {
    file: std::fs::File,
}

impl Link for DeviceLink {
    fn transact(&mut self, command: &[u8]) -> std::io::Result<Zeroizing<Vec<u8>>> {
        self.file.write_all(command)?;
        let mut buf = Zeroizing::new(vec![0u8; MAX_RESPONSE]);
        let n = self.file.read(&mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }
}

/// A stream (swtpm's TCP server): the header says how much follows.
struct StreamLink {
    stream: TcpStream,
}

impl Link for StreamLink {
    fn transact(&mut self, command: &[u8]) -> std::io::Result<Zeroizing<Vec<u8>>> {
        self.stream.write_all(command)?;
        let mut buf = Zeroizing::new(vec![0u8; HEADER_LEN]);
        self.stream.read_exact(&mut buf)?;
        let size = u32::from_be_bytes([buf[2], buf[3], buf[4], buf[5]]) as usize;
        if !(HEADER_LEN..=MAX_RESPONSE).contains(&size) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the TPM's answer has an impossible size",
            ));
        }
        buf.resize(size, 0);
        self.stream.read_exact(&mut buf[HEADER_LEN..])?;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_configurations_tpm2_tools_use() {
        assert_eq!(
            Tcti::parse("device:/dev/tpm0").unwrap(),
            Tcti::Device("/dev/tpm0".into())
        );
        assert_eq!(
            Tcti::parse("device").unwrap(),
            Tcti::Device(DEFAULT_DEVICE.into())
        );
        assert_eq!(
            Tcti::parse("swtpm:host=10.0.0.2,port=4000").unwrap(),
            Tcti::Swtpm {
                host: "10.0.0.2".into(),
                port: 4000
            }
        );
        assert_eq!(
            Tcti::parse("swtpm:port=4000").unwrap(),
            Tcti::Swtpm {
                host: "127.0.0.1".into(),
                port: 4000
            }
        );
        assert!(Tcti::parse("tabrmd:bus_type=session")
            .unwrap_err()
            .contains("`tabrmd`"));
        assert!(Tcti::parse("swtpm:port=x").is_err());
        assert!(Tcti::parse("swtpm:speed=9").is_err());
        assert_eq!(
            Tcti::parse("swtpm:host=h,port=1").unwrap().to_string(),
            "swtpm:host=h,port=1"
        );
    }
}
