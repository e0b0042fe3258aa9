//! Finding a project's environments from file names alone, then applying the manifest on top.

use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::manifest::{self, EnvironmentSpec, Manifest};
use super::{Endpoint, Environment, EnvironmentKind, Project, project_name_of};
use crate::CoreError;
use crate::checklist::Exposure;

/// Compose's own search order for the base file.
pub const BASE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The picker's order for the environment names the seeds use; others follow alphabetically.
const USUAL_ORDER: &[&str] = &[
    "sqlite",
    "testing",
    "test",
    "local-minimal",
    "local",
    "dev",
    "staging",
    "prod",
    "production",
];

pub fn open(dir: &Path) -> Result<Project, CoreError> {
    let dir = std::fs::canonicalize(dir).map_err(|source| CoreError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let manifest_path = dir.join(manifest::FILE_NAME);
    let manifest = if manifest_path.is_file() {
        let text = crate::files::read_text(&manifest_path)?;
        Manifest::parse(&manifest_path, &text)?
    } else {
        Manifest::default()
    };
    let base = BASE_FILES.iter().map(|f| dir.join(f)).find(|p| p.is_file());
    let mut ids: Vec<String> = manifest.environments.keys().cloned().collect();
    let mut found = match &base {
        Some(base) => overlays(&dir, base)?,
        None => Vec::new(),
    };
    found.sort_by_key(|id| {
        (
            USUAL_ORDER.iter().position(|u| u == id).unwrap_or(usize::MAX),
            id.clone(),
        )
    });
    for id in found {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() && base.is_some() {
        ids.push("default".to_string());
    }
    if ids.is_empty() {
        return Err(CoreError::NoComposeFile { dir });
    }
    let empty = EnvironmentSpec::default();
    let mut environments = Vec::new();
    for id in ids {
        if !super::valid_environment_id(&id) {
            let declared = manifest.environments.contains_key(&id);
            return Err(CoreError::InvalidEnvironmentId {
                file: if declared {
                    manifest_path.clone()
                } else {
                    overlay_file(&dir, &id).unwrap_or_else(|| dir.clone())
                },
                id,
                declared,
            });
        }
        let spec = manifest.environments.get(&id).unwrap_or(&empty);
        environments.push(environment(&dir, base.as_deref(), &id, spec)?);
    }
    // A task without a `service` runs on the host: only a host-process environment has one to offer.
    for task in manifest.tasks.iter().filter(|t| t.service.is_none()) {
        let docker = environments.iter().find(|e| {
            matches!(e.kind, EnvironmentKind::Docker { .. })
                && (task.environments.is_empty() || task.environments.contains(&e.id))
        });
        if let Some(env) = docker {
            return Err(CoreError::Manifest {
                file: manifest_path.clone(),
                line: None,
                message: format!(
                    "task `{}` names no `service`, so it runs on the host, but environment `{}` runs on Docker: \
                     add `service = \"<the service to run it in>\"`, or list only host-process environments in \
                     its `environments`",
                    task.id, env.id
                ),
            });
        }
    }
    let name = manifest
        .project
        .name
        .clone()
        .map(|n| crate::compose::normalize_project_name(&n))
        .unwrap_or_else(|| project_name_of(&dir));
    Ok(Project {
        label: manifest.project.label.clone().unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        }),
        description: manifest.project.description.clone(),
        links: manifest.links.clone(),
        tasks: manifest.tasks.clone(),
        name,
        dir,
        environments,
        identity: None,
    })
}

/// `docker-compose.<env>.yml` (and the `compose.<env>.yaml` spellings) beside the base file.
fn overlays(dir: &Path, base: &Path) -> Result<Vec<String>, CoreError> {
    let entries = std::fs::read_dir(dir).map_err(|source| CoreError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut ids = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path() == base {
            continue;
        }
        let stem = ["docker-compose.", "compose."]
            .iter()
            .find_map(|p| name.strip_prefix(p));
        let id = stem.and_then(|s| s.strip_suffix(".yml").or_else(|| s.strip_suffix(".yaml")));
        // `override` is what compose loads implicitly with the base; it is not an environment.
        if let Some(id) = id.filter(|id| !id.is_empty() && *id != "override" && !ids.iter().any(|i| i == id))
        {
            ids.push(id.to_string());
        }
    }
    Ok(ids)
}

/// The overlay file of environment `id`, in compose's order of spellings.
fn overlay_file(dir: &Path, id: &str) -> Option<PathBuf> {
    ["yml", "yaml"]
        .iter()
        .flat_map(|ext| ["docker-compose", "compose"].map(|stem| dir.join(format!("{stem}.{id}.{ext}"))))
        .find(|p| p.is_file())
}

