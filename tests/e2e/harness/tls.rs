//! A TLS-inspecting proxy stand-in in front of a plain HTTP server (see tls_proxy.py): HTTPS
//! for `localhost` with a certificate from its own CA, which a test "installs in the OS trust
//! store" by pointing `SSL_CERT_FILE` at it, as a company does on its laptops.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::moto::venv;

pub struct TlsProxy {
    child: Child,
    pub port: u16,
    pub ca: PathBuf,
}

impl TlsProxy {
    /// Terminates TLS on a free port and forwards to `upstream_port` on loopback; its CA
    /// certificate is written into `dir`.
    pub fn start(dir: &Path, upstream_port: u16) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/harness/tls_proxy.py");
        let mut child = Command::new(venv().join("bin/python"))
            .arg(script)
            .arg(dir)
            .arg(upstream_port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the TLS proxy (python with cryptography, from the test venv)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the proxy prints its port");
        Self {
            child,
            port,
            ca: dir.join("ca.pem"),
        }
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
