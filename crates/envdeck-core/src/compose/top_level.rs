//! The top-level `networks:` and `volumes:` of a file: what the engine creates besides containers.

use std::collections::BTreeMap;

use serde_norway::Value;

use super::context::{Ctx, scalar_text};
use super::model::{Ipam, IpamPool, Network, Volume, Warning};
use super::service::entries;
use crate::CoreError;

pub fn parse_networks(
    ctx: &Ctx,
    v: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<BTreeMap<String, Network>, CoreError> {
    let mut out = BTreeMap::new();
    for (name, spec) in entries(ctx, "networks", v)? {
        let key = format!("networks.{name}");
        let mut n = Network::default();
        for (k, val) in entries(ctx, &key, spec)? {
            let field = format!("{key}.{k}");
            match k {
                "name" => n.name = scalar_text(val).unwrap_or_default(),
                "driver" => n.driver = scalar_text(val),
                "external" => n.external = external(ctx, &field, val, &mut n.name)?,
                "internal" => n.internal = matches!(val, Value::Bool(true)),
                "labels" => n.labels = labels(ctx, &field, val)?,
                "ipam" => n.ipam = Some(ipam(ctx, &field, val, warnings)?),
                _ => warnings.push(ctx.warning(&field, "not supported by EnvDeck; ignored")),
            }
        }
        out.insert(name.to_string(), n);
    }
    Ok(out)
}

pub fn parse_volumes(
    ctx: &Ctx,
    v: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<BTreeMap<String, Volume>, CoreError> {
    let mut out = BTreeMap::new();
    for (name, spec) in entries(ctx, "volumes", v)? {
        let key = format!("volumes.{name}");
        let mut vol = Volume::default();
        for (k, val) in entries(ctx, &key, spec)? {
            let field = format!("{key}.{k}");
            match k {
                "name" => vol.name = scalar_text(val).unwrap_or_default(),
                "driver" => vol.driver = scalar_text(val),
                "external" => vol.external = external(ctx, &field, val, &mut vol.name)?,
                "labels" => vol.labels = labels(ctx, &field, val)?,
                _ => warnings.push(ctx.warning(&field, "not supported by EnvDeck; ignored")),
            }
        }
        out.insert(name.to_string(), vol);
    }
    Ok(out)
}

/// `external: true`, or the legacy `external: {name: x}` which also names the object.
fn external(ctx: &Ctx, key: &str, v: &Value, name: &mut String) -> Result<bool, CoreError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Mapping(m) => {
            if let Some(n) = m.get("name").and_then(scalar_text) {
                *name = n;
            }
            Ok(true)
        }
        other => Err(ctx.invalid(key, "true or false", other)),
    }
}

fn labels(ctx: &Ctx, key: &str, v: &Value) -> Result<BTreeMap<String, String>, CoreError> {
    let vars = super::variables::Variables::new();
    Ok(super::service::environment(ctx, key, v, &vars)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_default()))
        .collect())
}

fn ipam(ctx: &Ctx, key: &str, v: &Value, warnings: &mut Vec<Warning>) -> Result<Ipam, CoreError> {
    let mut ipam = Ipam::default();
    for (k, val) in entries(ctx, key, v)? {
        let field = format!("{key}.{k}");
        match k {
            "driver" => ipam.driver = scalar_text(val),
            "config" => {
                let Value::Sequence(pools) = val else {
                    return Err(ctx.invalid(&field, "a list of pools", val));
                };
                for pool in pools {
                    let mut p = IpamPool::default();
                    for (pk, pv) in entries(ctx, &field, pool)? {
                        match pk {
                            "subnet" => p.subnet = scalar_text(pv),
                            "gateway" => p.gateway = scalar_text(pv),
                            other => warnings.push(
                                ctx.warning(&format!("{field}.{other}"), "not supported by EnvDeck; ignored"),
                            ),
                        }
                    }
                    ipam.config.push(p);
                }
            }
            _ => warnings.push(ctx.warning(&field, "not supported by EnvDeck; ignored")),
        }
    }
    Ok(ipam)
}
