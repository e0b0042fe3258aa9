//! Which project a folder is: EnvDeck's own list of the projects it knows (outside any repository),
//! so that a project's stacks and secrets belong to an identity the repository cannot choose and two
//! folders never share. A folder's name and its manifest's `[project] name` are display labels only.
//!
//! The list (`projects.json` in EnvDeck's data folder) maps each canonical folder path to an
//! [`Identity`]. A folder not on it gets one the first time it is opened:
//! - the folder was moved or renamed (same directory, its old path gone): recognised, keeps its own;
//! - data of an EnvDeck from before ids (`<name>-<env>` stacks, `envdeck:<name>:<env>` secrets) that no
//!   folder has claimed: adopted when `<name>` is this folder's own name, asked about otherwise;
//! - a copy of a known project whose folder is gone: a new identity; `envdeck project adopt OLD_PATH`
//!   gives it the old one (while its own has no secrets or stacks);
//! - otherwise: a new id, derived from the canonical path (a random one if its stack part is taken).

use std::path::{Path, PathBuf};

use envdeck_core::project::identity::{STACK_ID_CHARS, slug_of};
use envdeck_core::{Identity, Project};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};

/// Overrides the folder of the list (tests, portable installs).
pub const PROJECTS_DIR_VAR: &str = "ENVDECK_PROJECTS_DIR";
const FILE: &str = "projects.json";
const LOCK: &str = "projects.lock";

/// One known project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    /// The folder's canonical path when last opened.
    path: PathBuf,
    /// The project's readable name then (for the question a moved folder gets).
    name: String,
    /// The folder's device and inode (Unix): a moved folder keeps them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dir_key: Option<String>,
    identity: Identity,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Known {
    version: u32,
    projects: Vec<Record>,
}

/// Something a folder may be, that only its user can confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Data of an EnvDeck from before ids, under this name.
    Legacy { name: String },
}

impl Claim {
    /// How the user names it to `envdeck project adopt`.
    pub fn handle(&self) -> String {
        match self {
            Claim::Legacy { name } => format!("legacy:{name}"),
        }
    }
}

