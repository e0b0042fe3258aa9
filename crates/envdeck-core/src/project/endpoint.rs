//! Where an environment's Docker engine is: this machine's, or a server's. A staging stack started on a
//! laptop with staging's secrets is the worst mistake EnvDeck could make, so the manifest's `engine` is
//! parsed when the project loads (a typo is an error naming the file and line, never "the local one"),
//! and every operation of the environment goes to the engine named here.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A Docker engine, as the manifest's `engine = "..."` names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Endpoint {
    /// This machine's engine: `DOCKER_HOST`, else the platform's socket or pipe (no `engine` key).
    #[default]
    Local,
    /// `ssh://[user@]host[:port][/socket]`: the system `ssh` runs `docker system dial-stdio` on the
    /// server, so the person's ssh config, keys, agent and known hosts apply.
    Ssh(SshLogin),
    /// `tcp://host:port`: TLS, verified with the docker CLI's certificates (`DOCKER_CERT_PATH`, else
    /// `~/.docker`); plain HTTP only when the manifest says `engine_tls = false` for it.
    Tcp { host: String, port: u16, tls: bool },
    /// `context:NAME`: the docker CLI's context of that name.
    Context(String),
}

/// How EnvDeck logs in to a server over ssh, as `ssh://[user@]host[:port][/socket]` says it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshLogin {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    /// The engine's socket on the server, when not its default.
    pub socket: Option<String>,
}

impl Endpoint {
    /// Parses the manifest's value; the error says what is wrong and what is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let accepted = "use ssh://[user@]host[:port], tcp://host:port (TLS) or context:NAME";
        if let Some(name) = text.strip_prefix("context:") {
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '/') {
                return Err(format!("engine `{text}`: a context name has no spaces or `/`"));
            }
            return Ok(Endpoint::Context(name.to_owned()));
        }
        if let Some(rest) = text.strip_prefix("ssh://") {
            return Self::ssh(text, rest);
        }
        if let Some(rest) = text.strip_prefix("tcp://") {
            let (host, port) = host_port(text, rest.trim_end_matches('/'))?;
            let port = port.ok_or_else(|| format!("engine `{text}`: name the port (tcp://host:2376)"))?;
            return Ok(Endpoint::Tcp {
                host,
                port,
                tls: true,
            });
        }
        if text == "local" {
            return Ok(Endpoint::Local);
        }
        Err(format!(
            "engine `{text}` is not an engine EnvDeck can reach: {accepted}"
        ))
    }

    fn ssh(text: &str, rest: &str) -> Result<Self, String> {
        let (authority, socket) = match rest.find('/') {
            Some(at) => (&rest[..at], Some(&rest[at..])),
            None => (rest, None),
        };
        let (user, host_port_text) = match authority.rsplit_once('@') {
            Some((user, hp)) => (Some(user), hp),
            None => (None, authority),
        };
        if let Some(user) = user
            && (user.is_empty()
                || user.starts_with('-')
                || !user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
        {
            return Err(format!("engine `{text}`: the user `{user}` is not a login name"));
        }
        let (host, port) = host_port(text, host_port_text)?;
        let socket = socket.filter(|s| *s != "/").map(str::to_owned);
        // The path travels inside the command ssh runs on the server, which its shell reads: only
        // characters a shell takes literally (no `;`, `$`, quotes or spaces) can pass.
        if let Some(path) = &socket
            && !path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
        {
            return Err(format!(
                "engine `{text}`: the socket path `{path}` may hold only letters, digits and `/._-`"
            ));
        }
        Ok(Endpoint::Ssh(SshLogin {
            user: user.map(str::to_owned),
            host,
            port,
            socket,
        }))
    }

    /// Whether this is the machine EnvDeck runs on.
    pub fn is_local(&self) -> bool {
        matches!(self, Endpoint::Local)
    }

    /// The server's name, for messages and the card ("on staging.example.com").
    pub fn host(&self) -> Option<&str> {
        match self {
            Endpoint::Local => None,
            Endpoint::Ssh(SshLogin { host, .. }) | Endpoint::Tcp { host, .. } => Some(host),
            Endpoint::Context(name) => Some(name),
        }
    }
}

/// `host[:port]`; a host that could be read as an ssh option or holds spaces is refused.
fn host_port(text: &str, hp: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = match hp.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') || host.starts_with('[') => {
            let port = port
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("engine `{text}`: `{port}` is not a port (1-65535)"))?;
            (host, Some(port))
        }
        _ => (hp, None),
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.is_empty()
        || bare.starts_with('-')
        || !bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:_".contains(c))
    {
        return Err(format!("engine `{text}`: `{host}` is not a host name"));
    }
    Ok((host.to_owned(), port))
}

impl fmt::Display for SshLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ssh://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}@")?;
        }
        f.write_str(&self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(self.socket.as_deref().unwrap_or(""))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Local => f.write_str("local"),
            Endpoint::Ssh(login) => login.fmt(f),
            Endpoint::Tcp {
                host,
                port,
                tls: true,
            } => write!(f, "tcp://{host}:{port}"),
            Endpoint::Tcp {
                host,
                port,
                tls: false,
            } => write!(f, "tcp://{host}:{port} without TLS"),
            Endpoint::Context(name) => write!(f, "context:{name}"),
        }
    }
}

impl TryFrom<String> for Endpoint {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Endpoint::parse(&text)
    }
}

impl From<Endpoint> for String {
    fn from(endpoint: Endpoint) -> String {
        endpoint.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_urls_keep_user_port_and_socket() {
        assert_eq!(
            Endpoint::parse("ssh://deploy@staging.example.com:2222/run/docker.sock"),
            Ok(Endpoint::Ssh(SshLogin {
                user: Some("deploy".into()),
                host: "staging.example.com".into(),
                port: Some(2222),
                socket: Some("/run/docker.sock".into()),
            }))
        );
        assert_eq!(
            Endpoint::parse("ssh://staging"),
            Ok(Endpoint::Ssh(SshLogin {
                user: None,
                host: "staging".into(),
                port: None,
                socket: None
            }))
        );
        for text in [
            "ssh://deploy@10.0.0.5:22",
            "ssh://h/var/run/docker.sock",
            "tcp://docker.example.com:2376",
            "context:staging",
        ] {
            assert_eq!(
                Endpoint::parse(text).map(|e| e.to_string()),
                Ok(text.to_owned()),
                "{text} round-trips"
            );
        }
    }

    #[test]
    fn what_is_not_an_engine_is_an_error_never_the_local_one() {
        for (text, says) in [
            ("shh://deploy@host", "not an engine"),
            ("ssh://deploy@host:99999", "not a port"),
            ("ssh://-oProxyCommand=evil", "not a host name"),
            ("ssh://de ploy@host", "not a login name"),
            ("ssh://-oProxyCommand@host", "not a login name"),
            ("ssh://host/run/my docker.sock", "only letters, digits"),
            ("ssh://host/run/x.sock;rm -rf ~", "only letters, digits"),
            ("ssh://host/run/$(id).sock", "only letters, digits"),
            ("tcp://host", "name the port"),
            ("context:", "context name"),
            ("", "not an engine"),
        ] {
            let refused = Endpoint::parse(text).expect_err(text);
            assert!(refused.contains(says), "{text}: {refused}");
        }
        assert_eq!(Endpoint::parse("local"), Ok(Endpoint::Local));
    }
}
