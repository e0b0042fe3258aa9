//! The keychain's secret wins, for containers and host processes alike: a shell variable, a service's
//! `env_file:` value and a host environment's `env` value named like a managed secret never reach the
//! container or the process; each is reported on Start and by the doctor, naming the variable and where
//! it was, never its value. The real binary, the real dockerd and the real keychain.
//!
//! Fixture: tests/fixtures/projects/precedence.

use std::path::Path;

use envdeck_tests::area::{Area, LIMIT};
use envdeck_tests::cli::{Spawned, container_env, signal};

const SHELL: (&str, &str) = ("DB_PASSWORD", "from-the-shell-789");

fn area() -> Area {
    Area::new(
        Path::new(env!("CARGO_BIN_EXE_envdeck")),
        "precedence",
        &["SECRET_KEY", "DB_PASSWORD"],
    )
}

fn assert_no_other_value(text: &str) {
    for other in [
        "from-the-shell-789",
        "from-the-env-file-123",
        "from-the-manifest-456",
    ] {
        assert!(
            !text.contains(other),
            "no other value is printed (`{other}`):\n{text}"
        );
    }
}

#[test]
fn containers_get_the_keychain_value_over_the_shell_and_an_env_file_and_are_told_so() {
    let area = area();
    let dir = area.project("shop");
    let (ok, text) = area.run(&dir, &["up", "local"], &[SHELL]);
    assert!(ok, "Start goes on:\n{text}");
    assert!(
        text.contains("warning: DB_PASSWORD is also set in your shell")
            && text.contains("warning: SECRET_KEY is also set in service `app` (env_file: or environment:)")
            && text.contains("EnvDeck uses the keychain's"),
        "each conflict is said on Start, with where it came from:\n{text}"
    );
    assert_no_other_value(&text);
    let stack = area.stack(&dir, "local");
    for name in ["DB_PASSWORD", "SECRET_KEY"] {
        assert_eq!(
            container_env(&stack, "app", name),
            Some(area.secret(&dir, "local", name)),
            "the container's {name} is the keychain's"
        );
    }
    assert_eq!(
        container_env(&stack, "app", "DEBUG").as_deref(),
        Some("1"),
        "the env_file's other variables are kept"
    );

    let (ok, text) = area.run(&dir, &["doctor", "local"], &[SHELL]);
    assert!(
        !ok,
        "the doctor counts the conflicts as lines that need you:\n{text}"
    );
    assert!(
        text.contains("DB_PASSWORD is also set in your shell")
            && text.contains("SECRET_KEY is also set in service `app`"),
        "the doctor lists them:\n{text}"
    );
    assert_no_other_value(&text);
    let (_, text) = area.run(&dir, &["doctor", "local"], &[]);
    assert!(
        !text.contains("DB_PASSWORD is also set"),
        "without the shell variable, no shell conflict:\n{text}"
    );
}

#[test]
fn a_host_process_gets_the_keychain_value_over_the_shell_and_its_env_table_and_is_told_so() {
    let area = area();
    let dir = area.project("shop-host");
    let mut up = Spawned::start(area.command(&dir, &["up", "host"], &[SHELL]));
    let line = up.wait_for_line("db=", LIMIT);
    assert!(
        line.trim_end().ends_with("db=•••• key=••••"),
        "the process printed the keychain's values (masked: they are stored secrets), not the others: {line}"
    );
    let pid = up.child.id();
    signal(pid, "INT");
    let (_, text) = up.finish(LIMIT);
    assert!(
        text.contains("warning: DB_PASSWORD is also set in your shell")
            && text.contains("warning: SECRET_KEY is also set in envdeck.toml [environments.host] env"),
        "each conflict is said on Start:\n{text}"
    );
    assert_no_other_value(&text);
    area.stack(&dir, "host");
}
