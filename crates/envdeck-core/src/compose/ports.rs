//! `ports:` in both syntaxes (`"127.0.0.1:8000-8001:80-81/udp"` and the long mapping) expanded to one
//! [`Port`] per container port, checked to be real port numbers.

use serde_norway::Value;

use super::context::{Ctx, scalar_text};
use super::model::{Port, Protocol, Warning};
use crate::CoreError;

const EXPECTED: &str = "a port such as 8000, \"8000:8000\", \"127.0.0.1:5432:5432/tcp\", \"9000-9001:9000-9001\" or a mapping with `target`";

pub fn parse_ports(ctx: &Ctx, value: &Value, warnings: &mut Vec<Warning>) -> Result<Vec<Port>, CoreError> {
    let Value::Sequence(items) = value else {
        return Err(ctx.invalid("ports", "a list of ports", value));
    };
    let mut ports = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let key = format!("ports[{i}]");
        match item {
            Value::Mapping(_) => ports.push(parse_long(ctx, &key, item, warnings)?),
            other => {
                let text = scalar_text(other).ok_or_else(|| ctx.invalid(&key, EXPECTED, other))?;
                ports.extend(
                    parse_short(&text)
                        .map_err(|why| ctx.invalid_text(&key, EXPECTED, format!("{text:?} ({why})")))?,
                );
            }
        }
        if let Some(port) = ports.last().filter(|p| all_interfaces(p)) {
            let published = port.published.as_deref().unwrap_or("");
            warnings.push(ctx.warning(
                &key,
                format!(
                    "publishes container port {} on every network interface ({}): anyone on your network can \
                     reach it. Write \"127.0.0.1:{published}:{}\" unless it must be public",
                    port.target,
                    port.host_ip.as_deref().unwrap_or_default(),
                    port.target
                ),
            ));
        }
    }
    Ok(ports)
}

/// An explicit any-address binding; no address means loopback in EnvDeck (the engine's default).
fn all_interfaces(port: &Port) -> bool {
    port.host_ip
        .as_deref()
        .is_some_and(crate::address::is_any_address)
}

/// Parses the short syntax; the error says what is wrong in words.
pub fn parse_short(text: &str) -> Result<Vec<Port>, String> {
    let (spec, protocol) = match text.rsplit_once('/') {
        Some((spec, proto)) => (spec, parse_protocol(proto)?),
        None => (text, Protocol::Tcp),
    };
    let (host_ip, rest) = split_host_ip(spec)?;
    let (published, target) = match rest.rsplit_once(':') {
        Some((p, t)) => (Some(p), t),
        None => (None, rest),
    };
    let targets = parse_range(target)?;
    let published = match published {
        None | Some("") => None,
        Some(p) => Some((p, parse_range(p)?)),
    };
    let mut out = Vec::new();
    match published {
        None => {
            for t in targets.0..=targets.1 {
                out.push(Port {
                    target: t,
                    published: None,
                    host_ip: host_ip.clone(),
                    protocol,
                });
            }
        }
        Some((_, (lo, hi))) if targets.0 == targets.1 || hi - lo == targets.1 - targets.0 => {
            if targets.0 == targets.1 && lo != hi {
                // One container port on any host port of a range: the engine picks one.
                out.push(Port {
                    target: targets.0,
                    published: Some(format!("{lo}-{hi}")),
                    host_ip,
                    protocol,
                });
            } else {
                for (offset, t) in (targets.0..=targets.1).enumerate() {
                    let p = u32::from(lo) + offset as u32;
                    out.push(Port {
                        target: t,
                        published: Some(p.to_string()),
                        host_ip: host_ip.clone(),
                        protocol,
                    });
                }
            }
        }
        Some((p, _)) => {
            return Err(format!(
                "host range {p} and container range {target} differ in length"
            ));
        }
    }
    Ok(out)
}

fn split_host_ip(spec: &str) -> Result<(Option<String>, &str), String> {
    if let Some(rest) = spec.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or("`[` opens an IPv6 address that `]` never closes")?;
        let after = after
            .strip_prefix(':')
            .ok_or("expected `:` after the bracketed address")?;
        return Ok((Some(ip.to_string()), after));
    }
    // host_ip:published:target — the address is whatever precedes the last two fields.
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    if parts.len() == 3 {
        let ip = parts[2];
        let rest = &spec[ip.len() + 1..];
        return Ok(((!ip.is_empty()).then(|| ip.to_string()), rest));
    }
    Ok((None, spec))
}

