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
    /// message names who, doing what, since when.
    Waiting {
        message: String,
    },
    /// Something the person should know before the Step that follows (a shell variable the keychain's
    /// secret overrides); the operation goes on.
    Warning {
        message: String,
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
