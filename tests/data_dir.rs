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
            "INC-20261128-0003 skipped: cannot read the runbook kept with INC-20261128-0003: {}: {not_regular}",
            incidents.join("INC-20261128-0003/runbook.toml").display()
        ));
    test.again_promptly(["resume", FIRST])
        .status(1)
        .stderr_contains(&format!("cannot open {}: {not_regular}", journal.display()));
}

/// A file outside the data directory, holding `outside`, that a symbolic
/// link at `link` points to.
fn link_outside(test: &Test, link: &std::path::Path) -> PathBuf {
    let target = test.work().join("outside");
    std::fs::write(&target, "outside\n").unwrap();
    let _ = std::fs::remove_file(link);
    std::os::unix::fs::symlink(&target, link).unwrap();
    target
}

#[test]
fn a_symbolic_link_as_a_lock_or_journal_is_refused_not_written_through() {
    let (mut test, dir) = paused();
    let link = dir.join("lock");
    let target = link_outside(&test, &link);
    test.again_promptly(["note", FIRST, "through the lock"])
        .status(1)
        .stderr_contains(&format!(
            "cannot open {}: is a symbolic link, not a file",
            link.display()
        ));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "outside\n");
    std::fs::remove_file(&link).unwrap();
    mkfifo(&link);
    test.again_promptly(["incidents"]).success();
    test.again_promptly(["note", FIRST, "through the lock"])
        .status(1)
        .stderr_contains(&format!("cannot open {}: is not a regular file", link.display()));
    std::fs::remove_file(&link).unwrap();

    // The journal, and where a torn last line is moved to.
    let journal = dir.join("journal.jsonl");
    let whole = std::fs::read(&journal).unwrap();
    std::fs::write(&target, &whole).unwrap();
    std::fs::rename(&journal, dir.join("journal.jsonl.kept")).unwrap();
    std::os::unix::fs::symlink(&target, &journal).unwrap();
    test.again_promptly(["note", FIRST, "through the journal"])
        .status(1)
        .stderr_contains(&format!(
            "cannot open {}: is a symbolic link, not a file",
            journal.display()
        ));
    assert_eq!(std::fs::read(&target).unwrap(), whole);
    std::fs::rename(dir.join("journal.jsonl.kept"), &journal).unwrap();
    let mut torn = whole.clone();
    torn.extend(b"{\"seq\":");
    std::fs::write(&journal, &torn).unwrap();
    let aside = dir.join("journal.jsonl.torn");
    let target = link_outside(&test, &aside);
    test.again_promptly(["note", FIRST, "after a torn line"])
        .status(1)
        .stderr_contains(&format!(
            "cannot open {}: is a symbolic link, not a file",
            aside.display()
        ));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "outside\n");
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        torn,
        "the torn line was not moved"
    );
}

#[test]
fn a_symbolic_link_as_the_attachments_directory_is_refused() {
    let (test, dir) = paused();
    let mut test = test.file("evidence.log", "disk full\n");
    let elsewhere = test.work().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let attachments = dir.join("attachments");
    std::os::unix::fs::symlink(&elsewhere, &attachments).unwrap();
    test.again_promptly(["attach", FIRST, "evidence.log"])
        .status(1)
        .stderr_contains(&format!(
            "cannot use {}: is a symbolic link",
            attachments.display()
        ));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    assert!(!test.types(FIRST).contains(&"attachment-added".to_owned()));
}

