//! Copying a secret to the system clipboard without handing it to the window, and taking it back
//! 30 seconds later: the value goes from the keychain to the clipboard here, in Rust, and the clipboard
//! is cleared only if it still holds that value (whatever the person copied since is left alone). The
//! clipboard itself is the client's (the desktop's plugin), behind [`Clipboard`], so this stays free of
//! Tauri and testable with a fake one. Values are never logged.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::AbortHandle;
use zeroize::Zeroizing;

use crate::environment::project_id;
use crate::error::{ApiError, ErrorCode};
use crate::secrets;

/// How long a copied secret stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

/// The system clipboard as a client provides it. Calls may block (X11 round trips): they run off the
/// async workers.
pub trait Clipboard: Send + Sync + 'static {
    fn write_text(&self, text: &str) -> Result<(), String>;
    /// The clipboard's text, or `None` when it holds none (an image, nothing).
    fn read_text(&self) -> Result<Option<String>, String>;
    fn clear(&self) -> Result<(), String>;
}

/// The secret this app last put on the clipboard, until it is cleared; one at a time, since a new copy
/// replaces the clipboard's content anyway.
#[derive(Default, Clone)]
pub struct CopiedSecret {
    inner: Arc<Mutex<Option<Copied>>>,
}

impl std::fmt::Debug for CopiedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CopiedSecret(..)")
    }
}

struct Copied {
    /// Tells this copy's timer from an older one that was replaced while it was waking up.
    generation: u64,
    value: Zeroizing<String>,
    timer: AbortHandle,
}

fn clipboard_error(doing: &str, e: String) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("could not {doing} the clipboard: {e}"),
    )
}

impl CopiedSecret {
    /// Puts `value` on the clipboard and clears it after `after`, if it is still there then.
    pub async fn copy(
        &self,
        clipboard: Arc<dyn Clipboard>,
        value: Zeroizing<String>,
        after: Duration,
    ) -> Result<(), ApiError> {
        let (board, text) = (clipboard.clone(), value.clone());
        tokio::task::spawn_blocking(move || board.write_text(&text))
            .await
            .map_err(|e| clipboard_error("write to", e.to_string()))?
            .map_err(|e| clipboard_error("write to", e))?;
        let mut slot = lock(&self.inner);
        let generation = slot.as_ref().map_or(0, |c| c.generation + 1);
        if let Some(old) = slot.take() {
            old.timer.abort();
        }
        let me = self.clone();
        // Counted from the copy, not from when the task first runs.
        let deadline = tokio::time::Instant::now() + after;
        let timer = tokio::spawn(async move {
            tokio::time::sleep_until(deadline).await;
            let _ =
                tokio::task::spawn_blocking(move || me.clear_if_still_there(&*clipboard, Some(generation)))
                    .await;
        });
        *slot = Some(Copied {
            generation,
            value,
            timer: timer.abort_handle(),
        });
        Ok(())
    }

    /// Clears the clipboard if it still holds the copied secret; forgets the secret either way. Returns
    /// whether it cleared. `generation`: only for that copy (the timer); `None`: whatever was copied (the
    /// app closing). Blocking.
    pub fn clear_if_still_there(&self, clipboard: &dyn Clipboard, generation: Option<u64>) -> bool {
        let copied = {
            let mut slot = lock(&self.inner);
            match slot.as_ref() {
                Some(c) if generation.is_none_or(|g| g == c.generation) => slot.take(),
                _ => None,
            }
        };
        let Some(copied) = copied else { return false };
        copied.timer.abort();
        // What the clipboard holds now may be anything the person copied: wiped from memory after the compare.
        match clipboard.read_text().map(|t| t.map(Zeroizing::new)) {
            Ok(Some(now)) if now.as_str() == copied.value.as_str() => match clipboard.clear() {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!("the copied secret could not be cleared from the clipboard: {e}");
                    false
                }
            },
            Ok(_) => false,
            Err(e) => {
                tracing::warn!("the clipboard could not be read to clear a copied secret: {e}");
                false
            }
        }
    }

    /// Whether a copied secret is waiting to be cleared (for tests and diagnostics).
    pub fn pending(&self) -> bool {
        lock(&self.inner).is_some()
    }
}

