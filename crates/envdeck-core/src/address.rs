//! Host addresses and web URLs, read one way. A published port's host IP, a link's URL, a host process's
//! health URL and a CORS origin all ask the same questions (does this name this machine? which port?
//! where do I reach a port published on `0.0.0.0`?), and each used to answer them with its own string
//! slicing: here is the one answer, on top of the `url` crate's reading of URLs.

use std::net::IpAddr;

/// Where EnvDeck publishes a port whose compose file names no address: this machine only.
pub const DEFAULT_HOST_IP: &str = "127.0.0.1";

/// An IP address as compose and Docker write it: `::1` or `[::1]`.
fn ip(text: &str) -> Option<IpAddr> {
    text.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Whether a host name or address names this machine: `localhost` (and `*.localhost`), a loopback
/// address (`127.0.0.0/8`, `::1`), or the any-address (`0.0.0.0`, `::`), which this machine reaches too.
pub fn is_this_machine(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || ip(&host).is_some_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// Whether a port bound to `host_ip` is reachable only from this machine (a loopback address or
/// `localhost`); no address at all means EnvDeck's default, 127.0.0.1.
pub fn is_loopback(host_ip: Option<&str>) -> bool {
    match host_ip {
        None => true,
        Some(host) => host.eq_ignore_ascii_case("localhost") || ip(host).is_some_and(|ip| ip.is_loopback()),
    }
}

/// Whether `host_ip` is the any-address (`0.0.0.0`, `::`, `*`): every network the machine is on.
pub fn is_any_address(host_ip: &str) -> bool {
    host_ip == "*" || ip(host_ip).is_some_and(|ip| ip.is_unspecified())
}

/// The host this machine reaches a port published on `host_ip` at, ready for a URL: the any-address and
/// an empty one are reached on 127.0.0.1, an IPv6 address gets its brackets.
pub fn reachable_host(host_ip: &str) -> String {
    if host_ip.is_empty() || is_any_address(host_ip) {
        return DEFAULT_HOST_IP.to_owned();
    }
    match ip(host_ip) {
        Some(IpAddr::V6(v6)) => format!("[{v6}]"),
        _ => host_ip.to_owned(),
    }
}

/// `http://HOST:PORT` of a port published on `host_ip`, as this machine opens it.
pub fn http_url(host_ip: &str, port: u16) -> String {
    format!("http://{}:{port}", reachable_host(host_ip))
}

/// A web URL (a link, a health URL, an origin), parsed once by the `url` crate: `http://localhost:@x/`
/// is a URL of the host `x`, whatever the text before the `@` looks like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(url::Url);

impl WebUrl {
    /// `http://` or `https://` URLs with a host; anything else is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let url = url::Url::parse(text.trim()).ok()?;
        (matches!(url.scheme(), "http" | "https") && url.host_str().is_some()).then_some(Self(url))
    }

    /// An origin as CORS settings write it, with or without its scheme (`localhost:3000`).
    pub fn origin(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.contains("://") {
            Self::parse(text)
        } else {
            Self::parse(&format!("http://{text}"))
        }
    }

    /// The host, without the brackets of an IPv6 address.
    pub fn host(&self) -> &str {
        let host = self.0.host_str().unwrap_or_default();
        host.trim_start_matches('[').trim_end_matches(']')
    }

    /// The port, or the scheme's (80, 443) when the URL names none.
    pub fn port(&self) -> Option<u16> {
        self.0.port_or_known_default()
    }

    /// Whether the URL opens something on this machine.
    pub fn on_this_machine(&self) -> bool {
        is_this_machine(self.host())
    }

    /// The same URL (scheme, path, query) at another host and port: a server's link through a forward.
    pub fn at(&self, host: &str, port: u16) -> String {
        let mut moved = self.0.clone();
        // Both only fail on URLs that cannot have a host, which `parse` refused.
        let _ = moved.set_host(Some(host));
        let _ = moved.set_port(Some(port));
        moved.to_string()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_is_localhost_loopback_and_the_any_address() {
        for host in [
            "localhost",
            "LOCALHOST",
            "app.localhost",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
            "0.0.0.0",
            "::",
        ] {
            assert!(is_this_machine(host), "{host}");
        }
        for host in [
            "example.com",
            "localhost.example.com",
            "10.0.0.1",
            "[2001:db8::1]",
            "",
        ] {
            assert!(!is_this_machine(host), "{host}");
        }
    }

    #[test]
    fn a_port_is_private_on_loopback_or_no_address_and_public_on_any_other() {
        assert!(is_loopback(None));
        for ip in ["127.0.0.1", "::1", "[::1]", "localhost"] {
            assert!(is_loopback(Some(ip)), "{ip}");
        }
        for ip in ["0.0.0.0", "::", "", "192.168.1.10"] {
            assert!(!is_loopback(Some(ip)), "{ip}");
        }
        for ip in ["0.0.0.0", "::", "[::]", "*"] {
            assert!(is_any_address(ip), "{ip}");
        }
        assert!(!is_any_address("127.0.0.1"));
    }

    #[test]
    fn a_published_port_is_opened_where_this_machine_reaches_it() {
        assert_eq!(http_url("0.0.0.0", 8025), "http://127.0.0.1:8025");
        assert_eq!(http_url("", 80), "http://127.0.0.1:80");
        assert_eq!(http_url("::", 3000), "http://127.0.0.1:3000");
        assert_eq!(http_url("127.0.0.1", 5050), "http://127.0.0.1:5050");
        assert_eq!(http_url("::1", 9090), "http://[::1]:9090");
    }

    #[test]
    fn a_url_is_read_by_its_real_host_and_port() {
        let url = WebUrl::parse("http://localhost:@evil.example/").expect("a URL");
        assert_eq!(url.host(), "evil.example");
        assert!(!url.on_this_machine());
        let url = WebUrl::parse("https://[::1]/docs").expect("a URL");
        assert_eq!((url.host(), url.port()), ("::1", Some(443)));
        assert!(url.on_this_machine());
        assert_eq!(
            WebUrl::parse("http://127.0.0.1:8000/health").and_then(|u| u.port()),
            Some(8000)
        );
        assert!(WebUrl::parse("not a url").is_none());
        assert!(WebUrl::parse("file:///etc/passwd").is_none());
        assert!(WebUrl::parse("javascript:alert(1)").is_none());
    }

    #[test]
    fn an_origin_may_leave_out_its_scheme() {
        let origin = WebUrl::origin("localhost:3000").expect("an origin");
        assert_eq!((origin.host(), origin.port()), ("localhost", Some(3000)));
        assert!(WebUrl::origin("https://shop.example.com").is_some_and(|o| !o.on_this_machine()));
    }

    #[test]
    fn a_servers_link_moves_to_the_forwarded_port_and_keeps_its_path() {
        let url = WebUrl::parse("http://localhost:8025/#/inbox?x=1").expect("a URL");
        assert_eq!(url.at("127.0.0.1", 40123), "http://127.0.0.1:40123/#/inbox?x=1");
        let url = WebUrl::parse("https://127.0.0.1/grafana/d/x?orgId=1").expect("a URL");
        assert_eq!(
            url.at("127.0.0.1", 40124),
            "https://127.0.0.1:40124/grafana/d/x?orgId=1"
        );
    }
}
