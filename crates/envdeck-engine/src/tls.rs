//! A server's engine over TCP (`engine = "tcp://host:2376"`, or a docker context over tcp://), verified
//! as the docker CLI verifies it with `--tlsverify`: only the CA of the certificate folder is trusted
//! (not the system's list), the server's certificate must name the host, and EnvDeck shows its own client
//! certificate, which is what lets it in. The platform's TLS (native-tls: OpenSSL on Linux, Security
//! framework on macOS, SChannel on Windows), so nothing cryptographic is compiled into EnvDeck. Each
//! connection of hyper's pool is one TLS session, opened by [`TlsConnector`] for bollard's custom transport.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bollard::{BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio_native_tls::TlsStream;

use crate::unusable::{TlsFile, Unusable};

/// A folder with the docker CLI's three files: `ca.pem` (the CA that signed the server's certificate),
/// `cert.pem` and `key.pem` (this machine's client certificate and its key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificates {
    pub dir: PathBuf,
}

impl Certificates {
    /// `DOCKER_CERT_PATH`, else the docker CLI's configuration folder, as `docker --tlsverify` reads them.
    pub fn of_docker_cli() -> Result<Self, Unusable> {
        if let Some(dir) = std::env::var_os("DOCKER_CERT_PATH").filter(|d| !d.is_empty()) {
            return Ok(Self { dir: dir.into() });
        }
        crate::cli_context::config_dir()
            .map(|dir| Self { dir })
            .ok_or_else(|| Unusable::NoConfigFolder {
                var: "DOCKER_CERT_PATH".to_owned(),
            })
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    /// The TLS settings these files make; the error names the file and what to do.
    fn connector(&self, endpoint: &str) -> Result<native_tls::TlsConnector, Unusable> {
        let read = |path: &Path, thing: TlsFile| {
            std::fs::read(path).map_err(|e| Unusable::TlsFileMissing {
                endpoint: endpoint.to_owned(),
                thing,
                file: path.display().to_string(),
                detail: e.to_string(),
            })
        };
        let ca = read(&self.ca(), TlsFile::CaCertificate)?;
        let cert = read(&self.cert(), TlsFile::ClientCertificate)?;
        let key = read(&self.key(), TlsFile::ClientKey)?;
        let ca = native_tls::Certificate::from_pem(&ca).map_err(|e| Unusable::NotPem {
            file: self.ca().display().to_string(),
            detail: e.to_string(),
        })?;
        let identity = native_tls::Identity::from_pkcs8(&cert, &key).map_err(|e| Unusable::NotPkcs8 {
            cert: self.cert().display().to_string(),
            key: self.key().display().to_string(),
            detail: e.to_string(),
        })?;
        native_tls::TlsConnector::builder()
            .disable_built_in_roots(true)
            .add_root_certificate(ca)
            .identity(identity)
            .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
            .build()
            .map_err(|e| Unusable::TlsSettings {
                endpoint: endpoint.to_owned(),
                detail: e.to_string(),
            })
    }
}

/// Why the last connection of one engine failed, for the error its first request becomes: the TCP
/// connection (nothing answers) or the TLS handshake (a certificate not verified, on either side).
#[derive(Debug, Clone, Default)]
pub(crate) struct Failure(Arc<Mutex<Option<Step>>>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    Connect(String),
    Handshake(String),
}

impl Failure {
    fn set(&self, step: Step) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(step);
    }

    pub(crate) fn take(&self) -> Option<Step> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// One connection: a TLS session over TCP.
struct TlsIo(TokioIo<TlsStream<TcpStream>>);

impl hyper::rt::Read for TlsIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for TlsIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl Connection for TlsIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Opens connections for hyper's pool: each call connects to the server and does the TLS handshake.
#[derive(Clone)]
struct TlsConnector {
    host: Arc<str>,
    port: u16,
    tls: tokio_native_tls::TlsConnector,
    failure: Failure,
}

impl tower_service::Service<http::Uri> for TlsConnector {
    type Response = TlsIo;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<TlsIo, std::io::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let tcp = TcpStream::connect((this.host.as_ref(), this.port))
                .await
                .inspect_err(|e| this.failure.set(Step::Connect(e.to_string())))?;
            // The name the server's certificate must hold: the host without an IPv6 address's brackets.
            let name = this.host.trim_start_matches('[').trim_end_matches(']');
            let tls = this.tls.connect(name, tcp).await.map_err(|e| {
                this.failure.set(Step::Handshake(e.to_string()));
                std::io::Error::other(e)
            })?;
            Ok(TlsIo(TokioIo::new(tls)))
        })
    }
}

/// A bollard client whose every connection is a verified TLS session with `host:port`; why a
/// connection failed lands in the returned [`Failure`].
pub(crate) fn client(
    host: &str,
    port: u16,
    certs: &Certificates,
    timeout_secs: u64,
) -> Result<(Docker, Failure), Unusable> {
    let endpoint = format!("tcp://{host}:{port}");
    let failure = Failure::default();
    let connector = TlsConnector {
        host: host.into(),
        port,
        tls: certs.connector(&endpoint)?.into(),
        failure: failure.clone(),
    };
    let client = Arc::new(Client::builder(TokioExecutor::new()).build(connector));
    let docker = Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = Arc::clone(&client);
            async move { Ok(client.request(request).await?) }
        },
        // The address only fills the requests' Host header: the connector ignores it.
        Some("https://docker"),
        timeout_secs,
        bollard::API_DEFAULT_VERSION,
    )
    .map_err(|e| Unusable::Client {
        endpoint,
        detail: e.to_string(),
    })?;
    Ok((docker, failure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named_with_what_it_is_and_where_the_cli_looks() {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let certs = Certificates {
            dir: tmp.path().to_path_buf(),
        };
        let err = certs.connector("tcp://h:2376").expect_err("no files").to_string();
        assert!(
            err.contains("tcp://h:2376")
                && err.contains(&certs.ca().display().to_string())
                && err.contains("CA certificate")
                && err.contains("DOCKER_CERT_PATH"),
            "{err}"
        );
        for file in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(tmp.path().join(file), "not a certificate").expect("a file");
        }
        let err = certs.connector("tcp://h:2376").expect_err("garbage").to_string();
        assert!(
            err.contains("ca.pem") && err.contains("not a PEM certificate"),
            "{err}"
        );
    }
}
