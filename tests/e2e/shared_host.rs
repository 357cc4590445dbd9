//! Another local user on the same machine: what it can reach of the owner's Otpilot. The hot
//! copies in the kernel keyring through a shared session keyring (`su OTHER` without `-l`,
//! `runuser -u OTHER` keep it), and the runtime directory without `XDG_RUNTIME_DIR`.
//!
//! The other user is a real local account, created once (as root) and reused.

use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};

use crate::harness::aws::AwsWorld;

/// The second local user's name, created if missing (needs root).
const OTHER: &str = "otpilot-e2e-other";

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The uid of [`OTHER`], creating the account first if need be (idempotent, and safe when
/// two tests ask at once: a failed `useradd` is fine if the user exists afterwards).
fn other_user() -> u32 {
    let uid = || {
        Command::new("id")
            .args(["-u", OTHER])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
    };
    if let Some(uid) = uid() {
        return uid;
    }
    let _ = Command::new("useradd")
        .args(["--system", "--no-create-home", "--shell", "/bin/sh", OTHER])
        .status();
    uid().expect("useradd could not create the second test user")
}

/// Gives this thread (and every process it starts from now on) a new session keyring with
/// the user keyring linked into it, as `pam_keyinit` does at a login.
fn share_the_user_keyring_through_a_new_session() {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    const KEYCTL_LINK: libc::c_long = 8;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
    // SAFETY: a null name asks for a new anonymous session keyring for the calling thread;
    // the call keeps no pointer.
    let joined = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    };
    assert!(joined > 0, "{}", std::io::Error::last_os_error());
    // SAFETY: takes only two keyring serials.
    let linked = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_LINK,
            KEY_SPEC_USER_KEYRING,
            KEY_SPEC_SESSION_KEYRING,
        )
    };
    assert_eq!(linked, 0, "{}", std::io::Error::last_os_error());
}

