//! Backup and restore of an Environment's PostgreSQL: `pg_dump` in the running
//! container, gzip-compressed on the host into a file only its owner can read, and the reverse.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use envdeck_core::Project;
use envdeck_core::compose::Service;
use envdeck_core::image::ImageRef;
use envdeck_core::secret::SecretValue;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::Serialize;

use crate::environment::{project_id, resolve_masked, specs};
use crate::error::{ApiError, ErrorCode};
use crate::{secrets, stack};

/// One file of the project's `backups/<env>/` folder, as `envdeck backup ENV --list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupFile {
    pub name: String,
    pub path: String,
    // A dump stays far below 2^53 bytes: a plain number in TypeScript, as JSON sends it.
    #[ts(type = "number")]
    pub bytes: u64,
    /// When it was last written, in seconds since 1970-01-01 UTC; `None` when the file system does not say.
    #[ts(type = "number | null")]
    pub modified: Option<u64>,
}

/// Where and what a database is: the Service, and the user and database its environment names.
pub(crate) struct Database {
    env: String,
    stack: crate::stack::StackId,
    pub(crate) service: String,
    user: String,
    name: String,
}

/// Why a backup, a restore or a database's password change could not be done; worded by the window's
/// catalog (`reason.trouble.<kind>`) and, in English, by [`Trouble::message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Trouble {
    /// A restore without the environment's name typed.
    NotConfirmed {
        env: String,
    },
    NoDatabase {
        env: String,
    },
    DatabaseNotRunning {
        service: String,
        env: String,
    },
    PasswordNotChanged {
        user: String,
        service: String,
        #[ts(type = "number")]
        code: i64,
        said: String,
    },
    Exists {
        file: String,
    },
    FolderReadOnly {
        folder: String,
        detail: String,
        env: String,
    },
    FolderDenied {
        folder: String,
        detail: String,
        env: String,
    },
    FolderFailed {
        folder: String,
        detail: String,
        env: String,
    },
    WriteFailed {
        file: String,
        detail: String,
    },
    DumpFailed {
        database: String,
        service: String,
        #[ts(type = "number")]
        code: i64,
        said: String,
    },
    RestoreFailed {
        file: String,
        database: String,
        #[ts(type = "number")]
        code: i64,
        said: String,
    },
    Unreadable {
        file: String,
        detail: String,
    },
    ListFailed {
        folder: String,
        detail: String,
    },
}

impl Trouble {
    /// The sentence in English (the CLI's, and the window's without a catalog).
    pub fn message(&self) -> String {
        let folder_problem = |folder: &str, why: String, env: &str| {
            format!(
                "cannot create the backup folder {folder}: {why}; write the backup somewhere else: envdeck \
                 backup {env} FILE"
            )
        };
        match self {
            Trouble::NotConfirmed { env } => {
                format!("nothing was restored: type `{env}` exactly to confirm that its database is replaced")
            }
            Trouble::NoDatabase { env } => format!(
                "environment `{env}` has no PostgreSQL service (an image named postgres or postgis, or \
                 POSTGRES_DB in its environment); backups cover PostgreSQL only"
            ),
            Trouble::DatabaseNotRunning { service, env } => format!(
                "the database service `{service}` is not running; start the environment first: envdeck up {env}"
            ),
            Trouble::PasswordNotChanged {
                user,
                service,
                code,
                said,
            } => format!(
                "changing the password of role `{user}` in service `{service}` failed (psql exited with {code}): {said}"
            ),
            Trouble::Exists { file } => {
                format!("{file} already exists; EnvDeck never overwrites a backup: choose another file name")
            }
            Trouble::FolderReadOnly { folder, detail, env } => {
                folder_problem(folder, format!("the folder is read-only ({detail})"), env)
            }
            Trouble::FolderDenied { folder, detail, env } => {
                folder_problem(folder, format!("you may not write there ({detail})"), env)
            }
            Trouble::FolderFailed { folder, detail, env } => folder_problem(folder, detail.clone(), env),
            Trouble::WriteFailed { file, detail } => format!(
                "writing the backup to {file} failed: {detail}; free some space or choose another folder (no \
                 partial file was left)"
            ),
            Trouble::DumpFailed {
                database,
                service,
                code,
                said,
            } => {
                format!("pg_dump of database `{database}` in service `{service}` exited with {code}: {said}")
            }
            Trouble::RestoreFailed {
                file,
                database,
                code,
                said,
            } => format!(
                "restoring {file} into database `{database}` failed (psql exited with {code}), nothing was \
                 changed: {said}"
            ),
            Trouble::Unreadable { file, detail } => format!(
                "reading the backup {file} failed: {detail}; is it a .sql.gz made by `envdeck backup`? Nothing \
                 was restored"
            ),
            Trouble::ListFailed { folder, detail } => format!("listing {folder} failed: {detail}"),
        }
    }
}

