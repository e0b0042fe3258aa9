//! `develop.watch`'s copies: changed files of this machine packed as a tar and unpacked in the service's
//! container through the Engine API (no `docker cp` process, so a server's engine works the same), and
//! files deleted here removed there.

use std::path::Path;

use bollard::Docker;
use bollard::query_parameters::UploadToContainerOptionsBuilder;
use envdeck_core::watch::Copy;

use crate::error::{EngineError, detail};

/// Copies `copies` into `container`; a file gone since it was seen is left to its own delete event.
/// Returns how many files went.
pub(crate) async fn copy_in(
    docker: &Docker,
    service: &str,
    container: &str,
    copies: &[Copy],
) -> Result<usize, EngineError> {
    let fail = |detail: crate::error::Detail| EngineError::Sync {
        service: service.to_owned(),
        detail,
    };
    let owned = copies.to_vec();
    let (tar, sent) = tokio::task::spawn_blocking(move || pack(&owned))
        .await
        .map_err(|e| fail(e.to_string().into()))?
        .map_err(|e| fail(e.to_string().into()))?;
    if sent == 0 {
        return Ok(0);
    }
    let options = UploadToContainerOptionsBuilder::default().path("/").build();
    docker
        .upload_to_container(container, Some(options), bollard::body_full(tar.into()))
        .await
        .map_err(|e| fail(detail(&e)))?;
    Ok(sent)
}

/// The tar of the files still there, each named by its place in the container.
fn pack(copies: &[Copy]) -> std::io::Result<(Vec<u8>, usize)> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    let mut sent = 0;
    for copy in copies {
        let name = copy.target.trim_start_matches('/');
        match builder.append_path_with_name(Path::new(&copy.local), name) {
            Ok(()) => sent += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok((builder.into_inner()?, sent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_sent_as_a_link_and_a_vanished_file_is_skipped() {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let file = dir.path().join("main.py");
        std::fs::write(&file, "print(1)\n").expect("a file");
        let link = dir.path().join("passwd");
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc/passwd", &link).expect("a link");
        let copy = |local: &Path, target: &str| Copy {
            local: local.to_path_buf(),
            target: target.to_owned(),
        };
        let (tar, sent) = pack(&[
            copy(&file, "/app/main.py"),
            copy(&link, "/app/passwd"),
            copy(&dir.path().join("gone.py"), "/app/gone.py"),
        ])
        .expect("packs");
        assert_eq!(sent, if cfg!(unix) { 2 } else { 1 });
        let mut archive = tar::Archive::new(tar.as_slice());
        for entry in archive.entries().expect("entries") {
            let entry = entry.expect("an entry");
            let name = entry.path().expect("a name").display().to_string();
            match name.as_str() {
                "app/main.py" => assert!(entry.header().entry_type().is_file()),
                "app/passwd" => {
                    assert!(
                        entry.header().entry_type().is_symlink(),
                        "the link, not /etc/passwd's content"
                    );
                    assert_eq!(entry.header().size().expect("a size"), 0);
                }
                other => panic!("unexpected entry {other}"),
            }
        }
    }
}
