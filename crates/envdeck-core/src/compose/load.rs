//! Loading an environment: read each compose file, interpolate, read it into typed layers, merge the
//! overlays in order, apply profiles, then check what only the whole stack can tell (dependencies,
//! declared volumes and networks, cycles).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_norway::{Mapping, Value};

use super::context::{Ctx, normalize};
use super::env_file::EnvFile;
use super::extends::Bases;
use super::include::{self, Include};
use super::interpolate::{Failure, interpolate};
use super::merge::{merge_network, merge_service, merge_volume};
use super::model::{ComposeModel, MountType, Network, Service, Volume, Warning, WatchAction};
use super::service::{EnvFileRef, ServiceLayer, entries};
use super::top_level::{parse_networks, parse_volumes};
use super::variables::Variables;
use super::yaml;
use crate::CoreError;

/// What `docker compose -f A -f B -p NAME --profile P` is told besides the variables.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Compose files, base first; later files override earlier ones.
    pub files: Vec<PathBuf>,
    /// Where relative paths point; the first file's folder when `None`.
    pub project_dir: Option<PathBuf>,
    /// `-p`; otherwise the files' `name:`, otherwise the project folder's name.
    pub project_name: Option<String>,
    /// Active profiles; when empty, `COMPOSE_PROFILES` from the variables (comma separated).
    pub profiles: Vec<String>,
}

/// Top-level sections whose strings compose interpolates. `x-` blocks are only templates for anchors.
const INTERPOLATED: &[&str] = &["name", "services", "networks", "volumes"];

#[derive(Default)]
struct Merged {
    name: Option<String>,
    services: IndexMap<String, (ServiceLayer, PathBuf)>,
    networks: BTreeMap<String, Network>,
    volumes: BTreeMap<String, Volume>,
    warnings: Vec<Warning>,
    /// The files that include the ones being read, outermost first: an include of one of them is a circle.
    including: Vec<PathBuf>,
}

