//! A tiny image registry on 127.0.0.1, so pulls can be tested for real with no registry reachable:
//! dockerd pulls from loopback registries over plain HTTP, so `127.0.0.1:<port>/name:tag` goes through
//! Docker's own pull code (manifest, config, layer download with byte progress) against this server.
//!
//! It serves one image with one layer of incompressible bytes, at a chosen speed (slow enough to watch
//! the progress or to interrupt a pull half-way). Registry API v2 subset: `/v2/`, manifests, blobs.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};

const MANIFEST_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_TYPE: &str = "application/vnd.oci.image.config.v1+json";
const LAYER_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";

/// A running registry; it stops when dropped.
pub struct TestRegistry {
    pub port: u16,
    /// The image reference to pull, e.g. `127.0.0.1:40123/envdeck-test/pulled:1`.
    pub image: String,
    /// Bytes of the layer blob (what Docker's download progress counts up to).
    pub layer_size: usize,
    /// How many layer bytes were sent so far (over every request).
    pub layer_bytes_sent: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

struct Blobs {
    manifest: Vec<u8>,
    manifest_digest: String,
    config: Vec<u8>,
    config_digest: String,
    layer: Vec<u8>,
    layer_digest: String,
}

impl TestRegistry {
    /// Serves an image whose layer holds busybox and `payload` random bytes, sent at about `bytes_per_second`.
    pub fn start(payload: usize, bytes_per_second: usize) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port for the registry");
        let port = listener.local_addr().expect("its address").port();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let repository = format!("envdeck-test/pulled-{}-{nanos:x}", std::process::id());
        let blobs = Arc::new(blobs(payload, &repository));
        let layer_size = blobs.layer.len();
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicUsize::new(0));
        listener.set_nonblocking(true).expect("a non-blocking listener");
        let (stop2, sent2) = (stop.clone(), sent.clone());
        std::thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (blobs, stop, sent) = (blobs.clone(), stop2.clone(), sent2.clone());
                        std::thread::spawn(move || {
                            let _ = serve(stream, &blobs, bytes_per_second, &stop, &sent);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Self {
            port,
            image: format!("127.0.0.1:{port}/{repository}:1"),
            layer_size,
            layer_bytes_sent: sent,
            stop,
        }
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The pulled image is the test's own: leave no trace in the engine.
        let _ = std::process::Command::new("docker")
            .args(["image", "rm", "-f", &self.image])
            .output();
    }
}

fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A tar of the layer: busybox (so the image runs: `busybox sleep`) and `size` pseudo-random bytes
/// (incompressible, so the download takes the time the speed says).
/// A layer of `size` bytes that no other registry serves: Docker shares a layer's download (and keeps a
/// layer it has) by digest, so two registries serving the same bytes would share one pull.
fn layer_tar(size: usize, repository: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(size);
    let mut x: u64 = sha256(repository.as_bytes())
        .bytes()
        .fold(0x9E37_79B9_7F4A_7C15, |x, b| x.rotate_left(5) ^ u64::from(b));
    while data.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(size);
    let busybox = std::fs::read("/bin/busybox").expect("/bin/busybox (busybox-static, scripts/setup.sh)");
    let mut tar = Vec::new();
    tar_entry(&mut tar, "bin/busybox", 0o755, &busybox);
    tar_entry(&mut tar, "payload.bin", 0o644, &data);
    tar.extend_from_slice(&[0u8; 1024]);
    tar
}

fn tar_entry(tar: &mut Vec<u8>, name: &str, mode: u32, bytes: &[u8]) {
    let mut header = [0u8; 512];
    let put =
        |h: &mut [u8; 512], at: usize, text: &str| h[at..at + text.len()].copy_from_slice(text.as_bytes());
    put(&mut header, 0, name);
    put(&mut header, 100, &format!("{mode:07o}\0"));
    put(&mut header, 108, "0000000\0");
    put(&mut header, 116, "0000000\0");
    put(&mut header, 124, &format!("{:011o}\0", bytes.len()));
    put(&mut header, 136, "00000000000\0");
    header[156] = b'0';
    put(&mut header, 257, "ustar\x0000");
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
    put(&mut header, 148, &format!("{sum:06o}\0 "));
    tar.extend_from_slice(&header);
    tar.extend_from_slice(bytes);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
}

fn blobs(layer_size: usize, repository: &str) -> Blobs {
    let layer = layer_tar(layer_size, repository);
    let layer_digest = sha256(&layer);
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Cmd": ["/bin/busybox", "sleep", "3600"], "Labels": { "dev.envdeck.test": repository } },
        "rootfs": { "type": "layers", "diff_ids": [layer_digest] },
    })
    .to_string()
    .into_bytes();
    let config_digest = sha256(&config);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_TYPE,
        "config": { "mediaType": CONFIG_TYPE, "digest": config_digest, "size": config.len() },
        "layers": [{ "mediaType": LAYER_TYPE, "digest": layer_digest, "size": layer.len() }],
    })
    .to_string()
    .into_bytes();
    let manifest_digest = sha256(&manifest);
    Blobs {
        manifest,
        manifest_digest,
        config,
        config_digest,
        layer,
        layer_digest,
    }
}

fn serve(
    stream: TcpStream,
    blobs: &Blobs,
    bytes_per_second: usize,
    stop: &AtomicBool,
    sent: &AtomicUsize,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let mut body_len = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                body_len = v.trim().parse().unwrap_or(0);
            }
        }
        let mut discard = vec![0u8; body_len];
        reader.read_exact(&mut discard)?;

        let (status, kind, digest, body): (&str, &str, Option<&str>, &[u8]) = if path == "/v2/" {
            ("200 OK", "application/json", None, b"{}")
        } else if path.contains("/manifests/") {
            let manifest: &[u8] = &blobs.manifest;
            ("200 OK", MANIFEST_TYPE, Some(&blobs.manifest_digest), manifest)
        } else if path.ends_with(&blobs.config_digest) {
            let config: &[u8] = &blobs.config;
            ("200 OK", CONFIG_TYPE, Some(&blobs.config_digest), config)
        } else if path.ends_with(&blobs.layer_digest) {
            let layer: &[u8] = &blobs.layer;
            ("200 OK", LAYER_TYPE, Some(&blobs.layer_digest), layer)
        } else {
            let unknown: &[u8] = br#"{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}"#;
            ("404 Not Found", "application/json", None, unknown)
        };
        let mut head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nDocker-Distribution-API-Version: registry/2.0\r\n",
            body.len()
        );
        if let Some(digest) = digest {
            head.push_str(&format!("Docker-Content-Digest: {digest}\r\n"));
        }
        head.push_str("\r\n");
        writer.write_all(head.as_bytes())?;
        if method == "HEAD" {
            continue;
        }
        let is_layer = std::ptr::eq(body.as_ptr(), blobs.layer.as_ptr());
        // Sent in slices of a tenth of a second's worth, so the speed holds and a stop is noticed.
        let slice = (bytes_per_second / 10).max(1024);
        for chunk in body.chunks(slice) {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            writer.write_all(chunk)?;
            if is_layer {
                sent.fetch_add(chunk.len(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        writer.flush()?;
    }
}
