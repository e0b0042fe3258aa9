//! The desktop window may do only what its UI does. The Tauri capabilities (src-tauri/capabilities/*.json)
//! must grant exactly the plugin permissions that the plugin calls found in ui/src need (nothing unused
//! that a script injected into the webview could use), scoped to local links; the app's own commands
//! must be the ones ui/src/lib/ipc.ts invokes; every command naming a project folder or a file checks it
//! against what the person chose (envdeck_api::picks); and tauri.conf.json's Content Security Policy must
//! forbid remote and inline scripts and eval. Reads files only: no build, no window.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// What each Tauri JavaScript function the UI may import needs from the capabilities. A function not
/// listed here fails the test: add it with its permission, then grant that permission.
const CALLS: &[(&str, &str, Option<&str>)] = &[
    // App commands and Channels: allowed for the app's own window without a capability entry.
    ("@tauri-apps/api/core", "invoke", None),
    ("@tauri-apps/api/core", "Channel", None),
    ("@tauri-apps/plugin-dialog", "open", Some("dialog:allow-open")),
    ("@tauri-apps/plugin-dialog", "save", Some("dialog:allow-save")),
    (
        "@tauri-apps/plugin-dialog",
        "message",
        Some("dialog:allow-message"),
    ),
    (
        "@tauri-apps/plugin-opener",
        "openUrl",
        Some("opener:allow-open-url"),
    ),
    (
        "@tauri-apps/plugin-opener",
        "openPath",
        Some("opener:allow-open-path"),
    ),
    ("@tauri-apps/api/event", "listen", Some("core:event:allow-listen")),
    ("@tauri-apps/api/event", "once", Some("core:event:allow-listen")),
    ("@tauri-apps/api/event", "emit", Some("core:event:allow-emit")),
];

/// `(module, name)` of every import from a `@tauri-apps/...` module in the UI's sources.
fn tauri_imports() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![repo().join("ui/src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("list {}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                // Generated TypeScript types: no code.
                if !path.ends_with("bindings") {
                    dirs.push(path);
                }
            } else if path
                .extension()
                .is_some_and(|e| e == "ts" || e == "svelte" || e == "js")
            {
                files.push(path);
            }
        }
    }
    let mut found = BTreeSet::new();
    for file in files {
        let text = read(&file);
        assert!(
            !text.contains("__TAURI__") && !text.contains("__TAURI_INTERNALS__"),
            "{} reaches Tauri's globals directly; go through @tauri-apps imports so this test sees it",
            file.display()
        );
        for statement in text.split(';') {
            let statement = statement.trim();
            let Some(at) = statement
                .find("from \"@tauri-apps/")
                .or_else(|| statement.find("from '@tauri-apps/"))
            else {
                continue;
            };
            let module = statement[at + 6..]
                .trim_matches(|c| c == '"' || c == '\'')
                .to_owned();
            let head = &statement[..at];
            let (Some(open), Some(close)) = (head.find('{'), head.rfind('}')) else {
                panic!(
                    "{}: `{statement}` imports {module} without naming what it uses; import names so the capabilities can be checked",
                    file.display()
                );
            };
            if head.trim_start().starts_with("import type") {
                continue;
            }
            for item in head[open + 1..close].split(',') {
                let item = item.trim();
                if item.is_empty() || item.starts_with("type ") {
                    continue;
                }
                let name = item.split_whitespace().next().unwrap_or(item);
                found.insert((module.clone(), name.to_owned()));
            }
        }
    }
    found
}

fn capabilities() -> Vec<(PathBuf, serde_json::Value)> {
    let dir = repo().join("src-tauri/capabilities");
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let json = serde_json::from_str(&read(&p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, json)
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!found.is_empty(), "no capability file in {}", dir.display());
    found
}

#[test]
fn capabilities_grant_exactly_the_plugin_permissions_the_ui_calls_and_no_url_opener() {
    let mut needed = BTreeSet::new();
    for (module, name) in tauri_imports() {
        let Some((_, _, permission)) = CALLS.iter().find(|(m, n, _)| *m == module && *n == name) else {
            panic!("ui/src imports `{name}` from {module}: add it to CALLS with the permission it needs");
        };
        if let Some(p) = permission {
            needed.insert((*p).to_owned());
        }
    }
    assert!(
        !needed.iter().any(|p| p.starts_with("dialog:")),
        "the window opens no file dialog itself: Rust opens them and records what the person chose, so a \
         command takes only a path chosen that way (envdeck_api::picks): {needed:?}"
    );
    assert!(
        !needed.iter().any(|p| p.starts_with("opener:")),
        "the window opens no URL itself: Rust's open_link opens only a link EnvDeck derived, exactly \
         (a URL pattern such as http://localhost:* also matches http://localhost:@evil.example/): {needed:?}"
    );

    let mut granted = BTreeSet::new();
    for (path, cap) in capabilities() {
        assert!(
            cap.get("remote").is_none(),
            "{}: no remote origin may call into the app",
            path.display()
        );
        assert_eq!(
            cap["windows"],
            serde_json::json!(["main"]),
            "{}: the capability applies to the main window only",
            path.display()
        );
        for permission in cap["permissions"].as_array().expect("a permissions list") {
            let id = permission
                .as_str()
                .or_else(|| permission["identifier"].as_str())
                .expect("a permission is an identifier or has one");
            granted.insert(id.to_owned());
            if id.starts_with("opener:") {
                let allow = permission["allow"].as_array().unwrap_or_else(|| {
                    panic!(
                        "{}: {id} without an `allow` scope would open any URL",
                        path.display()
                    )
                });
                for scope in allow {
                    let url = scope["url"].as_str().unwrap_or_default();
                    assert!(
                        url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"),
                        "{}: {id} may open only local http links, not `{scope}`",
                        path.display()
                    );
                }
            }
        }
    }
    assert_eq!(
        granted, needed,
        "the capabilities grant exactly what the UI's plugin calls need (granted vs needed)"
    );
}