#[test]
fn another_incidents_journal_is_refused_by_every_reader() {
    let mut test = Test::new()
        .runbook("minimal", &crate::common::archivable())
        .with_signing_key();
    for _ in 0..2 {
        test.again(["start", "minimal", "--answer", "check=done"])
            .success();
    }
    let incidents = test.data().join("incidents");
    let (first, second) = (incidents.join(FIRST), incidents.join("INC-20261128-0002"));
    // The second incident's files replaced by copies of the first's.
    for name in ["journal.jsonl", "runbook.toml"] {
        std::fs::remove_file(second.join(name)).unwrap();
        std::fs::copy(first.join(name), second.join(name)).unwrap();
    }
    let journal = second.join("journal.jsonl");
    let refused = format!(
        "journal {} is incident {FIRST}'s, not INC-20261128-0002's, whose directory it is in",
        journal.display()
    );
    test.archive("INC-20261128-0002")
        .status(1)
        .stderr_contains(&refused);
    test.again(["report", "INC-20261128-0002"])
        .status(1)
        .stderr_contains(&refused);
    test.again(["incidents"])
        .success()
        .stdout_contains("INC-20261128-0002           unreadable")
        .stderr_contains(&refused);
    assert!(
        !test
            .data()
            .join("archive/2026/11/INC-20261128-0002.json")
            .exists()
    );
    // The first is archived as itself, once.
    test.archive(FIRST).success();

    // Linked rather than copied, a note for the second would land in the first.
    let before = std::fs::read(first.join("journal.jsonl")).unwrap();
    std::fs::remove_file(&journal).unwrap();
    std::fs::hard_link(first.join("journal.jsonl"), &journal).unwrap();
    test.again(["note", "INC-20261128-0002", "meant for the second"])
        .status(1)
        .stderr_contains(&refused);
    assert_eq!(std::fs::read(first.join("journal.jsonl")).unwrap(), before);
}

#[test]
fn an_inbox_attachment_naming_no_stored_file_is_set_aside() {
    let (mut test, dir) = paused();
    let inbox = dir.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let entry = inbox.join("20261128T085900.000000000Z-0000000001-000000.json");
    std::fs::write(
        &entry,
        r#"{"actor":"eve@web2","time":"2026-11-28T08:59:00Z","event":{"type":"attachment-added","payload":{"name":"../../../etc/passwd","sha256":"0000000000000000000000000000000000000000000000000000000000000000","bytes":1}}}"#,
    )
    .unwrap();
    test.again(["note", FIRST, "after eve's entry"]).success();
    assert!(!entry.exists());
    assert!(
        inbox
            .join(format!(
                "{}.refused",
                entry.file_name().unwrap().to_string_lossy()
            ))
            .exists()
    );
    assert!(!test.types(FIRST).contains(&"attachment-added".to_owned()));
}

/// The names in `dir`, sorted.
fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn an_attach_killed_mid_copy_leaves_no_named_copy_and_the_next_takes_the_name() {
    let (mut test, dir) = paused();
    let big = test.work().join("disk.img");
    std::fs::File::create(&big).unwrap().set_len(256 << 20).unwrap();
    let mut attach = test.command(["attach", FIRST, "disk.img"]).spawn().unwrap();
    let attachments = dir.join("attachments");
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while names(&attachments).is_empty() {
        assert!(std::time::Instant::now() < give_up, "the copy never started");
        assert!(attach.try_wait().unwrap().is_none(), "the attach ended early");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let pid = rustix::process::Pid::from_child(&attach);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    attach.wait().unwrap();
    let left = names(&attachments);
    assert!(
        left.iter().all(|name| name.starts_with('.')),
        "a copy with a name was left: {left:?}"
    );

    std::fs::write(&big, "small now\n").unwrap();
    test.again(["attach", FIRST, "disk.img"]).success();
    assert_eq!(names(&attachments), ["disk.img"]);
    let added: Vec<_> = test
        .events(FIRST)
        .into_iter()
        .filter(|event| event["type"] == "attachment-added")
        .collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["payload"]["name"], "disk.img");
    assert_eq!(added[0]["payload"]["bytes"], 10);
}

#[test]
fn an_attach_of_a_file_that_cannot_be_read_names_it_and_exits_2() {
    let (test, _) = paused();
    let test = test.file("shadow", "root:*:20000::::::\n").chmod("shadow", 0o000);
    let mut command = test.command(["attach", FIRST, "shadow"]);
    if rustix::process::geteuid().is_root() {
        // Root reads any file: run without the capabilities that let it.
        let mut unprivileged = test.tool("setpriv");
        unprivileged
            .arg("--bounding-set=-dac_override,-dac_read_search")
            .arg("--")
            .arg(command.get_program())
            .args(command.get_args())
            .stdin(std::process::Stdio::null());
        for (key, value) in command.get_envs() {
            if let Some(value) = value {
                unprivileged.env(key, value);
            }
        }
        command = unprivileged;
    }
    let output = command.output().unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{said}");
    assert!(said.contains("cannot read shadow: Permission denied"), "{said}");
    assert!(!test.types(FIRST).contains(&"attachment-added".to_owned()));
}

