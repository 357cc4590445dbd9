//! Inside WSL the person's browser is a Windows program: the console opens there, through
//! `wslview` (wslu) when it is installed, else `cmd.exe /c start`, given the forwarding
//! page's path as Windows reads it (`wslpath -w`: `\\wsl.localhost\<distro>\…`). The page
//! stays the same private file in the runtime directory; only its path is in argv.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::invocation::find_on_path;

/// Whether this Linux is WSL: the kernel's release names Microsoft (WSL 1 and 2), or WSL's
/// own variables are both set (WSL 2 sets `WSL_DISTRO_NAME` and `WSL_INTEROP`).
pub fn in_wsl(os_release: &str, var: impl Fn(&str) -> bool) -> bool {
    os_release.to_ascii_lowercase().contains("microsoft")
        || (var("WSL_DISTRO_NAME") && var("WSL_INTEROP"))
}

/// Outside WSL: `None`. Inside: the command that opens `page` in Windows' default browser,
/// or why there is none.
pub fn wsl_page_opener(page: &Path) -> Option<Result<Vec<String>, String>> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if !in_wsl(&release, set) {
        return None;
    }
    Some(windows_path(page).map(|path| {
        if find_on_path("wslview").is_some() {
            vec!["wslview".to_owned(), path]
        } else {
            // `start`'s first quoted argument is a window title: an empty one, so the path
            // is taken as what to open.
            ["cmd.exe", "/c", "start", ""]
                .into_iter()
                .map(str::to_owned)
                .chain([path])
                .collect()
        }
    }))
}

/// `wslpath -w PAGE`: the path Windows reads the page at.
fn windows_path(page: &Path) -> Result<String, String> {
    let out = Command::new("wslpath")
        .arg("-w")
        .arg(page)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("`wslpath` could not be started ({e}); WSL's own tools are needed to open a Windows browser"))?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || path.is_empty() {
        return Err(format!(
            "`wslpath -w` gave no Windows path for the sign-in page ({})",
            out.status
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wsl_is_told_by_the_kernel_or_by_both_variables() {
        let none = |_: &str| false;
        assert!(in_wsl("5.15.153.1-microsoft-standard-WSL2", none));
        assert!(in_wsl("4.4.0-19041-Microsoft", none));
        assert!(!in_wsl("6.1.0-18-amd64", none));
        assert!(in_wsl("6.1.0-18-amd64", |_| true));
        assert!(!in_wsl("6.1.0-18-amd64", |k| k == "WSL_DISTRO_NAME"));
    }
}