/// The error of a backup that could not be done, with its facts for the window.
fn trouble(trouble: Trouble) -> ApiError {
    let code = match trouble {
        Trouble::NotConfirmed { .. } => ErrorCode::NotConfirmed,
        Trouble::NoDatabase { .. } => ErrorCode::InvalidProject,
        Trouble::DatabaseNotRunning { .. } => ErrorCode::NotRunning,
        _ => ErrorCode::Internal,
    };
    ApiError {
        reason: Some(crate::reason::Reason::Backup {
            trouble: trouble.clone(),
        }),
        ..ApiError::new(code, trouble.message())
    }
}

/// A restore refused because the environment's name was not typed: nothing was read.
pub(crate) fn not_confirmed(env: &str) -> ApiError {
    trouble(Trouble::NotConfirmed { env: env.to_owned() })
}

/// One trouble of each kind, for the window's catalog test (`reason::tests`).
#[cfg(test)]
pub(crate) fn trouble_samples() -> Vec<ApiError> {
    let s = |t: &str| t.to_owned();
    let (file, folder) = (
        s("/home/dev/shop/backups/local/local-20261124T050203Z.sql.gz"),
        s("/home/dev/shop/backups/local"),
    );
    let detail = || s("Read-only file system (os error 30)");
    [
        Trouble::NotConfirmed { env: s("local") },
        Trouble::NoDatabase { env: s("local") },
        Trouble::DatabaseNotRunning {
            service: s("db"),
            env: s("local"),
        },
        Trouble::PasswordNotChanged {
            user: s("app"),
            service: s("db"),
            code: 2,
            said: s("psql: error: connection to server on socket failed"),
        },
        Trouble::Exists { file: file.clone() },
        Trouble::FolderReadOnly {
            folder: folder.clone(),
            detail: detail(),
            env: s("local"),
        },
        Trouble::FolderDenied {
            folder: folder.clone(),
            detail: s("Permission denied (os error 13)"),
            env: s("local"),
        },
        Trouble::FolderFailed {
            folder: folder.clone(),
            detail: s("Not a directory (os error 20)"),
            env: s("local"),
        },
        Trouble::WriteFailed {
            file: file.clone(),
            detail: s("No space left on device (os error 28)"),
        },
        Trouble::DumpFailed {
            database: s("shop"),
            service: s("db"),
            code: 1,
            said: s("pg_dump: error: connection to server failed"),
        },
        Trouble::RestoreFailed {
            file: file.clone(),
            database: s("shop"),
            code: 3,
            said: s("ERROR:  relation \"orders\" already exists"),
        },
        Trouble::Unreadable {
            file,
            detail: s("invalid gzip header"),
        },
        Trouble::ListFailed {
            folder,
            detail: s("Permission denied (os error 13)"),
        },
    ]
    .into_iter()
    .map(trouble)
    .collect()
}

