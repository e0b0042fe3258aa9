//! Host processes and ports as the tests see them from outside: a free loopback port, and the living
//! members of a process group read from /proc (Linux), to prove a stop left nothing of a tree.

use std::net::TcpListener;

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("the OS hands out a free loopback port")
}

/// Living members (not zombies: PID 1 here does not reap orphans) of process group `pgid`, from /proc.
pub fn process_group(pgid: u32) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("/proc is readable")
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                return false;
            };
            // Fields after the command name (which may hold spaces and parentheses): state, ppid, pgrp.
            let rest = &text[text.rfind(')').map_or(0, |i| i + 1)..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            fields.len() > 2 && !matches!(fields[0], "Z" | "X") && fields[2] == pgid.to_string()
        })
        .collect()
}
