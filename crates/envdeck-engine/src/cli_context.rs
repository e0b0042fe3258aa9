//! The docker CLI's contexts (`docker context create staging --docker host=ssh://…`): an environment
//! with `engine = "context:staging"` runs where that context points, so a developer who already has
//! contexts needs nothing new. Read from the CLI's own store: `$DOCKER_CONFIG`, else `~/.docker`, file
//! `contexts/meta/<sha256 of the name>/meta.json`, and a tcp:// context's TLS files in
//! `contexts/tls/<sha256 of the name>/docker/`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::unusable::Unusable;

/// Where the docker CLI keeps its configuration.
pub(crate) fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".docker"))
}

/// The docker endpoint (`ssh://…`, `unix://…`, `tcp://…`) of the context `name`; the error says what to
/// do, naming the context and the file read.
pub(crate) fn host_of(name: &str) -> Result<String, Unusable> {
    host_in(&configured()?, name)
}

fn configured() -> Result<PathBuf, Unusable> {
    config_dir().ok_or_else(|| Unusable::NoConfigFolder {
        var: "DOCKER_CONFIG".to_owned(),
    })
}

fn host_in(config: &Path, name: &str) -> Result<String, Unusable> {
    let hash = format!("{:x}", Sha256::digest(name.as_bytes()));
    let meta = config.join("contexts/meta").join(hash).join("meta.json");
    let (name, file) = (name.to_owned(), meta.display().to_string());
    let text = match std::fs::read_to_string(&meta) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Unusable::ContextMissing { name, file });
        }
        Err(e) => {
            return Err(Unusable::ContextUnreadable {
                name,
                file,
                detail: e.to_string(),
            });
        }
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(json) => json,
        Err(e) => {
            return Err(Unusable::ContextNotJson {
                name,
                file,
                detail: e.to_string(),
            });
        }
    };
    let endpoint = &json["Endpoints"]["docker"];
    if endpoint["SkipTLSVerify"].as_bool() == Some(true) {
        return Err(Unusable::ContextSkipsVerify { name });
    }
    endpoint["Host"]
        .as_str()
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .ok_or(Unusable::ContextNoHost { name, file })
}

/// The TLS files the docker CLI keeps for a tcp:// context (`docker context create NAME --docker
/// "host=tcp://…,ca=…,cert=…,key=…"` copies them into its store). A context without them would be plain
/// TCP, which EnvDeck does not take from a context: the error says how to add them.
pub(crate) fn certificates_of(name: &str) -> Result<crate::tls::Certificates, Unusable> {
    certificates_in(&configured()?, name)
}

fn certificates_in(config: &Path, name: &str) -> Result<crate::tls::Certificates, Unusable> {
    let hash = format!("{:x}", Sha256::digest(name.as_bytes()));
    let certs = crate::tls::Certificates {
        dir: config.join("contexts/tls").join(hash).join("docker"),
    };
    if certs.ca().is_file() && certs.cert().is_file() && certs.key().is_file() {
        return Ok(certs);
    }
    Err(Unusable::ContextNoCertificates {
        name: name.to_owned(),
        folder: certs.dir.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(name: &str, meta: &str) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let hash = format!("{:x}", Sha256::digest(name.as_bytes()));
        let dir = tmp.path().join("contexts/meta").join(hash);
        std::fs::create_dir_all(&dir).expect("the store");
        std::fs::write(dir.join("meta.json"), meta).expect("meta.json");
        tmp
    }

    #[test]
    fn a_context_is_found_by_the_hash_of_its_name() {
        let tmp = store(
            "staging",
            r#"{"Name":"staging","Metadata":{},"Endpoints":{"docker":{"Host":"ssh://deploy@host:2222","SkipTLSVerify":false}}}"#,
        );
        assert_eq!(
            host_in(tmp.path(), "staging"),
            Ok("ssh://deploy@host:2222".to_owned())
        );
        let missing = host_in(tmp.path(), "prod")
            .expect_err("no such context")
            .to_string();
        assert!(
            missing.contains("`prod` does not exist") && missing.contains("docker context create"),
            "{missing}"
        );
    }

    #[test]
    fn a_context_that_skips_tls_verification_is_refused() {
        let tmp = store(
            "lax",
            r#"{"Name":"lax","Endpoints":{"docker":{"Host":"tcp://host:2376","SkipTLSVerify":true}}}"#,
        );
        assert!(
            host_in(tmp.path(), "lax")
                .expect_err("refused")
                .to_string()
                .contains("skips TLS verification")
        );
    }

    #[test]
    fn a_tcp_context_is_verified_with_its_own_certificates_and_refused_without() {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let err = certificates_in(tmp.path(), "edge")
            .expect_err("no TLS files")
            .to_string();
        assert!(
            err.contains("`edge`")
                && err.contains("without TLS certificates")
                && err.contains("docker context update edge"),
            "{err}"
        );
        let hash = format!("{:x}", Sha256::digest(b"edge"));
        let dir = tmp.path().join("contexts/tls").join(hash).join("docker");
        std::fs::create_dir_all(&dir).expect("the store");
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(dir.join(file), "pem").expect("a file");
        }
        assert_eq!(certificates_in(tmp.path(), "edge").map(|c| c.dir), Ok(dir));
    }
}
