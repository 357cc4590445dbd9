//! Which Otpilot this is: its version and the git commit it was built from, recorded by the
//! build script (`build.rs`), so the CLI, the tray and the window say the same thing and
//! nothing is worked out when a program starts.

/// The release version (`0.1.0`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit this build comes from (12 hex digits), or empty when built outside a git
/// checkout.
pub const COMMIT: &str = match option_env!("OTPILOT_BUILD_COMMIT") {
    Some(commit) => commit,
    None => "",
};

/// What `--version` prints after the program's name: `0.1.0 (commit 0123456789ab)`, with
/// `, with uncommitted changes` when the tree differed from it, or `(commit unknown: built
/// outside a git checkout)`.
pub const LINE: &str = match option_env!("OTPILOT_VERSION_LINE") {
    Some(line) => line,
    // Only when compiled without the build script (never by cargo).
    None => concat!(env!("CARGO_PKG_VERSION"), " (commit unknown)"),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_the_version_and_the_commit_or_says_there_is_none() {
        assert!(LINE.starts_with(&format!("{VERSION} (commit ")), "{LINE}");
        if COMMIT.is_empty() {
            assert!(LINE.contains("(commit unknown"), "{LINE}");
        } else {
            assert_eq!(COMMIT.len(), 12, "{COMMIT}");
            assert!(COMMIT.bytes().all(|b| b.is_ascii_hexdigit()), "{COMMIT}");
            assert!(LINE.contains(COMMIT), "{LINE}");
        }
    }
}
