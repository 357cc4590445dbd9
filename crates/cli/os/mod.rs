//! The few things the CLI does that differ between operating systems: how a closed stdout
//! ends otpilot, how `exec` hands over to the person's command and passes its exit status
//! (and Ctrl-C) through, and how the headless agent is started detached. Each OS has the
//! same functions; the commands call them without a `cfg` of their own. (The terminal's
//! hidden input is in `term/`.)

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;
