//! `volumes:` of a service in both syntaxes, as [`Mount`]s: named volumes, binds resolved against the
//! project folder, anonymous volumes and tmpfs.

use serde_norway::Value;

use super::context::{Ctx, scalar_text};
use super::model::{BindOptions, Mount, MountType, Warning};
use crate::CoreError;

const EXPECTED: &str = "a mount such as \"pgdata:/var/lib/postgresql/data\", \"./src:/app:ro\", \"/cache\" or a mapping with `type` and `target`";

/// Access modes compose accepts after the second `:`; only `ro`/`rw` change what EnvDeck does.
const MODES: &[&str] = &[
    "ro",
    "rw",
    "z",
    "Z",
    "nocopy",
    "consistent",
    "cached",
    "delegated",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
];

pub fn parse_mounts(ctx: &Ctx, value: &Value, warnings: &mut Vec<Warning>) -> Result<Vec<Mount>, CoreError> {
    let Value::Sequence(items) = value else {
        return Err(ctx.invalid("volumes", "a list of mounts", value));
    };
    let mut mounts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("volumes[{i}]");
        let mount = match item {
            Value::Mapping(_) => parse_long(ctx, &key, item, warnings)?,
            Value::String(s) => parse_short(ctx, s)
                .map_err(|why| ctx.invalid_text(&key, EXPECTED, format!("{s:?} ({why})")))?,
            other => return Err(ctx.invalid(&key, EXPECTED, other)),
        };
        if let (MountType::Bind, Some(source)) = (mount.kind, &mount.source) {
            warnings.extend(outside_project(ctx, &key, source, mount.read_only));
        }
        mounts.push(mount);
    }
    Ok(mounts)
}

/// A bind of a host path outside the project folder: valid, and sometimes meant, but a project someone
/// hands a new developer should not quietly read their SSH keys or take over Docker.
fn outside_project(ctx: &Ctx, key: &str, source: &str, read_only: bool) -> Option<Warning> {
    let path = std::path::Path::new(source);
    let dir = super::context::normalize(ctx.dir);
    let inside = if dir.as_os_str().is_empty() {
        path.is_relative() && !source.starts_with("..")
    } else {
        path.starts_with(&dir)
    };
    if inside {
        return None;
    }
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let in_home = |sub: &str| home.as_ref().is_some_and(|h| path.starts_with(h.join(sub)));
    let why = if path == std::path::Path::new("/") {
        "mounts the host's whole filesystem into the container".to_owned()
    } else if source.ends_with("docker.sock") {
        "gives the container control of Docker, which is root on this machine".to_owned()
    } else if [".ssh", ".aws", ".gnupg", ".kube", ".docker", ".config/gcloud"]
        .iter()
        .any(|s| in_home(s))
    {
        "exposes your personal credentials to the container".to_owned()
    } else if ["/etc", "/root", "/home", "/Users"]
        .iter()
        .any(|p| path.starts_with(p))
        && path.components().count() <= 2
    {
        "exposes a system or home folder to the container".to_owned()
    } else {
        "is outside the project folder".to_owned()
    };
    let access = if read_only { "read" } else { "read and change" };
    Some(ctx.warning(
        key,
        format!(
            "bind mount of {source} {why}: the container can {access} it. Mount a folder inside the project \
             instead, unless you trust this project with it"
        ),
    ))
}

fn parse_short(ctx: &Ctx, text: &str) -> Result<Mount, String> {
    let parts: Vec<&str> = text.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [target] => (None, *target, None),
        [source, target] => (Some(*source), *target, None),
        [source, target, mode] => (Some(*source), *target, Some(*mode)),
        _ => return Err("expected at most source:target:mode".into()),
    };
    check_target(target)?;
    let mut read_only = false;
    if let Some(mode) = mode {
        for m in mode.split(',') {
            if !MODES.contains(&m) {
                return Err(format!("mode {m:?} is not one of {}", MODES.join(", ")));
            }
            read_only |= m == "ro";
        }
    }
    let (kind, source) = match source {
        None => (MountType::Volume, None),
        Some("") => return Err("the source before `:` is empty".into()),
        Some(s) if is_path(s) => (MountType::Bind, Some(ctx.absolute(s))),
        Some(s) => (MountType::Volume, Some(s.to_string())),
    };
    Ok(Mount {
        bind: (kind == MountType::Bind).then_some(BindOptions {
            create_host_path: true,
        }),
        kind,
        source,
        target: target.to_string(),
        read_only,
    })
}

/// Compose's rule: a source that looks like a path is a bind, anything else names a volume.
fn is_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.') || s.starts_with('~')
}

