//! The agent's local endpoint on Windows: a named pipe private to the user, speaking the
//! same protocol as the Unix socket on Linux.
//!
//! - Its name is derived from the endpoint's path and the user's SID
//!   (`\\.\pipe\otpilot-<hash>`), so each user and each runtime directory has its own.
//! - The first instance is created with `FILE_FLAG_FIRST_PIPE_INSTANCE`: if anyone (another
//!   user squatting on the predictable name) made the pipe first, the agent refuses to start
//!   rather than share it. Every instance has a DACL for the user alone and rejects remote
//!   clients.
//! - Each end checks the other: the server asks for the client process's user, the client
//!   for the server process's (`GetNamedPipeClientProcessId` / `ServerProcessId`, then the
//!   process token's SID); a stranger is refused, as `SO_PEERCRED` does on Linux.
//! - Reads and writes are overlapped, so each can end at a deadline (the same limits as the
//!   Unix socket's timeouts).

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sha2::{Digest, Sha256};
use windows_sys::Win32::Foundation::{
    CloseHandle, DuplicateHandle, GetLastError, DUPLICATE_SAME_ACCESS, ERROR_ACCESS_DENIED,
    ERROR_BROKEN_PIPE, ERROR_FILE_NOT_FOUND, ERROR_IO_PENDING, ERROR_NO_DATA,
    ERROR_OPERATION_ABORTED, ERROR_PIPE_BUSY, ERROR_PIPE_CONNECTED, ERROR_PIPE_NOT_CONNECTED,
    GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE, WAIT_TIMEOUT,
};
use windows_sys::Win32::Security::SECURITY_ATTRIBUTES;
use windows_sys::Win32::Storage::FileSystem::{
    CreateFileW, ReadFile, WriteFile, FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_OVERLAPPED,
    OPEN_EXISTING, PIPE_ACCESS_DUPLEX, SECURITY_IDENTIFICATION, SECURITY_SQOS_PRESENT,
};
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, DisconnectNamedPipe, GetNamedPipeClientProcessId,
    GetNamedPipeServerProcessId, WaitNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
    PIPE_TYPE_BYTE, PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
};
use windows_sys::Win32::System::Threading::{
    CreateEventW, GetCurrentProcess, OpenProcess, OpenProcessToken, INFINITE,
    PROCESS_QUERY_LIMITED_INFORMATION,
};
use windows_sys::Win32::System::IO::{
    CancelIoEx, GetOverlappedResult, GetOverlappedResultEx, OVERLAPPED,
};

use super::super::Endpoint;
use super::acl::{current_user_sid, owner_only_sddl, token_user_sid, wide, Descriptor};
use super::UserId;

/// A handle closed once, when dropped.
struct Owned(HANDLE);

// SAFETY: a pipe or event handle may be used and closed from any thread.
unsafe impl Send for Owned {}
// SAFETY: as above; every operation on it takes its own OVERLAPPED.
unsafe impl Sync for Owned {}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: a handle this value owns, closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// The pipe's name for the endpoint at `path`, for this user.
fn pipe_name(path: &Path) -> std::io::Result<Vec<u16>> {
    let mut hash = Sha256::new();
    hash.update(current_user_sid()?.as_bytes());
    hash.update([0]);
    hash.update(path.as_os_str().as_encoded_bytes());
    let digest: String = hash.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(wide(format!(r"\\.\pipe\otpilot-{digest}").as_ref()))
}

fn last_error() -> u32 {
    // SAFETY: reads this thread's last-error value.
    unsafe { GetLastError() }
}

/// Milliseconds for a Win32 wait (`None`: no deadline).
fn millis(timeout: Option<Duration>) -> u32 {
    timeout.map_or(INFINITE, |t| {
        u32::try_from(t.as_millis()).unwrap_or(INFINITE - 1).max(1)
    })
}

/// One end of a connection to the agent.
pub struct LocalStream {
    pipe: Owned,
    /// Whether this is the agent's end (its peer is a client) or a client's.
    server_side: bool,
    /// The timeouts in milliseconds; 0 is none.
    read_timeout: Arc<AtomicU64>,
    write_timeout: Arc<AtomicU64>,
}

impl std::fmt::Debug for LocalStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStream")
            .field("server_side", &self.server_side)
            .finish()
    }
}

