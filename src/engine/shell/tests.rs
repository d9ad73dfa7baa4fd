use std::sync::atomic::AtomicBool;

use super::capture::incomplete_tail;
use super::*;

static NEVER: AtomicBool = AtomicBool::new(false);
static SHELL: ShellExecutor = ShellExecutor { ssh: None };

fn spec(script: &str) -> CommandSpec<'_> {
    CommandSpec {
        script,
        env: Vec::new(),
        timeout: Duration::from_secs(10),
        grace: Duration::from_secs(1),
        cancel: &NEVER,
        on: None,
    }
}

/// Runs `spec` without redaction; returns the outcome and the lines shown.
fn run(spec: &CommandSpec<'_>) -> (CommandOutcome, Vec<String>) {
    let mut lines = Vec::new();
    let outcome = SHELL
        .run(spec, &|text| text.to_owned(), &mut |text| {
            lines.push(text.to_owned())
        })
        .expect("sh starts");
    (outcome, lines)
}

/// Gone, or a zombie waiting for whichever init adopted it.
fn is_dead(pid: i32) -> bool {
    let Some(pid) = Pid::from_raw(pid) else {
        return true;
    };
    if rustix::process::test_kill_process(pid).is_err() {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_nonzero())).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'))
    })
}

fn becomes_dead(pid: i32) -> bool {
    let give_up = Instant::now() + Duration::from_secs(2);
    while Instant::now() < give_up {
        if is_dead(pid) {
            return true;
        }
        thread::sleep(Duration::from_millis(10));
    }
    false
}

fn first_pid(lines: &[String]) -> i32 {
    lines
        .first()
        .and_then(|line| line.trim().parse().ok())
        .expect("the script echoes $! first")
}

/// A spec whose script may use `$DIR`, a new temporary directory.
fn spec_in<'s>(script: &'s str, dir: &tempfile::TempDir) -> CommandSpec<'s> {
    let mut spec = spec(script);
    spec.env.push(("DIR".into(), dir.path().display().to_string()));
    spec
}

/// Prepares `spec` (which touches `$DIR/ran`), waits `hold`, checks
/// that nothing ran, then runs it and checks that it did.
fn held_until_run(spec: &CommandSpec<'_>, dir: &tempfile::TempDir, hold: Duration) {
    let prepared = SHELL.prepare(spec).unwrap();
    thread::sleep(hold);
    assert!(!dir.path().join("ran").exists(), "ran before the gate opened");
    let outcome = prepared
        .run(&|text| text.to_owned(), &mut |_| {}, &mut || {}, &mut || {})
        .unwrap();
    assert_eq!(outcome.exit_code, Some(0), "{}", outcome.output);
    assert!(dir.path().join("ran").exists());
}

#[test]
fn nothing_of_the_script_runs_before_the_gate_opens() {
    let dir = tempfile::tempdir().unwrap();
    held_until_run(
        &spec_in("touch \"$DIR/ran\"", &dir),
        &dir,
        Duration::from_millis(300),
    );
}

#[test]
fn the_runner_hears_once_that_the_script_runs_before_any_output() {
    let spec = spec("echo one; echo two");
    let heard = std::cell::RefCell::new(Vec::new());
    let outcome = SHELL
        .prepare(&spec)
        .unwrap()
        .run(
            &|text| text.to_owned(),
            &mut |line| heard.borrow_mut().push(line.to_owned()),
            &mut || heard.borrow_mut().push("started".to_owned()),
            &mut || {},
        )
        .unwrap();
    assert_eq!(outcome.exit_code, Some(0), "{}", outcome.output);
    assert_eq!(*heard.borrow(), ["started", "one", "two"]);
}

#[test]
fn a_command_dropped_at_the_gate_never_runs_and_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec_in("touch \"$DIR/ran\"", &dir);
    let key = format!("gate-{}", std::process::id());
    spec.env.push(("RUNBOOK_INCIDENT_KEY".into(), key.clone()));
    spec.env.push(("RUNBOOK_STEP".into(), "held".into()));
    let prepared = SHELL.prepare(&spec).unwrap();
    thread::sleep(Duration::from_millis(100));
    drop(prepared);
    thread::sleep(Duration::from_millis(200));
    assert!(!dir.path().join("ran").exists(), "a dropped command ran");
    assert_eq!(
        stop_leftovers(&key, "held"),
        Vec::<u32>::new(),
        "its shell lives on"
    );
}

