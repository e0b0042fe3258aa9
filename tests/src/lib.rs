//! Shared pieces of the end-to-end tests: the built app, launched by tauri-driver under the test's display,
//! and a WebDriver session on its window; the built CLI, run with a time bound (the fault tests).
//!
//! The app binary comes from `ENVDECK_APP_BIN`, the CLI from `ENVDECK_CLI_BIN` (scripts/test.sh builds
//! both first and sets them). A missing binary, tauri-driver or WebKitWebDriver fails the test: the e2e
//! tier is never skipped.

pub mod area;
pub mod cli;
mod docker;
mod fixture;
pub mod http;
pub mod keychain;
mod processes;
pub mod registry;
mod stand_ins;

pub use docker::remove_stack;
pub use fixture::copy_fixture;
pub use processes::{free_port, process_group};
pub use stand_ins::{StandIns, exclusive};

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

/// How long one click may take before a test fails (a click answers in milliseconds).
const CLICK_LIMIT: Duration = Duration::from_secs(30);

/// A running app window driven over WebDriver; dropping it ends the session and tauri-driver.
pub struct AppWindow {
    pub client: Client,
    driver: Child,
}

/// Where screenshots go: `target/e2e/` in the clone, kept by CI as artifacts.
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    std::fs::create_dir_all(&dir).expect("target/e2e can be created");
    dir
}

/// The app binary under test.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("ENVDECK_APP_BIN").map(PathBuf::from).expect(
        "ENVDECK_APP_BIN is not set: run the suite with scripts/test.sh, which builds the app and sets it",
    );
    assert!(
        path.is_file(),
        "the app binary {} does not exist: build it with scripts/test.sh",
        path.display()
    );
    path
}

impl AppWindow {
    /// Starts tauri-driver on free ports and opens a WebDriver session that launches the app.
    pub async fn launch() -> AppWindow {
        Self::launch_with(&[]).await
    }

    /// Launches the app with command-line arguments (`envdeck-app /path/to/project`).
    pub async fn launch_with(args: &[&str]) -> AppWindow {
        Self::launch_with_env(args, &[]).await
    }

    /// Launches the app with arguments and extra environment variables (e.g. its own `XDG_DATA_HOME`,
    /// so the webview starts with no remembered projects: a first run).
    pub async fn launch_with_env(args: &[&str], env: &[(&str, &std::path::Path)]) -> AppWindow {
        let (port, native_port) = (free_port(), free_port());
        let driver = Command::new("tauri-driver")
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver runs (scripts/setup.sh installs it with cargo install tauri-driver)");
        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": { "application": app_binary(), "args": args }
        });
        let caps = caps.as_object().cloned().expect("capabilities are a JSON object");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::rustls()
                .expect("rustls roots load")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(e) => panic!("no WebDriver session on the app within 30 s: {e}"),
            }
        };
        AppWindow { client, driver }
    }

    /// Waits for an element the UI renders once Rust has answered.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("`{css}` did not appear within {timeout:?}: {e}"))
    }

    /// Waits until some element matching `css` has text containing `needle`; returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let mut last = Vec::new();
        loop {
            last.clear();
            if let Ok(found) = self.client.find_all(Locator::Css(css)).await {
                for element in found {
                    if let Ok(text) = element.text().await {
                        if text.contains(needle) {
                            return text;
                        }
                        last.push(text);
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "no `{css}` said `{needle}` within {timeout:?}; they said: {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Clicks the element matching `css`, which must be there.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css, Duration::from_secs(10)).await;
        // WebDriver has no time limit of its own on a click: a hung one fails the test instead of CI.
        tokio::time::timeout(CLICK_LIMIT, element.click())
            .await
            .unwrap_or_else(|_| panic!("clicking `{css}` did not return within {CLICK_LIMIT:?}"))
            .unwrap_or_else(|e| panic!("`{css}` can be clicked: {e}"));
    }

    /// Picks an environment card once the project's list shows it, and waits for its panel.
    pub async fn pick_environment(&self, id: &str) {
        self.click(&format!("#env-{id}")).await;
        self.wait_for(&format!("#environment[data-env='{id}']"), Duration::from_secs(5))
            .await;
    }

    /// Scrolls the element matching `css` to the top of the window, so a screenshot shows it.
    pub async fn scroll_to(&self, css: &str) {
        let element = self.wait_for(css, Duration::from_secs(10)).await;
        let arg = serde_json::to_value(&element).expect("an element serializes to a WebDriver reference");
        self.client
            .execute("arguments[0].scrollIntoView({block: 'start'});", vec![arg])
            .await
            .unwrap_or_else(|e| panic!("`{css}` can be scrolled into view: {e}"));
    }

    /// Invokes an app command from inside the window, as any script running there could (not through
    /// the UI's code): `Ok(answer)` or `Err(the rejection, {code, message} for EnvDeck's errors)`.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let script = "const [command, args, done] = arguments;\n\
                      window.__TAURI_INTERNALS__.invoke(command, args)\n\
                        .then((ok) => done({ ok: ok === undefined ? null : ok }), (err) => done({ err }));";
        let answer = self
            .client
            .execute_async(script, vec![command.into(), args])
            .await
            .unwrap_or_else(|e| panic!("`{command}` can be invoked from the window: {e}"));
        match answer.get("err") {
            Some(err) => Err(err.clone()),
            None => Ok(answer["ok"].clone()),
        }
    }

    /// Saves a PNG of the window under target/e2e/.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .client
            .screenshot()
            .await
            .expect("the window can be captured");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("the screenshot can be written");
        path
    }

    /// Ends the WebDriver session (closing the app) and stops tauri-driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for AppWindow {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

/// Runs a future to its end from synchronous or asynchronous test code alike: on a scoped thread with a
/// runtime of its own (a fixture's constructor may be called inside a `#[tokio::test]`).
pub fn block_on<F>(future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the test")
                    .block_on(future)
            })
            .join()
            .expect("the future ran to its end")
    })
}
