//! Building a `build:` Service's image from its context through a real Docker engine.

mod common;

use common::*;
use envdeck_core::compose::Build;
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
