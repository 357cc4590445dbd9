//! The Unix side of `os` (see `mod.rs`).

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};

/// A reader that stops reading (`otpilot log | head -1`) ends otpilot the way it ends any Unix
/// filter: killed by SIGPIPE, so the shell sees status 141 and nothing is printed. Every
/// command and every writer (clap's completion scripts included) gets this from one place.
///
/// Not by restoring SIGPIPE's default action for the whole process: Rust ignores SIGPIPE so
/// that a write to a socket whose peer has gone (the agent's socket, the D-Bus daemon's)
/// fails with an error the code handles, and a caller must never be killed because the agent
/// hung up. So the handler asks whether stdout or stderr is what broke (a pipe whose reader
/// has gone reports POLLERR), ends the process only then, and otherwise lets the write fail
/// as before.
pub fn end_quietly_when_stdout_closes() {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    use signal_hook::consts::SIGPIPE;
    let handler = || {
        let streams = [rustix::stdio::stdout(), rustix::stdio::stderr()];
        let mut fds = streams.map(|fd| PollFd::from_borrowed_fd(fd, PollFlags::empty()));
        let now = Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let broken = poll(&mut fds, Some(&now)).is_ok()
            && fds
                .iter()
                .any(|fd| fd.revents().intersects(PollFlags::ERR | PollFlags::HUP));
        if broken {
            // Dies by SIGPIPE, as with the default action.
            let _ = signal_hook::low_level::emulate_default_handler(SIGPIPE);
        }
    };
    // SAFETY: the handler only calls poll(2) on two borrowed descriptors that live as long as
    // the process, and signal-hook's emulate_default_handler (sigaction, sigprocmask, raise);
    // all are async-signal-safe, and it neither allocates nor takes a lock.
    if let Err(e) = unsafe { signal_hook::low_level::register(SIGPIPE, handler) } {
        eprintln!("otpilot: warning: cannot handle SIGPIPE: {e}");
    }
}

/// Replaces otpilot with `command` (exec(2)): its stdin, stdout, stderr, signals and exit
/// status are its own, exactly as if it had been started directly. Returns only when it
/// could not be started.
pub fn exec_replacing(mut command: Command) -> std::io::Error {
    command.exec()
}

/// Runs `command` as a child, forwarding SIGINT, SIGTERM, SIGHUP and SIGQUIT to it, and
/// gives back the status a shell would show: its exit code, or 128 + the signal that ended
/// it. `Err` when it could not be started.
pub fn run_forwarding_signals(
    mut command: Command,
) -> Result<std::result::Result<i32, std::io::Error>> {
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
        .context("cannot watch for signals")?;
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => return Ok(Err(error)),
    };
    let pid = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw)
        .context("the command's pid is out of range")?;
    let signals_handle = signals.handle();
    let forwarder = std::thread::spawn(move || {
        for signal in signals.forever() {
            if let Some(signal) = rustix_signal(signal) {
                let _ = rustix::process::kill_process(pid, signal);
            }
        }
    });
    let status = child.wait().context("cannot wait for the command")?;
    signals_handle.close();
    let _ = forwarder.join();
    // The shell's convention for a command ended by a signal: 128 + its number.
    Ok(Ok(status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))))
}

fn rustix_signal(raw: i32) -> Option<rustix::process::Signal> {
    use rustix::process::Signal;
    match raw {
        SIGINT => Some(Signal::INT),
        SIGTERM => Some(Signal::TERM),
        SIGHUP => Some(Signal::HUP),
        SIGQUIT => Some(Signal::QUIT),
        _ => None,
    }
}

/// Sets `stop` on SIGTERM, SIGINT or SIGHUP (the headless agent's way to end).
pub fn stop_on_signals(stop: &Arc<AtomicBool>) -> Result<()> {
    for signal in [SIGTERM, SIGINT, SIGHUP] {
        signal_hook::flag::register(signal, stop.clone()).context("cannot handle signals")?;
    }
    Ok(())
}

/// Makes `command` outlive this one and the terminal it ran in: its own session, with no
/// controlling terminal, so closing the terminal (SIGHUP) or Ctrl-C (SIGINT to the
/// foreground group) does not stop it. std's safe `process_group` would keep the terminal
/// as its controlling terminal; only setsid(2) leaves it.
pub fn detach(command: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec, where only async-signal-safe
    // calls are allowed: it makes one setsid(2) system call (async-signal-safe, per POSIX),
    // allocates nothing, takes no lock and touches no memory shared with the parent.
    unsafe {
        command.pre_exec(|| {
            let _ = rustix::process::setsid();
            Ok(())
        });
    }
}

/// Opens a log for appending, 0600 from its creation.
pub fn open_private_log(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

/// The person's shell, for `exec` without a command: `$SHELL`, else `/bin/sh`.
pub fn default_shell() -> std::ffi::OsString {
    std::env::var_os("SHELL")
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into())
}
