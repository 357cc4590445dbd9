//! The man pages and shell completion files the packages install, made from the clap
//! definitions: `otpilot(1)`, one page per subcommand (`otpilot-device-add(1)`, ...), and
//! the bash, zsh and fish registrations of the completion `otpilot completions SHELL` prints.
//!
//! Compiled only with the `gen-docs` feature, which `packaging/build-deb.sh` uses for a
//! generator build; the shipped binary is built without it, so none of this is on its start
//! path. Run as `OTPILOT_GEN_DOCS=DIR otpilot`: it writes `DIR/man/man1/*.1` and
//! `DIR/completions/{otpilot.bash,_otpilot,otpilot.fish}`, then exits.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

/// The variable that names the output directory.
const VAR: &str = "OTPILOT_GEN_DOCS";

/// Writes everything and exits, when this run is a generator run; returns otherwise.
pub fn run_if_asked() {
    let Some(dir) = std::env::var_os(VAR) else {
        return;
    };
    let dir = Path::new(&dir);
    match write_all(dir) {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!(
                "otpilot: cannot write the man pages and completions into {}: {e}",
                dir.display()
            );
            std::process::exit(1);
        }
    }
}

fn write_all(dir: &Path) -> std::io::Result<()> {
    let man = dir.join("man/man1");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(crate::cli::Cli::command(), &man)?;

    let completions = dir.join("completions");
    std::fs::create_dir_all(&completions)?;
    for (shell, file) in [
        (Shell::Bash, "otpilot.bash"),
        (Shell::Zsh, "_otpilot"),
        (Shell::Fish, "otpilot.fish"),
    ] {
        // Plain `otpilot`: the package puts it on PATH, and whoever unpacks the archive does.
        let script = crate::complete::registration_for(
            shell,
            "otpilot",
            "Installed with Otpilot, which keeps it up to date.",
        )?;
        std::fs::write(completions.join(file), script)?;
    }
    Ok(())
}