fn folder() -> Result<PathBuf, ApiError> {
    let macos = ["Library", "Application Support", "EnvDeck", "projects"];
    crate::folders::folder(PROJECTS_DIR_VAR, "projects", crate::folders::Xdg::Data, &macos).ok_or_else(|| {
        ApiError::new(
            ErrorCode::Internal,
            format!("no folder for EnvDeck's list of projects (HOME is not set); set {PROJECTS_DIR_VAR}"),
        )
    })
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ApiError {
    ApiError::new(
        ErrorCode::Internal,
        format!("{what} {} failed: {e}", path.display()),
    )
}

/// The list, locked for as long as the value lives: every reader-writer of the list is serialised
/// across processes (the app and any number of CLIs).
struct Locked {
    dir: PathBuf,
    _lock: std::fs::File,
    known: Known,
}

/// EnvDeck's list of projects, where it is on this machine (for [`crate::session`] to notice a change).
pub(crate) fn list_file() -> Option<std::path::PathBuf> {
    folder().ok().map(|dir| dir.join(FILE))
}

impl Locked {
    fn open() -> Result<Self, ApiError> {
        let dir = folder()?;
        std::fs::create_dir_all(&dir).map_err(|e| io_error("creating", &dir, e))?;
        let lock_path = dir.join(LOCK);
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io_error("opening", &lock_path, e))?;
        lock.lock().map_err(|e| io_error("locking", &lock_path, e))?;
        let path = dir.join(FILE);
        let known = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!(
                        "EnvDeck's list of projects {} is damaged ({e}); nothing was changed. Move it aside to \
                         start a new list (projects opened since will need `envdeck project adopt`)",
                        path.display()
                    ),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Known {
                version: 1,
                projects: Vec::new(),
            },
            Err(e) => return Err(io_error("reading", &path, e)),
        };
        Ok(Self {
            dir,
            _lock: lock,
            known,
        })
    }

    /// Written whole to a temporary file, then renamed over the list: a crash leaves the old or the new.
    fn save(&self) -> Result<(), ApiError> {
        let path = self.dir.join(FILE);
        let json = serde_json::to_vec_pretty(&self.known)
            .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
        let mut file =
            tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| io_error("writing", &path, e))?;
        std::io::Write::write_all(&mut file, &json).map_err(|e| io_error("writing", &path, e))?;
        file.as_file()
            .sync_all()
            .map_err(|e| io_error("writing", &path, e))?;
        file.persist(&path)
            .map_err(|e| io_error("writing", &path, e.error))?;
        Ok(())
    }

    fn find(&self, path: &Path) -> Option<&Record> {
        self.known.projects.iter().find(|r| r.path == path)
    }

    /// A new identity for the folder at `dir`: derived from its canonical path, so the same folder gets
    /// the same one even if this list were lost, and two folders never share it. In the rare case its
    /// stack part equals a known project's, a random one is recorded instead.
    fn fresh(&self, dir: &Path, name: &str) -> Result<Identity, ApiError> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"envdeck project\0");
        hasher.update(dir.as_os_str().as_encoded_bytes());
        let mut bytes: [u8; 16] = hasher.finalize()[..16].try_into().unwrap_or_default();
        loop {
            let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let taken = self.known.projects.iter().any(|r| match &r.identity {
                Identity::Registered { id: other, .. } => {
                    other.get(..STACK_ID_CHARS) == id.get(..STACK_ID_CHARS)
                }
                Identity::Legacy { .. } => false,
            });
            if !taken {
                return Ok(Identity::Registered {
                    id,
                    slug: slug_of(name),
                });
            }
            getrandom::fill(&mut bytes).map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("the operating system's random generator failed ({e}): no project id was made"),
                )
            })?;
        }
    }

    /// What a new folder under the readable `name` may be, that only its user can confirm: the data an
    /// earlier EnvDeck kept under that name (`legacy`: found), when no folder has claimed it. A known
    /// project of the same name whose folder is gone is not asked about: projects come and go under one
    /// name (samples, temporary checkouts), and asking would block every new one. A moved folder is
    /// recognised by its directory; a copy adopts with `envdeck project adopt`.
    fn open_claims(&self, name: &str, legacy: bool) -> Vec<Claim> {
        if legacy && !self.claims_legacy(name) {
            vec![Claim::Legacy {
                name: name.to_owned(),
            }]
        } else {
            Vec::new()
        }
    }

    fn claims_legacy(&self, name: &str) -> bool {
        self.known
            .projects
            .iter()
            .any(|r| matches!(&r.identity, Identity::Legacy { name: n } if n == name))
    }
}

