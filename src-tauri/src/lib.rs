//! The EnvDeck desktop shell: a window, the plugins it needs, and the commands the UI may invoke.

mod commands;

/// Builds and runs the app until its last window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("ENVDECK_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let outcome = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .run(tauri::generate_context!());
    if let Err(e) = outcome {
        tracing::error!("EnvDeck could not start its window: {e}");
        std::process::exit(1);
    }
}
