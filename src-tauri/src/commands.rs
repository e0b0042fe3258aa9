//! The commands the UI invokes. Each is three lines: take state, delegate to envdeck-api, convert the error.

use envdeck_api::app_info::AppInfo;

#[tauri::command]
pub async fn app_info() -> AppInfo {
    envdeck_api::app_info::app_info().await
}