/// The PostgreSQL Service: a `postgres`/`postgis` image, else the one with `POSTGRES_DB` set.
async fn database(dir: &Path, env: &str) -> Result<Database, ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let stored = secrets::stored_values(project_id(project)?, env, &specs(project, env)?).await?;
    let model = resolve_masked(project, env, &stored)?;
    let is_postgres = |s: &Service| {
        s.image
            .as_deref()
            .is_some_and(|image| ImageRef::parse(image).is_postgres())
    };
    let found = model.services.iter().find(|(_, s)| is_postgres(s)).or_else(|| {
        model
            .services
            .iter()
            .find(|(_, s)| s.environment.contains_key("POSTGRES_DB"))
    });
    let Some((service, definition)) = found else {
        return Err(trouble(Trouble::NoDatabase { env: env.to_owned() }));
    };
    database_of(project, env, service, definition)
}

/// The database a PostgreSQL Service holds, with the official image's defaults: user `postgres`,
/// database named like the user.
fn database_of(
    project: &Project,
    env: &str,
    service: &str,
    definition: &Service,
) -> Result<Database, ApiError> {
    let var = |k: &str| definition.environment.get(k).cloned().flatten();
    let user = var("POSTGRES_USER").unwrap_or_else(|| "postgres".to_owned());
    let name = var("POSTGRES_DB").unwrap_or_else(|| user.clone());
    Ok(Database {
        env: env.to_owned(),
        stack: crate::environment::stack_of(project, env)?,
        service: service.to_owned(),
        user,
        name,
    })
}

/// The PostgreSQL Service whose `POSTGRES_PASSWORD` is secret `name`'s current value, if the
/// environment has one: the database that keeps that password in its data.
pub(crate) fn database_using(
    project: &Project,
    env: &str,
    stored: &secrets::StartSecrets,
    name: &str,
) -> Result<Option<Database>, ApiError> {
    let Some(current) = stored.values.iter().find(|(n, _)| n == name).map(|(_, v)| v) else {
        return Ok(None);
    };
    let model = resolve_masked(project, env, stored)?;
    let found = model.services.iter().find(|(_, s)| {
        s.image
            .as_deref()
            .is_some_and(|image| ImageRef::parse(image).is_postgres())
            && s.environment.get("POSTGRES_PASSWORD").and_then(|v| v.as_deref()) == Some(current.expose())
    });
    found
        .map(|(service, definition)| database_of(project, env, service, definition))
        .transpose()
}

/// Changes the role's password in the running database: the statement, with the new value, goes to
/// psql on its stdin, never on a command line; psql's own errors are masked before they are shown.
pub(crate) async fn alter_role(db: &Database, value: &SecretValue) -> Result<(), ApiError> {
    let statement = zeroize::Zeroizing::new(format!(
        "ALTER ROLE \"{}\" WITH PASSWORD '{}';\n",
        db.user.replace('"', "\"\""),
        value.expose().replace('\'', "''")
    ));
    let command = in_container(
        "exec psql -q -v ON_ERROR_STOP=1 -U \"$1\" -d \"$2\" -f -",
        &[&db.user, &db.name],
    );
    let input = futures_util::stream::iter([Ok(statement.as_bytes().to_vec())]);
    let (code, stderr) = stack::exec_fed(&db.stack, &db.service, &command, input)
        .await
        .map_err(|e| not_running(e, db))?;
    if code != 0 {
        let masker = envdeck_core::secret::Masker::new([value]);
        return Err(trouble(Trouble::PasswordNotChanged {
            user: db.user.clone(),
            service: db.service.clone(),
            code,
            said: masker.mask(stderr.trim()),
        }));
    }
    Ok(())
}

/// The command in the container. The password comes from the container's own environment, so it
/// never crosses the API or shows in `ps`.
fn in_container(script: &str, args: &[&str]) -> Vec<String> {
    let mut command = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        format!("PGPASSWORD=\"$POSTGRES_PASSWORD\" {script}"),
        "sh".to_owned(),
    ];
    command.extend(args.iter().map(|a| a.to_string()));
    command
}

/// The default folder of an Environment's backups: `backups/<env>/` in the project.
pub fn folder(dir: &Path, env: &str) -> PathBuf {
    dir.join("backups").join(env)
}

