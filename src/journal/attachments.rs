//! Files kept with an incident as evidence: `DIR/attachments/NAME`,
//! read-only, on disk before the journal names them.

use super::digest::sha256_hex_reader;
use crate::file_util::{Links, open_regular, sync_dir};
use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The directory inside an incident directory.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// A file as it was stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its name under `attachments/`.
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// Copies `file` into `DIR/attachments/`, never replacing one there: a
/// second file of the same name becomes `2-NAME`, then `3-NAME`, and so on.
/// Each name is taken by creating its file exclusively, so two processes
/// storing at once (a walk, and `runbook attach` from another terminal)
/// never pick the same one. A hidden file's name loses its leading dots
/// (`.bash_history` is kept as `bash_history`): a hidden name is a copy not
/// yet made, never an attachment. The copy is made read-only and synced,
/// with its directory entry, before this returns; a copy that fails is
/// removed. An `attachments` that is a symbolic link is refused, never
/// written through.
pub fn store(dir: &Path, file: &Path) -> io::Result<Stored> {
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the file has no name"))?;
    let name = match name.trim_start_matches('.') {
        "" => "attachment".to_owned(),
        plain => plain.to_owned(),
    };
    let mut source = File::open(file)?;
    let attachments = directory(dir)?;
    let mut n = 1;
    let (stored, mut target) = loop {
        let stored = if n == 1 {
            name.clone()
        } else {
            format!("{n}-{name}")
        };
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(attachments.join(&stored))
        {
            Ok(target) => break (stored, target),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => n += 1,
            Err(error) => return Err(error),
        }
    };
    let path = attachments.join(&stored);
    let copied = io::copy(&mut source, &mut target)
        .and_then(|_| target.set_permissions(Permissions::from_mode(0o400)))
        .and_then(|()| target.sync_all());
    if let Err(error) = copied {
        let _ = fs::remove_file(&path);
        return Err(error);
    }
    sync_dir(&attachments)?;
    let copy = File::open(&path)?;
    let bytes = copy.metadata()?.len();
    let sha256 = sha256_hex_reader(copy)?;
    Ok(Stored {
        name: stored,
        sha256,
        bytes,
    })
}

/// Whether `DIR/attachments/NAME` is a file as [`store`] left it, with
/// `bytes` bytes and SHA-256 `sha256`: what an `attachment-added` handed
/// over through the inbox must name before it is journaled. `name` must be
/// a plain file name, not hidden (a copy being made), and the file a
/// regular one, not a symbolic link, in the directory itself.
pub(crate) fn holds(dir: &Path, name: &str, sha256: &str, bytes: u64) -> bool {
    let plain = !name.is_empty() && !name.contains(['/', '\0']) && !name.starts_with('.');
    if !plain {
        return false;
    }
    let attachments = dir.join(ATTACHMENTS_DIR);
    if !fs::symlink_metadata(&attachments).is_ok_and(|metadata| metadata.is_dir()) {
        return false;
    }
    let Ok(file) = open_regular(&attachments.join(name), Links::Refuse) else {
        return false;
    };
    file.metadata().is_ok_and(|metadata| metadata.len() == bytes)
        && sha256_hex_reader(file).is_ok_and(|digest| digest == sha256)
}

/// `DIR/attachments/`, made if need be: a directory, not a symbolic link
/// put in its place to have copies written elsewhere.
fn directory(dir: &Path) -> io::Result<PathBuf> {
    let attachments = dir.join(ATTACHMENTS_DIR);
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&attachments)?;
    let kind = fs::symlink_metadata(&attachments)?.file_type();
    if !kind.is_dir() {
        let what = if kind.is_symlink() {
            "a symbolic link"
        } else {
            "not a directory"
        };
        return Err(io::Error::other(format!(
            "{} is {what}; runbook keeps attachments in a directory it makes there",
            attachments.display()
        )));
    }
    Ok(attachments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_copied_read_only_with_its_digest_and_never_replaced() {
        let incident = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let evidence = outside.path().join("auth.log");
        fs::write(&evidence, "Failed password for root\n").unwrap();

        let first = store(incident.path(), &evidence).unwrap();
        assert_eq!(first.name, "auth.log");
        assert_eq!(first.bytes, 25);
        assert_eq!(
            first.sha256,
            crate::journal::sha256_hex(b"Failed password for root\n")
        );
        let kept = incident.path().join("attachments/auth.log");
        assert_eq!(fs::read(&kept).unwrap(), b"Failed password for root\n");
        assert_eq!(fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o400);

        fs::write(&evidence, "later\n").unwrap();
        assert_eq!(store(incident.path(), &evidence).unwrap().name, "2-auth.log");
        assert_eq!(store(incident.path(), &evidence).unwrap().name, "3-auth.log");
        assert_eq!(fs::read(&kept).unwrap(), b"Failed password for root\n");
    }

    #[test]
    fn a_hidden_file_is_kept_under_a_name_that_is_not() {
        let incident = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let history = outside.path().join(".bash_history");
        fs::write(&history, "rm -rf /var/log\n").unwrap();
        let stored = store(incident.path(), &history).unwrap();
        assert_eq!(stored.name, "bash_history");
        assert!(holds(incident.path(), &stored.name, &stored.sha256, stored.bytes));
    }

    #[test]
    fn a_missing_file_stores_nothing() {
        let incident = tempfile::tempdir().unwrap();
        let error = store(incident.path(), Path::new("/nonexistent/auth.log")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        let left = fs::read_dir(incident.path().join(ATTACHMENTS_DIR)).map_or(0, Iterator::count);
        assert_eq!(left, 0);
        // Nor does one that cannot be read whole (a directory).
        let error = store(incident.path(), incident.path()).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::IsADirectory, "{error}");
        assert_eq!(
            fs::read_dir(incident.path().join(ATTACHMENTS_DIR))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn files_stored_at_once_by_two_writers_never_share_a_name() {
        let incident = tempfile::tempdir().unwrap();
        let evidence = incident.path().join("df.txt");
        fs::write(&evidence, "100%\n").unwrap();
        let names: Vec<String> = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..2)
                .map(|_| {
                    scope.spawn(|| {
                        (0..10)
                            .map(|_| store(incident.path(), &evidence).unwrap().name)
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            writers.into_iter().flat_map(|w| w.join().unwrap()).collect()
        });
        let distinct: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), 20, "{names:?}");
    }
}
