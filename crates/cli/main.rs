//! `otpilot`: the command-line front end. Parses arguments, runs one command, and prints any
//! error once, as a single line on stderr, with a non-zero exit.

mod cli;
mod cmd;
mod complete;
// The README's and docs' command lines parse (a test only).
#[cfg(test)]
mod doc_commands;
#[cfg(feature = "gen-docs")]
mod gen_docs;
mod term;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    end_quietly_when_stdout_closes();
    // A TAB in the shell: print the candidates and exit, before anything else runs.
    complete::answer_if_asked(<cli::Cli as clap::CommandFactory>::command);
    // Packaging only: a build with `--features gen-docs` writes the man pages and completion
    // files; the shipped binary is built without it.
    #[cfg(feature = "gen-docs")]
    gen_docs::run_if_asked();
    let protected = otpilot_core::platform::protect_process_memory();
    let cli = cli::Cli::parse();
    init_logging(cli.debug);
    if let Err(e) = protected {
        tracing::debug!("{e}");
    }
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole context chain on one line; a label it quotes (an
            // export's entry) keeps no control character that could act on the terminal.
            eprintln!("otpilot: {}", term::shown(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

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
fn end_quietly_when_stdout_closes() {
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

/// Logs go to stderr, and only with --debug or OTPILOT_LOG: stdout may be a protocol.
fn init_logging(debug: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if debug {
        EnvFilter::new("otpilot=debug,otpilot_core=debug")
    } else {
        EnvFilter::try_from_env(otpilot_core::env::LOG).unwrap_or_else(|_| EnvFilter::new("warn"))
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .init();
}
