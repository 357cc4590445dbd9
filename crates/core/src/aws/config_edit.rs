//! Careful edits of the AWS shared files: line-based, so comments, order, blank lines and
//! unknown keys survive exactly; every change is a new file written atomically.
//!
//! Only what Otpilot needs: find a profile's section, rename, remove and add keys; and
//! [`edit_aws_config`], which keeps a backup of the file before changing it.

use std::path::{Path, PathBuf};

use super::config_diff::{changed_lines, DiffLine};
use super::file_lock::with_aws_file_locked;
use super::profile::read_aws_file;
use crate::atomic::{create_private_new, resolve_links, write_private};
use crate::error::{Error, Result};

/// A shared file's text, as lines.
pub struct IniText {
    lines: Vec<String>,
    trailing_newline: bool,
}

/// The lines of one section: `header` is its `[...]` line, `end` one past its last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Section {
    header: usize,
    end: usize,
}

impl IniText {
    pub fn parse(text: &str) -> Self {
        Self {
            lines: text.lines().map(str::to_owned).collect(),
            trailing_newline: text.ends_with('\n') || text.is_empty(),
        }
    }

    pub fn render(&self) -> String {
        let mut out = self.lines.join("\n");
        if self.trailing_newline && !self.lines.is_empty() {
            out.push('\n');
        }
        out
    }

    /// The section of a profile: `[profile NAME]` in the config file (`[default]` too), or
    /// `[NAME]` in the credentials file.
    fn section(&self, name: &str, credentials_file: bool) -> Option<Section> {
        let wanted = |header: &str| {
            let inner = header.trim();
            if (credentials_file || name == "default") && inner == name {
                return true;
            }
            !credentials_file
                && inner.strip_prefix("profile").is_some_and(|rest| {
                    rest.starts_with(char::is_whitespace) && rest.trim() == name
                })
        };
        let header = self
            .lines
            .iter()
            .position(|l| section_name(l).is_some_and(wanted))?;
        let end = self.lines[header + 1..]
            .iter()
            .position(|l| section_name(l).is_some())
            .map(|i| header + 1 + i)
            .unwrap_or(self.lines.len());
        Some(Section { header, end })
    }

    pub fn has_section(&self, name: &str, credentials_file: bool) -> bool {
        self.section(name, credentials_file).is_some()
    }

    /// Index of the line that sets `key` in the section.
    fn key_line(&self, section: Section, key: &str) -> Option<usize> {
        (section.header + 1..section.end).find(|&i| {
            let line = &self.lines[i];
            // Indented lines continue the previous key (sub-properties); they set nothing.
            !line.starts_with(char::is_whitespace)
                && line.split_once('=').is_some_and(|(k, _)| k.trim() == key)
        })
    }

    /// The value of `key` in the profile's section.
    pub fn get(&self, profile: &str, credentials_file: bool, key: &str) -> Option<String> {
        let section = self.section(profile, credentials_file)?;
        let line = &self.lines[self.key_line(section, key)?];
        line.split_once('=').map(|(_, v)| v.trim().to_owned())
    }

    /// Renames `key` to `new_key`, keeping its value, position and continuation lines.
    pub fn rename_key(
        &mut self,
        profile: &str,
        credentials_file: bool,
        key: &str,
        new_key: &str,
    ) -> bool {
        let Some(section) = self.section(profile, credentials_file) else {
            return false;
        };
        let Some(i) = self.key_line(section, key) else {
            return false;
        };
        let value = self.lines[i]
            .split_once('=')
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default();
        self.lines[i] = format!("{new_key} = {value}");
        true
    }

    /// Removes `key` (and its indented continuation lines).
    pub fn remove_key(&mut self, profile: &str, credentials_file: bool, key: &str) -> bool {
        let Some(section) = self.section(profile, credentials_file) else {
            return false;
        };
        let Some(i) = self.key_line(section, key) else {
            return false;
        };
        let mut end = i + 1;
        while end < section.end
            && self.lines[end].starts_with(char::is_whitespace)
            && !self.lines[end].trim().is_empty()
        {
            end += 1;
        }
        self.lines.drain(i..end);
        true
    }