/// `keyctl ARGS` as this process's user; stdout on success.
fn keyctl(args: &[&str], stdin: Option<&str>) -> Option<String> {
    let mut child = Command::new("keyctl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("keyctl (package keyutils)");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What the other user reads of key `id` through `su` and through `runuser`, both started
/// from this thread (so sharing its session keyring).
fn other_reads(id: &str) -> [(&'static str, Option<String>); 2] {
    let read = |cmd: &mut Command| {
        let out = cmd.stdin(Stdio::null()).output().expect("su / runuser");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    [
        (
            "su",
            read(Command::new("su").args([
                "-s",
                "/bin/sh",
                OTHER,
                "-c",
                &format!("keyctl pipe {id}"),
            ])),
        ),
        (
            "runuser",
            read(Command::new("runuser").args(["-u", OTHER, "--", "keyctl", "pipe", id])),
        ),
    ]
}

/// The names of the kernel-keyring copies of the world's cache entries (the MFA session and
/// the role), as the cache names them: a hash of its directory and the entry's id (the
/// metadata file's name).
fn hot_copy_names(w: &AwsWorld) -> Vec<String> {
    let dir = w.env.root.path().join("cache/otpilot/credentials");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let file = e.unwrap().file_name().to_string_lossy().into_owned();
            let id = file.strip_suffix(".json")?.to_owned();
            let mut hash = Sha256::new();
            hash.update(dir.as_os_str().as_encoded_bytes());
            hash.update([0]);
            hash.update(id.as_bytes());
            let hex: String = hash.finalize()[..16]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Some(format!("otpilot:cache:{hex}"))
        })
        .collect();
    assert_eq!(names.len(), 2, "the MFA session and the role: {names:?}");
    names
}

/// The serial of the copy named `name` in the user keyring.
fn copy_id(name: &str) -> String {
    keyctl(&["search", "@u", "user", name], None)
        .unwrap_or_else(|| panic!("no hot copy {name} in the user keyring"))
        .trim()
        .to_owned()
}

#[test]
fn another_user_sharing_the_session_keyring_cannot_read_the_hot_copies() {
    if !is_root() {
        eprintln!("skipped: switching to a second local user needs root");
        return;
    }
    let other = other_user();
    assert_ne!(other, 0);
    let w = AwsWorld::new();
    w.standard_profiles();
    share_the_user_keyring_through_a_new_session();

    // The setup is what a login gives: a key in the user keyring with the kernel's default
    // permissions is readable by the other user through both `su` and `runuser`.
    let control_name = format!("otpilot-e2e-control-{:08x}", rand::random::<u32>());
    let control = keyctl(&["padd", "user", &control_name, "@u"], Some("shared"))
        .expect("a key in @u")
        .trim()
        .to_owned();
    for (how, read) in other_reads(&control) {
        assert_eq!(
            read.as_deref(),
            Some("shared"),
            "{how}: the session keyring is not shared, so this test would prove nothing"
        );
    }
    keyctl(&["invalidate", &control], None);

    // The owner's credential_process leaves hot copies (the MFA session's, the role's).
    let first = w.credential_process("admin");
    let key_id = first["AccessKeyId"].as_str().unwrap().to_owned();
    let names = hot_copy_names(&w);
    let ids: Vec<String> = names.iter().map(|n| copy_id(n)).collect();

    for id in &ids {
        // The other user reads nothing of them, through either door.
        for (how, read) in other_reads(id) {
            assert!(
                read.is_none(),
                "{how}: another user read a hot copy: {read:?}"
            );
        }
        // The owner reads them while possessing them (this session), and without (a
        // session of its own, as a credential_process started by the AWS CLI elsewhere).
        let owner = keyctl(&["pipe", id], None).expect("the owner reads its copy");
        assert!(owner.contains("access_key_id"), "{owner}");
        let unpossessed = keyctl(&["session", "-", "keyctl", "pipe", id], None)
            .expect("the owner reads its copy without possessing it");
        assert!(unpossessed.contains("access_key_id"), "{unpossessed}");
    }
    // And otpilot itself still answers from the hot copy.
    let out = Command::new("keyctl")
        .args(["session", "-"])
        .arg(crate::harness::otpilot_bin())
        .args(["--debug", "credential-process", "admin"])
        .env_clear()
        .envs(w.envs())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("hot copy from the kernel keyring"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&key_id));

    // Copies written by an earlier Otpilot (every right for the possessor) are not left
    // readable: the next call drops them all, read or not, and writes private ones.
    for id in &ids {
        keyctl(&["setperm", id, "0x3f3b0000"], None).expect("setperm");
        assert!(
            other_reads(id).iter().all(|(_, read)| read.is_some()),
            "the old permissions let the other user read"
        );
    }
    let again = w.credential_process("admin");
    assert_eq!(again["AccessKeyId"], first["AccessKeyId"]);
    // The copy that call read is written anew, private; the others are simply gone.
    let mut rewritten = 0;
    for (name, old) in names.iter().zip(&ids) {
        for (how, read) in other_reads(old) {
            assert!(read.is_none(), "{how}: an old copy is still readable");
        }
        let Some(new) = keyctl(&["search", "@u", "user", name], None) else {
            continue;
        };
        let new = new.trim().to_owned();
        assert_ne!(&new, old);
        for (how, read) in other_reads(&new) {
            assert!(read.is_none(), "{how}: another user read a new copy");
        }
        rewritten += 1;
        keyctl(&["invalidate", &new], None);
    }
    assert_eq!(rewritten, 1, "the role's copy is written again");
}

#[test]
fn a_runtime_dir_squatted_by_another_user_is_neither_used_nor_written_into() {
    use std::os::unix::fs::{chown, PermissionsExt};
    if !is_root() {
        eprintln!("skipped: making a directory another user's needs root");
        return;
    }
    let other = other_user();
    let w = AwsWorld::new();
    w.standard_profiles();
    // A temporary directory of the test's own, sticky and writable by all, as /tmp is.
    let tmp = w.env.root.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::set_permissions(w.env.root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // The other user takes the name an earlier Otpilot fell back to, first.
    let squat = tmp.join("otpilot-0");
    std::fs::create_dir(&squat).unwrap();
    chown(&squat, Some(other), Some(other)).unwrap();
    std::fs::set_permissions(&squat, std::fs::Permissions::from_mode(0o777)).unwrap();

    // Without XDG_RUNTIME_DIR, Otpilot works, and leaves nothing in the other user's
    // directory.
    let out = w
        .otpilot(&["credential-process", "admin"])
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left: Vec<_> = std::fs::read_dir(&squat).unwrap().collect();
    assert!(
        left.is_empty(),
        "written into the squatted directory: {left:?}"
    );

    // A runtime directory below a directory the other user owns is refused in one line that
    // says what to do, before anything is made there.
    let theirs = tmp.join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    chown(&theirs, Some(other), Some(other)).unwrap();
    let runtime = theirs.join("run");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    let refused = crate::harness::Run(
        w.otpilot(&["credential-process", "readonly"])
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    );
    let line =
        refused.assert_one_line_error(&format!("{} belongs to uid {other}", theirs.display()));
    assert!(line.contains("XDG_RUNTIME_DIR"), "{line}");
    assert!(!runtime.join("otpilot").exists(), "nothing was made there");
}