pub fn load(options: &LoadOptions, vars: &Variables) -> Result<ComposeModel, CoreError> {
    let first = options.files.first().ok_or_else(|| CoreError::NoComposeFile {
        dir: options.project_dir.clone().unwrap_or_else(|| PathBuf::from(".")),
    })?;
    let project_dir = absolute(
        options
            .project_dir
            .clone()
            .unwrap_or_else(|| first.parent().map(Path::to_path_buf).unwrap_or_default()),
    );
    let mut merged = Merged::default();
    for file in &options.files {
        let text = crate::files::read_text(file)?;
        load_file(&mut merged, file, &project_dir, &text, vars)?;
    }
    if merged.services.is_empty() {
        // Valid for compose, but an environment with nothing to run is almost always a wrong file.
        let files: Vec<String> = options.files.iter().map(|f| f.display().to_string()).collect();
        merged.warnings.push(Warning {
            file: files.join(", "),
            key: "services".to_string(),
            message: "no services are defined: there is nothing to start".to_string(),
        });
    }
    let name = options
        .project_name
        .clone()
        .or(merged.name.take())
        .unwrap_or_else(|| {
            project_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let profiles: Vec<String> = if options.profiles.is_empty() {
        vars.get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    } else {
        options.profiles.clone()
    };
    finish(
        merged,
        &normalize_project_name(&name),
        &profiles,
        vars,
        &project_dir,
    )
}

/// Reads one file's text into the merged state (the part of loading that needs no filesystem).
fn load_file(
    merged: &mut Merged,
    file: &Path,
    project_dir: &Path,
    text: &str,
    vars: &Variables,
) -> Result<(), CoreError> {
    let ctx = Ctx {
        file,
        dir: project_dir,
        service: None,
    };
    let Some(top) = interpolated(file, text, vars, &mut merged.warnings)? else {
        return Ok(());
    };
    // Included projects first: a service this file defines too is merged over the included one.
    if let Some(value) = top.get("include") {
        for entry in include::entries(&ctx, value)? {
            load_included(merged, &ctx, &entry, vars)?;
        }
    }
    let mut bases = Bases::new(vars);
    for (key, value) in top.iter() {
        let key = key.as_str().unwrap_or_default();
        match key {
            "name" => merged.name = value.as_str().map(str::to_string),
            "version" | "include" => {}
            "services" => {
                bases.know(file, value);
                for (name, _) in entries(&ctx, "services", value)? {
                    let layer = bases.layer(file, project_dir, name, &mut merged.warnings)?;
                    match merged.services.get_mut(name) {
                        Some((base, _)) => merge_service(base, layer),
                        None => {
                            merged
                                .services
                                .insert(name.to_string(), (layer, file.to_path_buf()));
                        }
                    }
                }
            }
            "networks" => {
                for (name, net) in parse_networks(&ctx, value, &mut merged.warnings)? {
                    merged
                        .networks
                        .entry(name)
                        .and_modify(|b| merge_network(b, net.clone()))
                        .or_insert(net);
                }
            }
            "volumes" => {
                for (name, vol) in parse_volumes(&ctx, value, &mut merged.warnings)? {
                    merged
                        .volumes
                        .entry(name)
                        .and_modify(|b| merge_volume(b, vol.clone()))
                        .or_insert(vol);
                }
            }
            k if k.starts_with("x-") => {}
            other if super::spec_keys::defined(other, super::spec_keys::TOP_LEVEL) => merged
                .warnings
                .push(ctx.warning(other, "not supported by EnvDeck; ignored")),
            other => {
                return Err(super::spec_keys::unknown(
                    &ctx,
                    other,
                    super::spec_keys::TOP_LEVEL,
                    "a top-level key",
                ));
            }
        }
    }
    Ok(())
}

/// Loads an included project on its own and adds what it defines; a name defined twice by includes (or
/// by an earlier file) is an error naming both files.
fn load_included(merged: &mut Merged, ctx: &Ctx, entry: &Include, vars: &Variables) -> Result<(), CoreError> {
    let vars = entry.variables(ctx, vars)?;
    let mut own = Merged {
        including: [merged.including.as_slice(), &[ctx.file.to_path_buf()]].concat(),
        ..Merged::default()
    };
    for file in &entry.files {
        if let Some(start) = own.including.iter().position(|f| f == file) {
            let circle: Vec<String> = own.including[start..]
                .iter()
                .chain(std::iter::once(file))
                .map(|f| f.display().to_string())
                .collect();
            return Err(ctx.invalid_text(
                "include",
                "no file that includes itself",
                format!("the circle {}", circle.join(" -> ")),
            ));
        }
        let text = crate::files::read_text(file).map_err(|e| {
            let reason = match e {
                CoreError::Read { source, .. } => crate::files::why_unreadable(&source),
                other => other.to_string(),
            };
            ctx.invalid_text(
                "include",
                "compose files that can be read (paths are relative to the project's folder)",
                format!("{} ({reason})", file.display()),
            )
        })?;
        load_file(&mut own, file, &entry.project_dir, &text, &vars)?;
    }
    merged.warnings.append(&mut own.warnings);
    let twice = |kind: &str, name: &str, first: &Path, second: &Path| CoreError::IncludedTwice {
        file: ctx.file.to_path_buf(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        first: first.to_path_buf(),
        second: second.to_path_buf(),
    };
    for (name, (layer, file)) in own.services {
        if let Some((_, first)) = merged.services.get(&name) {
            return Err(twice("service", &name, first, &file));
        }
        merged.services.insert(name, (layer, file));
    }
    let first_file = &entry.files[0];
    for (name, network) in own.networks {
        match merged.networks.get(&name) {
            Some(existing) if *existing != network => {
                return Err(twice("network", &name, ctx.file, first_file));
            }
            _ => {
                merged.networks.insert(name, network);
            }
        }
    }
    for (name, volume) in own.volumes {
        match merged.volumes.get(&name) {
            Some(existing) if *existing != volume => {
                return Err(twice("volume", &name, ctx.file, first_file));
            }
            _ => {
                merged.volumes.insert(name, volume);
            }
        }
    }
    Ok(())
}

/// A compose file's top-level mapping with the sections compose interpolates interpolated (`None` for
/// an empty file); each variable it uses that is not set is one warning.
pub(super) fn interpolated(
    file: &Path,
    text: &str,
    vars: &Variables,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Mapping>, CoreError> {
    let ctx = Ctx {
        file,
        dir: file,
        service: None,
    };
    let root = yaml::parse(file, text)?;
    let mut top = match root {
        Value::Null => return Ok(None),
        Value::Mapping(top) => top,
        other => return Err(ctx.invalid("(top level)", "a mapping with `services:`", &other)),
    };
    let mut unset = BTreeSet::new();
    for section in INTERPOLATED {
        if let Some(v) = top.get_mut(*section) {
            let mut path = vec![section.to_string()];
            interpolate_tree(v, &mut path, &ctx, vars, &mut unset)?;
        }
    }
    for variable in unset {
        warnings.push(ctx.warning(
            &format!("${{{variable}}}"),
            format!("variable {variable} is not set; using an empty string"),
        ));
    }
    Ok(Some(top))
}

fn interpolate_tree(
    value: &mut Value,
    path: &mut Vec<String>,
    ctx: &Ctx,
    vars: &Variables,
    unset: &mut BTreeSet<String>,
) -> Result<(), CoreError> {
    match value {
        Value::String(s) => {
            let done = interpolate(s, vars).map_err(|failure| {
                let (service, key) = match path.as_slice() {
                    [first, service, rest @ ..] if first == "services" => {
                        (Some(service.clone()), rest.join("."))
                    }
                    all => (None, all.join(".")),
                };
                match failure {
                    Failure::Required { variable, message } => CoreError::RequiredVariable {
                        file: ctx.file.to_path_buf(),
                        service,
                        key,
                        variable,
                        message,
                    },
                    Failure::Syntax(reason) => CoreError::Interpolation {
                        file: ctx.file.to_path_buf(),
                        service,
                        key,
                        text: s.clone(),
                        reason,
                    },
                }
            })?;
            unset.extend(done.unset);
            *s = done.text;
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(format!("[{i}]"));
                interpolate_tree(item, path, ctx, vars, unset)?;
                path.pop();
            }
        }
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.as_str().unwrap_or("?").to_string());
                interpolate_tree(v, path, ctx, vars, unset)?;
                path.pop();
            }
        }
        Value::Tagged(t) => interpolate_tree(&mut t.value, path, ctx, vars, unset)?,
        _ => {}
    }
    Ok(())
}

