//! Typed progress of long operations (`up`, `down`, `restart`): the CLI prints it, the desktop streams it
//! to the UI's timeline over a Channel. Every event names the Plan Step it is about, except `Waiting` and
//! `Warning`, which come before any Step.

use serde::Serialize;

use crate::plan::Step;

/// One thing that happened while a Plan was applied.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "event", rename_all = "snake_case")]
#[ts(export)]
pub enum Progress {
    StepStarted {
        step: Step,
    },
    StepFinished {
        step: Step,
        outcome: Outcome,
    },
    StepFailed {
        step: Step,
        message: String,
    },
    /// One layer of an image being pulled; bytes are `None` while Docker does not know them yet.
    Pull {
        image: String,
        layer: String,
        status: String,
        #[ts(type = "number | null")]
        current: Option<u64>,
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    /// A line of `docker build` output for a Service with `build:`.
    BuildOutput {
        service: String,
        line: String,
    },
    /// A container's health changed (from Docker's events, not from polling).
    Health {
        service: String,
        container: String,
        health: Health,
    },
    /// Another EnvDeck (the app, a CLI) is changing the environment: this operation waits for it. The
    /// message names who, doing what, since when, in English (the CLI, the log); `facts` are the same
    /// for the window to word in the person's language (`reason.<kind>`).
    Waiting {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        facts: Option<WaitingFor>,
    },
    /// Something the person should know before the Step that follows (a shell variable the keychain's
    /// secret overrides); the operation goes on. `facts`: the same for the window to word.
    Warning {
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        facts: Option<Notice>,
    },
}

/// What a `Warning` (or a doctor's line) says, as facts the window words in the person's language
/// (`reason.<kind>`); the English sentence travels beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Notice {
    /// A managed secret is also set, to another value, at `source`: the keychain's value is used.
    SecretElsewhere {
        variable: String,
        source: crate::secret::Source,
    },
}

/// Another EnvDeck that holds an environment and said which program it is: `client` (app or cli) and
/// `operation` (start, stop, wipe, restore, secrets) are words the window's catalog says
/// (`reason.word.<word>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Holder {
    pub client: String,
    pub pid: u32,
    pub operation: String,
    /// For how long it has held it.
    #[ts(type = "number")]
    pub seconds: u64,
}

/// Whom a `Waiting` waits for. Words (`client`: app or cli; `operation`: start, stop, wipe, restore,
/// secrets) are said by the window's catalog (`reason.word.<word>`), as in a busy error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum WaitingFor {
    /// "local is busy: the envdeck CLI (pid 4242) has been starting it for 3 s; waiting for it to finish
    /// (up to 600 s)".
    Waiting {
        env: String,
        #[serde(flatten)]
        holder: Holder,
        #[ts(type = "number")]
        limit: u64,
    },
    /// The holder did not say who it is.
    WaitingUnknown {
        env: String,
        #[ts(type = "number")]
        limit: u64,
    },
}

/// What a finished Step changed; `Unchanged` is what an idempotent second `up` reports everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Outcome {
    Created,
    Recreated,
    Started,
    Pulled,
    Built,
    Removed,
    Stopped,
    Ready,
    Unchanged,
}

/// A container's health as Docker reports it; `None` means the image has no healthcheck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Health {
    None,
    Starting,
    /// Docker still says "starting", but the Service's own healthcheck test, run by EnvDeck, has passed:
    /// ready for its dependents ("ready (checked by EnvDeck)") until Docker's next check agrees.
    Checked,
    Healthy,
    Unhealthy,
}
