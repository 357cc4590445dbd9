//! What replaces modes 0700/0600 on Windows: an owner-only, protected DACL. Otpilot's own
//! directories get one access-allowed entry, full control for the user this process runs
//! as, inherited by everything created below them, and no entries inherited from above
//! (protected); its files get the same entry. Administrators and SYSTEM can still take
//! ownership, as root can read a 0600 file on Linux.
//!
//! The descriptors are written and read as SDDL strings (`D:P(A;OICI;FA;;;S-1-5-21-…)`):
//! one conversion each way, and a check that is plain text comparison.

use std::ffi::OsStr;
use std::os::windows::ffi::OsStrExt;
use std::path::Path;

use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, ERROR_SUCCESS, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW,
    ConvertStringSecurityDescriptorToSecurityDescriptorW, GetNamedSecurityInfoW,
    SetNamedSecurityInfoW, SDDL_REVISION_1, SE_FILE_OBJECT,
};
use windows_sys::Win32::Security::{
    GetSecurityDescriptorDacl, GetTokenInformation, TokenUser, ACL, DACL_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, TOKEN_QUERY, TOKEN_USER,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// A path or a string as Windows takes it: UTF-16, NUL-terminated.
pub(super) fn wide(s: &OsStr) -> Vec<u16> {
    s.encode_wide().chain(std::iter::once(0)).collect()
}

/// Reads a NUL-terminated UTF-16 string that Windows allocated, then frees it (LocalFree).
///
/// # Safety
/// `p` is null or a NUL-terminated string from LocalAlloc that nothing else frees.
unsafe fn take_local_string(p: *mut u16) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller promises a NUL-terminated string: reading up to the NUL stays in it.
    let len = (0..).take_while(|&i| unsafe { *p.add(i) } != 0).count();
    // SAFETY: `len` units were just read from this allocation.
    let text = String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, len) });
    // SAFETY: allocated by LocalAlloc (the caller's promise), freed once here.
    unsafe { LocalFree(p.cast()) };
    Some(text)
}

/// The SID of the user this process runs as, as a string (`S-1-5-21-…`), from the process
/// token.
pub fn current_user_sid() -> std::io::Result<String> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: the pseudo-handle of this process needs no closing; `token` receives a handle
    // that is closed below.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let result = token_user_sid(token);
    // SAFETY: `token` was opened above and is closed once.
    unsafe { CloseHandle(token) };
    result
}

