//! An environment whose manifest names a server's engine runs there and only there, through the real
//! ssh client and a real second dockerd (scripts/remote-engine.sh: reached only through a local sshd, as
//! `ssh://envdeckremote@127.0.0.1:2223`). Start, ps, logs, exec and Stop act on the server, and this
//! machine's engine never sees the stack; the secret stays in the local keychain and reaches the
//! server's container as its environment. Each fault of a server (unreachable, login refused, unknown
//! host key, no Docker there, an unknown context) is an error that names the host and what to fix, and
//! starts nothing here either. A docker context by name works. The same dockerd on tcp://127.0.0.1:2376
//! takes only verified TLS: a certificate of another CA, a host name its certificate lacks, missing files
//! and plain HTTP the manifest did not ask for each fail with what to check.

use std::path::Path;
use std::process::Command;

use envdeck_tests::area::Area;

/// The rig's engine, for the docker CLI (the test's own view of the server).
const SERVER: &str = "unix:///tmp/envdeck-remote/docker.sock";
const URL: &str = "ssh://envdeckremote@127.0.0.1:2223";
/// The rig's engine over TCP with TLS, and the client's files it trusts (ca.pem, cert.pem, key.pem).
const TCP_URL: &str = "tcp://127.0.0.1:2376";
const TLS_CLIENT: &str = "/tmp/envdeck-remote/tls/client";
/// A CA and a client certificate the rig's engine does not know.
const TLS_STRANGER: &str = "/tmp/envdeck-remote/tls/other";

