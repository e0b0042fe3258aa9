//! What edited files mean for a service with `develop.watch` rules: which files to copy into its
//! container and where, which to delete there, and whether it restarts, runs a command or is rebuilt.
//! Pure: the watcher (envdeck-api) says which paths changed, the engine does what the Batch says.

use std::path::{Path, PathBuf};

use crate::compose::{WatchAction, WatchRule};
use crate::ignore::Ignore;

/// Files editors write beside the one being saved, never worth a sync: swap and backup files.
const EDITOR_LEFTOVERS: &str =
    "**/*~\n**/*.swp\n**/*.swx\n**/.#*\n**/4913\n**/*___jb_tmp___\n**/*___jb_old___\n";

/// One file to copy: from this machine to its place in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copy {
    pub local: PathBuf,
    pub target: String,
}

/// What one burst of changes asks of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub copies: Vec<Copy>,
    /// Paths in the container whose file on this machine is gone.
    pub removes: Vec<String>,
    pub restart: bool,
    pub rebuild: bool,
    /// Commands to run in the container after the copies (`sync+exec`), each once.
    pub exec: Vec<Vec<String>>,
}

impl Batch {
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
            && self.removes.is_empty()
            && !self.restart
            && !self.rebuild
            && self.exec.is_empty()
    }
}

/// A service's rules, their ignores parsed once.
pub struct Rules {
    rules: Vec<(WatchRule, Ignore)>,
    leftovers: Ignore,
}

impl Rules {
    pub fn new(rules: &[WatchRule]) -> Self {
        Self {
            rules: rules
                .iter()
                .map(|r| (r.clone(), Ignore::parse(&r.ignore.join("\n"))))
                .collect(),
            leftovers: Ignore::parse(EDITOR_LEFTOVERS),
        }
    }