/// The device, inode and birth time of a folder: kept by a rename or a move within one disk. The birth
/// time matters: a file system reuses the inode of a deleted folder, and a new clone that got it must
/// not be taken for the deleted project. Where the birth time is unknown the key says so, and a
/// recognised move also needs the same readable name.
fn dir_key(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        let born = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or_else(|| "unknown".to_owned(), |d| d.as_nanos().to_string());
        Some(format!("{}:{}:{born}", meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Whether a known project, whose folder is gone, is the folder now at `key` under `name`.
fn same_folder(record: &Record, key: Option<&String>, name: &str) -> bool {
    let Some(key) = key else { return false };
    record.dir_key.as_ref() == Some(key)
        && (!key.ends_with(":unknown") || record.name == name)
        && !record.path.exists()
}

/// What the registry knows of a folder, without changing anything.
fn lookup(dir: &Path) -> Result<Option<Identity>, ApiError> {
    let locked = Locked::open()?;
    Ok(locked.find(dir).map(|r| r.identity.clone()))
}

/// Whether the canonical folder `dir` is on EnvDeck's list of projects (opened before, by any client).
pub async fn is_known(dir: &Path) -> Result<bool, ApiError> {
    let dir = dir.to_path_buf();
    crate::blocking("reading EnvDeck's list of projects", move || {
        Ok(lookup(&dir)?.is_some())
    })
    .await
}

/// The identity of the project at `project.dir`: recorded, recognised, adopted or new. A folder that
/// may be a project EnvDeck knew gets an error with code `ProjectIdentity` naming the old path (or the
/// old name) and the two answers; nothing is created before the answer.
pub async fn identify(project: &Project) -> Result<Identity, ApiError> {
    let dir = project.dir.clone();
    if let Some(identity) =
        crate::blocking("reading EnvDeck's list of projects", move || lookup(&dir)).await?
    {
        return Ok(identity);
    }
    // Looking for an older EnvDeck's data talks to Docker and the keychain: done before the list is
    // locked, checked again under the lock.
    let legacy = legacy_data(project).await?;
    let (dir, name) = (project.dir.clone(), project.name.clone());
    let own_name = envdeck_core::project::project_name_of(&project.dir);
    crate::blocking("reading EnvDeck's list of projects", move || {
        let mut locked = Locked::open()?;
        if let Some(found) = locked.find(&dir) {
            return Ok(found.identity.clone());
        }
        let key = dir_key(&dir);
        let moved = locked
            .known
            .projects
            .iter_mut()
            .find(|r| same_folder(r, key.as_ref(), &name));
        if let Some(record) = moved {
            tracing::info!(from = %record.path.display(), to = %dir.display(), "recognised a moved project");
            record.path = dir.clone();
            record.name = name.clone();
            let identity = record.identity.clone();
            locked.save()?;
            return Ok(identity);
        }
        let claims = locked.open_claims(&name, legacy);
        if !claims.is_empty() {
            if name == own_name {
                return adopt_into(
                    &mut locked,
                    &dir,
                    &name,
                    key,
                    Identity::Legacy { name: name.clone() },
                );
            }
            return Err(question(&dir, &claims));
        }
        let identity = locked.fresh(&dir, &name)?;
        adopt_into(&mut locked, &dir, &name, key, identity)
    })
    .await
}

fn adopt_into(
    locked: &mut Locked,
    dir: &Path,
    name: &str,
    dir_key: Option<String>,
    identity: Identity,
) -> Result<Identity, ApiError> {
    locked.known.projects.push(Record {
        path: dir.to_path_buf(),
        name: name.to_owned(),
        dir_key,
        identity: identity.clone(),
    });
    locked.save()?;
    Ok(identity)
}

fn question(dir: &Path, claims: &[Claim]) -> ApiError {
    let what: Vec<String> = claims
        .iter()
        .map(|c| match c {
            Claim::Legacy { name } => format!(
                "the secrets and data an earlier EnvDeck kept under the name `{name}` (before projects had ids)"
            ),
        })
        .collect();
    let first = claims[0].handle();
    ApiError::new(
        ErrorCode::ProjectIdentity,
        format!(
            "{} is new to EnvDeck, and it may be {}. If it is, `envdeck project adopt {first}` gives this folder \
             those secrets and that data; if not, `envdeck project new` gives it its own (the others stay \
             untouched). Nothing was started and no secret was read.",
            dir.display(),
            what.join(", or "),
        ),
    )
}

/// The question a folder gets before it is opened, as the desktop asks it (the CLI's is the
/// `ProjectIdentity` error's message): which earlier data it may be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectQuestion {
    pub path: String,
    pub choices: Vec<Adoptable>,
}

/// One answer to [`ProjectQuestion`] besides "a project of its own".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Adoptable {
    /// What [`adopt`] takes (`legacy:<name>`).
    pub handle: String,
    /// The name the earlier data was kept under.
    pub name: String,
}

/// The question EnvDeck asks about the folder before opening it, or `None` when it opens without one.
pub async fn question_for(dir: &Path) -> Result<Option<ProjectQuestion>, ApiError> {
    let project = crate::project::open(dir)?;
    let path = project.dir.clone();
    if crate::blocking("reading EnvDeck's list of projects", move || lookup(&path))
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let legacy = legacy_data(&project).await?;
    let own_name = envdeck_core::project::project_name_of(&project.dir);
    let (path, name) = (project.dir.clone(), project.name.clone());
    crate::blocking("reading EnvDeck's list of projects", move || {
        let locked = Locked::open()?;
        let claims = locked.open_claims(&name, legacy);
        if locked.find(&path).is_some() || claims.is_empty() || name == own_name {
            return Ok(None);
        }
        Ok(Some(ProjectQuestion {
            path: path.display().to_string(),
            choices: claims
                .iter()
                .map(|c| match c {
                    Claim::Legacy { name } => Adoptable {
                        handle: c.handle(),
                        name: name.clone(),
                    },
                })
                .collect(),
        }))
    })
    .await
}

/// The desktop's answer to [`question_for`]: adopt one of its choices (`Some(handle)`, which must be
/// one it offers now), or make the folder a project of its own (`None`).
pub async fn answer(dir: &Path, adopt_handle: Option<&str>) -> Result<(), ApiError> {
    let Some(handle) = adopt_handle else {
        return new(dir).await.map(drop);
    };
    let offered = question_for(dir)
        .await?
        .is_some_and(|q| q.choices.iter().any(|c| c.handle == handle));
    if !offered {
        return Err(refused(Refusal::NotOffered {
            handle: handle.to_owned(),
            dir: dir.display().to_string(),
        }));
    }
    adopt(dir, handle).await.map(drop)
}

/// Why a folder may not adopt another project's secrets and data; worded by the window's catalog
/// (`reason.refusal.<kind>`) and, in English, by [`Refusal::message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Refusal {
    /// The handle is not among the question's choices.
    NotOffered { handle: String, dir: String },
    /// The folder holds secrets or data of its own already.
    HasOwnData { dir: String, held: Held },
    /// Another folder adopted that earlier data already.
    LegacyTaken { name: String },
    /// Nothing of an earlier EnvDeck is kept under that name.
    LegacyEmpty { name: String },
    /// No project of EnvDeck's list was at that path.
    UnknownProject { path: String },
    /// The project's folder is still there: two folders never share secrets and data.
    StillExists { path: String },
}