fn docker(host: Option<&str>, args: &[&str]) -> String {
    let mut cmd = Command::new("docker");
    if let Some(host) = host {
        cmd.args(["-H", host]);
    }
    let out = cmd.args(args).output().expect("the docker CLI runs");
    assert!(
        out.status.success(),
        "docker {args:?} on {host:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Names of the stack's containers on one engine (`None`: this machine's).
fn containers(host: Option<&str>, stack: &str) -> Vec<String> {
    let filter = format!("label=com.docker.compose.project={stack}");
    docker(host, &["ps", "-a", "--filter", &filter, "--format", "{{.Names}}"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Removes what a test left on the server, whatever its outcome.
struct OnServer(String);

impl Drop for OnServer {
    fn drop(&mut self) {
        let filter = format!("label=com.docker.compose.project={}", self.0);
        for kind in ["container", "network", "volume"] {
            let mut list = Command::new("docker");
            list.args(["-H", SERVER, kind, "ls", "-q", "--filter", &filter]);
            if kind == "container" {
                list.arg("-a");
            }
            let Ok(out) = list.output() else { continue };
            for id in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                let force: &[&str] = if kind == "container" {
                    &["rm", "-f"]
                } else {
                    &["rm"]
                };
                let _ = Command::new("docker")
                    .args(["-H", SERVER, kind])
                    .args(force)
                    .arg(id)
                    .output();
            }
        }
    }
}

fn area() -> Area {
    Area::new(
        &envdeck_tests::cli::cli_binary(),
        "remote-engine",
        &["SECRET_KEY"],
    )
}

fn with_engine(dir: &Path, engine: &str) {
    let manifest =
        format!("[environments.server]\ncompose_files = [\"docker-compose.yml\"]\nengine = \"{engine}\"\n");
    std::fs::write(dir.join("envdeck.toml"), manifest).expect("the manifest is written");
}

#[test]
fn an_environment_on_a_server_runs_there_and_not_on_this_machine() {
    let area = area();
    let dir = area.project("shop");
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());

    let listed = area.ok(&dir, &["list"]);
    assert!(
        listed.contains(URL),
        "`list` says where the environment runs: {listed}"
    );
    let (_, doctor) = area.run(&dir, &["doctor", "server"], &[]);
    assert!(
        doctor
            .lines()
            .any(|l| l.contains(" ok ") && l.contains(&format!("engine {URL}")) && l.contains("Docker 2")),
        "the doctor says the server's engine answers, and its version: {doctor}"
    );
    area.ok(&dir, &["up", "server"]);
    let app = format!("{stack}-app-1");
    assert_eq!(
        containers(Some(SERVER), &stack),
        vec![app.clone()],
        "the stack runs on the server"
    );
    assert!(
        containers(None, &stack).is_empty(),
        "and nothing of it on this machine's engine"
    );

    let ps = area.ok(&dir, &["ps", "server"]);
    assert!(
        ps.contains("app") && ps.contains("running"),
        "ps reads the server: {ps}"
    );
    let logs = area.ok(&dir, &["logs", "server"]);
    assert!(
        logs.contains("hello-from-the-server"),
        "logs come from the server: {logs}"
    );
    let hostname = docker(Some(SERVER), &["inspect", "-f", "{{.Config.Hostname}}", &app]);
    let exec = area.ok(&dir, &["exec", "server", "app", "--", "hostname"]);
    assert_eq!(exec.trim(), hostname, "exec runs in the server's container");

    let secret = area.secret(&dir, "server", "SECRET_KEY");
    let given = docker(Some(SERVER), &["exec", &app, "sh", "-c", "echo \"$SECRET_KEY\""]);
    assert_eq!(
        given, secret,
        "the local keychain's secret reached the server's container"
    );

    area.ok(&dir, &["down", "server"]);
    assert!(
        containers(Some(SERVER), &stack).is_empty(),
        "Stop removed it from the server"
    );
}

#[test]
fn each_fault_of_a_server_names_the_host_and_what_to_fix_and_starts_nothing_here() {
    let area = area();
    let dir = area.project("faults");
    let cases = [
        (
            "ssh://envdeckremote@127.0.0.1:1",
            "the server 127.0.0.1 cannot be reached over ssh",
        ),
        (
            "ssh://root@127.0.0.1:2223",
            "the server 127.0.0.1 refused the ssh login",
        ),
        (
            "ssh://envdeckremote@localhost:2223",
            "the host key of localhost is not known",
        ),
        (
            "ssh://envdeckremote@127.0.0.1:2223/tmp/envdeck-remote/no-such.sock",
            "ssh to 127.0.0.1 works, but Docker does not answer there",
        ),
        (
            "context:envdeck-no-such-context",
            "the docker context `envdeck-no-such-context` does not exist",
        ),
    ];
    for (engine, says) in cases {
        with_engine(&dir, engine);
        let stack = area.stack(&dir, "server");
        let (ok, out) = area.run(&dir, &["up", "server"], &[]);
        assert!(!ok, "{engine}: up must fail:\n{out}");
        assert!(out.contains(says), "{engine}: the error says `{says}`:\n{out}");
        assert!(
            containers(None, &stack).is_empty(),
            "{engine}: nothing started on this machine instead"
        );
    }
    with_engine(&dir, "ssh://envdeckremote@127.0.0.1:1");
    let (ok, doctor) = area.run(&dir, &["doctor", "server"], &[]);
    assert!(!ok, "an unreachable server fails the doctor:\n{doctor}");
    assert!(
        doctor
            .lines()
            .any(|l| l.contains("FAIL") && l.contains("cannot be reached over ssh")),
        "as a line of its own, naming the host, not as a crash of the whole doctor:\n{doctor}"
    );
    with_engine(&dir, "shh://envdeckremote@127.0.0.1");
    let (ok, out) = area.run(&dir, &["up", "server"], &[]);
    assert!(
        !ok && out.contains("envdeck.toml") && out.contains("not an engine EnvDeck can reach"),
        "{out}"
    );
}

#[test]
fn a_docker_context_by_name_reaches_its_engine() {
    let area = area();
    let dir = area.project("context");
    let config = tempfile::tempdir().expect("a docker config folder");
    let config_dir = config.path().to_str().expect("a UTF-8 path");
    docker(
        None,
        &[
            "--config",
            config_dir,
            "context",
            "create",
            "rig",
            "--docker",
            &format!("host={URL}"),
        ],
    );
    with_engine(&dir, "context:rig");
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());

    let (ok, out) = area.run(&dir, &["up", "server"], &[("DOCKER_CONFIG", config_dir)]);
    assert!(ok, "up through the context:\n{out}");
    assert_eq!(
        containers(Some(SERVER), &stack).len(),
        1,
        "the context's engine runs it"
    );
    assert!(containers(None, &stack).is_empty());
    let (ok, out) = area.run(&dir, &["down", "server"], &[("DOCKER_CONFIG", config_dir)]);
    assert!(ok, "down through the context:\n{out}");
    assert!(containers(Some(SERVER), &stack).is_empty());
}

#[test]
fn a_servers_staging_environment_starts_and_stops_only_with_its_name_typed() {
    let area = area();
    let dir = area.project("guarded");
    std::fs::write(
        dir.join("docker-compose.edge.yml"),
        "services:\n  edge:\n    image: envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep 100000 & wait\"]\n",
    )
    .expect("a compose file");
    let manifest = format!(
        "[environments.edge]\ncompose_files = [\"docker-compose.edge.yml\"]\nengine = \"{URL}\"\nexposure = \"staging\"\n\
         [environments.edge.secrets.SECRET_KEY]\nlength = 96\n"
    );
    std::fs::write(dir.join("envdeck.toml"), manifest).expect("the manifest");
    // Staging's checklist wants a long SECRET_KEY: generated into the keychain on the first Start.
    std::fs::write(dir.join(".env.edge.example"), "SECRET_KEY=\n").expect("the template");
    let stack = area.stack(&dir, "edge");
    let _cleanup = OnServer(stack.clone());

    // No terminal to ask on (the test's stdin): refused, saying where and what, before anything runs.
    let (ok, out) = area.run(&dir, &["up", "edge"], &[]);
    assert!(
        !ok,
        "an unconfirmed Start of a server's staging environment fails:\n{out}"
    );
    assert!(
        out.contains("`edge` is the staging environment on the server 127.0.0.1")
            && out.contains("edge")
            && out.contains("--confirm edge"),
        "the refusal says where, what and how to confirm:\n{out}"
    );
    assert!(
        containers(Some(SERVER), &stack).is_empty(),
        "nothing was started there"
    );
    let (ok, _) = area.run(&dir, &["up", "edge", "--confirm", "Edge"], &[]);
    assert!(!ok, "a near miss is not the name");
    assert!(containers(Some(SERVER), &stack).is_empty());

    area.ok(&dir, &["up", "edge", "--confirm", "edge"]);
    assert_eq!(
        containers(Some(SERVER), &stack).len(),
        1,
        "confirmed: it runs on the server"
    );

    let (ok, out) = area.run(&dir, &["down", "edge"], &[]);
    assert!(
        !ok && out.contains("stopping it removes edge there"),
        "Stop is guarded too:\n{out}"
    );
    assert_eq!(containers(Some(SERVER), &stack).len(), 1, "still running");
    area.ok(&dir, &["down", "edge", "--confirm", "edge"]);
    assert!(containers(Some(SERVER), &stack).is_empty(), "confirmed: stopped");
}

#[test]
fn a_dry_run_says_what_a_start_would_do_on_the_server_and_changes_nothing() {
    let area = area();
    let dir = area.project("preview");
    let service = |name: &str, extra: &str| {
        format!(
            "  {name}:\n    image: envdeck-test/busybox:1\n    command: [\"sh\", \"-c\", \"trap 'exit 0' TERM; sleep \
             100000 & wait\"]\n    environment:\n      SECRET_KEY: ${{SECRET_KEY}}\n{extra}"
        )
    };
    let compose = dir.join("docker-compose.yml");
    std::fs::write(
        &compose,
        format!("services:\n{}{}", service("app", ""), service("side", "")),
    )
    .expect("the compose file");
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());
    let line = |out: &str, service: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(service))
            .unwrap_or_else(|| panic!("a line for {service}:\n{out}"))
            .to_owned()
    };

    let before = area.ok(&dir, &["up", "server", "--dry-run"]);
    assert!(
        before.contains("on the server 127.0.0.1") && before.contains("nothing was changed"),
        "{before}"
    );
    assert!(line(&before, "app").contains("create") && line(&before, "side").contains("create"));
    assert!(
        containers(Some(SERVER), &stack).is_empty(),
        "a dry run makes nothing on the server"
    );

    area.ok(&dir, &["up", "server"]);
    let running = area.ok(&dir, &["up", "server", "--dry-run"]);
    assert!(
        line(&running, "app").contains("keep") && line(&running, "side").contains("keep"),
        "{running}"
    );

    std::fs::write(
        &compose,
        format!("services:\n{}", service("app", "      EXTRA: \"1\"\n")),
    )
    .expect("the compose file changes");
    let changed = area.ok(&dir, &["up", "server", "--dry-run"]);
    assert!(line(&changed, "app").contains("replace"), "{changed}");
    assert!(line(&changed, "side").contains("remove"), "{changed}");
    let ids = docker(
        Some(SERVER),
        &[
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={stack}"),
        ],
    );
    assert_eq!(ids.lines().count(), 2, "still both containers, as they were");

    area.ok(&dir, &["up", "server"]);
    let after = area.ok(&dir, &["up", "server", "--dry-run"]);
    assert!(
        line(&after, "app").contains("keep"),
        "what the dry run said was done: {after}"
    );
    assert!(
        !after.lines().any(|l| l.split_whitespace().next() == Some("side")),
        "{after}"
    );
    area.ok(&dir, &["down", "server"]);
}

