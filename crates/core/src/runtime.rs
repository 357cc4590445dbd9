//! A small async runtime for the SDK calls, so the rest of the core stays synchronous (the
//! CLI makes one or two calls per run; the tray calls from its own worker threads).

use std::future::Future;

/// Runs a future to completion on a current-thread tokio runtime. Must not be called from
/// inside another tokio runtime (the tray calls the core from plain threads).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime can always be built")
        .block_on(future)
}
