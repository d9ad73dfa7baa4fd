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

/// Whether a path's last component may be a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it: a file the user named (`--answers`, `--summary`).
    Follow,
    /// Refuse it: a file inside the data directory, where runbook makes
    /// every file itself, so a link was put there to redirect a write or
    /// a read elsewhere.
    Refuse,
}

/// Opens `path` for reading, refusing anything but a regular file: a FIFO
/// would block the open or the read until someone writes to it, and a
/// device may never end. The open itself never blocks (`O_NONBLOCK`, which
/// changes nothing for a regular file).
pub fn open_regular(path: &Path, links: Links) -> Result<File, PathError> {
    let file = open_nonblocking(path, links, OpenOptions::new().read(true), "read")?;
    check_regular(path, &file, "read")?;
    Ok(file)
}

/// [`open_regular`] with other `options` (to append, to create): a
/// journal, a lock file. Any custom flags in `options` are replaced.
pub fn open_regular_with(path: &Path, links: Links, options: &mut OpenOptions) -> Result<File, PathError> {
    let file = open_nonblocking(path, links, options, "open")?;
    check_regular(path, &file, "open")?;
    Ok(file)
}

/// Opens `path` with `options` without waiting for a writer, whatever it
/// is (`O_NONBLOCK`), and, for [`Links::Refuse`], never through a link.
fn open_nonblocking(
    path: &Path,
    links: Links,
    options: &mut OpenOptions,
    action: &'static str,
) -> Result<File, PathError> {
    let mut flags = rustix::fs::OFlags::NONBLOCK.bits() as i32;
    if links == Links::Refuse {
        flags |= rustix::fs::OFlags::NOFOLLOW.bits() as i32;
    }
    options
        .custom_flags(flags)
        .open(path)
        .map_err(said_of_a_link)
        .map_err(PathError::of(action, path))
}

/// Refuses `file` unless it is a regular file.
fn check_regular(path: &Path, file: &File, action: &'static str) -> Result<(), PathError> {
    regular_len(path, file, action).map(|_| ())
}

/// [`check_regular`], saying how long the file is.
fn regular_len(path: &Path, file: &File, action: &'static str) -> Result<u64, PathError> {
    let failed = PathError::of(action, path);
    let metadata = file.metadata().map_err(&failed)?;
    let kind = metadata.file_type();
    if kind.is_file() {
        Ok(metadata.len())
    } else {
        Err(failed(not_regular(kind)))
    }
}

/// What `O_NOFOLLOW` makes an open of a symbolic link fail with, in words.
fn said_of_a_link(error: io::Error) -> io::Error {
    if error.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        io::Error::other("is a symbolic link, not a file")
    } else {
        error
    }
}

fn read_error(path: &Path) -> impl Fn(io::Error) -> PathError + use<> {
    PathError::of("read", path)
}

fn not_regular(kind: fs::FileType) -> io::Error {
    io::Error::other(if kind.is_dir() {
        "is a directory, not a file"
    } else {
        "is not a regular file (a pipe, socket or device)"
    })
}

/// Reads the whole regular file at `path` ([`open_regular`]), refusing one
/// larger than `limit` bytes before reading it, and reading no more than
/// that if it grows meanwhile.
pub fn read_regular(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, PathError> {
    let file = open_nonblocking(path, links, OpenOptions::new().read(true), "read")?;
    // The length from the same look as the file's kind: one fstat, not two.
    let len = regular_len(path, &file, "read")?;
    read_known(path, file, len, limit)
}

/// Like [`read_regular`] (links followed), but also reads, up to `limit`
/// bytes, a pipe that a shell handed over: `--answers <(command)`, or
/// `/dev/stdin` at the end of a `|`. Such a pipe was made with its writer,
/// the shell's command, so the read ends when that command does, as `cat`'s
/// would. A named pipe (FIFO) is still refused: it may have no writer at
/// all, and nothing would ever end the wait. Anonymous pipes are told
/// apart by their file system, which only Linux shows; elsewhere every
/// pipe is refused.
pub fn read_regular_or_pipe(path: &Path, limit: u64) -> Result<Vec<u8>, PathError> {
    let file = open_regular_or_pipe(path)?;
    read_capped(path, file, limit)
}

/// Opens what [`read_regular_or_pipe`] reads: a regular file, or a pipe a
/// shell handed over, ready to be read (blocking, as readers of pipes do).
pub fn open_regular_or_pipe(path: &Path) -> Result<File, PathError> {
    let failed = read_error(path);
    let file = open_nonblocking(path, Links::Follow, OpenOptions::new().read(true), "read")?;
    let kind = file.metadata().map_err(&failed)?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    if !std::os::unix::fs::FileTypeExt::is_fifo(&kind) {
        return Err(failed(not_regular(kind)));
    }
    if !is_anonymous_pipe(&file) {
        return Err(failed(io::Error::other(
            "is a named pipe (FIFO), which may never be written to; \
             give a regular file, or a command's output as <(command)",
        )));
    }
    // The writer is there: wait for it as any reader of a pipe does.
    let flags = rustix::fs::fcntl_getfl(&file).map_err(|errno| failed(errno.into()))?;
    rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)
        .map_err(|errno| failed(errno.into()))?;
    Ok(file)
}

