//! One file's view of one service: every key read into the model's types, so overlays merge typed values
//! and every error names the file it came from.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::context::{Ctx, scalar_text};
use super::health::{duration, parse_depends_on, parse_healthcheck};
use super::model::{
    Build, Dependency, Deploy, Develop, ResourceSpec, Resources, Service, ServiceNetwork, Warning,
    WatchAction, WatchExec, WatchRule,
};
use super::mounts::parse_mounts;
use super::ports::parse_ports;
use super::spec_keys;
use super::units::parse_bytes;
use super::variables::Variables;
use super::words;
use crate::CoreError;

/// An `env_file:` entry, resolved to an absolute path; read only once every file is merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileRef {
    pub path: String,
    pub required: bool,
    /// `format: raw`: values exactly as written, as `docker run --env-file` reads them.
    pub raw: bool,
}

/// What one compose file says about one service. Fields the model cannot tell "absent" from "false" for
/// are kept as options here.
#[derive(Debug, Clone, Default)]
pub struct ServiceLayer {
    pub service: Service,
    pub env_files: Vec<EnvFileRef>,
    pub tty: Option<bool>,
    pub stdin_open: Option<bool>,
    /// `depends_on` keys in the order written, for cycle messages that read like the file.
    pub depends_on: Vec<(String, Dependency)>,
    /// Keys tagged `!reset` or `!override`: what earlier files (or an `extends` base) said of them is
    /// dropped before this layer merges over them.
    pub resets: Vec<String>,
}

pub fn parse_service(
    ctx: &Ctx,
    value: &Value,
    vars: &Variables,
    warnings: &mut Vec<Warning>,
) -> Result<ServiceLayer, CoreError> {
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => return Ok(ServiceLayer::default()),
        other => return Err(ctx.invalid("", "a mapping of service keys (image, ports, ...)", other)),
    };
    let mut layer = ServiceLayer::default();
    for (k, v) in map {
        let Some(key) = k.as_str() else {
            return Err(ctx.invalid("", "string keys", k));
        };
        // `ports: !reset []` drops the key; `ports: !override [..]` replaces it instead of merging.
        let v = match v {
            Value::Tagged(tagged) if tagged.tag == "reset" => {
                layer.resets.push(key.to_owned());
                continue;
            }
            Value::Tagged(tagged) if tagged.tag == "override" => {
                layer.resets.push(key.to_owned());
                &tagged.value
            }
            // Compose reads any other tag through as its value; a typo of the two it knows is said.
            Value::Tagged(tagged) => {
                warnings.push(ctx.warning(
                    key,
                    format!(
                        "the tag {} is not one compose acts on (`!reset`, `!override`): read as its value",
                        tagged.tag
                    ),
                ));
                &tagged.value
            }
            other => other,
        };
        let inner;
        let v = match (key, v) {
            ("environment" | "labels", Value::Mapping(map)) => {
                inner = Value::Mapping(untag_entries(key, map, &mut layer.resets));
                &inner
            }
            _ => v,
        };
        let s = &mut layer.service;
        match key {
            "image" => s.image = text(ctx, key, v)?,
            "build" => s.build = Some(parse_build(ctx, v, warnings)?),
            "command" => s.command = command(ctx, key, v)?,
            "entrypoint" => s.entrypoint = command(ctx, key, v)?,
            "environment" => s.environment = environment(ctx, key, v, vars)?,
            "env_file" => layer.env_files = env_files(ctx, v)?,
            "ports" => s.ports = parse_ports(ctx, v, warnings)?,
            "expose" => s.expose = strings(ctx, key, v)?,
            "volumes" => s.volumes = parse_mounts(ctx, v, warnings)?,
            "depends_on" => layer.depends_on = parse_depends_on(ctx, v)?,
            "healthcheck" => s.healthcheck = Some(parse_healthcheck(ctx, v, warnings)?),
            "restart" => s.restart = restart(ctx, v)?,
            "container_name" => s.container_name = text(ctx, key, v)?,
            "labels" => {
                s.labels = environment(ctx, key, v, &Variables::new())?
                    .into_iter()
                    .map(|(k, v)| (k, v.unwrap_or_default()))
                    .collect()
            }
            "networks" => s.networks = networks(ctx, v, warnings)?,
            "deploy" => s.deploy = Some(deploy(ctx, v, warnings)?),
            "profiles" => s.profiles = strings(ctx, key, v)?,
            "working_dir" => s.working_dir = text(ctx, key, v)?,
            "user" => s.user = text(ctx, key, v)?,
            "hostname" => s.hostname = text(ctx, key, v)?,
            "dns" => s.dns = strings(ctx, key, v)?,
            "extra_hosts" => s.extra_hosts = extra_hosts(ctx, v)?,
            "stop_grace_period" => s.stop_grace_period = duration(ctx, key, v)?,
            "tty" => layer.tty = Some(boolean(ctx, key, v)?),
            "stdin_open" => layer.stdin_open = Some(boolean(ctx, key, v)?),
            "develop" => s.develop = Some(develop(ctx, v, warnings)?),
            k if k.starts_with("x-") => {}
            other if spec_keys::defined(other, spec_keys::SERVICE) => {
                warnings.push(ctx.warning(other, "not supported by EnvDeck; ignored"))
            }
            other => {
                return Err(spec_keys::unknown(
                    ctx,
                    other,
                    spec_keys::SERVICE,
                    "a service key",
                ));
            }
        }
    }
    Ok(layer)
}

