//! Mirrors of the archive: the plan's three copies (local, another server,
//! off-site). A mirror is a directory (a mounted backup disk, an NFS share)
//! or a git remote, which gets a commit per push in a local clone under
//! `$DATA/mirrors/` and is pushed with the system `git`, so that the
//! admin's SSH config, keys and credential helpers apply. The clone is
//! first moved to the remote's branch as fetched, so commits pushed from
//! elsewhere never block the push.
//!
//! A mirror receives the archive's files under the same relative paths:
//! `YYYY/MM/ID.json`, `YYYY/MM/ID.json.sig` and `index.jsonl`, so that
//! `runbook verify --all --archive COPY` checks a copy as it checks the
//! local archive. Records are only ever added: a file already in the
//! mirror with other bytes is a conflict, reported and left alone, and the
//! mirror's index must be a prefix of the local one.
//!
//! Durability, for a directory: each file is written to a temporary name,
//! `sync_all`ed, renamed into place and its directory synced; records go
//! before the index, so a mirror's index never names a record it lacks. A
//! crash leaves at most a stray `.NAME.tmp`, replaced by the next sync.
//!
//! Retries: `$DATA/mirrors/KEY.synced` holds the SHA-256 of the last index
//! line a mirror has (for git: pushed). A mirror whose file differs from
//! the local archive's last line is behind, and [`sync`] copies whatever
//! it lacks. A failure never touches the local archive.
//!
//! This module is an adapter: it starts `git`, with a timeout that kills
//! its process group and `GIT_TERMINAL_PROMPT=0`, so it never hangs on a
//! prompt under cron. Nothing here prints.

use super::archive::{Archive, INDEX_FILE, IndexEntry, sha256_hex, sig_path};
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::subprocess::{self, Ended, Limits};

/// How long one `git` command may take (a clone or push over a slow link
/// included) before its process group is killed.
pub const GIT_TIMEOUT: Duration = Duration::from_secs(60);

/// How a `git` that overstays [`GIT_TIMEOUT`] is stopped (ssh gets the
/// SIGTERM too, and may close its connection), and how much of its output
/// is kept: its stdout is read only for short answers.
const GIT_LIMITS: Limits = Limits {
    timeout: GIT_TIMEOUT,
    grace: Duration::from_secs(2),
    kept: 64 * 1024,
};

/// Where a mirror is, as written in the config's `mirrors = [...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mirror {
    /// An absolute path to an existing directory.
    Directory(PathBuf),
    /// A git remote: `host:path`, `ssh://…`, `file://…`, or a path ending in `.git`.
    Git(String),
}

impl Mirror {
    /// An absolute path is a directory unless it ends in `.git`; anything
    /// else with a `:` (`git@host:repo`, `ssh://`, `https://`, `file://`)
    /// is a git remote. A relative path is refused: the config resolves
    /// `~/` and relative paths against its own directory before this.
    pub fn parse(text: &str) -> Result<Mirror, String> {
        let trimmed = text.trim_end_matches('/');
        if text.is_empty() {
            return Err("a mirror cannot be empty".into());
        }
        if trimmed.ends_with(".git") || (text.contains(':') && !text.starts_with('/')) {
            return Ok(Mirror::Git(text.to_owned()));
        }
        if text.starts_with('/') {
            return Ok(Mirror::Directory(PathBuf::from(text)));
        }
        Err(format!(
            "mirror `{text}` is neither an absolute directory path nor a git remote \
             (such as git@host:ops/records.git or ssh://host/repo.git)"
        ))
    }

    /// As written in the config.
    pub fn name(&self) -> String {
        match self {
            Mirror::Directory(path) => path.display().to_string(),
            Mirror::Git(remote) => remote.clone(),
        }
    }

