//! The compose model: what one environment of a project will run, resolved from its compose files.
//!
//! `model` is the contract between the loader (YAML in) and the engine (containers out). Its JSON form
//! follows `docker compose config --format json`, so users can compare the two. The other modules are
//! the loader, one concept each: YAML, interpolation, one service's keys, overlays, the whole stack.

mod context;
pub mod env_file;
mod extends;
mod health;
mod include;
pub mod interpolate;
mod load;
mod merge;
pub mod model;
mod mounts;
mod ports;
mod service;
mod spec_keys;
mod top_level;
pub mod units;
pub mod variables;
pub mod words;
mod yaml;

pub use env_file::{EnvEntry, EnvFile};
pub use load::{LoadOptions, load, load_str, normalize_project_name};
pub use model::*;
pub use variables::{Layer, Variables};
pub use yaml::parse as parse_yaml;
