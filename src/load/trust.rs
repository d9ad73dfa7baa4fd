//! Whether a file may be trusted to say which commands run.
//!
//! Like OpenSSH with key files: the file, and every directory from it up to
//! where the search started, must belong to root or to the user running
//! `runbook`, and nobody else may write to them. A symlinked file's real
//! directory is checked too. Files are opened without blocking (a FIFO
//! cannot stall a listing), checked through the open handle (no swapping
//! the file between the check and the read) and read up to a size cap.

use std::fs::Metadata;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Larger files are refused rather than read: no plan or config is this
/// long, and a wrong path (a log, a disk image) should fail fast.
pub const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub hint: String,
}

/// Reads `path` if it and its directories up to `root` can be trusted.
pub fn read_trusted(path: &Path, root: &Path, what: &str) -> Result<Vec<u8>, Refusal> {
    let unreadable = |error: std::io::Error| Refusal {
        message: format!("cannot read {what} {}: {error}", path.display()),
        hint: "check that the path exists and is readable".into(),
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(Refusal {
            message: format!("{} is not a regular file", path.display()),
            hint: format!("name {what} file itself (*.toml), not a directory or device"),
        });
    }
    check(&metadata, path, what)?;
    for dir in directories(path, root) {
        let metadata = std::fs::metadata(&dir).map_err(unreadable)?;
        check(&metadata, &dir, "its directory")?;
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        let real = std::fs::canonicalize(path).map_err(unreadable)?;
        if let Some(dir) = real.parent() {
            let metadata = std::fs::metadata(dir).map_err(unreadable)?;
            check(&metadata, dir, "the directory it links into")?;
        }
    }
    if metadata.len() > MAX_SIZE {
        return Err(too_big(path, metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    (&mut file)
        .take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SIZE {
        return Err(too_big(path, bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(path: &Path, size: u64) -> Refusal {
    Refusal {
        message: format!(
            "{} is {size} bytes; runbooks and configs are at most {MAX_SIZE} bytes",
            path.display()
        ),
        hint: "split the plan into several runbooks".into(),
    }
}

/// The directories from `path`'s own up to and including `root`.
fn directories(path: &Path, root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dir = path.parent();
    while let Some(current) = dir {
        let shown = if current.as_os_str().is_empty() {
            Path::new(".")
        } else {
            current
        };
        found.push(shown.to_owned());
        if current == root || !current.starts_with(root) || current.as_os_str().is_empty() {
            break;
        }
        dir = current.parent();
    }
    found
}

fn check(metadata: &Metadata, path: &Path, what: &str) -> Result<(), Refusal> {
    let mode = metadata.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Refusal {
            message: format!(
                "refused: {what} {} is writable by group or others (mode {mode:04o})",
                path.display()
            ),
            hint: format!("a runbook runs commands; run `chmod go-w {}`", path.display()),
        });
    }
    let me = rustix::process::getuid().as_raw();
    let owner = metadata.uid();
    if owner != 0 && owner != me {
        return Err(Refusal {
            message: format!(
                "refused: {what} {} belongs to uid {owner}, not to you (uid {me}) or root",
                path.display()
            ),
            hint: format!(
                "a runbook runs commands; if you trust it, run `chown {me} {}`",
                path.display()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_stop_at_the_root() {
        let dirs = directories(Path::new("runbooks/a/b.toml"), Path::new("runbooks"));
        assert_eq!(dirs, [PathBuf::from("runbooks/a"), PathBuf::from("runbooks")]);
        assert_eq!(
            directories(Path::new("b.toml"), Path::new("b.toml")),
            [PathBuf::from(".")]
        );
        let dirs = directories(Path::new("/srv/rb/x.toml"), Path::new("/srv/rb"));
        assert_eq!(dirs, [PathBuf::from("/srv/rb")]);
    }
}