/// `develop:`, its `watch` rules checked as compose checks them: an action it knows, a path, a target
/// for the actions that copy files, a command for `sync+exec`.
fn develop(ctx: &Ctx, v: &Value, warnings: &mut Vec<Warning>) -> Result<Develop, CoreError> {
    let mut out = Develop::default();
    for (key, value) in entries(ctx, "develop", v)? {
        match key {
            "watch" => {
                let Value::Sequence(rules) = value else {
                    return Err(ctx.invalid(
                        "develop.watch",
                        "a list of rules (`action`, `path`, ...)",
                        value,
                    ));
                };
                for (i, rule) in rules.iter().enumerate() {
                    out.watch
                        .push(watch_rule(ctx, &format!("develop.watch[{i}]"), rule)?);
                }
            }
            other => {
                warnings.push(ctx.warning(&format!("develop.{other}"), "not supported by EnvDeck; ignored"))
            }
        }
    }
    Ok(out)
}

fn watch_rule(ctx: &Ctx, at: &str, rule: &Value) -> Result<WatchRule, CoreError> {
    let mut action = None;
    let (mut path, mut target, mut ignore, mut initial_sync, mut exec) =
        (None, None, Vec::new(), false, None);
    for (key, value) in entries(ctx, at, rule)? {
        let field = format!("{at}.{key}");
        match key {
            "action" => {
                let said = scalar_text(value).unwrap_or_default();
                let known = WatchAction::ALL.iter().find(|(name, _)| *name == said);
                let names: Vec<&str> = WatchAction::ALL.iter().map(|(name, _)| *name).collect();
                action =
                    Some(known.map(|(_, a)| *a).ok_or_else(|| {
                        ctx.invalid(&field, &format!("one of {}", names.join(", ")), value)
                    })?);
            }
            "path" => path = text(ctx, &field, value)?.map(|p| ctx.absolute(&p)),
            "target" => target = text(ctx, &field, value)?,
            "ignore" => ignore = strings(ctx, &field, value)?,
            "initial_sync" => initial_sync = boolean(ctx, &field, value)?,
            "exec" => {
                let command = match value {
                    Value::Mapping(m) => m.get("command"),
                    _ => None,
                };
                exec = command
                    .map(|c| self::command(ctx, &format!("{field}.command"), c))
                    .transpose()?
                    .flatten()
                    .map(|command| WatchExec { command });
            }
            _ => {
                return Err(ctx.invalid_text(
                    &field,
                    "only `action`, `path`, `target`, `ignore`, `initial_sync` and `exec`",
                    "another key",
                ));
            }
        }
    }
    let action = action.ok_or_else(|| ctx.invalid_text(at, "an `action` (sync, rebuild, ...)", "none"))?;
    let path = path.ok_or_else(|| ctx.invalid_text(at, "a `path` to watch", "none"))?;
    if action.syncs() && target.is_none() {
        return Err(ctx.invalid_text(at, "a `target` in the container for a sync action", "none"));
    }
    if action == WatchAction::SyncExec && exec.is_none() {
        return Err(ctx.invalid_text(at, "an `exec.command` for sync+exec", "none"));
    }
    Ok(WatchRule {
        path,
        action,
        target,
        ignore,
        initial_sync,
        exec,
    })
}

