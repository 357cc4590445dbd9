//! What every local server of Otpilot's shares (the agent's Unix socket, the `exec --server`
//! credentials endpoint on loopback), so that one rule lives in one place: a cap on the
//! connections served at once, one deadline for a whole request (not one per read), a
//! growing pause after a failed `accept` (out of file descriptors, say: never a spinning
//! core), and a warning about refused callers that cannot flood the log.

use std::collections::VecDeque;
use std::io::Read;
use std::net::TcpStream;

use crate::platform::LocalStream;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// How much a server takes on at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections served at once. Each waits at most for its caller's request and for the
    /// handler (which may wait for a person); beyond this, callers are refused (or, where the
    /// server says so, the oldest caller that has not sent its request yet makes room).
    pub max_connections: usize,
    /// How long a caller has to send its whole request.
    pub request_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            request_deadline: Duration::from_secs(5),
        }
    }
}

/// The default cap on connections served at once.
pub const MAX_CONNECTIONS: usize = 32;

/// A connected stream a server reads one request from.
pub(crate) trait Connection: Read + Send + 'static {
    fn set_timeout(&self, timeout: Duration) -> std::io::Result<()>;
    /// A function that ends this connection from another thread. Whether that also ends a
    /// read blocked in the kernel depends on the OS (Linux: yes; Windows: not for a
    /// `shutdown`, and not under Wine), so [`read_request`] never blocks longer than
    /// [`SLICE`] in a connection that may be ended: it waits with [`Connection::readable_within`]
    /// and checks its [`Slot`] in between.
    fn closer(&self) -> Option<Box<dyn Fn() + Send>>;
    /// Whether a read would return now (data, or the end) within `timeout`. Only asked of
    /// connections that may be ended from outside.
    fn readable_within(&self, timeout: Duration) -> std::io::Result<bool>;
}

/// The longest a connection that may be ended from outside waits without looking whether
/// it was.
const SLICE: Duration = Duration::from_millis(100);

impl Connection for LocalStream {
    fn set_timeout(&self, timeout: Duration) -> std::io::Result<()> {
        LocalStream::set_read_timeout(self, Some(timeout))
    }
    fn closer(&self) -> Option<Box<dyn Fn() + Send>> {
        let other = self.try_clone().ok()?;
        Some(Box::new(move || {
            let _ = other.shutdown(std::net::Shutdown::Both);
        }))
    }
    fn readable_within(&self, _timeout: Duration) -> std::io::Result<bool> {
        // The agent refuses beyond its cap and ends no connection from outside: its reads
        // block until the request deadline, which their own timeout enforces.
        Ok(true)
    }
}

impl Connection for TcpStream {
    fn set_timeout(&self, timeout: Duration) -> std::io::Result<()> {
        TcpStream::set_read_timeout(self, Some(timeout))
    }
    fn closer(&self) -> Option<Box<dyn Fn() + Send>> {
        let other = self.try_clone().ok()?;
        Some(Box::new(move || {
            let _ = other.shutdown(std::net::Shutdown::Both);
        }))
    }
    fn readable_within(&self, timeout: Duration) -> std::io::Result<bool> {
        crate::platform::readable_within(self, timeout)
    }
}

/// What a server does with a caller beyond its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WhenFull {
    /// Refuse the newcomer (the agent: its callers then work on their own).
    Refuse,
    /// End the oldest connection that has not sent its request yet and serve the newcomer:
    /// idle connections cannot keep a real request out (the endpoint, which any local user
    /// can reach). At most twice the cap are open while the ended ones wind down.
    EndOldestIdle,
}

/// The connections a server is serving; shared with each connection's thread.
#[derive(Clone, Default)]
pub(crate) struct Connections(Arc<Inner>);

type Closer = Box<dyn Fn() + Send>;

#[derive(Default)]
struct Inner {
    active: AtomicUsize,
    next_id: AtomicU64,
    /// Connections still waiting for their request, oldest first.
    idle: Mutex<VecDeque<(u64, Closer)>>,
}

impl Connections {
    /// Connections being served now.
    pub fn active(&self) -> usize {
        self.0.active.load(Ordering::SeqCst)
    }

    /// A slot for a new connection, or `None` when it is to be refused.
    fn admit(&self, limits: Limits, when_full: WhenFull, closer: Option<Closer>) -> Option<Slot> {
        let hard_cap = match when_full {
            WhenFull::Refuse => limits.max_connections,
            WhenFull::EndOldestIdle => limits.max_connections.saturating_mul(2),
        };
        let before = self.0.active.fetch_add(1, Ordering::SeqCst);
        if before >= limits.max_connections {
            let ended =
                before < hard_cap && when_full == WhenFull::EndOldestIdle && self.end_oldest_idle();
            if !ended {
                self.0.active.fetch_sub(1, Ordering::SeqCst);
                return None;
            }
        }
        let id = self.0.next_id.fetch_add(1, Ordering::SeqCst);
        let ended = Arc::new(AtomicBool::new(false));
        if let Some(closer) = closer {
            let flag = ended.clone();
            // The flag first: the connection's reader sees it within a slice even where
            // the OS leaves its read blocked.
            let end: Closer = Box::new(move || {
                flag.store(true, Ordering::SeqCst);
                closer();
            });
            self.idle().push_back((id, end));
        }
        Some(Slot {
            connections: self.clone(),
            id,
            ended,
        })
    }

