//! A scratch area for tests of the real `envdeck` binary that need EnvDeck's own state to themselves: a
//! private list of projects (`ENVDECK_PROJECTS_DIR`) and state folder (`ENVDECK_STATE_DIR`: locks,
//! records of known secrets, host processes), and project folders copied from one fixture. On drop,
//! every stack and keychain entry those folders got goes, even after a failed assertion.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::cli::run_bounded;

/// How long one `envdeck` command of these tests may take.
pub const LIMIT: Duration = Duration::from_secs(120);

pub struct Area {
    tmp: tempfile::TempDir,
    bin: PathBuf,
    fixture: PathBuf,
    /// The secrets the fixture's environments have, deleted from the keychain on drop.
    secrets: Vec<String>,
    /// (stack, keychain service) of every environment asked about.
    made: RefCell<Vec<(String, String)>>,
}

impl Area {
    /// An area whose projects are copies of `tests/fixtures/projects/<fixture>`, run with `bin`.
    pub fn new(bin: &Path, fixture: &str, secrets: &[&str]) -> Self {
        Self {
            tmp: tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}")),
            bin: bin.to_owned(),
            fixture: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fixtures/projects")
                .join(fixture),
            secrets: secrets.iter().map(|s| (*s).to_owned()).collect(),
            made: RefCell::default(),
        }
    }

    /// A fresh copy of the fixture at `<area>/work/<name>`.
    pub fn project(&self, name: &str) -> PathBuf {
        let dir = self.tmp.path().join("work").join(name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("project folder: {e}"));
        let entries = std::fs::read_dir(&self.fixture)
            .unwrap_or_else(|e| panic!("the fixture {}: {e}", self.fixture.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("fixture entry: {e}"));
            std::fs::copy(entry.path(), dir.join(entry.file_name()))
                .unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
        dir
    }

    /// EnvDeck's state folder given to every command (`ENVDECK_STATE_DIR`): host-process records, and
    /// the `locks` and `secrets` folders inside it.
    pub fn state_dir(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    /// The variables that give a process (a CLI, the app) the area's list of projects and state folder.
    pub fn variables(&self) -> [(&'static str, PathBuf); 2] {
        [
            ("ENVDECK_PROJECTS_DIR", self.tmp.path().join("registry")),
            ("ENVDECK_STATE_DIR", self.state_dir()),
        ]
    }

    /// `envdeck --project DIR ARGS` with the area's folders and any extra variables (later ones win).
    pub fn command(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--project").arg(dir).args(args).envs(self.variables());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `envdeck ARGS` to its end: (success, stdout + stderr).
    pub fn run(&self, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
        let ran = run_bounded(self.command(dir, args, env), LIMIT);
        (ran.status.success(), ran.text())
    }

    /// Runs `envdeck ARGS`, which must succeed; returns its output.
    pub fn ok(&self, dir: &Path, args: &[&str]) -> String {
        let (ok, text) = self.run(dir, args, &[]);
        assert!(ok, "envdeck {args:?} in {} must succeed:\n{text}", dir.display());
        text
    }

    /// The stack of `env` (from `envdeck project show`), remembered with its keychain entry for the
    /// clean-up.
    pub fn stack(&self, dir: &Path, env: &str) -> String {
        let shown = self.ok(dir, &["project", "show", "--json"]);
        let view: serde_json::Value =
            serde_json::from_str(&shown).unwrap_or_else(|e| panic!("project show is JSON ({e}): {shown}"));
        let found = view["environments"]
            .as_array()
            .and_then(|all| all.iter().find(|e| e["id"] == env))
            .unwrap_or_else(|| panic!("no {env} in {view}"));
        let text = |k: &str| found[k].as_str().unwrap_or_default().to_owned();
        self.made.borrow_mut().push((text("stack"), text("keychain")));
        text("stack")
    }

    /// The keychain's value of a secret, through `envdeck secrets reveal`.
    pub fn secret(&self, dir: &Path, env: &str, name: &str) -> String {
        self.ok(dir, &["secrets", "reveal", env, name]).trim().to_owned()
    }

    /// (project id, environment) of the keychain entries of `env`, as `envdeck project show` names them.
    pub fn keychain_of(&self, dir: &Path, env: &str) -> (String, String) {
        self.stack(dir, env);
        let made = self.made.borrow();
        let (_, keychain) = made.last().unwrap_or_else(|| panic!("just remembered"));
        let parts: Vec<&str> = keychain.splitn(3, ':').collect();
        match parts[..] {
            [_, project, env] => (project.to_owned(), env.to_owned()),
            _ => panic!("a keychain service is envdeck:<project>:<env>: {keychain}"),
        }
    }
}

impl Drop for Area {
    fn drop(&mut self) {
        for (stack, keychain) in self.made.borrow().iter() {
            crate::remove_stack(stack);
            let parts: Vec<&str> = keychain.splitn(3, ':').collect();
            if let [_, project, env] = parts[..]
                && let Ok(ns) = envdeck_vault::Namespace::new(project, env)
            {
                for name in &self.secrets {
                    let _ = envdeck_vault::delete(&ns, name);
                }
            }
        }
    }
}
