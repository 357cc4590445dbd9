//! The kernel's key retention service as a hot cache for temporary credentials: one `user`
//! key per cache entry in the user's keyring (`@u`), with the kernel's own timeout set to the
//! credentials' expiry, so it forgets them on time by itself. Reading one is a syscall, not a
//! D-Bus round trip to the Secret Service, which makes a warm `credential_process` call cheap.
//!
//! Everything here is best effort: a full per-user quota (`/proc/sys/kernel/keys/maxbytes`),
//! a kernel without keys, or a seccomp filter that refuses the calls just means the Secret
//! Service answers, as before. Errors are never returned.

use std::ffi::CString;

use zeroize::Zeroizing;

// The key-management ABI (linux/keyctl.h); stable since 2.6.
const KEY_SPEC_USER_KEYRING: libc::c_long = -4;
const KEYCTL_SETPERM: libc::c_long = 5;
const KEYCTL_SEARCH: libc::c_long = 10;
const KEYCTL_READ: libc::c_long = 11;
const KEYCTL_SET_TIMEOUT: libc::c_long = 15;
const KEYCTL_INVALIDATE: libc::c_long = 21;
/// Every right for a process that possesses the key, and view, read, write, search and
/// setattr for the user's other processes (a `credential_process` started by the AWS CLI
/// finds the key through `@u` without possessing it). Other users get nothing.
const PERMISSIONS: libc::c_long =
    0x3f00_0000 | 0x0001_0000 | 0x0002_0000 | 0x0004_0000 | 0x0008_0000 | 0x0020_0000;
/// The largest payload of a `user` key.
const MAX_PAYLOAD: usize = 32_767;

const KEY_TYPE: &[u8] = b"user\0";

/// The entry `name`, if the kernel still holds it (wiped when dropped).
pub fn hot_get(name: &str) -> Option<Zeroizing<Vec<u8>>> {
    let id = search(name)?;
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
    // SAFETY: add_key reads the type and description (NUL-terminated) and `secret.len()`
    // bytes of payload; it keeps no pointer.
    let id = unsafe {
        libc::syscall(
            libc::SYS_add_key,
            KEY_TYPE.as_ptr(),
            description.as_ptr(),
            secret.as_ptr(),
            secret.len(),
            KEY_SPEC_USER_KEYRING,
        )
    };
    if id < 0 {
        tracing::debug!(
            "hot cache: the kernel keyring did not take an entry ({})",
            std::io::Error::last_os_error()
        );
        return false;
    }
    // SAFETY: both calls take only the key's serial and integer arguments.
    let ok = unsafe {
        libc::syscall(libc::SYS_keyctl, KEYCTL_SETPERM, id, PERMISSIONS) == 0
            && libc::syscall(libc::SYS_keyctl, KEYCTL_SET_TIMEOUT, id, ttl_seconds) == 0
    };
    if !ok {
        // A key without its timeout must not outlive the credentials.
        invalidate(id);
    }
    ok
}

/// Forgets the entry `name`, if there is one.
pub fn hot_forget(name: &str) {
    if let Some(id) = search(name) {
        invalidate(id);
    }
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

    #[test]
    fn what_the_kernel_will_not_take_is_refused_quietly() {
        let n = name("too-big");
        assert!(!hot_put(&n, &vec![0u8; MAX_PAYLOAD + 1], 60));
        assert!(!hot_put(&n, b"x", 0));
        assert!(!hot_put("nul\0inside", b"x", 60));
        assert!(hot_get(&n).is_none());
    }
}
