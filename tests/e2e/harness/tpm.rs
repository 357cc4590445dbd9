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
