//! Overlays: how a later file's service changes an earlier one, by compose's rules. Mappings merge by
//! key, `ports`/`expose`/`dns`/`extra_hosts`/`env_file` append without duplicates, `volumes` merge by
//! container path, `command`/`entrypoint`/`healthcheck.test` and every single value are replaced.

use super::model::{Build, Deploy, Healthcheck, Network, Resources, Volume};
use super::service::ServiceLayer;

pub fn merge_service(base: &mut ServiceLayer, over: ServiceLayer) {
    for key in &over.resets {
        reset(base, key);
    }
    let b = &mut base.service;
    let o = over.service;
    replace(&mut b.image, o.image);
    replace(&mut b.command, o.command);
    replace(&mut b.entrypoint, o.entrypoint);
    replace(&mut b.restart, o.restart);
    replace(&mut b.container_name, o.container_name);
    replace(&mut b.working_dir, o.working_dir);
    replace(&mut b.user, o.user);
    replace(&mut b.hostname, o.hostname);
    replace(&mut b.stop_grace_period, o.stop_grace_period);
    b.build = match (b.build.take(), o.build) {
        (Some(mut b), Some(o)) => {
            merge_build(&mut b, o);
            Some(b)
        }
        (b, o) => o.or(b),
    };
    b.healthcheck = match (b.healthcheck.take(), o.healthcheck) {
        (Some(mut b), Some(o)) => {
            merge_healthcheck(&mut b, o);
            Some(b)
        }
        (b, o) => o.or(b),
    };
    b.deploy = match (b.deploy.take(), o.deploy) {
        (Some(mut b), Some(o)) => {
            merge_deploy(&mut b, o);
            Some(b)
        }
        (b, o) => o.or(b),
    };
    b.environment.extend(o.environment);
    b.labels.extend(o.labels);
    b.networks.extend(o.networks);
    append_unique(&mut b.ports, o.ports);
    append_unique(&mut b.expose, o.expose);
    append_unique(&mut b.dns, o.dns);
    append_unique(&mut b.extra_hosts, o.extra_hosts);
    append_unique(&mut base.env_files, over.env_files);
    for mount in o.volumes {
        match b.volumes.iter_mut().find(|m| m.target == mount.target) {
            Some(existing) => *existing = mount,
            None => b.volumes.push(mount),
        }
    }
    if !o.profiles.is_empty() {
        b.profiles = o.profiles;
    }
    b.develop = match (b.develop.take(), o.develop) {
        (Some(mut b), Some(o)) => {
            append_unique(&mut b.watch, o.watch);
            Some(b)
        }
        (b, o) => o.or(b),
    };
    replace(&mut base.tty, over.tty);
    replace(&mut base.stdin_open, over.stdin_open);
    for (name, dep) in over.depends_on {
        match base.depends_on.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => *existing = dep,
            None => base.depends_on.push((name, dep)),
        }
    }
}

/// Forgets what `layer` says of `key` (a service key tagged `!reset` or `!override` in a later layer, or
/// `environment.NAME` / `labels.NAME`, one entry of them tagged `!reset`).
fn reset(layer: &mut ServiceLayer, key: &str) {
    let s = &mut layer.service;
    if let Some(name) = key.strip_prefix("environment.") {
        s.environment.remove(name);
        return;
    }
    if let Some(name) = key.strip_prefix("labels.") {
        s.labels.remove(name);
        return;
    }
    match key {
        "image" => s.image = None,
        "build" => s.build = None,
        "command" => s.command = None,
        "entrypoint" => s.entrypoint = None,
        "environment" => s.environment.clear(),
        "env_file" => layer.env_files.clear(),
        "ports" => s.ports.clear(),
        "expose" => s.expose.clear(),
        "volumes" => s.volumes.clear(),
        "depends_on" => layer.depends_on.clear(),
        "healthcheck" => s.healthcheck = None,
        "restart" => s.restart = None,
        "container_name" => s.container_name = None,
        "labels" => s.labels.clear(),
        "networks" => s.networks.clear(),
        "deploy" => s.deploy = None,
        "profiles" => s.profiles.clear(),
        "working_dir" => s.working_dir = None,
        "user" => s.user = None,
        "hostname" => s.hostname = None,
        "dns" => s.dns.clear(),
        "extra_hosts" => s.extra_hosts.clear(),
        "stop_grace_period" => s.stop_grace_period = None,
        "tty" => layer.tty = None,
        "stdin_open" => layer.stdin_open = None,
        "develop" => s.develop = None,
        // Keys EnvDeck does not read (warned about when read) have nothing to forget.
        _ => {}
    }
}

fn replace<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

fn append_unique<T: PartialEq>(list: &mut Vec<T>, more: Vec<T>) {
    for item in more {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

fn merge_build(b: &mut Build, o: Build) {
    b.context = o.context;
    replace(&mut b.dockerfile, o.dockerfile);
    replace(&mut b.target, o.target);
    b.args.extend(o.args);
}

fn merge_healthcheck(b: &mut Healthcheck, o: Healthcheck) {
    if !o.test.is_empty() || o.disable {
        b.test = o.test;
    }
    replace(&mut b.interval, o.interval);
    replace(&mut b.timeout, o.timeout);
    replace(&mut b.retries, o.retries);
    replace(&mut b.start_period, o.start_period);
    replace(&mut b.start_interval, o.start_interval);
    b.disable = o.disable || (b.disable && b.test.is_empty());
}

fn merge_deploy(b: &mut Deploy, o: Deploy) {
    replace(&mut b.replicas, o.replicas);
    b.resources = match (b.resources.take(), o.resources) {
        (Some(Resources { limits, reservations }), Some(o)) => Some(Resources {
            limits: merge_spec(limits, o.limits),
            reservations: merge_spec(reservations, o.reservations),
        }),
        (b, o) => o.or(b),
    };
}

fn merge_spec(
    b: Option<super::model::ResourceSpec>,
    o: Option<super::model::ResourceSpec>,
) -> Option<super::model::ResourceSpec> {
    match (b, o) {
        (Some(mut b), Some(o)) => {
            replace(&mut b.cpus, o.cpus);
            replace(&mut b.memory, o.memory);
            Some(b)
        }
        (b, o) => o.or(b),
    }
}

pub fn merge_network(b: &mut Network, o: Network) {
    if !o.name.is_empty() {
        b.name = o.name;
    }
    replace(&mut b.driver, o.driver);
    b.external |= o.external;
    b.internal |= o.internal;
    replace(&mut b.ipam, o.ipam);
    b.labels.extend(o.labels);
}

pub fn merge_volume(b: &mut Volume, o: Volume) {
    if !o.name.is_empty() {
        b.name = o.name;
    }
    replace(&mut b.driver, o.driver);
    b.external |= o.external;
    b.labels.extend(o.labels);
}
