//! A link of a server's service (MailHog, pgAdmin, Grafana on the server's loopback) opens through a
//! local port forwarded over ssh: the same path, on a port of this machine that ssh carries to the port
//! the link names on the server. One forward per server and port, kept for the life of the process.

use std::collections::HashMap;
use std::sync::LazyLock;

use envdeck_core::address::WebUrl;
use envdeck_core::project::Endpoint;
use envdeck_engine::ssh::Forward;

use crate::error::{ApiError, ErrorCode};

/// Forwards kept open for the life of the process, one per server and port: a second click reuses it, a
/// dropped one is opened again.
static FORWARDS: LazyLock<tokio::sync::Mutex<HashMap<(Endpoint, u16), Forward>>> =
    LazyLock::new(Default::default);

/// The URL that opens a server's link from this machine: the same path on a local port forwarded over
/// ssh to the port the link names on the server.
pub async fn forwarded(engine: &Endpoint, url: &str) -> Result<String, ApiError> {
    let Some((web, port)) = WebUrl::parse(url).and_then(|web| Some((web.clone(), web.port()?))) else {
        return Err(ApiError::new(
            ErrorCode::Internal,
            format!("{url} is not an http(s) URL with a host"),
        ));
    };
    let mut forwards = FORWARDS.lock().await;
    let key = (engine.clone(), port);
    let alive = forwards.get_mut(&key).is_some_and(Forward::is_alive);
    if !alive {
        let forward = envdeck_engine::docker::forward(engine, port)
            .await
            .map_err(|e| ApiError::new(ErrorCode::DockerUnavailable, e.to_string()))?;
        forwards.insert(key.clone(), forward);
    }
    let local = forwards.get(&key).map(|f| f.local_port).unwrap_or_default();
    Ok(web.at("127.0.0.1", local))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_link_to_this_machine_of_an_engine_without_ssh_is_refused_not_opened_here() {
        let refused = forwarded(&Endpoint::Local, "http://localhost:8025/")
            .await
            .expect_err("no ssh here");
        assert!(
            refused.message.contains("cannot be forwarded"),
            "{}",
            refused.message
        );
    }
}