/// Where a new backup goes unless the person chooses: `backups/<env>/<env>-<UTC time>.sql.gz`. Its
/// folder is made ready (created, kept out of git), so a save dialog can open in it and a dump saved
/// there is ignored by git as a default one is.
pub fn default_file(dir: &Path, env: &str) -> Result<PathBuf, ApiError> {
    keep_out_of_git(dir).map_err(|e| not_writable(e, &dir.join("backups"), env))?;
    let folder = folder(dir, env);
    std::fs::create_dir_all(&folder).map_err(|e| not_writable(e, &folder, env))?;
    Ok(folder.join(format!("{env}-{}.sql.gz", utc_stamp(SystemTime::now()))))
}

/// Dumps the Environment's database into `file` (default `backups/<env>/<env>-<UTC time>.sql.gz`).
/// Refuses to overwrite; on any failure (a full disk, `pg_dump` refusing) no partial file is left.
pub async fn backup(dir: &Path, env: &str, file: Option<PathBuf>) -> Result<PathBuf, ApiError> {
    let db = database(dir, env).await?;
    let target = match file {
        Some(f) => f,
        None => default_file(dir, env)?,
    };
    if target.exists() {
        return Err(trouble(Trouble::Exists {
            file: target.display().to_string(),
        }));
    }
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| not_writable(e, parent, env))?;
    let partial = parent.join(format!(
        ".{}.partial",
        target.file_name().and_then(|n| n.to_str()).unwrap_or("backup")
    ));
    let result = write_dump(&db, &partial, &target).await;
    // Whatever happened, the half-written file goes: only a complete dump may look like a backup.
    let _ = std::fs::remove_file(&partial);
    result.map(|()| target)
}

async fn write_dump(db: &Database, partial: &Path, target: &Path) -> Result<(), ApiError> {
    let write_failed = |e: std::io::Error| {
        trouble(Trouble::WriteFailed {
            file: target.display().to_string(),
            detail: e.to_string(),
        })
    };
    let out = create_private(partial).map_err(write_failed)?;
    let mut gz = GzEncoder::new(out, Compression::default());
    let command = in_container(
        "exec pg_dump --clean --if-exists --no-owner -U \"$1\" \"$2\"",
        &[&db.user, &db.name],
    );
    // The disk's own error (full, gone) is the one to show, not the engine's wrapping of it.
    let mut disk_error = None;
    let dumped = stack::exec_raw(&db.stack, &db.service, &command, |bytes| {
        gz.write_all(bytes).inspect_err(|e| {
            disk_error.get_or_insert_with(|| std::io::Error::new(e.kind(), e.to_string()));
        })
    })
    .await;
    if let Some(e) = disk_error {
        return Err(write_failed(e));
    }
    let (code, stderr) = dumped.map_err(|e| not_running(e, db))?;
    if code != 0 {
        return Err(trouble(Trouble::DumpFailed {
            database: db.name.clone(),
            service: db.service.clone(),
            code,
            said: stderr.trim().to_owned(),
        }));
    }
    let out = gz.finish().map_err(write_failed)?;
    out.sync_all().map_err(write_failed)?;
    publish(partial, target, |from, to| std::fs::hard_link(from, to)).map_err(write_failed)
}

