//! The window's WebKitGTK settings on Linux: the page is drawn without GL compositing, which on a machine
//! without a GPU (Mesa's llvmpipe) held about 110 MB of the window's memory (docs/PERFORMANCE.md).

use tauri::{App, Manager};

/// Turns hardware acceleration off for the main window's webview (per webview: the setting WebKit's
/// own `WEBKIT_DISABLE_COMPOSITING_MODE` stands for, without changing the process environment).
pub fn tune(app: &App) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let outcome = window.with_webview(|platform| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        if let Some(settings) = WebViewExt::settings(&platform.inner()) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(e) = outcome {
        tracing::warn!("the webview's rendering setting could not be applied: {e}");
    }
}
