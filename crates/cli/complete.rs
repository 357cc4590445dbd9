//! Shell completion of the names only this machine knows: devices, AWS profiles and stores.
//!
//! The shell's completion script (`otpilot completions SHELL`) runs
//! `OTPILOT_COMPLETE=SHELL otpilot -- WORDS...` at each TAB; [`answer_if_asked`] answers that
//! before anything else happens, with names read from `devices.toml` and the AWS config
//! files. It opens no keyring and no agent, so a TAB costs a file read.

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, Elvish, EnvCompleter, Fish, Powershell, Zsh};
use otpilot_core::aws::profile::{AwsFiles, Profiles};
use otpilot_core::invocation::Invocation;
use otpilot_core::paths::Dirs;
use otpilot_core::settings::StoreKind;

/// The variable that turns a run into a completion request.
const VAR: &str = "OTPILOT_COMPLETE";

/// Answers a completion request for the command line `command` describes and exits, when
/// this run is one; returns otherwise.
pub fn answer_if_asked(command: fn() -> clap::Command) {
    clap_complete::CompleteEnv::with_factory(command)
        .var(VAR)
        .complete();
}

/// The completion script for `shell`: it asks this binary for candidates at each TAB, by
/// the name or path [`Invocation`] chooses (the same rule as `credential_process` lines).
pub fn registration(
    shell: clap_complete::Shell,
    exe: &std::path::Path,
) -> std::io::Result<Vec<u8>> {
    let command = Invocation::of(exe).command();
    registration_for(
        shell,
        &command,
        "Write this file again after upgrading Otpilot.",
    )
}

/// The completion script for `shell` that runs `command` at each TAB, with `note` in its
/// closing comment (the packages' files name plain `otpilot`, found on PATH).
pub fn registration_for(
    shell: clap_complete::Shell,
    command: &str,
    note: &str,
) -> std::io::Result<Vec<u8>> {
    let completer: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &Bash,
        clap_complete::Shell::Elvish => &Elvish,
        clap_complete::Shell::Fish => &Fish,
        clap_complete::Shell::PowerShell => &Powershell,
        clap_complete::Shell::Zsh => &Zsh,
        _ => &Bash,
    };
    let mut script = Vec::new();
    completer.write_registration(VAR, "otpilot", "otpilot", command, &mut script)?;
    if shell == clap_complete::Shell::Zsh {
        // The script ends with `compdef`, which only exists once the completion system is
        // loaded: a ~/.zshrc with no `compinit` (a fresh home on Debian, whose
        // /etc/zsh/zshrc does not run it) would say "command not found: compdef". Load it
        // then, right after the `#compdef` line zsh wants first; a no-op when it is loaded.
        let first_line = script.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        script.splice(
            first_line..first_line,
            b"(( $+functions[compdef] )) || { autoload -Uz compinit && compinit; }\n"
                .iter()
                .copied(),
        );
    }
    // After the script: zsh wants `#compdef` on its first line.
    script.extend(
        format!(
            "# otpilot's completions for {shell}: device, profile and store names come from\n\
             # `{command}` at each TAB. {note}\n"
        )
        .bytes(),
    );
    Ok(script)
}

/// Device names, each with its serial as the description (fish and zsh show it).
pub fn devices() -> Vec<CompletionCandidate> {
    let Ok(dirs) = Dirs::from_env() else {
        return Vec::new();
    };
    otpilot_core::device::list_in(&dirs.config)
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let help = d.serial.map(Into::into);
            CompletionCandidate::new(d.name).help(help)
        })
        .collect()
}

/// AWS profile names, from the config and credentials files.
pub fn profiles() -> Vec<CompletionCandidate> {
    AwsFiles::from_env()
        .and_then(|files| Profiles::load(&files))
        .map(|profiles| profiles.names())
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect()
}

/// The stores a vault migration can move to.
pub fn stores() -> Vec<CompletionCandidate> {
    [StoreKind::Keyring, StoreKind::Vault]
        .into_iter()
        .map(|kind| CompletionCandidate::new(kind.as_str()))
        .collect()
}