fn parse_range(text: &str) -> Result<(u16, u16), String> {
    let (lo, hi) = match text.split_once('-') {
        Some((lo, hi)) => (parse_port(lo)?, parse_port(hi)?),
        None => {
            let p = parse_port(text)?;
            (p, p)
        }
    };
    if hi < lo {
        return Err(format!("range {text} ends before it starts"));
    }
    Ok((lo, hi))
}

fn parse_port(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(p as u16),
        Ok(p) => Err(format!("{p} is outside 1-65535")),
        Err(_) => Err(format!("{text:?} is not a port number")),
    }
}

fn parse_protocol(text: &str) -> Result<Protocol, String> {
    match text.to_ascii_lowercase().as_str() {
        "tcp" => Ok(Protocol::Tcp),
        "udp" => Ok(Protocol::Udp),
        "sctp" => Ok(Protocol::Sctp),
        other => Err(format!("protocol {other:?} is not tcp, udp or sctp")),
    }
}

fn parse_long(ctx: &Ctx, key: &str, value: &Value, warnings: &mut Vec<Warning>) -> Result<Port, CoreError> {
    let Value::Mapping(map) = value else {
        return Err(ctx.invalid(key, EXPECTED, value));
    };
    let text = |field: &str| -> Result<Option<String>, CoreError> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => scalar_text(v)
                .map(Some)
                .ok_or_else(|| ctx.invalid(&format!("{key}.{field}"), "a single value", v)),
        }
    };
    let target = text("target")?
        .ok_or_else(|| ctx.invalid_text(key, "a `target` container port", "a mapping without one"))?;
    let target = parse_port(&target)
        .map_err(|why| ctx.invalid_text(&format!("{key}.target"), "a port 1-65535", why))?;
    let published = match text("published")? {
        Some(p) => {
            parse_range(&p)
                .map_err(|why| ctx.invalid_text(&format!("{key}.published"), "a port or range", why))?;
            Some(p)
        }
        None => None,
    };
    let protocol = match text("protocol")? {
        Some(p) => parse_protocol(&p)
            .map_err(|why| ctx.invalid_text(&format!("{key}.protocol"), "tcp, udp or sctp", why))?,
        None => Protocol::Tcp,
    };
    for (k, _) in map {
        let k = k.as_str().unwrap_or_default();
        if !matches!(k, "target" | "published" | "host_ip" | "protocol") {
            warnings.push(ctx.warning(&format!("{key}.{k}"), "not supported by EnvDeck; ignored"));
        }
    }
    Ok(Port {
        target,
        published,
        host_ip: text("host_ip")?,
        protocol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Port {
        let mut p = parse_short(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(p.len(), 1, "{text} is one port");
        p.remove(0)
    }

    #[test]
    fn short_syntax_forms() {
        assert_eq!(
            one("3000"),
            Port {
                target: 3000,
                published: None,
                host_ip: None,
                protocol: Protocol::Tcp
            }
        );
        assert_eq!(one("8000:80").published.as_deref(), Some("8000"));
        let p = one("127.0.0.1:5432:5432/udp");
        assert_eq!(
            (p.host_ip.as_deref(), p.protocol),
            (Some("127.0.0.1"), Protocol::Udp)
        );
        assert_eq!(
            one("127.0.0.1::80").published,
            None,
            "empty host port: the engine picks one"
        );
        assert_eq!(one("[::1]:80:80").host_ip.as_deref(), Some("::1"));
        assert_eq!(one("8000-8010:80").published.as_deref(), Some("8000-8010"));
        let range = parse_short("9000-9002:8000-8002").unwrap();
        assert_eq!(
            range
                .iter()
                .map(|p| (p.published.clone().unwrap_or_default(), p.target))
                .collect::<Vec<_>>(),
            vec![
                ("9000".into(), 8000),
                ("9001".into(), 8001),
                ("9002".into(), 8002)
            ]
        );
    }

    #[test]
    fn bad_ports_are_refused_with_a_reason() {
        for bad in ["0", "70000", "80:abc", "80/xtp", "9000-9001:80-82", "10-5", ""] {
            assert!(parse_short(bad).is_err(), "{bad:?} is not a valid port");
        }
    }
}
