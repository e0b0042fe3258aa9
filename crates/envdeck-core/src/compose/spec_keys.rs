//! The keys the Compose Specification defines, so that a key it does not define (a typo such as
//! `imgae`) is an error naming it, as compose v2 refuses it, while a key it defines that EnvDeck does
//! not act on stays a warning. `x-` keys are the files' own and always allowed.

use super::context::Ctx;
use crate::CoreError;

/// A service's keys in the specification.
#[rustfmt::skip]
pub const SERVICE: &[&str] = &[
    "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent",
    "command", "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota",
    "cpu_rt_period", "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on",
    "deploy", "develop", "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname",
    "entrypoint", "env_file", "environment", "expose", "extends", "external_links", "extra_hosts", "gpus",
    "group_add", "healthcheck", "hostname", "image", "init", "ipc", "isolation", "label_file", "labels",
    "links", "logging", "mac_address", "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit",
    "models", "network_mode", "networks", "oom_kill_disable", "oom_score_adj", "pid", "pids_limit",
    "platform", "ports", "post_start", "pre_stop", "privileged", "profiles", "provider", "pull_policy",
    "read_only", "restart", "runtime", "scale", "secrets", "security_opt", "shm_size", "stdin_open",
    "stop_grace_period", "stop_signal", "storage_opt", "sysctls", "tmpfs", "tty", "ulimits",
    "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from", "working_dir",
];

/// A compose file's top-level keys in the specification.
#[rustfmt::skip]
pub const TOP_LEVEL: &[&str] = &[
    "configs", "include", "models", "name", "networks", "secrets", "services", "version", "volumes",
];

/// Whether `key` may appear where `known` are the specification's keys.
pub fn defined(key: &str, known: &[&str]) -> bool {
    key.starts_with("x-") || known.contains(&key)
}

/// The error for a key the specification does not define, with the defined key it is nearest to
/// (a letter or two away) as the likely meaning.
pub fn unknown(ctx: &Ctx, key: &str, known: &[&str], what: &str) -> CoreError {
    let nearest = known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, _)| *d <= 2)
        .min();
    let found = match nearest {
        Some((_, k)) => format!("`{key}`; did you mean `{k}`?"),
        None => format!("`{key}`; check its spelling, or name it `x-{key}` for a key of your own"),
    };
    ctx.invalid_text(key, &format!("{what} of the Compose Specification"), found)
}

/// Levenshtein distance, in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substituted = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substituted.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_near_the_key_it_meant() {
        assert_eq!(distance("imgae", "image"), 2);
        assert_eq!(distance("servics", "services"), 1);
        assert_eq!(distance("ports", "ports"), 0);
        assert!(defined("x-anything", SERVICE) && defined("logging", SERVICE) && !defined("imgae", SERVICE));
    }
}
