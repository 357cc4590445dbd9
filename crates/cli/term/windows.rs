//! Hidden input on the Windows console: `CONIN$` with echo switched off (the console's own
//! line editing still works: backspace, arrows), read as UTF-16 (`ReadConsoleW`) so any
//! character comes through, and the console's mode put back on every way out, Ctrl-C
//! included.

use std::ffi::c_void;
use std::fs::File;
use std::io::Write;
use std::os::windows::io::AsRawHandle;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};

use otpilot_core::secret::SecretString;
use windows_sys::core::BOOL;
use windows_sys::Win32::System::Console::{
    GetConsoleMode, ReadConsoleW, SetConsoleCtrlHandler, SetConsoleMode, CONSOLE_MODE,
    ENABLE_ECHO_INPUT, ENABLE_LINE_INPUT, ENABLE_PROCESSED_INPUT,
};
use zeroize::Zeroizing;

/// The console, for reading (`CONIN$`) and for writing (`CONOUT$`). Fails when this process
/// has no console, or its input is not one.
pub fn open_tty() -> std::io::Result<(File, File)> {
    let input = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("CONIN$")?;
    let mut mode: CONSOLE_MODE = 0;
    // SAFETY: a handle this function owns; `mode` is a live local.
    if unsafe { GetConsoleMode(input.as_raw_handle(), &mut mode) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let output = std::fs::OpenOptions::new().write(true).open("CONOUT$")?;
    Ok((input, output))
}

/// The console input and the mode to put back, for the Ctrl-C handler.
static SAVED_HANDLE: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
static SAVED_MODE: AtomicU32 = AtomicU32::new(0);

/// Ctrl-C, Ctrl-Break or the console closing while echo is off: the mode is put back, then
/// the default handling goes on (it ends otpilot).
unsafe extern "system" fn restore_on_ctrl(_event: u32) -> BOOL {
    let handle = SAVED_HANDLE.load(Ordering::SeqCst);
    if !handle.is_null() {
        // SAFETY: the console input handle, open while this handler is registered.
        unsafe { SetConsoleMode(handle, SAVED_MODE.load(Ordering::SeqCst)) };
    }
    0
}

/// Echo off until dropped; dropping puts back the mode it found.
struct HiddenInput<'a> {
    input: &'a File,
    saved: CONSOLE_MODE,
}

impl<'a> HiddenInput<'a> {
    fn start(input: &'a File) -> std::io::Result<Self> {
        let handle = input.as_raw_handle();
        let mut saved: CONSOLE_MODE = 0;
        // SAFETY: a console handle borrowed from `input`; `saved` is a live local.
        if unsafe { GetConsoleMode(handle, &mut saved) } == 0 {
            return Err(std::io::Error::last_os_error());
        }
        SAVED_MODE.store(saved, Ordering::SeqCst);
        SAVED_HANDLE.store(handle, Ordering::SeqCst);
        // SAFETY: registers a function that lives for the whole program.
        unsafe { SetConsoleCtrlHandler(Some(restore_on_ctrl), 1) };
        let quiet = (saved & !ENABLE_ECHO_INPUT) | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT;
        // SAFETY: as above.
        if unsafe { SetConsoleMode(handle, quiet) } == 0 {
            let error = std::io::Error::last_os_error();
            drop(Self { input, saved });
            return Err(error);
        }
        Ok(Self { input, saved })
    }
}

impl Drop for HiddenInput<'_> {
    fn drop(&mut self) {
        // SAFETY: the console handle borrowed for this value's life; then the handler,
        // registered in `start`, is removed.
        unsafe {
            SetConsoleMode(self.input.as_raw_handle(), self.saved);
            SetConsoleCtrlHandler(Some(restore_on_ctrl), 0);
        }
        SAVED_HANDLE.store(std::ptr::null_mut(), Ordering::SeqCst);
    }
}

/// Reads one line from the console without echo, after `prompt`.
pub fn read_hidden(prompt: &str) -> std::io::Result<SecretString> {
    let (input, mut output) = open_tty()?;
    let hidden = HiddenInput::start(&input)?;
    output.write_all(prompt.as_bytes())?;
    output.flush()?;
    // UTF-16 units, in buffers wiped when dropped; a long paste grows into a new one.
    let mut line: Zeroizing<Vec<u16>> = Zeroizing::new(Vec::with_capacity(1024));
    let mut chunk = Zeroizing::new([0u16; 256]);
    loop {
        let mut read = 0u32;
        // SAFETY: `chunk` is writable for its full length, which is what is passed; `read`
        // receives how many units were written.
        let ok = unsafe {
            ReadConsoleW(
                input.as_raw_handle(),
                chunk.as_mut_ptr().cast(),
                chunk.len() as u32,
                &mut read,
                std::ptr::null(),
            )
        };
        if ok == 0 {
            return Err(std::io::Error::last_os_error());
        }
        let got = &chunk[..read as usize];
        if line.len() + got.len() > line.capacity() {
            let mut bigger = Zeroizing::new(Vec::with_capacity((line.len() + got.len()) * 2));
            bigger.extend_from_slice(&line);
            line = bigger;
        }
        line.extend_from_slice(got);
        if read == 0 || got.contains(&u16::from(b'\n')) {
            break;
        }
    }
    drop(hidden);
    // The Enter that echo did not show.
    output.write_all(b"\r\n")?;
    let end = line
        .iter()
        .position(|&u| u == u16::from(b'\r') || u == u16::from(b'\n'))
        .unwrap_or(line.len());
    let text = String::from_utf16(&line[..end]).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "the input is not valid text",
        )
    })?;
    Ok(SecretString::new(text))
}
