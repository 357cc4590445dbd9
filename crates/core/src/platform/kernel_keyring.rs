//! The kernel's key retention service as a hot cache for temporary credentials: one `user`
//! key per cache entry in the user's keyring (`@u`), with the kernel's own timeout set to the
//! credentials' expiry, so it forgets them on time by itself. Reading one is a syscall, not a
//! D-Bus round trip to the Secret Service, which makes a warm `credential_process` call cheap.
//!
//! Everything here is best effort: a full per-user quota (`/proc/sys/kernel/keys/maxbytes`),
//! a kernel without keys, or a seccomp filter that refuses the calls just means the Secret
//! Service answers, as before. Errors are never returned.
//!
//! Who may read a copy. The kernel grants a process the *possessor* rights of a key it can
//! reach from its own thread, process or session keyring, added to the rights of its uid.
//! After a login, `pam_keyinit` links the user keyring into the session keyring, and `su
//! OTHER` (without `-l`) or `runuser -u OTHER` keep that session keyring: the other uid then
//! possesses every key in `@u`. So a copy grants the possessor nothing ([`PERMISSIONS`]):
//! only this uid reads it, through the user rights, whether it possesses the key or not (a
//! `credential_process` started by the AWS CLI finds it through `@u` without possessing it).
//! A copy is made in this thread's own keyring, which nobody shares, given its permissions
//! and timeout there, and only then linked into `@u` (displacing any key of that name), so a
//! key planted in `@u` by a process sharing the session is never written to; and a key
//! found under the name is used only when it is this uid's with exactly these permissions.
//! Anything else (another uid's key, or a copy written before the permissions were narrowed)
//! is dropped on sight.

use std::ffi::CString;

use zeroize::Zeroizing;

// The key-management ABI (linux/keyctl.h); stable since 3.5 (KEYCTL_INVALIDATE).
const KEY_SPEC_THREAD_KEYRING: libc::c_long = -1;
const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
const KEYCTL_DESCRIBE: libc::c_long = 6;
const KEYCTL_LINK: libc::c_long = 8;
const KEYCTL_UNLINK: libc::c_long = 9;
const KEYCTL_SETPERM: libc::c_long = 5;
const KEYCTL_SEARCH: libc::c_long = 10;
const KEYCTL_READ: libc::c_long = 11;
const KEYCTL_SET_TIMEOUT: libc::c_long = 15;
const KEYCTL_INVALIDATE: libc::c_long = 21;
/// Nothing for a process that merely possesses the key (another uid sharing the session
/// keyring would); view, read, search, link and setattr for this uid. No write: a copy is
/// replaced by a new key, never updated in place. Group and others get nothing.
pub(crate) const PERMISSIONS: u32 = 0x0001_0000 // KEY_USR_VIEW
    | 0x0002_0000 // KEY_USR_READ
    | 0x0008_0000 // KEY_USR_SEARCH
    | 0x0010_0000 // KEY_USR_LINK
    | 0x0020_0000; // KEY_USR_SETATTR
/// The largest payload of a `user` key.
const MAX_PAYLOAD: usize = 32_767;

const KEY_TYPE: &[u8] = b"user\0";

/// The entry `name`, if the kernel still holds it as a copy of this uid's with Otpilot's
/// permissions (wiped when dropped). Any other key under the name is dropped.
pub fn hot_get(name: &str) -> Option<Zeroizing<Vec<u8>>> {
    let id = search(name)?;
    if !is_own_copy(id) {
        tracing::debug!("hot cache: dropped a kernel key that is not a private copy of ours");
        drop_key(id);
        return None;
    }
    // The payload is small; one read with room to spare, then a second if it grew.
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: KEYCTL_READ writes at most `buf.len()` bytes into `buf` and returns the
        // payload's full length.
        let len = unsafe {
            libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_READ,
                id,
                buf.as_mut_ptr(),
                buf.len(),
            )
        };
        if len < 0 {
            zero(&mut buf);
            return None;
        }
        let len = len as usize;
        if len <= buf.len() {
            buf.truncate(len);
            return Some(Zeroizing::new(buf));
        }
        zero(&mut buf);
        buf = vec![0u8; len];
    }
}