fn check_target(target: &str) -> Result<(), String> {
    if target.starts_with('/') {
        Ok(())
    } else {
        Err(format!("the container path {target:?} must be absolute"))
    }
}

fn parse_long(ctx: &Ctx, key: &str, value: &Value, warnings: &mut Vec<Warning>) -> Result<Mount, CoreError> {
    let Value::Mapping(map) = value else {
        return Err(ctx.invalid(key, EXPECTED, value));
    };
    let text = |field: &str| map.get(field).and_then(scalar_text);
    let kind = match text("type").as_deref() {
        Some("volume") => MountType::Volume,
        Some("bind") => MountType::Bind,
        Some("tmpfs") => MountType::Tmpfs,
        Some(other) => {
            return Err(ctx.invalid_text(
                &format!("{key}.type"),
                "volume, bind or tmpfs",
                format!("{other:?}"),
            ));
        }
        None => {
            return Err(ctx.invalid_text(key, "a `type` (volume, bind or tmpfs)", "a mapping without one"));
        }
    };
    let target = text("target")
        .ok_or_else(|| ctx.invalid_text(key, "a `target` container path", "a mapping without one"))?;
    check_target(&target)
        .map_err(|why| ctx.invalid_text(&format!("{key}.target"), "an absolute path", why))?;
    let source = match (kind, text("source")) {
        (MountType::Bind, Some(s)) => Some(ctx.absolute(&s)),
        (MountType::Bind, None) => {
            return Err(ctx.invalid_text(key, "a `source` host path for a bind", "none"));
        }
        (MountType::Tmpfs, _) => None,
        (MountType::Volume, s) => s.filter(|s| !s.is_empty()),
    };
    let read_only = match map.get("read_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(ctx.invalid(&format!("{key}.read_only"), "true or false", other)),
    };
    let bind = match (kind, map.get("bind")) {
        (MountType::Bind, Some(Value::Mapping(options))) => {
            let mut create_host_path = false;
            for (k, v) in options {
                let field = format!("{key}.bind.{}", k.as_str().unwrap_or_default());
                match (k.as_str(), v) {
                    (Some("create_host_path"), Value::Bool(b)) => create_host_path = *b,
                    (Some("create_host_path"), other) => {
                        return Err(ctx.invalid(&field, "true or false", other));
                    }
                    _ => warnings.push(ctx.warning(&field, "not supported by EnvDeck; ignored")),
                }
            }
            Some(BindOptions { create_host_path })
        }
        (_, None) => None,
        (_, Some(other)) => {
            return Err(ctx.invalid(
                &format!("{key}.bind"),
                "a mapping such as {create_host_path: true} on a bind",
                other,
            ));
        }
    };
    for (k, _) in map {
        let k = k.as_str().unwrap_or_default();
        if !matches!(k, "type" | "source" | "target" | "read_only" | "bind") {
            warnings.push(ctx.warning(&format!("{key}.{k}"), "not supported by EnvDeck; ignored"));
        }
    }
    Ok(Mount {
        kind,
        source,
        target,
        read_only,
        bind,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn ctx() -> Ctx<'static> {
        Ctx {
            file: Path::new("/p/docker-compose.yml"),
            dir: Path::new("/p"),
            service: Some("db"),
        }
    }

    #[test]
    fn short_syntax_distinguishes_binds_named_and_anonymous_volumes() {
        let m = parse_short(&ctx(), "./data/../pg:/var/lib/pg:ro").unwrap();
        assert_eq!(
            (m.kind, m.source.as_deref(), m.read_only),
            (
                MountType::Bind,
                Some(if cfg!(windows) { r"\p\pg" } else { "/p/pg" }),
                true
            )
        );
        let m = parse_short(&ctx(), "pgdata:/var/lib/pg").unwrap();
        assert_eq!(
            (m.kind, m.source.as_deref()),
            (MountType::Volume, Some("pgdata")),
            "no leading ./ or / means a named volume"
        );
        let m = parse_short(&ctx(), "/cache").unwrap();
        assert_eq!(
            (m.kind, m.source),
            (MountType::Volume, None),
            "a lone path is an anonymous volume"
        );
    }

    #[test]
    fn relative_targets_and_unknown_modes_are_refused() {
        assert!(
            parse_short(&ctx(), "pg:data").is_err(),
            "container paths are absolute"
        );
        assert!(parse_short(&ctx(), "pg:/data:rx").is_err(), "rx is no mode");
        assert!(parse_short(&ctx(), "a:/b:ro:extra").is_err());
    }
}