#[test]
fn the_app_registers_exactly_the_commands_the_ui_invokes() {
    let ipc = read(&repo().join("ui/src/lib/ipc.ts"));
    let mut invoked = BTreeSet::new();
    for marker in ["call<", "watch("] {
        for (at, _) in ipc.match_indices(marker) {
            let rest = &ipc[at..];
            // The command name is the first string literal after the call.
            let Some(start) = rest.find('"') else { continue };
            let name: String = rest[start + 1..].chars().take_while(|c| *c != '"').collect();
            if rest[..start].contains('\n') && marker == "call<" {
                continue;
            }
            if name.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !name.is_empty() {
                invoked.insert(name);
            }
        }
    }
    let lib = read(&repo().join("src-tauri/src/lib.rs"));
    let start = lib
        .find("generate_handler![")
        .expect("the app registers its commands");
    let end = start + lib[start..].find(']').expect("the list closes");
    let registered: BTreeSet<String> = lib[start..end]
        .split([',', '['])
        .filter_map(|s| s.trim().strip_prefix("commands::").map(str::to_owned))
        .collect();
    assert!(
        registered.len() > 5,
        "the scan finds the commands: {registered:?}"
    );
    assert_eq!(
        registered, invoked,
        "every registered command is one the UI invokes, and the other way round"
    );
}

/// The commands of src-tauri/src/commands.rs: `(name, parameters, body)`.
fn commands() -> Vec<(String, String, String)> {
    let text = read(&repo().join("src-tauri/src/commands.rs"));
    let mut found = Vec::new();
    for part in text.split("#[tauri::command]").skip(1) {
        let at = part.find("fn ").expect("a command is a function");
        let name: String = part[at + 3..]
            .chars()
            .take_while(|c| *c != '(' && *c != '<')
            .collect();
        let open = part[at..].find('(').expect("parameters") + at;
        let close = part[open..]
            .find(") ->")
            .or_else(|| part[open..].find(") {"))
            .expect("parameters close")
            + open;
        let body_end = part.find("\n}").unwrap_or(part.len());
        found.push((
            name,
            part[open + 1..close].to_owned(),
            part[close..body_end].to_owned(),
        ));
    }
    found
}

#[test]
fn every_command_takes_only_folders_and_files_the_person_chose() {
    let commands = commands();
    assert!(
        commands.len() > 20,
        "the scan finds the commands: {}",
        commands.len()
    );
    for (name, params, body) in &commands {
        if params.contains("dir: PathBuf") {
            assert!(
                body.contains("picks.to_open(&dir)"),
                "`{name}` takes a project folder as a bare PathBuf: take `dir: OpenedDir` (a project opened in \
                 this run), or check a folder to open with Picks::to_open (a chosen or known project)"
            );
        }
        if params.contains("file: PathBuf") {
            assert!(
                body.contains("picks.file(Purpose::"),
                "`{name}` takes a file without checking it was chosen in a dialog or lies in the project"
            );
        }
        for param in params.split(',').map(str::trim).filter(|p| p.contains("PathBuf")) {
            assert!(
                ["dir: PathBuf", "file: PathBuf", "suggested: PathBuf"].contains(&param),
                "`{name}` takes a path `{param}` this test does not know how it is checked: check it with \
                 envdeck_api::picks and add it here"
            );
        }
    }
}

/// The sources a CSP directive allows, or `None` when the policy does not name it.
fn directive<'a>(csp: &'a str, name: &str) -> Option<Vec<&'a str>> {
    csp.split(';').map(str::trim).find_map(|d| {
        let mut words = d.split_whitespace();
        (words.next() == Some(name)).then(|| words.collect())
    })
}

#[test]
fn the_webview_csp_forbids_remote_and_inline_scripts_and_eval() {
    let path = repo().join("src-tauri/tauri.conf.json");
    let conf: serde_json::Value = serde_json::from_str(&read(&path)).expect("tauri.conf.json is JSON");
    let security = &conf["app"]["security"];
    let csp = security["csp"]
        .as_str()
        .expect("app.security.csp is set (a missing CSP lets any script run)");
    let default_src = directive(csp, "default-src").expect("default-src is set");
    assert_eq!(default_src, vec!["'self'"], "default-src is 'self' only: {csp}");
    let script_src = directive(csp, "script-src").unwrap_or(default_src);
    for source in &script_src {
        assert!(
            *source == "'self'" || source.starts_with("'sha256-"),
            "script-src allows only the app's own files (and hashes), not `{source}`: {csp}"
        );
    }
    for name in ["connect-src", "img-src", "style-src", "object-src", "frame-src"] {
        for source in directive(csp, name).unwrap_or_default() {
            let remote = source == "*" || (source.starts_with("http") && source != "http://ipc.localhost");
            assert!(!remote, "{name} names no remote origin, not `{source}`: {csp}");
        }
    }
    assert_ne!(
        security["dangerousDisableAssetCspModification"],
        serde_json::json!(true),
        "Tauri's CSP hashing of the app's own scripts stays on"
    );
    assert_ne!(
        conf["app"]["withGlobalTauri"],
        serde_json::json!(true),
        "no window.__TAURI__ for injected scripts to use"
    );
}
