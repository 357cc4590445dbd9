//! Running the binary on a real terminal: util-linux `script` gives it a pty as its
//! controlling terminal, and the test types into it only after the prompt appears.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::TestEnv;

pub struct Pty {
    child: Child,
    stdin: Option<ChildStdin>,
    output: Arc<Mutex<Vec<u8>>>,
    /// Copies the terminal's output into `output`; ends when `script` does.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Pty {
    pub fn spawn(env: &TestEnv, args: &[&str]) -> Pty {
        let mut line = shell_quote(&super::otpilot_bin().display().to_string());
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        Self::spawn_shell(env, "/bin/sh", &line)
    }

    /// Runs a bash script on the terminal, with the binary's path in `$OTPILOT`: for what
    /// happens on the terminal after otpilot ends (`stty -a`, the status). Bash, because it
    /// runs an `INT` trap only once the foreground command has ended.
    pub fn spawn_script(env: &TestEnv, script: &str) -> Pty {
        let line = format!(
            "OTPILOT={}; {script}",
            shell_quote(&super::otpilot_bin().display().to_string())
        );
        Self::spawn_shell(env, "/bin/bash", &line)
    }

    fn spawn_shell(env: &TestEnv, shell: &str, line: &str) -> Pty {
        Self::spawn_line(env.envs(), shell, line)
    }

    /// Runs `line` with `shell` on a new terminal, in exactly the environment `envs`.
    pub fn spawn_line(envs: Vec<(String, String)>, shell: &str, line: &str) -> Pty {
        let mut child = Command::new("script")
            .args([
                "--quiet",
                "--return",
                "--flush",
                "--command",
                line,
                "/dev/null",
            ])
            .env_clear()
            .envs(envs)
            .env("SHELL", shell)
            .env("TERM", "dumb")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("script (package bsdutils)");
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut stdout = child.stdout.take().unwrap();
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            stdin: child.stdin.take(),
            child,
            output,
            reader: Some(reader),
        }
    }

    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the terminal shows `text`.
    pub fn expect(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.output().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; the terminal shows:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types a line, as a person would (Enter is a carriage return on a terminal).
    pub fn type_line(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.write_all(b"\r").unwrap();
        stdin.flush().unwrap();
    }

    /// Types raw bytes, with no Enter after them (control keys: `"\x03"` is Ctrl-C).
    pub fn type_raw(&mut self, bytes: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the program to exit; returns its exit code and everything the terminal showed.
    pub fn finish(self) -> (i32, String) {
        self.finish_within(Duration::from_secs(15))
    }

    /// [`Pty::finish`], for a program that may take up to `limit` (a guard, not a timing).
    pub fn finish_within(mut self, limit: Duration) -> (i32, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "program did not exit:\n{}",
                self.output()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(self.stdin.take());
        // Everything script wrote before it ended, not a guess at how long that takes.
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status.code().unwrap_or(-1), self.output())
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