fn text(ctx: &Ctx, key: &str, v: &Value) -> Result<Option<String>, CoreError> {
    match v {
        Value::Null => Ok(None),
        Value::Sequence(_) | Value::Mapping(_) => Err(ctx.invalid(key, "a single value", v)),
        other => Ok(scalar_text(other)),
    }
}

fn boolean(ctx: &Ctx, key: &str, v: &Value) -> Result<bool, CoreError> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(ctx.invalid(key, "true or false", other)),
    }
}

/// A string or a list of strings (as `dns:` and `expose:` allow).
fn strings(ctx: &Ctx, key: &str, v: &Value) -> Result<Vec<String>, CoreError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Sequence(items) => items
            .iter()
            .map(|i| scalar_text(i).ok_or_else(|| ctx.invalid(key, "a list of values", i)))
            .collect(),
        other => scalar_text(other)
            .map(|s| vec![s])
            .ok_or_else(|| ctx.invalid(key, "a value or a list of values", other)),
    }
}

/// `command: a "b c"` is split like a shell would; a list is taken as written.
fn command(ctx: &Ctx, key: &str, v: &Value) -> Result<Option<Vec<String>>, CoreError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => words::split(s)
            .map(Some)
            .ok_or_else(|| ctx.invalid_text(key, "balanced quotes", format!("{s:?} with an open quote"))),
        Value::Sequence(_) => strings(ctx, key, v).map(Some),
        other => Err(ctx.invalid(key, "a command string or a list of arguments", other)),
    }
}

/// `environment` (and `labels`, `build.args`) as a map or a `KEY=value` list. A bare `KEY` takes its
/// value from the variables, `None` when unset.
/// `environment: {DEBUG: !reset}` forgets DEBUG of earlier files (recorded as `environment.DEBUG`);
/// `{LOG_LEVEL: !override info}` is the value `info`, as an untagged one would be.
fn untag_entries(key: &str, map: &serde_norway::Mapping, resets: &mut Vec<String>) -> serde_norway::Mapping {
    let mut kept = serde_norway::Mapping::new();
    for (name, value) in map {
        match value {
            Value::Tagged(tagged) if tagged.tag == "reset" => {
                resets.push(format!("{key}.{}", scalar_text(name).unwrap_or_default()));
            }
            Value::Tagged(tagged) if tagged.tag == "override" => {
                kept.insert(name.clone(), tagged.value.clone());
            }
            other => {
                kept.insert(name.clone(), other.clone());
            }
        }
    }
    kept
}

pub fn environment(
    ctx: &Ctx,
    key: &str,
    v: &Value,
    vars: &Variables,
) -> Result<BTreeMap<String, Option<String>>, CoreError> {
    let mut out = BTreeMap::new();
    match v {
        Value::Null => {}
        Value::Mapping(map) => {
            for (k, val) in map {
                let name = scalar_text(k).ok_or_else(|| ctx.invalid(key, "names as keys", k))?;
                let value = match val {
                    Value::Null => None,
                    other => Some(
                        scalar_text(other)
                            .ok_or_else(|| ctx.invalid(&format!("{key}.{name}"), "a single value", other))?,
                    ),
                };
                out.insert(name, value);
            }
        }
        Value::Sequence(items) => {
            for item in items {
                let line = scalar_text(item).ok_or_else(|| ctx.invalid(key, "KEY=value entries", item))?;
                match line.split_once('=') {
                    Some((k, val)) => out.insert(k.to_string(), Some(val.to_string())),
                    None => out.insert(line.clone(), vars.get(&line).map(str::to_string)),
                };
            }
        }
        other => return Err(ctx.invalid(key, "a mapping or a list of KEY=value", other)),
    }
    Ok(out)
}