#[test]
fn a_service_with_build_is_built_on_the_server_from_this_machines_files() {
    let area = area();
    let dir = area.project("built");
    std::fs::create_dir_all(dir.join("web")).expect("a build folder");
    std::fs::write(
        dir.join("web/Dockerfile"),
        "FROM envdeck-test/busybox:1\nCOPY hello.txt /hello.txt\nCMD [\"sh\", \"-c\", \"cat /hello.txt; trap 'exit 0' TERM; sleep 100000 & wait\"]\n",
    )
    .expect("a Dockerfile");
    std::fs::write(dir.join("web/hello.txt"), "built-from-this-machine\n").expect("a file to copy");
    std::fs::write(
        dir.join("docker-compose.yml"),
        "services:\n  web:\n    build: ./web\n    environment:\n      SECRET_KEY: ${SECRET_KEY}\n",
    )
    .expect("the compose file");
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());
    let image = format!("{stack}-web");
    let _image_cleanup = RemoveImage(image.clone());

    let preview = area.ok(&dir, &["up", "server", "--dry-run"]);
    assert!(
        preview.contains(&format!("build image {image}")),
        "the dry run says the image is built: {preview}"
    );
    area.ok(&dir, &["up", "server"]);
    let logs = area.ok(&dir, &["logs", "server"]);
    assert!(
        logs.contains("built-from-this-machine"),
        "the server runs what was built from this machine's files: {logs}"
    );
    assert!(
        !docker(Some(SERVER), &["image", "ls", "-q", &image]).is_empty(),
        "the image is on the server"
    );
    assert!(
        docker(None, &["image", "ls", "-q", &image]).is_empty(),
        "and not on this machine"
    );
    area.ok(&dir, &["down", "server"]);
}

