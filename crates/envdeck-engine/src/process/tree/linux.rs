//! Linux: the tree is its own process group; /proc tells start times, states and group members without
//! spawning anything. The group and its signals are unix.rs's.

use super::{Seen, Tree};

pub(super) use super::unix::{Hold, adopt, configure, force, polite};

/// The fields of `/proc/<pid>/stat` EnvDeck reads.
struct Stat {
    state: char,
    pgrp: u32,
    starttime: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may itself contain spaces and parentheses.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state); pgrp is field 5, starttime field 22.
    Some(Stat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        starttime: fields.get(19)?.parse().ok()?,
    })
}

fn running(s: &Stat) -> bool {
    // A zombie has ended; it only waits for its parent (or an init that may never reap it).
    !matches!(s.state, 'Z' | 'X' | 'x')
}

pub(super) fn look(pid: u32) -> Option<Seen> {
    stat(pid).map(|s| Seen {
        identity: format!("linux:{}", s.starttime),
        running: running(&s),
    })
}

/// Whether a running (not zombie) process of group `pgid` is left.
pub(super) fn group_alive(tree: Tree<'_>) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .any(|pid| stat(pid).is_some_and(|s| s.pgrp == tree.pgid && running(&s)))
}
