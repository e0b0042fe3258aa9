//! The connection to a Docker engine (this machine's, or a server's over ssh or a docker context), and
//! what "Docker is not there" looks like to a user.

use std::future::Future;

use bollard::Docker;
use envdeck_core::project::{Endpoint, SshLogin};

use crate::unusable::Unusable;

/// Why EnvDeck could not talk to the Docker engine, in words a new developer can act on.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// The server did not answer ssh (name, port, network).
    #[error(
        "the server {host} cannot be reached over ssh ({said}). Check the host name and port in the engine URL, and that `ssh {host}` works from this machine."
    )]
    Unreachable { host: String, said: String },
    /// The server answered but refused the login.
    #[error(
        "the server {host} refused the ssh login ({said}). Add your key to the server (`ssh-copy-id`), load it into your ssh agent, or put the right user in the engine URL (ssh://user@{host})."
    )]
    LoginRefused { host: String, said: String },
    /// The server's host key is unknown, or changed: never accepted silently.
    #[error(
        "the host key of {host} is not known to this machine, or it changed ({said}). Check the key with the server's owner, then connect once with `ssh {host}` to record it; EnvDeck never accepts a host key silently."
    )]
    UnknownHostKey { host: String, said: String },
    /// ssh worked, but there is no usable docker on the server.
    #[error(
        "ssh to {host} works, but Docker does not answer there ({said}). Install Docker on the server, start it, and let the login user use it (the docker group)."
    )]
    NoDockerOnServer { host: String, said: String },
    /// The engine's API is older than EnvDeck needs.
    #[error(
        "Docker on {host} speaks API {api}, older than the 1.41 EnvDeck needs: upgrade Docker on the server (20.10 or later)."
    )]
    TooOld { host: String, api: String },
    /// Nothing answers at a `tcp://` engine's host and port.
    #[error(
        "nothing answers at {endpoint} ({detail}). Check the host and port in the engine URL, that Docker listens there, and that no firewall stands between."
    )]
    TcpUnreachable { endpoint: String, detail: String },
    /// A `tcp://` engine whose TLS handshake failed: its certificate is not the CA's or names another
    /// host, or it refused this machine's client certificate.
    #[error(
        "the engine at {endpoint} could not be verified over TLS ({detail}). Check that {ca} is the CA that signed the server's certificate, that the certificate names the host of the engine URL, and that the server trusts the client certificate {cert}; EnvDeck never talks to an engine it cannot verify."
    )]
    TlsRefused {
        endpoint: String,
        detail: String,
        ca: String,
        cert: String,
    },
    /// The manifest names an engine EnvDeck cannot use as configured.
    #[error(transparent)]
    Unusable(#[from] crate::unusable::Unusable),
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
    // The OS's own error under the client's says what happened in every OS's words and language (Windows
    // refuses a TCP connection with "No connection could be made…", not "Connection refused").
    match io_kind(&err) {
        Some(std::io::ErrorKind::PermissionDenied) => return ConnectError::PermissionDenied { endpoint },
        Some(std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused) => {
            return ConnectError::NotRunning { endpoint };
        }
        _ => {}
    }
    // Errors the client makes without an OS error under them.
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

/// The kind of the first OS error in an error's chain of causes.
fn io_kind(err: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        cause = e.source();
    }
    None
}

/// Connects with the platform defaults (or `DOCKER_HOST`) and agrees on an API version the engine speaks.
pub async fn connect() -> Result<Docker, ConnectError> {
    let docker = Docker::connect_with_defaults().map_err(classify)?;
    let docker = docker.negotiate_version().await.map_err(classify)?;
    Ok(docker)
}

/// The oldest Docker API EnvDeck drives (Docker 20.10).
const OLDEST_API: (u64, u64) = (1, 41);

/// Seconds one request may take on a remote engine (a Start's pulls stream within it).
const REMOTE_TIMEOUT: u64 = 120;

/// Connects to the engine an environment names, and agrees on an API version. A remote one is never
/// replaced by the local one: its failures are errors naming the host.
pub async fn connect_to(endpoint: &Endpoint) -> Result<Docker, ConnectError> {
    match endpoint {
        Endpoint::Local => connect().await,
        Endpoint::Ssh(login) => connect_ssh(login).await,
        Endpoint::Context(name) => {
            let host = crate::cli_context::host_of(name)?;
            connect_context(name, &host).await
        }
        Endpoint::Tcp {
            host,
            port,
            tls: true,
        } => {
            let certs = crate::tls::Certificates::of_docker_cli()?;
            connect_tls(host, *port, &certs).await
        }
        Endpoint::Tcp {
            host,
            port,
            tls: false,
        } => connect_plain(host, *port).await,
    }
}