    /// Sets `key`: replaces its line if present, else adds it after the section's last key.
    pub fn set_key(
        &mut self,
        profile: &str,
        credentials_file: bool,
        key: &str,
        value: &str,
    ) -> Result<()> {
        let section =
            self.section(profile, credentials_file)
                .ok_or_else(|| Error::ProfileNotFound {
                    profile: profile.to_owned(),
                    config: Default::default(),
                })?;
        let line = format!("{key} = {value}");
        if let Some(i) = self.key_line(section, key) {
            self.lines[i] = line;
            return Ok(());
        }
        // After the last non-blank, non-comment line of the section.
        let mut at = section.header + 1;
        for i in section.header + 1..section.end {
            let t = self.lines[i].trim();
            if !t.is_empty() && !t.starts_with('#') && !t.starts_with(';') {
                at = i + 1;
            }
        }
        self.lines.insert(at, line);
        Ok(())
    }

    /// True when the section has no key lines left.
    pub fn section_is_empty(&self, profile: &str, credentials_file: bool) -> bool {
        self.section(profile, credentials_file).is_some_and(|s| {
            self.lines[s.header + 1..s.end].iter().all(|l| {
                let t = l.trim();
                t.is_empty() || t.starts_with('#') || t.starts_with(';')
            })
        })
    }

    /// Removes a section's header and blank lines, keeping any comments in it.
    pub fn remove_empty_section(&mut self, profile: &str, credentials_file: bool) {
        if let Some(s) = self.section(profile, credentials_file) {
            let kept: Vec<String> = self.lines[s.header + 1..s.end]
                .iter()
                .filter(|l| !l.trim().is_empty())
                .cloned()
                .collect();
            self.lines.splice(s.header..s.end, kept);
        }
    }

    /// The profile names of the config file's sections (`[default]`, `[profile NAME]`).
    pub fn config_profiles(&self) -> Vec<String> {
        self.lines
            .iter()
            .filter_map(|l| section_name(l))
            .filter_map(|inner| {
                let inner = inner.trim();
                if inner == "default" {
                    return Some(inner.to_owned());
                }
                let rest = inner.strip_prefix("profile")?;
                rest.starts_with(char::is_whitespace)
                    .then(|| rest.trim().to_owned())
            })
            .collect()
    }

    /// Adds an empty section for `profile` at the end unless it has one.
    pub fn ensure_section(&mut self, profile: &str, credentials_file: bool) {
        if self.has_section(profile, credentials_file) {
            return;
        }
        if self.lines.last().is_some_and(|l| !l.trim().is_empty()) {
            self.lines.push(String::new());
        }
        self.lines
            .push(if credentials_file || profile == "default" {
                format!("[{profile}]")
            } else {
                format!("[profile {profile}]")
            });
        self.trailing_newline = true;
    }
}

/// How many backups of the AWS config are kept beside it: each edit adds one, and the
/// oldest beyond this many go.
pub const BACKUPS_KEPT: usize = 5;

/// Applies `edit` to the AWS config file and, when that changed it, saves the old text as
/// `<file name>.otpilot-backup-<unix time>` (0600, beside the real file, never replacing an
/// earlier backup; the newest [`BACKUPS_KEPT`] are kept) before writing the new one
/// atomically. A symlinked config is edited where the link points, and stays a link. The
/// whole read-edit-write holds the file's edit lock ([`with_aws_file_locked`]), so concurrent
/// edits all land. Returns the backup's path, or `None` when nothing changed or there was no
/// file before.
pub fn edit_aws_config(
    path: &Path,
    edit: impl FnOnce(&mut IniText) -> Result<()>,
) -> Result<Option<PathBuf>> {
    with_aws_file_locked(path, |real| {
        let original = read_aws_file(real)?;
        let mut ini = IniText::parse(&original);
        edit(&mut ini)?;
        let updated = ini.render();
        if updated == original {
            return Ok(None);
        }
        let backup = if original.is_empty() {
            None
        } else {
            Some(write_backup(real, original.as_bytes())?)
        };
        write_private(real, updated.as_bytes())?;
        Ok(backup)
    })
}

