//! The lock an incident's driver holds: an exclusive `flock` on `DIR/lock`,
//! so that one process at a time appends to an incident's journal.
//!
//! What survives a crash: nothing that matters. The kernel drops an `flock`
//! when its process ends, however it ends (`kill -9`, a panic, the OOM
//! killer), so a crashed driver never blocks the next one and there is no
//! stale lock to break. The file itself stays (it is never deleted: removing
//! a lock file while others wait on it would let two processes lock two
//! different files), and so does the holder written into it,
//! `{"actor","pid","since","command"}`, which describes the last holder and means
//! nothing unless the `flock` is held. Rust opens files close-on-exec, so the
//! commands a driver runs do not inherit its lock.

use super::{JournalError, LOCK_FILE};
use crate::file_util::{Links, open_regular, read_regular};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs::{File, TryLockError};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::Duration;

/// [`Lock::holder`] holds a shared lock for an instant to learn whether the
/// lock is held; `acquire` retries for this long so that such a probe is
/// never mistaken for a driver.
const RETRIES: u32 = 5;
const RETRY_PAUSE: Duration = Duration::from_millis(20);

/// The most of a lock file read for its holder, a line of JSON.
const HOLDER_LIMIT: u64 = 64 * 1024;

/// Who holds an incident's lock, as written in its lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// `user@host`.
    pub actor: String,
    pub pid: u32,
    pub since: DateTime<Utc>,
    /// The subcommand it runs (`start`, `check`), never its arguments,
    /// which may hold secrets. Missing from lock files written before it
    /// was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = self.since.to_rfc3339_opts(SecondsFormat::Secs, true);
        write!(f, "{} (pid {}) since {since}", self.actor, self.pid)
    }
}

/// Held while a process drives an incident; released when dropped, or when
/// the process dies.
#[derive(Debug)]
#[must_use = "the lock is released as soon as it is dropped"]
pub struct Lock {
    file: File,
    dir: PathBuf,
    holder: Holder,
}

impl Lock {
    /// Locks the incident in `dir` (which must exist) for `actor` running
    /// the subcommand `command`, or says who holds it:
    /// [`JournalError::Locked`].
    pub fn acquire(dir: &Path, actor: &str, command: &str, now: DateTime<Utc>) -> Result<Lock, JournalError> {
        let path = dir.join(LOCK_FILE);
        let file = crate::file_util::open_lock_file(&path).map_err(JournalError::file("open", &path))?;
        let mut attempt = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if attempt < RETRIES => {
                    attempt += 1;
                    sleep(RETRY_PAUSE);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(JournalError::Locked {
                        dir: dir.to_path_buf(),
                        holder: read_holder(&path),
                    });
                }
                Err(TryLockError::Error(error)) => return Err(JournalError::file("lock", &path)(error)),
            }
        }
        let holder = Holder {
            actor: actor.to_string(),
            pid: std::process::id(),
            since: now,
            command: Some(command.to_owned()),
        };
        let mut text = serde_json::to_vec(&holder).map_err(io::Error::other)?;
        text.push(b'\n');
        // On failure the lock is released as `file` drops: a driver nobody
        // can name is worse than a retry. Not synced: after a crash of the
        // machine nobody holds the lock, and the holder means nothing.
        file.set_len(0)
            .and_then(|()| file.write_all_at(&text, 0))
            .map_err(JournalError::file("write", &path))?;
        Ok(Lock {
            file,
            dir: dir.to_path_buf(),
            holder,
        })
    }

    /// Who holds the lock of the incident in `dir`, without taking it:
    /// `None` when nobody does. An error when it is held but its lock file
    /// does not say by whom.
    pub fn holder(dir: &Path) -> io::Result<Option<Holder>> {
        let path = dir.join(LOCK_FILE);
        let file = match open_regular(&path, Links::Refuse) {
            Ok(file) => file,
            Err(failed) if failed.error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(failed) => return Err(io::Error::new(failed.error.kind(), failed.to_string())),
        };
        // Shared, so that probes never block each other; released on drop.
        match file.try_lock_shared() {
            Ok(()) => Ok(None),
            Err(TryLockError::WouldBlock) => read_holder(&path).map(Some).ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{} is held, but does not say by whom", path.display()),
                )
            }),
            Err(TryLockError::Error(error)) => Err(error),
        }
    }

    /// The incident directory this lock is for.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This process, as written in the lock file.
    pub fn holder_info(&self) -> &Holder {
        &self.holder
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Closing the file releases the lock too; unlocking first also
        // releases it should the descriptor ever have been duplicated.
        let _ = self.file.unlock();
    }
}