/// Gives the finished dump its name without ever replacing a file there: a hard link (a backup made
/// meanwhile under that name stays), or, where the file system has none (exFAT, FAT, some SMB shares),
/// a copy into a file created only if absent.
fn publish(
    partial: &Path,
    target: &Path,
    hard_link: impl FnOnce(&Path, &Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match hard_link(partial, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        Err(_) => {
            let mut copy = create_private(target)?;
            let copied = std::io::copy(&mut File::open(partial)?, &mut copy).and_then(|_| copy.sync_all());
            if copied.is_err() {
                // Only what this call created goes: a half copy must not look like a backup.
                let _ = std::fs::remove_file(target);
            }
            copied
        }
    }
}

/// `backups/` sits inside the project, which is a git repository: a `.gitignore` of its own keeps
/// dumps (real data) out of commits without touching the project's own ignore file.
fn keep_out_of_git(dir: &Path) -> std::io::Result<()> {
    let backups = dir.join("backups");
    let ignore = backups.join(".gitignore");
    if ignore.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(&backups).and_then(|()| {
        std::fs::write(
            &ignore,
            "# Database dumps made by EnvDeck hold real data: never commit them.\n*\n",
        )
    })
}

/// A backup folder that cannot be made (a read-only project, a folder of another user): the message
/// names it and says how to write the dump elsewhere.
fn not_writable(e: std::io::Error, folder: &Path, env: &str) -> ApiError {
    let (folder, detail, env) = (folder.display().to_string(), e.to_string(), env.to_owned());
    trouble(match e.kind() {
        std::io::ErrorKind::ReadOnlyFilesystem => Trouble::FolderReadOnly { folder, detail, env },
        std::io::ErrorKind::PermissionDenied => Trouble::FolderDenied { folder, detail, env },
        _ => Trouble::FolderFailed { folder, detail, env },
    })
}

/// Dumps hold the data: readable by their owner only.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn not_running(e: ApiError, db: &Database) -> ApiError {
    if e.code == ErrorCode::NotRunning {
        trouble(Trouble::DatabaseNotRunning {
            service: db.service.clone(),
            env: db.env.clone(),
        })
    } else {
        e
    }
}

/// Replaces the Environment's database with a backup: the caller has asked the person first, since
/// every table the dump holds is dropped and recreated. The file is checked whole first (a damaged or
/// truncated gzip changes nothing), then streamed into `psql` in one transaction (a failing statement
/// changes nothing either): memory holds a chunk, never the dump, whatever its size.
pub async fn restore(dir: &Path, env: &str, file: &Path) -> Result<(), ApiError> {
    let session = crate::session::open(dir).await?;
    let project = session.project();
    let _writer = crate::writer::lock(
        project_id(project)?,
        env,
        crate::writer::Operation::Restore,
        crate::writer::announce,
    )
    .await?;
    let db = database(dir, env).await?;
    let checked = file.to_owned();
    crate::blocking("checking the backup", move || {
        let mut gz = GzDecoder::new(File::open(&checked).map_err(|e| unreadable(&checked, &e))?);
        std::io::copy(&mut gz, &mut std::io::sink()).map_err(|e| unreadable(&checked, &e))?;
        Ok(())
    })
    .await?;
    let command = in_container(
        "exec psql -q -v ON_ERROR_STOP=1 --single-transaction -U \"$1\" -d \"$2\" -f -",
        &[&db.user, &db.name],
    );
    let (code, stderr) = stack::exec_fed(&db.stack, &db.service, &command, decompressed(file))
        .await
        .map_err(|e| not_running(e, &db))?;
    if code != 0 {
        return Err(trouble(Trouble::RestoreFailed {
            file: file.display().to_string(),
            database: db.name.clone(),
            code,
            said: stderr.trim().to_owned(),
        }));
    }
    Ok(())
}

fn unreadable(file: &Path, e: &std::io::Error) -> ApiError {
    trouble(Trouble::Unreadable {
        file: file.display().to_string(),
        detail: e.to_string(),
    })
}

/// The file's decompressed bytes, 64 KiB at a time, read on a blocking thread a few chunks ahead.
fn decompressed(file: &Path) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> + Send + Unpin {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    let file = file.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut gz = match File::open(&file) {
            Ok(f) => GzDecoder::new(f),
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        };
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match gz.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    if tx.blocking_send(Ok(buf[..n].to_vec())).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    }))
}

/// The backups in the project's `backups/<env>/` folder, newest first (by when they were written, so a
/// name the person chose in the save dialog sorts among the stamped ones).
pub fn list(dir: &Path, env: &str) -> Result<Vec<BackupFile>, ApiError> {
    let folder = folder(dir, env);
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(trouble(Trouble::ListFailed {
                folder: folder.display().to_string(),
                detail: e.to_string(),
            }));
        }
    };
    let mut files: Vec<BackupFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            let metadata = e.metadata().ok();
            (name.ends_with(".sql.gz") && !name.starts_with('.')).then(|| BackupFile {
                bytes: metadata.as_ref().map_or(0, |m| m.len()),
                modified: metadata
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map(|d| d.as_secs()),
                path: e.path().display().to_string(),
                name,
            })
        })
        .collect();
    files.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| b.name.cmp(&a.name)));
    Ok(files)
}