/// Whether `file` is a pipe made by `pipe(2)`, not one with a name.
#[cfg(target_os = "linux")]
fn is_anonymous_pipe(file: &File) -> bool {
    /// `PIPEFS_MAGIC` of `linux/magic.h`.
    const PIPEFS: i128 = 0x5049_5045;
    rustix::fs::fstatfs(file).is_ok_and(|stat| i128::from(stat.f_type) == PIPEFS)
}

#[cfg(not(target_os = "linux"))]
fn is_anonymous_pipe(_: &File) -> bool {
    false
}

/// Reads `file` to its end, failing once it holds more than `limit` bytes.
pub fn read_capped(path: &Path, file: File, limit: u64) -> Result<Vec<u8>, PathError> {
    let len = file.metadata().map_err(read_error(path))?.len();
    read_known(path, file, len, limit)
}

/// [`read_capped`] of a file `len` bytes long when last looked at.
fn read_known(path: &Path, file: File, len: u64, limit: u64) -> Result<Vec<u8>, PathError> {
    let failed = read_error(path);
    let too_large = || failed(io::Error::other(format!("is larger than {limit} bytes")));
    if len > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    io::Read::read_to_end(&mut io::Read::take(file, limit.saturating_add(1)), &mut bytes).map_err(&failed)?;
    if bytes.len() as u64 > limit {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Makes a directory's entries durable (new files and directories in it).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Opens (creating it, mode 0600, never truncating) a file that is only
/// there to be `flock`ed: an incident's, the archive's or a mirror's lock.
/// Its holder is written into it, so a symbolic link put in its place is
/// refused rather than followed to overwrite its target; so is anything
/// but a regular file.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600);
    open_regular_with(path, Links::Refuse, &mut options).map_err(|failed| failed.error)
}

/// What failed, where.
#[derive(Debug)]
pub struct PathError {
    /// The verb of the step that failed: `create`, `read`, `write`,
    /// `sync`, `rename`, ...
    pub action: &'static str,
    pub path: PathBuf,
    pub error: io::Error,
}

impl PathError {
    /// What makes the error of `action` on `path` from an `io::Error`, for
    /// `map_err`.
    pub fn of(action: &'static str, path: &Path) -> impl Fn(io::Error) -> PathError + use<> {
        let path = path.to_owned();
        move |error| PathError {
            action,
            path: path.clone(),
            error,
        }
    }
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
    let failed = PathError::of;
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
    let failed = |action| PathError::of(action, path);
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
/// incident's, the archive's, a mirror's, or the key directory's; an inbox
/// entry needs none, as its name is its writer's alone.
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
    placed.map_err(PathError::of("create", path))?;
    sync_dir(dir).map_err(PathError::of("sync", dir))
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
    fn only_regular_files_are_read_and_only_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("answers.toml");
        fs::write(&file, "intake = \"2\"\n").unwrap();
        assert_eq!(
            read_regular(&file, 64, Links::Refuse).unwrap(),
            b"intake = \"2\"\n"
        );
        let error = read_regular(&file, 4, Links::Follow).unwrap_err().to_string();
        assert!(error.ends_with("answers.toml: is larger than 4 bytes"), "{error}");

        let link = dir.path().join("link.toml");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(read_regular(&link, 64, Links::Follow).is_ok());
        let error = read_regular(&link, 64, Links::Refuse).unwrap_err().to_string();
        assert!(
            error.ends_with("link.toml: is a symbolic link, not a file"),
            "{error}"
        );

        // A FIFO nobody writes to: refused at once, not waited on.
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let error = read_regular(&fifo, 64, Links::Follow).unwrap_err().to_string();
        assert!(error.contains("is not a regular file"), "{error}");
        let error = read_regular(Path::new("/dev/zero"), 64, Links::Follow)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not a regular file"), "{error}");
        let error = read_regular(dir.path(), 64, Links::Follow)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is a directory"), "{error}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_pipe_from_the_shell_is_read_up_to_the_limit_and_a_named_one_refused() {
        use std::os::fd::AsRawFd;
        let (reader, mut writer) = io::pipe().unwrap();
        let path = PathBuf::from(format!("/dev/fd/{}", reader.as_raw_fd()));
        writer.write_all(b"intake = \"2\"\n").unwrap();
        drop(writer);
        assert_eq!(read_regular_or_pipe(&path, 64).unwrap(), b"intake = \"2\"\n");
        // The pipe-reading variant still refuses what `read_regular` does.
        assert!(read_regular(&path, 64, Links::Follow).is_err());

        let (reader, mut writer) = io::pipe().unwrap();
        let path = PathBuf::from(format!("/dev/fd/{}", reader.as_raw_fd()));
        writer.write_all(&[b'#'; 100]).unwrap();
        let error = read_regular_or_pipe(&path, 64).unwrap_err().to_string();
        assert!(error.ends_with("is larger than 64 bytes"), "{error}");

        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let error = read_regular_or_pipe(&fifo, 64).unwrap_err().to_string();
        assert!(error.contains("is a named pipe"), "{error}");
        let error = read_regular_or_pipe(Path::new("/dev/zero"), 64)
            .unwrap_err()
            .to_string();
        assert!(error.contains("is not a regular file"), "{error}");
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