fn lock(m: &Mutex<Option<Copied>>) -> std::sync::MutexGuard<'_, Option<Copied>> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Copies one stored secret of the environment; returns the seconds until the clipboard is cleared.
pub async fn copy_secret(
    copied: &CopiedSecret,
    clipboard: Arc<dyn Clipboard>,
    dir: &Path,
    env: &str,
    name: &str,
) -> Result<u32, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let secret = secrets::reveal(project_id(project)?, env, name).await?;
    copied
        .copy(clipboard, Zeroizing::new(secret.value), CLEAR_AFTER)
        .await?;
    tracing::info!(environment = env, secret = name, "secret copied to the clipboard");
    Ok(CLEAR_AFTER.as_secs() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clipboard in memory that counts its clears.
    #[derive(Default)]
    struct FakeClipboard {
        text: Mutex<Option<String>>,
        clears: Mutex<u32>,
    }

    impl Clipboard for FakeClipboard {
        fn write_text(&self, text: &str) -> Result<(), String> {
            *self.text.lock().unwrap() = Some(text.to_owned());
            Ok(())
        }
        fn read_text(&self) -> Result<Option<String>, String> {
            Ok(self.text.lock().unwrap().clone())
        }
        fn clear(&self) -> Result<(), String> {
            *self.clears.lock().unwrap() += 1;
            *self.text.lock().unwrap() = None;
            Ok(())
        }
    }

    fn secret(s: &str) -> Zeroizing<String> {
        Zeroizing::new(s.to_owned())
    }

    /// Lets the timer task run, and the clear it hands to a blocking thread (real time, not paused).
    async fn settle() {
        for _ in 0..20 {
            tokio::task::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_secret_is_cleared_after_thirty_seconds_not_before() {
        let board = Arc::new(FakeClipboard::default());
        let copied = CopiedSecret::default();
        copied
            .copy(board.clone(), secret("s3cr3t"), CLEAR_AFTER)
            .await
            .unwrap();
        assert_eq!(board.read_text().unwrap().as_deref(), Some("s3cr3t"));

        tokio::time::advance(Duration::from_secs(29)).await;
        settle().await;
        assert_eq!(
            board.read_text().unwrap().as_deref(),
            Some("s3cr3t"),
            "still there at 29 s: the person may be pasting it"
        );

        tokio::time::advance(Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(board.read_text().unwrap(), None, "gone at 30 s");
        assert_eq!(*board.clears.lock().unwrap(), 1);
        assert!(!copied.pending(), "the value is forgotten once cleared");
    }

    #[tokio::test(start_paused = true)]
    async fn what_the_person_copied_since_is_left_alone() {
        let board = Arc::new(FakeClipboard::default());
        let copied = CopiedSecret::default();
        copied
            .copy(board.clone(), secret("s3cr3t"), CLEAR_AFTER)
            .await
            .unwrap();
        board.write_text("a URL the person copied").unwrap();
        tokio::time::advance(CLEAR_AFTER + Duration::from_secs(1)).await;
        settle().await;
        assert_eq!(
            board.read_text().unwrap().as_deref(),
            Some("a URL the person copied"),
            "the clipboard no longer holds the secret, so it is not ours to clear"
        );
        assert_eq!(*board.clears.lock().unwrap(), 0);
        assert!(!copied.pending(), "the secret is forgotten all the same");
    }

    #[tokio::test(start_paused = true)]
    async fn a_second_copy_restarts_the_wait_and_the_first_timer_does_nothing() {
        let board = Arc::new(FakeClipboard::default());
        let copied = CopiedSecret::default();
        copied
            .copy(board.clone(), secret("first"), CLEAR_AFTER)
            .await
            .unwrap();
        tokio::time::advance(Duration::from_secs(20)).await;
        settle().await;
        copied
            .copy(board.clone(), secret("second"), CLEAR_AFTER)
            .await
            .unwrap();

        tokio::time::advance(Duration::from_secs(15)).await;
        settle().await;
        assert_eq!(
            board.read_text().unwrap().as_deref(),
            Some("second"),
            "35 s after the first copy but 15 s after the second: the second stays"
        );
        tokio::time::advance(Duration::from_secs(15)).await;
        settle().await;
        assert_eq!(board.read_text().unwrap(), None);
        assert_eq!(*board.clears.lock().unwrap(), 1);
    }

    #[tokio::test]
    async fn closing_the_app_clears_a_secret_still_waiting() {
        let board = Arc::new(FakeClipboard::default());
        let copied = CopiedSecret::default();
        copied
            .copy(board.clone(), secret("s3cr3t"), CLEAR_AFTER)
            .await
            .unwrap();
        assert!(copied.clear_if_still_there(&*board, None));
        assert_eq!(board.read_text().unwrap(), None);
        assert!(
            !copied.clear_if_still_there(&*board, None),
            "nothing left to clear"
        );
    }

    #[test]
    fn debug_never_shows_the_value() {
        let copied = CopiedSecret::default();
        assert_eq!(format!("{copied:?}"), "CopiedSecret(..)");
    }
}
