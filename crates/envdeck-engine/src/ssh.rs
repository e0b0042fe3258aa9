//! A Docker engine on a server, reached the way the docker CLI reaches `ssh://` hosts: the system `ssh`
//! client runs `docker system dial-stdio` there, and the HTTP of Docker's API flows over its stdin and
//! stdout. So the person's `~/.ssh/config`, keys, agent and known hosts apply (on Windows too, with its
//! OpenSSH), an unknown host key is refused (BatchMode: never accepted silently), and ssh's own words
//! ("Permission denied (publickey)", "Host key verification failed") name what to fix.
//!
//! A link of a server's service opens through a local port forwarded by another ssh process
//! ([`Forward`]). Each connection of hyper's pool is one ssh process; bollard drives the pool through its custom
//! transport. bollard's own `ssh` feature was not taken: it drops the port of the URL, builds on Unix
//! only and accepts unknown host keys.

use std::future::Future;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bollard::{BollardRequest, Docker};
use envdeck_core::project::SshLogin;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, Join};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// The last words ssh said on stderr (shared by every connection of one engine), for the error a
/// failed connection becomes, and how many ssh processes may still be saying something.
#[derive(Debug, Clone)]
pub(crate) struct Said {
    text: Arc<Mutex<String>>,
    open: Arc<tokio::sync::watch::Sender<usize>>,
}

impl Default for Said {
    fn default() -> Self {
        Self {
            text: Arc::default(),
            open: Arc::new(tokio::sync::watch::channel(0).0),
        }
    }
}

/// How long a failed connection waits for ssh to finish its last words: ssh writes its reason and
/// exits at once, so this bounds only a hung ssh.
const LAST_WORDS_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Enough of ssh's stderr to hold its one-line reasons.
const SAID_LIMIT: usize = 4096;

impl Said {
    fn push(&self, text: &str) {
        let mut said = self.text.lock().unwrap_or_else(|p| p.into_inner());
        said.push_str(text);
        if said.len() > SAID_LIMIT {
            let cut = said.len() - SAID_LIMIT;
            let cut = (cut..said.len())
                .find(|i| said.is_char_boundary(*i))
                .unwrap_or(said.len());
            said.drain(..cut);
        }
    }

    /// What ssh said, trimmed.
    pub(crate) fn text(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .trim()
            .to_owned()
    }

    /// What ssh said once every ssh process has closed its stderr (or [`LAST_WORDS_WAIT`] passed). A
    /// request fails as soon as ssh's stdout closes, which can be before its stderr was read: reading
    /// the words at once would miss "Connection refused" and blame Docker on the server instead.
    pub(crate) async fn last_words(&self) -> String {
        let mut open = self.open.subscribe();
        let _ = tokio::time::timeout(LAST_WORDS_WAIT, open.wait_for(|n| *n == 0)).await;
        self.text()
    }
}

/// The ssh command line that reaches the server's engine: options first, `--` before the host so no
/// host can be read as an option.
pub fn dial_args(login: &SshLogin) -> Vec<String> {
    let mut args = login_args(login, &["-T"]);
    args.push("docker".to_owned());
    if let Some(socket) = &login.socket {
        args.extend(["--host".to_owned(), format!("unix://{socket}")]);
    }
    args.extend(["system".to_owned(), "dial-stdio".to_owned()]);
    args
}

/// `first`, then what every ssh of EnvDeck says: no questions (an unknown host key fails), a time
/// limit, the user and port, and `--` before the host so no host can be read as an option.
fn login_args(login: &SshLogin, first: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = first.iter().map(|a| (*a).to_owned()).collect();
    args.extend(["-o", "BatchMode=yes", "-o", "ConnectTimeout=30"].map(str::to_owned));
    if let Some(user) = &login.user {
        args.extend(["-l".to_owned(), user.clone()]);
    }
    if let Some(port) = login.port {
        args.extend(["-p".to_owned(), port.to_string()]);
    }
    args.extend(["--".to_owned(), login.host.clone()]);
    args
}

impl Said {
    /// Keeps what ssh writes on `stderr` until it closes it.
    fn follow(&self, mut stderr: tokio::process::ChildStderr) {
        let said = self.clone();
        said.open.send_modify(|n| *n += 1);
        tokio::spawn(async move {
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                said.push(&String::from_utf8_lossy(&chunk[..n]));
            }
            said.open.send_modify(|n| *n -= 1);
        });
    }
}

/// One connection: an ssh process whose stdout and stdin are the two directions; it dies with it.
struct SshStream {
    io: TokioIo<Join<ChildStdout, ChildStdin>>,
    _ssh: Child,
}

impl hyper::rt::Read for SshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

/// Opens connections for hyper's pool: each call starts one ssh process.
#[derive(Clone)]
struct SshConnector {
    args: Arc<Vec<String>>,
    said: Said,
}