/// The holder in a lock file, trying again briefly: a new holder truncates
/// the file before writing itself in.
fn read_holder(path: &Path) -> Option<Holder> {
    for attempt in 0..3 {
        if attempt > 0 {
            sleep(Duration::from_millis(10));
        }
        let parsed = read_regular(path, HOLDER_LIMIT, Links::Refuse)
            .ok()
            .and_then(|bytes| {
                serde_json::Deserializer::from_slice(&bytes)
                    .into_iter::<Holder>()
                    .next()?
                    .ok()
            });
        if parsed.is_some() {
            return parsed;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::time::Instant;

    const CHILD_DIR: &str = "RUNBOOK_TEST_LOCK_CHILD_DIR";

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn second_acquire_names_the_holder_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path(), "ops@web1", "test", at("2026-11-28T09:00:00Z")).unwrap();
        let error = Lock::acquire(dir.path(), "dev@web2", "test", at("2026-11-28T09:05:00Z")).unwrap_err();
        let JournalError::Locked {
            holder: Some(holder), ..
        } = &error
        else {
            panic!("expected Locked with a holder, got {error:?}");
        };
        assert_eq!(
            (holder.actor.as_str(), holder.pid),
            ("ops@web1", std::process::id())
        );
        assert_eq!(holder.since, at("2026-11-28T09:00:00Z"));
        let name = dir.path().file_name().unwrap().to_string_lossy();
        // This test's own process holds it: its command line is named.
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "incident {name} is being driven by ops@web1 (pid {}) since 2026-11-28T09:00:00Z, running `",
                std::process::id()
            )),
            "{error}"
        );
        assert!(
            message.contains(", running `runbook test`; one process drives an incident at a time"),
            "{error}"
        );
        assert_eq!(holder.command.as_deref(), Some("test"));
        drop(first);
        let second = Lock::acquire(dir.path(), "dev@web2", "test", at("2026-11-28T09:05:00Z")).unwrap();
        assert_eq!(Lock::holder(dir.path()).unwrap().unwrap().actor, "dev@web2");
        assert_eq!(second.holder_info().actor, "dev@web2");
    }

    #[test]
    fn holder_reports_without_taking_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Lock::holder(dir.path()).unwrap(), None);
        let lock = Lock::acquire(dir.path(), "ops@web1", "test", at("2026-11-28T09:00:00Z")).unwrap();
        let holder = Lock::holder(dir.path()).unwrap().unwrap();
        assert_eq!(&holder, lock.holder_info());
        assert_eq!(Lock::holder(dir.path()).unwrap().unwrap(), holder);
        // Probing did not take it from its holder, nor leave it taken.
        assert!(matches!(
            Lock::acquire(dir.path(), "dev@web2", "test", at("2026-11-28T09:01:00Z")),
            Err(JournalError::Locked { .. })
        ));
        drop(lock);
        assert_eq!(Lock::holder(dir.path()).unwrap(), None);
        assert!(
            dir.path().join(LOCK_FILE).exists(),
            "the lock file is never deleted"
        );
    }

    #[test]
    fn holder_written_before_commands_were_recorded_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let _lock = Lock::acquire(dir.path(), "ops@web1", "test", at("2026-11-28T09:00:00Z")).unwrap();
        let old = format!(
            "{{\"actor\":\"ops@web1\",\"pid\":{},\"since\":\"2026-11-28T09:00:00Z\"}}\n",
            std::process::id()
        );
        fs::write(dir.path().join(LOCK_FILE), old).unwrap();
        let holder = Lock::holder(dir.path()).unwrap().unwrap();
        assert_eq!((holder.actor.as_str(), holder.command), ("ops@web1", None));
    }

    #[test]
    fn unreadable_holder_file_is_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let _lock = Lock::acquire(dir.path(), "ops@web1", "test", at("2026-11-28T09:00:00Z")).unwrap();
        fs::write(dir.path().join(LOCK_FILE), "").unwrap();
        let error = Lock::acquire(dir.path(), "dev@web2", "test", at("2026-11-28T09:01:00Z")).unwrap_err();
        assert!(
            matches!(error, JournalError::Locked { holder: None, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("another process"), "{error}");
        assert!(Lock::holder(dir.path()).is_err());
    }

    /// Not a test on its own: the body of the child process that
    /// `killed_holder_never_blocks` starts, holding a lock until killed.
    #[test]
    fn child_holds_lock_until_killed() {
        let Some(dir) = std::env::var_os(CHILD_DIR) else {
            return;
        };
        let _lock = Lock::acquire(Path::new(&dir), "child@host", "test", at("2026-11-28T09:00:00Z")).unwrap();
        sleep(Duration::from_secs(60));
    }

    /// So that a failing test does not leave its child holding a lock.
    struct KillOnDrop(std::process::Child);

    impl Drop for KillOnDrop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    #[allow(clippy::disallowed_methods)] // the child is this test binary, not a runbook command
    fn killed_holder_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = KillOnDrop(
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "journal::lock::tests::child_holds_lock_until_killed"])
                .env(CHILD_DIR, dir.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap(),
        );
        let child = &mut child.0;
        let deadline = Instant::now() + Duration::from_secs(20);
        while Lock::holder(dir.path()).ok().flatten().map(|h| h.pid) != Some(child.id()) {
            assert!(Instant::now() < deadline, "the child never took the lock");
            assert!(child.try_wait().unwrap().is_none(), "the child exited early");
            sleep(Duration::from_millis(5));
        }
        match Lock::acquire(dir.path(), "ops@web1", "test", at("2026-11-28T09:01:00Z")) {
            Err(JournalError::Locked {
                holder: Some(holder), ..
            }) => assert_eq!((holder.actor.as_str(), holder.pid), ("child@host", child.id())),
            other => panic!("expected Locked by the child, got {other:?}"),
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let lock = Lock::acquire(dir.path(), "ops@web1", "test", at("2026-11-28T09:02:00Z")).unwrap();
        assert_eq!(lock.holder_info().pid, std::process::id());
    }
}