/// Keeps `secret` as the entry `name` for `ttl_seconds`; false when the kernel would not
/// (quota, size, no keys).
pub fn hot_put(name: &str, secret: &[u8], ttl_seconds: u64) -> bool {
    if secret.len() > MAX_PAYLOAD || ttl_seconds == 0 {
        return false;
    }
    let Ok(description) = CString::new(name) else {
        return false;
    };
    // Made in this thread's keyring, which no other process possesses, so nobody can read
    // it before its permissions are narrowed.
    // SAFETY: add_key reads the type and description (NUL-terminated) and `secret.len()`
    // bytes of payload; it keeps no pointer.
    let id = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            KEY_TYPE.as_ptr(),
            description.as_ptr(),
            secret.as_ptr(),
            secret.len(),
            KEY_SPEC_THREAD_KEYRING,
        )
    };
    if id < 0 {
        tracing::debug!(
            "hot cache: the kernel keyring did not take an entry ({})",
            std::io::Error::last_os_error()
        );
        return false;
    }
    // The copy this one replaces is invalidated, not merely displaced: a key of ours is
    // then gone from wherever else it was linked, and a key planted under the name is
    // killed while this process still possesses it.
    if let Some(old) = search(name) {
        invalidate(old);
    }
    // SAFETY: every call takes only key serials and integer arguments.
    let ok = unsafe {
        libc::syscall(libc::SYS_keyctl, KEYCTL_SET_TIMEOUT, id, ttl_seconds) == 0
            && libc::syscall(
                libc::SYS_keyctl,
                KEYCTL_SETPERM,
                id,
                PERMISSIONS as libc::c_long,
            ) == 0
            // Linking displaces a key of the same name from `@u`, whoever put it there.
            && libc::syscall(libc::SYS_keyctl, KEYCTL_LINK, id, KEY_SPEC_USER_KEYRING) == 0
    };
    // SAFETY: as above. (The kernel unlinks by name: this removes the new key from the
    // thread's keyring, and only from there.)
    let _ = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_THREAD_KEYRING) };
    if !ok {
        // A key without its timeout or its permissions must not outlive this call.
        invalidate(id);
    }
    ok
}

/// Drops the entry `name` if it is not a private copy of this uid's (one written by an
/// earlier Otpilot with wider permissions, or another uid's), without reading it.
pub fn hot_tidy(name: &str) {
    if let Some(id) = search(name) {
        if !is_own_copy(id) {
            drop_key(id);
        }
    }
}

/// Forgets the entry `name`, if there is one.
pub fn hot_forget(name: &str) {
    if let Some(id) = search(name) {
        drop_key(id);
    }
}

/// What the kernel says of a key: its owner and permissions.
#[derive(Debug, PartialEq, Eq)]
struct KeyInfo {
    uid: u32,
    perm: u32,
}

/// Parses KEYCTL_DESCRIBE's `type;uid;gid;perm;description` (perm in hex).
fn parse_description(text: &[u8]) -> Option<KeyInfo> {
    let text = std::str::from_utf8(text).ok()?;
    let mut fields = text.splitn(5, ';');
    let (_type, uid, _gid, perm) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    fields.next()?;
    Some(KeyInfo {
        uid: uid.parse().ok()?,
        perm: u32::from_str_radix(perm, 16).ok()?,
    })
}

fn describe(id: libc::c_long) -> Option<KeyInfo> {
    let mut buf = [0u8; 512];
    // SAFETY: KEYCTL_DESCRIBE writes at most `buf.len()` bytes (NUL-terminated) into `buf`
    // and returns the description's full length.
    let len = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_DESCRIBE,
            id,
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    // Our names are short; a longer description is not one of ours anyway.
    let len = usize::try_from(len).ok().filter(|n| *n <= buf.len())?;
    let text = &buf[..len];
    parse_description(text.strip_suffix(&[0]).unwrap_or(text))
}