impl tower_service::Service<http::Uri> for SshConnector {
    type Response = SshStream;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<SshStream, std::io::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Uri) -> Self::Future {
        let (args, said) = (self.args.clone(), self.said.clone());
        Box::pin(async move {
            let mut ssh = Command::new("ssh")
                .args(args.iter())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("the ssh client could not be started ({e}): install OpenSSH's client"),
                    )
                })?;
            let (Some(stdin), Some(stdout), Some(stderr)) =
                (ssh.stdin.take(), ssh.stdout.take(), ssh.stderr.take())
            else {
                return Err(std::io::Error::other("ssh started without its pipes"));
            };
            said.follow(stderr);
            Ok(SshStream {
                io: TokioIo::new(tokio::io::join(stdout, stdin)),
                _ssh: ssh,
            })
        })
    }
}

/// A bollard client whose every connection is `ssh … docker system dial-stdio`; what ssh says on
/// stderr lands in the returned [`Said`].
pub(crate) fn client(login: &SshLogin, timeout_secs: u64) -> Result<(Docker, Said), bollard::errors::Error> {
    let said = Said::default();
    let connector = SshConnector {
        args: Arc::new(dial_args(login)),
        said: said.clone(),
    };
    let client = Arc::new(Client::builder(TokioExecutor::new()).build(connector));
    let docker = Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = Arc::clone(&client);
            async move { Ok(client.request(request).await?) }
        },
        // The address only fills the requests' Host header: the connector ignores it.
        Some("http://docker"),
        timeout_secs,
        bollard::API_DEFAULT_VERSION,
    )?;
    Ok((docker, said))
}

/// A port of this machine forwarded over ssh to a port on the server's loopback (where EnvDeck publishes
/// a service's ports): what a link of a server's service opens. The ssh process lives as long as this.
pub struct Forward {
    pub local_port: u16,
    ssh: Child,
}

impl Forward {
    /// Whether the ssh process still forwards (a dropped connection ends it).
    pub fn is_alive(&mut self) -> bool {
        matches!(self.ssh.try_wait(), Ok(None))
    }
}

/// How long ssh may take to log in and open the forward.
const FORWARD_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Opens `ssh -N -L 127.0.0.1:LOCAL:127.0.0.1:REMOTE` and waits until the local port answers; the error
/// is ssh's own words.
pub(crate) async fn forward(login: &SshLogin, remote_port: u16) -> Result<Forward, String> {
    let local_port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port on this machine for the forward: {e}"))?
        .port();
    let forward = format!("127.0.0.1:{local_port}:127.0.0.1:{remote_port}");
    let args = login_args(login, &["-N", "-o", "ExitOnForwardFailure=yes", "-L", &forward]);
    let mut ssh = Command::new("ssh")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("the ssh client could not be started ({e}): install OpenSSH's client"))?;
    let said = Said::default();
    if let Some(stderr) = ssh.stderr.take() {
        said.follow(stderr);
    }
    let deadline = tokio::time::Instant::now() + FORWARD_WAIT;
    loop {
        if let Ok(Some(status)) = ssh.try_wait() {
            return Err(format!("ssh ended ({status}): {}", said.last_words().await));
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", local_port))
            .await
            .is_ok()
        {
            return Ok(Forward { local_port, ssh });
        }
        if tokio::time::Instant::now() > deadline {
            return Err(format!(
                "the forward did not open within {} s: {}",
                FORWARD_WAIT.as_secs(),
                said.text()
            ));
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_keeps_port_user_and_socket_and_puts_the_host_after_double_dash() {
        let login = SshLogin {
            user: Some("deploy".into()),
            host: "staging.example.com".into(),
            port: Some(2222),
            socket: Some("/run/user/1000/docker.sock".into()),
        };
        let args = dial_args(&login).join(" ");
        assert_eq!(
            args,
            "-T -o BatchMode=yes -o ConnectTimeout=30 -l deploy -p 2222 -- staging.example.com docker \
             --host unix:///run/user/1000/docker.sock system dial-stdio"
        );
        assert!(
            !args.contains("StrictHostKeyChecking"),
            "an unknown host key is never accepted silently"
        );
    }

    #[test]
    fn what_ssh_said_is_kept_to_its_last_lines() {
        let said = Said::default();
        said.push(&"x".repeat(SAID_LIMIT));
        said.push("Permission denied (publickey).\n");
        assert!(said.text().ends_with("Permission denied (publickey)."));
        assert!(said.text().len() <= SAID_LIMIT);
    }

    // `sh` stands in for ssh: Unix only.
    #[cfg(unix)]
    #[tokio::test]
    async fn the_last_words_wait_for_ssh_to_finish_saying_them() {
        // As ssh does when the port refuses: stdout closes first, the reason comes after.
        let mut child = Command::new("sh")
            .args([
                "-c",
                "exec 1>&-; sleep 0.3; echo 'ssh: connect to host 127.0.0.1 port 1: Connection refused' >&2",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sh runs");
        let said = Said::default();
        said.follow(child.stderr.take().expect("stderr"));
        assert_eq!(said.text(), "", "nothing said yet when the request fails");
        assert!(said.last_words().await.ends_with("Connection refused"));
        child.wait().await.expect("sh ends");
    }
}
