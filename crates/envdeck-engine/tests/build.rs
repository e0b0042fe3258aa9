//! Building a `build:` Service's image from its context through a real Docker engine.

mod common;

use common::*;
use envdeck_core::compose::Build;
use envdeck_core::plan::Step;
use envdeck_core::progress::Progress;
use envdeck_engine::RemoveVolumes;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_service_is_built_from_its_context_without_ignored_files() {
    let engine = engine().await;
    let project = TestProject::new("build");
    let context = tempfile::tempdir().unwrap();
    std::fs::write(
        context.path().join("Dockerfile"),
        format!("FROM {BUSYBOX}\nCOPY . /app\nCMD [\"sh\", \"-c\", \"ls /app; sleep 3600\"]\n"),
    )
    .unwrap();
    std::fs::write(context.path().join(".dockerignore"), "secrets.env\n").unwrap();
    std::fs::write(context.path().join("secrets.env"), "TOKEN=x").unwrap();
    std::fs::write(context.path().join("main.py"), "print('hi')").unwrap();
    let mut service = busybox(&[]);
    service.image = None;
    service.command = None;
    service.build = Some(Build {
        context: context.path().display().to_string(),
        ..Build::default()
    });
    let model = model(&project.name, vec![("api", service)]);

    let (sink, events) = recorder();
    let result = tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, sink))
        .await
        .expect("up finishes");
    let image = format!("{}-api", project.name);
    let cleanup = |image: String| {
        docker(&["rmi", "-f", &image]);
    };
    if let Err(e) = result {
        cleanup(image);
        panic!("up with a build: service succeeds: {e}");
    }
    let streamed = events
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, Progress::BuildOutput { service, .. } if service == "api"));
    let mut listing = Vec::new();
    let cmd: Vec<String> = ["ls", "/app"].map(String::from).to_vec();
    engine
        .exec(&project.stack, "api", &cmd, |l| listing.push(l.text))
        .await
        .expect("exec runs");
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
    cleanup(image);
    assert!(streamed, "the builder's output is streamed as progress");
    assert!(
        listing.contains(&"main.py".to_string()),
        "the context was sent: {listing:?}"
    );
    assert!(
        !listing.iter().any(|f| f.contains("secrets")),
        ".dockerignore kept secrets.env out: {listing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_whose_image_is_here_runs_while_another_is_being_built() {
    let engine = engine().await;
    let project = TestProject::new("buildbeside");
    let context = tempfile::tempdir().unwrap();
    // The project's name in the step keeps Docker's build cache from skipping it.
    std::fs::write(
        context.path().join("Dockerfile"),
        format!(
            "FROM {BUSYBOX}\nRUN echo {} && sleep 4\nCMD [\"sleep\", \"3600\"]\n",
            project.name
        ),
    )
    .unwrap();
    let mut built = busybox(&[]);
    built.image = None;
    built.command = None;
    built.build = Some(Build {
        context: context.path().display().to_string(),
        ..Build::default()
    });
    let model = model(
        &project.name,
        vec![("api", built), ("side", busybox(&["sleep", "3600"]))],
    );

    let (sink, events) = recorder();
    let result = tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, sink))
        .await
        .expect("up finishes");
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
    docker(&["rmi", "-f", &format!("{}-api", project.name)]);
    result.expect("up builds the image and starts both services");

    let events = events.lock().unwrap().clone();
    let position = |wanted: &dyn Fn(&Progress) -> bool| events.iter().position(wanted);
    let built_at = position(&|p| {
        matches!(p, Progress::StepFinished { step: Step::Image { build_for: Some(s), .. }, .. } if s == "api")
    })
    .expect("the build step ends");
    let side_started = position(
        &|p| matches!(p, Progress::StepFinished { step: Step::Service { service }, .. } if service == "side"),
    )
    .expect("side is started");
    let api_created = position(
        &|p| matches!(p, Progress::StepStarted { step: Step::Service { service } } if service == "api"),
    )
    .expect("api's step starts");
    assert!(
        side_started < built_at,
        "`side` runs while the build goes on: its start is event {side_started}, the build's end {built_at}"
    );
    assert!(
        api_created > built_at,
        "`api` waits for its image: event {api_created}, the build's end {built_at}"
    );
}
