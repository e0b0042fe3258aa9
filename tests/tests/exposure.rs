//! A port EnvDeck publishes is reachable from this machine and from nowhere else. The test plays the
//! second machine with a network namespace of its own, joined to the host by a veth pair on addresses
//! it chooses (10.231.x.1/30 on the host side, .2 inside); the host's real interfaces are only read.
//! From inside, a listener of the test's own on 0.0.0.0 must answer at every host address (so the
//! path works and a "not reachable" means something), and the web server EnvDeck published — with no
//! host IP in the compose file, so EnvDeck's default applies — must answer at none of them, while the
//! host reaches it on 127.0.0.1. Cost: about 3 s plus one `up`.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use envdeck_tests::cli::{envdeck, run_bounded};
use envdeck_tests::{copy_fixture, remove_stack};

/// A network namespace and the veth pair that joins it to the host; both go on drop.
struct Neighbour {
    netns: String,
    host_side: String,
    host_addr: Ipv4Addr,
}

fn ip(args: &[&str]) {
    let mut cmd = Command::new("ip");
    cmd.args(args);
    let ran = run_bounded(cmd, Duration::from_secs(10));
    assert!(
        ran.status.success(),
        "ip {args:?} (iproute2, installed by scripts/setup.sh): {}",
        ran.text()
    );
}

impl Neighbour {
    fn new() -> Neighbour {
        let id = std::process::id();
        let n = Neighbour {
            netns: format!("edfx-{id}"),
            host_side: format!("edxh{}", id % 100_000),
            host_addr: Ipv4Addr::new(10, 231, (id % 250) as u8, 1),
        };
        let inner_side = format!("edxn{}", id % 100_000);
        let inner_addr = Ipv4Addr::new(10, 231, (id % 250) as u8, 2);
        let _ = Command::new("ip").args(["link", "del", &n.host_side]).output();
        let _ = Command::new("ip").args(["netns", "del", &n.netns]).output();
        let (ns, host_side) = (n.netns.as_str(), n.host_side.as_str());
        ip(&["netns", "add", ns]);
        ip(&[
            "link",
            "add",
            host_side,
            "type",
            "veth",
            "peer",
            "name",
            &inner_side,
        ]);
        ip(&["link", "set", &inner_side, "netns", ns]);
        ip(&["addr", "add", &format!("{}/30", n.host_addr), "dev", host_side]);
        ip(&["link", "set", host_side, "up"]);
        ip(&[
            "netns",
            "exec",
            ns,
            "ip",
            "addr",
            "add",
            &format!("{inner_addr}/30"),
            "dev",
            &inner_side,
        ]);
        ip(&["netns", "exec", ns, "ip", "link", "set", &inner_side, "up"]);
        ip(&["netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
        // Every other address of the host is reached through it, as a machine on the same LAN would.
        ip(&[
            "netns",
            "exec",
            ns,
            "ip",
            "route",
            "add",
            "default",
            "via",
            &n.host_addr.to_string(),
        ]);
        n
    }

    /// Whether a TCP connection from inside the namespace to `addr:port` succeeds within 3 s.
    fn reaches(&self, addr: Ipv4Addr, port: u16) -> bool {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.netns, "timeout", "3", "bash", "-c"])
            .arg(format!("exec 3<>/dev/tcp/{addr}/{port}"));
        run_bounded(cmd, Duration::from_secs(10)).status.success()
    }
}

impl Drop for Neighbour {
    fn drop(&mut self) {
        // Deleting one end of a veth pair deletes the other.
        let _ = Command::new("ip").args(["link", "del", &self.host_side]).output();
        let _ = Command::new("ip").args(["netns", "del", &self.netns]).output();
    }
}

/// The host's IPv4 addresses other than loopback (read only).
fn host_addresses() -> Vec<Ipv4Addr> {
    let out = Command::new("ip")
        .args(["-4", "-o", "addr", "show"])
        .output()
        .expect("ip runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            words.find(|w| *w == "inet")?;
            words.next()?.split('/').next()?.parse::<Ipv4Addr>().ok()
        })
        .filter(|a| !a.is_loopback())
        .collect()
}

struct Stack(String);

impl Drop for Stack {
    fn drop(&mut self) {
        remove_stack(&self.0);
    }
}

#[test]
fn a_port_published_by_envdeck_is_reachable_from_the_host_and_not_from_a_second_network_namespace() {
    let (_tmp, dir) = copy_fixture("faults-ports", "faults-exposure");
    let stack = Stack(envdeck_tests::cli::stack_of(&dir, "local"));
    remove_stack(&stack.0);
    let limit = Duration::from_secs(90);

    let up = envdeck(&dir, &["up", "local"], &[], limit);
    assert!(up.status.success(), "up: {}", up.text());
    let ps = envdeck(&dir, &["ps", "local", "--format", "json"], &[], limit);
    let rows: serde_json::Value = serde_json::from_str(&ps.stdout)
        .unwrap_or_else(|e| panic!("ps --format json is JSON ({e}): {}", ps.text()));
    let ports = &rows[0]["ports"];
    assert_eq!(
        ports.as_array().map(Vec::len),
        Some(1),
        "one published port: {rows}"
    );
    assert_eq!(
        ports[0]["host_ip"], "127.0.0.1",
        "a port with no host IP in the compose file is published on loopback: {rows}"
    );
    let port = ports[0]["host_port"]
        .as_u64()
        .and_then(|p| u16::try_from(p).ok())
        .expect("a host port number");

    // From the host: the web server answers.
    let mut from_host = TcpStream::connect(("127.0.0.1", port)).expect("the host reaches the port");
    from_host
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("a read timeout can be set");
    from_host
        .write_all(b"GET / HTTP/1.0\r\n\r\n")
        .expect("the request is sent");
    let mut page = String::new();
    let _ = from_host.read_to_string(&mut page);
    assert!(
        page.contains("envdeck-test busybox"),
        "the host gets the page: {page}"
    );

    // From the neighbour: the control listener answers everywhere, EnvDeck's port nowhere.
    let control = TcpListener::bind("0.0.0.0:0").expect("a control listener on every address");
    let control_port = control.local_addr().expect("its address").port();
    let neighbour = Neighbour::new();
    let mut targets = vec![neighbour.host_addr];
    targets.extend(host_addresses().into_iter().filter(|a| *a != neighbour.host_addr));
    for addr in &targets {
        assert!(
            neighbour.reaches(*addr, control_port),
            "the neighbour reaches a 0.0.0.0 listener at {addr}: the path works, so a refusal below is real"
        );
        assert!(
            !neighbour.reaches(*addr, port),
            "the neighbour must NOT reach EnvDeck's published port at {addr}:{port}"
        );
    }
    drop(control);

    let down = envdeck(&dir, &["down", "local"], &[], limit);
    assert!(down.status.success(), "down: {}", down.text());
}
