//! The local audit log: one JSON line per credential issue, MFA code use, device lifecycle
//! change and console sign-in, in `audit.jsonl` under the XDG state dir (0600 in a 0700
//! directory).
//!
//! What goes in names things (profiles, devices, serials, roles, the temporary access key
//! id that CloudTrail shows) and never holds a secret: no seed, no code, no secret key, no
//! session token. Entries are built only from the typed fields below, so a secret cannot
//! slip in through a free-form message.
//!
//! Appends are single `write` calls on an `O_APPEND` file, so lines from concurrent
//! processes (the CLI, the tray, its agent) never interleave. Past [`ROTATE_BYTES`] the file
//! moves to `audit.jsonl.1` (one generation kept) so the log cannot grow without bound.
//! Writing is best effort: a full disk must not stop anyone from getting credentials.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::paths::ensure_private_dir;

const FILE_NAME: &str = "audit.jsonl";
/// Size past which the log is rotated (about 5,000 entries).
pub const ROTATE_BYTES: u64 = 1024 * 1024;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    CredentialsIssued,
    CodeUsed,
    MfaEnrolled,
    MfaRotated,
    MfaResynced,
    MfaRemoved,
    ConsoleSignin,
    /// An administrator's change to the account (`otpilot account ...`).
    AccountChanged,
    /// A device's seed moved from the store into the TPM (`otpilot device protect`).
    DeviceSealed,
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            EventKind::CredentialsIssued => "credentials issued",
            EventKind::CodeUsed => "code used",
            EventKind::MfaEnrolled => "MFA device enrolled",
            EventKind::MfaRotated => "MFA device rotated",
            EventKind::MfaResynced => "MFA device resynced",
            EventKind::MfaRemoved => "MFA device removed",
            EventKind::ConsoleSignin => "console sign-in",
            EventKind::AccountChanged => "account changed",
            EventKind::DeviceSealed => "MFA device sealed in the TPM",
        }
    }
}

/// One line of the log. Every field but `time`, `event` and `origin` is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Unix seconds.
    pub time: i64,
    pub event: EventKind,
    /// Which front end wrote it: `cli` or `tray`.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The STS or IAM operation (`GetSessionToken`, `AssumeRole`, `EnableMFADevice`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Otpilot's name of the device whose seed was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// The previous serial, for a rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_serial: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The IAM user, for lifecycle events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The temporary access key id STS issued (what CloudTrail records; not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Where a code went or came from: `sts`, `clipboard`, `printed`, `prompt`,
    /// `mfa_process`, `enable`, `resync`; or a console destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// What an account change was made to: `group Developers`, a policy ARN, `account`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}

impl AuditEntry {
    /// An entry for now with only the required fields set.
    pub fn new(event: EventKind) -> Self {
        Self {
            time: crate::clock::unix_now() as i64,
            event,
            origin: String::new(),
            profile: None,
            operation: None,
            device: None,
            serial: None,
            old_serial: None,
            role_arn: None,
            user: None,
            access_key_id: None,
            expires_at: None,
            purpose: None,
            target: None,
        }
    }

    /// One line for people: what, for whom, with what.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |label: &str, value: &Option<String>| {
            if let Some(v) = value {
                parts.push(if label.is_empty() {
                    v.clone()
                } else {
                    format!("{label} {v}")
                });
            }
        };
        push("profile", &self.profile);
        push("via", &self.operation);
        push("on", &self.target);
        push("role", &self.role_arn);
        push("user", &self.user);
        push("device", &self.device);
        if self.old_serial.is_some() {
            push("from", &self.old_serial);
            push("to", &self.serial);
        } else {
            push("serial", &self.serial);
        }
        push("", &self.purpose_phrase());
        push("key", &self.access_key_id);
        if let Some(exp) = self.expires_at {
            parts.push(format!("until {}", crate::localtime::hh_mm(exp)));
        }
        parts.join(", ")
    }
}

impl AuditEntry {
    /// The purpose in words: where a code went, or where a sign-in led.
    fn purpose_phrase(&self) -> Option<String> {
        let purpose = self.purpose.as_deref()?;
        Some(match (self.event, purpose) {
            (EventKind::CodeUsed, "sts") => "sent to STS".to_owned(),
            (EventKind::CodeUsed, "printed") => "shown on the terminal".to_owned(),
            (EventKind::CodeUsed, "clipboard") => "copied to the clipboard".to_owned(),
            (EventKind::CodeUsed, "prompt") => "typed at a prompt".to_owned(),
            (EventKind::CodeUsed, "mfa_process") => "from mfa_process".to_owned(),
            (EventKind::CodeUsed, "enable") => "to enable the device".to_owned(),
            (EventKind::CodeUsed, "resync") => "to resync the device".to_owned(),
            (EventKind::ConsoleSignin, destination) => format!("to {destination}"),
            (_, other) => format!("for {other}"),
        })
    }
}

