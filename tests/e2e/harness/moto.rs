//! The moto STS/IAM emulator on loopback, from the test venv (`tests/run.sh` installs it).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use super::keyring::wait_for;
use super::spawn_for_process_lifetime;

pub struct Moto {
    pub endpoint: String,
    /// With [`Moto::private_with_clock`]: the libfaketime file that sets moto's clock
    /// (`+0`, `-200d`), read at every clock call.
    pub clock: Option<PathBuf>,
    _server: std::process::Child,
}

/// libfaketime from Debian's `faketime` package (tests/run.sh installs it).
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// The test venv: `OTPILOT_TEST_VENV`, or `.venv-test` at the repository root.
pub fn venv() -> PathBuf {
    let venv = std::env::var_os("OTPILOT_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-test"));
    assert!(
        venv.join("bin/moto_server").exists(),
        "no test venv at {}; run `bash tests/run.sh` once to create it",
        venv.display()
    );
    venv
}

/// The AWS CLI v1 from the test venv.
pub fn aws_cli() -> PathBuf {
    venv().join("bin/aws")
}

impl Moto {
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Moto> = OnceLock::new();
        SHARED.get_or_init(Moto::start)
    }

    /// A moto of one test's own, for state no other test may see (IAM's users and reports
    /// are account-wide). It stops when the test process exits.
    pub fn private() -> Moto {
        Self::start_with(None)
    }

    /// A private moto whose clock a test can move (libfaketime), so that IAM's dates (an
    /// access key's creation) can lie in the past as they do at AWS. The clock starts true.
    pub fn private_with_clock() -> Moto {
        assert!(
            std::path::Path::new(LIBFAKETIME).exists(),
            "no {LIBFAKETIME}: install Debian's faketime package (tests/run.sh does)"
        );
        let dir = tempfile::Builder::new()
            .prefix("otpilot-moto-clock")
            .tempdir()
            .unwrap()
            .keep();
        let clock = dir.join("clock");
        std::fs::write(&clock, "+0\n").unwrap();
        Self::start_with(Some(clock))
    }

    fn start() -> Moto {
        Self::start_with(None)
    }

    fn start_with(clock: Option<PathBuf>) -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(venv().join("bin/moto_server"));
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(clock) = &clock {
            cmd.env("LD_PRELOAD", LIBFAKETIME)
                .env("FAKETIME_TIMESTAMP_FILE", clock)
                .env("FAKETIME_NO_CACHE", "1");
        }
        let server = spawn_for_process_lifetime(cmd);
        let endpoint = format!("http://127.0.0.1:{port}");
        wait_for(
            || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
            "moto_server",
        );
        Moto {
            endpoint,
            clock,
            _server: server,
        }
    }

    /// Runs the AWS CLI against moto with dummy credentials, returning stdout.
    pub fn aws(&self, args: &[&str]) -> String {
        let out = Command::new(aws_cli())
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            )
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .output()
            .expect("aws cli");
        assert!(
            out.status.success(),
            "aws {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
