//! `envdeck project`: who this folder is to EnvDeck, and the answer when EnvDeck asks whether a
//! folder is a project it knew (moved, renamed, or from before project ids).

use std::path::Path;
use std::process::ExitCode;

use envdeck_api::identity;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// The project's identity, and the stack and keychain names of each environment.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// This folder is the project that was at FROM (a path EnvDeck named), or `legacy:NAME`: take over
    /// its secrets and data.
    Adopt { from: String },
    /// This folder is a project of its own: give it new secrets and data (others stay untouched).
    New,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let runtime = super::runtime();
    let mut json = false;
    let identity = match args.action {
        Action::Show { json: as_json } => {
            json = as_json;
            None
        }
        Action::Adopt { from } => Some(runtime.block_on(identity::adopt(project, &from))?),
        Action::New => Some(runtime.block_on(identity::new(project))?),
    };
    if let Some(identity) = identity {
        println!("{}: {}", project.display(), identity::describe(&identity));
    }
    let view = runtime.block_on(identity::show(project))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    println!("folder    {}", view.path);
    println!("identity  {}", view.identity);
    for e in &view.environments {
        println!("  {:14} stack {:40} keychain {}", e.id, e.stack, e.keychain);
    }
    Ok(ExitCode::SUCCESS)
}