#[test]
fn a_removed_journal_is_named_not_taken_for_no_incident() {
    let (mut test, dir) = paused();
    let journal = dir.join("journal.jsonl");
    std::fs::remove_file(&journal).unwrap();
    let missing = format!("{FIRST} has no journal to read: {} is missing", journal.display());
    let hint = format!("can be removed with `rm -r {}`", dir.display());
    for args in [
        vec!["resume", FIRST],
        vec!["note", FIRST, "still here?"],
        vec!["abort", FIRST, "--reason", "gone"],
        vec!["report", FIRST],
        vec!["archive", FIRST, "--cause", "c", "--resolution", "r"],
    ] {
        test.again_promptly(args)
            .status(1)
            .stderr_contains(&missing)
            .stderr_contains(&hint)
            .stderr_lacks("no incident");
    }
    // An id with no directory is still no incident.
    test.again(["resume", "INC-20261128-0009"])
        .status(2)
        .stderr_contains("no incident `INC-20261128-0009`");
}

#[test]
fn an_incident_that_never_started_names_its_journal_and_how_to_remove_it() {
    let (mut test, dir) = paused();
    let journal = dir.join("journal.jsonl");
    // What a start that died before its first event leaves: an empty
    // journal, and a head that names no event (or none at all).
    std::fs::write(&journal, "").unwrap();
    std::fs::remove_file(dir.join("journal.head")).unwrap();
    let said = format!(
        "{FIRST} never started: nothing was journaled in {}",
        journal.display()
    );
    let hint = format!("remove it with `rm -r {}`", dir.display());
    for args in [
        vec!["abort", FIRST, "--reason", "never started"],
        vec!["resume", FIRST],
        vec!["note", FIRST, "anyone?"],
        vec!["report", FIRST],
    ] {
        test.again(args)
            .status(2)
            .stderr_contains(&said)
            .stderr_contains(&hint);
    }
    test.again(["incidents"])
        .success()
        .stdout_contains("never started")
        .stderr_contains(&said)
        .stderr_contains(&hint);
    std::fs::remove_dir_all(&dir).unwrap();
    test.again(["incidents"]).success().stderr_lacks(FIRST);
}

#[test]
fn a_missing_or_edited_kept_runbook_is_said_and_put_back_from_the_one_found_now() {
    let mut test = Test::new()
        .runbook("minimal", &crate::common::archivable())
        .with_signing_key();
    test.again(["start", "minimal"]).status(3);
    let dir = test.data().join("incidents").join(FIRST);
    let kept = dir.join("runbook.toml");
    let original = std::fs::read(&kept).unwrap();
    std::fs::remove_file(&kept).unwrap();
    let unreadable = format!("cannot read the runbook kept with {FIRST}: {}", kept.display());

    // The report still shows what the journal holds, and says what it could not check.
    test.again(["report", FIRST])
        .status(1)
        .stdout_contains(&format!("Incident report {FIRST}"))
        .stderr_contains(&unreadable)
        .stderr_contains("could not be checked");

    // resume says so and puts back the runbook found now, which has the digest.
    test.again(["resume", FIRST])
        .status(3)
        .stderr_contains(&unreadable)
        .stderr_contains("put back the runbook found now");
    assert_eq!(std::fs::read(&kept).unwrap(), original);

    // An edited copy is moved aside, not lost.
    let mut edited = original.clone();
    edited.extend(b"# edited\n");
    std::fs::remove_file(&kept).unwrap();
    std::fs::write(&kept, &edited).unwrap();
    test.again(["resume", FIRST])
        .status(3)
        .stderr_contains(&format!(
            "the runbook kept with {FIRST} ({}) is not the one it started with",
            kept.display()
        ))
        .stderr_contains("moved it to runbook.toml.changed");
    assert_eq!(std::fs::read(&kept).unwrap(), original);
    assert_eq!(std::fs::read(dir.join("runbook.toml.changed")).unwrap(), edited);
    // Edited again: the first changed copy stays.
    std::fs::remove_file(&kept).unwrap();
    std::fs::write(&kept, b"# edited again\n").unwrap();
    test.again(["resume", FIRST])
        .status(3)
        .stderr_contains("moved it to runbook.toml.changed.2");
    assert_eq!(std::fs::read(dir.join("runbook.toml.changed")).unwrap(), edited);
    assert_eq!(
        std::fs::read(dir.join("runbook.toml.changed.2")).unwrap(),
        b"# edited again\n"
    );

    // With no runbook of that digest anywhere, archive says how to recover.
    test.again(["abort", FIRST, "--reason", "drill over"]).success();
    std::fs::remove_file(&kept).unwrap();
    std::fs::remove_file(test.work().join("runbooks/minimal.toml")).unwrap();
    test.archive(FIRST)
        .status(1)
        .stderr_contains(&unreadable)
        .stderr_contains("hint: put the runbook `minimal` whose sha256 is")
        .stderr_contains(&format!("back at {}", kept.display()));
    std::fs::write(&kept, &original).unwrap();
    test.archive(FIRST).success();
}