    /// A file name for the mirror's state and clone: its name with anything
    /// but `[A-Za-z0-9._-]` made `_`, and 8 hex digits of its SHA-256 so
    /// that two remotes sanitized alike do not share a clone.
    pub fn key(&self) -> String {
        let name = self.name();
        let mut key: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        key = key.trim_start_matches(['.', '_']).chars().take(80).collect();
        format!("{key}-{}", &sha256_hex(name.as_bytes())[..8])
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("cannot {action} {}: {error}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        error: io::Error,
    },
    #[error("{} is not there (is the backup disk mounted?); create the directory to use it", .0.display())]
    NoDirectory(PathBuf),
    #[error("conflict: {} already exists with other contents; left alone", .0.display())]
    Conflict(PathBuf),
    #[error("the local archive's {}: {reason}", .path.display())]
    Local { path: PathBuf, reason: LocalProblem },
    /// `output` is git's own message: its stderr lines, sanitized and
    /// capped, the first on this line and any others
    /// indented below it.
    #[error("git {command} failed ({ended}): {}", git_said(*.ended, .output))]
    Git {
        command: String,
        ended: GitEnded,
        output: String,
        /// Git could not reach the remote, or did not hear back in time.
        unreachable: bool,
    },
}

/// What a failed `git` said: for one that did not start, why.
fn git_said(ended: GitEnded, output: &str) -> String {
    match ended {
        GitEnded::NotStarted => format!("cannot start git: {output}"),
        _ => output.to_owned(),
    }
}

/// How a `git` that failed ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitEnded {
    /// It could not be started; its output is why.
    NotStarted,
    Exited(std::process::ExitStatus),
    Unknown,
    TimedOut(std::time::Duration),
}

impl std::fmt::Display for GitEnded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitEnded::NotStarted => f.write_str("not started"),
            GitEnded::Exited(status) => write!(f, "{status}"),
            GitEnded::Unknown => f.write_str("unknown exit status"),
            GitEnded::TimedOut(after) => write!(f, "timed out after {}", humantime::format_duration(*after)),
        }
    }
}

/// What is wrong with the local archive, that a mirror is not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalProblem {
    /// A line of its index is not an index entry.
    NotAnEntry(crate::i18n::JsonProblem),
    /// A record's SHA-256 is not what the index gives for the incident.
    NotIndexedSha { id: String },
}

impl std::fmt::Display for LocalProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocalProblem::NotAnEntry(error) => write!(f, "not an index entry: {error}"),
            LocalProblem::NotIndexedSha { id } => write!(
                f,
                "its SHA-256 is not the index's for {id}; run `runbook verify --all`"
            ),
        }
    }
}