fn env_files(ctx: &Ctx, v: &Value) -> Result<Vec<EnvFileRef>, CoreError> {
    let items = match v {
        Value::Sequence(items) => items.clone(),
        Value::Null => Vec::new(),
        single => vec![single.clone()],
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(path) => Ok(EnvFileRef {
                path: ctx.absolute(path),
                required: true,
                raw: false,
            }),
            Value::Mapping(m) => {
                let path = m
                    .get("path")
                    .and_then(Value::as_str)
                    .ok_or_else(|| ctx.invalid("env_file", "a `path`", item))?;
                let required = m.get("required").and_then(Value::as_bool).unwrap_or(true);
                let raw = match m.get("format") {
                    None => false,
                    Some(Value::String(format)) if format == "raw" => true,
                    Some(other) => {
                        return Err(ctx.invalid("env_file.format", "`raw` (or no `format`)", other));
                    }
                };
                Ok(EnvFileRef {
                    path: ctx.absolute(path),
                    required,
                    raw,
                })
            }
            other => Err(ctx.invalid(
                "env_file",
                "a path, a list of paths or `{path, required, format}`",
                other,
            )),
        })
        .collect()
}

fn restart(ctx: &Ctx, v: &Value) -> Result<Option<String>, CoreError> {
    const EXPECTED: &str = "no, always, on-failure, on-failure:N or unless-stopped";
    let Some(policy) = text(ctx, "restart", v)? else {
        return Ok(None);
    };
    let valid = match policy.split_once(':') {
        Some(("on-failure", n)) => n.parse::<u32>().is_ok(),
        _ => matches!(policy.as_str(), "no" | "always" | "on-failure" | "unless-stopped"),
    };
    if valid {
        Ok(Some(policy))
    } else {
        Err(ctx.invalid_text("restart", EXPECTED, format!("{policy:?}")))
    }
}

fn parse_build(ctx: &Ctx, v: &Value, warnings: &mut Vec<Warning>) -> Result<Build, CoreError> {
    let absolute = |c: &str| {
        if c.contains("://") || c.starts_with("git@") {
            c.to_string()
        } else {
            ctx.absolute(c)
        }
    };
    match v {
        Value::String(context) => Ok(Build {
            context: absolute(context),
            ..Build::default()
        }),
        Value::Mapping(map) => {
            let mut b = Build {
                context: absolute("."),
                ..Build::default()
            };
            for (k, val) in map {
                let k = k.as_str().unwrap_or_default();
                let key = format!("build.{k}");
                match k {
                    "context" => b.context = absolute(&text(ctx, &key, val)?.unwrap_or_else(|| ".".into())),
                    "dockerfile" => b.dockerfile = text(ctx, &key, val)?,
                    "target" => b.target = text(ctx, &key, val)?,
                    "args" => b.args = environment(ctx, &key, val, &Variables::new())?,
                    _ => warnings.push(ctx.warning(&key, "not supported by EnvDeck; ignored")),
                }
            }
            Ok(b)
        }
        other => Err(ctx.invalid("build", "a context path or a mapping with `context`", other)),
    }
}

