//! A software TPM (swtpm) of a test's own, on loopback, with its own state directory: a fresh
//! TPM per test, so a second one is "another machine's TPM" (see ../../../../shared/TESTING.md).
//! No resource manager sits in front of it: Otpilot flushes what it loads, as on a real one
//! behind /dev/tpmrm0.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Swtpm {
    child: Child,
    _state: tempfile::TempDir,
    pub port: u16,
}

impl Swtpm {
    /// A TPM that has been started (TPM2_Startup), as firmware leaves a real one.
    pub fn start() -> Self {
        Self::start_with("not-need-init,startup-clear")
    }

    /// A TPM powered on but never started: the first command it gets is answered
    /// TPM_RC_INITIALIZE until someone sends TPM2_Startup.
    pub fn start_unstarted() -> Self {
        Self::start_with("not-need-init")
    }

    fn start_with(flags: &str) -> Self {
        for _ in 0..20 {
            let port = free_port_pair();
            let state = tempfile::Builder::new()
                .prefix("otpilot-tpm-")
                .tempdir()
                .unwrap();
            let child = Command::new("swtpm")
                .args([
                    "socket",
                    "--tpm2",
                    "--tpmstate",
                    &format!("dir={}", state.path().display()),
                    "--server",
                    &format!("type=tcp,port={port},bindaddr=127.0.0.1"),
                    "--ctrl",
                    &format!("type=tcp,port={},bindaddr=127.0.0.1", port + 1),
                    "--flags",
                    flags,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("swtpm (Debian package swtpm)");
            let mut tpm = Self {
                child,
                _state: state,
                port,
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = tpm.child.try_wait() {
                    break; // the port was taken after all: try another
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return tpm;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("swtpm did not start on any free port");
    }

    /// The TCTI configuration, as tpm2-tools and Otpilot read it.
    pub fn tcti(&self) -> String {
        format!("swtpm:host=127.0.0.1,port={}", self.port)
    }

    /// tpm2-tools against this TPM (an independent client).
    pub fn tool(&self, name: &str) -> Command {
        let mut cmd = Command::new(name);
        cmd.env("TPM2TOOLS_TCTI", self.tcti());
        cmd
    }
}

impl Drop for Swtpm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port P with P+1 free too (swtpm's control channel).
fn free_port_pair() -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < 65535 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// A recording relay in front of a TPM's TCP port: what crosses the link, both ways, as a
/// probe on the TPM's bus would see it.
pub struct Wiretap {
    pub port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
}

impl Wiretap {
    pub fn on(tpm: &Swtpm) -> Self {
        use std::io::{Read, Write};
        use std::sync::{Arc, Mutex};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (target, log) = (tpm.port, seen.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let pipe = |mut from: TcpStream, mut to: TcpStream, log: Arc<Mutex<Vec<u8>>>| {
                    std::thread::spawn(move || {
                        let mut buf = [0u8; 4096];
                        while let Ok(n) = from.read(&mut buf) {
                            if n == 0 || to.write_all(&buf[..n]).is_err() {
                                break;
                            }
                            log.lock().unwrap().extend_from_slice(&buf[..n]);
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    })
                };
                let up = pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    log.clone(),
                );
                let down = pipe(server, client, log.clone());
                let _ = (up.join(), down.join());
            }
        });
        Self { port, seen }
    }

    pub fn tcti(&self) -> String {
        format!("swtpm:host=127.0.0.1,port={}", self.port)
    }

    /// Everything that crossed so far.
    pub fn seen(&self) -> Vec<u8> {
        self.seen.lock().unwrap().clone()
    }
}

/// How a [`FakeTpm`] forges the storage key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forge {
    /// Its own point in the TPM's public area, under the Name the TPM gave (the real key's).
    Point,
    /// Its own point, and the Name of the area it forged: a key consistent with itself.
    PointAndName,
}

/// An active man-in-the-middle on the link to a TPM: it relays every command, and in the
/// answers to TPM2_CreatePrimary and TPM2_ReadPublic it puts its own P-256 point (whose
/// private key it holds) in place of the storage key's, so that a client that takes the
/// answer on trust salts its session, and encrypts the seed and keys the PIN's HMACs,
/// with a key the stand-in owns. It records the command codes it relayed.
pub struct FakeTpm {
    pub port: u16,
    commands: std::sync::Arc<std::sync::Mutex<Vec<u32>>>,
    forged: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

pub const CC_CREATE: u32 = 0x153;
pub const CC_START_AUTH_SESSION: u32 = 0x176;
pub const CC_HMAC: u32 = 0x155;
const CC_CREATE_PRIMARY: u32 = 0x131;
const CC_READ_PUBLIC: u32 = 0x173;

impl FakeTpm {
    pub fn on(tpm: &Swtpm, forge: Forge) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let (x, y) = own_point();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let forged = Arc::new(AtomicUsize::new(0));
        let (target, log, count) = (tpm.port, commands.clone(), forged.clone());
        std::thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let Ok(mut server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                // One command, one answer, in turn (as the TPM's stream protocol goes).
                while let Some(command) = read_frame(&mut client) {
                    let code = u32::from_be_bytes(command[6..10].try_into().unwrap());
                    log.lock().unwrap().push(code);
                    if write_all(&mut server, &command).is_none() {
                        break;
                    }
                    let Some(mut answer) = read_frame(&mut server) else {
                        break;
                    };
                    if forge_storage_key(code, &mut answer, &x, &y, forge) {
                        count.fetch_add(1, Ordering::SeqCst);
                    }
                    if write_all(&mut client, &answer).is_none() {
                        break;
                    }
                }
            }
        });
        Self {
            port,
            commands,
            forged,
        }
    }

    pub fn tcti(&self) -> String {
        format!("swtpm:host=127.0.0.1,port={}", self.port)
    }

    /// The command codes relayed so far, in order.
    pub fn commands(&self) -> Vec<u32> {
        self.commands.lock().unwrap().clone()
    }

    /// How many storage-key answers it forged.
    pub fn forged(&self) -> usize {
        self.forged.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A fresh P-256 key of the stand-in's own: its point (x, y).
fn own_point() -> ([u8; 32], [u8; 32]) {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let key = loop {
        if let Ok(key) = p256::SecretKey::from_slice(&rand::random::<[u8; 32]>()) {
            break key;
        }
    };
    let point = key.public_key().to_encoded_point(false);
    ((*point.x().unwrap()).into(), (*point.y().unwrap()).into())
}

fn read_frame(from: &mut TcpStream) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut frame = vec![0u8; 10];
    from.read_exact(&mut frame).ok()?;
    let size = u32::from_be_bytes(frame[2..6].try_into().unwrap()) as usize;
    frame.resize(size.max(10), 0);
    from.read_exact(&mut frame[10..]).ok()?;
    Some(frame)
}

fn write_all(to: &mut TcpStream, bytes: &[u8]) -> Option<()> {
    use std::io::Write;
    to.write_all(bytes).ok()
}

/// Puts (x, y) in place of the ECC P-256 point in a successful CreatePrimary or ReadPublic
/// answer (and, with [`Forge::PointAndName`], the forged area's Name in place of the
/// TPM's); whether it did. Sizes stay as they are.
fn forge_storage_key(
    code: u32,
    answer: &mut [u8],
    x: &[u8; 32],
    y: &[u8; 32],
    forge: Forge,
) -> bool {
    if answer[6..10] != [0; 4] {
        return false;
    }
    let u16_at = |a: &[u8], at: usize| u16::from_be_bytes([a[at], a[at + 1]]) as usize;
    // Where the TPM2B_PUBLIC starts: after the header, or after the object handle and the
    // parameter size of a response with sessions.
    let at = match code {
        CC_READ_PUBLIC => 10,
        CC_CREATE_PRIMARY => 18,
        _ => return false,
    };
    let public = at + 2..at + 2 + u16_at(answer, at);
    if u16_at(answer, public.start) != 0x0023 {
        return false; // not an ECC key
    }
    let end = public.end;
    assert_eq!(
        u16_at(answer, end - 34),
        32,
        "a P-256 point of 32-byte coordinates"
    );
    assert_eq!(u16_at(answer, end - 68), 32);
    answer[end - 66..end - 34].copy_from_slice(x);
    answer[end - 32..end].copy_from_slice(y);
    if let Forge::PointAndName = forge {
        let mut name_at = end;
        if code == CC_CREATE_PRIMARY {
            // creationData, creationHash, creationTicket (tag, hierarchy, digest)
            name_at += 2 + u16_at(answer, name_at);
            name_at += 2 + u16_at(answer, name_at);
            name_at += 6;
            name_at += 2 + u16_at(answer, name_at);
        }
        assert_eq!(u16_at(answer, name_at), 34, "a SHA-256 Name");
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&answer[public.clone()]);
        answer[name_at + 4..name_at + 36].copy_from_slice(&digest);
    }
    true
}
