//! The window's web view made lighter on Linux: WebKitGTK composites with OpenGL by default, which on a
//! machine without a GPU (software rendering, a VM, Xvfb) costs over 100 MB for a page of cards and lists
//! and is the usual cause of blank windows on some GPU drivers. EnvDeck's UI has no animation that needs
//! it, so the main window renders without hardware acceleration; its caches are those of a single-page
//! viewer. macOS and Windows web views are left as they are.

#[cfg(target_os = "linux")]
pub fn lighten(window: &tauri::WebviewWindow) {
    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
    let applied = window.with_webview(|webview| {
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    });
    if let Err(e) = applied {
        tracing::warn!("the web view keeps its default rendering: {e}");
    }
}

#[cfg(not(target_os = "linux"))]
pub fn lighten(_window: &tauri::WebviewWindow) {}