/// A key this uid owns, with exactly Otpilot's permissions: a copy to use.
fn is_own_copy(id: libc::c_long) -> bool {
    describe(id)
        .is_some_and(|info| info.uid == crate::platform::current_uid() && info.perm == PERMISSIONS)
}

/// Drops a key found under one of our names: invalidated where the kernel lets us (ours,
/// or a key we possess), and unlinked from `@u` in any case (the kernel unlinks by name:
/// whatever key of that name `@u` holds now).
fn drop_key(id: libc::c_long) {
    invalidate(id);
    // SAFETY: takes only key serials.
    let _ = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_UNLINK, id, KEY_SPEC_USER_KEYRING) };
}

fn search(name: &str) -> Option<libc::c_long> {
    let description = CString::new(name).ok()?;
    // SAFETY: KEYCTL_SEARCH reads the NUL-terminated type and description.
    let id = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_SEARCH,
            KEY_SPEC_USER_KEYRING,
            KEY_TYPE.as_ptr(),
            description.as_ptr(),
            0 as libc::c_long,
        )
    };
    (id >= 0).then_some(id)
}

fn invalidate(id: libc::c_long) {
    // SAFETY: takes only the key's serial.
    let _ = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_INVALIDATE, id) };
}

fn zero(buf: &mut [u8]) {
    zeroize::Zeroize::zeroize(buf);
}

/// Fills this user's key quota with throwaway keys until the kernel refuses one; dropping
/// the guard removes them and waits until there is room again (invalidated keys are
/// collected by the kernel a moment later).
#[cfg(test)]
pub(crate) fn fill_quota() -> QuotaFiller {
    let mut ids = Vec::new();
    // Big keys first, then ever smaller ones into what is left, down to a byte.
    let mut size = MAX_PAYLOAD;
    let payload = vec![0u8; MAX_PAYLOAD];
    let mut n = 0u64;
    while size > 0 && n < 200_000 {
        n += 1;
        let description = CString::new(format!(
            "otpilot-test:filler:{n}:{:016x}",
            rand::random::<u64>()
        ))
        .unwrap();
        // SAFETY: as in hot_put.
        let id = unsafe {
            libc::syscall(
                libc::SYS_add_key,
                KEY_TYPE.as_ptr(),
                description.as_ptr(),
                payload.as_ptr(),
                size,
                KEY_SPEC_USER_KEYRING,
            )
        };
        if id < 0 {
            size /= 2;
        } else {
            ids.push(id);
        }
    }
    assert!(!ids.is_empty(), "the kernel keyring took no key at all");
    QuotaFiller(ids)
}

#[cfg(test)]
pub(crate) struct QuotaFiller(Vec<libc::c_long>);

#[cfg(test)]
impl Drop for QuotaFiller {
    fn drop(&mut self) {
        for id in &self.0 {
            invalidate(*id);
        }
        let probe = format!("otpilot-test:probe:{:016x}", rand::random::<u64>());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !hot_put(&probe, &[0u8; 4096], 5) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        hot_forget(&probe);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(what: &str) -> String {
        format!("otpilot-test:{what}:{:016x}", rand::random::<u64>())
    }

    #[test]
    fn entries_are_kept_read_back_and_forgotten() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let n = name("round-trip");
        assert!(hot_get(&n).is_none());
        assert!(hot_put(&n, b"{\"AccessKeyId\":\"ASIA...\"}", 60));
        assert_eq!(
            hot_get(&n).unwrap().as_slice(),
            b"{\"AccessKeyId\":\"ASIA...\"}"
        );
        // A second put replaces the payload.
        let big = vec![b'x'; 6000];
        assert!(hot_put(&n, &big, 60));
        assert_eq!(hot_get(&n).unwrap().as_slice(), &big[..]);
        hot_forget(&n);
        assert!(hot_get(&n).is_none());
    }

