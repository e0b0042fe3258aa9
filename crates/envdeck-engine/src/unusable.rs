//! Why the engine an environment names cannot be used as configured (a docker context that is missing
//! or unverifiable, TLS files that are absent or not what they should be, a port that cannot be
//! forwarded), as facts: the CLI prints the English sentence, the window words the facts.

/// A certificate file EnvDeck reads for a `tcp://` engine (a word of the window's catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TlsFile {
    CaCertificate,
    ClientCertificate,
    ClientKey,
}

impl std::fmt::Display for TlsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsFile::CaCertificate => "the CA certificate that signed the server's certificate",
            TlsFile::ClientCertificate => "this machine's client certificate",
            TlsFile::ClientKey => "the client certificate's key",
        })
    }
}

/// The engine a manifest names cannot be used as configured; each says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Unusable {
    #[error("no docker configuration folder (HOME is not set); set {var}")]
    NoConfigFolder { var: String },
    #[error(
        "the docker context `{name}` does not exist (no {file}): create it with `docker context create {name} --docker host=ssh://user@server`, or fix the name in envdeck.toml"
    )]
    ContextMissing { name: String, file: String },
    #[error("reading the docker context `{name}` ({file}) failed: {detail}")]
    ContextUnreadable {
        name: String,
        file: String,
        detail: String,
    },
    #[error("the docker context `{name}` ({file}) is not valid JSON: {detail}")]
    ContextNotJson {
        name: String,
        file: String,
        detail: String,
    },
    #[error(
        "the docker context `{name}` skips TLS verification: EnvDeck does not talk to an engine it cannot verify; give the context its certificates"
    )]
    ContextSkipsVerify { name: String },
    #[error("the docker context `{name}` ({file}) names no docker host")]
    ContextNoHost { name: String, file: String },
    #[error(
        "the docker context `{name}` reaches its engine over tcp:// without TLS certificates (none in {folder}): EnvDeck does not talk to an engine it cannot verify; give the context its certificates with `docker context update {name} --docker \"host=tcp://HOST:2376,ca=ca.pem,cert=cert.pem,key=key.pem\"`, or reach the server over ssh"
    )]
    ContextNoCertificates { name: String, folder: String },
    #[error(
        "the docker context `{name}` points at {host}: EnvDeck reaches contexts over ssh://, tcp:// with TLS or a local socket"
    )]
    ContextElsewhere { name: String, host: String },
    #[error(
        "{endpoint} needs {thing} in {file} ({detail}): put the docker CLI's TLS files there (ca.pem, cert.pem, key.pem), or set DOCKER_CERT_PATH to the folder that has them"
    )]
    TlsFileMissing {
        endpoint: String,
        thing: TlsFile,
        file: String,
        detail: String,
    },
    #[error("{file} is not a PEM certificate ({detail})")]
    NotPem { file: String, detail: String },
    #[error(
        "{cert} and {key} are not a certificate and its PKCS#8 key ({detail}); an older `BEGIN RSA PRIVATE KEY` file converts with `openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem`"
    )]
    NotPkcs8 {
        cert: String,
        key: String,
        detail: String,
    },
    #[error("the TLS settings for {endpoint} could not be made: {detail}")]
    TlsSettings { endpoint: String, detail: String },
    /// The client library could not be set up for the engine.
    #[error("engine {endpoint}: {detail}")]
    Client { endpoint: String, detail: String },
    #[error(
        "port {port} of {endpoint} cannot be forwarded: EnvDeck forwards ports of servers it reaches over ssh"
    )]
    NotForwardable { port: u16, endpoint: String },
    #[error("forwarding port {port} of {host} over ssh failed: {said}")]
    ForwardFailed { port: u16, host: String, said: String },
}