/// `20261124T045500Z`: sortable, and free of `:` so the name is valid on every file system.
fn utc_stamp(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_and_sortable() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_496_523);
        assert_eq!(
            utc_stamp(at),
            "20261124T050203Z",
            "2026-11-24 05:02:03 UTC: backup names sort by time"
        );
        assert_eq!(utc_stamp(UNIX_EPOCH), "19700101T000000Z", "the epoch itself");
    }

    #[test]
    fn the_default_file_is_in_a_folder_made_ready_and_kept_out_of_git() {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let file = default_file(tmp.path(), "local").expect("the default file is prepared");
        assert_eq!(
            file.parent(),
            Some(folder(tmp.path(), "local").as_path()),
            "it lies in backups/local/"
        );
        assert!(
            file.parent().is_some_and(Path::is_dir),
            "the folder exists, so a save dialog can open in it"
        );
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(
            name.starts_with("local-") && name.ends_with("Z.sql.gz"),
            "named after the environment and the UTC time: {name}"
        );
        assert!(!file.exists(), "only the name is chosen: nothing is written yet");
        let ignore = std::fs::read_to_string(tmp.path().join("backups/.gitignore")).unwrap_or_default();
        assert!(
            ignore.lines().any(|l| l.trim() == "*"),
            "a dump saved there is ignored by git: {ignore}"
        );
    }

    #[test]
    fn the_list_holds_dumps_only_newest_first_with_size_and_time() {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let dir = folder(tmp.path(), "local");
        std::fs::create_dir_all(&dir).expect("the folder is made");
        let write = |name: &str, bytes: usize, secs: u64| {
            let f = File::create(dir.join(name)).expect("a file is written");
            f.set_len(bytes as u64).expect("its size is set");
            f.set_modified(UNIX_EPOCH + Duration::from_secs(secs))
                .expect("its time is set");
        };
        write("local-20260101T000000Z.sql.gz", 10, 1_000);
        write("before-upgrade.sql.gz", 20, 2_000);
        write(".local-20260102T000000Z.sql.gz.partial", 5, 3_000);
        write("notes.txt", 1, 4_000);
        let listed = list(tmp.path(), "local").expect("the folder is listed");
        let seen: Vec<(&str, u64, Option<u64>)> = listed
            .iter()
            .map(|b| (b.name.as_str(), b.bytes, b.modified))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("before-upgrade.sql.gz", 20, Some(2_000)),
                ("local-20260101T000000Z.sql.gz", 10, Some(1_000)),
            ],
            "a half-written dump and other files are not backups; the newest comes first whatever its name"
        );
        assert_eq!(
            list(tmp.path(), "staging").expect("a missing folder is no error"),
            Vec::new(),
            "no backups yet"
        );
    }

    #[test]
    fn without_hard_links_the_dump_is_copied_under_its_name_never_over_a_file() {
        // A file system without hard links (exFAT, SMB) answers the link with an error.
        let no_links = |_: &Path, _: &Path| Err(std::io::Error::from(std::io::ErrorKind::Unsupported));
        let tmp = tempfile::tempdir().expect("temp dir");
        let partial = tmp.path().join(".dump.partial");
        std::fs::write(&partial, b"the dump").expect("partial written");
        let target = tmp.path().join("dump.sql.gz");
        publish(&partial, &target, no_links).expect("copied under its name");
        assert_eq!(std::fs::read(&target).expect("read"), b"the dump");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&target).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the copy is private as the dump was");
        }
        std::fs::write(&partial, b"another dump").expect("partial written");
        let err = publish(&partial, &target, no_links).expect_err("never over an existing file");
        assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(
            std::fs::read(&target).expect("read"),
            b"the dump",
            "the earlier backup stays"
        );
    }
}
