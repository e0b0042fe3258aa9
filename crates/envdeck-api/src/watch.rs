//! Live views of a stack for a window: Docker's events (so service cards refresh when something
//! changes, never by polling), CPU and memory samples for the cards' sparklines, and logs with the
//! environment's secret values masked. Each runs as a task the window cancels by id when it looks
//! elsewhere.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::stream::{BoxStream, StreamExt};
use tokio::task::AbortHandle;

use crate::error::ApiError;
use crate::stack::{LogLine, LogOptions, ServiceEvent, StatsSample};

/// The streams a window is watching, by the id it was given.
#[derive(Debug, Default)]
pub struct Subscriptions {
    next: AtomicU32,
    running: Mutex<HashMap<u32, AbortHandle>>,
}

impl Subscriptions {
    /// Forwards every item to `sink` until the stream ends, fails, or `sink` says the receiver is gone.
    fn spawn<T: Send + 'static>(
        &self,
        mut stream: BoxStream<'static, Result<T, ApiError>>,
        sink: impl Fn(T) -> bool + Send + 'static,
    ) -> u32 {
        self.keep(async move {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(value) => {
                        if !sink(value) {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!("a watched stream stopped: {}", e.message);
                        break;
                    }
                }
            }
        })
    }

    /// Runs `work` until it ends or the window cancels it by the id returned.
    fn keep(&self, work: impl std::future::Future<Output = ()> + Send + 'static) -> u32 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let task = tokio::spawn(work);
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running.retain(|_, handle| !handle.is_finished());
        running.insert(id, task.abort_handle());
        id
    }

    /// Stops a watch; an unknown or finished id is not an error (the window may ask twice).
    pub fn cancel(&self, id: u32) {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(handle) = running.remove(&id) {
            handle.abort();
        }
    }

    /// How many watches are still forwarding (for tests and diagnostics).
    pub fn active(&self) -> usize {
        let running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running.values().filter(|h| !h.is_finished()).count()
    }
}

/// Watches the environment's containers (state and health changes); returns the watch's id.
pub async fn events(
    subscriptions: &Subscriptions,
    dir: &Path,
    env: &str,
    sink: impl Fn(ServiceEvent) -> bool + Send + 'static,
) -> Result<u32, ApiError> {
    let stream = crate::session::open(dir).await?.runtime(env)?.events().await?;
    Ok(subscriptions.spawn(stream, sink))
}

/// Streams CPU and memory samples of the environment's running containers (about one per second
/// each), for the service cards' sparklines; returns the watch's id. A host process has none.
pub async fn stats(
    subscriptions: &Subscriptions,
    dir: &Path,
    env: &str,
    sink: impl Fn(StatsSample) -> bool + Send + 'static,
) -> Result<u32, ApiError> {
    let stream = crate::session::open(dir).await?.runtime(env)?.stats().await?;
    Ok(subscriptions.spawn(stream, sink))
}

/// Keeps the environment's containers in step with the files of its `develop.watch` rules (the window's
/// Watch switch) until cancelled by the id returned, or the window is gone. What cannot be watched is
/// refused here, before the switch says "watching".
pub async fn develop(
    subscriptions: &Subscriptions,
    dir: &Path,
    env: &str,
    sink: impl Fn(crate::develop::WatchEvent) -> bool + Send + Sync + 'static,
) -> Result<u32, ApiError> {
    let watch = crate::develop::prepare(dir, env, None).await?;
    let gone = std::sync::Arc::new(tokio::sync::Notify::new());
    let said_gone = std::sync::Arc::clone(&gone);
    let on_event = move |event| {
        if !sink(event) {
            said_gone.notify_one();
        }
    };
    Ok(subscriptions.keep(async move {
        tokio::select! {
            result = watch.run(on_event) => {
                if let Err(e) = result {
                    tracing::warn!("a watch of files stopped: {}", e.message);
                }
            }
            () = gone.notified() => {}
        }
    }))
}

/// Which log lines a window asks for.
#[derive(Debug, Clone, Default)]
pub struct LogRequest {
    /// One Service, or all.
    pub service: Option<String>,
    pub follow: bool,
    /// The last N lines of each container before following.
    pub tail: Option<u32>,
}

/// Streams the environment's logs with its stored secret values replaced by `••••`; returns the id.
/// The keychain is read first: a line is never sent unmasked because a read failed.
pub async fn logs(
    subscriptions: &Subscriptions,
    dir: &Path,
    env: &str,
    request: LogRequest,
    sink: impl Fn(LogLine) -> bool + Send + 'static,
) -> Result<u32, ApiError> {
    let session = crate::session::open(dir).await?;
    let options = LogOptions {
        service: request.service,
        follow: request.follow,
        tail: request.tail,
        since: None,
    };
    let masked = crate::environment::masked_logs(session.project(), env, options).await?;
    Ok(subscriptions.spawn(masked, sink))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_cancelled_watch_stops_forwarding() {
        let subscriptions = Subscriptions::default();
        let seen = Arc::new(AtomicU32::new(0));
        let counter = seen.clone();
        let endless = futures_util::stream::repeat_with(|| Ok::<_, ApiError>(1u32))
            .then(|v| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                v
            })
            .boxed();
        let id = subscriptions.spawn(endless, move |v| {
            counter.fetch_add(v, Ordering::Relaxed);
            true
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        subscriptions.cancel(id);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let after_cancel = seen.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(after_cancel > 0, "items flowed before the cancel");
        assert_eq!(
            seen.load(Ordering::Relaxed),
            after_cancel,
            "nothing is forwarded once the window cancelled its watch"
        );
        assert_eq!(subscriptions.active(), 0);
    }

    #[tokio::test]
    async fn a_gone_receiver_ends_the_watch() {
        let subscriptions = Subscriptions::default();
        let stream = futures_util::stream::iter([Ok(1u32), Ok(2), Ok(3)]).boxed();
        subscriptions.spawn(stream, |_| false);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(subscriptions.active(), 0);
    }
}