/// Saves `contents` as a new `<name>.otpilot-backup-<unix time>[-N]` beside `real`.
fn write_backup(real: &Path, contents: &[u8]) -> Result<PathBuf> {
    let name = real
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    let stem = format!("{name}.otpilot-backup-{}", crate::clock::unix_now());
    // After the highest suffix this second already has: a number freed by pruning is never
    // used again, so a later backup always sorts after an earlier one.
    let first = backups_of(real, &name)
        .iter()
        .filter_map(|((time, n), _)| {
            (format!("{name}.otpilot-backup-{time}") == stem).then_some(n + 1)
        })
        .max()
        .unwrap_or(0);
    for n in first.. {
        let candidate = real.with_file_name(match n {
            0 => stem.clone(),
            n => format!("{stem}-{n}"),
        });
        match create_private_new(&candidate, contents) {
            Ok(()) => {
                prune_backups(real, &name, &candidate);
                return Ok(candidate);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(source) => {
                return Err(Error::FileWrite {
                    path: candidate,
                    cause: source,
                })
            }
        }
    }
    unreachable!("some backup name is free")
}

/// Removes the backups of `name` beside `real` beyond the newest [`BACKUPS_KEPT`], never
/// `just_made`. A backup that cannot be removed stays; the edit itself has succeeded.
fn prune_backups(real: &Path, name: &str, just_made: &Path) {
    let backups = backups_of(real, name);
    let excess = backups.len().saturating_sub(BACKUPS_KEPT);
    for (_, old) in backups.into_iter().take(excess) {
        if old == just_made {
            continue;
        }
        if let Err(e) = std::fs::remove_file(&old) {
            tracing::warn!("could not remove the old backup {}: {e}", old.display());
        }
    }
}

/// The backups of `name` beside `real`, oldest first.
fn backups_of(real: &Path, name: &str) -> Vec<((u64, u64), PathBuf)> {
    let Some(dir) = real.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let prefix = format!("{name}.otpilot-backup-");
    let mut backups: Vec<((u64, u64), PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let file_name = e.file_name().into_string().ok()?;
            Some((backup_order(file_name.strip_prefix(&prefix)?)?, e.path()))
        })
        .collect();
    backups.sort();
    backups
}

/// `<unix time>` or `<unix time>-<n>`, the tail of a backup's name, as a sort key.
fn backup_order(tail: &str) -> Option<(u64, u64)> {
    match tail.split_once('-') {
        None => Some((tail.parse().ok()?, 0)),
        Some((time, n)) => Some((time.parse().ok()?, n.parse().ok()?)),
    }
}

/// The lines `edit` would change in the AWS config, without writing anything.
pub fn preview_aws_config(
    path: &Path,
    edit: impl FnOnce(&mut IniText) -> Result<()>,
) -> Result<Vec<DiffLine>> {
    let original = read_aws_file(&resolve_links(path)?)?;
    let mut ini = IniText::parse(&original);
    edit(&mut ini)?;
    Ok(changed_lines(&original, &ini.render()))
}

