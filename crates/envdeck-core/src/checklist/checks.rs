//! The eight checks. Each returns one line: passed when nothing is wrong, otherwise every problem
//! found, each naming the service and the variable (never its value) and what to change.

use super::{ChecklistItem, Exposure};
use crate::address::{self, WebUrl};
use crate::compose::{ComposeModel, Service};
use crate::secret::policy::is_placeholder;
use crate::secret::{SecretSpec, Supply};

fn line(id: &str, title: &str, problems: Vec<String>, ok: impl Into<String>) -> ChecklistItem {
    ChecklistItem {
        id: id.to_string(),
        title: title.to_string(),
        passed: problems.is_empty(),
        reason: if problems.is_empty() {
            ok.into()
        } else {
            problems.join("; ")
        },
    }
}

fn var<'a>(service: &'a Service, name: &str) -> Option<&'a str> {
    service.environment.get(name).and_then(|v| v.as_deref())
}

fn is_true(value: &str) -> bool {
    ["true", "1", "yes", "on"]
        .iter()
        .any(|t| value.trim().eq_ignore_ascii_case(t))
}

fn is_false(value: &str) -> bool {
    ["false", "0", "no", "off"]
        .iter()
        .any(|f| value.trim().eq_ignore_ascii_case(f))
}

/// The services that run the application: they set `SECRET_KEY` or `DEBUG`.
fn app_services(model: &ComposeModel) -> Vec<(&str, &Service)> {
    model
        .services
        .iter()
        .filter(|(_, s)| s.environment.contains_key("SECRET_KEY") || s.environment.contains_key("DEBUG"))
        .map(|(n, s)| (n.as_str(), s))
        .collect()
}

pub(super) fn debug(model: &ComposeModel) -> ChecklistItem {
    let apps = app_services(model);
    let problems = apps
        .iter()
        .filter_map(|(name, s)| match var(s, "DEBUG") {
            Some(v) if is_false(v) => None,
            Some(v) => Some(format!("`{name}` sets DEBUG={v}: set DEBUG=false")),
            None => Some(format!("`{name}` does not set DEBUG: set DEBUG=false explicitly")),
        })
        .collect();
    line("debug", "DEBUG=false", problems, ok_for(&apps, "DEBUG=false"))
}

fn ok_for(apps: &[(&str, &Service)], what: &str) -> String {
    if apps.is_empty() {
        "no service sets SECRET_KEY or DEBUG: nothing to check".to_string()
    } else {
        let names: Vec<&str> = apps.iter().map(|(n, _)| *n).collect();
        format!("{what} in {}", names.join(", "))
    }
}

pub(super) fn secret_key(
    env: &str,
    exposure: Exposure,
    model: &ComposeModel,
    specs: &[SecretSpec],
) -> ChecklistItem {
    let min = exposure.min_secret_key();
    let title = format!("SECRET_KEY of {min}+ characters");
    let mut problems = Vec::new();
    let spec = specs.iter().find(|s| s.name == "SECRET_KEY");
    let fix = format!("set `length = {min}` under [environments.{env}.secrets.SECRET_KEY] in envdeck.toml");
    match spec.map(|s| s.supply) {
        Some(Supply::Generate(strength)) if strength.length < min => problems.push(format!(
            "SECRET_KEY is generated with {} characters: {fix}",
            strength.length
        )),
        Some(_) => {}
        None => problems.push(format!(
            "SECRET_KEY is not a secret of this environment: add it empty to .env.{env}.example, or {fix}"
        )),
    }
    for (name, s) in app_services(model) {
        match var(s, "SECRET_KEY").map(|v| v.chars().count()) {
            // Not generated yet: EnvDeck generates it with the spec's length on the first start.
            Some(0) | None if matches!(spec.map(|s| s.supply), Some(Supply::Generate(_))) => {}
            Some(len) if len >= min => {}
            Some(len) => problems.push(format!(
                "`{name}` gets a SECRET_KEY of {len} characters: rotate it (or enter a new one) with {min} or more"
            )),
            None => problems.push(format!("`{name}` gets no SECRET_KEY: set SECRET_KEY for it")),
        }
    }
    line(
        "secret_key",
        &title,
        problems,
        format!("SECRET_KEY has {min} characters or more"),
    )
}

