//! Whose stack and whose secrets: a project's identity comes from EnvDeck's own list of projects, never
//! from the repository. Each test runs the real `envdeck` binary against the real dockerd and the real
//! keychain, with a private list of projects (`ENVDECK_PROJECTS_DIR`).

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = "../../tests/fixtures/projects/identity";

/// A scratch area: a private list of projects, and the project folders made in it. On drop, every
/// stack and keychain entry those folders got goes, even after a failed assertion.
struct Area {
    tmp: tempfile::TempDir,
    registry: PathBuf,
    made: std::cell::RefCell<Vec<(String, String)>>,
}

impl Area {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let registry = tmp.path().join("registry");
        Self {
            tmp,
            registry,
            made: Default::default(),
        }
    }

    /// A copy of the fixture at `<area>/<parent>/<name>`, with an optional `envdeck.toml`.
    fn project(&self, parent: &str, name: &str, manifest: Option<&str>) -> PathBuf {
        let dir = self.tmp.path().join(parent).join(name);
        std::fs::create_dir_all(&dir).expect("project folder");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
        for entry in std::fs::read_dir(&fixture).expect("the identity fixture") {
            let entry = entry.expect("fixture entry");
            std::fs::copy(entry.path(), dir.join(entry.file_name())).expect("copy fixture");
        }
        if let Some(text) = manifest {
            std::fs::write(dir.join("envdeck.toml"), text).expect("manifest");
        }
        dir
    }

    fn envdeck(&self, dir: &Path, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_envdeck"))
            .arg("--project")
            .arg(dir)
            .args(args)
            .env("ENVDECK_PROJECTS_DIR", &self.registry)
            .output()
            .expect("envdeck runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let (ok, out, err) = self.envdeck(dir, args);
        assert!(
            ok,
            "envdeck {args:?} in {} must succeed:\n{out}{err}",
            dir.display()
        );
        out
    }

    /// (stack, keychain service) of `env`, remembered for the clean-up.
    fn names(&self, dir: &Path, env: &str) -> (String, String) {
        let view: serde_json::Value =
            serde_json::from_str(&self.ok(dir, &["project", "show", "--json"])).expect("JSON");
        let e = view["environments"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["id"] == env))
            .unwrap_or_else(|| panic!("no {env} in {view}"));
        let names = (
            e["stack"].as_str().unwrap_or_default().to_owned(),
            e["keychain"].as_str().unwrap_or_default().to_owned(),
        );
        self.made.borrow_mut().push(names.clone());
        names
    }

    fn secret(&self, dir: &Path, env: &str) -> String {
        self.ok(dir, &["secrets", "reveal", env, "SECRET_KEY"])
            .trim()
            .to_owned()
    }
}

impl Drop for Area {
    fn drop(&mut self) {
        for (stack, keychain) in self.made.borrow().iter() {
            envdeck_tests::remove_stack(stack);
            let parts: Vec<&str> = keychain.splitn(3, ':').collect();
            if let [_, project, env] = parts[..]
                && let Ok(ns) = envdeck_vault::Namespace::new(project, env)
            {
                let _ = envdeck_vault::delete(&ns, "SECRET_KEY");
            }
        }
    }
}

/// The docker CLI's stdout; a failing command fails the test (a setup step that failed silently once made
/// "the legacy data" look lost).
fn docker(args: &[&str]) -> String {
    envdeck_tests::cli::docker(args, &[]).trim().to_owned()
}

/// The container ids of a stack, by its compose label (what `docker compose -p NAME ps` lists).
fn containers(stack: &str) -> String {
    docker(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=com.docker.compose.project={stack}"),
    ])
}

fn stamp(stack: &str) -> String {
    docker(&["exec", &format!("{stack}-app-1"), "cat", "/data/stamp"])
}

fn unique(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("edt-{tag}-{}-{nanos:x}", std::process::id())
}

#[test]
fn two_checkouts_with_one_name_get_their_own_stacks_and_secrets() {
    let area = Area::new();
    let name = unique("shop");
    let work = area.project("work", &name, None);
    let review = area.project("review", &name, None);
    let (work_stack, work_keys) = area.names(&work, "local");
    let (review_stack, review_keys) = area.names(&review, "local");
    assert_ne!(work_stack, review_stack, "one name, two folders: two stacks");
    assert_ne!(work_keys, review_keys, "and two keychain namespaces");

    area.ok(&work, &["up", "local"]);
    let work_containers = containers(&work_stack);
    area.ok(&review, &["up", "local"]);
    assert_eq!(
        containers(&work_stack),
        work_containers,
        "starting the second checkout must not replace the first one's containers"
    );
    assert!(
        !containers(&review_stack).is_empty(),
        "the second checkout runs too"
    );
    assert_ne!(
        area.secret(&work, "local"),
        area.secret(&review, "local"),
        "each checkout has its own SECRET_KEY"
    );
    assert_ne!(
        stamp(&work_stack),
        stamp(&review_stack),
        "and its own data volume"
    );
}

#[test]
fn a_dash_in_a_name_no_longer_makes_two_stacks_one() {
    let area = Area::new();
    let base = unique("dash");
    // Project `<base>-dev` + environment `local` and project `<base>` + environment `dev-local` were
    // both the stack `<base>-dev-local`.
    let a = area.project("a", &format!("{base}-dev"), None);
    let b = area.project("b", &base, None);
    let (a_stack, _) = area.names(&a, "local");
    let (b_stack, _) = area.names(&b, "dev-local");
    assert_ne!(a_stack, b_stack);
    area.ok(&a, &["up", "local"]);
    let before = containers(&a_stack);
    area.ok(&b, &["up", "dev-local"]);
    assert_eq!(
        containers(&a_stack),
        before,
        "the other project's stack is untouched"
    );
    assert!(!containers(&b_stack).is_empty());
}

