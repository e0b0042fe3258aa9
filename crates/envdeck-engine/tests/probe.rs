//! Readiness at the speed of the service, against a real Docker engine: a dependency whose healthcheck
//! runs every 30 s is ready for its dependents as soon as its own test passes, and never before.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use envdeck_core::compose::{Condition, Service};
use envdeck_core::plan::Step;
use envdeck_core::progress::{Health, Progress};
use envdeck_engine::{Engine, RemoveVolumes, Sink};

/// Progress events with the moment each arrived.
type Timed = Arc<Mutex<Vec<(Instant, Progress)>>>;

fn timed() -> (Sink, Timed) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let kept = events.clone();
    let sink: Sink = Arc::new(move |p| {
        if let Ok(mut v) = kept.lock() {
            v.push((Instant::now(), p));
        }
    });
    (sink, events)
}

fn when(events: &[(Instant, Progress)], what: &str, matches: impl Fn(&Progress) -> bool) -> Instant {
    events
        .iter()
        .find(|(_, p)| matches(p))
        .map(|(t, _)| *t)
        .unwrap_or_else(|| {
            panic!(
                "no event for {what}: {:?}",
                events.iter().map(|(_, p)| p).collect::<Vec<_>>()
            )
        })
}

/// A service whose test passes only once it has been running for 3 s, probed by Docker every 30 s.
fn slow_to_be_ready() -> Service {
    let mut slow = busybox(&["sh", "-c", "sleep 3; touch /tmp/ready; exec sleep 3600"]);
    let mut check = health(&["CMD-SHELL", "test -f /tmp/ready"], 3);
    check.interval = Some(secs(30.0));
    slow.healthcheck = Some(check);
    slow
}

async fn docker_health(engine: &Engine, project: &common::TestProject) -> String {
    let status = engine.ps(&project.stack).await.expect("ps works");
    let slow = status
        .iter()
        .find(|s| s.service == "slow")
        .expect("slow is listed");
    docker(&["inspect", "-f", "{{.State.Health.Status}}", &slow.id])
        .1
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependent_starts_as_soon_as_its_dependencys_own_test_passes_and_never_before() {
    let engine = engine().await;
    let project = TestProject::new("probe");
    let app = depends(busybox(&["sleep", "3600"]), "slow", Condition::ServiceHealthy);
    let model = model(&project.name, vec![("slow", slow_to_be_ready()), ("app", app)]);
    let (sink, events) = timed();
    let began = Instant::now();
    tokio::time::timeout(UP_TIMEOUT, engine.up(&project.stack, &model, sink))
        .await
        .expect("up ends")
        .expect("up succeeds");
    let took = began.elapsed();
    let events = events.lock().unwrap().clone();

    let slow_started = when(
        &events,
        "slow started",
        |p| matches!(p, Progress::StepFinished { step: Step::Service { service }, .. } if service == "slow"),
    );
    let checked = when(
        &events,
        "slow checked",
        |p| matches!(p, Progress::Health { service, health: Health::Checked, .. } if service == "slow"),
    );
    let app_starting = when(
        &events,
        "app starting",
        |p| matches!(p, Progress::StepStarted { step: Step::Service { service } } if service == "app"),
    );
    // The container runs `sleep 3` from just before its start returned: its test cannot pass earlier.
    let ready_after = checked.duration_since(slow_started);
    assert!(
        ready_after >= Duration::from_millis(2_500),
        "ready after {ready_after:?}, before its test could pass"
    );
    let gap = app_starting.saturating_duration_since(checked);
    assert!(
        app_starting >= checked,
        "the dependent started before its dependency was ready"
    );
    assert!(
        gap <= Duration::from_secs(1),
        "the dependent started {gap:?} after the test passed"
    );
    assert!(
        took < Duration::from_secs(20),
        "up took {took:?}: it waited for Docker's 30 s interval"
    );

    // Docker's own health goes on unchanged: its first check is 30 s away, so it still says "starting",
    // and EnvDeck says the service is ready by its own check of the same test.
    assert_eq!(docker_health(&engine, &project).await, "starting");
    let status = engine.ps(&project.stack).await.expect("ps works");
    let slow = status
        .iter()
        .find(|s| s.service == "slow")
        .expect("slow is listed");
    assert_eq!(slow.health, Health::Checked, "{status:?}");
    let app = status.iter().find(|s| s.service == "app").expect("app is listed");
    assert_eq!(app.state, "running", "{status:?}");

    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_that_has_not_passed_keeps_its_dependent_waiting() {
    let engine = engine().await;
    let project = TestProject::new("probe-wait");
    let app = depends(busybox(&["sleep", "3600"]), "slow", Condition::ServiceHealthy);
    let model = model(&project.name, vec![("slow", slow_to_be_ready()), ("app", app)]);
    let (sink, events) = timed();
    let up = engine.up(&project.stack, &model, sink);
    // At 2 s the test has not passed yet: `up` is still waiting, and the dependent has not started.
    let cut = tokio::time::timeout(Duration::from_secs(2), up).await;
    assert!(
        cut.is_err(),
        "up finished within 2 s: something called the service ready before its test passed"
    );
    let events = events.lock().unwrap().clone();
    assert!(
        !events.iter().any(|(_, p)| matches!(
            p,
            Progress::Health {
                health: Health::Checked,
                ..
            }
        )),
        "checked before the test could pass: {events:?}"
    );
    let status = engine.ps(&project.stack).await.expect("ps works");
    // Created by now, or not yet on a loaded machine: never started.
    assert!(
        status.iter().all(|s| s.service != "app" || s.state == "created"),
        "the dependent started before its dependency's test passed: {status:?}"
    );
    let slow = status
        .iter()
        .find(|s| s.service == "slow")
        .expect("slow is listed");
    assert_eq!(slow.health, Health::Starting, "{status:?}");

    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}
