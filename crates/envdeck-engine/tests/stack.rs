//! The stack engine against a real Docker engine: up, idempotence, recreate, down, data, health gates.

mod common;

use std::collections::HashMap;

use common::*;
use envdeck_core::compose::{ComposeModel, Condition};
use envdeck_core::progress::{Health, Outcome, Progress};
use envdeck_core::secret::Masker;
use std::time::Duration;

use envdeck_engine::status::LogOptions;
use envdeck_engine::{Engine, EngineError, RemoveVolumes, UpReport};
use futures_util::StreamExt;

async fn up(engine: &Engine, model: &ComposeModel) -> Result<UpReport, EngineError> {
    let sink = quiet();
    match tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), model, sink)).await {
        Ok(r) => r,
        Err(_) => panic!("up did not finish within {UP_TIMEOUT:?}: it must either succeed or fail"),
    }
}

async fn ids(engine: &Engine, project: &StackId) -> HashMap<String, String> {
    engine
        .ps(project)
        .await
        .expect("ps works")
        .into_iter()
        .map(|s| (s.container, s.id))
        .collect()
}

async fn psql(engine: &Engine, project: &StackId, sql: &str) -> (i64, String) {
    let mut out = String::new();
    let cmd: Vec<String> = ["psql", "-U", "app", "-d", "appdb", "-tAc", sql]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = engine
        .exec(project, "db", &cmd, |line| {
            out.push_str(&format!("{}\n", line.text))
        })
        .await
        .expect("exec runs");
    (code, out)
}

