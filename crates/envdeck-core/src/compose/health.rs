//! `healthcheck:` and `depends_on:`, the two keys that decide when a service counts as started.

use serde_norway::Value;

use super::context::{Ctx, scalar_text};
use super::model::{ComposeDuration, Condition, Dependency, Healthcheck, Warning};
use super::units::parse_duration;
use crate::CoreError;

pub fn parse_healthcheck(
    ctx: &Ctx,
    value: &Value,
    warnings: &mut Vec<Warning>,
) -> Result<Healthcheck, CoreError> {
    let Value::Mapping(map) = value else {
        return Err(ctx.invalid(
            "healthcheck",
            "a mapping with `test`, `interval`, `timeout`, `retries`",
            value,
        ));
    };
    let mut h = Healthcheck::default();
    for (k, v) in map {
        let k = k.as_str().unwrap_or_default();
        let key = format!("healthcheck.{k}");
        match k {
            "test" => h.test = parse_test(ctx, &key, v)?,
            "interval" => h.interval = duration(ctx, &key, v)?,
            "timeout" => h.timeout = duration(ctx, &key, v)?,
            "start_period" => h.start_period = duration(ctx, &key, v)?,
            "start_interval" => h.start_interval = duration(ctx, &key, v)?,
            "retries" => {
                h.retries = match v {
                    Value::Null => None,
                    Value::Number(n) => Some(
                        n.as_u64()
                            .ok_or_else(|| ctx.invalid(&key, "a whole number >= 0", v))?,
                    ),
                    other => return Err(ctx.invalid(&key, "a whole number >= 0", other)),
                }
            }
            "disable" => h.disable = matches!(v, Value::Bool(true)),
            _ => warnings.push(ctx.warning(&key, "not supported by EnvDeck; ignored")),
        }
    }
    if h.test.first().map(String::as_str) == Some("NONE") {
        h.disable = true;
        h.test.clear();
    }
    Ok(h)
}

fn parse_test(ctx: &Ctx, key: &str, value: &Value) -> Result<Vec<String>, CoreError> {
    const EXPECTED: &str = "a shell command string, or a list starting with CMD, CMD-SHELL or NONE";
    match value {
        Value::String(s) => Ok(vec!["CMD-SHELL".to_string(), s.clone()]),
        Value::Sequence(items) => {
            let words: Vec<String> = items
                .iter()
                .map(|i| scalar_text(i).ok_or_else(|| ctx.invalid(key, EXPECTED, i)))
                .collect::<Result<_, _>>()?;
            match words.first().map(String::as_str) {
                Some("CMD" | "CMD-SHELL" | "NONE") => Ok(words),
                Some(first) => {
                    Err(ctx.invalid_text(key, EXPECTED, format!("a list starting with {first:?}")))
                }
                None => Err(ctx.invalid_text(key, EXPECTED, "an empty list")),
            }
        }
        other => Err(ctx.invalid(key, EXPECTED, other)),
    }
}

pub fn duration(ctx: &Ctx, key: &str, value: &Value) -> Result<Option<ComposeDuration>, CoreError> {
    const EXPECTED: &str = "a duration such as 30s, 1m30s or 500ms";
    match value {
        Value::Null => Ok(None),
        other => {
            let text = scalar_text(other).ok_or_else(|| ctx.invalid(key, EXPECTED, other))?;
            parse_duration(&text)
                .map(|d| Some(ComposeDuration(d)))
                .ok_or_else(|| ctx.invalid_text(key, EXPECTED, format!("{text:?}")))
        }
    }
}

/// `depends_on` as a list of names or a map of name → `{condition, restart, required}`.
pub fn parse_depends_on(ctx: &Ctx, value: &Value) -> Result<Vec<(String, Dependency)>, CoreError> {
    let started = || Dependency {
        condition: Condition::ServiceStarted,
        restart: false,
        required: true,
    };
    match value {
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok((s.clone(), started())),
                other => Err(ctx.invalid(&format!("depends_on[{i}]"), "a service name", other)),
            })
            .collect(),
        Value::Mapping(map) => {
            let mut out = Vec::new();
            for (name, spec) in map {
                let Some(name) = name.as_str() else {
                    return Err(ctx.invalid("depends_on", "service names as keys", name));
                };
                let key = format!("depends_on.{name}");
                let mut dep = started();
                match spec {
                    Value::Null => {}
                    Value::Mapping(spec) => {
                        if let Some(c) = spec.get("condition") {
                            dep.condition = match c.as_str() {
                                Some("service_started") => Condition::ServiceStarted,
                                Some("service_healthy") => Condition::ServiceHealthy,
                                Some("service_completed_successfully") => {
                                    Condition::ServiceCompletedSuccessfully
                                }
                                _ => {
                                    return Err(ctx.invalid(
                                        &format!("{key}.condition"),
                                        "service_started, service_healthy or service_completed_successfully",
                                        c,
                                    ));
                                }
                            };
                        }
                        for (field, slot) in [("restart", &mut dep.restart), ("required", &mut dep.required)]
                        {
                            match spec.get(field) {
                                None | Some(Value::Null) => {}
                                Some(Value::Bool(b)) => *slot = *b,
                                Some(other) => {
                                    return Err(ctx.invalid(
                                        &format!("{key}.{field}"),
                                        "true or false",
                                        other,
                                    ));
                                }
                            }
                        }
                    }
                    other => return Err(ctx.invalid(&key, "a mapping with `condition`", other)),
                }
                out.push((name.to_string(), dep));
            }
            Ok(out)
        }
        other => Err(ctx.invalid("depends_on", "a list of service names or a mapping", other)),
    }
}
