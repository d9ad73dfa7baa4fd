//! A child's process group, signalled as one and killed if dropped armed.
//!
//! Commands run as `sh -c` in a group of their own (`process_group(0)`),
//! so the group id is the shell's pid and signalling it reaches whatever
//! the shell started. The step executor and the command notifier share this
//! guard: an early return or an unwind never leaves the group running.

use std::fs;
use std::path::Path;
use std::process::Child;

use rustix::io::Errno;
use rustix::process::{Pid, Signal};

/// A child's process group (its id is the child's pid, which must lead the
/// group), killed with SIGKILL on drop unless disarmed.
#[derive(Debug)]
pub(crate) struct ProcessGroup {
    id: Pid,
    armed: bool,
}

impl ProcessGroup {
    pub(crate) fn of(child: &Child) -> Self {
        ProcessGroup {
            id: Pid::from_child(child),
            armed: true,
        }
    }

    pub(crate) fn signal(&self, signal: Signal) {
        // ESRCH: already gone. EPERM: only processes that changed user are
        // left (sudo); nothing more can be done about them from here.
        let _ = rustix::process::kill_process_group(self.id, signal);
    }

    /// True when no live process is left in the group.
    pub(crate) fn is_empty(&self) -> bool {
        if rustix::process::test_kill_process_group(self.id) == Err(Errno::SRCH) {
            return true;
        }
        // kill(2) still finds zombies, and orphans stay zombies for good
        // under an init that does not reap (a container's PID 1): where
        // /proc can say so, count only processes that are not dead yet.
        let Ok(entries) = fs::read_dir("/proc") else {
            return false;
        };
        let group = self.id.as_raw_nonzero().get();
        !entries.flatten().any(|entry| {
            let is_pid = entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.bytes().all(|b| b.is_ascii_digit()));
            is_pid
                && state_and_group(&entry.path())
                    .is_some_and(|(state, pgrp)| pgrp == group && !matches!(state, 'Z' | 'X'))
        })
    }

    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if self.armed {
            self.signal(Signal::KILL);
        }
    }
}

/// The state letter and process group of the process at `proc_dir`
/// (`/proc/PID`), from its `stat` file; `None` once it is gone.
pub(crate) fn state_and_group(proc_dir: &Path) -> Option<(char, i32)> {
    let stat = fs::read_to_string(proc_dir.join("stat")).ok()?;
    // pid (comm) state ppid pgrp ...; comm may hold anything, even ')'.
    let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = fields.next()?.chars().next()?;
    let group = fields.nth(1)?.parse().ok()?;
    Some((state, group))
}
