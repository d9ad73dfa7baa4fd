//! Making directory changes durable, for every module that writes files it
//! must not lose (journal, archive, mirrors). What survives a crash: a
//! directory entry (a new file, a rename) once `sync_dir` of its directory
//! has returned; a new directory once `make_dirs` has returned.

use std::fs::File;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// Makes a directory's entries durable (new files and directories in it).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// What failed, where.
#[derive(Debug)]
pub struct PathError {
    /// `create` or `sync`.
    pub action: &'static str,
    pub path: PathBuf,
    pub error: io::Error,
}

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
