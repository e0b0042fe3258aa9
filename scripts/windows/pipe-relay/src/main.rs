//! Docker Desktop's named pipe, stood in for under Wine: serves `\\.\pipe\docker_engine` in the Wine
//! prefix and relays each connection to 127.0.0.1:PORT (the test's forwarder to this machine's
//! dockerd), so envdeck.exe's default Windows endpoint, the named pipe, runs end to end
//! (crates/envdeck-cli/tests/windows_cli.rs). A Linux program cannot serve a Wine pipe: Wine's pipes
//! live in wineserver. Built by scripts/windows-tests.sh; not shipped.
//!
//! Usage: `wine pipe-relay.exe PORT`; prints `ready` once the pipe accepts connections.

use std::io::Write;

use tokio::net::TcpStream;
use tokio::net::windows::named_pipe::ServerOptions;

const PIPE: &str = r"\\.\pipe\docker_engine";

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("usage: pipe-relay PORT");
    let mut server = ServerOptions::new().first_pipe_instance(true).create(PIPE)?;
    println!("ready");
    std::io::stdout().flush()?;
    loop {
        server.connect().await?;
        // The next instance exists before this one is handed over, so no client finds the pipe gone.
        let mut client = std::mem::replace(&mut server, ServerOptions::new().create(PIPE)?);
        tokio::spawn(async move {
            if let Ok(mut engine) = TcpStream::connect(("127.0.0.1", port)).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut engine).await;
            }
        });
    }
}