impl MirrorError {
    /// What to do about it, when that is clear: for a git remote that
    /// could not be reached, check the address and the way there.
    pub fn next_step(&self, mirror: &Mirror) -> Option<String> {
        match self {
            MirrorError::Git {
                unreachable: true, ..
            } => {
                let remote = mirror.name();
                Some(format!(
                    "check that the remote `{remote}` in the config's `mirrors` is right and that \
                     this machine can reach it (try `git ls-remote {remote}`)"
                ))
            }
            _ => None,
        }
    }
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> MirrorError {
    let path = path.to_path_buf();
    move |error| MirrorError::Io { action, path, error }
}

/// What [`sync`] did.
#[derive(Debug, Default)]
pub struct Synced {
    /// Records copied into the mirror (or its clone), in archive order.
    pub copied: Vec<String>,
    /// The mirror already had everything: nothing was read or run.
    pub up_to_date: bool,
}

/// Brings `mirror` up to date with `archive`: copies every record, its
/// signature and the index that the mirror lacks, and for git commits and
/// pushes. `state` is `$DATA/mirrors`. With `only_if_behind`, a mirror
/// whose state file says it has the archive's last record is left alone
/// (cheap enough for `runbook check` every minute).
pub fn sync(
    mirror: &Mirror,
    archive: &Archive,
    state: &Path,
    only_if_behind: bool,
) -> Result<Synced, MirrorError> {
    make_dirs(state)?;
    let key = mirror.key();
    let lock_path = state.join(format!("{key}.lock"));
    let lock = crate::file_util::open_lock_file(&lock_path).map_err(io_error("open", &lock_path))?;
    // Two syncs of one mirror (archive and check) take turns.
    lock.lock().map_err(io_error("lock", &lock_path))?;

    let index = snapshot(archive)?;
    let Some(last) = last_sha(&index, archive)? else {
        return Ok(Synced {
            up_to_date: true,
            ..Synced::default()
        });
    };
    let state_file = state.join(format!("{key}.synced"));
    let recorded = fs::read_to_string(&state_file).unwrap_or_default();
    if only_if_behind && recorded.trim() == last {
        return Ok(Synced {
            up_to_date: true,
            ..Synced::default()
        });
    }

    let copied = match mirror {
        Mirror::Directory(dir) => {
            if !dir.is_dir() {
                return Err(MirrorError::NoDirectory(dir.clone()));
            }
            copy_into(archive, &index, dir)?
        }
        Mirror::Git(remote) => {
            let clone = state.join(&key);
            ensure_clone(remote, &clone)?;
            catch_up(&clone)?;
            let copied = copy_into(archive, &index, &clone)?;
            commit(&clone, &copied)?;
            git(Some(&clone), &["push", "--quiet", "origin", "HEAD"])?;
            copied
        }
    };
    write_atomic(&state_file, format!("{last}\n").as_bytes(), 0o600)?;
    Ok(Synced {
        copied,
        up_to_date: false,
    })
}

/// The records `mirror` holds, as its index lists them: `(incident id,
/// SHA-256)` in its order. A git mirror is fetched into its clone under
/// `state` first (nothing is pushed). A mirror with no index yet holds
/// nothing.
pub fn holdings(mirror: &Mirror, state: &Path) -> Result<Vec<(String, String)>, MirrorError> {
    let dir = match mirror {
        Mirror::Directory(dir) => {
            if !dir.is_dir() {
                return Err(MirrorError::NoDirectory(dir.clone()));
            }
            dir.clone()
        }
        Mirror::Git(remote) => {
            make_dirs(state)?;
            let key = mirror.key();
            let lock_path = state.join(format!("{key}.lock"));
            let lock = crate::file_util::open_lock_file(&lock_path).map_err(io_error("open", &lock_path))?;
            lock.lock().map_err(io_error("lock", &lock_path))?;
            let clone = state.join(&key);
            ensure_clone(remote, &clone)?;
            catch_up(&clone)?;
            clone
        }
    };
    let path = dir.join(super::archive::INDEX_FILE);
    let index = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error("read", &path)(error)),
    };
    lines(&index)
        .map(|line| {
            serde_json::from_slice::<IndexEntry>(line)
                .map(|entry| (entry.id, entry.sha256))
                .map_err(|error| MirrorError::Local {
                    path: path.clone(),
                    reason: LocalProblem::NotAnEntry(error.into()),
                })
        })
        .collect()
}

/// The local index up to its last whole line: an archiver appending right
/// now adds a line this sync leaves to the next.
fn snapshot(archive: &Archive) -> Result<Vec<u8>, MirrorError> {
    let path = archive.index_path();
    let mut bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(error) => return Err(io_error("read", &path)(error)),
    };
    let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    bytes.truncate(keep);
    Ok(bytes)
}

fn lines(index: &[u8]) -> impl Iterator<Item = &[u8]> {
    index.split(|&b| b == b'\n').filter(|line| !line.is_empty())
}

fn parse_line(line: &[u8], archive: &Archive) -> Result<IndexEntry, MirrorError> {
    serde_json::from_slice(line).map_err(|error| MirrorError::Local {
        path: archive.index_path(),
        reason: LocalProblem::NotAnEntry(error.into()),
    })
}

fn last_sha(index: &[u8], archive: &Archive) -> Result<Option<String>, MirrorError> {
    lines(index)
        .last()
        .map(|line| parse_line(line, archive).map(|entry| entry.sha256))
        .transpose()
}

