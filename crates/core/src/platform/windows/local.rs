//! The agent's local endpoint on Windows: not written yet (a named pipe private to the user
//! is the plan: `FILE_FLAG_FIRST_PIPE_INSTANCE`, a user-only DACL, each end checking the
//! other's user). Until then there is never an agent to find (callers do the work
//! themselves, as on Linux without one), and starting one says it is not supported.
//!
//! The types have no values: code that would use a connection is compiled, and can never
//! run, rather than run on a guess.

use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

use super::super::Endpoint;
use super::UserId;

fn unsupported() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the agent is not supported on Windows yet",
    )
}

/// A connection to the agent (none can exist yet).
#[derive(Debug)]
pub enum LocalStream {}

impl LocalStream {
    pub fn connect(_path: &Path) -> std::io::Result<LocalStream> {
        Err(unsupported())
    }
    pub fn set_nonblocking(&self, _: bool) -> std::io::Result<()> {
        match *self {}
    }
    pub fn set_read_timeout(&self, _: Option<Duration>) -> std::io::Result<()> {
        match *self {}
    }
    pub fn set_write_timeout(&self, _: Option<Duration>) -> std::io::Result<()> {
        match *self {}
    }
    pub fn try_clone(&self) -> std::io::Result<LocalStream> {
        match *self {}
    }
    pub fn shutdown(&self, _: std::net::Shutdown) -> std::io::Result<()> {
        match *self {}
    }
}

impl Read for LocalStream {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match *self {}
    }
}

impl Read for &LocalStream {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        match **self {}
    }
}

impl Write for &LocalStream {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        match **self {}
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match **self {}
    }
}

/// The agent's listening end (none can exist yet).
#[derive(Debug)]
pub enum LocalListener {}

impl LocalListener {
    pub fn bind(_path: &Path) -> std::io::Result<LocalListener> {
        Err(unsupported())
    }
    pub fn incoming(&self) -> std::iter::Empty<std::io::Result<LocalStream>> {
        match *self {}
    }
}

/// There is never an agent to find on Windows yet.
pub fn check_endpoint(_path: &Path) -> Endpoint {
    Endpoint::Missing
}

pub fn peer_user(stream: &LocalStream) -> Option<UserId> {
    match *stream {}
}
