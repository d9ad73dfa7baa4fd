//! Writing files durably, for every module that writes files it must not
//! lose (journal, archive, mirrors, keys, the kept runbook). What survives a
//! crash: a directory entry (a new file, a rename) once `sync_dir` of its
//! directory has returned; a new directory once `make_dirs` has returned; a
//! file put in place by `publish`, whole (or, replacing one, the old file,
//! whole), once `publish` has returned.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Makes a directory's entries durable (new files and directories in it).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Opens (creating it, mode 0600, never truncating) a file that is only
/// there to be `flock`ed: an incident's, the archive's or a mirror's lock.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
}

/// What failed, where.
#[derive(Debug)]
pub struct PathError {
    /// `create`, `write`, `chmod`, `sync` or `rename`.
    pub action: &'static str,
    pub path: PathBuf,
    pub error: io::Error,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.error
        )
    }
}

impl std::error::Error for PathError {}

/// Creates `dir` and its missing parents with `mode`, each synced into its
/// parent.
pub fn make_dirs(dir: &Path, mode: u32) -> Result<(), PathError> {
    if dir.is_dir() {
        return Ok(());
    }
    let parent = dir.parent().filter(|parent| !parent.as_os_str().is_empty());
    if let Some(parent) = parent {
        make_dirs(parent, mode)?;
    }
    let failed = |action, path: &Path| {
        let path = path.to_owned();
        move |error| PathError { action, path, error }
    };
    match std::fs::DirBuilder::new().mode(mode).create(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
        Err(error) => return Err(failed("create", dir)(error)),
    }
    match parent {
        Some(parent) => sync_dir(parent).map_err(failed("sync", parent)),
        None => Ok(()),
    }
}

/// Creates `path`, which must not exist, writes `bytes`, gives it `mode` and
/// syncs it. Until it is whole, only its owner may read it.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), PathError> {
    let failed = |action| {
        let path = path.to_owned();
        move |error| PathError { action, path, error }
    };
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode & 0o600)
        .open(path)
        .map_err(failed("create"))?;
    file.write_all(bytes).map_err(failed("write"))?;
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(failed("chmod"))?;
    file.sync_all().map_err(failed("sync"))
}

/// What [`publish`] does when `path` already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replaces it: readers see the old file or the new one, whole.
    Replace,
    /// Leaves it alone and fails with `AlreadyExists`, even when another
    /// process creates it at the same moment.
    Keep,
}

/// Puts `bytes` at `path` with `mode`, whole or not at all: written to
/// `.NAME.tmp` beside it (one a crash left is removed first) and synced,
/// moved into place (renamed over it for [`Existing::Replace`]; hard-linked
/// for [`Existing::Keep`], as a link never replaces a file), then the
/// directory synced. Writers of one path take turns under a lock: the
/// incident's, the archive's, a mirror's, or the key directory's.
pub fn publish(path: &Path, bytes: &[u8], mode: u32, existing: Existing) -> Result<(), PathError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.tmp"));
    let _ = fs::remove_file(&temp);
    if let Err(failed) = write_new(&temp, bytes, mode) {
        let _ = fs::remove_file(&temp);
        return Err(failed);
    }
    let placed = match existing {
        Existing::Replace => fs::rename(&temp, path),
        Existing::Keep => fs::hard_link(&temp, path),
    };
    // Gone already after a rename; after a link or a failure, in the way.
    let _ = fs::remove_file(&temp);
    placed.map_err(|error| PathError {
        action: "create",
        path: path.to_owned(),
        error,
    })?;
    sync_dir(dir).map_err(|error| PathError {
        action: "sync",
        path: dir.to_owned(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn publish_replaces_or_keeps_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.jsonl");
        // What a crash left half written is cleared out of the way.
        fs::write(dir.path().join(".index.jsonl.tmp"), "torn").unwrap();

        publish(&path, b"one\n", 0o640, Existing::Keep).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one\n");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);

        let kept = publish(&path, b"two\n", 0o640, Existing::Keep).unwrap_err();
        assert_eq!(kept.error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(kept.path, path);
        assert_eq!(fs::read(&path).unwrap(), b"one\n");

        publish(&path, b"three\n", 0o444, Existing::Replace).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three\n");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o444);
        assert_eq!(names(dir.path()), ["index.jsonl"]);
    }

    #[test]
    fn publish_into_a_missing_directory_fails_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/record.json");
        let failed = publish(&path, b"{}\n", 0o444, Existing::Keep).unwrap_err();
        assert_eq!(failed.error.kind(), io::ErrorKind::NotFound);
        assert!(
            failed.to_string().contains("missing/.record.json.tmp"),
            "{failed}"
        );
    }
}
