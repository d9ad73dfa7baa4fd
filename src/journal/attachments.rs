//! Files kept with an incident as evidence: `DIR/attachments/NAME`,
//! read-only, on disk before the journal names them.

use super::digest::sha256_hex_reader;
use crate::file_util::sync_dir;
use std::fs::{self, DirBuilder, File, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

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
/// The copy is made read-only and synced, with its directory entry, before
/// this returns. The caller holds the incident's lock, so two copies never
/// pick the same name.
pub fn store(dir: &Path, file: &Path) -> io::Result<Stored> {
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the file has no name"))?;
    let attachments = dir.join(ATTACHMENTS_DIR);
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&attachments)?;
    let mut stored = name.clone();
    let mut n = 1;
    while attachments.join(&stored).exists() {
        n += 1;
        stored = format!("{n}-{name}");
    }
    let target = attachments.join(&stored);
    fs::copy(file, &target)?;
    fs::set_permissions(&target, Permissions::from_mode(0o400))?;
    let copy = File::open(&target)?;
    copy.sync_all()?;
    sync_dir(&attachments)?;
    let bytes = copy.metadata()?.len();
    let sha256 = sha256_hex_reader(copy)?;
    Ok(Stored {
        name: stored,
        sha256,
        bytes,
    })
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
    fn a_missing_file_stores_nothing() {
        let incident = tempfile::tempdir().unwrap();
        let error = store(incident.path(), Path::new("/nonexistent/auth.log")).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            fs::read_dir(incident.path().join(ATTACHMENTS_DIR))
                .unwrap()
                .count(),
            0
        );
    }
}