fn finish(
    merged: Merged,
    project: &str,
    profiles: &[String],
    vars: &Variables,
    project_dir: &Path,
) -> Result<ComposeModel, CoreError> {
    let Merged {
        services: layers,
        mut networks,
        mut volumes,
        mut warnings,
        ..
    } = merged;
    let enabled = |layer: &ServiceLayer| {
        layer.service.profiles.is_empty() || layer.service.profiles.iter().any(|p| profiles.contains(p))
    };
    let known: Vec<&str> = layers.keys().map(String::as_str).collect();
    let mut services = BTreeMap::new();
    for (name, (layer, file)) in &layers {
        if !enabled(layer) {
            continue;
        }
        check_service(name, file, &layer.service)?;
        check_watch(name, file, &layer.service, project_dir)?;
        let mut service = layer.service.clone();
        service.tty = layer.tty.unwrap_or(false);
        service.stdin_open = layer.stdin_open.unwrap_or(false);
        apply_env_files(name, file, &mut service, &layer.env_files, vars)?;
        for (dep, spec) in &layer.depends_on {
            match layers.get(dep) {
                None => {
                    return Err(CoreError::UnknownDependency {
                        file: Some(file.clone()),
                        service: name.clone(),
                        dependency: dep.clone(),
                        known: known.join(", "),
                    });
                }
                Some((dep_layer, _)) if !enabled(dep_layer) => warnings.push(Warning {
                    file: file.display().to_string(),
                    key: format!("services.{name}.depends_on.{dep}"),
                    message: format!("`{dep}` is not in the active profiles; this dependency is skipped"),
                }),
                Some(_) => {
                    service.depends_on.insert(dep.clone(), spec.clone());
                }
            }
        }
        check_declared(name, file, &service, &volumes, &networks)?;
        services.insert(name.clone(), service);
    }
    if services
        .values()
        .any(|s| s.networks.is_empty() || s.networks.contains_key("default"))
    {
        networks.entry("default".to_string()).or_default();
    }
    for (key, net) in networks.iter_mut() {
        if net.name.is_empty() {
            net.name = if net.external {
                key.clone()
            } else {
                format!("{project}_{key}")
            };
        }
    }
    for (key, vol) in volumes.iter_mut() {
        if vol.name.is_empty() {
            vol.name = if vol.external {
                key.clone()
            } else {
                format!("{project}_{key}")
            };
        }
    }
    check_cycles(&services).map_err(|e| match e {
        // The file of the cycle's first service: where a person starts looking.
        CoreError::DependencyCycle { cycle } => CoreError::Invalid {
            file: cycle
                .first()
                .and_then(|s| layers.get(s))
                .map(|(_, f)| f.clone())
                .unwrap_or_default(),
            service: cycle.first().cloned(),
            key: "depends_on".to_string(),
            expected: "no dependency cycle (remove one `depends_on` entry of it)".to_string(),
            found: format!("the cycle {}", cycle.join(" -> ")),
        },
        other => other,
    })?;
    Ok(ComposeModel {
        name: project.to_string(),
        services,
        networks,
        volumes,
        warnings,
    })
}

