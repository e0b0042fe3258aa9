//! Reading a project's text files (compose files, env files, the manifest, a `.env` to import) so that a
//! hostile or broken path cannot hang or exhaust EnvDeck: only a regular file is opened (a FIFO would
//! block the read forever, `/dev/zero` would never end), and one larger than a project file ever is
//! is refused before it is read.

use std::io::Read;
use std::path::Path;

use crate::error::CoreError;

/// The largest project file EnvDeck reads: the seeds' biggest compose file is about 20 KiB, and
/// parsing a 10 MB YAML file stalls the app for seconds.
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// The file's text; a FIFO, a device, a folder or a file over [`MAX_FILE_BYTES`] is an error naming the
/// path, before anything is read.
pub fn read_text(path: &Path) -> Result<String, CoreError> {
    let refuse = |why: String| CoreError::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
    };
    let read_error = |source| CoreError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if !meta.is_file() {
        return Err(refuse(
            "not a regular file (a folder, a FIFO or a device): EnvDeck reads only files".to_owned(),
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(too_large(meta.len())));
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    // A file that grows after the check is still read no further than the limit.
    let mut text = String::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_error)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(too_large(text.len() as u64)));
    }
    Ok(text)
}

/// Why a file could not be read, in the same words on every OS (Windows says "The system cannot find
/// the path specified. (os error 3)" where Linux says "No such file or directory (os error 2)").
pub fn why_unreadable(source: &std::io::Error) -> String {
    match source.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => source.to_string(),
    }
}

/// The same words as a compose file refused by the YAML parser's own limit.
pub fn too_large(bytes: u64) -> String {
    format!(
        "the file is {:.1} MB; EnvDeck reads project files up to {} MB (is it the right file?)",
        bytes as f64 / (1024.0 * 1024.0),
        MAX_FILE_BYTES / (1024 * 1024)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("compose.yml");
        std::fs::write(&path, "services: {}\n").expect("write");
        assert_eq!(read_text(&path).expect("read"), "services: {}\n");
    }

    #[test]
    fn a_device_a_folder_or_a_huge_file_is_refused_at_once_naming_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let huge = dir.path().join("huge.yml");
        std::fs::File::create(&huge)
            .and_then(|f| f.set_len(MAX_FILE_BYTES + 1))
            .expect("a sparse huge file");
        let mut refused = vec![
            (dir.path().to_path_buf(), "not a regular file"),
            (huge, "up to 2 MB"),
        ];
        if cfg!(unix) {
            refused.push(("/dev/zero".into(), "not a regular file"));
        }
        for (path, why) in refused {
            let err = read_text(&path).expect_err("refused").to_string();
            assert!(
                err.contains(&path.display().to_string()) && err.contains(why),
                "{err}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("docker-compose.yml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        // Opening a FIFO for reading would wait for a writer forever: the check comes first.
        let err = read_text(&fifo).expect_err("refused").to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
}