    /// The folders and files to watch.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.rules.iter().map(|(r, _)| Path::new(&r.path))
    }

    /// The paths of the rules that sync everything when watching starts (`initial_sync`).
    pub fn initial_paths(&self) -> impl Iterator<Item = &Path> {
        self.rules
            .iter()
            .filter(|(r, _)| r.initial_sync)
            .map(|(r, _)| Path::new(&r.path))
    }

    /// What `changed` (paths on this machine) asks of the service. `kind` says what a path is now
    /// (`None`: gone); a folder counts as every file under it (`files_under`).
    pub fn plan(
        &self,
        changed: &[PathBuf],
        kind: impl Fn(&Path) -> Option<Kind>,
        files_under: impl Fn(&Path) -> Vec<PathBuf>,
    ) -> Batch {
        let mut batch = Batch::default();
        for path in changed {
            for (rule, ignore) in &self.rules {
                let Ok(rel) = path.strip_prefix(&rule.path) else {
                    continue;
                };
                let rel = slashed(rel);
                if self.skipped(ignore, &rel) {
                    continue;
                }
                match rule.action {
                    WatchAction::Rebuild => batch.rebuild = true,
                    WatchAction::Restart => batch.restart = true,
                    WatchAction::Sync | WatchAction::SyncRestart | WatchAction::SyncExec => {
                        let Some(target) = &rule.target else { continue };
                        let place = |rel: &str| {
                            if rel.is_empty() {
                                target.clone()
                            } else {
                                format!("{}/{rel}", target.trim_end_matches('/'))
                            }
                        };
                        match kind(path) {
                            // The watched folder itself gone (a checkout, a rename): its place in the
                            // container is not emptied on that account.
                            None if rel.is_empty() => {}
                            None => push_new(&mut batch.removes, place(&rel)),
                            Some(Kind::File) => push_copy(&mut batch.copies, path.clone(), place(&rel)),
                            Some(Kind::Folder) => {
                                for file in files_under(path) {
                                    let Ok(inner) = file.strip_prefix(&rule.path) else {
                                        continue;
                                    };
                                    let inner = slashed(inner);
                                    if !self.skipped(ignore, &inner) {
                                        push_copy(&mut batch.copies, file.clone(), place(&inner));
                                    }
                                }
                            }
                        }
                        match rule.action {
                            WatchAction::SyncRestart => batch.restart = true,
                            WatchAction::SyncExec => {
                                if let Some(exec) = &rule.exec {
                                    push_new(&mut batch.exec, exec.command.clone());
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        batch
    }

    fn skipped(&self, ignore: &Ignore, rel: &str) -> bool {
        !rel.is_empty() && (ignore.excludes(rel) || self.leftovers.excludes(rel))
    }
}

/// What a changed path is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
}

fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn push_new<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

fn push_copy(copies: &mut Vec<Copy>, local: PathBuf, target: String) {
    push_new(copies, Copy { local, target });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::WatchExec;

    fn rule(action: WatchAction, path: &str, target: Option<&str>, ignore: &[&str]) -> WatchRule {
        WatchRule {
            path: path.into(),
            action,
            target: target.map(Into::into),
            ignore: ignore.iter().map(|s| (*s).to_owned()).collect(),
            initial_sync: false,
            exec: (action == WatchAction::SyncExec).then(|| WatchExec {
                command: vec!["kill".into(), "-HUP".into(), "1".into()],
            }),
        }
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn a_saved_file_lands_under_the_target_and_a_deleted_one_is_removed_there() {
        let rules = Rules::new(&[rule(
            WatchAction::Sync,
            "/p/app",
            Some("/srv/app"),
            &["__pycache__/"],
        )]);
        let batch = rules.plan(
            &paths(&[
                "/p/app/main.py",
                "/p/app/old.py",
                "/p/app/__pycache__/main.pyc",
                "/p/other.txt",
            ]),
            |p| (p != Path::new("/p/app/old.py")).then_some(Kind::File),
            |_| vec![],
        );
        assert_eq!(
            batch.copies,
            vec![Copy {
                local: "/p/app/main.py".into(),
                target: "/srv/app/main.py".into()
            }],
            "ignored folders and paths outside the rule are not sent"
        );
        assert_eq!(batch.removes, vec!["/srv/app/old.py".to_owned()]);
        assert!(!batch.restart && !batch.rebuild);
    }

    #[test]
    fn a_new_folder_sends_every_file_under_it_except_the_ignored() {
        let rules = Rules::new(&[rule(
            WatchAction::SyncRestart,
            "/p/conf",
            Some("/etc/app/"),
            &["**/*.bak"],
        )]);
        let batch = rules.plan(
            &paths(&["/p/conf/extra"]),
            |_| Some(Kind::Folder),
            |_| paths(&["/p/conf/extra/a.ini", "/p/conf/extra/a.ini.bak"]),
        );
        assert_eq!(batch.copies.len(), 1);
        assert_eq!(batch.copies[0].target, "/etc/app/extra/a.ini");
        assert!(batch.restart, "sync+restart restarts after the copy");
    }

    #[test]
    fn the_watched_folder_itself_gone_removes_nothing_in_the_container() {
        let rules = Rules::new(&[rule(WatchAction::Sync, "/p/src", Some("/"), &[])]);
        let batch = rules.plan(&paths(&["/p/src"]), |_| None, |_| vec![]);
        assert!(
            batch.removes.is_empty(),
            "never `rm -rf /` in the container: {batch:?}"
        );
    }

    #[test]
    fn editor_swap_files_never_count() {
        let rules = Rules::new(&[rule(WatchAction::Sync, "/p/src", Some("/app"), &[])]);
        let batch = rules.plan(
            &paths(&["/p/src/.main.py.swp", "/p/src/main.py~", "/p/src/4913"]),
            |_| Some(Kind::File),
            |_| vec![],
        );
        assert!(batch.is_empty(), "{batch:?}");
    }

    #[test]
    fn a_file_rule_rebuilds_and_a_sync_exec_runs_its_command_once() {
        let rules = Rules::new(&[
            rule(WatchAction::Rebuild, "/p/requirements.txt", None, &[]),
            rule(WatchAction::SyncExec, "/p/templates", Some("/app/templates"), &[]),
        ]);
        let batch = rules.plan(
            &paths(&[
                "/p/requirements.txt",
                "/p/templates/a.html",
                "/p/templates/b.html",
            ]),
            |_| Some(Kind::File),
            |_| vec![],
        );
        assert!(batch.rebuild);
        assert_eq!(batch.copies.len(), 2);
        assert_eq!(
            batch.exec,
            vec![vec!["kill".to_owned(), "-HUP".into(), "1".into()]]
        );
    }
}
