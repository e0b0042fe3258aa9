//! Pulling through Docker's own pull code, from a registry on 127.0.0.1 that the test runs
//! (envdeck_tests::registry): per-layer byte progress, and an `up` cancelled half-way through a pull
//! that a later `up` finishes.

mod common;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use envdeck_core::compose::{Condition, Service};
use envdeck_core::plan::Step;
use envdeck_core::progress::{Outcome, Progress};
use envdeck_tests::registry::TestRegistry;

fn pulled(image: &str) -> Service {
    Service {
        image: Some(image.to_string()),
        command: Some(vec!["/bin/busybox".into(), "sleep".into(), "3600".into()]),
        stop_grace_period: Some(secs(1.0)),
        ..Service::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_image_is_pulled_with_byte_progress_per_layer() {
    let engine = engine().await;
    // About 3 s of download: long enough for Docker to report progress several times.
    let registry = TestRegistry::start(6 << 20, 2 << 20);
    let project = TestProject::new("pull");
    let model = model(&project.name, vec![("app", pulled(&registry.image))]);
    let (sink, events) = recorder();
    tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, sink))
        .await
        .expect("up finishes")
        .expect("up pulls the image and starts the service");

    let events = events.lock().unwrap().clone();
    let downloads: Vec<(u64, u64)> = events
        .iter()
        .filter_map(|p| match p {
            Progress::Pull {
                image,
                status,
                current: Some(current),
                total: Some(total),
                ..
            } if image == &registry.image && status.starts_with("Downloading") => Some((*current, *total)),
            _ => None,
        })
        .collect();
    assert!(
        downloads.len() >= 3,
        "Docker's download progress reaches the sink several times: {downloads:?}"
    );
    assert!(
        downloads
            .iter()
            .all(|(_, total)| *total == registry.layer_size as u64),
        "the total is the layer's size ({} bytes): {downloads:?}",
        registry.layer_size
    );
    assert!(
        downloads.windows(2).all(|w| w[0].0 <= w[1].0)
            && downloads.first().map(|d| d.0) < downloads.last().map(|d| d.0),
        "bytes done only grow: {downloads:?}"
    );
    assert!(
        events.iter().any(|p| matches!(p,
            Progress::StepFinished { step: Step::Image { image, .. }, outcome: Outcome::Pulled } if image == &registry.image)),
        "the image step ends as Pulled"
    );
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert!(
        status.iter().any(|s| s.service == "app" && s.state == "running"),
        "the pulled image runs: {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_up_cancelled_during_a_pull_leaves_nothing_half_done_and_a_later_up_finishes() {
    let engine = engine().await;
    // About 8 s of download: the cancel lands in the middle of it.
    let registry = TestRegistry::start(8 << 20, 1 << 20);
    let project = TestProject::new("pullcancel");
    let model = model(&project.name, vec![("app", pulled(&registry.image))]);

    let first = tokio::spawn({
        let (engine, model) = (engine.clone(), model.clone());
        async move { engine.up(&stack(&model.name), &model, quiet()).await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while registry.layer_bytes_sent.load(Ordering::Relaxed) < (1 << 20) {
        assert!(std::time::Instant::now() < deadline, "the pull never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // What Ctrl-C does to the CLI's `up` (and Cancel to the app's): the future is dropped.
    first.abort();
    assert!(
        first.await.is_err_and(|e| e.is_cancelled()),
        "the first up was cancelled"
    );
    let sent_at_cancel = registry.layer_bytes_sent.load(Ordering::Relaxed);
    assert!(
        sent_at_cancel < registry.layer_size,
        "the cancel landed before the layer was complete ({sent_at_cancel} of {} bytes)",
        registry.layer_size
    );
    let (present, _) = docker(&["image", "inspect", &registry.image]);
    assert!(!present, "a cancelled pull leaves no image behind");
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert!(
        status.is_empty(),
        "no container is created before its image is there: {status:?}"
    );

    tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, quiet()))
        .await
        .expect("the second up finishes")
        .expect("the second up pulls again and starts the service");
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert!(
        status.iter().any(|s| s.service == "app" && s.state == "running"),
        "the second up finished the job: {status:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_whose_image_is_here_runs_while_another_image_is_still_being_pulled() {
    let engine = engine().await;
    // About 4 s of download: the Service whose image is here has long been started by its end.
    let registry = TestRegistry::start(8 << 20, 2 << 20);
    let project = TestProject::new("pulloverlap");
    let model = model(
        &project.name,
        vec![
            ("app", pulled(&registry.image)),
            ("side", busybox(&["sleep", "3600"])),
            (
                "after",
                depends(busybox(&["sleep", "3600"]), "app", Condition::ServiceStarted),
            ),
        ],
    );
    // The layer bytes the registry had sent when each Service's start was reported.
    let started_at: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
    let (record, events) = recorder();
    let sink: envdeck_engine::Sink = {
        let (started_at, sent) = (started_at.clone(), registry.layer_bytes_sent.clone());
        Arc::new(move |p: Progress| {
            if let Progress::StepFinished {
                step: Step::Service { service },
                ..
            } = &p
            {
                started_at
                    .lock()
                    .unwrap()
                    .push((service.clone(), sent.load(Ordering::Relaxed)));
            }
            record(p);
        })
    };
    tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, sink))
        .await
        .expect("up finishes")
        .expect("up pulls the image and starts every service");

    let started_at = started_at.lock().unwrap().clone();
    let sent_when = |service: &str| {
        started_at
            .iter()
            .find(|(s, _)| s == service)
            .map(|(_, sent)| *sent)
            .unwrap_or_else(|| panic!("{service} was started: {started_at:?}"))
    };
    assert!(
        sent_when("side") < registry.layer_size / 2,
        "`side` runs before half of the other image's layer is down ({} of {} bytes): {started_at:?}",
        sent_when("side"),
        registry.layer_size
    );
    let events = events.lock().unwrap().clone();
    let position = |wanted: &dyn Fn(&Progress) -> bool| events.iter().position(wanted);
    let pulled_at = position(&|p| {
        matches!(p, Progress::StepFinished { step: Step::Image { image, .. }, .. } if image == &registry.image)
    })
    .expect("the image step ends");
    for service in ["app", "after"] {
        let created_at = position(
            &|p| matches!(p, Progress::StepStarted { step: Step::Service { service: s } } if s == service),
        )
        .expect("the service's step starts");
        assert!(
            created_at > pulled_at,
            "`{service}` waits for the image it runs (or its dependency's): step {created_at} after the pull's end at {pulled_at}"
        );
    }
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert_eq!(
        status.iter().filter(|s| s.state == "running").count(),
        3,
        "all three run: {status:?}"
    );
}