#[test]
fn a_command_cancelled_at_the_gate_never_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = AtomicBool::new(false);
    let mut spec = spec_in("touch \"$DIR/ran\"", &dir);
    spec.cancel = &cancel;
    let prepared = SHELL.prepare(&spec).unwrap();
    cancel.store(true, Ordering::SeqCst);
    let outcome = prepared
        .run(&|text| text.to_owned(), &mut |_| {}, &mut || {}, &mut || {})
        .unwrap();
    assert!(outcome.cancelled && outcome.exit_code.is_none(), "{outcome:?}");
    thread::sleep(Duration::from_millis(200));
    assert!(!dir.path().join("ran").exists(), "a cancelled command ran");
}

#[test]
fn a_read_timeout_at_the_gate_waits_again() {
    // bash as `sh` (as on RHEL) honours TMOUT in `read`: the script
    // still runs once the gate opens, not before and not never.
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink("/bin/bash", bin.join("sh")).unwrap();
    let mut spec = spec_in("touch \"$DIR/ran\"", &dir);
    spec.env
        .push(("PATH".into(), format!("{}:/usr/bin:/bin", bin.display())));
    spec.env.push(("TMOUT".into(), "1".into()));
    held_until_run(&spec, &dir, Duration::from_millis(1500));
}

#[test]
fn past_the_gate_stdin_is_dev_null_and_line_numbers_are_the_scripts() {
    let (outcome, _) = run(&spec("cat; readlink /proc/$$/fd/0\nno-such-command-here"));
    let lines: Vec<&str> = outcome.output.lines().collect();
    assert_eq!(lines[0], "/dev/null", "{}", outcome.output);
    // dash: "sh: 2: no-such-command-here: not found"; bash: "line 2: ...".
    assert!(
        lines[1].contains("2: no-such-command-here") || lines[1].contains("line 2"),
        "{}",
        outcome.output
    );
    assert_eq!(outcome.exit_code, Some(127));
}

#[test]
fn exit_codes_are_reported() {
    let (ok, _) = run(&spec("true"));
    assert_eq!((ok.exit_code, ok.signal), (Some(0), None));
    assert!(ok.succeeded());
    let (failed, _) = run(&spec("exit 3"));
    assert_eq!((failed.exit_code, failed.signal), (Some(3), None));
    assert!(!failed.succeeded() && !failed.timed_out && !failed.cancelled);
}

#[test]
fn stdout_and_stderr_are_interleaved_by_line_in_order() {
    let script = "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three; echo four";
    let (outcome, lines) = run(&spec(script));
    assert_eq!(outcome.output, "one\ntwo\nthree\nfour\n");
    assert_eq!(lines, ["one", "two", "three", "four"]);
    assert_eq!(outcome.output_bytes, 19);
}

#[test]
fn a_last_line_without_newline_is_kept() {
    let (outcome, lines) = run(&spec("printf 'a\\nb'"));
    assert_eq!(outcome.output, "a\nb");
    assert_eq!(lines, ["a", "b"]);
    let (outcome, _) = run(&spec("printf out; exec >&-; sleep 0.05; printf err >&2"));
    assert_eq!(outcome.output, "out\nerr");
    assert_eq!(outcome.output_bytes, 6);
}

#[test]
fn env_reaches_the_command() {
    let mut spec = spec("printf %s \"$SERVICE\"");
    spec.env.push(("SERVICE".into(), "payments-api".into()));
    assert_eq!(run(&spec).0.output, "payments-api");
}

#[test]
fn env_values_are_never_evaluated() {
    let dir = tempfile::tempdir().expect("temp dir");
    let canary = dir.path().join("CANARY");
    let absolute = canary.display().to_string();
    let values = [
        "x; touch CANARY".to_owned(),
        "$(touch CANARY)".to_owned(),
        "`touch CANARY`".to_owned(),
        "x\ntouch CANARY".to_owned(),
        "x' ; touch CANARY; echo '".to_owned(),
        "x\" ; touch CANARY; echo \"".to_owned(),
        "x && touch CANARY || touch CANARY".to_owned(),
        format!("$(touch {absolute})"),
        format!("; touch {absolute} #"),
        "-e x".to_owned(),
    ];
    for value in values {
        let mut spec = spec_in("cd \"$DIR\" && printf '%s' \"$V\"", &dir);
        spec.env.push(("V".into(), value.clone()));
        let (outcome, _) = run(&spec);
        assert_eq!(outcome.exit_code, Some(0), "{value:?}");
        assert_eq!(outcome.output, value);
        assert!(!canary.exists(), "{value:?} ran a command");
    }
}

