//! Records which commit this build comes from, for `--version` (see `src/version.rs`).
//!
//! Asks git once, at build time, so no program pays for it when it starts. The commit is
//! named only when this crate sits in the checkout git reports (a source tree unpacked inside
//! some other repository must not take that repository's commit); a build outside a checkout
//! says so. "modified" means tracked files differed from the commit when this script ran.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    // crates/core -> the workspace root.
    let workspace = manifest
        .parent()
        .and_then(Path::parent)
        .expect("crates/core lies two levels below the workspace root")
        .to_path_buf();
    println!("cargo:rerun-if-changed=build.rs");

    let commit = checkout_commit(&workspace);
    let line = match &commit {
        Some((hash, false)) => format!("{} (commit {hash})", env("CARGO_PKG_VERSION")),
        Some((hash, true)) => format!(
            "{} (commit {hash}, with uncommitted changes)",
            env("CARGO_PKG_VERSION")
        ),
        None => format!(
            "{} (commit unknown: built outside a git checkout)",
            env("CARGO_PKG_VERSION")
        ),
    };
    let hash = commit.map(|(h, _)| h).unwrap_or_default();
    println!("cargo:rustc-env=OTPILOT_BUILD_COMMIT={hash}");
    println!("cargo:rustc-env=OTPILOT_VERSION_LINE={line}");
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The commit of the checkout `workspace` is the root of, and whether tracked files differ
/// from it; `None` outside a checkout or without git.
fn checkout_commit(workspace: &Path) -> Option<(String, bool)> {
    let top = git(workspace, &["rev-parse", "--show-toplevel"])?;
    if std::fs::canonicalize(top.trim()).ok()? != std::fs::canonicalize(workspace).ok()? {
        return None;
    }
    let hash = git(workspace, &["rev-parse", "--short=12", "HEAD"])?
        .trim()
        .to_owned();
    // Run again when HEAD moves (a commit, a checkout) or the sources change.
    for file in ["HEAD", "index"] {
        if let Some(path) = git(workspace, &["rev-parse", "--git-path", file]) {
            rerun_if_changed(workspace, path.trim());
        }
    }
    if let Some(branch) = git(workspace, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(workspace, &["rev-parse", "--git-path", branch.trim()]) {
            rerun_if_changed(workspace, path.trim());
        }
    }
    if let Some(path) = git(workspace, &["rev-parse", "--git-path", "packed-refs"]) {
        rerun_if_changed(workspace, path.trim());
    }
    for tracked in ["Cargo.toml", "Cargo.lock", "crates", "src-tauri/src"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(tracked).display()
        );
    }
    // `--no-optional-locks`: never rewrite the index, which would start this script again.
    let status = git(
        workspace,
        &[
            "--no-optional-locks",
            "status",
            "--porcelain",
            "--untracked-files=no",
        ],
    )?;
    Some((hash, !status.trim().is_empty()))
}

fn rerun_if_changed(workspace: &Path, path: &str) {
    let path = workspace.join(path);
    if path.exists() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
