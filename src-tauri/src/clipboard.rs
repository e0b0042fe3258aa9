//! The system clipboard as envdeck-api's `Clipboard`: the clipboard-manager plugin, called from Rust
//! only, so a secret goes from the keychain to the clipboard without passing through the window, and the
//! window needs no clipboard permission.

use std::sync::mpsc;
use std::time::Duration;

use envdeck_api::clipboard::{Clipboard, CopiedSecret};
use tauri::{AppHandle, Manager};
use tauri_plugin_clipboard_manager::ClipboardExt;

pub struct SystemClipboard(pub AppHandle);

impl Clipboard for SystemClipboard {
    fn write_text(&self, text: &str) -> Result<(), String> {
        self.0.clipboard().write_text(text).map_err(|e| e.to_string())
    }

    fn read_text(&self) -> Result<Option<String>, String> {
        // An empty clipboard, or one holding an image, is not an error here: it just is not our text.
        Ok(self.0.clipboard().read_text().ok())
    }

    fn clear(&self) -> Result<(), String> {
        self.0.clipboard().clear().map_err(|e| e.to_string())
    }
}

/// When the app is closing: clear a copied secret still on the clipboard. Runs on a helper thread with
/// a bound, because reading the clipboard from the main thread can wait forever on Linux when the
/// window itself owns the clipboard (the person copied text from it since).
pub fn clear_on_exit(app: &AppHandle) {
    let copied = app.state::<CopiedSecret>().inner().clone();
    if !copied.pending() {
        return;
    }
    let board = SystemClipboard(app.clone());
    let (done, wait) = mpsc::channel();
    std::thread::spawn(move || {
        // The receiver may have stopped waiting; then nobody needs the answer.
        let _ = done.send(copied.clear_if_still_there(&board, None));
    });
    if wait.recv_timeout(Duration::from_secs(1)).is_err() {
        tracing::warn!("the clipboard did not answer while closing; a copied secret may still be on it");
    }
}
