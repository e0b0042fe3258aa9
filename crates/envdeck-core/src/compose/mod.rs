//! The compose model: what one environment of a project will run, resolved from its compose files.
//!
//! `model` is the contract between the loader (YAML in) and the engine (containers out). Its JSON form
//! follows `docker compose config --format json`, so users can compare the two.

pub mod model;

pub use model::*;