fn section_name(line: &str) -> Option<&str> {
    let t = line.trim();
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    t.strip_prefix('[')?.split(']').next()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# my AWS config
[default]
region = eu-west-1

[profile admin] # prod admin
role_arn = arn:aws:iam::2:role/Admin
source_profile = base
s3 =
  max_concurrent_requests = 20
mfa_serial = arn:aws:iam::1:mfa/alice
# keep this comment

[profile base]
region = us-east-1
";

    #[test]
    fn every_edit_keeps_its_own_backup_named_after_the_real_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("work.ini");
        std::fs::write(&path, "[profile a]\nx = 1\n").unwrap();
        // Two edits within one second: both earlier texts are kept.
        let first = edit_aws_config(&path, |ini| ini.set_key("a", false, "x", "2"))
            .unwrap()
            .unwrap();
        let second = edit_aws_config(&path, |ini| ini.set_key("a", false, "x", "3"))
            .unwrap()
            .unwrap();
        assert_ne!(first, second);
        assert!(first
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("work.ini.otpilot-backup-"));
        assert_eq!(
            std::fs::read_to_string(&first).unwrap(),
            "[profile a]\nx = 1\n"
        );
        assert_eq!(
            std::fs::read_to_string(&second).unwrap(),
            "[profile a]\nx = 2\n"
        );
    }

    #[test]
    fn only_the_newest_backups_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config");
        std::fs::write(&path, "[profile a]\nx = 0\n").unwrap();
        // Someone else's file with a similar name is not Otpilot's to remove.
        let foreign = tmp.path().join("config.otpilot-backup-notes.txt");
        std::fs::write(&foreign, "mine").unwrap();
        // An old backup from long ago goes first, whatever its suffix.
        let ancient = tmp.path().join("config.otpilot-backup-1000-7");
        std::fs::write(&ancient, "old").unwrap();
        let mut made = Vec::new();
        for n in 1..=BACKUPS_KEPT + 2 {
            let value = n.to_string();
            made.push(
                edit_aws_config(&path, |ini| ini.set_key("a", false, "x", &value))
                    .unwrap()
                    .unwrap(),
            );
        }
        let mut left: Vec<PathBuf> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p != &path && p != &foreign)
            // The edit lock beside the file stays (empty), as every edit's.
            .filter(|p| !p.ends_with(".config.otpilot-lock"))
            .collect();
        left.sort();
        let mut newest = made[made.len() - BACKUPS_KEPT..].to_vec();
        newest.sort();
        assert_eq!(left, newest);
        assert!(foreign.exists());
        // The newest backup holds the text before the last edit.
        assert_eq!(
            std::fs::read_to_string(made.last().unwrap()).unwrap(),
            format!("[profile a]\nx = {}\n", BACKUPS_KEPT + 1)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_config_is_edited_where_it_points_and_stays_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dotfiles/aws-config");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "[profile a]\nx = 1\n").unwrap();
        let link = tmp.path().join("config");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let backup = edit_aws_config(&link, |ini| ini.set_key("a", false, "x", "2"))
            .unwrap()
            .unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "[profile a]\nx = 2\n"
        );
        assert_eq!(
            backup.parent().unwrap(),
            std::fs::canonicalize(target.parent().unwrap()).unwrap()
        );
    }

    /// Many editors at once, as many `otpilot profile setup` runs and the window: each one's
    /// change lands (without the edit lock, most were lost to the last rename).
    #[test]
    fn concurrent_edits_all_land_through_a_link_too() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("dotfiles/aws-config");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(&target, "[default]\nregion = eu-west-1\n").unwrap();
        #[cfg(unix)]
        let link = tmp.path().join("config");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, &link).unwrap();
        // Creating a link needs a privilege on Windows: the file itself, twice over.
        #[cfg(not(unix))]
        let link = target.clone();
        let editors: Vec<_> = (0..12)
            .map(|i| {
                // Half through the link, half on the file itself.
                let path = if i % 2 == 0 {
                    link.clone()
                } else {
                    target.clone()
                };
                std::thread::spawn(move || {
                    edit_aws_config(&path, |ini| {
                        let name = format!("p{i}");
                        ini.ensure_section(&name, false);
                        ini.set_key(&name, false, "region", "us-east-1")
                    })
                    .unwrap()
                })
            })
            .collect();
        for e in editors {
            e.join().unwrap();
        }
        let ini = IniText::parse(&std::fs::read_to_string(&target).unwrap());
        for i in 0..12 {
            assert!(ini.has_section(&format!("p{i}"), false), "p{i} was lost");
        }
    }

    #[test]
    fn renames_adds_and_keeps_everything_else() {
        let mut ini = IniText::parse(CONFIG);
        assert!(ini.rename_key("admin", false, "role_arn", "otpilot_role_arn"));
        assert!(ini.rename_key("admin", false, "mfa_serial", "otpilot_mfa_serial"));
        assert!(!ini.rename_key("admin", false, "external_id", "x"));
        ini.set_key(
            "admin",
            false,
            "credential_process",
            "/usr/bin/otpilot credential-process admin",
        )
        .unwrap();
        let out = ini.render();
        assert_eq!(
            out,
            CONFIG
                .replace("role_arn = arn:aws:iam::2:role/Admin", "otpilot_role_arn = arn:aws:iam::2:role/Admin")
                .replace(
                    "mfa_serial = arn:aws:iam::1:mfa/alice",
                    "otpilot_mfa_serial = arn:aws:iam::1:mfa/alice\ncredential_process = /usr/bin/otpilot credential-process admin"
                )
        );
        assert_eq!(
            ini.get("base", false, "region").as_deref(),
            Some("us-east-1")
        );
        assert_eq!(
            ini.get("default", false, "region").as_deref(),
            Some("eu-west-1")
        );
        // A sub-property is not a key of the section.
        assert_eq!(ini.get("admin", false, "max_concurrent_requests"), None);
    }

    #[test]
    fn credentials_file_sections_and_removal() {
        let text = "[base]\naws_access_key_id = AKIA\naws_secret_access_key = s\n\n[other]\naws_access_key_id = B\n";
        let mut ini = IniText::parse(text);
        assert!(ini.has_section("base", true));
        assert!(!ini.has_section("base", false));
        assert!(ini.remove_key("base", true, "aws_access_key_id"));
        assert!(ini.remove_key("base", true, "aws_secret_access_key"));
        assert!(ini.section_is_empty("base", true));
        ini.remove_empty_section("base", true);
        assert_eq!(ini.render(), "[other]\naws_access_key_id = B\n");
    }

    #[test]
    fn lists_config_profiles_and_adds_missing_sections() {
        let mut ini = IniText::parse(CONFIG);
        assert_eq!(ini.config_profiles(), vec!["default", "admin", "base"]);
        ini.ensure_section("admin", false);
        assert_eq!(ini.render(), CONFIG, "an existing section is left alone");
        ini.ensure_section("new", false);
        ini.set_key("new", false, "mfa_serial", "arn:aws:iam::1:mfa/a")
            .unwrap();
        let text = ini.render();
        assert!(text.starts_with(CONFIG));
        assert!(text.ends_with("\n\n[profile new]\nmfa_serial = arn:aws:iam::1:mfa/a\n"));
        assert_eq!(
            ini.config_profiles(),
            vec!["default", "admin", "base", "new"]
        );
    }

    #[test]
    fn edit_aws_config_backs_up_before_changing_and_skips_no_ops() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        // No file yet: created, nothing to back up.
        let backup = edit_aws_config(&path, |ini| {
            ini.ensure_section("base", false);
            ini.set_key("base", false, "region", "eu-west-1")
        })
        .unwrap();
        assert!(backup.is_none());
        let first = std::fs::read_to_string(&path).unwrap();
        assert_eq!(first, "[profile base]\nregion = eu-west-1\n");
        // No change: no backup, no write.
        assert!(edit_aws_config(&path, |_| Ok(())).unwrap().is_none());
        // A change: the old text is kept, 0600.
        let backup = edit_aws_config(&path, |ini| {
            ini.set_key("base", false, "mfa_serial", "arn:aws:iam::1:mfa/a")
        })
        .unwrap()
        .expect("a backup");
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A failing edit changes nothing.
        let before = std::fs::read_to_string(&path).unwrap();
        assert!(edit_aws_config(&path, |_| Err(Error::Lifecycle("no".into()))).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    }
}
