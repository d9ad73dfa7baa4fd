//! Writing files durably, for every module that writes files it must not
//! lose (journal, archive, mirrors, keys, the kept runbook). What survives a
//! crash: a directory entry (a new file, a rename) once `sync_dir` of its
//! directory has returned; a new directory once `make_dirs` has returned; a
//! replaced file, old or new but whole, once `replace` has returned.

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

/// Puts `bytes` at `path` with `mode`, replacing any file there: written to
/// `.NAME.tmp` beside it (one a crash left is removed first), renamed over
/// `path`, then the directory synced. `path` is the old file or the new one,
/// whole.
pub fn replace(path: &Path, bytes: &[u8], mode: u32) -> Result<(), PathError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{name}.tmp"));
    let _ = fs::remove_file(&temp);
    write_new(&temp, bytes, mode)?;
    fs::rename(&temp, path).map_err(|error| PathError {
        action: "rename",
        path: temp,
        error,
    })?;
    sync_dir(dir).map_err(|error| PathError {
        action: "sync",
        path: dir.to_owned(),
        error,
    })
}
