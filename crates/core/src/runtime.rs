//! A small async runtime for the SDK calls, so the rest of the core stays synchronous (the
//! CLI makes one or two calls per run; the tray calls from its own worker threads).

use std::future::Future;

/// Runs a future to completion on a current-thread tokio runtime. Called from inside another
/// tokio runtime (where building one would panic), it runs on a thread of its own instead.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        return std::thread::scope(|scope| {
            scope
                .spawn(|| run(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        });
    }
    run(future)
}

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime can always be built")
        .block_on(future)
}

#[cfg(test)]
mod tests {
    #[test]
    fn works_inside_and_outside_a_runtime() {
        assert_eq!(super::block_on(async { 7 }), 7);
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        assert_eq!(outer.block_on(async { super::block_on(async { 8 }) }), 8);
    }
}