fn networks(
    ctx: &Ctx,
    v: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<BTreeMap<String, ServiceNetwork>, CoreError> {
    let mut out = BTreeMap::new();
    match v {
        Value::Sequence(items) => {
            for item in items {
                let name = item
                    .as_str()
                    .ok_or_else(|| ctx.invalid("networks", "network names", item))?;
                out.insert(name.to_string(), ServiceNetwork::default());
            }
        }
        Value::Mapping(map) => {
            for (name, spec) in map {
                let name = name
                    .as_str()
                    .ok_or_else(|| ctx.invalid("networks", "network names as keys", name))?;
                let key = format!("networks.{name}");
                let mut net = ServiceNetwork::default();
                if let Value::Mapping(spec) = spec {
                    for (k, val) in spec {
                        match k.as_str().unwrap_or_default() {
                            "aliases" => net.aliases = strings(ctx, &format!("{key}.aliases"), val)?,
                            "ipv4_address" => {
                                net.ipv4_address = text(ctx, &format!("{key}.ipv4_address"), val)?
                            }
                            other => warnings.push(
                                ctx.warning(&format!("{key}.{other}"), "not supported by EnvDeck; ignored"),
                            ),
                        }
                    }
                } else if !spec.is_null() {
                    return Err(ctx.invalid(&key, "a mapping with `aliases` or nothing", spec));
                }
                out.insert(name.to_string(), net);
            }
        }
        other => return Err(ctx.invalid("networks", "a list of network names or a mapping", other)),
    }
    Ok(out)
}

fn extra_hosts(ctx: &Ctx, v: &Value) -> Result<Vec<String>, CoreError> {
    match v {
        Value::Mapping(map) => map
            .iter()
            .map(|(h, ip)| match (scalar_text(h), scalar_text(ip)) {
                (Some(h), Some(ip)) => Ok(format!("{h}:{ip}")),
                _ => Err(ctx.invalid("extra_hosts", "host: address pairs", v)),
            })
            .collect(),
        other => strings(ctx, "extra_hosts", other),
    }
}

fn deploy(ctx: &Ctx, v: &Value, warnings: &mut Vec<Warning>) -> Result<Deploy, CoreError> {
    let Value::Mapping(map) = v else {
        return Err(ctx.invalid("deploy", "a mapping", v));
    };
    let mut d = Deploy::default();
    for (k, val) in map {
        let k = k.as_str().unwrap_or_default();
        match k {
            "replicas" => {
                d.replicas = match val {
                    Value::Null => None,
                    other => Some(
                        other
                            .as_u64()
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(|| ctx.invalid("deploy.replicas", "a whole number >= 0", other))?,
                    ),
                }
            }
            "resources" => d.resources = Some(resources(ctx, val, warnings)?),
            other => {
                warnings.push(ctx.warning(&format!("deploy.{other}"), "not supported by EnvDeck; ignored"))
            }
        }
    }
    Ok(d)
}

fn resources(ctx: &Ctx, v: &Value, warnings: &mut Vec<Warning>) -> Result<Resources, CoreError> {
    let Value::Mapping(map) = v else {
        return Err(ctx.invalid("deploy.resources", "a mapping", v));
    };
    let mut r = Resources::default();
    for (k, val) in map {
        let k = k.as_str().unwrap_or_default();
        let key = format!("deploy.resources.{k}");
        match k {
            "limits" => r.limits = Some(resource_spec(ctx, &key, val, warnings)?),
            "reservations" => r.reservations = Some(resource_spec(ctx, &key, val, warnings)?),
            _ => warnings.push(ctx.warning(&key, "not supported by EnvDeck; ignored")),
        }
    }
    Ok(r)
}

fn resource_spec(
    ctx: &Ctx,
    key: &str,
    v: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<ResourceSpec, CoreError> {
    let Value::Mapping(map) = v else {
        return Err(ctx.invalid(key, "a mapping with `cpus` and `memory`", v));
    };
    let mut spec = ResourceSpec::default();
    for (k, val) in map {
        let k = k.as_str().unwrap_or_default();
        let field = format!("{key}.{k}");
        let text = scalar_text(val);
        match k {
            "cpus" => {
                spec.cpus = Some(
                    text.and_then(|t| t.parse::<f64>().ok())
                        .filter(|c| c.is_finite() && *c >= 0.0)
                        .ok_or_else(|| ctx.invalid(&field, "a number of CPUs such as 0.5", val))?,
                )
            }
            "memory" => {
                spec.memory = Some(
                    text.and_then(|t| parse_bytes(&t))
                        .ok_or_else(|| ctx.invalid(&field, "a size such as 512M or 1G", val))?,
                )
            }
            _ => warnings.push(ctx.warning(&field, "not supported by EnvDeck; ignored")),
        }
    }
    Ok(spec)
}

/// Reads a mapping's keys as strings, for top-level sections.
pub fn entries<'a>(ctx: &Ctx, key: &str, v: &'a Value) -> Result<Vec<(&'a str, &'a Value)>, CoreError> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Mapping(map) => map
            .iter()
            .map(|(k, v)| {
                k.as_str()
                    .map(|k| (k, v))
                    .ok_or_else(|| ctx.invalid(key, "names as keys", k))
            })
            .collect(),
        other => Err(ctx.invalid(key, "a mapping", other)),
    }
}