/// Copies what `dir` lacks, records before the index. Returns the ids of
/// the records copied.
fn copy_into(archive: &Archive, index: &[u8], dir: &Path) -> Result<Vec<String>, MirrorError> {
    let mut copied = Vec::new();
    for line in lines(index) {
        let entry = parse_line(line, archive)?;
        let relative = entry.relative_path();
        let local = archive.dir().join(&relative);
        let bytes = fs::read(&local).map_err(io_error("read", &local))?;
        // A tampered local record is not spread to the other copies.
        if sha256_hex(&bytes) != entry.sha256 {
            return Err(MirrorError::Local {
                path: local,
                reason: LocalProblem::NotIndexedSha { id: entry.id.clone() },
            });
        }
        let local_sig = sig_path(&local);
        let signature = fs::read(&local_sig).map_err(io_error("read", &local_sig))?;
        let target = dir.join(&relative);
        let new_record = place(&target, &bytes)?;
        let new_sig = place(&sig_path(&target), &signature)?;
        if new_record || new_sig {
            copied.push(entry.id);
        }
    }
    let target = dir.join(INDEX_FILE);
    match fs::read(&target) {
        Ok(theirs) if theirs == index => {}
        Ok(theirs) if !index.starts_with(&theirs) => return Err(MirrorError::Conflict(target)),
        Ok(_) => write_atomic(&target, index, 0o444)?,
        Err(error) if error.kind() == io::ErrorKind::NotFound => write_atomic(&target, index, 0o444)?,
        Err(error) => return Err(io_error("read", &target)(error)),
    }
    Ok(copied)
}

/// Puts `bytes` at `path` unless the same bytes are there; `true` when
/// written. Other bytes under the name are a conflict.
fn place(path: &Path, bytes: &[u8]) -> Result<bool, MirrorError> {
    match fs::read(path) {
        Ok(theirs) if theirs == bytes => Ok(false),
        Ok(_) => Err(MirrorError::Conflict(path.to_path_buf())),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                make_dirs(parent)?;
            }
            write_atomic(path, bytes, 0o444)?;
            Ok(true)
        }
        Err(error) => Err(io_error("read", path)(error)),
    }
}

/// Replaces `path` whole ([`crate::file_util::publish`]).
fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<(), MirrorError> {
    crate::file_util::publish(path, bytes, mode, crate::file_util::Existing::Replace).map_err(path_error)
}

fn path_error(failed: crate::file_util::PathError) -> MirrorError {
    io_error(failed.action, &failed.path)(failed.error)
}

/// Creates `dir` and its missing parents (0700), each synced into its parent.
fn make_dirs(dir: &Path) -> Result<(), MirrorError> {
    crate::file_util::make_dirs(dir, 0o700).map_err(path_error)
}

/// Clones `remote` into `clone` unless done before. The clone is made
/// under a temporary name and renamed, so a half-made one is never used.
/// An empty remote clones fine (git warns); the first push creates its
/// branch.
fn ensure_clone(remote: &str, clone: &Path) -> Result<(), MirrorError> {
    if clone.join(".git").is_dir() {
        return Ok(());
    }
    let mut temp = clone.as_os_str().to_owned();
    temp.push(".cloning");
    let temp = PathBuf::from(temp);
    if temp.exists() {
        fs::remove_dir_all(&temp).map_err(io_error("remove", &temp))?;
    }
    git(
        None,
        &[
            OsStr::new("clone"),
            OsStr::new("--quiet"),
            OsStr::new("--"),
            OsStr::new(remote),
            temp.as_os_str(),
        ],
    )?;
    fs::rename(&temp, clone).map_err(io_error("rename", &temp))
}

/// Moves the clone to what the remote has now, so that the push that
/// follows is a fast-forward: commits pushed from elsewhere (a README, a
/// fix by hand) are kept, what this archive adds is copied on top, and a
/// record someone else changed is a conflict, as for a directory. Commits
/// made here and never pushed are dropped; the copy makes them again. A
/// remote with no branch yet (never pushed to) has nothing to catch up with.
fn catch_up(clone: &Path) -> Result<(), MirrorError> {
    git(Some(clone), &["fetch", "--quiet", "origin"])?;
    let branch = git(Some(clone), &["symbolic-ref", "--quiet", "--short", "HEAD"])?;
    let theirs = format!("refs/remotes/origin/{}", branch.trim());
    if git(
        Some(clone),
        &["rev-parse", "--verify", "--quiet", theirs.as_str()],
    )
    .is_ok()
    {
        git(Some(clone), &["reset", "--quiet", "--hard", theirs.as_str()])?;
    }
    Ok(())
}

