//! `envdeck checklist ENV`: the security checklist of staging/prod, one PASS/FAIL
//! line per check with its reason; exits non-zero when any line fails, so CI can gate on it.

use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The environment to check (usually `staging` or `prod`).
    env: String,
    /// Print JSON instead of lines.
    #[arg(long)]
    json: bool,
}

pub fn run(project: &Path, args: Args) -> super::Outcome {
    let checklist = super::runtime().block_on(envdeck_api::checklist::evaluate(project, &args.env))?;
    let code = if checklist.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&checklist).unwrap_or_default());
        return Ok(code);
    }
    println!("Security checklist of {}:", checklist.env);
    if !checklist.applies {
        println!("  (the seeds require it for staging and prod; shown here for information)");
    }
    let width = checklist.items.iter().map(|i| i.title.len()).max().unwrap_or(0);
    for item in &checklist.items {
        let mark = if item.passed { "PASS" } else { "FAIL" };
        println!("  {mark}  {:<width$}  {}", item.title, item.reason);
    }
    let failed = checklist.items.iter().filter(|i| !i.passed).count();
    if failed == 0 {
        println!("All {} checks pass.", checklist.items.len());
    } else if checklist.blocks_start {
        println!(
            "{failed} of {} checks fail: `envdeck up {}` is refused until they pass.",
            checklist.items.len(),
            checklist.env
        );
    } else {
        println!("{failed} of {} checks fail.", checklist.items.len());
    }
    Ok(code)
}