#[test]
fn a_manifest_that_names_another_project_gets_none_of_its_secrets_or_containers() {
    let area = Area::new();
    let victim_name = unique("victim");
    let victim = area.project("team", &victim_name, None);
    let (victim_stack, _) = area.names(&victim, "local");
    area.ok(&victim, &["up", "local"]);
    let secret = area.secret(&victim, "local");
    let victim_containers = containers(&victim_stack);

    let hostile = area.project(
        "downloads",
        &unique("innocent"),
        Some(&format!("[project]\nname = \"{victim_name}\"\n")),
    );
    let (hostile_stack, _) = area.names(&hostile, "local");
    assert_ne!(hostile_stack, victim_stack);
    let (ok, out, err) = area.envdeck(&hostile, &["secrets", "reveal", "local", "SECRET_KEY"]);
    assert!(
        !ok || out.trim() != secret,
        "a repository that names itself like another project must not read its secrets:\n{out}{err}"
    );
    area.ok(&hostile, &["up", "local"]);
    assert_ne!(
        area.secret(&hostile, "local"),
        secret,
        "it got a secret of its own"
    );
    assert_eq!(
        containers(&victim_stack),
        victim_containers,
        "and the other project's containers were not replaced"
    );
}

#[test]
fn a_renamed_folder_keeps_its_secrets_and_data_and_a_copied_one_adopts_them_when_told() {
    let area = Area::new();
    let old = area.project("work", &unique("moved"), None);
    let (stack, _) = area.names(&old, "local");
    area.ok(&old, &["up", "local"]);
    let (secret, data) = (area.secret(&old, "local"), stamp(&stack));
    area.ok(&old, &["down", "local"]);

    // Renamed in place: the same directory, recognised without a question.
    let renamed = old.with_file_name(unique("renamed"));
    std::fs::rename(&old, &renamed).expect("rename");
    assert_eq!(area.names(&renamed, "local").0, stack, "the same stack");
    area.ok(&renamed, &["up", "local"]);
    assert_eq!(area.secret(&renamed, "local"), secret, "the same SECRET_KEY");
    assert_eq!(stamp(&stack), data, "the same data volume");
    area.ok(&renamed, &["down", "local"]);

    // Copied elsewhere and the original deleted: a new directory, so a project of its own until the
    // person says otherwise; nothing of the old one is read or started.
    let copy = area.project(
        "elsewhere",
        renamed.file_name().and_then(|n| n.to_str()).expect("name"),
        None,
    );
    std::fs::remove_dir_all(&renamed).expect("remove the original");
    assert_ne!(
        area.names(&copy, "local").0,
        stack,
        "a copy is not silently the old project"
    );
    assert!(
        containers(&stack).is_empty(),
        "nothing of the old project was started"
    );
    area.ok(&copy, &["project", "adopt", &renamed.display().to_string()]);
    assert_eq!(area.names(&copy, "local").0, stack, "adopted: the same stack");
    area.ok(&copy, &["up", "local"]);
    assert_eq!(area.secret(&copy, "local"), secret, "and its SECRET_KEY");
    assert_eq!(stamp(&stack), data, "and its data");
}

#[test]
fn secrets_and_a_stack_from_before_project_ids_are_adopted_on_first_open() {
    let area = Area::new();
    let name = unique("legacy");
    let dir = area.project("work", &name, None);
    // Today's layout as the version before ids left it: keychain `envdeck:<name>:local`, a volume
    // labelled with the stack `<name>-local`, holding data.
    let legacy_stack = format!("{name}-local");
    let ns = envdeck_vault::Namespace::new(&name, "local").expect("namespace");
    let old_secret = "legacy-secret-value-0123456789abcdef0123456789abcdef";
    envdeck_vault::write(
        &ns,
        "SECRET_KEY",
        &envdeck_vault::SecretValue::new(old_secret.to_owned()),
    )
    .expect("the keychain stores the legacy secret");
    area.made
        .borrow_mut()
        .push((legacy_stack.clone(), format!("envdeck:{name}:local")));
    let volume = format!("{legacy_stack}_data");
    docker(&[
        "volume",
        "create",
        "--label",
        &format!("com.docker.compose.project={legacy_stack}"),
        "--label",
        &format!("dev.envdeck.project={legacy_stack}"),
        "--label",
        "dev.envdeck.environment=local",
        "--label",
        "com.docker.compose.volume=data",
        &volume,
    ]);
    docker(&[
        "run",
        "--rm",
        "-v",
        &format!("{volume}:/data"),
        "envdeck-test/busybox:1",
        "sh",
        "-c",
        "echo from-before > /data/stamp",
    ]);

    let (stack, _) = area.names(&dir, "local");
    assert_eq!(
        stack, legacy_stack,
        "the legacy stack keeps its name: volumes cannot be renamed"
    );
    area.ok(&dir, &["up", "local"]);
    assert_eq!(
        area.secret(&dir, "local"),
        old_secret,
        "the legacy secret, not a new one"
    );
    assert_eq!(stamp(&stack), "from-before", "the legacy data");

    // A second folder of the same name does not get them: the first open adopted them.
    let other = area.project("review", &name, None);
    let (other_stack, _) = area.names(&other, "local");
    assert_ne!(other_stack, legacy_stack);
}
