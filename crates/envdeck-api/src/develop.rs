//! `envdeck watch`: the files of a running environment's `develop.watch` rules kept in step with its
//! containers. One watcher of the operating system's (inotify, FSEvents, ReadDirectoryChangesW) for
//! every rule's path; a burst of changes (an editor's save, a `git checkout`) is one Batch per service,
//! which the engine carries out through the Engine API: copies, removals, a command, a restart or a
//! rebuild. A failure is said and the watch goes on: the next save tries again.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use envdeck_core::compose::ComposeModel;
use envdeck_core::watch::{Batch, Kind, Rules};
use notify::Watcher;
use serde::Serialize;

use crate::environment::{project_id, resolve_masked, specs, stack_of};
use crate::error::{ApiError, ErrorCode};
use crate::stack::{self, StackId};
use crate::writer::Operation;

/// A burst of changes ends when the files have been quiet this long.
const QUIET: Duration = Duration::from_millis(40);
/// ... or after this long, however busy they are.
const LONGEST_BURST: Duration = Duration::from_millis(500);

/// What a watch did, as it did it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export)]
pub enum WatchEvent {
    /// The watch started on these paths of the service's rules.
    Watching { service: String, paths: Vec<String> },
    /// Changed files copied into the container, deleted ones removed there.
    Synced {
        service: String,
        #[ts(type = "number")]
        copied: usize,
        #[ts(type = "number")]
        removed: usize,
        #[ts(type = "number")]
        millis: u64,
    },
    /// A `sync+exec` command ran in the container.
    Ran {
        service: String,
        command: Vec<String>,
        #[ts(type = "number")]
        code: i64,
    },
    Restarted {
        service: String,
        #[ts(type = "number")]
        millis: u64,
    },
    Rebuilt {
        service: String,
        #[ts(type = "number")]
        millis: u64,
    },
    /// Carrying out a change failed; the watch goes on.
    Failed { service: String, error: ApiError },
}

/// Watches `env`'s rules (of `only` that service) until the returned future is dropped (Ctrl-C) or the
/// watcher fails.
pub async fn watch(
    dir: &Path,
    env: &str,
    only: Option<&str>,
    on_event: impl Fn(WatchEvent) + Send + Sync,
) -> Result<(), ApiError> {
    prepare(dir, env, only).await?.run(on_event).await
}

/// A watch that is set up (its rules read, the operating system's watcher on their paths) and not yet
/// running: what can be refused is refused before the window's switch says "watching".
pub struct Watch {
    id: String,
    stack: StackId,
    model: ComposeModel,
    masker: envdeck_core::secret::Masker,
    services: Vec<(String, Rules, Vec<String>)>,
    changes: tokio::sync::mpsc::UnboundedReceiver<PathBuf>,
    // Watching for as long as the Watch lives.
    _watcher: notify::RecommendedWatcher,
}

/// Sets up the watch of `env`'s rules (of `only` that service): refused for a host environment, a
/// staging or production one, or rules whose paths cannot be watched.
pub async fn prepare(dir: &Path, env: &str, only: Option<&str>) -> Result<Watch, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    if crate::host::is_host(project, env) {
        return Err(refused(format!(
            "`{env}` runs a command on this machine: it reads your files where they are, there is nothing to \
             sync (watch is for Docker environments)"
        )));
    }
    // A watch copies files into containers and rebuilds them with none of a Start's checklist or typed
    // confirmation: development environments only.
    if envdeck_core::checklist::blocks_start(crate::checklist::exposure_of(project, env)?) {
        return Err(refused(format!(
            "`{env}` is a staging or production environment: a watch changes its containers without the \
             security checklist or its name typed, so it runs only on development environments"
        )));
    }
    let stack = stack_of(project, env)?;
    let id = project_id(project)?.to_owned();
    let stored = crate::secrets::stored_values(&id, env, &specs(project, env)?).await?;
    let masker = stored.masker();
    let model = resolve_masked(project, env, &stored)?;
    let (tx, changes) = tokio::sync::mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // A file opened or read (the copy itself reads it) is no change.
        if let Ok(event) = event
            && !matches!(event.kind, notify::EventKind::Access(_))
        {
            for path in event.paths {
                let _ = tx.send(path);
            }
        }
    })
    .map_err(|e| refused(format!("this machine's file watcher could not start: {e}")))?;
    let mut services = Vec::new();
    for (service, rules) in watched(&model, env, only)? {
        let mut paths = Vec::new();
        for path in rules.paths() {
            watcher
                .watch(path, notify::RecursiveMode::Recursive)
                .map_err(|e| {
                    refused(format!(
                        "`develop.watch` of service `{service}` names {}, which cannot be watched ({e}): create it, \
                         or fix the path in the compose file",
                        path.display()
                    ))
                })?;
            paths.push(path.display().to_string());
        }
        services.push((service, rules, paths));
    }
    Ok(Watch {
        id,
        stack,
        model,
        masker,
        services,
        changes,
        _watcher: watcher,
    })
}