    #[test]
    fn the_kernel_forgets_an_entry_when_its_time_is_up() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let n = name("timeout");
        assert!(hot_put(&n, b"short-lived", 1));
        assert!(hot_get(&n).is_some());
        std::thread::sleep(std::time::Duration::from_millis(2100));
        assert!(hot_get(&n).is_none());
    }

    /// A key under `name` in `@u` with the kernel's default permissions (possessor: all), as
    /// an earlier Otpilot wrote its copies, or as another uid sharing the session plants one.
    fn add_plain(name: &str, payload: &[u8]) -> libc::c_long {
        let description = CString::new(name).unwrap();
        // SAFETY: as in hot_put.
        let id = unsafe {
            libc::syscall(
                libc::SYS_add_key,
                KEY_TYPE.as_ptr(),
                description.as_ptr(),
                payload.as_ptr(),
                payload.len(),
                KEY_SPEC_USER_KEYRING,
            )
        };
        assert!(id > 0, "{}", std::io::Error::last_os_error());
        id
    }

    #[test]
    fn a_copy_grants_a_possessor_nothing_and_its_owner_what_it_needs() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let n = name("permissions");
        assert!(hot_put(&n, b"secret", 60));
        let id = search(&n).unwrap();
        let info = describe(id).unwrap();
        assert_eq!(info.uid, crate::platform::current_uid());
        assert_eq!(
            info.perm & 0xff00_0000,
            0,
            "possessor rights: {:08x}",
            info.perm
        );
        assert_eq!(
            info.perm & 0x0000_ffff,
            0,
            "group or other rights: {:08x}",
            info.perm
        );
        assert_eq!(info.perm, PERMISSIONS);
        // A second put replaces the key rather than writing into it.
        assert!(hot_put(&n, b"newer", 60));
        let second = search(&n).unwrap();
        assert_ne!(second, id);
        assert!(describe(id).is_none(), "the replaced copy is gone");
        assert_eq!(hot_get(&n).unwrap().as_slice(), b"newer");
        hot_forget(&n);
    }

    #[test]
    fn a_copy_with_wider_permissions_is_dropped_when_read() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let n = name("old-permissions");
        // The permissions Otpilot used to give: every right for the possessor.
        let old = add_plain(&n, b"secret");
        // SAFETY: takes only a key serial and an integer.
        let set = unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_SETPERM, old, 0x3f3b_0000) };
        assert_eq!(set, 0);
        assert!(hot_get(&n).is_none(), "a copy others may read is not used");
        assert!(search(&n).is_none(), "and it is gone");
        assert!(describe(old).is_none());
        // Tidying drops such a copy without reading it, and keeps a private one.
        let old = add_plain(&n, b"secret");
        hot_tidy(&n);
        assert!(describe(old).is_none());
        assert!(hot_put(&n, b"private", 60));
        hot_tidy(&n);
        assert_eq!(hot_get(&n).unwrap().as_slice(), b"private");
        hot_forget(&n);
    }

    #[test]
    fn a_planted_key_is_never_written_to_and_is_displaced() {
        let _quota = crate::platform::kernel_keyring_test_lock();
        let n = name("planted");
        let planted = add_plain(&n, b"{\"AccessKeyId\":\"ASIAPLANTED\"}");
        assert!(hot_put(&n, b"real", 60));
        let id = search(&n).unwrap();
        assert_ne!(
            id, planted,
            "the copy is a new key, not the planted one updated"
        );
        assert!(describe(planted).is_none(), "the planted key is dropped");
        assert_eq!(hot_get(&n).unwrap().as_slice(), b"real");
        hot_forget(&n);
    }

    #[test]
    fn descriptions_are_parsed() {
        assert_eq!(
            parse_description(b"user;1000;1000;003b0000;otpilot:cache:ab;cd"),
            Some(KeyInfo {
                uid: 1000,
                perm: 0x003b_0000
            })
        );
        assert_eq!(parse_description(b"user;x;0;3f010000;n"), None);
        assert_eq!(parse_description(b"user;0;0;3f010000"), None);
    }

    #[test]
    fn what_the_kernel_will_not_take_is_refused_quietly() {
        let n = name("too-big");
        assert!(!hot_put(&n, &vec![0u8; MAX_PAYLOAD + 1], 60));
        assert!(!hot_put(&n, b"x", 0));
        assert!(!hot_put("nul\0inside", b"x", 60));
        assert!(hot_get(&n).is_none());
    }
}
