//! Crashes, for real: `runbook start` killed with SIGKILL at many moments of
//! a walk, journals cut short after their last event, and a damaged line in
//! the middle. What was journaled before a crash is never lost or rewritten,
//! the chain still verifies, `journal.head` is never ahead of the journal,
//! and `runbook resume` finishes what was begun. Whole lines cut off the
//! end, which a crash never does, are found through `journal.head`.

use crate::common::Test;
use runbook::journal::{GENESIS, sha256_hex};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const FIRST: &str = "INC-20261128-0001";

/// The command steps of [`walk`], and the confirm answered between them.
const COMMANDS: usize = 8;
const CONFIRM_AFTER: usize = 4;

/// `s1`…`s8`, each running `{pause}echo step-N`, with a confirm `ok` after
/// `s4` whose no ends the walk early.
fn walk(pause: &str) -> String {
    let mut toml = String::from("schema = 1\ntitle = \"Crash\"\n");
    for n in 1..=COMMANDS {
        toml += &format!(
            "\n[[steps]]\nid = \"s{n}\"\nkind = \"command\"\ntitle = \"Step {n}\"\n\
             run = '{pause}echo step-{n}'\ntimeout = \"10s\"\n"
        );
        if n == CONFIRM_AFTER {
            toml += "\n[[steps]]\nid = \"ok\"\nkind = \"confirm\"\ntitle = \"Still fine?\"\n\
                     yes = \"s5\"\nno = \"done\"\n";
        }
    }
    toml + "\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n"
}

fn journal_path(test: &Test) -> PathBuf {
    test.data().join("incidents").join(FIRST).join("journal.jsonl")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `runbook ARGS` in the harness's environment, as a child to kill.
fn spawn(test: &Test, args: &[&str]) -> std::process::Child {
    test.command(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Checks a journal without the binary's reader (only its SHA-256 helper):
/// every complete line is JSON whose `hash` is the SHA-256 of the
/// line without it, `seq` counts from 1 and `prev` is the line before's
/// `hash`. Returns the events and the length of a last line cut short.
#[track_caller]
fn verify(bytes: &[u8], what: &str) -> (Vec<serde_json::Value>, usize) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|error| panic!("{what}: {error}"));
    let complete = text.rfind('\n').map_or(0, |at| at + 1);
    let mut events = Vec::new();
    let mut prev = GENESIS.to_owned();
    for (number, line) in text[..complete].lines().enumerate() {
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("{what}: line {} is not JSON ({error}): {line}", number + 1));
        let hash = event["hash"].as_str().unwrap_or_default().to_owned();
        let unhashed = line.replace(&format!(",\"hash\":\"{hash}\""), "");
        assert_eq!(
            sha256_hex(unhashed.as_bytes()),
            hash,
            "{what}: line {}",
            number + 1
        );
        assert_eq!(event["seq"], number + 1, "{what}: line {}", number + 1);
        assert_eq!(event["prev"], prev.as_str(), "{what}: line {}", number + 1);
        prev = hash;
        events.push(event);
    }
    (events, text.len() - complete)
}

fn kind(event: &serde_json::Value) -> &str {
    event["type"].as_str().unwrap_or_default()
}

fn step(event: &serde_json::Value) -> &str {
    event["payload"]["step"].as_str().unwrap_or_default()
}

/// The step whose command started and has no result yet.
fn unfinished(events: &[serde_json::Value]) -> Option<String> {
    let mut running = None;
    for event in events {
        match kind(event) {
            "command-started" => running = Some(step(event).to_owned()),
            "command-finished" | "command-skipped" => running = None,
            _ => {}
        }
    }
    running
}

/// What `journal.head` beside `journal` says, read without the binary's
/// reader: the `(seq, hash)` of the newer of its two slots whose sum
/// checks, as journal-format.md describes them.
fn kept_head(journal: &Path) -> Option<(u64, String)> {
    let bytes = std::fs::read(journal.with_file_name("journal.head")).ok()?;
    let text = String::from_utf8(bytes).unwrap();
    text.lines()
        .filter_map(|slot| {
            let (body, sum) = slot.rsplit_once(" sum=")?;
            (sha256_hex(body.as_bytes())[..16] == *sum).then_some(())?;
            let seq = body.strip_prefix("seq=")?.split(' ').next()?.parse().ok()?;
            Some((seq, body.rsplit_once("hash=")?.1.to_owned()))
        })
        .max()
}

/// The journal without its last whole line: what cutting it off by hand
/// leaves.
fn without_last_line(journal: &[u8]) -> Vec<u8> {
    let body = &journal[..journal.len() - 1];
    body[..body.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1)].to_vec()
}