/// What a folder holds in EnvDeck (`reason.held.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Held {
    Registered { id: String },
    Legacy { name: String },
}

impl Held {
    fn of(identity: &Identity) -> Self {
        match identity {
            Identity::Registered { id, .. } => Held::Registered { id: id.clone() },
            Identity::Legacy { name } => Held::Legacy { name: name.clone() },
        }
    }

    fn message(&self) -> String {
        match self {
            Held::Registered { id } => format!("project id {id}"),
            Held::Legacy { name } => format!("kept under the name `{name}` from before project ids"),
        }
    }
}

impl Refusal {
    /// The sentence in English (the CLI's, and the window's without a catalog).
    pub fn message(&self) -> String {
        match self {
            Refusal::NotOffered { handle, dir } => {
                format!("{handle} is not offered to {dir}: reopen the project to see what it may adopt")
            }
            Refusal::HasOwnData { dir, held } => format!(
                "{dir} already has its own secrets or data in EnvDeck ({}); adopting others would hide them",
                held.message()
            ),
            Refusal::LegacyTaken { name } => {
                format!("the data kept under `{name}` already belongs to another folder")
            }
            Refusal::LegacyEmpty { name } => {
                format!("no secrets or stacks of an earlier EnvDeck were found under `{name}`")
            }
            Refusal::UnknownProject { path } => format!("EnvDeck knows no project at {path}"),
            Refusal::StillExists { path } => format!(
                "{path} still exists: two folders never share secrets and data. Open that folder instead, or \
                 `envdeck project new` here"
            ),
        }
    }
}

