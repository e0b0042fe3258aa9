//! Which variables of an environment are secrets, how strong each must be, how they are generated,
//! and how their values are kept out of anything EnvDeck prints.

pub mod encoding;
pub mod generate;
pub mod lines;
pub mod mask;
pub mod policy;
pub mod precedence;
pub mod rotation;
pub mod rule;
pub mod value;

pub use generate::generate;
pub use lines::LineAssembler;
pub use mask::{MIN_MASKED_LEN, Masker};
pub use policy::{MAX_LENGTH, MIN_BITS, SecretSpec, Strength, Supply, estimated_bits, secret_specs};
pub use precedence::{Conflict, Source};
pub use rotation::{Consequence, rotation_consequences};
pub use rule::{Alphabet, SecretRule};
pub use value::SecretValue;
