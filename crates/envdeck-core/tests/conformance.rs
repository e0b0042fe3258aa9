//! The compose conformance suite: one small project per case under fixtures/compose/conformance/
//! FEATURE/CASE, each with what `envdeck config` must print or the error it must give, and Docker
//! Compose v2 (2.26, `scripts/compose-v2.sh`) run on the same project as a second opinion.
//!
//! A case folder holds its compose files and:
//! - `args` (optional): the command line, as `docker compose` takes it: `-f FILE`, `--env-file FILE`,
//!   `--profile NAME`, `-p NAME`. Without it: `compose.yaml` and the folder's `.env`, as compose does;
//! - `expect.json`: part of the resolved model, in `docker compose config --format json`'s shape. Every
//!   key it has must be in the result with the same value (lists element by element), so a case says
//!   only what it is about (`@/x` is the path x in the case's folder); or
//! - `expect-error`: lines that must each appear in the error message;
//! - `expect-warnings` (optional, beside `expect.json`): lines that must each appear in a warning;
//! - `v2` (optional): where compose v2 2.26 differs, why (a rule of a newer compose-go, which EnvDeck
//!   follows). Such a case asserts that 2.26 does differ, so the note cannot go stale silently.
//!
//! Compose v2 missing is a failure, not a skip: `scripts/test.sh` fetches it. Its binary here is a
//! Linux program, so the second opinion runs on Unix only; the cases themselves run everywhere (the
//! Windows tier under Wine too), with paths in the platform's own form.

use std::path::{MAIN_SEPARATOR_STR, Path, PathBuf};

use envdeck_core::compose::{ComposeModel, EnvFile, LoadOptions, Variables, load};
use serde_json::Value;

/// The cases' folder, absolute in the platform's form (a test built on Linux and run under Wine sees
/// `/work/...` as `Z:\work\...`).
fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose/conformance");
    std::path::absolute(&root).unwrap_or(root)
}

struct Case {
    /// `feature/case`.
    name: String,
    /// Read by the compose v2 comparison (Unix only).
    #[cfg_attr(not(unix), allow(dead_code))]
    dir: PathBuf,
    files: Vec<PathBuf>,
    env_files: Vec<PathBuf>,
    profiles: Vec<String>,
    project: Option<String>,
    expect: Expect,
    warnings: Vec<String>,
    #[cfg_attr(not(unix), allow(dead_code))]
    v2_differs: Option<String>,
}

enum Expect {
    Model(Value),
    Error(Vec<String>),
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for feature in sorted(&root()) {
        for dir in sorted(&feature) {
            let name = format!(
                "{}/{}",
                feature.file_name().unwrap_or_default().to_string_lossy(),
                dir.file_name().unwrap_or_default().to_string_lossy()
            );
            cases.push(case(name, dir));
        }
    }
    cases
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn case(name: String, dir: PathBuf) -> Case {
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).ok();
    let (mut files, mut env_files, mut profiles, mut project) = (vec![], vec![], vec![], None);
    let args = read("args").unwrap_or_default();
    let mut words = args.split_whitespace();
    while let Some(flag) = words.next() {
        let value = words
            .next()
            .unwrap_or_else(|| panic!("{name}/args: {flag} needs a value"))
            .to_owned();
        match flag {
            "-f" => files.push(dir.join(value)),
            "--env-file" => env_files.push(dir.join(value)),
            "--profile" => profiles.push(value),
            "-p" => project = Some(value),
            other => panic!("{name}/args: unknown flag {other}"),
        }
    }
    if files.is_empty() {
        files.push(dir.join("compose.yaml"));
    }
    if env_files.is_empty() && dir.join(".env").is_file() {
        env_files.push(dir.join(".env"));
    }
    let expect = match (read("expect.json"), read("expect-error")) {
        (Some(json), None) => Expect::Model(in_folder(
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}/expect.json: {e}")),
            &dir,
        )),
        (None, Some(lines)) => Expect::Error(
            lines
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        ),
        _ => panic!("{name}: a case has expect.json or expect-error, one of them"),
    };
    Case {
        name,
        dir: dir.clone(),
        files,
        env_files,
        profiles,
        project,
        expect,
        warnings: read("expect-warnings")
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        v2_differs: read("v2").map(|why| why.trim().to_owned()),
    }
}

/// `@/x` in an expected value is the path `x` in the case's folder (compose prints absolute paths).
fn in_folder(value: Value, dir: &Path) -> Value {
    match value {
        Value::String(s) => match s.strip_prefix("@/") {
            Some(rest) => Value::String(
                dir.join(rest.replace('/', MAIN_SEPARATOR_STR))
                    .display()
                    .to_string(),
            ),
            None => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(|v| in_folder(v, dir)).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, in_folder(v, dir))).collect()),
        other => other,
    }
}