/// Values the seeds call defaults or placeholders ("changeme", "admin", "password123", the guide's
/// `STRONG_PASSWORD`), compared without case.
const DEFAULTS: &[&str] = &[
    "changeme",
    "change_me",
    "admin",
    "administrator",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "secret",
    "postgres",
    "root",
    "test",
    "test_password",
    "default",
    "guest",
    "letmein",
    "123456",
    "12345678",
    "qwerty",
    "redis",
    "pgadmin",
    "strong_password",
    "very_strong_password",
];

fn is_default(value: &str) -> bool {
    let v = value.trim();
    DEFAULTS.iter().any(|d| v.eq_ignore_ascii_case(d)) || is_placeholder(v)
}

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["PASSWORD", "PASSWD", "SECRET", "TOKEN"]
        .iter()
        .any(|w| upper.contains(w))
        || upper.ends_with("_KEY")
}

/// The password of `scheme://user:password@host` URLs.
fn url_password(value: &str) -> Option<&str> {
    let rest = value.split_once("://")?.1;
    let userinfo = rest.split(['/', '?', '#']).next()?.rsplit_once('@')?.0;
    userinfo.split_once(':').map(|(_, p)| p)
}

pub(super) fn default_passwords(model: &ComposeModel) -> ChecklistItem {
    let mut problems = Vec::new();
    for (service, s) in &model.services {
        for (name, value) in &s.environment {
            let Some(value) = value.as_deref() else { continue };
            // Empty is "not set yet" (generated or entered at start), not a default.
            if secret_name(name) && !value.is_empty() && is_default(value) {
                problems.push(format!(
                    "`{service}`: {name} is a well-known default or placeholder: let EnvDeck generate it"
                ));
            }
            if url_password(value).is_some_and(|p| !p.is_empty() && is_default(p)) {
                problems.push(format!(
                    "`{service}`: {name} has a well-known default password in its URL: use ${{..._PASSWORD}} from the keychain"
                ));
            }
        }
    }
    line(
        "default_passwords",
        "No default passwords",
        problems,
        "no password, secret or URL credential is a well-known default",
    )
}

fn is_local_origin(origin: &str) -> bool {
    WebUrl::origin(origin).is_some_and(|origin| origin.on_this_machine())
}

pub(super) fn cors(model: &ComposeModel) -> ChecklistItem {
    let mut problems = Vec::new();
    let mut seen = 0;
    for (service, s) in &model.services {
        for (name, value) in &s.environment {
            let upper = name.to_ascii_uppercase();
            if !(upper.contains("CORS") && upper.contains("ORIGIN")) {
                continue;
            }
            seen += 1;
            let origins = value
                .as_deref()
                .unwrap_or("")
                .split(|c: char| c == ',' || c.is_whitespace())
                .map(|o| o.trim_matches(|c| matches!(c, '[' | ']' | '"' | '\'')))
                .filter(|o| !o.is_empty());
            for origin in origins {
                if origin == "*" {
                    problems.push(format!(
                        "`{service}`: {name} allows every origin (`*`): list the production domains"
                    ));
                } else if is_local_origin(origin) {
                    problems.push(format!(
                        "`{service}`: {name} allows {origin}: remove local origins outside development"
                    ));
                }
            }
        }
    }
    let ok = if seen == 0 {
        "no service sets CORS origins: cross-origin requests are refused"
    } else {
        "CORS origins name real domains only"
    };
    line("cors", "CORS without `*` or localhost", problems, ok)
}

