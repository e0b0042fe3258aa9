//! `extends:`: a service built on another one, of the same file or of another file, merged by the
//! overlay rules (merge.rs). As in compose v2, the base keeps its own file's folder for its relative
//! paths (binds, build context, env files), a chain of `extends` is followed to its end, and a chain that
//! comes back to a service it passed is an error naming the whole circle.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};

use super::context::{Ctx, normalize};
use super::merge::merge_service;
use super::model::Warning;
use super::service::{ServiceLayer, parse_service};
use super::variables::Variables;
use crate::CoreError;

/// The `services:` of every file a load reads, each read and interpolated once.
pub(super) struct Bases<'v> {
    vars: &'v Variables,
    services: HashMap<PathBuf, Mapping>,
}

/// A service as one file names it: `file`'s service `name`, its relative paths against `dir`.
#[derive(Debug, Clone)]
struct Link {
    file: PathBuf,
    dir: PathBuf,
    name: String,
}

impl<'v> Bases<'v> {
    pub(super) fn new(vars: &'v Variables) -> Self {
        Self {
            vars,
            services: HashMap::new(),
        }
    }

    /// Records a file's `services:` (already interpolated), so the services of that file can extend
    /// each other.
    pub(super) fn know(&mut self, file: &Path, services: &Value) {
        if let Value::Mapping(map) = services {
            self.services.insert(file.to_path_buf(), map.clone());
        }
    }

    /// Service `name` of `file` as a layer, every `extends` under it applied.
    pub(super) fn layer(
        &mut self,
        file: &Path,
        dir: &Path,
        name: &str,
        warnings: &mut Vec<Warning>,
    ) -> Result<ServiceLayer, CoreError> {
        let link = Link {
            file: file.to_path_buf(),
            dir: dir.to_path_buf(),
            name: name.to_owned(),
        };
        self.resolve(&link, &mut Vec::new(), warnings)
    }

    fn resolve(
        &mut self,
        link: &Link,
        chain: &mut Vec<Link>,
        warnings: &mut Vec<Warning>,
    ) -> Result<ServiceLayer, CoreError> {
        let spec = self.spec(link, chain, warnings)?;
        let ctx = Ctx {
            file: &link.file,
            dir: &link.dir,
            service: Some(&link.name),
        };
        let (extends, own) = match spec {
            Value::Mapping(mut map) => match map.remove("extends") {
                Some(extends) => (Some(extends), Value::Mapping(map)),
                None => (None, Value::Mapping(map)),
            },
            other => (None, other),
        };
        let Some(extends) = extends else {
            return parse_service(&ctx, &own, self.vars, warnings);
        };
        let base = base_of(&ctx, &extends)?;
        chain.push(link.clone());
        if let Some(start) = chain
            .iter()
            .position(|l| l.file == base.file && l.name == base.name)
        {
            return Err(CoreError::ExtendsCycle {
                file: chain[start].file.clone(),
                service: chain[start].name.clone(),
                circle: circle(&chain[start..], &base),
            });
        }
        let mut layer = self.resolve(&base, chain, warnings)?;
        chain.pop();
        merge_service(&mut layer, parse_service(&ctx, &own, self.vars, warnings)?);
        Ok(layer)
    }

    /// The mapping of `link`'s service; `chain` names who asked for it when it is not there.
    fn spec(&mut self, link: &Link, chain: &[Link], warnings: &mut Vec<Warning>) -> Result<Value, CoreError> {
        if !self.services.contains_key(&link.file) {
            let asker = chain.last().expect("only a base can be in a file not read yet");
            let text = crate::files::read_text(&link.file).map_err(|e| CoreError::ExtendsFile {
                file: asker.file.clone(),
                service: asker.name.clone(),
                path: link.file.clone(),
                reason: match e {
                    CoreError::Read { source, .. } => crate::files::why_unreadable(&source),
                    other => other.to_string(),
                },
            })?;
            let services = super::load::interpolated(&link.file, &text, self.vars, warnings)?
                .and_then(|mut top| top.remove("services"))
                .unwrap_or(Value::Null);
            self.services.insert(
                link.file.clone(),
                match services {
                    Value::Mapping(map) => map,
                    _ => Mapping::new(),
                },
            );
        }
        let services = &self.services[&link.file];
        match services.get(link.name.as_str()) {
            Some(spec) => Ok(spec.clone()),
            None => {
                let asker = chain.last().expect("a service the loader lists is in its file");
                let known: Vec<&str> = services.keys().filter_map(Value::as_str).collect();
                Err(CoreError::ExtendsUnknown {
                    file: asker.file.clone(),
                    service: asker.name.clone(),
                    base: link.name.clone(),
                    base_file: link.file.clone(),
                    known: if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    },
                })
            }
        }
    }
}

/// What `extends` names: a service of the same file (`extends: base`, or without `file`), or of
/// another file, whose path is relative to the file that says it.
fn base_of(ctx: &Ctx, extends: &Value) -> Result<Link, CoreError> {
    let expected = "a service name, or a mapping with `service` (and `file` for another file)";
    let (file, name) = match extends {
        Value::String(name) => (None, name.clone()),
        Value::Mapping(map) => {
            let text = |key: &str| match map.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(other) => Err(ctx.invalid(&format!("extends.{key}"), "a string", other)),
            };
            if let Some(key) = map
                .keys()
                .filter_map(Value::as_str)
                .find(|k| !matches!(*k, "service" | "file"))
            {
                return Err(ctx.invalid_text(
                    &format!("extends.{key}"),
                    "only `service` and `file`",
                    "another key",
                ));
            }
            let name = text("service")?.ok_or_else(|| ctx.invalid("extends", expected, extends))?;
            (text("file")?, name)
        }
        other => return Err(ctx.invalid("extends", expected, other)),
    };
    Ok(match file {
        None => Link {
            file: ctx.file.to_path_buf(),
            dir: ctx.dir.to_path_buf(),
            name,
        },
        Some(path) => {
            let beside = ctx.file.parent().unwrap_or(Path::new(""));
            let file = normalize(&beside.join(path));
            let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
            Link { file, dir, name }
        }
    })
}

/// `web (compose.yaml) -> base (common.yml) -> web (compose.yaml)`: the services of the circle, and the
/// one it comes back to.
fn circle(links: &[Link], back: &Link) -> String {
    let said = |l: &Link| {
        let file = l
            .file
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{} ({file})", l.name)
    };
    links
        .iter()
        .chain(std::iter::once(back))
        .map(said)
        .collect::<Vec<_>>()
        .join(" -> ")
}