fn envdeck(case: &Case) -> Result<ComposeModel, String> {
    // As compose reads `--env-file a --env-file b`: b's values win, and b may use a's. (An EnvDeck
    // environment's `env_files` list is the other way round, first wins: docs/manifest.md.)
    let (mut read, mut layers) = (Variables::new(), Vec::new());
    for file in &case.env_files {
        let layer = EnvFile::read(file)
            .and_then(|f| f.layer(&read))
            .map_err(|e| e.to_string())?;
        read.push(layer.clone());
        layers.push(layer);
    }
    let mut vars = Variables::new();
    for layer in layers.into_iter().rev() {
        vars.push(layer);
    }
    let options = LoadOptions {
        files: case.files.clone(),
        project_dir: None,
        project_name: case.project.clone(),
        profiles: case.profiles.clone(),
    };
    load(&options, &vars).map_err(|e| e.to_string())
}

/// `expected` is found in `actual`: every key of an object, every element of a list (same length).
fn contains(actual: &Value, expected: &Value, at: &str, misses: &mut Vec<String>) {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            for (key, want) in e {
                match a.get(key) {
                    Some(got) => contains(got, want, &format!("{at}.{key}"), misses),
                    None if want.is_null() => {}
                    None => misses.push(format!("{at}.{key}: missing, expected {want}")),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) if a.len() == e.len() => {
            for (i, (got, want)) in a.iter().zip(e).enumerate() {
                contains(got, want, &format!("{at}[{i}]"), misses);
            }
        }
        (got, want) if got == want => {}
        (got, want) => misses.push(format!("{at}: expected {want}, found {got}")),
    }
}