/// Env files first, then `environment:` on top, as compose layers them; each file's values expanded from
/// the project's variables, as compose v2 does.
fn apply_env_files(
    name: &str,
    compose_file: &Path,
    service: &mut Service,
    env_files: &[EnvFileRef],
    vars: &Variables,
) -> Result<(), CoreError> {
    let mut from_files = BTreeMap::new();
    for env_file in env_files {
        let path = PathBuf::from(&env_file.path);
        if !env_file.required && !path.exists() {
            continue;
        }
        let read = if env_file.raw {
            EnvFile::read_raw(&path)
        } else {
            EnvFile::read(&path)
        };
        let file = read.and_then(|f| f.layer(vars)).map_err(|e| match e {
            // A missing env_file is the compose file's mistake: name it and the service, not only the path.
            CoreError::Read { path, source } => CoreError::Invalid {
                file: compose_file.to_path_buf(),
                service: Some(name.to_string()),
                key: "env_file".to_string(),
                expected: "an env file that can be read".to_string(),
                found: format!("{} ({})", path.display(), crate::files::why_unreadable(&source)),
            },
            other => other,
        })?;
        for (k, v) in file.iter() {
            from_files.insert(k.to_owned(), Some(v.to_owned()));
        }
    }
    from_files.append(&mut service.environment);
    service.environment = from_files;
    Ok(())
}

fn check_declared(
    name: &str,
    file: &Path,
    service: &Service,
    volumes: &BTreeMap<String, Volume>,
    networks: &BTreeMap<String, Network>,
) -> Result<(), CoreError> {
    for mount in &service.volumes {
        if let (MountType::Volume, Some(source)) = (mount.kind, &mount.source)
            && !volumes.contains_key(source)
        {
            return Err(CoreError::UndeclaredVolume {
                file: file.to_path_buf(),
                service: name.to_string(),
                volume: source.clone(),
            });
        }
    }
    for net in service.networks.keys() {
        if net != "default" && !networks.contains_key(net) {
            let ctx = Ctx {
                file,
                dir: file,
                service: Some(name),
            };
            return Err(ctx.invalid_text(
                &format!("networks.{net}"),
                "a network declared under the top-level `networks:`",
                "an undeclared network",
            ));
        }
    }
    Ok(())
}