#[test]
fn a_failure_to_start_is_an_error() {
    let mut spec = spec("true");
    spec.env.push(("PATH".into(), "/nonexistent".into()));
    let result = SHELL.run(&spec, &|text| text.to_owned(), &mut |_| {});
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn a_script_starting_with_a_dash_is_not_an_option() {
    let (outcome, _) = run(&spec("-c"));
    assert_eq!(outcome.exit_code, Some(127));
}

#[test]
fn timeout_stops_the_command() {
    let mut spec = spec("sleep 30");
    spec.timeout = Duration::from_millis(200);
    let start = Instant::now();
    let (outcome, _) = run(&spec);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert!(outcome.timed_out && !outcome.cancelled);
    assert_eq!((outcome.exit_code, outcome.signal), (None, Some(15)));
    assert!(outcome.duration >= Duration::from_millis(200));
}

#[test]
fn timeout_kills_background_grandchildren() {
    let mut spec = spec("sleep 30 & echo $!; sleep 30");
    spec.timeout = Duration::from_millis(300);
    let start = Instant::now();
    let (outcome, lines) = run(&spec);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert!(outcome.timed_out);
    assert!(becomes_dead(first_pid(&lines)));
}

#[test]
fn a_grandchild_holding_the_output_is_killed_after_the_shell_exits() {
    let mut spec = spec("sleep 30 & echo $!");
    spec.timeout = Duration::from_millis(300);
    let start = Instant::now();
    let (outcome, lines) = run(&spec);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert!(outcome.timed_out);
    assert_eq!(outcome.exit_code, Some(0));
    assert!(becomes_dead(first_pid(&lines)));
}

#[test]
fn sigterm_ignored_gets_sigkill_after_grace() {
    let mut spec = spec("trap '' TERM; sleep 30 & echo $!; sleep 30");
    spec.timeout = Duration::from_millis(200);
    spec.grace = Duration::from_millis(300);
    let start = Instant::now();
    let (outcome, lines) = run(&spec);
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(outcome.timed_out);
    assert_eq!(outcome.signal, Some(9));
    assert!(becomes_dead(first_pid(&lines)));
}

#[test]
fn background_processes_get_their_grace_after_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let done = dir.path().join("cleaned-up");
    let mut spec = spec(
        "sh -c 'trap \"touch \\\"$DONE\\\"; exit\" TERM; while :; do sleep 0.05; done' \
         >/dev/null 2>&1 & sleep 30",
    );
    spec.env.push(("DONE".into(), done.display().to_string()));
    spec.timeout = Duration::from_millis(200);
    spec.grace = Duration::from_secs(2);
    let start = Instant::now();
    let (outcome, _) = run(&spec);
    assert!(outcome.timed_out);
    assert!(done.exists(), "the background cleanup was cut short");
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
}

#[test]
fn a_process_outside_the_group_holding_the_output_does_not_hang_the_call() {
    let mut spec = spec("setsid sleep 3 & echo started");
    spec.timeout = Duration::from_millis(200);
    spec.grace = Duration::from_millis(100);
    let start = Instant::now();
    let (outcome, lines) = run(&spec);
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert!(outcome.timed_out);
    assert_eq!(lines, ["started"]);
}

#[test]
fn cancel_from_another_thread_stops_the_command() {
    let cancel = AtomicBool::new(false);
    let mut spec = spec("sleep 30");
    spec.cancel = &cancel;
    let start = Instant::now();
    let outcome = thread::scope(|scope| {
        scope.spawn(|| {
            thread::sleep(Duration::from_millis(200));
            cancel.store(true, Ordering::Relaxed);
        });
        run(&spec).0
    });
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    assert!(outcome.cancelled && !outcome.timed_out && !outcome.succeeded());
    assert!(outcome.signal.is_some());
}

#[test]
fn a_panicking_callback_kills_the_group() {
    let mut pid = None;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        SHELL.run(&spec("echo $$; sleep 30"), &|text| text.to_owned(), &mut |text| {
            pid = text.parse::<i32>().ok();
            panic!("display failed");
        })
    }));
    assert!(result.is_err());
    assert!(becomes_dead(pid.expect("the shell's pid was shown")));
}

#[test]
fn large_output_keeps_head_and_tail() {
    let (outcome, lines) = run(&spec("seq 1 200000"));
    let written: usize = (1..=200_000).map(|n: u32| n.to_string().len() + 1).sum();
    assert_eq!(outcome.output_bytes, written as u64);
    assert_eq!(lines.len(), 200_000);
    let output = &outcome.output;
    assert!(output.starts_with("1\n2\n3\n"));
    assert!(output.ends_with("199999\n200000\n"));
    assert!(output.len() <= OUTPUT_HEAD + OUTPUT_TAIL + 64, "{}", output.len());
    let marker = output
        .lines()
        .find(|line| line.contains("left out"))
        .expect("marker");
    let left_out: usize = marker
        .strip_prefix("[... ")
        .and_then(|rest| rest.strip_suffix(" bytes left out ...]"))
        .and_then(|n| n.parse().ok())
        .expect("marker format");
    assert_eq!(left_out, written - (output.len() - marker.len() - 1));
    // Cut between lines: every kept line is a whole number.
    assert!(
        output
            .lines()
            .filter(|line| *line != marker)
            .all(|line| line.parse::<u32>().is_ok())
    );
}