#[test]
fn every_case_gives_its_expected_model_or_error() {
    let cases = cases();
    assert!(
        cases.len() >= 12,
        "the suite has its cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        match (&case.expect, envdeck(case)) {
            (Expect::Model(want), Ok(model)) => {
                let got = serde_json::to_value(&model).expect("a model serializes");
                let mut misses = Vec::new();
                contains(&got, want, "", &mut misses);
                let said: Vec<String> = model.warnings.iter().map(ToString::to_string).collect();
                for line in &case.warnings {
                    if !said.iter().any(|w| w.contains(line.as_str())) {
                        misses.push(format!("no warning says `{line}` (warnings: {said:?})"));
                    }
                }
                if !misses.is_empty() {
                    failures.push(format!(
                        "{}:\n  {}\n  (got {got})",
                        case.name,
                        misses.join("\n  ")
                    ));
                }
            }
            (Expect::Model(_), Err(e)) => {
                failures.push(format!("{}: expected a model, got the error: {e}", case.name))
            }
            (Expect::Error(lines), Err(e)) => {
                // The lines name files as `a/compose.yaml`; Windows prints `a\compose.yaml`.
                let e = e.replace(MAIN_SEPARATOR_STR, "/");
                for line in lines {
                    if !e.contains(line.as_str()) {
                        failures.push(format!("{}: the error does not say `{line}`:\n  {e}", case.name));
                    }
                }
            }
            (Expect::Error(_), Ok(_)) => {
                failures.push(format!("{}: expected an error, the project loaded", case.name))
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Docker Compose v2 on the same cases: a Linux binary here, so Unix only.
#[cfg(unix)]
mod compose_v2 {
    use super::*;
    use envdeck_core::compose::{Service, load_str};
    use std::process::Command;

    /// Where the compose v2 binary is: `ENVDECK_COMPOSE_V2`, else where `scripts/compose-v2.sh` puts it.
    fn compose_v2() -> PathBuf {
        std::env::var_os("ENVDECK_COMPOSE_V2")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
                home.join(".cache/envdeck/compose-v2/docker-compose")
            })
    }

    /// `docker compose config --format json` on the case, in a clean environment (only the case's files
    /// give variables): the model as JSON, or compose's error.
    fn v2(case: &Case) -> Result<String, String> {
        let binary = compose_v2();
        let mut cmd = Command::new(&binary);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .current_dir(&case.dir);
        for f in &case.files {
            cmd.arg("-f").arg(f);
        }
        for e in &case.env_files {
            cmd.arg("--env-file").arg(e);
        }
        for p in &case.profiles {
            cmd.arg("--profile").arg(p);
        }
        if let Some(p) = &case.project {
            cmd.arg("-p").arg(p);
        }
        let out = cmd
            .args(["config", "--format", "json"])
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "compose v2 must be at {} for the conformance suite (scripts/compose-v2.sh fetches it): {e}",
                    binary.display()
                )
            });
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// What both tools must agree on, per service, in an order-free form.
    fn comparable(s: &Service) -> Vec<(&'static str, String)> {
        // Compose prints the default Dockerfile name; EnvDeck leaves it to the engine.
        let mut build = s.build.clone();
        if let Some(b) = &mut build {
            b.dockerfile.get_or_insert_with(|| "Dockerfile".to_owned());
        }
        let mut ports: Vec<String> = s.ports.iter().map(|p| format!("{p:?}")).collect();
        ports.sort();
        let mut volumes: Vec<String> = s.volumes.iter().map(|m| format!("{m:?}")).collect();
        volumes.sort();
        vec![
            ("image", format!("{:?}", s.image)),
            ("build", format!("{build:?}")),
            ("environment", format!("{:?}", s.environment)),
            ("ports", format!("{ports:?}")),
            ("volumes", format!("{volumes:?}")),
            ("depends_on", format!("{:?}", s.depends_on)),
            ("healthcheck", format!("{:?}", s.healthcheck)),
            ("command", format!("{:?}", s.command)),
            ("entrypoint", format!("{:?}", s.entrypoint)),
            ("labels", format!("{:?}", s.labels)),
            ("profiles", format!("{:?}", s.profiles)),
            ("develop", format!("{:?}", s.develop)),
        ]
    }

    /// The differences between compose v2's model (read back through EnvDeck's single-file loader, so both
    /// are the same types) and EnvDeck's.
    fn differences(case: &Case, theirs_json: &str, ours: &ComposeModel) -> Vec<String> {
        // v2 prints only the services its profiles enabled: read them back with all of their profiles on.
        let printed: Value = serde_json::from_str(theirs_json).unwrap_or(Value::Null);
        let mut profiles: Vec<String> = printed["services"]
            .as_object()
            .into_iter()
            .flat_map(|services| services.values())
            .filter_map(|service| service["profiles"].as_array())
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        profiles.sort();
        profiles.dedup();
        let theirs = match load_str(
            &case.dir.join("compose-v2-output.json"),
            theirs_json,
            &Variables::new(),
            &profiles,
        ) {
            Ok(model) => model,
            Err(e) => {
                return vec![format!(
                    "compose v2's own output does not load: {e}\n{theirs_json}"
                )];
            }
        };
        let names = |m: &ComposeModel| m.services.keys().cloned().collect::<Vec<_>>();
        if names(&theirs) != names(ours) {
            return vec![format!(
                "services {:?} (compose v2) vs {:?} (EnvDeck)",
                names(&theirs),
                names(ours)
            )];
        }
        let mut found = Vec::new();
        for (name, service) in &ours.services {
            for ((field, a), (_, b)) in comparable(&theirs.services[name])
                .into_iter()
                .zip(comparable(service))
            {
                if a != b {
                    found.push(format!(
                        "service {name}, {field}:\n    compose v2: {a}\n    EnvDeck:    {b}"
                    ));
                }
            }
        }
        let keys = |m: &ComposeModel| (m.volumes.keys().cloned().collect::<Vec<_>>(), m.name.clone());
        if keys(&theirs) != keys(ours) {
            found.push(format!(
                "volumes and name {:?} (compose v2) vs {:?} (EnvDeck)",
                keys(&theirs),
                keys(ours)
            ));
        }
        found
    }

    #[test]
    fn compose_v2_resolves_every_case_the_same_or_the_case_says_why_not() {
        let mut failures = Vec::new();
        for case in &cases() {
            let theirs = v2(case);
            let ours = envdeck(case);
            let disagreement = match (&theirs, &ours) {
                (Ok(json), Ok(model)) => {
                    let found = differences(case, json, model);
                    (!found.is_empty()).then(|| found.join("\n  "))
                }
                (Err(_), Err(_)) => None,
                (Ok(_), Err(e)) => Some(format!("compose v2 loads it, EnvDeck refuses it: {e}")),
                (Err(e), Ok(_)) => Some(format!("EnvDeck loads it, compose v2 refuses it: {e}")),
            };
            match (disagreement, &case.v2_differs) {
                (None, None) | (Some(_), Some(_)) => {}
                (Some(what), None) => failures.push(format!("{}:\n  {what}", case.name)),
                (None, Some(why)) => failures.push(format!(
                    "{}: the case says compose v2 differs ({why}), but it agrees now: remove its `v2` file",
                    case.name
                )),
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