/// Commits whatever the copy changed; nothing when it changed nothing.
fn commit(clone: &Path, copied: &[String]) -> Result<(), MirrorError> {
    git(Some(clone), &["add", "--all", "--", "."])?;
    if git(Some(clone), &["status", "--porcelain"])?.trim().is_empty() {
        return Ok(());
    }
    let message = match copied {
        [] => "index.jsonl: updated".to_owned(),
        [id] => format!("{id}: archived"),
        [first, .., last] => format!("{first} .. {last}: archived ({} records)", copied.len()),
    };
    git(
        Some(clone),
        &[
            "-c",
            "user.name=runbook",
            "-c",
            "user.email=runbook@localhost",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message.as_str(),
        ],
    )?;
    Ok(())
}

/// Runs the system `git` in `dir` and returns its stdout. It never waits
/// for a person: no stdin, `GIT_TERMINAL_PROMPT=0`, and after
/// [`GIT_TIMEOUT`] its whole process group (ssh included) is stopped.
fn git<S: AsRef<OsStr>>(dir: Option<&Path>, args: &[S]) -> Result<String, MirrorError> {
    let command = args
        .iter()
        .map(|arg| arg.as_ref().to_string_lossy())
        .find(|arg| !arg.starts_with('-') && !arg.contains('='))
        .unwrap_or_default()
        .into_owned();
    let talks_to_remote = matches!(command.as_str(), "clone" | "fetch" | "push");
    let failed = |ended: GitEnded, stderr: &[u8], timed_out: bool| MirrorError::Git {
        command: command.clone(),
        ended,
        output: git_message(stderr),
        unreachable: talks_to_remote && (timed_out || cannot_reach(stderr)),
    };
    let child = spawn_git(dir, args).map_err(|error| MirrorError::Git {
        command: command.clone(),
        ended: GitEnded::NotStarted,
        // The system's words, which `in_lang` puts in a sentence of its own.
        output: error.to_string(),
        unreachable: false,
    })?;
    let ran = subprocess::run(child, None, GIT_LIMITS);
    match ran.ended {
        Ended::Exited(status) if status.success() => Ok(String::from_utf8_lossy(&ran.stdout).into_owned()),
        Ended::Exited(status) => Err(failed(GitEnded::Exited(status), &ran.stderr, false)),
        Ended::Unknown => Err(failed(GitEnded::Unknown, &ran.stderr, false)),
        Ended::TimedOut => Err(failed(GitEnded::TimedOut(GIT_TIMEOUT), &ran.stderr, true)),
    }
}

/// How many of git's stderr lines an error keeps, and how many characters
/// of each: enough for git's cause and its advice (`fatal: '…' does not
/// appear to be a git repository`, then `Please make sure…`), not a hook's
/// whole output.
const GIT_MESSAGE_LINES: usize = 8;
const GIT_LINE_CHARS: usize = 200;

/// Git's stderr for an error message: every non-empty line, sanitized (a
/// remote's `remote:` lines are not ours to trust), each cut at
/// [`GIT_LINE_CHARS`]; past [`GIT_MESSAGE_LINES`], the first and last
/// lines with a count of those left out between. Lines after the first are
/// indented, to read as part of the message they continue.
fn git_message(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<String> = text
        .split(['\n', '\r'])
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut cut: String = line.chars().take(GIT_LINE_CHARS).collect();
            if cut.len() < line.len() {
                cut.push('…');
            }
            crate::sanitize::sanitize_line(&cut).into_owned()
        })
        .collect();
    let kept = if lines.len() > GIT_MESSAGE_LINES {
        let head = GIT_MESSAGE_LINES / 2;
        let tail = GIT_MESSAGE_LINES - head - 1;
        let mut kept = lines[..head].to_vec();
        kept.push(format!("… ({} more lines) …", lines.len() - head - tail));
        kept.extend_from_slice(&lines[lines.len() - tail..]);
        kept
    } else {
        lines
    };
    if kept.is_empty() {
        return "no message".to_owned();
    }
    kept.join("\n  ")
}

