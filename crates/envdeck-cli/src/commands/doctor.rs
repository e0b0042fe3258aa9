//! `envdeck doctor [ENV]`: what the app's doctor panel shows, in a terminal. Docker and the keychain
//! first; with ENV, that environment's ports, images and secrets as a Start would meet them. Exits
//! non-zero when something would make the Start fail, so a setup script can stop early.

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::app_info::Reachability;
use envdeck_api::secrets::SecretState;

#[derive(clap::Args)]
pub struct Args {
    /// The environment to check; without it, only Docker and the keychain.
    env: Option<String>,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

fn line(ok: bool, what: &str, detail: &str) {
    println!("  {}  {what:<34} {detail}", if ok { " ok " } else { "FAIL" });
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let rt = super::runtime();
    let info = rt.block_on(envdeck_api::app_info::app_info());
    let environment = match &args.env {
        Some(env) => Some(rt.block_on(envdeck_api::environment::doctor(project, env))?),
        None => None,
    };
    if args.json {
        let json = serde_json::json!({ "app": info, "environment": environment });
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
    }
    let mut failed = 0;
    let mut row = |ok: bool, what: &str, detail: &str| {
        if !ok {
            failed += 1;
        }
        if !args.json {
            line(ok, what, detail);
        }
    };
    for (what, status) in [("Docker", &info.docker), ("OS keychain", &info.keychain)] {
        match status {
            Reachability::Reachable { detail } => row(true, what, detail),
            Reachability::Unreachable { reason, .. } => row(false, what, reason),
        }
    }
    if let Some(doctor) = &environment {
        if let Some(server) = &doctor.server {
            let what = format!("engine {}", server.engine);
            match &server.status {
                Reachability::Reachable { detail } => row(true, &what, detail),
                Reachability::Unreachable { reason, .. } => row(false, &what, reason),
            }
        }
        if let Some(program) = &doctor.program {
            let what = format!("program {}", program.program);
            match &program.status {
                Reachability::Reachable { detail } => row(true, &what, detail),
                Reachability::Unreachable { reason, .. } => row(false, &what, reason),
            }
        }
        for p in &doctor.ports {
            let what = format!("port {}:{} ({})", p.host_ip, p.port, p.service);
            let detail = if p.free {
                "free"
            } else {
                "taken by another program: stop it, or change the port in the compose file"
            };
            row(p.free, &what, detail);
        }
        for i in &doctor.images {
            let what = format!("image of {}", i.service);
            let detail = match (i.present, i.build) {
                (true, _) => format!("{} is here", i.image),
                (false, true) => format!("{} is built from the project at Start", i.image),
                (false, false) => format!("{} is pulled at Start (needs its registry)", i.image),
            };
            row(true, &what, &detail);
        }
        for s in &doctor.secrets {
            let what = format!("secret {}", s.name);
            match (s.state, s.generated) {
                (SecretState::Stored, _) => row(true, &what, "in the keychain"),
                (_, true) => row(true, &what, "generated into the keychain at Start"),
                (_, false) => row(
                    false,
                    &what,
                    &format!(
                        "missing: enter it with `envdeck secrets enter {} {}`",
                        args.env.as_deref().unwrap_or(""),
                        s.name
                    ),
                ),
            }
        }
        // Start goes on (the keychain's value wins), but the other value is the person's to remove.
        for conflict in &doctor.conflicts {
            row(false, "secret set twice", &conflict.message);
        }
    }
    if !args.json {
        if failed == 0 {
            println!("Nothing stands in the way.");
        } else {
            println!("{failed} line(s) need you: see what each says to do.");
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
