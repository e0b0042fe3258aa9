//! Health of a host process over HTTP: its `health_url` answers 2xx, or it is not healthy (yet).

use std::net::SocketAddr;
use std::time::Duration;

use envdeck_core::address::WebUrl;

/// One request's limit: a health endpoint answers at once or is not healthy.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a connection attempt to a supposedly free port may take.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// An HTTP client for local health URLs (no proxy: a corporate proxy cannot reach this machine's ports).
pub fn client() -> Option<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| tracing::warn!("no HTTP client for health checks: {e}"))
        .ok()
}

/// Whether `url` answers with a 2xx status now.
pub async fn healthy(client: &reqwest::Client, url: &str) -> bool {
    match client.get(url).send().await {
        Ok(response) => response.status().is_success(),
        Err(_) => false,
    }
}

/// The host and port a health URL points at, when it is this machine (`localhost`, `127.0.0.1`, `[::1]`).
pub fn local_port(url: &str) -> Option<(String, u16)> {
    let url = WebUrl::parse(url).filter(WebUrl::on_this_machine)?;
    Some((url.host().to_owned(), url.port()?))
}

/// Whether some program already accepts connections on the health URL's port.
pub async fn port_answers(host: &str, port: u16) -> bool {
    let Ok(addrs) = tokio::net::lookup_host((host, port)).await else {
        return false;
    };
    let addrs: Vec<SocketAddr> = addrs.collect();
    for addr in addrs {
        if let Ok(Ok(_)) = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
            return true;
        }
    }
    false
}

/// The waits between two health probes: quick at first (most servers are up within a second), then
/// once a second.
pub fn backoff() -> impl Iterator<Item = Duration> {
    std::iter::successors(Some(Duration::from_millis(100)), |d| {
        Some((*d * 3 / 2).min(Duration::from_secs(1)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_gets_a_port_check() {
        assert_eq!(
            local_port("http://localhost:8000/health"),
            Some(("localhost".into(), 8000))
        );
        assert_eq!(
            local_port("http://127.0.0.1/health"),
            Some(("127.0.0.1".into(), 80))
        );
        assert_eq!(local_port("http://[::1]:9/x"), Some(("::1".into(), 9)));
        assert_eq!(local_port("http://api.example.org:8000/health"), None);
        assert_eq!(local_port("not a url"), None);
    }

    #[test]
    fn backoff_grows_to_one_second() {
        let waits: Vec<Duration> = backoff().take(10).collect();
        assert_eq!(waits[0], Duration::from_millis(100));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(waits[9], Duration::from_secs(1));
    }
}
