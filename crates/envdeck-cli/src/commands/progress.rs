//! How the CLI prints typed progress: one line per finished Step, pull and build output as it comes.

use envdeck_core::plan::Step;
use envdeck_core::progress::{Health, Progress};

pub fn print(event: Progress) {
    match event {
        Progress::StepStarted { .. } => {}
        Progress::StepFinished { step, outcome } => println!("  ok    {} ({outcome:?})", describe(&step)),
        Progress::StepFailed { step, message } => eprintln!("  FAIL  {}: {message}", describe(&step)),
        Progress::Pull {
            image,
            layer,
            status,
            current,
            total,
        } => match (current, total) {
            (Some(c), Some(t)) if t > 0 => {
                println!("  pull  {image} {layer} {status} {}/{} MB", c >> 20, t >> 20)
            }
            _ if status.starts_with("Pull complete") || status.starts_with("Status") => {
                println!("  pull  {image} {layer} {status}")
            }
            _ => {}
        },
        Progress::BuildOutput { service, line } => println!("  build {service} | {line}"),
        Progress::Waiting { message, .. } => eprintln!("{message}"),
        Progress::Warning { message, .. } => eprintln!("warning: {message}"),
        Progress::Health {
            service,
            container,
            health,
        } => {
            let word = match health {
                Health::Healthy => "healthy",
                Health::Unhealthy => "UNHEALTHY",
                Health::Starting => "starting",
                Health::Checked => "ready (checked by EnvDeck)",
                Health::None => "no healthcheck",
            };
            println!("  health {service} ({container}): {word}");
        }
    }
}

fn describe(step: &Step) -> String {
    match step {
        Step::CheckPorts => "ports are free".into(),
        Step::Network { name } => format!("network {name}"),
        Step::Volume { name } => format!("volume {name}"),
        Step::Image { image, .. } => format!("image {image}"),
        Step::Service { service } => format!("service {service}"),
        Step::Ready { service } => format!("service {service} ready"),
    }
}