#[test]
fn verify_reports_a_journal_that_is_a_directory_or_a_fifo_and_passes_a_removed_one() {
    let mut test = Test::new()
        .runbook("minimal", &crate::common::archivable())
        .with_signing_key();
    test.again(["start", "minimal", "--answer", "check=done"])
        .success();
    test.archive(FIRST).success();
    let journal = test.data().join("incidents").join(FIRST).join("journal.jsonl");
    std::fs::remove_file(&journal).unwrap();
    test.again_promptly(["verify", FIRST])
        .success()
        .stdout_contains(&format!("ok {FIRST}"));
    std::fs::create_dir(&journal).unwrap();
    test.again_promptly(["verify", FIRST])
        .status(1)
        .stdout_contains(&format!("FAILED {FIRST}: "))
        .stdout_contains(&format!("cannot read {}: is a directory", journal.display()));
    std::fs::remove_dir(&journal).unwrap();
    mkfifo(&journal);
    test.again_promptly(["verify", FIRST])
        .status(1)
        .stdout_contains(&format!(
            "cannot read {}: is not a regular file",
            journal.display()
        ));
}

/// A legal 249-byte name was refused ("File name too long") for the
/// temporary copy's name, `.NAME.PID-N.tmp`; and a second copy of a
/// 255-byte name cannot be `2-NAME`.
#[test]
fn an_attach_of_a_file_with_a_long_name_keeps_it_under_a_name_that_fits() {
    let (mut test, dir) = paused();
    let attachments = dir.join("attachments");
    let name = format!("{}.log", "a".repeat(245));
    assert_eq!(name.len(), 249);
    std::fs::write(test.work().join(&name), "disk full\n").unwrap();
    test.again(["attach", FIRST, &name])
        .success()
        .stderr_contains(&format!("attached {name} to {FIRST} (sha256"));
    assert_eq!(names(&attachments), std::slice::from_ref(&name));

    let longest = format!("{}.log", "b".repeat(251));
    let shortened = format!("2-{}~.log", "b".repeat(248));
    std::fs::write(test.work().join(&longest), "disk full\n").unwrap();
    test.again(["attach", FIRST, &longest]).success();
    test.again(["attach", FIRST, &longest])
        .success()
        .stderr_contains(&format!("attached {longest} to {FIRST} as {shortened} (sha256"));
    assert_eq!(names(&attachments), [shortened.clone(), name, longest]);
    let added: Vec<_> = test
        .events(FIRST)
        .into_iter()
        .filter(|event| event["type"] == "attachment-added")
        .map(|event| event["payload"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(added.len(), 3);
    assert_eq!(added[2], shortened);
}

#[test]
fn a_file_name_with_escape_sequences_is_shown_escaped() {
    let (test, _) = paused();
    let name = "evil\u{1b}[2J.log";
    let mut test = test.file(name, "disk full\n");
    let outcome = test.again(["attach", FIRST, name]);
    outcome.success().stderr_contains("attached evil");
    assert!(!outcome.stderr.contains('\u{1b}'), "{:?}", outcome.stderr);
}
