//! Test clean-up that must run even when a test fails half-way: every container, network and volume
//! carrying a stack's EnvDeck label goes, through the docker CLI (independent of the code under test).

use std::process::Command;

/// Removes what a test's stack left behind. Errors are ignored: there may be nothing to remove.
pub fn remove_stack(stack: &str) {
    let label = format!("label=dev.envdeck.project={stack}");
    for (list, remove) in [
        (["ps", "-aq"], &["rm", "-f", "-v"][..]),
        (["network", "ls"], &["network", "rm"][..]),
        (["volume", "ls"], &["volume", "rm", "-f"][..]),
    ] {
        let Ok(out) = Command::new("docker")
            .args(list)
            .args(["-q", "--filter", &label])
            .output()
        else {
            continue;
        };
        let ids: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .map(String::from)
            .collect();
        if !ids.is_empty() {
            let _ = Command::new("docker").args(remove).args(&ids).output();
        }
    }
}