/// A `tcp://` engine over verified TLS; each failure says which step failed and what to check.
async fn connect_tls(
    host: &str,
    port: u16,
    certs: &crate::tls::Certificates,
) -> Result<Docker, ConnectError> {
    let (docker, failure) = crate::tls::client(host, port, certs, REMOTE_TIMEOUT)?;
    let endpoint = format!("tcp://{host}:{port}");
    checked(docker, host, |e| {
        std::future::ready(match failure.take() {
            Some(crate::tls::Step::Connect(detail)) => ConnectError::TcpUnreachable {
                endpoint: endpoint.clone(),
                detail,
            },
            // A client certificate the server refuses shows after the handshake, at the first read (TLS 1.3).
            step => ConnectError::TlsRefused {
                endpoint: endpoint.clone(),
                detail: match step {
                    Some(crate::tls::Step::Handshake(detail)) => detail,
                    _ => error_chain(&e),
                },
                ca: certs.ca().display().to_string(),
                cert: certs.cert().display().to_string(),
            },
        })
    })
    .await
}

/// A `tcp://` engine over plain HTTP, which the manifest asked for with `engine_tls = false`.
async fn connect_plain(host: &str, port: u16) -> Result<Docker, ConnectError> {
    let endpoint = format!("tcp://{host}:{port}");
    let docker =
        Docker::connect_with_http(&endpoint, REMOTE_TIMEOUT, bollard::API_DEFAULT_VERSION).map_err(|e| {
            Unusable::Client {
                endpoint: endpoint.clone(),
                detail: e.to_string(),
            }
        })?;
    checked(docker, host, |e| {
        std::future::ready(ConnectError::TcpUnreachable {
            endpoint: endpoint.clone(),
            detail: error_chain(&e),
        })
    })
    .await
}

/// A server's engine that answered its version, speaks an API EnvDeck drives, and agreed on one;
/// `failed` words a failed request.
async fn checked<Failed>(
    docker: Docker,
    host: &str,
    failed: impl Fn(bollard::errors::Error) -> Failed,
) -> Result<Docker, ConnectError>
where
    Failed: Future<Output = ConnectError>,
{
    let version = match docker.version().await {
        Ok(version) => version,
        Err(e) => return Err(failed(e).await),
    };
    let api = version.api_version.unwrap_or_default();
    if api_older(&api, OLDEST_API) {
        return Err(ConnectError::TooOld {
            host: host.to_owned(),
            api,
        });
    }
    match docker.negotiate_version().await {
        Ok(docker) => Ok(docker),
        Err(e) => Err(failed(e).await),
    }
}

/// An error with its causes ("client error (Connect): tls handshake eof"): bollard's own words name
/// only the outermost.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}

/// Forwards a local port over ssh to `remote_port` on the server's loopback: a server's link opens
/// through it. Only servers reached over ssh (directly or through a docker context) can forward.
pub async fn forward(endpoint: &Endpoint, remote_port: u16) -> Result<crate::ssh::Forward, ConnectError> {
    let endpoint = match endpoint {
        Endpoint::Context(name) => {
            let host = crate::cli_context::host_of(name)?;
            Endpoint::parse(&host).map_err(|_| Unusable::ContextElsewhere {
                name: name.clone(),
                host,
            })?
        }
        other => other.clone(),
    };
    let Endpoint::Ssh(login) = endpoint else {
        return Err(Unusable::NotForwardable {
            port: remote_port,
            endpoint: endpoint.to_string(),
        }
        .into());
    };
    crate::ssh::forward(&login, remote_port).await.map_err(|said| {
        Unusable::ForwardFailed {
            port: remote_port,
            host: login.host.clone(),
            said,
        }
        .into()
    })
}

