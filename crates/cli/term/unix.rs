//! Hidden input on a Unix terminal (`/dev/tty`, termios).

use std::fs::File;
use std::io::{Read, Write};

use otpilot_core::secret::SecretString;
use rustix::termios::{
    tcgetattr, tcsetattr, LocalModes, OptionalActions, SpecialCodeIndex, Termios,
};
use zeroize::Zeroizing;

/// The terminal, once for reading and once for writing.
pub fn open_tty() -> std::io::Result<(File, File)> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let out = tty.try_clone()?;
    Ok((tty, out))
}

/// The terminal with echo off, in character mode, until dropped: dropping it (a normal return,
/// an error, a panic's unwinding) puts back the settings it found.
struct HiddenInput<'a> {
    tty: &'a File,
    saved: Termios,
    _signals: signals::RestoreOnSignal,
}

impl<'a> HiddenInput<'a> {
    /// Turns echo off. Also the terminal's line editing and its keyboard signals: ^C must
    /// reach this reader as a byte, so that the terminal is restored before otpilot stops (a
    /// SIGINT would end the process with echo still off, and the shell after it blind).
    fn start(tty: &'a File) -> std::io::Result<Self> {
        let saved = tcgetattr(tty)?;
        let mut quiet = saved.clone();
        quiet
            .local_modes
            .remove(LocalModes::ECHO | LocalModes::ICANON | LocalModes::ISIG | LocalModes::IEXTEN);
        quiet.special_codes[SpecialCodeIndex::VMIN] = 1;
        quiet.special_codes[SpecialCodeIndex::VTIME] = 0;
        let signals = signals::RestoreOnSignal::arm(tty, &saved);
        // `Now`, not `Flush`: what was typed ahead stays, as the answer's first characters.
        tcsetattr(tty, OptionalActions::Now, &quiet)?;
        Ok(Self {
            tty,
            saved,
            _signals: signals,
        })
    }

    /// The person's own key for `code` (^C, ^U, ...), if they have one.
    fn key(&self, code: SpecialCodeIndex) -> Option<u8> {
        // 0 is _POSIX_VDISABLE: no key does this.
        Some(self.saved.special_codes[code]).filter(|&k| k != 0)
    }
}

impl Drop for HiddenInput<'_> {
    fn drop(&mut self) {
        let _ = tcsetattr(self.tty, OptionalActions::Now, &self.saved);
    }
}

/// Reads one line from the terminal without echo, after `prompt`. Echo is off before the
/// prompt shows, so nothing typed after it is echoed, and the terminal is restored on every
/// way out. The keys the terminal would handle are handled here, as it would: erase, kill
/// the line, erase a word; ^C or ^\ restores the terminal, ends the line, and then
/// interrupts the terminal's foreground processes as the terminal would have (a shell
/// script running otpilot stops too); exit status 130 if that signal does not end otpilot.
pub fn read_hidden(prompt: &str) -> std::io::Result<SecretString> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let hidden = HiddenInput::start(&tty)?;
    (&tty).write_all(prompt.as_bytes())?;
    (&tty).flush()?;
    let intr = [SpecialCodeIndex::VINTR, SpecialCodeIndex::VQUIT].map(|c| hidden.key(c));
    let erase = hidden.key(SpecialCodeIndex::VERASE);
    let kill = hidden.key(SpecialCodeIndex::VKILL);
    let werase = hidden.key(SpecialCodeIndex::VWERASE);
    let eof = hidden.key(SpecialCodeIndex::VEOF);
    // Room for any passphrase a person types; a longer paste (an otpauth-migration export)
    // grows into a new buffer below, so no copy is left behind by a move.
    let mut line = Zeroizing::new(Vec::with_capacity(1024));
    let mut byte = Zeroizing::new([0u8; 1]);
    loop {
        match (&tty).read(&mut *byte) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        let b = byte[0];
        match Some(b) {
            Some(b'\r' | b'\n') => break,
            k if intr.contains(&k) => {
                drop(hidden);
                let _ = (&tty).write_all(b"\n");
                interrupt(&tty);
            }
            k if k == eof && line.is_empty() => break,
            k if k == eof => {}
            // DEL and BS both erase, whichever the terminal sends.
            k if k == erase || b == 0x7f || b == 0x08 => pop_char(&mut line),
            k if k == kill => line.clear(),
            k if k == werase => {
                while line.last().is_some_and(u8::is_ascii_whitespace) {
                    line.pop();
                }
                while line.last().is_some_and(|c| !c.is_ascii_whitespace()) {
                    pop_char(&mut line);
                }
            }
            _ => {
                if line.len() == line.capacity() {
                    // The old buffer is wiped when `line` is replaced, not freed as it is.
                    let mut bigger = Zeroizing::new(Vec::with_capacity(line.capacity() * 2));
                    bigger.extend_from_slice(&line);
                    line = bigger;
                }
                line.push(b);
            }
        }
    }
    drop(hidden);
    // The Enter that echo did not show.
    (&tty).write_all(b"\n")?;
    let text = String::from_utf8(std::mem::take(&mut *line)).map_err(|e| {
        // The bytes go with the error's buffer: zeroize them.
        let _ = Zeroizing::new(e.into_bytes());
        std::io::Error::new(std::io::ErrorKind::InvalidData, "the input is not UTF-8")
    })?;
    Ok(SecretString::new(text))
}