/// Removes an image from the server, whatever the test's outcome.
struct RemoveImage(String);

impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["-H", SERVER, "image", "rm", "-f", &self.0])
            .output();
    }
}

#[test]
fn an_environment_on_a_tcp_engine_runs_there_over_verified_tls() {
    let area = area();
    let dir = area.project("tls");
    with_engine(&dir, TCP_URL);
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());
    let certs = [("DOCKER_CERT_PATH", TLS_CLIENT)];

    let (_, doctor) = area.run(&dir, &["doctor", "server"], &certs);
    assert!(
        doctor.lines().any(|l| l.contains(" ok ")
            && l.contains(&format!("engine {TCP_URL}"))
            && l.contains("Docker 2")),
        "the doctor says the engine answers over TLS: {doctor}"
    );
    let (ok, out) = area.run(&dir, &["up", "server"], &certs);
    assert!(ok, "up over TLS:\n{out}");
    assert_eq!(
        containers(Some(SERVER), &stack).len(),
        1,
        "the TCP engine runs it"
    );
    assert!(containers(None, &stack).is_empty(), "and not this machine's");
    let (ok, ps) = area.run(&dir, &["ps", "server"], &certs);
    assert!(ok && ps.contains("running"), "ps reads it over TLS: {ps}");
    let (ok, out) = area.run(&dir, &["down", "server"], &certs);
    assert!(ok, "down over TLS:\n{out}");
    assert!(containers(Some(SERVER), &stack).is_empty());
}