/// The engine a docker context points at: a server over ssh, or a socket or pipe of this machine.
async fn connect_context(name: &str, host: &str) -> Result<Docker, ConnectError> {
    match Endpoint::parse(host) {
        Ok(Endpoint::Ssh(login)) => return connect_ssh(&login).await,
        Ok(Endpoint::Tcp { host, port, .. }) => {
            let certs = crate::cli_context::certificates_of(name)?;
            return connect_tls(&host, port, &certs).await;
        }
        _ => {}
    }
    #[cfg(unix)]
    let local = host
        .strip_prefix("unix://")
        .map(|path| Docker::connect_with_unix(path, REMOTE_TIMEOUT, bollard::API_DEFAULT_VERSION));
    #[cfg(windows)]
    let local = host
        .strip_prefix("npipe://")
        .map(|path| Docker::connect_with_named_pipe(path, REMOTE_TIMEOUT, bollard::API_DEFAULT_VERSION));
    match local {
        Some(docker) => {
            let docker = docker.map_err(|e| classify_at(host, e))?;
            docker.negotiate_version().await.map_err(|e| classify_at(host, e))
        }
        None => Err(Unusable::ContextElsewhere {
            name: name.to_owned(),
            host: host.to_owned(),
        }
        .into()),
    }
}

async fn connect_ssh(login: &SshLogin) -> Result<Docker, ConnectError> {
    let (docker, said) = crate::ssh::client(login, REMOTE_TIMEOUT).map_err(|e| Unusable::Client {
        endpoint: format!("ssh://{}", login.host),
        detail: e.to_string(),
    })?;
    checked(docker, &login.host, |e| {
        let said = said.clone();
        async move { remote_failure(&login.host, &said.last_words().await, &e) }
    })
    .await
}

fn api_older(api: &str, oldest: (u64, u64)) -> bool {
    let mut parts = api.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    let found = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    found < oldest
}

/// What a failed first request to a server means, from what ssh said on stderr.
fn remote_failure(host: &str, text: &str, e: &bollard::errors::Error) -> ConnectError {
    let said_line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned();
    let lower = text.to_lowercase();
    let host = host.to_owned();
    let said = if said_line.is_empty() {
        e.to_string()
    } else {
        said_line
    };
    if lower.contains("host key verification failed")
        || lower.contains("remote host identification has changed")
    {
        ConnectError::UnknownHostKey { host, said }
    } else if lower.contains("permission denied") && !lower.contains("docker") {
        ConnectError::LoginRefused { host, said }
    } else if lower.contains("could not resolve")
        || lower.contains("connection refused")
        || lower.contains("connection timed out")
        || lower.contains("no route to host")
        || lower.contains("network is unreachable")
    {
        ConnectError::Unreachable { host, said }
    } else {
        // ssh connected (it said nothing of its own) and docker failed there: missing, stopped, not allowed.
        ConnectError::NoDockerOnServer { host, said }
    }
}

fn classify_at(endpoint: &str, err: bollard::errors::Error) -> ConnectError {
    match classify(err) {
        ConnectError::NotRunning { .. } => ConnectError::NotRunning {
            endpoint: endpoint.to_owned(),
        },
        ConnectError::PermissionDenied { .. } => ConnectError::PermissionDenied {
            endpoint: endpoint.to_owned(),
        },
        ConnectError::Other { detail, .. } => ConnectError::Other {
            endpoint: endpoint.to_owned(),
            detail,
        },
        other => other,
    }
}

/// Pings the engine and reads its version.
pub async fn info(docker: &Docker) -> Result<EngineInfo, ConnectError> {
    let v = docker.version().await.map_err(classify)?;
    Ok(EngineInfo {
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port nothing listens on is "Docker is not running" by the OS error's kind, not its words (which
    /// differ on Windows: found under Wine, where this said "client error (SendRequest)").
    #[tokio::test]
    async fn a_refused_connection_is_docker_not_running_by_its_kind() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let docker = Docker::connect_with_http(
            &format!("tcp://127.0.0.1:{port}"),
            5,
            bollard::API_DEFAULT_VERSION,
        )
        .expect("a client");
        let err = docker.ping().await.expect_err("nothing listens");
        assert_eq!(
            io_kind(&err),
            Some(std::io::ErrorKind::ConnectionRefused),
            "{err:?}"
        );
        assert!(matches!(classify(err), ConnectError::NotRunning { .. }));
    }

    #[test]
    fn an_engine_older_than_docker_20_10_is_told_apart() {
        for (api, older) in [
            ("1.40", true),
            ("1.41", false),
            ("1.47", false),
            ("2.0", false),
            ("", true),
        ] {
            assert_eq!(api_older(api, OLDEST_API), older, "API {api}");
        }
    }
}