impl Watch {
    /// Keeps the containers in step with the files until the future is dropped (Ctrl-C, the window's
    /// switch): says what it watches, does the rules' initial syncs, then one Batch per burst of changes.
    pub async fn run(mut self, on_event: impl Fn(WatchEvent) + Send + Sync) -> Result<(), ApiError> {
        for (service, _, paths) in &self.services {
            on_event(WatchEvent::Watching {
                service: service.clone(),
                paths: paths.clone(),
            });
        }
        let target = Target {
            id: &self.id,
            stack: &self.stack,
            model: &self.model,
        };
        for (service, rules, _) in &self.services {
            let first: Vec<PathBuf> = rules.initial_paths().map(Path::to_path_buf).collect();
            if !first.is_empty() {
                let batch = rules.plan(&first, kind_of, files_under);
                carry_out(&target, service, batch, &on_event, &self.masker).await;
            }
        }
        while let Some(first) = self.changes.recv().await {
            let mut changed = vec![first];
            let started = Instant::now();
            while started.elapsed() < LONGEST_BURST {
                match tokio::time::timeout(QUIET, self.changes.recv()).await {
                    Ok(Some(path)) => changed.push(path),
                    _ => break,
                }
            }
            changed.sort();
            changed.dedup();
            for (service, rules, _) in &self.services {
                let batch = rules.plan(&changed, kind_of, files_under);
                if !batch.is_empty() {
                    carry_out(&target, service, batch, &on_event, &self.masker).await;
                }
            }
        }
        Ok(())
    }
}

/// The services whose files a watch of `env` would keep in step (none for a staging or production
/// environment): what the window offers its Watch switch for.
pub(crate) fn watchable(
    project: &envdeck_core::Project,
    env: &str,
    model: &ComposeModel,
) -> Result<Vec<String>, ApiError> {
    if envdeck_core::checklist::blocks_start(crate::checklist::exposure_of(project, env)?) {
        return Ok(Vec::new());
    }
    Ok(model
        .services
        .iter()
        .filter(|(_, s)| s.develop.as_ref().is_some_and(|d| !d.watch.is_empty()))
        .map(|(name, _)| name.clone())
        .collect())
}

/// The services to watch and their rules: `only`, or every service that has some.
fn watched(model: &ComposeModel, env: &str, only: Option<&str>) -> Result<Vec<(String, Rules)>, ApiError> {
    if let Some(name) = only
        && !model.services.contains_key(name)
    {
        let known: Vec<&str> = model.services.keys().map(String::as_str).collect();
        return Err(refused(format!(
            "environment `{env}` has no service `{name}` (services: {})",
            known.join(", ")
        )));
    }
    let services: Vec<(String, Rules)> = model
        .services
        .iter()
        .filter(|(name, _)| only.is_none_or(|o| o == name.as_str()))
        .filter_map(|(name, s)| {
            let rules = &s.develop.as_ref()?.watch;
            (!rules.is_empty()).then(|| (name.clone(), Rules::new(rules)))
        })
        .collect();
    if services.is_empty() {
        return Err(refused(format!(
            "{} of environment `{env}` has no `develop.watch` rules: add them to the service in the compose file \
             (docs/compose-support.md shows the keys)",
            only.map_or("no service".to_owned(), |s| format!("service `{s}`"))
        )));
    }
    Ok(services)
}

/// The environment a watch acts on.
struct Target<'a> {
    id: &'a str,
    stack: &'a StackId,
    model: &'a ComposeModel,
}

/// Does what `batch` asks of `service`, saying each step; a rebuild replaces the copies (the new image
/// has the files) and, as a Start does, first waits for any other EnvDeck changing the environment.
async fn carry_out(
    target: &Target<'_>,
    service: &str,
    batch: Batch,
    on_event: &(impl Fn(WatchEvent) + Send + Sync),
    masker: &envdeck_core::secret::Masker,
) {
    let said = |e: ApiError| {
        on_event(WatchEvent::Failed {
            service: service.to_owned(),
            error: e.masked(masker),
        })
    };
    let started = Instant::now();
    let millis = |since: Instant| u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX);
    let stack = target.stack;
    if batch.rebuild {
        let env = stack.environment.as_str();
        let rebuilt =
            match crate::writer::lock(target.id, env, Operation::Start, crate::writer::announce).await {
                Ok(_writer) => stack::rebuild(stack, target.model, service, |_| {}).await,
                Err(e) => Err(e),
            };
        match rebuilt {
            Ok(_) => on_event(WatchEvent::Rebuilt {
                service: service.to_owned(),
                millis: millis(started),
            }),
            Err(e) => said(e),
        }
        return;
    }
    if !batch.copies.is_empty() || !batch.removes.is_empty() {
        match stack::sync(stack, service, &batch.copies, &batch.removes).await {
            Ok(copied) => on_event(WatchEvent::Synced {
                service: service.to_owned(),
                copied,
                removed: batch.removes.len(),
                millis: millis(started),
            }),
            Err(e) => return said(e),
        }
    }
    for command in &batch.exec {
        match stack::exec(stack, service, command, |_| {}).await {
            Ok(code) => on_event(WatchEvent::Ran {
                service: service.to_owned(),
                command: command.clone(),
                code,
            }),
            Err(e) => return said(e),
        }
    }
    if batch.restart {
        let restarting = Instant::now();
        match stack::restart(stack, Some(service)).await {
            Ok(_) => on_event(WatchEvent::Restarted {
                service: service.to_owned(),
                millis: millis(restarting),
            }),
            Err(e) => said(e),
        }
    }
}

fn kind_of(path: &Path) -> Option<Kind> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    Some(if meta.is_dir() { Kind::Folder } else { Kind::File })
}

/// Every file under `dir` (links are not followed).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => folders.push(entry.path()),
                Ok(_) => files.push(entry.path()),
                Err(_) => {}
            }
        }
    }
    files.sort();
    files
}

fn refused(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidProject, message)
}