/// Whether git's stderr says the remote could not be reached: a wrong
/// address, a host or network that does not answer, access refused.
fn cannot_reach(stderr: &[u8]) -> bool {
    let text = String::from_utf8_lossy(stderr).to_lowercase();
    [
        "does not appear to be a git repository",
        "could not read from remote repository",
        "does not exist",
        "not found",
        "could not resolve",
        "unable to access",
        "connection refused",
        "connection timed out",
        "no route to host",
        "permission denied",
        "authentication failed",
        "host key verification failed",
        "terminal prompts disabled",
    ]
    .iter()
    .any(|phrase| text.contains(phrase))
}

/// The one place a mirror starts a process: the clippy rule keeping
/// `Command::new` inside adapters is lifted here. The system `git` is the
/// point: the admin's SSH config, keys and credential helpers apply.
#[allow(clippy::disallowed_methods)]
fn spawn_git<S: AsRef<OsStr>>(dir: Option<&Path>, args: &[S]) -> io::Result<Child> {
    let mut command = Command::new("git");
    crate::subprocess::without_given_secrets(&mut command);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        // Run from a hook or a worktree, these would point git elsewhere.
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directories_and_remotes() {
        let dir = |p: &str| Mirror::Directory(PathBuf::from(p));
        let git = |r: &str| Mirror::Git(r.to_owned());
        assert_eq!(
            Mirror::parse("/mnt/backup/runbook-archive"),
            Ok(dir("/mnt/backup/runbook-archive"))
        );
        for remote in [
            "git@backup:ops/records.git",
            "ssh://host/repo.git",
            "file:///srv/records.git",
            "/srv/records.git",
            "/srv/records.git/",
            "https://example.com/ops/records",
            "backup:records",
        ] {
            assert_eq!(Mirror::parse(remote), Ok(git(remote)), "{remote}");
        }
        for bad in ["", "records", "backup/records"] {
            assert!(Mirror::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn git_messages_keep_every_line_sanitized_and_capped() {
        let moved = b"fatal: '/srv/r.git' does not appear to be a git repository\n\
                      fatal: Could not read from remote repository.\n\n\
                      Please make sure you have the correct access rights\n\
                      and the repository exists.\n";
        assert_eq!(
            git_message(moved),
            "fatal: '/srv/r.git' does not appear to be a git repository\n  \
             fatal: Could not read from remote repository.\n  \
             Please make sure you have the correct access rights\n  \
             and the repository exists."
        );
        assert!(cannot_reach(moved));
        assert!(!cannot_reach(b"error: pathspec 'x' did not match\n"));

        assert_eq!(
            git_message(b"remote: \x1b[31mred\x1b[0m\r\n"),
            "remote: \\x1b[31mred\\x1b[0m"
        );
        assert_eq!(git_message(b"\n \n"), "no message");

        let long = "x".repeat(GIT_LINE_CHARS + 50);
        assert_eq!(
            git_message(long.as_bytes()),
            format!("{}…", &long[..GIT_LINE_CHARS])
        );

        let many: String = (1..=20).map(|n| format!("remote: line {n}\n")).collect();
        let kept = git_message(many.as_bytes());
        let lines: Vec<&str> = kept.split("\n  ").collect();
        assert_eq!(lines.len(), GIT_MESSAGE_LINES, "{kept}");
        assert_eq!(lines[0], "remote: line 1");
        assert_eq!(lines[4], "… (13 more lines) …");
        assert_eq!(lines[7], "remote: line 20");
    }

    #[test]
    fn keys_are_file_names_and_distinct() {
        let a = Mirror::parse("git@backup:ops/records.git").unwrap().key();
        let b = Mirror::parse("git@backup:ops_records.git").unwrap().key();
        assert!(a.starts_with("git_backup_ops_records.git-"), "{a}");
        assert_ne!(a, b);
        let dots = Mirror::parse("/../x").unwrap().key();
        assert!(!dots.starts_with('.') && !dots.contains('/'), "{dots}");
    }
}