/// What compose refuses about a merged service and Docker would otherwise refuse later, less clearly:
/// a name that cannot be a container or DNS name, and nothing to run.
fn check_service(name: &str, file: &Path, service: &Service) -> Result<(), CoreError> {
    let invalid = |key: &str, expected: &str, found: String| CoreError::Invalid {
        file: file.to_path_buf(),
        service: Some(name.to_string()),
        key: key.to_string(),
        expected: expected.to_string(),
        found,
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(invalid(
            "(service name)",
            "letters, digits, `.`, `_` and `-`, starting with a letter or digit (it names containers and hosts)",
            format!("{name:?}"),
        ));
    }
    if service.image.is_none() && service.build.is_none() {
        return Err(invalid(
            "image",
            "an `image` or a `build` section (in this file or an overlay)",
            "neither".to_string(),
        ));
    }
    Ok(())
}

/// What `envdeck watch` needs of a service's `develop.watch`: paths inside the project (a watch never
/// reads or sends files from elsewhere on the machine), and a `build:` to rebuild from.
fn check_watch(name: &str, file: &Path, service: &Service, project_dir: &Path) -> Result<(), CoreError> {
    let Some(develop) = &service.develop else {
        return Ok(());
    };
    let ctx = Ctx {
        file,
        dir: project_dir,
        service: Some(name),
    };
    for (i, rule) in develop.watch.iter().enumerate() {
        let at = format!("develop.watch[{i}].path");
        if !Path::new(&rule.path).starts_with(project_dir) {
            return Err(ctx.invalid_text(
                &at,
                &format!("a path inside the project folder {}", project_dir.display()),
                rule.path.clone(),
            ));
        }
        if rule.action == WatchAction::Rebuild && service.build.is_none() {
            return Err(ctx.invalid_text(
                &format!("develop.watch[{i}].action"),
                "`rebuild` only for a service with a `build:` section (an `image:` alone has nothing to rebuild)",
                "rebuild",
            ));
        }
    }
    Ok(())
}

/// Depth-first search; the first back edge found is reported as the cycle `a -> b -> a`.
fn check_cycles(services: &BTreeMap<String, Service>) -> Result<(), CoreError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        services: &'a BTreeMap<String, Service>,
        marks: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
    ) -> Result<(), CoreError> {
        match marks.get(name) {
            Some(Mark::Done) => return Ok(()),
            Some(Mark::Visiting) => {
                let start = stack.iter().position(|s| *s == name).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(name.to_string());
                return Err(CoreError::DependencyCycle { cycle });
            }
            None => {}
        }
        marks.insert(name, Mark::Visiting);
        stack.push(name);
        if let Some(service) = services.get(name) {
            for dep in service.depends_on.keys() {
                visit(dep, services, marks, stack)?;
            }
        }
        stack.pop();
        marks.insert(name, Mark::Done);
        Ok(())
    }
    let mut marks = BTreeMap::new();
    for name in services.keys() {
        visit(name, services, &mut marks, &mut Vec::new())?;
    }
    Ok(())
}

/// The compose project name: lowercase, only `[a-z0-9_-]`, starting with a letter or digit.
pub fn normalize_project_name(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_string()
}

fn absolute(path: PathBuf) -> PathBuf {
    if path.is_absolute() {
        return normalize(&path);
    }
    let base = std::env::current_dir().unwrap_or_default();
    normalize(&base.join(path))
}

/// Loads compose text held in memory as if it were `file` (fuzzing, tests): no files are read, except
/// those an `env_file:` names.
pub fn load_str(
    file: &Path,
    text: &str,
    vars: &Variables,
    profiles: &[String],
) -> Result<ComposeModel, CoreError> {
    let dir = absolute(file.parent().map(Path::to_path_buf).unwrap_or_default());
    let mut merged = Merged::default();
    load_file(&mut merged, file, &dir, text, vars)?;
    let name = merged.name.take().unwrap_or_else(|| "test".into());
    finish(merged, &normalize_project_name(&name), profiles, vars, &dir)
}
