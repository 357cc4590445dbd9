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
mod os;
mod term;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    os::end_quietly_when_stdout_closes();
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