#[test]
fn each_fault_of_a_tcp_engine_says_what_to_check_and_starts_nothing() {
    let area = area();
    let dir = area.project("tls-faults");
    let empty = tempfile::tempdir().expect("a folder without certificates");
    let empty = empty.path().to_str().expect("a UTF-8 path").to_owned();
    // The right CA, but a client certificate the server never signed: refused by the server, after
    // the handshake under TLS 1.3, so what the connection says (OpenSSL's "alert bad certificate", or
    // only that it closed) depends on timing; the sentence around it names the file to check.
    let mixed = tempfile::tempdir().expect("a folder of mixed certificates");
    std::fs::copy(format!("{TLS_CLIENT}/ca.pem"), mixed.path().join("ca.pem")).expect("the CA");
    for file in ["cert.pem", "key.pem"] {
        std::fs::copy(format!("{TLS_STRANGER}/{file}"), mixed.path().join(file)).expect("a stranger's file");
    }
    let mixed = mixed.path().to_str().expect("a UTF-8 path").to_owned();
    let mixed_cert = format!("{mixed}/cert.pem");
    let cases = [
        (
            TCP_URL,
            empty.as_str(),
            vec![
                "tcp://127.0.0.1:2376 needs the CA certificate",
                "ca.pem",
                "DOCKER_CERT_PATH",
            ],
        ),
        (
            TCP_URL,
            TLS_STRANGER,
            vec![
                "the engine at tcp://127.0.0.1:2376 could not be verified over TLS",
                "other/ca.pem",
            ],
        ),
        (
            "tcp://localhost:2376",
            TLS_CLIENT,
            vec![
                "the engine at tcp://localhost:2376 could not be verified over TLS",
                "names the host",
            ],
        ),
        (
            TCP_URL,
            mixed.as_str(),
            vec![
                "could not be verified over TLS",
                "the server trusts the client certificate",
                mixed_cert.as_str(),
            ],
        ),
        (
            "tcp://127.0.0.1:1",
            TLS_CLIENT,
            vec!["nothing answers at tcp://127.0.0.1:1"],
        ),
    ];
    for (engine, certs, says) in cases {
        with_engine(&dir, engine);
        let stack = area.stack(&dir, "server");
        let _cleanup = OnServer(stack.clone());
        let (ok, out) = area.run(&dir, &["up", "server"], &[("DOCKER_CERT_PATH", certs)]);
        assert!(!ok, "{engine} with {certs}: up must fail:\n{out}");
        for said in says {
            assert!(
                out.contains(said),
                "{engine} with {certs}: the error says `{said}`:\n{out}"
            );
        }
        assert!(
            containers(None, &stack).is_empty() && containers(Some(SERVER), &stack).is_empty(),
            "{engine}: nothing started anywhere"
        );
    }
}

