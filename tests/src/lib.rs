//! Shared pieces of the end-to-end tests: starting tauri-driver and a WebDriver session on the built app.