#[test]
fn a_huge_line_is_cut_and_counted() {
    let (outcome, lines) = run(&spec("head -c 3000000 /dev/zero | tr '\\0' a; echo; echo end"));
    assert_eq!(outcome.output_bytes, 3_000_001 + 4);
    let left_out = 3_000_000 - LINE_MAX;
    let expected = format!("{} [... {left_out} bytes left out ...]", "a".repeat(LINE_MAX));
    assert_eq!(lines, [expected.as_str(), "end"]);
    assert_eq!(outcome.output, format!("{expected}\nend\n"));
}

#[test]
fn cutting_a_line_keeps_characters_whole() {
    // 60,000 bytes of a three-byte character: LINE_MAX falls inside one.
    let (outcome, _) = run(&spec("yes € | head -n 20000 | tr -d '\\n'"));
    assert_eq!(outcome.output_bytes, 60_000);
    assert!(!outcome.output.contains('\u{FFFD}'));
    let kept = LINE_MAX / 3;
    assert!(outcome.output.starts_with(&"€".repeat(kept)));
    assert!(
        outcome
            .output
            .ends_with(&format!(" [... {} bytes left out ...]", 60_000 - kept * 3))
    );
}

#[test]
fn output_that_is_not_utf8_is_converted_lossily() {
    let (outcome, lines) = run(&spec("printf 'a\\377b\\n\\300'"));
    assert_eq!(outcome.output, "a\u{FFFD}b\n\u{FFFD}");
    assert_eq!(lines, ["a\u{FFFD}b", "\u{FFFD}"]);
    assert_eq!(outcome.output_bytes, 5);
}

#[test]
fn redaction_reaches_output_and_display() {
    let mut shown = Vec::new();
    let outcome = SHELL
        .run(
            &spec("echo token=s3cret; sleep 0.05; echo s3cret >&2; sleep 0.05; printf 'last s3cret'"),
            &|text| text.replace("s3cret", "[REDACTED]"),
            &mut |text| shown.push(text.to_owned()),
        )
        .expect("sh starts");
    assert_eq!(outcome.output, "token=[REDACTED]\n[REDACTED]\nlast [REDACTED]");
    assert_eq!(shown, ["token=[REDACTED]", "[REDACTED]", "last [REDACTED]"]);
}

#[test]
fn capture_never_splits_a_character() {
    let mut capture = Capture::default();
    // Pieces of two- and three-byte characters at odd offsets, more
    // than head and tail together.
    capture.push("x".to_owned());
    for _ in 0..5 {
        capture.push("é".repeat(OUTPUT_HEAD / 3));
        capture.push("€".repeat(OUTPUT_TAIL / 2 + 1));
    }
    let written = 1 + 5 * (OUTPUT_HEAD / 3 * 2 + (OUTPUT_TAIL / 2 + 1) * 3);
    let kept = capture.head.len() + capture.tail_len;
    assert!(capture.tail_len <= OUTPUT_TAIL);
    assert_eq!(capture.left_out as usize, written - kept);
    let output = capture.finish();
    assert!(output.contains("bytes left out"));
}

#[test]
fn a_first_line_longer_than_the_head_is_split_not_lost() {
    let mut capture = Capture::default();
    let line = format!("{}\n", "é".repeat(OUTPUT_HEAD / 2 + 10));
    capture.push(line.clone());
    assert_eq!(capture.left_out, 0);
    assert_eq!(capture.finish(), line);
}

#[test]
fn incomplete_tail_finds_a_cut_character() {
    assert_eq!(incomplete_tail(b"abc"), 0);
    assert_eq!(incomplete_tail("a€".as_bytes()), 0);
    assert_eq!(incomplete_tail(&"a€".as_bytes()[..3]), 2);
    assert_eq!(incomplete_tail(&"a€".as_bytes()[..2]), 1);
    assert_eq!(incomplete_tail(&"😀".as_bytes()[..3]), 3);
    assert_eq!(incomplete_tail(b"\xff"), 0);
    assert_eq!(incomplete_tail(b""), 0);
}
