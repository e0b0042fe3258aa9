//! Which variables of an environment are secrets, and how strong each must be.

pub mod rule;

pub use rule::{Alphabet, SecretRule};