/// The log file of one front end.
#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
    origin: &'static str,
}

impl AuditLog {
    pub fn new(state_dir: &Path, origin: &'static str) -> Self {
        Self {
            path: state_dir.join(FILE_NAME),
            origin,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `entry` (stamped with this log's origin). Failures are logged, not returned:
    /// the audit log never stands between the user and their credentials.
    pub fn record(&self, mut entry: AuditEntry) {
        entry.origin = self.origin.to_owned();
        if let Err(e) = self.append(&entry) {
            tracing::warn!("could not write the audit log: {e}");
        }
    }

    fn append(&self, entry: &AuditEntry) -> Result<()> {
        let wrap = |source: std::io::Error| Error::FileWrite {
            path: self.path.clone(),
            cause: source,
        };
        if let Some(dir) = self.path.parent() {
            ensure_private_dir(dir)?;
        }
        if std::fs::metadata(&self.path).is_ok_and(|m| m.len() >= ROTATE_BYTES) {
            let _ = std::fs::rename(&self.path, self.rotated_path());
        }
        let mut line = serde_json::to_vec(entry).expect("audit entries serialise");
        line.push(b'\n');
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&self.path).map_err(wrap)?;
        file.write_all(&line).map_err(wrap)
    }

    fn rotated_path(&self) -> PathBuf {
        self.path.with_file_name(format!("{FILE_NAME}.1"))
    }

    /// The newest `limit` entries, newest first. Lines that do not parse (a damaged or newer
    /// log) are skipped.
    pub fn recent(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut entries = Vec::new();
        for path in [self.path.clone(), self.rotated_path()] {
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(Error::FileRead {
                        path,
                        cause: source,
                    })
                }
            };
            for line in text.lines().rev() {
                if entries.len() == limit {
                    return Ok(entries);
                }
                if let Ok(entry) = serde_json::from_str::<AuditEntry>(line) {
                    entries.push(entry);
                }
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(event: EventKind, profile: &str) -> AuditEntry {
        AuditEntry {
            profile: Some(profile.into()),
            ..AuditEntry::new(event)
        }
    }

    #[test]
    fn appends_lines_and_reads_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(&dir.path().join("state"), "cli");
        log.record(entry(EventKind::CredentialsIssued, "a"));
        log.record(entry(EventKind::ConsoleSignin, "b"));
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        let recent = log.recent(10).unwrap();
        assert_eq!(recent.len(), 2);
        assert_eq!(recent[0].profile.as_deref(), Some("b"));
        assert_eq!(recent[0].origin, "cli");
        assert_eq!(log.recent(1).unwrap().len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(log.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(dir.path().join("state"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(dir_mode & 0o777, 0o700);
        }
    }

    #[test]
    fn rotates_and_keeps_reading_the_previous_generation() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(dir.path(), "tray");
        std::fs::write(log.path(), vec![b'x'; ROTATE_BYTES as usize]).unwrap();
        log.record(entry(EventKind::CodeUsed, "new"));
        assert!(dir.path().join("audit.jsonl.1").exists());
        let recent = log.recent(10).unwrap();
        assert_eq!(recent.len(), 1, "the junk line of the old file is skipped");
        assert_eq!(recent[0].profile.as_deref(), Some("new"));
    }

    #[test]
    fn summary_says_where_a_code_went_in_words() {
        let code = |purpose: &str| AuditEntry {
            device: Some("work".into()),
            purpose: Some(purpose.into()),
            ..AuditEntry::new(EventKind::CodeUsed)
        };
        assert_eq!(
            code("printed").summary(),
            "device work, shown on the terminal"
        );
        assert_eq!(code("sts").summary(), "device work, sent to STS");
        assert_eq!(
            code("clipboard").summary(),
            "device work, copied to the clipboard"
        );
        let signin = AuditEntry {
            purpose: Some("https://console.aws.amazon.com/s3/".into()),
            ..entry(EventKind::ConsoleSignin, "dev")
        };
        assert_eq!(
            signin.summary(),
            "profile dev, to https://console.aws.amazon.com/s3/"
        );
    }

    #[test]
    fn summary_names_the_parts_that_are_set() {
        let e = AuditEntry {
            operation: Some("AssumeRole".into()),
            role_arn: Some("arn:aws:iam::1:role/r".into()),
            ..entry(EventKind::CredentialsIssued, "dev")
        };
        assert_eq!(
            e.summary(),
            "profile dev, via AssumeRole, role arn:aws:iam::1:role/r"
        );
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"event\":\"credentials_issued\""), "{json}");
        assert!(
            !json.contains("device"),
            "unset fields are left out: {json}"
        );
    }
}
