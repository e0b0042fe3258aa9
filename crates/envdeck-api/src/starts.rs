//! Starts the window can cancel. Each desktop Start runs as its own task, kept by project folder and
//! environment, so Cancel aborts it. Aborting drops the engine's `up` between two steps: what it
//! created so far stays, carrying the stack's labels, and the next Start continues from there (the
//! engine's `up` is idempotent). The CLI needs none of this: Ctrl-C drops its future the same way.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use tokio::task::AbortHandle;

use crate::error::{ApiError, ErrorCode};
use crate::reason::Reason;

type Key = (PathBuf, String);

/// The Starts running now, by (project folder, environment id).
#[derive(Debug, Default)]
pub struct Starts {
    next: AtomicU64,
    /// Each with its number, so a Start that ends removes itself and never a newer one.
    running: Mutex<HashMap<Key, (u64, AbortHandle)>>,
}

/// Forgets the Start when it ends, however it ends, and aborts it if the caller stops waiting (the
/// window went away): a Start nobody watches is not left running.
struct Running<'a> {
    starts: &'a Starts,
    key: Key,
    number: u64,
    handle: AbortHandle,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.handle.abort();
        let mut running = self.starts.lock();
        if running.get(&self.key).is_some_and(|(n, _)| *n == self.number) {
            running.remove(&self.key);
        }
    }
}

impl Starts {
    fn lock(&self) -> MutexGuard<'_, HashMap<Key, (u64, AbortHandle)>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` as the Start of `env` in `dir` until it finishes or [`Starts::cancel`] aborts it.
    /// A second Start of the same environment while one runs is refused.
    pub async fn run<T: Send + 'static>(
        &self,
        dir: &Path,
        env: &str,
        work: impl Future<Output = Result<T, ApiError>> + Send + 'static,
    ) -> Result<T, ApiError> {
        let key = (dir.to_path_buf(), env.to_owned());
        let (task, _running) = {
            let mut running = self.lock();
            if running.contains_key(&key) {
                return Err(already_starting(env));
            }
            let number = self.next.fetch_add(1, Ordering::Relaxed);
            let task = tokio::spawn(work);
            running.insert(key.clone(), (number, task.abort_handle()));
            let guard = Running {
                starts: self,
                key,
                number,
                handle: task.abort_handle(),
            };
            (task, guard)
        };
        match task.await {
            Ok(result) => result,
            Err(e) if e.is_cancelled() => Err(cancelled(env)),
            Err(e) => Err(ApiError::new(
                ErrorCode::Internal,
                format!("the start of {env} stopped unexpectedly: {e}"),
            )),
        }
    }

    /// Aborts the running Start of `env` in `dir`; `false` when none runs (it may just have finished).
    pub fn cancel(&self, dir: &Path, env: &str) -> bool {
        match self.lock().remove(&(dir.to_path_buf(), env.to_owned())) {
            Some((_, handle)) => {
                handle.abort();
                true
            }
            None => false,
        }
    }

    /// How many Starts are running (for tests and diagnostics).
    pub fn running(&self) -> usize {
        self.lock().len()
    }
}

/// A second Start of an environment whose Start runs in this app.
pub(crate) fn already_starting(env: &str) -> ApiError {
    ApiError {
        reason: Some(Reason::AlreadyStarting { env: env.to_owned() }),
        ..ApiError::new(
            ErrorCode::Busy,
            format!("{env} is already starting: wait for it, or cancel it first"),
        )
    }
}

/// The Start the person cancelled: not a failure.
pub(crate) fn cancelled(env: &str) -> ApiError {
    ApiError {
        reason: Some(Reason::StartCancelled { env: env.to_owned() }),
        ..ApiError::new(
            ErrorCode::Cancelled,
            format!(
                "the start of {env} was cancelled: what it created so far is kept, and Start continues from there"
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::time::Duration;

    use super::*;

    /// Sets its flag when dropped: tells whether aborted work really stopped.
    struct Dropped(Arc<AtomicBool>);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    async fn endless(flag: Arc<AtomicBool>) -> Result<(), ApiError> {
        let _dropped = Dropped(flag);
        std::future::pending::<()>().await;
        Ok(())
    }

    async fn until(what: &str, check: impl Fn() -> bool) {
        for _ in 0..200 {
            if check() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("timed out waiting for: {what}");
    }

    #[tokio::test]
    async fn cancel_aborts_the_start_and_says_so_with_its_own_code() {
        let starts = Arc::new(Starts::default());
        let dropped = Arc::new(AtomicBool::new(false));
        let runner = starts.clone();
        let flag = dropped.clone();
        let start = tokio::spawn(async move { runner.run(Path::new("/p"), "local", endless(flag)).await });
        until("the start to be registered", || starts.running() == 1).await;

        assert!(
            !starts.cancel(Path::new("/p"), "dev"),
            "another environment has nothing to cancel"
        );
        assert!(starts.cancel(Path::new("/p"), "local"));
        let err = start.await.unwrap().unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::Cancelled,
            "the UI tells a cancel from a failure: {err:?}"
        );
        assert!(
            err.message.contains("Start continues"),
            "says what happens next: {}",
            err.message
        );
        until("the aborted work to be dropped", || {
            dropped.load(Ordering::SeqCst)
        })
        .await;
        assert_eq!(starts.running(), 0);
        assert!(!starts.cancel(Path::new("/p"), "local"), "nothing left to cancel");
    }

    #[tokio::test]
    async fn one_start_per_environment_at_a_time_and_a_finished_one_is_forgotten() {
        let starts = Arc::new(Starts::default());
        let runner = starts.clone();
        let flag = Arc::new(AtomicBool::new(false));
        let first = tokio::spawn(async move { runner.run(Path::new("/p"), "local", endless(flag)).await });
        until("the first start to be registered", || starts.running() == 1).await;
        let second = starts
            .run(Path::new("/p"), "local", async { Ok(()) })
            .await
            .unwrap_err();
        assert!(second.message.contains("already starting"), "{second:?}");
        starts.cancel(Path::new("/p"), "local");
        let _ = first.await;

        let done = starts.run(Path::new("/p"), "local", async { Ok(7) }).await;
        assert_eq!(done, Ok(7), "a Start after a cancelled one runs");
        assert_eq!(starts.running(), 0, "a finished Start is forgotten");
    }

    #[tokio::test]
    async fn a_start_nobody_waits_for_is_aborted() {
        let starts = Arc::new(Starts::default());
        let dropped = Arc::new(AtomicBool::new(false));
        let runner = starts.clone();
        let flag = dropped.clone();
        let start = tokio::spawn(async move { runner.run(Path::new("/p"), "local", endless(flag)).await });
        until("the start to be registered", || starts.running() == 1).await;
        start.abort();
        until("the work to be dropped with its caller", || {
            dropped.load(Ordering::SeqCst)
        })
        .await;
        assert_eq!(starts.running(), 0);
    }
}