/// One refusal of each kind, for the window's catalog test (`reason::tests`).
#[cfg(test)]
pub(crate) fn refusal_samples() -> Vec<ApiError> {
    let (dir, name) = ("/home/dev/shop".to_owned(), "shop-api".to_owned());
    [
        Refusal::NotOffered {
            handle: "legacy:shop".to_owned(),
            dir: dir.clone(),
        },
        Refusal::HasOwnData {
            dir: dir.clone(),
            held: Held::Registered {
                id: "1c916399".to_owned(),
            },
        },
        Refusal::HasOwnData {
            dir,
            held: Held::Legacy { name: name.clone() },
        },
        Refusal::LegacyTaken { name: name.clone() },
        Refusal::LegacyEmpty { name },
        Refusal::UnknownProject {
            path: "/home/dev/old-shop".to_owned(),
        },
        Refusal::StillExists {
            path: "/home/dev/old-shop".to_owned(),
        },
    ]
    .into_iter()
    .map(refused)
    .collect()
}

/// The error of a refused adoption, with its facts for the window.
pub(crate) fn refused(refusal: Refusal) -> ApiError {
    let code = match refusal {
        Refusal::NotOffered { .. } => ErrorCode::NotChosen,
        _ => ErrorCode::InvalidProject,
    };
    ApiError {
        reason: Some(crate::reason::Reason::AdoptRefused {
            refusal: refusal.clone(),
        }),
        ..ApiError::new(code, refusal.message())
    }
}

/// The answer to the question: this folder is `from` (an old path, or `legacy:<name>`).
pub async fn adopt(dir: &Path, from: &str) -> Result<Identity, ApiError> {
    let project = &crate::project::open(dir)?;
    // A folder opened once already has an identity: it may give it up only while it holds nothing.
    let own = {
        let dir = project.dir.clone();
        crate::blocking("reading EnvDeck's list of projects", move || lookup(&dir)).await?
    };
    let own_has_data = match &own {
        Some(identity) => data_of(project, identity).await?,
        None => false,
    };
    let legacy = match from.strip_prefix("legacy:") {
        Some(name) => Some((name.to_owned(), legacy_data_named(project, name).await?)),
        None => None,
    };
    let (dir, name, from) = (project.dir.clone(), project.name.clone(), from.to_owned());
    crate::blocking("reading EnvDeck's list of projects", move || {
        let mut locked = Locked::open()?;
        if let Some(found) = locked.find(&dir) {
            if own_has_data || Some(&found.identity) != own.as_ref() {
                return Err(refused(Refusal::HasOwnData {
                    dir: dir.display().to_string(),
                    held: Held::of(&found.identity),
                }));
            }
            locked.known.projects.retain(|r| r.path != dir);
        }
        let key = dir_key(&dir);
        if let Some((legacy_name, found)) = legacy {
            if locked.claims_legacy(&legacy_name) {
                return Err(refused(Refusal::LegacyTaken { name: legacy_name }));
            }
            if !found {
                return Err(refused(Refusal::LegacyEmpty { name: legacy_name }));
            }
            return adopt_into(
                &mut locked,
                &dir,
                &name,
                key,
                Identity::Legacy { name: legacy_name },
            );
        }
        let from = PathBuf::from(&from);
        let Some(record) = locked.known.projects.iter_mut().find(|r| r.path == from) else {
            return Err(refused(Refusal::UnknownProject {
                path: from.display().to_string(),
            }));
        };
        if record.path.exists() {
            return Err(refused(Refusal::StillExists {
                path: from.display().to_string(),
            }));
        }
        record.path = dir.clone();
        record.name = name;
        record.dir_key = key;
        let identity = record.identity.clone();
        locked.save()?;
        Ok(identity)
    })
    .await
}

/// The other answer: this folder is a project of its own.
pub async fn new(dir: &Path) -> Result<Identity, ApiError> {
    let project = crate::project::open(dir)?;
    let (dir, name) = (project.dir.clone(), project.name.clone());
    crate::blocking("reading EnvDeck's list of projects", move || {
        let mut locked = Locked::open()?;
        if let Some(found) = locked.find(&dir) {
            return Ok(found.identity.clone());
        }
        let identity = locked.fresh(&dir, &name)?;
        adopt_into(&mut locked, &dir, &name, dir_key(&dir), identity)
    })
    .await
}

