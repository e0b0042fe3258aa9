//! Differential tests: EnvDeck's loader against Docker's own (`docker-compose` 1.29, Debian's package) on
//! the seeds' compose files and on one case per compose feature under fixtures/compose/cases.
//!
//! docker-compose prints the resolved configuration as YAML in its own shapes (short port strings, `90s`
//! for `1m30s`); that output is read back through EnvDeck's single-file loader with no variables, so both
//! sides end in the same typed model and only the semantics under test (interpolation, anchors, overlays,
//! profiles, env files) can differ. Known, documented differences are in docs/compose-compat.md.
//!
//! docker-compose missing is a failure, not a skip: CI installs it (scripts/setup.sh). It is a Linux
//! program, so this file is built for Unix only (the Windows tier under Wine runs the conformance cases).

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Command;

use envdeck_core::compose::{ComposeModel, EnvFile, Layer, LoadOptions, Service, Variables, load, load_str};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose")
}

/// One `docker-compose -f ... config` invocation and the same request to EnvDeck.
struct Case {
    name: String,
    dir: PathBuf,
    files: Vec<PathBuf>,
    env_file: Option<PathBuf>,
    profiles: Vec<String>,
}

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("cases"))
        .expect("fixtures/compose/cases exists")
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let files: Vec<PathBuf> = ["a.yml", "b.yml", "c.yml"]
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .collect();
        let env_file = Some(dir.join(".env.case")).filter(|p| p.is_file());
        let profiles = std::fs::read_to_string(dir.join("profiles"))
            .map(|p| p.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        cases.push(Case {
            name: dir.file_name().unwrap_or_default().to_string_lossy().into(),
            dir,
            files,
            env_file,
            profiles,
        });
    }
    let seeds = fixtures().join("seeds");
    let mut seed_files: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .expect("fixtures/compose/seeds exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
        })
        .collect();
    seed_files.sort();
    for file in seed_files {
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let files = if name.contains("overlay") {
            vec![seeds.join("_base.yml"), file]
        } else {
            vec![file]
        };
        cases.push(Case {
            name,
            dir: seeds.clone(),
            files,
            env_file: Some(seeds.join(".env.production")),
            profiles: vec![],
        });
    }
    cases
}

fn docker_compose(case: &Case) -> String {
    let mut cmd = Command::new("docker-compose");
    // A clean environment on both sides: only the case's env file supplies variables.
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(&case.dir);
    for f in &case.files {
        cmd.arg("-f").arg(f);
    }
    if let Some(e) = &case.env_file {
        cmd.arg("--env-file").arg(e);
    }
    for p in &case.profiles {
        cmd.arg("--profile").arg(p);
    }
    let out = cmd.arg("config").output().unwrap_or_else(|e| {
        panic!("docker-compose must be installed for the differential tests (apt-get install -y docker-compose): {e}")
    });
    assert!(
        out.status.success(),
        "{}: docker-compose rejected the case: {}",
        case.name,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn envdeck(case: &Case) -> ComposeModel {
    let mut vars = Variables::new();
    if let Some(e) = &case.env_file {
        let file = EnvFile::read(e).unwrap_or_else(|err| panic!("{}: {err}", case.name));
        vars.push(Layer::new("env file", file.values()));
    }
    let options = LoadOptions {
        files: case.files.clone(),
        profiles: case.profiles.clone(),
        ..LoadOptions::default()
    };
    load(&options, &vars)
        .unwrap_or_else(|e| panic!("{}: EnvDeck rejected what docker-compose accepts: {e}", case.name))
}

/// The fields compared, each in an order-free form (compose v1 sorts ports and volumes its own way).
fn comparable(s: &Service) -> Vec<(&'static str, String)> {
    let mut ports: Vec<String> = s.ports.iter().map(|p| format!("{p:?}")).collect();
    ports.sort();
    let mut volumes: Vec<String> = s.volumes.iter().map(|m| format!("{m:?}")).collect();
    volumes.sort();
    let mut health = s.healthcheck.clone();
    if let Some(h) = &mut health {
        // v1 prints `disable: true` beside the NONE test, EnvDeck folds both into `disable`.
        h.test.retain(|t| t != "NONE");
    }
    vec![
        ("image", format!("{:?}", s.image)),
        ("environment", format!("{:?}", s.environment)),
        ("ports", format!("{ports:?}")),
        ("volumes", format!("{volumes:?}")),
        ("depends_on", format!("{:?}", s.depends_on)),
        ("healthcheck", format!("{health:?}")),
        ("command", format!("{:?}", s.command)),
        ("entrypoint", format!("{:?}", s.entrypoint)),
        ("restart", format!("{:?}", s.restart)),
        ("replicas", format!("{:?}", s.replicas())),
    ]
}

#[test]
fn envdeck_resolves_every_case_as_docker_compose_does() {
    let cases = cases();
    assert!(
        cases.len() >= 35,
        "the corpus has the seeds and at least 25 feature cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let theirs_yaml = docker_compose(case);
        let theirs = load_str(
            &case.dir.join("docker-compose-v1-output.yml"),
            &theirs_yaml,
            &Variables::new(),
            &case.profiles,
        )
        .unwrap_or_else(|e| {
            panic!(
                "{}: docker-compose's own output does not load: {e}\n{theirs_yaml}",
                case.name
            )
        });
        let ours = envdeck(case);
        let names = |m: &ComposeModel| m.services.keys().cloned().collect::<Vec<_>>();
        if names(&theirs) != names(&ours) {
            failures.push(format!(
                "{}: services {:?} (docker-compose) vs {:?} (EnvDeck)",
                case.name,
                names(&theirs),
                names(&ours)
            ));
            continue;
        }
        for (name, service) in &ours.services {
            for ((field, a), (_, b)) in comparable(&theirs.services[name])
                .into_iter()
                .zip(comparable(service))
            {
                if a != b {
                    failures.push(format!(
                        "{}: service {name}, {field}:\n  docker-compose: {a}\n  EnvDeck:        {b}",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "EnvDeck differs from docker-compose in {} places:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
