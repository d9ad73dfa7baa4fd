//! Files kept with an incident as evidence: `DIR/attachments/NAME`,
//! read-only, on disk before the journal names them.
//!
//! What survives a crash: a file is copied to a hidden temporary name
//! (`.attach.PID-N.tmp`, `flock`ed by its writer while it exists) and synced
//! before it is given its name, so `NAME` is always a whole copy; a crash
//! leaves at most a temporary file, which the next store into the incident
//! removes once no live writer holds its lock.

use super::digest::sha256_hex_reader;
use crate::file_util::{Links, PathError, open_regular, sync_dir};
use std::fs::{self, DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The directory inside an incident directory.
pub const ATTACHMENTS_DIR: &str = "attachments";

/// What a temporary copy's name ends with (it starts with a dot).
const TEMP_SUFFIX: &str = ".tmp";

/// The longest file name, in bytes, when the file system does not say.
const NAME_MAX: usize = 255;

/// What stands for the part of a name left out to make it fit.
const SHORTENED: &str = "~";

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
/// A name that would be too long for the file system, with its prefix,
/// is shortened in the middle, keeping its extension (`2-long~.log`).
/// The copy is made under a temporary name, made read-only and synced, then
/// hard-linked to its name, which fails if the name exists, so two
/// processes storing at once (a walk, and `runbook attach` from another
/// terminal) never pick the same one; the directory entry is synced before
/// this returns. A copy that fails leaves nothing behind. A hidden file's
/// name loses its leading dots (`.bash_history` is kept as
/// `bash_history`): a hidden name is a copy not yet made, never an
/// attachment. `file` must be a regular file; an `attachments` that is a
/// symbolic link is refused, never written through. Errors name the path.
pub fn store(dir: &Path, file: &Path) -> Result<Stored, PathError> {
    let failed = PathError::of;
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy())
        .ok_or_else(|| {
            failed("read", file)(io::Error::new(io::ErrorKind::InvalidInput, "it has no file name"))
        })?;
    let name = match name.trim_start_matches('.') {
        "" => "attachment".to_owned(),
        plain => plain.to_owned(),
    };
    let mut source = open_regular(file, Links::Follow)?;
    let attachments = directory(dir)?;
    remove_abandoned(&attachments);
    let (temp, mut copy) = temporary(&attachments)?;
    let name_max = name_max(&attachments);
    // Digested as it is on disk, before it is named: the journal names it
    // as soon as it has a name, so that a crash leaves no named copy that
    // no event names.
    let copied = io::copy(&mut source, &mut copy)
        .map_err(failed("copy", file))
        .and_then(|_| {
            copy.set_permissions(Permissions::from_mode(0o400))
                .and_then(|()| copy.sync_all())
                .map_err(failed("write", &temp))
        })
        .and_then(|()| digest(&temp).map_err(failed("read", &temp)));
    let named = copied.and_then(|(bytes, sha256)| {
        let mut n = 1;
        loop {
            let stored = stored_name(&name, n, name_max);
            let path = attachments.join(&stored);
            match fs::hard_link(&temp, &path) {
                Ok(()) => {
                    return Ok(Stored {
                        name: stored,
                        sha256,
                        bytes,
                    });
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => n += 1,
                // Shortened to what the file system said it takes, and
                // still refused: the user's file is the one to name.
                Err(error) if error.kind() == io::ErrorKind::InvalidFilename => {
                    let why = format!(
                        "its name is too long to be kept in {} ({error})",
                        attachments.display()
                    );
                    return Err(failed("attach", file)(io::Error::new(error.kind(), why)));
                }
                Err(error) => return Err(failed("create", &path)(error)),
            }
        }
    });
    // Named or failed, the temporary name goes (its lock with `copy`).
    let _ = fs::remove_file(&temp);
    drop(copy);
    let stored = named?;
    sync_dir(&attachments).map_err(failed("sync", &attachments))?;
    Ok(stored)
}

/// The size and SHA-256 of the file at `path`.
fn digest(path: &Path) -> io::Result<(u64, String)> {
    let file = File::open(path)?;
    let bytes = file.metadata()?.len();
    Ok((bytes, sha256_hex_reader(file)?))
}

/// The name of the `n`th try at naming `name` (`name`, `2-name`, ...),
/// shortened to `max` bytes when it is longer: the end of the stem gives
/// way to [`SHORTENED`], the extension (up to 16 bytes) is kept, and the
/// cut falls between characters.
fn stored_name(name: &str, n: u32, max: usize) -> String {
    let prefix = if n == 1 { String::new() } else { format!("{n}-") };
    if prefix.len() + name.len() <= max {
        return format!("{prefix}{name}");
    }
    let extension = name
        .rfind('.')
        .filter(|&at| at > 0 && name.len() - at <= 16)
        .map_or("", |at| &name[at..]);
    let stem = &name[..name.len() - extension.len()];
    let room = max.saturating_sub(prefix.len() + extension.len() + SHORTENED.len());
    let mut end = room.min(stem.len());
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{prefix}{}{SHORTENED}{extension}", &stem[..end])
}

/// The longest file name `attachments` takes, in bytes, as its file
/// system says ([`NAME_MAX`] when it does not).
fn name_max(attachments: &Path) -> usize {
    rustix::fs::statvfs(attachments)
        .ok()
        .and_then(|stat| usize::try_from(stat.f_namemax).ok())
        .filter(|&max| max > 0)
        .unwrap_or(NAME_MAX)
}

/// Creates `DIR/attachments/.attach.PID-N.tmp` (mode 0600), locked while
/// its writer lives (see [`remove_abandoned`]). The name does not depend on
/// the file's, so any name that can be kept can be copied.
fn temporary(attachments: &Path) -> Result<(PathBuf, File), PathError> {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    loop {
        let path = attachments.join(format!(
            ".attach.{}-{}{TEMP_SUFFIX}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let failed = PathError::of("create", &path);
        let file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(failed(error)),
        };
        // Waits out a remover that found it before it was locked: it is
        // then gone, and another name is tried.
        file.lock().map_err(&failed)?;
        if file.metadata().map_err(failed)?.nlink() > 0 {
            return Ok((path, file));
        }
    }
}

/// Removes the temporary copies that writers which died (a crash, a kill
/// mid-copy) left in `attachments`: those whose lock nobody holds. What
/// cannot be removed is left for the next look.
fn remove_abandoned(attachments: &Path) {
    let Ok(listing) = fs::read_dir(attachments) else {
        return;
    };
    for entry in listing.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with('.') && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = open_regular(&path, Links::Refuse) else {
            continue;
        };
        if file.try_lock().is_ok() {
            // Removed while locked, so its writer, should it be starting
            // just now, sees it gone once it gets the lock.
            let _ = fs::remove_file(&path);
        }
    }
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
fn directory(dir: &Path) -> Result<PathBuf, PathError> {
    let attachments = dir.join(ATTACHMENTS_DIR);
    let failed = |action, error| PathError {
        action,
        path: attachments.clone(),
        error,
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&attachments)
        .map_err(|error| failed("create", error))?;
    let kind = fs::symlink_metadata(&attachments)
        .map_err(|error| failed("use", error))?
        .file_type();
    if !kind.is_dir() {
        let what = if kind.is_symlink() {
            "is a symbolic link"
        } else {
            "is not a directory"
        };
        let why = format!("{what}; runbook keeps attachments in a directory it makes there");
        return Err(failed("use", io::Error::other(why)));
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
        let left = || fs::read_dir(incident.path().join(ATTACHMENTS_DIR)).map_or(0, Iterator::count);
        let error = store(incident.path(), Path::new("/nonexistent/auth.log")).unwrap_err();
        assert_eq!(error.error.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            error.to_string(),
            "cannot read /nonexistent/auth.log: No such file or directory (os error 2)"
        );
        assert_eq!(left(), 0);
        // Nor does one that is not a file.
        let error = store(incident.path(), incident.path()).unwrap_err();
        assert!(
            error.to_string().ends_with("is a directory, not a file"),
            "{error}"
        );
        assert_eq!(left(), 0);
    }

    #[test]
    fn a_copy_is_named_only_once_whole_and_one_a_dead_writer_left_is_removed() {
        let incident = tempfile::tempdir().unwrap();
        let evidence = incident.path().join("df.txt");
        fs::write(&evidence, "100%\n").unwrap();
        let attachments = directory(incident.path()).unwrap();
        // A writer mid-copy: its copy is hidden, and left alone while it lives.
        let (live, mut copy) = temporary(&attachments).unwrap();
        io::Write::write_all(&mut copy, b"10").unwrap();
        let name = live.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with(".attach.") && name.ends_with(".tmp"), "{name}");
        assert_eq!(store(incident.path(), &evidence).unwrap().name, "df.txt");
        assert!(live.exists(), "a live writer's copy was removed");
        // The writer dies: what it left goes at the next store.
        drop(copy);
        assert_eq!(store(incident.path(), &evidence).unwrap().name, "2-df.txt");
        let mut names: Vec<String> = fs::read_dir(&attachments)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["2-df.txt", "df.txt"]);
    }

    #[test]
    fn names_too_long_with_their_prefix_are_shortened_keeping_the_extension() {
        assert_eq!(stored_name("auth.log", 1, 255), "auth.log");
        assert_eq!(stored_name("auth.log", 12, 255), "12-auth.log");
        assert_eq!(stored_name("abcdefgh.log", 1, 12), "abcdefgh.log");
        assert_eq!(stored_name("abcdefgh.log", 2, 12), "2-abcde~.log");
        assert_eq!(stored_name("abcdefgh.log", 10, 12), "10-abcd~.log");
        // A stem cut between characters, never inside one.
        assert_eq!(stored_name("ééééé.log", 2, 14), "2-ééé~.log");
        // No extension to keep (a dot far from the end is not one).
        assert_eq!(stored_name("abcdefghijkl", 2, 10), "2-abcdefg~");
        let long = format!("a.{}", "b".repeat(30));
        assert_eq!(stored_name(&long, 1, 12), "a.bbbbbbbbb~");
        for n in [1, 2, 99] {
            assert!(stored_name(&"x".repeat(300), n, 255).len() <= 255);
        }
    }

    #[test]
    fn a_name_of_the_longest_length_is_kept_and_its_second_copy_shortened() {
        let incident = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let name = format!("{}.log", "a".repeat(NAME_MAX - 4));
        let evidence = outside.path().join(&name);
        fs::write(&evidence, "x\n").unwrap();
        assert_eq!(store(incident.path(), &evidence).unwrap().name, name);
        let second = store(incident.path(), &evidence).unwrap();
        assert_eq!(second.name, format!("2-{}~.log", "a".repeat(NAME_MAX - 7)));
        assert!(holds(incident.path(), &second.name, &second.sha256, second.bytes));
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