fn environment(
    dir: &Path,
    base: Option<&Path>,
    id: &str,
    spec: &EnvironmentSpec,
) -> Result<Environment, CoreError> {
    let existing = |names: &[String]| -> Vec<PathBuf> {
        names
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .collect()
    };
    let template = existing(&[
        format!(".env.{id}.example"),
        ".env.example".into(),
        format!(".env.{id}"),
    ])
    .into_iter()
    .next();
    let label = spec.label.clone().unwrap_or_else(|| humanize(id));
    if let Some(command) = &spec.command {
        if spec.engine.as_ref().is_some_and(|e| !e.is_local()) {
            return Err(CoreError::Manifest {
                file: dir.join(manifest::FILE_NAME),
                line: None,
                message: format!(
                    "environment `{id}`: a host process (`command`) runs on this machine, so it cannot have an \
                     `engine`; remove one of the two"
                ),
            });
        }
        let command = command.args().unwrap_or_default();
        return Ok(Environment {
            id: id.to_string(),
            label,
            description: spec.description.clone(),
            services: command.first().map(|c| vec![c.clone()]).unwrap_or_default(),
            kind: EnvironmentKind::Process {
                command,
                cwd: dir.join(spec.cwd.as_deref().unwrap_or(".")),
                env: spec.env.clone(),
                health_url: spec.health_url.clone(),
            },
            env_template: template,
            engine: Endpoint::Local,
            estimate: spec.estimate,
            secrets: spec.secrets.clone(),
            files_declared: false,
            exposure: spec.exposure.unwrap_or_else(|| Exposure::of(id)),
        });
    }
    let compose_files: Vec<PathBuf> = match &spec.compose_files {
        Some(files) => files.iter().map(|f| dir.join(f)).collect(),
        None => {
            let mut files: Vec<PathBuf> = base.map(Path::to_path_buf).into_iter().collect();
            let overlay = overlay_file(dir, id);
            // Compose loads its override file with the base when no -f is given: the folder's only environment.
            let default_override = if id == "default" {
                existing(&[
                    "docker-compose.override.yml".into(),
                    "compose.override.yaml".into(),
                ])
            } else {
                Vec::new()
            };
            files.extend(overlay);
            files.extend(default_override);
            files
        }
    };
    if compose_files.is_empty() {
        return Err(CoreError::NoComposeFile {
            dir: dir.to_path_buf(),
        });
    }
    let env_files = match &spec.env_files {
        Some(files) => files.iter().map(|f| dir.join(f)).collect(),
        None => {
            let own = existing(&[format!(".env.{id}"), format!(".env.{id}.example")]);
            if own.is_empty() {
                existing(&[".env".into()])
            } else {
                own
            }
        }
    };
    Ok(Environment {
        id: id.to_string(),
        label,
        description: spec.description.clone(),
        services: service_names(&compose_files, &spec.profiles)?,
        kind: EnvironmentKind::Docker {
            compose_files,
            env_files,
            profiles: spec.profiles.clone(),
        },
        env_template: template,
        engine: engine_of(dir, id, spec)?,
        estimate: spec.estimate,
        secrets: spec.secrets.clone(),
        files_declared: spec.compose_files.is_some(),
        exposure: spec.exposure.unwrap_or_else(|| Exposure::of(id)),
    })
}

/// Service names across the files, without interpolating (no variables are known when listing).
fn service_names(files: &[PathBuf], profiles: &[String]) -> Result<Vec<String>, CoreError> {
    let mut names: Vec<(String, bool)> = Vec::new();
    for file in files {
        let text = crate::files::read_text(file)?;
        let root = crate::compose::parse_yaml(file, &text)?;
        if let Some(Value::Mapping(services)) = root.get("services") {
            for (name, spec) in services {
                let Some(name) = name.as_str() else { continue };
                let service_profiles: Option<Vec<&str>> = spec
                    .get("profiles")
                    .and_then(Value::as_sequence)
                    .map(|p| p.iter().filter_map(Value::as_str).collect());
                let active = match service_profiles {
                    Some(p) if !p.is_empty() => p.iter().any(|p| profiles.iter().any(|a| a == p)),
                    _ => true,
                };
                match names.iter_mut().find(|(n, _)| n == name) {
                    Some(entry) => entry.1 = active || (entry.1 && spec.get("profiles").is_none()),
                    None => names.push((name.to_string(), active)),
                }
            }
        }
    }
    Ok(names
        .into_iter()
        .filter(|(_, active)| *active)
        .map(|(n, _)| n)
        .collect())
}

/// `local-minimal` → `Local minimal`, for environments the manifest does not label.
fn humanize(id: &str) -> String {
    let spaced = id.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The manifest's `engine`, with `engine_tls = false` turning a `tcp://` engine into plain HTTP; that
/// key with any other engine is an error, so a misplaced one never seems to secure something it does not.
fn engine_of(dir: &Path, id: &str, spec: &EnvironmentSpec) -> Result<Endpoint, CoreError> {
    let engine = spec.engine.clone().unwrap_or_default();
    match (engine, spec.engine_tls) {
        (Endpoint::Tcp { host, port, .. }, Some(false)) => Ok(Endpoint::Tcp {
            host,
            port,
            tls: false,
        }),
        (engine @ Endpoint::Tcp { .. }, _) | (engine, None) => Ok(engine),
        (engine, Some(_)) => Err(CoreError::Manifest {
            file: dir.join(manifest::FILE_NAME),
            line: None,
            message: format!(
                "environment `{id}`: `engine_tls` applies to a tcp:// engine, and this one is {engine}; \
                 remove `engine_tls`"
            ),
        }),
    }
}