/// The incident's row in `runbook incidents --json`.
fn listed(test: &mut Test) -> serde_json::Value {
    let outcome = test.again(["incidents", "--json"]);
    outcome.success();
    let rows = outcome.json();
    let row = rows.as_array().unwrap().iter().find(|row| row["id"] == FIRST);
    row.unwrap_or_else(|| panic!("{FIRST} is not listed: {rows}"))
        .clone()
}

/// Starts the slow walk, waits for its first event, lets it run for
/// `delay`, kills it with SIGKILL, and checks everything a crash must
/// leave intact.
fn kill_after(delay: Duration) {
    let mut test = Test::new().runbook("crash", &walk("sleep 0.1; "));
    let what = format!("killed {}ms after the first event", delay.as_millis());
    let mut child = spawn(
        &test,
        &["start", "crash", "--non-interactive", "--answer", "ok=yes"],
    );
    let journal = journal_path(&test);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read(&journal).is_ok_and(|bytes| bytes.contains(&b'\n')) {
        assert!(Instant::now() < deadline, "{what}: no first event in 10s");
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(delay);
    let finished = child.try_wait().unwrap();
    if finished.is_none() {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();

    let before = read(&journal);
    let (events, torn) = verify(&before, &what);
    // Written only after the journal's sync: never ahead of the events.
    let (seq, hash) = kept_head(&journal).unwrap_or_else(|| panic!("{what}: no journal.head"));
    assert!(
        seq as usize <= events.len(),
        "{what}: head {seq} ahead of the journal"
    );
    if seq > 0 {
        assert_eq!(events[seq as usize - 1]["hash"], hash.as_str(), "{what}");
    }
    if torn == 0 && kind(events.last().unwrap()) == "ended" {
        // The walk outran the delay, or was killed after its last event.
        assert_eq!(listed(&mut test)["state"], "resolved", "{what}");
        return;
    }
    assert!(!status.success(), "{what}: exit 0 before the end of the walk");
    let row = listed(&mut test);
    assert_eq!(row["state"], "interrupted", "{what}: {row}");

    let mut finish: Vec<String> = ["resume", FIRST, "--non-interactive", "--answer", "ok=yes"]
        .map(String::from)
        .to_vec();
    let killed = unfinished(&events);
    if let Some(killed) = &killed {
        let outcome = test.again(["resume", FIRST, "--non-interactive", "--json"]);
        outcome
            .status(3)
            .stderr_contains(&format!(
                "{FIRST} is paused at step `{killed}`: retry to run the interrupted command again, done if it had finished"
            ))
            .stderr_contains(&format!("runbook resume {FIRST} --answer {killed}="));
        let awaiting: serde_json::Value =
            serde_json::from_str(outcome.stdout.lines().last().unwrap()).unwrap();
        assert_eq!(awaiting["type"], "awaiting", "{what}");
        assert_eq!(awaiting["step"], killed.as_str(), "{what}");
        assert_eq!(
            awaiting["expects"], "retry to run the interrupted command again, done if it had finished",
            "{what}"
        );
        finish.extend(["--answer".to_owned(), format!("{killed}=done")]);
    }
    let outcome = test.again(finish);
    outcome
        .success()
        .stderr_contains(&format!("{FIRST} ended: resolved"));
    if torn > 0 {
        outcome.stderr_contains("the journal's last event was cut short");
    }

    let after = read(&journal);
    let kept = &before[..before.len() - torn];
    assert!(
        after.starts_with(kept),
        "{what}: the journal before the kill is not a prefix of the journal after resume"
    );
    let (events, torn) = verify(&after, &what);
    assert_eq!(torn, 0, "{what}");
    assert_eq!(kind(events.last().unwrap()), "ended", "{what}");
    assert_eq!(
        kept_head(&journal),
        Some((
            events.len() as u64,
            events.last().unwrap()["hash"].as_str().unwrap().to_owned()
        )),
        "{what}: the head is the last event once the walk has ended"
    );
    for n in 1..=COMMANDS {
        let id = format!("s{n}");
        let results: Vec<&str> = events
            .iter()
            .filter(|e| step(e) == id && matches!(kind(e), "command-finished" | "command-skipped"))
            .map(kind)
            .collect();
        let expected = if killed.as_deref() == Some(id.as_str()) {
            "command-skipped"
        } else {
            "command-finished"
        };
        assert_eq!(
            results,
            [expected],
            "{what}: step {id} ran once, or was marked done once"
        );
    }
    assert_eq!(listed(&mut test)["state"], "resolved", "{what}");
}

#[test]
fn killed_at_any_moment_the_journal_verifies_and_resume_finishes_the_walk() {
    // The walk takes about a second after its first event: eight commands
    // of 0.1s and a little journaling each. Twelve kills 77ms apart, out
    // of step with the commands, land inside commands, between events and
    // around the confirm; a kill after the end is checked too. Each has
    // its own data dir, and they run at once.
    std::thread::scope(|scope| {
        for n in 0..12 {
            scope.spawn(move || kill_after(Duration::from_millis(n * 77)));
        }
    });
}

/// A walk paused at the confirm (exit 3), or run to its end, with quick
/// commands; returns the journal as it was left.
fn left(test: &mut Test, end: bool) -> Vec<u8> {
    let mut args = vec!["start", "crash", "--non-interactive"];
    if end {
        args.extend(["--answer", "ok=yes"]);
        test.again(args).success();
    } else {
        test.again(args).status(3);
    }
    let bytes = read(&journal_path(test));
    assert_eq!(verify(&bytes, "as left").1, 0);
    bytes
}

/// The first half of the journal's last line, without its newline: what a
/// crash part-way through appending one more event leaves.
fn half_line(journal: &[u8]) -> Vec<u8> {
    let body = &journal[..journal.len() - 1];
    let start = body.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    body[start..start + (body.len() - start) / 2].to_vec()
}

fn append(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(bytes).unwrap();
}

#[test]
fn torn_tail_after_a_pause_is_moved_aside_and_the_walk_goes_on() {
    let mut test = Test::new().runbook("crash", &walk(""));
    let before = left(&mut test, false);
    let lines = before.iter().filter(|&&b| b == b'\n').count();
    let journal = journal_path(&test);
    let torn = half_line(&before);
    append(&journal, &torn);
    assert_eq!(listed(&mut test)["state"], "paused");

    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .success()
        .stderr_contains(&format!(
            "warning: the journal's last event was cut short (line {}, {} bytes, a crash while writing); \
             it was moved to journal.jsonl.torn",
            lines + 1,
            torn.len()
        ))
        .stderr_contains(&format!("{FIRST} ended: resolved"));
    let aside = read(&journal.with_file_name("journal.jsonl.torn"));
    assert_eq!(aside, [torn.as_slice(), b"\n"].concat());
    let after = read(&journal);
    assert!(
        after.starts_with(&before),
        "the events before the torn tail are kept as they were"
    );
    let (events, torn) = verify(&after, "after resume");
    assert_eq!(torn, 0);
    assert_eq!(
        events[lines]["type"], "resumed",
        "the chain goes on from the last whole event"
    );
    assert_eq!(listed(&mut test)["state"], "resolved");
}

#[test]
fn torn_tail_after_the_end_is_listed_and_moved_aside() {
    let mut test = Test::new().runbook("crash", &walk(""));
    let before = left(&mut test, true);
    let journal = journal_path(&test);
    let torn = half_line(&before);
    append(&journal, &torn);
    let listing = test.again(["incidents"]);
    listing
        .success()
        .stdout_contains(FIRST)
        .stdout_contains("resolved");
    assert_eq!(listed(&mut test)["state"], "resolved");

    test.again(["resume", FIRST, "--non-interactive"])
        .status(2)
        .stderr_contains("warning: the journal's last event was cut short")
        .stderr_contains("has ended (resolved); there is nothing to resume");
    assert_eq!(read(&journal), before);
    assert_eq!(
        read(&journal.with_file_name("journal.jsonl.torn")),
        [torn.as_slice(), b"\n"].concat()
    );
}

#[test]
fn a_damaged_middle_line_is_refused_by_resume_which_changes_nothing() {
    let mut test = Test::new().runbook("crash", &walk(""));
    let original = left(&mut test, false);
    let journal = journal_path(&test);
    let kept = journal.with_file_name("runbook.toml");
    let kept_before = read(&kept);
    let start = original.iter().position(|&b| b == b'\n').unwrap() + 1;
    let end = start + original[start..].iter().position(|&b| b == b'\n').unwrap();
    // Every byte of line 2, its newline included, each flipped in turn.
    for at in start..=end {
        let mut damaged = original.clone();
        damaged[at] ^= 1;
        std::fs::write(&journal, &damaged).unwrap();
        let outcome = test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"]);
        let what = format!("byte {} of line 2 flipped", at - start);
        assert_eq!(outcome.code, Some(1), "{what}: {}", outcome.stderr);
        assert!(
            outcome
                .stderr
                .contains(&format!("journal {} line 2: ", journal.display()))
                && outcome
                    .stderr
                    .contains("the incident cannot be resumed from a corrupted journal"),
            "{what}: {}",
            outcome.stderr
        );
        assert_eq!(read(&journal), damaged, "{what}: the journal was changed");
        assert!(!journal.with_file_name("journal.jsonl.torn").exists(), "{what}");
        assert_eq!(read(&kept), kept_before, "{what}");
    }
    std::fs::write(&journal, &original).unwrap();
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .success();
}

#[test]
fn the_last_whole_line_cut_off_is_reported_as_truncation_with_its_seq() {
    let mut test = Test::new().runbook("crash", &walk(""));
    let whole = left(&mut test, false);
    let journal = journal_path(&test);
    let lines = whole.iter().filter(|&&b| b == b'\n').count();
    let cut = without_last_line(&whole);
    std::fs::write(&journal, &cut).unwrap();
    // What a reader hand-checking it sees: a shorter chain that verifies.
    assert_eq!(verify(&cut, "cut").0.len(), lines - 1);

    let said = format!(
        "ends at event {}, but {} says event {lines} was on disk: event {lines} was cut off its end; \
         the incident cannot be resumed from a truncated journal",
        lines - 1,
        journal.with_file_name("journal.head").display()
    );
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .status(1)
        .stderr_contains(&said)
        .stderr_contains("put journal.jsonl back from a backup");
    test.again(["report", FIRST]).status(1).stderr_contains(&said);
    let row = listed(&mut test);
    assert!(
        row["problem"].as_str().unwrap_or_default().contains(&said),
        "{row}"
    );
    assert_eq!(read(&journal), cut, "nothing was changed");
    assert!(!journal.with_file_name("journal.jsonl.torn").exists());

    // Cut part-way through the line before, the rest looks like a crash's
    // torn line, but the head says those events were whole: still truncation.
    let mut torn = without_last_line(&cut);
    torn.extend_from_slice(&half_line(&cut));
    std::fs::write(&journal, &torn).unwrap();
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .status(1)
        .stderr_contains(&format!(
            "ends at event {} (then a line cut short), but",
            lines - 2
        ))
        .stderr_contains(&format!("events {} to {lines} were cut off its end", lines - 1));
    assert!(!journal.with_file_name("journal.jsonl.torn").exists());

    // Put back, it resumes.
    std::fs::write(&journal, &whole).unwrap();
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .success();
}

#[test]
fn a_journal_without_a_head_from_an_older_runbook_still_resumes_and_gets_one() {
    let mut test = Test::new().runbook("crash", &walk(""));
    left(&mut test, false);
    let journal = journal_path(&test);
    std::fs::remove_file(journal.with_file_name("journal.head")).unwrap();
    assert_eq!(listed(&mut test)["state"], "paused");
    test.again(["report", FIRST]).success();
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .success()
        .stderr_contains(&format!("{FIRST} ended: resolved"));
    let (events, _) = verify(&read(&journal), "resumed");
    assert_eq!(kept_head(&journal).map(|(seq, _)| seq), Some(events.len() as u64));
}

#[test]
fn a_damaged_head_is_reported_clearly_and_changes_nothing() {
    let mut test = Test::new().runbook("crash", &walk(""));
    let before = left(&mut test, false);
    let journal = journal_path(&test);
    let head = journal.with_file_name("journal.head");
    // Both slots: one alone is what a write cut short leaves (below).
    let mut damaged = read(&head);
    damaged[10] ^= 1;
    damaged[143 + 10] ^= 1;
    std::fs::write(&head, &damaged).unwrap();
    let said = format!(
        "{} is damaged (neither of its two slots checks), so it cannot tell whether lines were cut off \
         the end of journal.jsonl beside it; check the journal by hand",
        head.display()
    );
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .status(1)
        .stderr_contains(&said);
    let row = listed(&mut test);
    assert!(
        row["problem"].as_str().unwrap_or_default().contains(&said),
        "{row}"
    );
    assert_eq!((read(&journal), read(&head)), (before, damaged.clone()));

    // One slot damaged, as a write cut short by a power cut leaves it:
    // the other is read, and the walk goes on.
    let mut one = damaged.clone();
    one[143 + 10] ^= 1;
    std::fs::write(&head, &one).unwrap();
    test.again(["resume", FIRST, "--non-interactive", "--answer", "ok=yes"])
        .success();
}

/// A start killed before its first event (here by the file size limit, as
/// it writes the kept copy of a runbook larger than 1 KiB) leaves an
/// incident that never started, not one whose journal is missing.
#[test]
fn a_start_killed_before_its_first_event_never_started() {
    let mut test = Test::new();
    let binary = env!("CARGO_BIN_EXE_runbook");
    let status = test
        .tool("sh")
        .args(["-c", "ulimit -f 2; exec \"$0\" \"$@\""])
        .args([binary, "start", "server-software-failure", "--non-interactive"])
        .env("RUNBOOK_NOW", crate::common::NOW)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    let xfsz = rustix::process::Signal::XFSZ.as_raw();
    assert_eq!(status.signal(), Some(xfsz), "killed by SIGXFSZ: {status:?}");
    let id = test.only_incident();
    let listed = test.again(["incidents", "--json"]);
    let row = listed.success().json()[0].clone();
    assert_eq!(row["id"], id.as_str());
    assert_eq!(row["state"], "never started", "{row}");
    test.again(["resume", &id])
        .status(2)
        .stderr_contains("journal.jsonl");
}