pub(super) fn smtp_tls(model: &ComposeModel) -> ChecklistItem {
    let mut problems = Vec::new();
    let mut senders = Vec::new();
    for (service, s) in &model.services {
        if var(s, "SMTP_HOST").is_none_or(|h| h.trim().is_empty()) {
            continue;
        }
        senders.push(service.as_str());
        let tls = var(s, "SMTP_TLS").is_some_and(is_true) || var(s, "SMTP_SSL").is_some_and(is_true);
        if !tls {
            problems.push(format!("`{service}` sends email without TLS: set SMTP_TLS=true"));
        }
    }
    let ok = if senders.is_empty() {
        "no service sets SMTP_HOST: no email leaves the stack".to_string()
    } else {
        format!("SMTP_TLS=true in {}", senders.join(", "))
    };
    line("smtp_tls", "SMTP_TLS=true", problems, ok)
}

pub(super) fn bcrypt_rounds(model: &ComposeModel) -> ChecklistItem {
    let apps = app_services(model);
    let problems = apps
        .iter()
        .filter_map(
            |(name, s)| match var(s, "BCRYPT_ROUNDS").map(|v| v.trim().parse::<u32>()) {
                Some(Ok(rounds)) if rounds >= 12 => None,
                Some(Ok(rounds)) => Some(format!(
                    "`{name}` hashes with BCRYPT_ROUNDS={rounds}: set 12 or more (14 in production)"
                )),
                Some(Err(_)) => Some(format!("`{name}`: BCRYPT_ROUNDS is not a number: set 12 or more")),
                None => Some(format!(
                    "`{name}` does not set BCRYPT_ROUNDS: set 12 or more (14 in production)"
                )),
            },
        )
        .collect();
    line(
        "bcrypt_rounds",
        "BCRYPT_ROUNDS >= 12",
        problems,
        ok_for(&apps, "BCRYPT_ROUNDS >= 12"),
    )
}

pub(super) fn docs_hidden(model: &ComposeModel) -> ChecklistItem {
    let apps = app_services(model);
    let problems = apps
        .iter()
        .filter_map(|(name, s)| {
            let flag = var(s, "DOCS_ENABLED").or_else(|| var(s, "ENABLE_DOCS"));
            let url_off = var(s, "DOCS_URL").is_some_and(|u| {
                u.trim().is_empty() || u.eq_ignore_ascii_case("none") || u.eq_ignore_ascii_case("null")
            });
            match flag {
                Some(v) if is_false(v) => None,
                _ if url_off => None,
                Some(_) => Some(format!("`{name}` serves the API docs: set DOCS_ENABLED=false")),
                // FastAPI serves /docs unless told otherwise.
                None => Some(format!(
                    "`{name}` does not hide the API docs: set DOCS_ENABLED=false"
                )),
            }
        })
        .collect();
    line(
        "docs_hidden",
        "API docs hidden (/docs, /redoc)",
        problems,
        ok_for(&apps, "docs off"),
    )
}

pub(super) fn public_ports(model: &ComposeModel) -> ChecklistItem {
    let mut problems = Vec::new();
    for (service, s) in &model.services {
        for port in &s.ports {
            // No host address: EnvDeck publishes on 127.0.0.1.
            if address::is_loopback(port.host_ip.as_deref()) {
                continue;
            }
            let ip = port.host_ip.as_deref().unwrap_or_default();
            let ip = if ip.is_empty() { "every address" } else { ip };
            match port.published.as_deref() {
                Some("80") | Some("443") => {}
                Some(published) => problems.push(format!(
                    "`{service}` publishes {published} on {ip}: bind it to 127.0.0.1 (\"127.0.0.1:{published}:{}\")",
                    port.target
                )),
                None => problems.push(format!(
                    "`{service}` publishes container port {} on a random port of {ip}: bind it to 127.0.0.1",
                    port.target
                )),
            }
        }
    }
    line(
        "public_ports",
        "Only 80/443 public",
        problems,
        "every other published port is bound to the loopback address",
    )
}
