//! The connection to the Docker engine, and what "Docker is not there" looks like to a user.

use bollard::Docker;

/// Why EnvDeck could not talk to the Docker engine, in words a new developer can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// No engine answered on the local socket or pipe.
    #[error(
        "Docker is not running (nothing answers at {endpoint}). Start Docker Desktop, or on Linux run `sudo systemctl start docker`."
    )]
    NotRunning { endpoint: String },
    /// The socket exists but this user may not use it.
    #[error(
        "permission denied on the Docker socket {endpoint}. Add yourself to the docker group (`sudo usermod -aG docker $USER`, then log out and in)."
    )]
    PermissionDenied { endpoint: String },
    /// Anything else the client library reported while connecting.
    #[error("could not connect to Docker at {endpoint}: {detail}")]
    Other { endpoint: String, detail: String },
}

/// What the engine says about itself, for the doctor and the About line.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EngineInfo {
    pub version: String,
    pub api_version: String,
}

/// Where the engine is reached: `DOCKER_HOST`, else the platform's default socket or pipe.
pub(crate) fn endpoint() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| default_endpoint().to_string())
}

fn default_endpoint() -> &'static str {
    if cfg!(windows) {
        "npipe:////./pipe/docker_engine"
    } else {
        "unix:///var/run/docker.sock"
    }
}

fn classify(err: bollard::errors::Error) -> ConnectError {
    let endpoint = endpoint();
    let detail = err.to_string();
    let lower = detail.to_lowercase();
    if lower.contains("permission denied") {
        ConnectError::PermissionDenied { endpoint }
    } else if lower.contains("no such file")
        || lower.contains("connection refused")
        || lower.contains("not found")
        || lower.contains("cannot find the file")
    {
        ConnectError::NotRunning { endpoint }
    } else {
        ConnectError::Other { endpoint, detail }
    }
}

/// Connects with the platform defaults (or `DOCKER_HOST`) and agrees on an API version the engine speaks.
pub async fn connect() -> Result<Docker, ConnectError> {
    let docker = Docker::connect_with_defaults().map_err(classify)?;
    let docker = docker.negotiate_version().await.map_err(classify)?;
    Ok(docker)
}

/// Pings the engine and reads its version.
pub async fn info(docker: &Docker) -> Result<EngineInfo, ConnectError> {
    let v = docker.version().await.map_err(classify)?;
    Ok(EngineInfo {
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
    })
}
