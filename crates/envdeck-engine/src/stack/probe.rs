//! Readiness at the speed of the service. Docker runs a container's first health check one interval
//! after it starts (10 to 30 s in real projects), so a dependent waiting on `service_healthy` would wait
//! that long for a database ready after one second. While a Service EnvDeck started is still "starting",
//! EnvDeck runs the Service's OWN healthcheck test in its container at a short cadence (what Docker 25's
//! `start_interval` does, on every engine version); the first pass makes it ready for its dependents.
//! Docker's own health goes on as before: until it agrees, the Service is "ready (checked by EnvDeck)".
//! A probe never says ready before the test passed, and a test that keeps failing is left to Docker.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use bollard::Docker;
use bollard::models::ContainerConfig;

use crate::exec;

/// The first pause between two runs of a test; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const LONGEST_PAUSE: Duration = Duration::from_secs(1);
/// Docker's default for a healthcheck without `timeout`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Service's healthcheck test, as the container runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Test {
    pub(crate) command: Vec<String>,
    pub(crate) timeout: Duration,
}

impl Test {
    /// The container's own test (its compose `healthcheck`, else its image's), when it has one to run:
    /// `CMD` runs as it is, `CMD-SHELL` through the container's shell, as Docker does.
    pub(crate) fn of(config: &ContainerConfig) -> Option<Test> {
        let health = config.healthcheck.as_ref()?;
        let (form, rest) = health.test.as_deref()?.split_first()?;
        let command = match form.as_str() {
            "CMD" if !rest.is_empty() => rest.to_vec(),
            "CMD-SHELL" if !rest.is_empty() => {
                let mut shell = config
                    .shell
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into()]);
                shell.push(rest.join(" "));
                shell
            }
            _ => return None,
        };
        let timeout = match health.timeout {
            Some(ns) if ns > 0 => Duration::from_nanos(ns.unsigned_abs()),
            _ => DEFAULT_TIMEOUT,
        };
        Some(Test { command, timeout })
    }
}

/// The pause after the `attempt`-th failed run: 100 ms, 200 ms, 400 ms, 800 ms, then 1 s.
pub(crate) fn pause(attempt: u32) -> Duration {
    FIRST_PAUSE
        .saturating_mul(2u32.saturating_pow(attempt))
        .min(LONGEST_PAUSE)
}

/// Runs `test` in `container` until it passes (exit code 0 within its timeout): `true` then. `false`
/// when the container cannot run it any more (stopped, removed, the exec refused): Docker's own health
/// then decides, as it does for a test that never passes.
pub(crate) async fn until_passed(docker: &Docker, container: &str, test: &Test) -> bool {
    let mut attempt = 0;
    loop {
        match tokio::time::timeout(test.timeout, exec::exit_code(docker, container, &test.command)).await {
            Ok(Ok(0)) => return true,
            // Failed, or still running at its timeout (Docker's own check counts that as a failure).
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(_)) => return false,
        }
        tokio::time::sleep(pause(attempt)).await;
        attempt = attempt.saturating_add(1);
    }
}

/// The longest `ps` waits for one run of a test: a list must not hang on a slow test.
const PS_LIMIT: Duration = Duration::from_secs(2);

/// For `ps` in a process that did not run the probe (`envdeck ps` after `envdeck up`): whether the
/// starting container's own test passes now, run once. A pass is remembered like a probe's.
pub(crate) async fn passes_now(docker: &Docker, id: &str) -> bool {
    if was_checked(id, false) {
        return true;
    }
    let Ok(info) = docker
        .inspect_container(id, None::<bollard::query_parameters::InspectContainerOptions>)
        .await
    else {
        return false;
    };
    let Some(test) = info.config.as_ref().and_then(Test::of) else {
        return false;
    };
    let limit = test.timeout.min(PS_LIMIT);
    let passed = matches!(
        tokio::time::timeout(limit, exec::exit_code(docker, id, &test.command)).await,
        Ok(Ok(0))
    );
    if passed {
        record(id);
    }
    passed
}

/// Containers (by id) whose test passed while Docker still said "starting": `ps` shows them as
/// "ready (checked by EnvDeck)" until Docker agrees. By id, so a container made anew under the same
/// name starts unchecked.
static CHECKED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

pub(crate) fn record(id: &str) {
    if let Ok(mut set) = CHECKED.lock() {
        set.insert(id.to_owned());
    }
}

/// Whether `id`'s test passed; once Docker has its own verdict the record is no longer needed.
pub(crate) fn was_checked(id: &str, docker_decided: bool) -> bool {
    let Ok(mut set) = CHECKED.lock() else {
        return false;
    };
    if docker_decided {
        set.remove(id);
        false
    } else {
        set.contains(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::HealthConfig;

    fn config(test: &[&str], timeout: Option<i64>, shell: Option<&[&str]>) -> ContainerConfig {
        ContainerConfig {
            healthcheck: Some(HealthConfig {
                test: Some(test.iter().map(|s| (*s).to_owned()).collect()),
                timeout,
                ..Default::default()
            }),
            shell: shell.map(|s| s.iter().map(|s| (*s).to_owned()).collect()),
            ..Default::default()
        }
    }

    fn words(command: &[String]) -> Vec<&str> {
        command.iter().map(String::as_str).collect()
    }

    #[test]
    fn each_form_of_a_test_runs_as_docker_runs_it() {
        let cmd = Test::of(&config(
            &["CMD", "pg_isready", "-U", "app"],
            Some(5_000_000_000),
            None,
        ))
        .unwrap();
        assert_eq!(words(&cmd.command), ["pg_isready", "-U", "app"]);
        assert_eq!(cmd.timeout, Duration::from_secs(5));
        let shell = Test::of(&config(&["CMD-SHELL", "curl -f localhost || exit 1"], None, None)).unwrap();
        assert_eq!(
            words(&shell.command),
            ["/bin/sh", "-c", "curl -f localhost || exit 1"]
        );
        assert_eq!(shell.timeout, DEFAULT_TIMEOUT);
        let own_shell = Test::of(&config(&["CMD-SHELL", "true"], None, Some(&["/bin/bash", "-lc"]))).unwrap();
        assert_eq!(words(&own_shell.command), ["/bin/bash", "-lc", "true"]);
    }

    #[test]
    fn a_disabled_inherited_or_empty_test_is_not_probed() {
        for test in [&["NONE"][..], &[], &["CMD"], &["CMD-SHELL"], &["SOMETHING", "x"]] {
            assert_eq!(Test::of(&config(test, None, None)), None, "{test:?}");
        }
        assert_eq!(Test::of(&ContainerConfig::default()), None);
    }

    #[test]
    fn the_pause_grows_from_a_tenth_of_a_second_to_one_second() {
        let pauses: Vec<u128> = (0..7).map(|a| pause(a).as_millis()).collect();
        assert_eq!(pauses, [100, 200, 400, 800, 1000, 1000, 1000]);
        assert_eq!(pause(u32::MAX), LONGEST_PAUSE);
    }

    #[test]
    fn a_check_is_forgotten_once_docker_decides() {
        record("c0ffee");
        assert!(was_checked("c0ffee", false));
        assert!(!was_checked("c0ffee", true));
        assert!(!was_checked("c0ffee", false), "forgotten");
        assert!(!was_checked("another", false));
    }
}
