//! The config hash: a fingerprint of a Service's resolved configuration, stored as a label on its
//! containers so a later `up` (even after EnvDeck was killed) knows which containers are out of date.

use sha2::{Digest, Sha256};

use crate::compose::Service;

/// SHA-256 of the Service's canonical JSON (maps are ordered, so equal configs give equal hashes).
/// `deploy.replicas` is left out: scaling adds or removes containers, it does not recreate the others.
pub fn config_hash(service: &Service) -> String {
    let mut canonical = service.clone();
    if let Some(deploy) = canonical.deploy.as_mut() {
        deploy.replicas = None;
    }
    // Serializing plain data with string keys cannot fail; an empty string would only mean "recreate".
    let json = serde_json::to_vec(&canonical).unwrap_or_default();
    let digest = Sha256::digest(&json);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