/// The other ways out of a hidden read: a signal from elsewhere (`kill`, `timeout`, the
/// terminal closing) still ends otpilot as it would, but with the terminal's settings put
/// back first. The keyboard's ^C never gets here: it is read as a byte.
mod signals {
    use std::fs::File;
    use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
    use std::sync::atomic::{AtomicPtr, Ordering};

    use rustix::termios::{tcsetattr, OptionalActions, Termios};

    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    /// The terminal and the settings to put back, for the handler. Each one is leaked, not
    /// freed: a handler running on another thread may still read the previous one.
    static SAVED: AtomicPtr<(RawFd, Termios)> = AtomicPtr::new(std::ptr::null_mut());

    /// While alive, the signals above restore the terminal before ending otpilot; dropping it
    /// puts back the actions it replaced.
    pub struct RestoreOnSignal {
        replaced: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl RestoreOnSignal {
        pub fn arm(tty: &File, saved: &Termios) -> Self {
            let copy = Box::leak(Box::new((tty.as_raw_fd(), saved.clone())));
            SAVED.store(copy, Ordering::SeqCst);
            let mut replaced = Vec::new();
            for signal in SIGNALS {
                // SAFETY: sigaction with a zeroed (valid, empty) struct to read into and one
                // built here to install; `restore_then_end` is async-signal-safe (below).
                unsafe {
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(signal, std::ptr::null(), &mut old) != 0
                        || old.sa_sigaction != libc::SIG_DFL
                    {
                        // Ignored, or handled by otpilot itself: left as it is.
                        continue;
                    }
                    let mut new: libc::sigaction = std::mem::zeroed();
                    new.sa_sigaction = restore_then_end as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut new.sa_mask);
                    if libc::sigaction(signal, &new, std::ptr::null_mut()) == 0 {
                        replaced.push((signal, old));
                    }
                }
            }
            Self { replaced }
        }
    }

    impl Drop for RestoreOnSignal {
        fn drop(&mut self) {
            for (signal, old) in &self.replaced {
                // SAFETY: puts back the action read from the kernel in `arm`.
                unsafe { libc::sigaction(*signal, old, std::ptr::null_mut()) };
            }
            SAVED.store(std::ptr::null_mut(), Ordering::SeqCst);
        }
    }

    /// Restores the terminal, then lets the signal do what it would have done (end otpilot).
    /// Async-signal-safe: an atomic load, tcsetattr (an ioctl), signal and raise.
    extern "C" fn restore_then_end(signal: libc::c_int) {
        let saved = SAVED.load(Ordering::SeqCst);
        if !saved.is_null() {
            // SAFETY: `saved` points at a leaked, never freed copy; its descriptor is the
            // terminal, open while this handler is installed (it is removed before the file
            // is closed).
            let (fd, termios) = unsafe { &*saved };
            let tty = unsafe { BorrowedFd::borrow_raw(*fd) };
            let _ = tcsetattr(tty, OptionalActions::Now, termios);
        }
        // SAFETY: the default action for a signal that ends the process; raised again, it is
        // delivered when this handler returns.
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

/// Removes the last character (all of its UTF-8 bytes).
fn pop_char(line: &mut Vec<u8>) {
    while let Some(b) = line.pop() {
        if b & 0xC0 != 0x80 {
            break;
        }
    }
}

/// What ^C does on a terminal: SIGINT to its foreground process group (otpilot, and the
/// shell script or program that started it). If that does not end otpilot (SIGINT is
/// ignored or handled here), it exits with the status a shell gives an interrupted command.
fn interrupt(tty: &File) -> ! {
    use rustix::process::{kill_process_group, Signal};
    let group = rustix::termios::tcgetpgrp(tty).unwrap_or_else(|_| rustix::process::getpgrp());
    let _ = kill_process_group(group, Signal::INT);
    std::process::exit(130)
}