#[test]
fn a_tcp_context_reaches_its_engine_with_its_own_certificates_and_one_without_is_refused() {
    let area = area();
    let dir = area.project("tls-context");
    let config = tempfile::tempdir().expect("a docker config folder");
    let config_dir = config.path().to_str().expect("a UTF-8 path");
    let create = |name: &str, endpoint: &str| {
        docker(
            None,
            &[
                "--config", config_dir, "context", "create", name, "--docker", endpoint,
            ],
        );
    };
    create(
        "tls-rig",
        &format!("host={TCP_URL},ca={TLS_CLIENT}/ca.pem,cert={TLS_CLIENT}/cert.pem,key={TLS_CLIENT}/key.pem"),
    );
    create("plain-rig", &format!("host={TCP_URL}"));
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());
    // DOCKER_CERT_PATH points nowhere useful: the context's own files are the ones used.
    let env = [("DOCKER_CONFIG", config_dir), ("DOCKER_CERT_PATH", TLS_STRANGER)];

    with_engine(&dir, "context:tls-rig");
    let (ok, out) = area.run(&dir, &["up", "server"], &env);
    assert!(ok, "up through the TLS context:\n{out}");
    assert_eq!(
        containers(Some(SERVER), &stack).len(),
        1,
        "the context's engine runs it"
    );
    let (ok, out) = area.run(&dir, &["down", "server"], &env);
    assert!(ok, "down through the TLS context:\n{out}");

    with_engine(&dir, "context:plain-rig");
    let (ok, out) = area.run(&dir, &["up", "server"], &env);
    assert!(
        !ok && out.contains("`plain-rig` reaches its engine over tcp:// without TLS certificates")
            && out.contains("docker context update plain-rig"),
        "a context without certificates is refused, saying how to add them:\n{out}"
    );
    assert!(containers(Some(SERVER), &stack).is_empty() && containers(None, &stack).is_empty());
}

/// A plain TCP port in front of the rig's engine socket, as a server's `dockerd -H tcp://…` without TLS
/// would be: each connection is copied both ways to the socket, until the test ends.
fn plain_tcp_engine() -> u16 {
    use std::os::unix::net::UnixStream;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let Ok(unix) = UnixStream::connect(SERVER.trim_start_matches("unix://")) else {
                continue;
            };
            let (Ok(mut tcp_in), Ok(mut unix_out)) = (tcp.try_clone(), unix.try_clone()) else {
                continue;
            };
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut tcp_in, &mut unix_out);
                let _ = unix_out.shutdown(std::net::Shutdown::Write);
            });
            let (mut unix_in, mut tcp_out) = (unix, tcp);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut unix_in, &mut tcp_out);
                let _ = tcp_out.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

#[test]
fn plain_tcp_is_used_only_when_the_manifest_says_engine_tls_false() {
    let area = area();
    let dir = area.project("plain");
    let port = plain_tcp_engine();
    let engine = format!("tcp://127.0.0.1:{port}");
    let stack = area.stack(&dir, "server");
    let _cleanup = OnServer(stack.clone());
    let certs = [("DOCKER_CERT_PATH", TLS_CLIENT)];

    with_engine(&dir, &engine);
    let (ok, out) = area.run(&dir, &["up", "server"], &certs);
    assert!(
        !ok && out.contains(&format!("the engine at {engine} could not be verified over TLS")),
        "an engine without TLS is not spoken to in plain words unless the manifest says so:\n{out}"
    );
    assert!(containers(Some(SERVER), &stack).is_empty(), "nothing started");

    let manifest = format!(
        "[environments.server]\ncompose_files = [\"docker-compose.yml\"]\nengine = \"{engine}\"\nengine_tls = false\n"
    );
    std::fs::write(dir.join("envdeck.toml"), manifest).expect("the manifest is written");
    let listed = area.ok(&dir, &["list"]);
    assert!(
        listed.contains(&format!("{engine} without TLS")),
        "`list` says it is plain: {listed}"
    );
    area.ok(&dir, &["up", "server"]);
    assert_eq!(
        containers(Some(SERVER), &stack).len(),
        1,
        "the plain engine runs it"
    );
    area.ok(&dir, &["down", "server"]);
    assert!(containers(Some(SERVER), &stack).is_empty());
}
