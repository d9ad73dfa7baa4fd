//! What someone put in the data directory where runbook keeps its own
//! files: a FIFO, a device, a symbolic link. Every run refuses it at once,
//! naming it, and goes on with the rest; none waits on it or writes
//! through it.

use crate::common::{MINIMAL, Test};
use std::path::PathBuf;

const FIRST: &str = "INC-20261128-0001";

/// An incident of [`MINIMAL`], paused at its first step, and its directory.
fn paused() -> (Test, PathBuf) {
    let mut test = Test::new().runbook("minimal", MINIMAL);
    test.again(["start", "minimal"]).status(3);
    let dir = test.data().join("incidents").join(FIRST);
    (test, dir)
}

fn mkfifo(path: &std::path::Path) {
    let mode = rustix::fs::Mode::from_raw_mode(0o600);
    rustix::fs::mkfifoat(rustix::fs::CWD, path, mode).unwrap();
}

#[test]
fn a_fifo_or_a_device_in_the_inbox_is_set_aside_not_waited_on() {
    let (mut test, dir) = paused();
    let inbox = dir.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    mkfifo(&inbox.join("a.json"));
    std::os::unix::fs::symlink("/dev/zero", inbox.join("b.json")).unwrap();
    test.again_promptly(["note", FIRST, "still here"])
        .success()
        .stderr_contains(&format!("note added to {FIRST}"));
    for name in ["a.json", "b.json"] {
        assert!(!inbox.join(name).exists(), "{name} is still waiting");
        let refused = inbox.join(format!("{name}.refused"));
        assert!(refused.symlink_metadata().is_ok(), "{name} was not set aside");
    }
    assert!(test.types(FIRST).contains(&"note-added".to_owned()));
}

#[test]
fn a_fifo_as_a_journal_or_a_kept_runbook_is_unreadable_and_the_others_go_on() {
    let (mut test, first) = paused();
    test.again(["start", "minimal", "--answer", "check=done"])
        .success();
    test.again(["start", "minimal"]).status(3);
    let incidents = test.data().join("incidents");
    let journal = first.join("journal.jsonl");
    std::fs::remove_file(&journal).unwrap();
    mkfifo(&journal);
    // Ended (its archive deadline comes from the kept runbook), and paused.
    for id in ["INC-20261128-0002", "INC-20261128-0003"] {
        let kept = incidents.join(id).join("runbook.toml");
        std::fs::remove_file(&kept).unwrap();
        mkfifo(&kept);
    }
    let not_regular = "is not a regular file (a pipe, socket or device)";
    test.again_promptly(["incidents"])
        .success()
        .stdout_contains("INC-20261128-0001           unreadable")
        .stdout_contains("INC-20261128-0002  minimal  resolved")
        .stdout_contains("INC-20261128-0003  minimal  paused")
        .stderr_contains(&format!("cannot read {}: {not_regular}", journal.display()));
    test.again_promptly(["check"])
        .status(1)
        .stdout_contains(&format!(
            "{FIRST} skipped: cannot read {}: {not_regular}",
            journal.display()
        ))
        .stdout_contains(&format!(
            "INC-20261128-0003 skipped: cannot read the runbook kept with the incident: {}: {not_regular}",
            incidents.join("INC-20261128-0003/runbook.toml").display()
        ));
    test.again_promptly(["resume", FIRST])
        .status(1)
        .stderr_contains(&format!("cannot open {}: {not_regular}", journal.display()));
}