fn four_services(project: &str) -> ComposeModel {
    let client = depends(
        busybox(&[
            "sh",
            "-c",
            // No retry loop on purpose: the database accepts at once only if up waited for it.
            "if nc -w 1 db 5432 </dev/null; then echo db-accepting; else echo db-not-ready; fi; exec sleep 3600",
        ]),
        "db",
        Condition::ServiceHealthy,
    );
    with_volume(
        model(
            project,
            vec![
                ("db", postgres()),
                ("client", client),
                ("web1", web()),
                ("web2", publish(web(), free_port(), 80)),
            ],
        ),
        "data",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_service_stack_comes_up_healthy_idempotently_and_keeps_its_data() {
    let engine = engine().await;
    let project = TestProject::new("four");
    let mut model = four_services(&project.name);

    // 1. First up: everything is created and becomes healthy, the client only after the database.
    let (sink, events) = recorder();
    let report = tokio::time::timeout(UP_TIMEOUT, engine.up(&stack(&model.name), &model, sink))
        .await
        .expect("up finishes");
    let report = report.expect("the first up succeeds");
    assert!(
        report.services.iter().all(|(_, o)| *o == Outcome::Created),
        "a fresh stack creates every service: {report:?}"
    );
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert_eq!(status.len(), 4, "one container per service: {status:?}");
    for s in &status {
        assert_eq!(s.state, "running", "{} must run after up", s.container);
        // Ready: Docker's check said healthy, or (Docker's next check not due yet) the Service's own
        // test passed when EnvDeck ran it.
        if s.service != "client" {
            assert!(
                matches!(s.health, Health::Healthy | Health::Checked),
                "up waits until {} is ready: {:?}",
                s.container,
                s.health
            );
        }
    }
    let web2 = status
        .iter()
        .find(|s| s.service == "web2")
        .expect("web2 is listed");
    assert_eq!(
        web2.ports.first().map(|p| p.host_ip.as_str()),
        Some("127.0.0.1"),
        "ports publish on loopback by default"
    );
    let events = events.lock().unwrap().clone();
    assert!(
        events.iter().any(
            |e| matches!(e, Progress::Health { service, health: Health::Healthy | Health::Checked, .. } if service == "db")
        ),
        "the db's health change arrives as a progress event"
    );
    let options = LogOptions {
        service: Some("client".into()),
        follow: true,
        ..LogOptions::default()
    };
    let mut client_logs = engine
        .logs(&project.stack, options, &Masker::default())
        .await
        .expect("logs open");
    let first = tokio::time::timeout(Duration::from_secs(30), client_logs.next()).await;
    let first = first
        .expect("the client prints within 30 s")
        .expect("a line")
        .expect("it reads");
    assert_eq!(
        first.text, "db-accepting",
        "the client started only once the database accepted connections"
    );
    let probe: Vec<String> = ["sh", "-c", "nc -w 2 db 5432 </dev/null && echo reached"]
        .map(String::from)
        .to_vec();
    let mut said = String::new();
    let code = engine
        .exec(&project.stack, "client", &probe, |l| said.push_str(&l.text))
        .await
        .expect("exec runs");
    assert_eq!(
        (code, said.as_str()),
        (0, "reached"),
        "the client reaches the database by its service name"
    );

    // 2. Second up: nothing changes.
    let before = ids(&engine, &project.stack).await;
    let report = up(&engine, &model).await.expect("the second up succeeds");
    assert!(
        report.services.iter().all(|(_, o)| *o == Outcome::Unchanged),
        "nothing changed, so nothing may be touched: {report:?}"
    );
    assert_eq!(
        ids(&engine, &project.stack).await,
        before,
        "an idempotent up keeps every container (same ids)"
    );

    // 3. A config change recreates exactly that service.
    model
        .services
        .get_mut("web1")
        .unwrap()
        .environment
        .insert("FEATURE".into(), Some("on".into()));
    let report = up(&engine, &model).await.expect("the third up succeeds");
    let changed: Vec<_> = report
        .services
        .iter()
        .filter(|(_, o)| *o != Outcome::Unchanged)
        .collect();
    assert_eq!(
        changed,
        vec![&("web1".to_string(), Outcome::Recreated)],
        "only web1's config changed"
    );
    let after = ids(&engine, &project.stack).await;
    let recreated: Vec<_> = after
        .iter()
        .filter(|(name, id)| before.get(*name) != Some(id))
        .map(|(n, _)| n.clone())
        .collect();
    assert_eq!(
        recreated,
        vec![format!("{}-web1-1", project.name)],
        "exactly one container has a new id"
    );

    // 4. Data written through exec survives down and up: down keeps volumes.
    let (code, out) = psql(
        &engine,
        &project.stack,
        "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept');",
    )
    .await;
    assert_eq!(code, 0, "psql writes a row: {out}");
    let report = engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
    assert_eq!(
        report.containers.len(),
        4,
        "down removes every container: {report:?}"
    );
    assert!(
        report.volumes.is_empty(),
        "down keeps volumes unless asked: {report:?}"
    );
    assert!(
        engine.ps(&project.stack).await.unwrap().is_empty(),
        "no container is left after down"
    );
    let volume = format!("{}_data", project.name);
    assert!(
        docker(&["volume", "inspect", &volume]).0,
        "the data volume survives down"
    );
    up(&engine, &model).await.expect("up after down succeeds");
    let (code, out) = psql(&engine, &project.stack, "SELECT v FROM t").await;
    assert_eq!(
        (code, out.trim()),
        (0, "kept"),
        "the row written before down is still there"
    );

    // 5. Wiping data needs the environment's name typed exactly.
    let wrong = RemoveVolumes::Confirmed {
        typed_name: "locl".into(),
    };
    let err = engine
        .down(&project.stack, wrong, quiet())
        .await
        .expect_err("a wrong name is refused");
    assert!(
        matches!(err, EngineError::ConfirmationMismatch { .. }),
        "refused, not attempted: {err}"
    );
    assert_eq!(
        engine.ps(&project.stack).await.unwrap().len(),
        4,
        "a refused wipe touches nothing"
    );
    let right = RemoveVolumes::Confirmed {
        typed_name: "local".into(),
    };
    let report = engine
        .down(&project.stack, right, quiet())
        .await
        .expect("a confirmed wipe succeeds");
    assert_eq!(
        report.volumes,
        vec![volume.clone()],
        "the confirmed wipe removes the stack's volume"
    );
    assert!(!docker(&["volume", "inspect", &volume]).0, "the volume is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_run_as_numbered_containers_that_docker_compose_recognises() {
    let engine = engine().await;
    let project = TestProject::new("replicas");
    let model = model(&project.name, vec![("web", replicas(web(), 3))]);
    up(&engine, &model).await.expect("up succeeds");
    let mut names: Vec<String> = engine
        .ps(&project.stack)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.container)
        .collect();
    names.sort();
    let expected: Vec<String> = (1..=3).map(|n| format!("{}-web-{n}", project.name)).collect();
    assert_eq!(
        names, expected,
        "deploy.replicas: 3 gives three containers named like compose's"
    );

    // docker-compose (v1) reads the same labels: it lists our containers as its own.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("docker-compose.yml");
    std::fs::write(
        &file,
        format!("version: '3.8'\nservices:\n  web:\n    image: {BUSYBOX}\n"),
    )
    .unwrap();
    let out = std::process::Command::new("docker-compose")
        .args(["-p", &project.name, "-f"])
        .arg(&file)
        .args(["ps"])
        .output()
        .expect("docker-compose runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for name in &expected {
        assert!(
            text.contains(name.as_str()),
            "`docker-compose -p {} ps` lists {name}:\n{text}",
            project.name
        );
    }

    // Scaling down removes the extra replicas and keeps the others.
    let before = ids(&engine, &project.stack).await;
    let model2 = common::model(&project.name, vec![("web", replicas(web(), 1))]);
    up(&engine, &model2).await.expect("scaling down succeeds");
    let after = ids(&engine, &project.stack).await;
    assert_eq!(after.len(), 1, "one replica is left");
    assert_eq!(
        after.get(&expected[0]),
        before.get(&expected[0]),
        "replica 1 is kept, not recreated"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_port_is_found_before_anything_is_created() {
    let engine = engine().await;
    let project = TestProject::new("port");
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let model = model(
        &project.name,
        vec![("web", publish(web(), port, 80)), ("other", web())],
    );
    let err = up(&engine, &model).await.expect_err("the port is taken");
    let message = err.to_string();
    assert!(
        matches!(err, EngineError::PortTaken { .. }),
        "a port error, not a Docker error: {message}"
    );
    assert!(
        message.contains(&port.to_string()) && message.contains("`web`"),
        "names the port and the service: {message}"
    );
    let label = format!("label=dev.envdeck.project={}", project.name);
    let (_, containers) = docker(&["ps", "-aq", "--filter", &label]);
    let (_, networks) = docker(&["network", "ls", "-q", "--filter", &label]);
    assert!(
        containers.trim().is_empty() && networks.trim().is_empty(),
        "nothing may be created before the check"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unhealthy_dependency_fails_up_with_its_last_logs() {
    let engine = engine().await;
    let project = TestProject::new("unhealthy");
    let mut sick = busybox(&["sh", "-c", "echo sick-marker-42; exec sleep 3600"]);
    sick.healthcheck = Some(health(&["CMD", "false"], 2));
    let app = depends(busybox(&["sleep", "3600"]), "sick", Condition::ServiceHealthy);
    let model = model(&project.name, vec![("sick", sick), ("app", app)]);
    let err = up(&engine, &model)
        .await
        .expect_err("a dependency that never becomes healthy fails up");
    let message = err.to_string();
    assert!(
        matches!(err, EngineError::ServiceFailed { ref service, .. } if service == "sick"),
        "names the dependency: {message}"
    );
    assert!(message.contains("unhealthy"), "says why: {message}");
    assert!(
        message.contains("sick-marker-42"),
        "carries the dependency's last log lines: {message}"
    );
    let status = engine.ps(&project.stack).await.unwrap();
    // Like compose, `up` creates every container at once; a dependent starts only once its dependency is ready.
    assert!(
        status.iter().any(|s| s.service == "app" && s.state == "created"),
        "the dependent is created, and never started: {status:?}"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_image_while_offline_gives_the_plain_message() {
    let engine = engine().await;
    let project = TestProject::new("offline");
    let mut service = busybox(&["true"]);
    service.image = Some("envdeck-test/not-built-anywhere:1".into());
    let model = model(&project.name, vec![("ghost", service)]);
    let err = up(&engine, &model).await.expect_err("the image cannot be found");
    assert!(
        err.to_string().starts_with(
            "image envdeck-test/not-built-anywhere:1 is not on this machine and the registry cannot be reached"
        ),
        "a new developer reads what is wrong, not Docker's dial error: {err}"
    );
    // The network made beside the failed pull is in Docker by the time `up` answers, so the `down`
    // a developer runs next finds it.
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
    let (_, left) = docker(&[
        "network",
        "ls",
        "-q",
        "--filter",
        &format!("label=dev.envdeck.project={}", project.name),
    ]);
    assert_eq!(left.trim(), "", "down leaves no network of the failed up");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_objects_with_our_names_are_never_touched() {
    let engine = engine().await;
    let project = TestProject::new("foreign");
    let name = format!("{}-web-1", project.name);
    let volume = format!("{}_data", project.name);
    let (ok, out) = docker(&["create", "--name", &name, BUSYBOX, "sleep", "1"]);
    assert!(ok, "a foreign container is created: {out}");
    let (ok, out) = docker(&["volume", "create", &volume]);
    assert!(ok, "a foreign volume is created: {out}");
    let model = model(&project.name, vec![("web", web())]);
    let err = up(&engine, &model)
        .await
        .expect_err("up refuses to take over a foreign container");
    assert!(
        matches!(err, EngineError::Foreign { .. }),
        "says the name is taken by something not ours: {err}"
    );
    let wipe = RemoveVolumes::Confirmed {
        typed_name: "local".into(),
    };
    engine
        .down(&project.stack, wipe, quiet())
        .await
        .expect("down succeeds");
    assert!(
        docker(&["inspect", &name]).0,
        "the foreign container survives down"
    );
    assert!(
        docker(&["volume", "inspect", &volume]).0,
        "the foreign volume survives a confirmed wipe"
    );
    docker(&["rm", "-f", &name]);
    docker(&["volume", "rm", &volume]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_up_leaves_a_state_the_next_up_completes() {
    let engine = engine().await;
    let project = TestProject::new("cancel");
    let model = model(
        &project.name,
        vec![
            ("a", web()),
            ("b", depends(web(), "a", Condition::ServiceHealthy)),
        ],
    );
    // Dropped while waiting for `a` to become healthy: the future is the cancellation.
    let first = tokio::time::timeout(
        std::time::Duration::from_millis(700),
        engine.up(&stack(&model.name), &model, quiet()),
    )
    .await;
    assert!(first.is_err(), "the first up is cut short on purpose");
    let report = up(&engine, &model).await.expect("the next up finishes the job");
    assert_eq!(
        engine.ps(&project.stack).await.unwrap().len(),
        2,
        "both services run: {report:?}"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_that_now_names_another_image_recreates_its_service() {
    let engine = engine().await;
    let project = TestProject::new("retag");
    let tag = format!("envdeck-test/{}:1", project.name);
    assert!(docker(&["tag", BUSYBOX, &tag]).0, "the tag is made");
    let mut service = busybox(&["sleep", "3600"]);
    service.image = Some(tag.clone());
    let model = model(
        &project.name,
        vec![("app", service), ("other", busybox(&["sleep", "3600"]))],
    );
    up(&engine, &model).await.expect("the first up succeeds");
    // A rebuild: the same tag, another image (PostgreSQL's rootfs has `sleep` too).
    assert!(docker(&["tag", POSTGRES, &tag]).0, "the tag moves");
    let report = up(&engine, &model).await;
    docker(&["rmi", &tag]);
    let report = report.expect("the second up succeeds");
    let changed: Vec<_> = report
        .services
        .iter()
        .filter(|(_, o)| *o != Outcome::Unchanged)
        .collect();
    assert_eq!(
        changed,
        vec![&("app".to_string(), Outcome::Recreated)],
        "only the service whose image changed"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_dropped_from_the_model_is_removed_by_the_next_up() {
    let engine = engine().await;
    let project = TestProject::new("orphan");
    let both = model(
        &project.name,
        vec![
            ("app", busybox(&["sleep", "3600"])),
            ("old", busybox(&["sleep", "3600"])),
        ],
    );
    up(&engine, &both).await.expect("the first up succeeds");
    let only_app = model(&project.name, vec![("app", busybox(&["sleep", "3600"]))]);
    let report = up(&engine, &only_app).await.expect("the second up succeeds");
    assert!(
        report.services.contains(&("old".to_string(), Outcome::Removed))
            && report.services.contains(&("app".to_string(), Outcome::Unchanged)),
        "the dropped service is reported removed, the other untouched: {:?}",
        report.services
    );
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert!(
        status.iter().all(|s| s.service == "app") && !status.is_empty(),
        "no container of the dropped service is left: {status:?}"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_service_takes_over_the_port_its_old_name_published() {
    let engine = engine().await;
    let project = TestProject::new("renamed");
    let port = free_port();
    let old = model(&project.name, vec![("web", publish(web(), port, 80))]);
    up(&engine, &old).await.expect("the first up succeeds");
    // The old name's container goes before the new one starts: both cannot hold the port.
    let renamed = model(&project.name, vec![("site", publish(web(), port, 80))]);
    let report = up(&engine, &renamed)
        .await
        .expect("the renamed service starts on the port the old name held");
    assert!(
        report.services.contains(&("web".to_string(), Outcome::Removed))
            && report.services.contains(&("site".to_string(), Outcome::Created)),
        "the old name is removed, the new one created: {:?}",
        report.services
    );
    let status = engine.ps(&project.stack).await.expect("ps works");
    assert!(
        status.iter().any(|s| s.service == "site"
            && s.state == "running"
            && s.ports.iter().any(|p| p.host_port == port)),
        "the renamed service runs on port {port}: {status:?}"
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependency_that_changed_restarts_dependents_that_ask_for_it() {
    let engine = engine().await;
    let project = TestProject::new("deprestart");
    let mut with_restart = depends(busybox(&["sleep", "3600"]), "db", Condition::ServiceStarted);
    if let Some(dep) = with_restart.depends_on.get_mut("db") {
        dep.restart = true;
    }
    let without = depends(busybox(&["sleep", "3600"]), "db", Condition::ServiceStarted);
    let build = |db_marker: &str| {
        let mut db = busybox(&["sleep", "3600"]);
        db.environment.insert("MARKER".into(), Some(db_marker.into()));
        model(
            &project.name,
            vec![
                ("db", db),
                ("follows", with_restart.clone()),
                ("stays", without.clone()),
            ],
        )
    };
    up(&engine, &build("one")).await.expect("the first up succeeds");
    let report = up(&engine, &build("two")).await.expect("the second up succeeds");
    let outcome = |s: &str| report.services.iter().find(|(n, _)| n == s).map(|(_, o)| *o);
    assert_eq!(outcome("db"), Some(Outcome::Recreated), "{:?}", report.services);
    assert_eq!(
        outcome("follows"),
        Some(Outcome::Started),
        "depends_on.restart restarts the dependent: {:?}",
        report.services
    );
    assert_eq!(
        outcome("stays"),
        Some(Outcome::Unchanged),
        "without it the dependent is left alone: {:?}",
        report.services
    );
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}

/// Compose's rule for a bind whose host folder is missing: the short syntax (`./data:/data`) makes the
/// folder, the long syntax only with `bind: {create_host_path: true}`, else the Start fails naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_bind_makes_its_missing_host_folder_and_a_long_one_only_when_it_says_so() {
    let engine = engine().await;
    let project = TestProject::new("binds");
    let folder = tempfile::tempdir().expect("a project folder");
    let load = |yaml: String| {
        envdeck_core::compose::load_str(
            &folder.path().join("compose.yaml"),
            &yaml,
            &envdeck_core::compose::Variables::new(),
            &[],
        )
        .expect("the compose file loads")
    };
    let made = folder.path().join("made-by-docker");
    let short = load(format!(
        "name: {}\nservices:\n  writer:\n    image: {BUSYBOX}\n    command: [\"sh\", \"-c\", \"touch /data/written && \
         exec sleep 3600\"]\n    volumes: [\"./made-by-docker:/data\"]\n",
        project.name
    ));
    up(&engine, &short)
        .await
        .expect("a short bind's missing folder is made");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !made.join("written").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the container writes into the folder the engine made at {}",
            made.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");

    let long = load(format!(
        "name: {}\nservices:\n  reader:\n    image: {BUSYBOX}\n    command: [\"sleep\", \"3600\"]\n    volumes:\n      \
         - {{type: bind, source: ./not-there, target: /data}}\n",
        project.name
    ));
    let err = up(&engine, &long)
        .await
        .expect_err("a long bind's missing folder is not made");
    assert!(
        err.to_string().contains("not-there"),
        "the error names the missing folder: {err}"
    );
    assert!(!folder.path().join("not-there").exists(), "nothing made it");
    engine
        .down(&project.stack, RemoveVolumes::Keep, quiet())
        .await
        .expect("down succeeds");
}