impl LocalStream {
    fn new(pipe: Owned, server_side: bool) -> Self {
        Self {
            pipe,
            server_side,
            read_timeout: Arc::new(AtomicU64::new(0)),
            write_timeout: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Connects to the agent's pipe for the endpoint at `path`, waiting a little while all
    /// its instances are busy.
    pub fn connect(path: &Path) -> std::io::Result<LocalStream> {
        let name = pipe_name(path)?;
        for _ in 0..20 {
            // SAFETY: a NUL-terminated name; no security attributes; the handle returned is
            // owned below. SECURITY_IDENTIFICATION: the server may learn who we are, not act
            // as us.
            let handle = unsafe {
                CreateFileW(
                    name.as_ptr(),
                    GENERIC_READ | GENERIC_WRITE,
                    0,
                    std::ptr::null(),
                    OPEN_EXISTING,
                    FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                    std::ptr::null_mut(),
                )
            };
            if handle != INVALID_HANDLE_VALUE {
                return Ok(LocalStream::new(Owned(handle), false));
            }
            if last_error() != ERROR_PIPE_BUSY {
                return Err(std::io::Error::last_os_error());
            }
            // SAFETY: a NUL-terminated name.
            unsafe { WaitNamedPipeW(name.as_ptr(), 100) };
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            "every instance of the agent's pipe stayed busy",
        ))
    }

    /// Writes never wait on a reader here (the pipe's buffer takes a reply whole), so there
    /// is nothing to switch.
    pub fn set_nonblocking(&self, _: bool) -> std::io::Result<()> {
        Ok(())
    }

    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.read_timeout.store(
            timeout.map_or(0, |t| u64::from(millis(Some(t)))),
            Ordering::SeqCst,
        );
        Ok(())
    }

    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> std::io::Result<()> {
        self.write_timeout.store(
            timeout.map_or(0, |t| u64::from(millis(Some(t)))),
            Ordering::SeqCst,
        );
        Ok(())
    }

    pub fn try_clone(&self) -> std::io::Result<LocalStream> {
        let mut copy: HANDLE = std::ptr::null_mut();
        // SAFETY: duplicates a handle this value owns within this process; `copy` is owned
        // by the new value.
        let ok = unsafe {
            DuplicateHandle(
                GetCurrentProcess(),
                self.pipe.0,
                GetCurrentProcess(),
                &mut copy,
                0,
                0,
                DUPLICATE_SAME_ACCESS,
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(LocalStream {
            pipe: Owned(copy),
            server_side: self.server_side,
            read_timeout: self.read_timeout.clone(),
            write_timeout: self.write_timeout.clone(),
        })
    }

    /// Ends the connection from any thread: pending reads and writes return at once.
    pub fn shutdown(&self, _: std::net::Shutdown) -> std::io::Result<()> {
        // SAFETY: cancels this handle's pending I/O (any thread's), then disconnects the
        // server's end (a client's end ignores it).
        unsafe {
            CancelIoEx(self.pipe.0, std::ptr::null());
            if self.server_side {
                DisconnectNamedPipe(self.pipe.0);
            }
        }
        Ok(())
    }

    /// One overlapped read or write, waited for until `timeout_ms` (0: no deadline).
    fn io(
        &self,
        timeout_ms: u64,
        start: impl FnOnce(HANDLE, *mut OVERLAPPED) -> i32,
    ) -> std::io::Result<usize> {
        // SAFETY: a manual-reset event, unnamed, owned below.
        let event = unsafe { CreateEventW(std::ptr::null(), 1, 0, std::ptr::null()) };
        if event.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        let event = Owned(event);
        // SAFETY: OVERLAPPED is plain data; all-zero is its documented initial state. Boxed
        // so its address stays put until the operation is over (waited for below, even when
        // cancelled).
        let mut overlapped: Box<OVERLAPPED> = Box::new(unsafe { std::mem::zeroed() });
        overlapped.hEvent = event.0;
        let ov: *mut OVERLAPPED = &mut *overlapped;
        if start(self.pipe.0, ov) == 0 {
            let error = last_error();
            if error != ERROR_IO_PENDING {
                return Err(std::io::Error::from_raw_os_error(error as i32));
            }
        }
        let wait = if timeout_ms == 0 {
            INFINITE
        } else {
            timeout_ms as u32
        };
        let mut done = 0u32;
        // SAFETY: the operation started above on this handle with this OVERLAPPED.
        if unsafe { GetOverlappedResultEx(self.pipe.0, ov, &mut done, wait, 0) } != 0 {
            return Ok(done as usize);
        }
        let error = last_error();
        if error == WAIT_TIMEOUT {
            // SAFETY: cancels this one operation, then waits for it to be over, so the
            // buffer and the OVERLAPPED are no longer the kernel's when they are freed.
            unsafe {
                CancelIoEx(self.pipe.0, ov);
                GetOverlappedResult(self.pipe.0, ov, &mut done, 1);
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the agent's pipe timed out",
            ));
        }
        Err(std::io::Error::from_raw_os_error(error as i32))
    }

    fn read_into(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        let result = self.io(self.read_timeout.load(Ordering::SeqCst), |pipe, ov| {
            // SAFETY: `buf` is writable for `len` bytes and outlives the operation (`io`
            // waits for it to end).
            unsafe { ReadFile(pipe, buf.as_mut_ptr(), len, std::ptr::null_mut(), ov) }
        });
        match result {
            // The other end has gone, or this one was shut down: the end of the stream.
            Err(e)
                if [
                    ERROR_BROKEN_PIPE,
                    ERROR_PIPE_NOT_CONNECTED,
                    ERROR_NO_DATA,
                    ERROR_OPERATION_ABORTED,
                ]
                .map(|c| c as i32)
                .contains(&e.raw_os_error().unwrap_or(0)) =>
            {
                Ok(0)
            }
            other => other,
        }
    }

    fn write_from(&self, buf: &[u8]) -> std::io::Result<usize> {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        self.io(self.write_timeout.load(Ordering::SeqCst), |pipe, ov| {
            // SAFETY: `buf` is readable for `len` bytes and outlives the operation.
            unsafe { WriteFile(pipe, buf.as_ptr(), len, std::ptr::null_mut(), ov) }
        })
    }
}

impl Read for LocalStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read_into(buf)
    }
}