/// Who a folder is to EnvDeck, for `envdeck project` and troubleshooting.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct IdentityView {
    pub path: String,
    /// `project id <32 hex>`, or the legacy name.
    pub identity: String,
    pub environments: Vec<IdentityEnvironment>,
}

/// The names one environment's stack and secrets go by.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct IdentityEnvironment {
    pub id: String,
    /// The compose project name (`docker compose -p NAME ps`).
    pub stack: String,
    /// The keychain's service name of its secrets.
    pub keychain: String,
}

/// Identifies the folder (asking, as [`identify`] does, when it must) and shows the names that follow.
pub async fn show(dir: &Path) -> Result<IdentityView, ApiError> {
    let project = crate::project::open_identified(dir).await?;
    let identity = project
        .identity()
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(IdentityView {
        path: project.dir.display().to_string(),
        identity: describe(identity),
        environments: project
            .environments()
            .iter()
            .map(|e| IdentityEnvironment {
                id: e.id.clone(),
                stack: identity.stack_name(&e.id),
                keychain: format!("envdeck:{}:{}", identity.keychain_id(), e.id),
            })
            .collect(),
    })
}

/// A line for people: which id, or which legacy name.
pub fn describe(identity: &Identity) -> String {
    Held::of(identity).message()
}

/// Whether an earlier EnvDeck left secrets or stacks under this project's readable name.
async fn legacy_data(project: &Project) -> Result<bool, ApiError> {
    legacy_data_named(project, &project.name).await
}

async fn legacy_data_named(project: &Project, name: &str) -> Result<bool, ApiError> {
    let legacy = Identity::Legacy {
        name: name.to_owned(),
    };
    data_of(project, &legacy).await
}

/// Whether any environment of `project` has secrets or a stack under `legacy` (any identity).
async fn data_of(project: &Project, legacy: &Identity) -> Result<bool, ApiError> {
    for env in project.environments() {
        let specs = crate::environment::specs(project, &env.id)?;
        if crate::secrets::any_stored(legacy.keychain_id(), &env.id, &specs).await? {
            return Ok(true);
        }
        if host_process(project, &env.id) {
            continue;
        }
        // An EnvDeck from before ids ran every environment on this machine's engine (a remote one too).
        let stack = crate::stack::StackId {
            engine: envdeck_core::project::Endpoint::Local,
            ..crate::stack::stack_id(legacy, env)
        };
        // Without Docker there is no stack to find; its secrets (above) are what matters most.
        if let Ok(found) = crate::stack::exists(&stack).await
            && found
        {
            return Ok(true);
        }
    }
    Ok(false)
}

fn host_process(project: &Project, env: &str) -> bool {
    crate::host::is_host(project, env)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str, name: &str, key: &str) -> Record {
        Record {
            path: PathBuf::from(path),
            name: name.into(),
            dir_key: Some(key.into()),
            identity: Identity::Legacy { name: name.into() },
        }
    }

    #[test]
    fn a_reused_inode_is_not_a_moved_folder() {
        let gone = "/nonexistent/envdeck-test/shop";
        let old = record(gone, "shop", "2049:1234:1700000000000000000");
        assert!(
            same_folder(
                &old,
                Some(&"2049:1234:1700000000000000000".into()),
                "shop-renamed"
            ),
            "same device, inode and birth time: the folder was renamed"
        );
        assert!(
            !same_folder(&old, Some(&"2049:1234:1800000000000000000".into()), "shop"),
            "a new folder that got the deleted one's inode is born later: not the same folder"
        );
        let unknown = record(gone, "shop", "2049:1234:unknown");
        assert!(same_folder(&unknown, Some(&"2049:1234:unknown".into()), "shop"));
        assert!(
            !same_folder(&unknown, Some(&"2049:1234:unknown".into()), "other"),
            "without a birth time the readable name must match too"
        );
        let here = record(env!("CARGO_MANIFEST_DIR"), "shop", "2049:1234:1");
        assert!(
            !same_folder(&here, Some(&"2049:1234:1".into()), "shop"),
            "a folder that still exists was copied, not moved"
        );
    }
}