pub(super) fn token_user_sid(token: HANDLE) -> std::io::Result<String> {
    // TOKEN_USER and the SID after it; 256 bytes hold any SID (at most 68 bytes) and the
    // header. u64s keep the buffer aligned for TOKEN_USER's pointer.
    let mut buf = [0u64; 32];
    let mut needed = 0u32;
    // SAFETY: the buffer is writable for its full size, which is what is passed.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenUser,
            buf.as_mut_ptr().cast(),
            std::mem::size_of_val(&buf) as u32,
            &mut needed,
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: on success the buffer starts with a TOKEN_USER, suitably aligned (u64s).
    let user = unsafe { &*(buf.as_ptr() as *const TOKEN_USER) };
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: the SID points into `buf`, alive here; `text` receives a LocalAlloc'd string.
    if unsafe { ConvertSidToStringSidW(user.User.Sid, &mut text) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a string from ConvertSidToStringSidW, freed by nobody else.
    unsafe { take_local_string(text) }.ok_or_else(|| std::io::Error::other("no SID string"))
}

/// The SDDL of an owner-only DACL for `sid`: protected (nothing inherited from above), one
/// entry with full control, inherited by files and directories below when `dir`.
pub fn owner_only_sddl(sid: &str, dir: bool) -> String {
    let inherit = if dir { "OICI" } else { "" };
    format!("D:P(A;{inherit};FA;;;{sid})")
}

/// Gives `path` an owner-only DACL (see the module's note).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    let dir = std::fs::symlink_metadata(path)?.is_dir();
    let sddl = owner_only_sddl(&current_user_sid()?, dir);
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a NUL-terminated SDDL string in; `sd` receives a LocalAlloc'd descriptor.
    let ok = unsafe {
        ConvertStringSecurityDescriptorToSecurityDescriptorW(
            wide(OsStr::new(&sddl)).as_ptr(),
            SDDL_REVISION_1,
            &mut sd,
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let result = set_dacl_from(path, sd);
    // SAFETY: `sd` came from LocalAlloc above and is freed once; the DACL pointed into it
    // is not used after this.
    unsafe { LocalFree(sd) };
    result
}

fn set_dacl_from(path: &Path, sd: PSECURITY_DESCRIPTOR) -> std::io::Result<()> {
    let mut present = 0;
    let mut defaulted = 0;
    let mut dacl: *mut ACL = std::ptr::null_mut();
    // SAFETY: `sd` is a valid descriptor; the out-pointers are live locals.
    if unsafe { GetSecurityDescriptorDacl(sd, &mut present, &mut dacl, &mut defaulted) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a NUL-terminated path; the DACL lives in `sd`, alive for this call.
    let rc = unsafe {
        SetNamedSecurityInfoW(
            wide(path.as_os_str()).as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            dacl,
            std::ptr::null(),
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(std::io::Error::from_raw_os_error(rc as i32));
    }
    Ok(())
}

/// A security descriptor from SDDL, freed when dropped (for a named pipe's creation).
pub(super) struct Descriptor(PSECURITY_DESCRIPTOR);

impl Descriptor {
    pub(super) fn from_sddl(sddl: &str) -> std::io::Result<Self> {
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: a NUL-terminated SDDL string in; `sd` receives a LocalAlloc'd descriptor
        // that this value frees.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                wide(OsStr::new(sddl)).as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self(sd))
    }

    pub(super) fn as_ptr(&self) -> PSECURITY_DESCRIPTOR {
        self.0
    }
}

impl Drop for Descriptor {
    fn drop(&mut self) {
        // SAFETY: allocated by the conversion in `from_sddl`, freed once.
        unsafe { LocalFree(self.0) };
    }
}

/// The DACL of `path` as SDDL (`D:P(A;…;…;;;S-…)`).
pub fn dacl_sddl(path: &Path) -> std::io::Result<String> {
    let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
    // SAFETY: a NUL-terminated path; the out-pointers we do not want are null, which the
    // function allows; `sd` receives a LocalAlloc'd descriptor, freed below.
    let rc = unsafe {
        GetNamedSecurityInfoW(
            wide(path.as_os_str()).as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    if rc != ERROR_SUCCESS {
        return Err(std::io::Error::from_raw_os_error(rc as i32));
    }
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: `sd` is the descriptor just read; `text` receives a LocalAlloc'd string.
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd,
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION,
            &mut text,
            std::ptr::null_mut(),
        )
    };
    let error = std::io::Error::last_os_error();
    // SAFETY: from GetNamedSecurityInfoW, freed once.
    unsafe { LocalFree(sd) };
    if ok == 0 {
        return Err(error);
    }
    // SAFETY: from the conversion above, freed by nobody else.
    unsafe { take_local_string(text) }.ok_or_else(|| std::io::Error::other("no SDDL string"))
}

/// Whether an SDDL DACL lets only `sid` in: protected, and every entry an allow for `sid`.
pub fn sddl_is_owner_only(sddl: &str, sid: &str) -> bool {
    let Some(rest) = sddl.strip_prefix("D:") else {
        return false;
    };
    // The flags before the first entry: P (protected), maybe AI/AR.
    let (flags, aces) = rest.split_at(rest.find('(').unwrap_or(rest.len()));
    if !flags.contains('P') || aces.is_empty() {
        return false;
    }
    aces.split(')').filter(|ace| !ace.is_empty()).all(|ace| {
        let fields: Vec<&str> = ace.trim_start_matches('(').split(';').collect();
        fields.len() == 6 && fields[0] == "A" && fields[5] == sid
    })
}

/// Whether only this user may reach `path` (its DACL is owner-only).
pub fn is_private(path: &Path) -> std::io::Result<bool> {
    Ok(sddl_is_owner_only(&dacl_sddl(path)?, &current_user_sid()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_only_rule_reads_sddl() {
        let me = "S-1-5-21-1-2-3-1000";
        assert!(sddl_is_owner_only(&owner_only_sddl(me, true), me));
        assert!(sddl_is_owner_only(&owner_only_sddl(me, false), me));
        // Not protected: entries from the parent may come in.
        assert!(!sddl_is_owner_only(&format!("D:(A;;FA;;;{me})"), me));
        // Someone else too (Everyone).
        assert!(!sddl_is_owner_only(
            &format!("D:P(A;;FA;;;{me})(A;;FR;;;WD)"),
            me
        ));
        // A deny entry is not what this check vouches for; nor is an empty DACL's absence.
        assert!(!sddl_is_owner_only(&format!("D:P(D;;FA;;;{me})"), me));
        assert!(!sddl_is_owner_only("D:P", me));
        assert!(!sddl_is_owner_only("", me));
    }

    #[test]
    fn the_user_has_a_sid() {
        let sid = current_user_sid().unwrap();
        assert!(sid.starts_with("S-1-"), "{sid}");
    }

    /// Whether this runs under Wine (its ntdll exports `wine_get_version`).
    fn under_wine() -> bool {
        use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};
        let ntdll = wide(OsStr::new("ntdll.dll"));
        // SAFETY: ntdll is loaded in every process; the names are NUL-terminated.
        unsafe {
            let module = GetModuleHandleW(ntdll.as_ptr());
            !module.is_null()
                && GetProcAddress(module, c"wine_get_version".as_ptr().cast()).is_some()
        }
    }

    #[test]
    fn the_descriptor_given_is_owner_only_and_protected() {
        let me = current_user_sid().unwrap();
        for dir in [true, false] {
            let descriptor = Descriptor::from_sddl(&owner_only_sddl(&me, dir)).unwrap();
            let mut text: *mut u16 = std::ptr::null_mut();
            // SAFETY: a valid descriptor; `text` receives a LocalAlloc'd string.
            let ok = unsafe {
                ConvertSecurityDescriptorToStringSecurityDescriptorW(
                    descriptor.as_ptr(),
                    SDDL_REVISION_1,
                    DACL_SECURITY_INFORMATION,
                    &mut text,
                    std::ptr::null_mut(),
                )
            };
            assert_ne!(ok, 0);
            // SAFETY: from the conversion above, freed by nobody else.
            let back = unsafe { take_local_string(text) }.unwrap();
            assert!(sddl_is_owner_only(&back, &me), "{back}");
        }
    }

    /// On Windows the DACL is read back. Wine as Debian 12 builds it keeps no file DACLs (it
    /// reports one made from the Unix mode), so under Wine only the call's success is
    /// checked, and the test says so.
    #[test]
    fn a_private_directory_and_what_is_made_in_it_let_only_the_owner_in() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mine");
        std::fs::create_dir(&dir).unwrap();
        make_private(&dir).unwrap();
        if under_wine() && !is_private(&dir).unwrap() {
            eprintln!("Wine keeps no file DACLs here: the read-back is not checked");
            return;
        }
        assert!(is_private(&dir).unwrap(), "{}", dacl_sddl(&dir).unwrap());
        // A file created below inherits the entry: private from its first byte.
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap();
        let inherited = dacl_sddl(&file).unwrap();
        assert!(
            inherited.contains(&current_user_sid().unwrap()),
            "the file inherits the owner's entry: {inherited}"
        );
        make_private(&file).unwrap();
        assert!(is_private(&file).unwrap(), "{}", dacl_sddl(&file).unwrap());
    }
}