impl Read for &LocalStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.read_into(buf)
    }
}

impl Write for &LocalStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.write_from(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The agent's listening end: pipe instances made one after another, each handed out once a
/// client connects.
pub struct LocalListener {
    name: Vec<u16>,
    /// The instance waiting for the next client (the first one is made by `bind`).
    next: Mutex<Option<Owned>>,
}

impl std::fmt::Debug for LocalListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalListener")
    }
}

impl LocalListener {
    /// Makes the pipe for the endpoint at `path`; fails if the pipe exists already (another
    /// agent of this user's, or someone squatting on the name).
    pub fn bind(path: &Path) -> std::io::Result<LocalListener> {
        let name = pipe_name(path)?;
        let taken = || {
            std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                "another otpilot agent is listening there (or another program holds its pipe's name)",
            )
        };
        // FILE_FLAG_FIRST_PIPE_INSTANCE below is the guarantee on Windows; Wine ignores it,
        // so the name is looked up first as well (a pipe that exists answers the wait).
        // SAFETY: a NUL-terminated name.
        if unsafe { WaitNamedPipeW(name.as_ptr(), 1) } != 0 || last_error() != ERROR_FILE_NOT_FOUND
        {
            return Err(taken());
        }
        let first = instance(&name, true).map_err(|e| {
            if e.raw_os_error() == Some(ERROR_ACCESS_DENIED as i32)
                || e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32)
            {
                taken()
            } else {
                e
            }
        })?;
        Ok(LocalListener {
            name,
            next: Mutex::new(Some(first)),
        })
    }

    /// Each client as it connects.
    pub fn incoming(&self) -> impl Iterator<Item = std::io::Result<LocalStream>> + '_ {
        std::iter::from_fn(move || Some(self.accept()))
    }

    fn accept(&self) -> std::io::Result<LocalStream> {
        let waiting = self
            .next
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let pipe = match waiting {
            Some(pipe) => pipe,
            None => instance(&self.name, false)?,
        };
        let stream = LocalStream::new(pipe, true);
        // SAFETY: waits for a client on this instance (overlapped, waited for inside `io`).
        let connected = stream.io(0, |pipe, ov| unsafe { ConnectNamedPipe(pipe, ov) });
        match connected {
            Ok(_) => Ok(stream),
            // A client that connected between the instance's creation and this call.
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_CONNECTED as i32) => Ok(stream),
            Err(e) => Err(e),
        }
    }
}

