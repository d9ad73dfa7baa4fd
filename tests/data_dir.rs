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