    fn end_oldest_idle(&self) -> bool {
        let oldest = self.idle().pop_front();
        match oldest {
            Some((_, close)) => {
                close();
                true
            }
            None => false,
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, VecDeque<(u64, Closer)>> {
        self.0.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One admitted connection; frees its place when dropped.
pub(crate) struct Slot {
    connections: Connections,
    id: u64,
    ended: Arc<AtomicBool>,
}

impl Slot {
    /// Whether this connection was ended to make room for a newcomer.
    pub fn was_ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }

    /// The request is in: this connection is no longer one to end for a newcomer.
    pub fn request_read(&self) {
        self.connections.idle().retain(|(id, _)| *id != self.id);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.request_read();
        self.connections.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The pause after a failed `accept`: doubling from 10 ms to 1 s, back to 10 ms after a
/// success.
#[derive(Debug)]
pub(crate) struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const MOST: Duration = Duration::from_secs(1);

    pub fn new() -> Self {
        Self(Self::FIRST)
    }

    /// How long to wait after this failure.
    pub fn failed(&mut self) -> Duration {
        let wait = self.0;
        self.0 = (self.0 * 2).min(Self::MOST);
        wait
    }

    pub fn succeeded(&mut self) {
        self.0 = Self::FIRST;
    }
}

/// One warning per `every`, telling how many were held back since the last.
pub(crate) struct WarnLimit {
    every: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl WarnLimit {
    pub const fn new(every: Duration) -> Self {
        Self {
            every,
            state: Mutex::new((None, 0)),
        }
    }

    /// `Some(held back since the last)` when a warning may be logged at `now`.
    pub fn allow(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (last, held) = &mut *state;
        if last.is_some_and(|t| now.saturating_duration_since(t) < self.every) {
            *held += 1;
            return None;
        }
        *last = Some(now);
        Some(std::mem::take(held))
    }
}

/// The text to add to a warning that held back `n` others.
pub(crate) fn held_back(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} more like it since the last warning)")
    }
}

/// Accepts until `stop` is set: each connection the cap admits is served on a thread of
/// its own with its [`Slot`]; the others get `refuse` (a few bytes, written without
/// waiting). A failed accept waits a [`Backoff`].
pub(crate) fn accept_loop<S: Connection>(
    incoming: impl Iterator<Item = std::io::Result<S>>,
    stop: &AtomicBool,
    connections: &Connections,
    (limits, when_full): (Limits, WhenFull),
    what: &str,
    refuse: impl Fn(&S),
    serve: Arc<dyn Fn(S, Slot) + Send + Sync>,
) {
    let mut backoff = Backoff::new();
    for stream in incoming {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match stream {
            Ok(s) => {
                backoff.succeeded();
                s
            }
            Err(e) => {
                let wait = backoff.failed();
                tracing::warn!("{what}: accept failed ({e}); retrying in {wait:?}");
                std::thread::sleep(wait);
                continue;
            }
        };
        let closer = match when_full {
            WhenFull::Refuse => None,
            WhenFull::EndOldestIdle => stream.closer(),
        };
        let Some(slot) = connections.admit(limits, when_full, closer) else {
            refuse(&stream);
            continue;
        };
        let serve = serve.clone();
        // A thread that cannot be started drops the stream and the slot with it.
        let _ = std::thread::Builder::new()
            .name(format!("{what}-conn"))
            .spawn(move || serve(stream, slot));
    }
}

/// Reads one request of at most `max` bytes, all of it before `deadline` (a caller sending
/// a byte now and then cannot hold the connection longer): the bytes up to where `complete`
/// says it ends, or what came before the caller closed. `None` past the deadline or `max`,
/// or once `endable` (the slot of a connection that may be ended from outside) was ended.
pub(crate) fn read_request<S: Connection>(
    mut stream: &S,
    endable: Option<&Slot>,
    deadline: Instant,
    max: usize,
    complete: impl Fn(&[u8]) -> Option<usize>,
) -> Option<Zeroizing<Vec<u8>>>
where
    for<'a> &'a S: Read,
{
    let mut request = Zeroizing::new(Vec::new());
    let mut chunk = Zeroizing::new([0u8; 1024]);
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        if let Some(slot) = endable {
            if slot.was_ended() {
                return None;
            }
            if !stream.readable_within(left.min(SLICE)).ok()? {
                continue;
            }
        }
        stream
            .set_timeout(left.max(Duration::from_millis(1)))
            .ok()?;
        let n = stream.read(&mut chunk[..]).ok()?;
        if n == 0 {
            return (!request.is_empty()).then_some(request);
        }
        request.extend_from_slice(&chunk[..n]);
        if let Some(end) = complete(&request) {
            request.truncate(end);
            return Some(request);
        }
        if request.len() > max {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_grows_to_a_second_and_starts_over_after_a_success() {
        let mut b = Backoff::new();
        let waits: Vec<Duration> = (0..9).map(|_| b.failed()).collect();
        assert_eq!(waits[0], Duration::from_millis(10));
        assert_eq!(waits[1], Duration::from_millis(20));
        assert_eq!(waits[7], Duration::from_secs(1));
        assert_eq!(waits[8], Duration::from_secs(1));
        b.succeeded();
        assert_eq!(b.failed(), Duration::from_millis(10));
    }

    #[test]
    fn warnings_come_once_per_period_with_a_count_of_the_rest() {
        let limit = WarnLimit::new(Duration::from_secs(60));
        let t0 = Instant::now();
        assert_eq!(limit.allow(t0), Some(0));
        for s in 1..=3 {
            assert_eq!(limit.allow(t0 + Duration::from_secs(s)), None);
        }
        assert_eq!(limit.allow(t0 + Duration::from_secs(61)), Some(3));
        assert_eq!(limit.allow(t0 + Duration::from_secs(62)), None);
        assert_eq!(held_back(0), "");
        assert!(held_back(3).contains("3 more"));
    }

    #[test]
    fn a_full_server_ends_its_oldest_idle_connection_or_refuses() {
        let limits = Limits {
            max_connections: 2,
            request_deadline: Duration::from_secs(1),
        };
        let ended = Arc::new(AtomicUsize::new(0));
        let closer = |n: usize| -> Option<Closer> {
            let ended = ended.clone();
            Some(Box::new(move || {
                ended.fetch_add(n, Ordering::SeqCst);
            }))
        };
        let c = Connections::default();
        let first = c.admit(limits, WhenFull::EndOldestIdle, closer(1)).unwrap();
        let second = c
            .admit(limits, WhenFull::EndOldestIdle, closer(10))
            .unwrap();
        second.request_read(); // busy with a real request: never ended
        let third = c.admit(limits, WhenFull::EndOldestIdle, closer(100));
        assert!(third.is_some());
        assert_eq!(
            ended.load(Ordering::SeqCst),
            1,
            "the oldest idle one was ended"
        );
        drop(first); // the ended one winds down
        third.as_ref().unwrap().request_read();
        // Full of connections that have sent their requests: refused.
        assert_eq!(c.active(), 2);
        assert!(c
            .admit(limits, WhenFull::EndOldestIdle, closer(1000))
            .is_none());
        assert_eq!(c.active(), 2);
        // The agent's rule: refuse at the cap.
        let agent = Connections::default();
        let _a = agent.admit(limits, WhenFull::Refuse, None).unwrap();
        let _b = agent.admit(limits, WhenFull::Refuse, None).unwrap();
        assert!(agent.admit(limits, WhenFull::Refuse, None).is_none());
        drop((second, third));
    }

    /// A connection as Wine and Windows treat a blocked read: ending it from another thread
    /// does not wake the read, which waits out its whole timeout.
    struct Deaf;
    impl Read for Deaf {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(0)
        }
    }
    impl Read for &Deaf {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(0)
        }
    }
    impl Connection for Deaf {
        fn set_timeout(&self, _: Duration) -> std::io::Result<()> {
            Ok(())
        }
        fn closer(&self) -> Option<Closer> {
            Some(Box::new(|| {}))
        }
        fn readable_within(&self, timeout: Duration) -> std::io::Result<bool> {
            std::thread::sleep(timeout);
            Ok(false)
        }
    }

    #[test]
    fn an_ended_connection_stops_reading_even_where_the_os_leaves_its_read_blocked() {
        let limits = Limits {
            max_connections: 1,
            request_deadline: Duration::from_secs(3600),
        };
        let c = Connections::default();
        let slot = c
            .admit(limits, WhenFull::EndOldestIdle, Deaf.closer())
            .unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let read = read_request(
                &Deaf,
                Some(&slot),
                Instant::now() + limits.request_deadline,
                64,
                |_| None,
            );
            drop(slot);
            let _ = done.send(read.is_none());
        });
        // A newcomer beyond the cap ends the idle one, whose reader gives up.
        let newcomer = c.admit(limits, WhenFull::EndOldestIdle, Deaf.closer());
        assert!(newcomer.is_some());
        // A guard against hanging, not a timing: the reader returns within a slice.
        assert_eq!(finished.recv_timeout(Duration::from_secs(60)), Ok(true));
        assert_eq!(c.active(), 1, "the ended connection's place is free");
    }
}