/// A new instance of the pipe `name`, for this user alone, local clients only.
fn instance(name: &[u16], first: bool) -> std::io::Result<Owned> {
    let descriptor = Descriptor::from_sddl(&owner_only_sddl(&current_user_sid()?, false))?;
    let attributes = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: descriptor.as_ptr(),
        bInheritHandle: 0,
    };
    let open_mode = PIPE_ACCESS_DUPLEX
        | FILE_FLAG_OVERLAPPED
        | if first {
            FILE_FLAG_FIRST_PIPE_INSTANCE
        } else {
            0
        };
    // SAFETY: a NUL-terminated name; the attributes and their descriptor live across the
    // call; the handle returned is owned below.
    let handle = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            open_mode,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            PIPE_UNLIMITED_INSTANCES,
            64 * 1024,
            64 * 1024,
            0,
            &attributes,
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Owned(handle))
}

/// Whether an agent's pipe exists for the endpoint at `path` (who runs it is checked once
/// connected: [`peer_user`]).
pub fn check_endpoint(path: &Path) -> Endpoint {
    let Ok(name) = pipe_name(path) else {
        return Endpoint::Missing;
    };
    // SAFETY: a NUL-terminated name.
    if unsafe { WaitNamedPipeW(name.as_ptr(), 1) } == 0 && last_error() == ERROR_FILE_NOT_FOUND {
        return Endpoint::Missing;
    }
    Endpoint::Ours
}

/// The pipe needs nothing more: its DACL was given when each instance was made.
pub fn restrict_endpoint(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The user of the process at the other end: the client's for the agent's end, the
/// agent's for a client's end.
pub fn peer_user(stream: &LocalStream) -> Option<UserId> {
    let mut pid = 0u32;
    // SAFETY: a connected pipe handle; `pid` is a live local.
    let ok = unsafe {
        if stream.server_side {
            GetNamedPipeClientProcessId(stream.pipe.0, &mut pid)
        } else {
            GetNamedPipeServerProcessId(stream.pipe.0, &mut pid)
        }
    };
    if ok == 0 {
        return None;
    }
    process_user(pid).ok()
}

/// The SID of the user process `pid` runs as.
fn process_user(pid: u32) -> std::io::Result<String> {
    // SAFETY: opens the process for querying only; the handle is owned below.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    let process = Owned(process);
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: a process handle owned above; `token` is owned below.
    if unsafe {
        OpenProcessToken(
            process.0,
            windows_sys::Win32::Security::TOKEN_QUERY,
            &mut token,
        )
    } == 0
    {
        return Err(std::io::Error::last_os_error());
    }
    let token = Owned(token);
    token_user_sid(token.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_round_trips_knows_its_peer_and_cannot_be_made_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        assert_eq!(check_endpoint(&path), Endpoint::Missing);
        let listener = LocalListener::bind(&path).unwrap();
        assert_eq!(check_endpoint(&path), Endpoint::Ours);
        let again = LocalListener::bind(&path).unwrap_err();
        assert_eq!(again.kind(), std::io::ErrorKind::AddrInUse, "{again}");
        let server = std::thread::spawn(move || {
            let stream = listener.incoming().next().unwrap().unwrap();
            let mut line = [0u8; 5];
            (&stream).read_exact(&mut line).unwrap();
            (&stream).write_all(b"pong\n").unwrap();
            (line, peer_user(&stream))
        });
        let client = LocalStream::connect(&path).unwrap();
        (&client).write_all(b"ping\n").unwrap();
        let mut answer = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(&client), &mut answer).unwrap();
        assert_eq!(answer, "pong\n");
        let (line, client_user) = server.join().unwrap();
        assert_eq!(&line, b"ping\n");
        let me = current_user_sid().unwrap();
        assert_eq!(
            client_user.as_deref(),
            Some(me.as_str()),
            "the server knows its client"
        );
        assert_eq!(
            peer_user(&client).as_deref(),
            Some(me.as_str()),
            "and the client its server"
        );
    }

    #[test]
    fn a_read_ends_at_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("agent.sock");
        let listener = LocalListener::bind(&path).unwrap();
        let server = std::thread::spawn(move || listener.incoming().next().unwrap().unwrap());
        let client = LocalStream::connect(&path).unwrap();
        let _held = server.join().unwrap();
        client
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let e = (&client).read(&mut [0u8; 1]).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
    }
}
