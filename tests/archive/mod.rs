//! `runbook archive` and `runbook verify` through the binary: the one-day
//! rule, read-only signed records, the index and its chain, interop with
//! OpenSSH's `ssh-keygen -Y`; the tamper matrix that verify must catch is
//! in [`verify`].

use crate::common::{NOW, Test};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

mod verify;

const FIXED: &str = r#"schema = 1
title = "Fixed"
archive_within = "1d"

[[steps]]
id = "fix"
kind = "command"
title = "Fix it"
run = "echo fixed"
timeout = "10s"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

const IDS: [&str; 3] = ["INC-20261128-0001", "INC-20261128-0002", "INC-20261128-0003"];
const TWO_DAYS_LATER: &str = "2026-11-30T09:00:00Z";

/// A test environment with a signing key made by `ssh-keygen` and an
/// allowed_signers line for it.
fn with_key() -> Test {
    let test = Test::new().runbook("fixed", FIXED);
    test.with_signing_key()
}

/// Runs one incident of `fixed` to its end.
fn finish(test: &mut Test) {
    test.again(["start", "fixed", "--answer", "check=done"]).success();
}

/// Three incidents, finished and archived in order.
fn three_archived() -> Test {
    let mut test = with_key();
    for id in IDS {
        finish(&mut test);
        test.archive(id).success();
    }
    test
}

fn sha256(bytes: &[u8]) -> String {
    format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(bytes))
}

fn record_path(test: &Test, id: &str) -> PathBuf {
    test.data().join("archive/2026/11").join(format!("{id}.json"))
}

fn sig_path(test: &Test, id: &str) -> PathBuf {
    test.data().join("archive/2026/11").join(format!("{id}.json.sig"))
}

fn record(test: &Test, id: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(record_path(test, id)).unwrap()).unwrap()
}

fn index_lines(test: &Test) -> Vec<String> {
    std::fs::read_to_string(test.data().join("archive/index.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Makes a read-only archive file writable again and changes it.
fn tamper(path: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    change(&mut bytes);
    std::fs::write(path, bytes).unwrap();
}

fn ssh_keygen_verify(test: &Test, id: &str, namespace: &str) -> bool {
    test.tool("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(test.config_dir().join("allowed_signers"))
        .args(["-I", "ops", "-n", namespace, "-s"])
        .arg(sig_path(test, id))
        .stdin(std::fs::File::open(record_path(test, id)).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap()
        .success()
}

/// Signs a record with `ssh-keygen -Y sign`, replacing its signature.
fn ssh_keygen_sign(test: &Test, id: &str, namespace: &str) {
    let work = test.work().join(format!("{id}.json"));
    std::fs::copy(record_path(test, id), &work).unwrap();
    // ssh-keygen asks before replacing a signature, and takes no for an answer.
    let _ = std::fs::remove_file(test.work().join(format!("{id}.json.sig")));
    let signed = test
        .tool("ssh-keygen")
        .args(["-q", "-Y", "sign", "-f"])
        .arg(test.config_dir().join("signing_key"))
        .args(["-n", namespace])
        .arg(&work)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(signed.success());
    let sig = sig_path(test, id);
    std::fs::remove_file(&sig).unwrap();
    std::fs::copy(test.work().join(format!("{id}.json.sig")), &sig).unwrap();
}

#[test]
fn archive_is_refused_while_the_incident_is_open() {
    let mut test = with_key();
    test.again(["start", "fixed"]).status(3);
    test.again(["archive", IDS[0], "--cause", "c", "--resolution", "r"])
        .status(2)
        .stderr_contains(&format!("{} is still open (paused at step `check`", IDS[0]))
        .stderr_contains(&format!("runbook resume {}", IDS[0]));
    assert!(!test.data().join("archive/index.jsonl").exists());
}

#[test]
fn archive_without_a_terminal_names_the_flags_it_needs() {
    let mut test = with_key();
    finish(&mut test);
    test.again(["archive", IDS[0]])
        .status(2)
        .stderr_contains("pass --cause TEXT --resolution TEXT");
    test.again(["archive", IDS[0], "--cause", "disk full"])
        .status(2)
        .stderr_contains("pass --resolution TEXT");
}

#[test]
fn archive_without_a_signing_key_points_at_keygen() {
    let mut test = Test::new().runbook("fixed", FIXED);
    finish(&mut test);
    test.again(["archive", IDS[0], "--cause", "c", "--resolution", "r"])
        .status(2)
        .stderr_contains("no signing key")
        .stderr_contains("runbook keygen");
}

#[test]
fn archive_writes_a_read_only_signed_record_and_an_index_line() {
    let mut test = with_key();
    finish(&mut test);
    test.again([
        "archive",
        IDS[0],
        "--cause",
        "disk full",
        "--resolution",
        "cleaned up",
        "--follow-up",
        "alert on disk usage",
        "--follow-up",
        "rotate logs",
    ])
    .success()
    .stdout_contains("2026/11/INC-20261128-0001.json")
    .stdout_contains("on time: due 2026-11-29T09:00:00Z");

    for path in [record_path(&test, IDS[0]), sig_path(&test, IDS[0])] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o444, "{}", path.display());
    }
    let bytes = std::fs::read(record_path(&test, IDS[0])).unwrap();
    assert!(bytes.ends_with(b"}\n"));
    let record = record(&test, IDS[0]);
    assert_eq!(record["format"], "runbook-record/2");
    assert_eq!(record["incident"], IDS[0]);
    assert_eq!(record["runbook"]["id"], "fixed");
    assert_eq!(record["runbook"]["digest"], sha256(FIXED.as_bytes()));
    assert_eq!(record["outcome"], "resolved");
    assert_eq!(record["previous_record"], serde_json::Value::Null);
    assert_eq!(record["deadline"]["on_time"], true);
    assert_eq!(record["deadline"]["late_s"], 0);
    assert_eq!(record["summary"]["cause"], "disk full");
    assert_eq!(
        record["summary"]["follow_ups"],
        serde_json::json!(["alert on disk usage", "rotate logs"])
    );
    assert!(
        record["summary"]["what_happened"]
            .as_str()
            .unwrap()
            .contains("Steps: fix (exit 0), check, done"),
        "{}",
        record["summary"]["what_happened"]
    );
    assert_eq!(record["commands"][0]["command"], "echo fixed");
    assert_eq!(record["commands"][0]["exit_code"], 0);
    assert_eq!(record["commands"][0]["output"], "fixed\n");
    let events = test.events(IDS[0]);
    assert_eq!(record["journal"]["events"], events.len());
    assert_eq!(record["journal"]["head"], events.last().unwrap()["hash"]);
    assert_eq!(record["timeline"].as_array().unwrap().len(), events.len());

    let index = index_lines(&test);
    assert_eq!(index.len(), 1);
    let line: serde_json::Value = serde_json::from_str(&index[0]).unwrap();
    assert_eq!(line["id"], IDS[0]);
    assert_eq!(line["runbook"], "fixed");
    assert_eq!(line["on_time"], true);
    assert_eq!(line["sha256"], sha256(&bytes));
    // The incident stays.
    assert!(
        test.data()
            .join("incidents")
            .join(IDS[0])
            .join("journal.jsonl")
            .is_file()
    );
}

#[test]
fn a_note_left_queued_for_the_incident_goes_into_its_record() {
    let mut test = with_key();
    finish(&mut test);
    // What `runbook note` leaves when the process holding the incident
    // never took it in (docs/journal-format.md, `inbox/`).
    let inbox = test.data().join("incidents").join(IDS[0]).join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("20261128T090500.000000000Z-4242-0.json"),
        r#"{"actor":"bob@web2","time":"2026-11-28T09:05:00Z","event":{"type":"note-added","payload":{"text":"vendor confirmed the bug"}}}"#,
    )
    .unwrap();
    test.archive(IDS[0]).success();
    let notes = &record(&test, IDS[0])["notes"];
    assert_eq!(notes[0]["actor"], "bob@web2", "{notes}");
    assert_eq!(notes[0]["text"], "vendor confirmed the bug");
    assert_eq!(std::fs::read_dir(&inbox).unwrap().count(), 0);
}

#[test]
fn archiving_twice_is_refused() {
    let mut test = with_key();
    finish(&mut test);
    test.archive(IDS[0]).success();
    let before = std::fs::read(record_path(&test, IDS[0])).unwrap();
    test.again(["archive", IDS[0], "--cause", "other", "--resolution", "other"])
        .status(2)
        .stderr_contains(&format!("{} is already archived", IDS[0]));
    assert_eq!(std::fs::read(record_path(&test, IDS[0])).unwrap(), before);
    assert_eq!(index_lines(&test).len(), 1);
}

#[test]
fn a_late_archive_records_how_late() {
    let mut test = with_key();
    finish(&mut test);
    let mut later = test.env("RUNBOOK_NOW", TWO_DAYS_LATER);
    later
        .again(["archive", IDS[0], "--cause", "c", "--resolution", "r"])
        .success()
        .stdout_contains("late by 1d (86400 s): due 2026-11-29T09:00:00Z");
    // Filed under the month it was archived in.
    let record = record(&later, IDS[0]);
    assert_eq!(record["archived"], TWO_DAYS_LATER);
    assert_eq!(record["ended"], NOW);
    assert_eq!(record["deadline"]["due"], "2026-11-29T09:00:00Z");
    assert_eq!(record["deadline"]["on_time"], false);
    assert_eq!(record["deadline"]["late_s"], 86_400);
    let line: serde_json::Value = serde_json::from_str(&index_lines(&later)[0]).unwrap();
    assert_eq!(
        (line["on_time"].clone(), line["late_s"].clone()),
        (false.into(), 86_400.into())
    );
}

#[test]
fn summary_file_and_flags_together() {
    let test = with_key().file(
        "summary.toml",
        "what_happened = \"nginx down\"\ncause = \"from file\"\nresolution = \"restarted\"\nfollow_ups = [\"one\"]\n",
    );
    let mut test = test;
    finish(&mut test);
    test.again([
        "archive",
        IDS[0],
        "--summary",
        "summary.toml",
        "--cause",
        "from flag",
        "--follow-up",
        "two",
    ])
    .success();
    let summary = &record(&test, IDS[0])["summary"];
    assert_eq!(summary["what_happened"], "nginx down");
    assert_eq!(summary["cause"], "from flag");
    assert_eq!(summary["follow_ups"], serde_json::json!(["one", "two"]));
}

#[test]
fn a_summary_file_that_never_ends_is_refused_at_once() {
    let mut test = with_key();
    finish(&mut test);
    let fifo = test.work().join("summary.toml");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
    test.again_promptly(["archive", IDS[0], "--summary", "summary.toml"])
        .status(2)
        .stderr_contains("cannot read the summary file summary.toml: is a named pipe");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn at_a_terminal_archive_asks_for_the_summary() {
    use rexpect::process::WaitStatus;
    let mut test = with_key().env("RUNBOOK_NOW", NOW);
    finish(&mut test);
    let mut p = test.pty(["archive", IDS[0]]);
    let mut step = |wait: &str, send: &str| {
        if let Err(error) = p.exp_string(wait) {
            panic!("waiting for {wait:?}: {error}");
        }
        p.send(send).unwrap();
        p.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(60));
    };
    // "What happened" comes drafted from the timeline: Enter keeps it.
    step("What happened", "\r");
    step("Cause", "disk full\r");
    step("How it was handled", "cleaned up\r");
    step("Follow-up", "rotate logs\r");
    step("Follow-up", "\r");
    p.exp_string("on time: due 2026-11-29T09:00:00Z").unwrap();
    p.exp_eof().unwrap();
    assert!(matches!(p.process().wait().unwrap(), WaitStatus::Exited(_, 0)));
    let summary = &record(&test, IDS[0])["summary"];
    assert_eq!(summary["cause"], "disk full");
    assert_eq!(summary["resolution"], "cleaned up");
    assert_eq!(summary["follow_ups"], serde_json::json!(["rotate logs"]));
    assert!(
        summary["what_happened"]
            .as_str()
            .unwrap()
            .starts_with("Followed runbook \"Fixed\" (fixed) from 2026-11-28 09:00 UTC"),
        "{}",
        summary["what_happened"]
    );
}

#[test]
fn a_passphrase_protected_key_needs_its_passphrase() {
    let mut test = Test::new().runbook("fixed", FIXED);
    let dir = test.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let made = test
        .tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "correct horse", "-C", "ops", "-f"])
        .arg(dir.join("signing_key"))
        .status()
        .unwrap();
    assert!(made.success());
    let secret = test.work().join("passphrase");
    std::fs::write(&secret, "correct horse\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    finish(&mut test);
    test.again(["archive", IDS[0], "--cause", "c", "--resolution", "r"])
        .status(2)
        .stderr_contains("encrypted");
    assert!(!record_path(&test, IDS[0]).exists());
    test.again([
        "archive",
        IDS[0],
        "--cause",
        "c",
        "--resolution",
        "r",
        "--passphrase-file",
        "passphrase",
    ])
    .success();
    assert!(sig_path(&test, IDS[0]).is_file());
}

#[test]
fn a_clock_before_the_incidents_end_archives_nothing() {
    let mut test = with_key();
    finish(&mut test);
    let mut early = test.env("RUNBOOK_NOW", "2025-01-01T00:00:00Z");
    early
        .archive(IDS[0])
        .status(2)
        .stderr_contains(&format!(
            "nothing archived: the clock says 2025-01-01T00:00:00Z, before {} ended (2026-11-28T09:00:00Z)",
            IDS[0]
        ))
        .stderr_contains("check this host's clock");
    assert!(!early.data().join("archive/2025").exists());
    assert!(!early.data().join("archive/index.jsonl").exists());
}

#[test]
fn a_mirror_is_verified_without_another_hosts_journal_of_the_same_id() {
    let mut here = with_key();
    finish(&mut here);
    here.archive(IDS[0]).success();
    // Another host, with its own INC-…-0001, started an hour later.
    let mut there = Test::new()
        .runbook("fixed", FIXED)
        .env("RUNBOOK_NOW", "2026-11-28T10:00:00Z");
    there.again(["start", "fixed"]).status(3);
    let signers = here.config_dir().join("allowed_signers");
    let mirror = here.data().join("archive");
    let args = |id: Option<&str>| {
        let mut args = vec![
            "verify".to_owned(),
            "--archive".to_owned(),
            mirror.display().to_string(),
        ];
        args.extend(["--allowed-signers".to_owned(), signers.display().to_string()]);
        args.push(id.map_or("--all".to_owned(), str::to_owned));
        args
    };
    there
        .again(args(None))
        .success()
        .stdout_contains(&format!("ok {}", IDS[0]))
        .stdout_contains("is of another incident of that id; not compared")
        .stdout_contains("verified 1 records: 0 failed");
    // At home, the journal is the record's and is compared.
    here.again(args(Some(IDS[0])))
        .success()
        .stdout_lacks("not compared");
}

#[test]
fn once_archived_an_incident_is_no_longer_overdue() {
    let mut test = with_key();
    finish(&mut test);
    test.again(["check", "--as-of", TWO_DAYS_LATER])
        .status(1)
        .stdout_contains("archive-overdue");
    let mut late = test.env("RUNBOOK_NOW", TWO_DAYS_LATER);
    late.archive(IDS[0]).success();
    late.again(["check"]).success().stdout_lacks("archive-overdue");
    late.again(["incidents"]).success().stdout_contains("archived");
}

#[test]
fn an_archived_incident_is_not_overdue_while_its_index_line_is_lost() {
    let mut test = with_key();
    finish(&mut test);
    test.archive(IDS[0]).success();
    std::fs::remove_file(test.data().join("archive/index.jsonl")).unwrap();
    test.again(["check", "--as-of", TWO_DAYS_LATER])
        .success()
        .stdout_lacks("archive-overdue");
    let mut late = test.env("RUNBOOK_NOW", TWO_DAYS_LATER);
    late.again(["incidents"]).success().stdout_contains("archived");
}

#[test]
fn the_config_can_point_at_an_existing_passphrase_protected_key() {
    let test = Test::new().runbook("fixed", FIXED);
    let keys = test.work().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let made = test
        .tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "correct horse", "-C", "ops", "-f"])
        .arg(keys.join("id_ed25519"))
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(keys.join("id_ed25519.pub")).unwrap();
    let public = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(
        keys.join("signers"),
        format!("ops namespaces=\"runbook-incident\" {public}\n"),
    )
    .unwrap();
    std::fs::write(keys.join("passphrase"), "correct horse\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(keys.join("passphrase"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = format!(
        "signing_key = {:?}\nsigning_passphrase_file = {:?}\nallowed_signers = {:?}\n",
        keys.join("id_ed25519").display().to_string(),
        keys.join("passphrase").display().to_string(),
        keys.join("signers").display().to_string()
    );
    let mut test = test.config(&config);
    finish(&mut test);
    test.archive(IDS[0]).success();
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("verified 1 record");
}

#[test]
fn an_archived_id_is_not_handed_out_again_once_its_incident_directory_is_removed() {
    let mut test = with_key();
    finish(&mut test);
    test.archive(IDS[0]).success();
    // Housekeeping: the incident is filed, its working directory removed.
    std::fs::remove_dir_all(test.data().join("incidents").join(IDS[0])).unwrap();
    finish(&mut test);
    assert!(test.data().join("incidents").join(IDS[1]).is_dir());
    test.archive(IDS[1]).success();
    test.again(["verify", "--all"]).success();
}

/// The index is a listing; the record files are the truth. With the index
/// lost, emptied or missing its last lines, its last line is not the last
/// record, and a record chained to it would fork the chain for good.
#[test]
fn archive_refuses_to_chain_to_an_index_behind_the_records() {
    const FOURTH: &str = "INC-20261128-0004";
    let index_path = |test: &Test| test.data().join("archive/index.jsonl");
    // What the index is cut to: nothing at all, no lines, its first two.
    let damages = [
        ("is missing", None),
        ("does not list 3 of the archive's record files", Some(0)),
        ("does not list 1 of the archive's record files", Some(2)),
    ];
    for (said, kept) in damages {
        let mut test = three_archived();
        let lines = index_lines(&test);
        match kept {
            None => std::fs::remove_file(index_path(&test)).unwrap(),
            Some(kept) => {
                let text: String = lines[..kept].iter().map(|line| format!("{line}\n")).collect();
                std::fs::write(index_path(&test), text).unwrap();
            }
        }
        finish(&mut test);
        test.archive(FOURTH)
            .status(2)
            .stderr_contains("nothing archived: ")
            .stderr_contains(&format!("index.jsonl {said}"))
            .stderr_contains(&format!("2026/11/{}.json", IDS[2]))
            .stderr_contains("runbook records --reindex");
        assert!(!record_path(&test, FOURTH).exists(), "{said}");
        assert!(!test.data().join("archive/pending").exists(), "{said}");

        test.again(["records", "--reindex"]).success();
        test.archive(FOURTH).success();
        let third: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(
            record(&test, FOURTH)["previous_record"],
            third["sha256"],
            "{said}"
        );
        test.again(["verify", "--all"])
            .success()
            .stdout_contains("verified 4 records: 0 failed");
    }
}

/// A `pending` left by a crash after its index line was written names a
/// record already listed, not always on the last line: recovery only
/// removes it, and never lists the record twice.
#[test]
fn a_stale_pending_for_an_indexed_record_is_only_removed() {
    const FOURTH: &str = "INC-20261128-0004";
    let mut test = three_archived();
    let lines = index_lines(&test);
    let pending = test.data().join("archive/pending");
    std::fs::write(&pending, format!("{}\n", lines[0])).unwrap();
    finish(&mut test);
    test.archive(FOURTH)
        .success()
        .stderr_contains(&format!(
            "archive: removed a stale pending: {} is already in the index (line 1)",
            IDS[0]
        ))
        .stderr_lacks("finished archiving");
    assert!(!pending.exists());
    let after = index_lines(&test);
    assert_eq!(after[..3], lines[..]);
    assert_eq!(after.len(), 4);
    let third: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    assert_eq!(record(&test, FOURTH)["previous_record"], third["sha256"]);
    assert!(record_path(&test, IDS[0]).is_file());
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("verified 4 records: 0 failed");
}

/// A failure before the index line is written takes `pending` back: the
/// next archive has no crash to put right.
#[test]
fn a_failed_archive_leaves_no_pending() {
    const FOURTH: &str = "INC-20261128-0004";
    let mut test = three_archived();
    let month = test.data().join("archive/2026/11");
    let pending = test.data().join("archive/pending");
    finish(&mut test);

    // The record's temporary file cannot be created (a directory in the
    // way fails even for root, which a read-only directory does not).
    let temp = month.join(format!(".{FOURTH}.json.tmp"));
    std::fs::create_dir(&temp).unwrap();
    test.archive(FOURTH)
        .status(1)
        .stderr_contains(&format!("cannot create {}", temp.display()));
    assert!(!pending.exists());
    assert!(!record_path(&test, FOURTH).exists());
    std::fs::remove_dir(&temp).unwrap();

    // Something already in the signature's place: refused as already archived.
    std::os::unix::fs::symlink("nowhere", sig_path(&test, FOURTH)).unwrap();
    test.archive(FOURTH)
        .status(2)
        .stderr_contains(&format!("{FOURTH} is already archived"));
    assert!(!pending.exists());
    assert!(!record_path(&test, FOURTH).exists());
    std::fs::remove_file(sig_path(&test, FOURTH)).unwrap();

    test.archive(FOURTH).success().stderr_lacks("crash");
    assert_eq!(index_lines(&test).len(), 4);
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("verified 4 records: 0 failed");
}

/// A torn last index line with no `pending` to explain it: archive says
/// what to do about it.
#[test]
fn a_torn_last_index_line_points_at_reindex() {
    let mut test = three_archived();
    let index = test.data().join("archive/index.jsonl");
    let whole = std::fs::read(&index).unwrap();
    std::fs::write(&index, &whole[..whole.len() - 30]).unwrap();
    finish(&mut test);
    test.archive("INC-20261128-0004")
        .status(2)
        .stderr_contains("index.jsonl line 3: the last line is cut short")
        .stderr_contains("hint: run `runbook records --reindex`");
    test.again(["records", "--reindex"]).success();
    test.archive("INC-20261128-0004").success();
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("verified 4 records: 0 failed");
}

/// Rebuilding the index after a record file was deleted keeps the old
/// index's word for it: verify still names the missing incident, and the
/// chain through it holds.
#[test]
fn reindex_keeps_the_line_of_a_deleted_record_file() {
    let mut test = three_archived();
    let lines = index_lines(&test);
    std::fs::remove_file(record_path(&test, IDS[1])).unwrap();
    test.again(["records", "--reindex"])
        .status(1)
        .stderr_contains("from 2 record files and 1 line(s) of the old index")
        .stderr_contains(&format!("warning: {}: its record file", IDS[1]))
        .stderr_contains("is gone");
    assert_eq!(index_lines(&test), lines);
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: missing: the record file is missing", IDS[1]))
        .stdout_contains(&format!("ok {}", IDS[2]))
        .stdout_contains("verified 3 records: 1 failed");
}

/// `archive` with the config's `signing_key` set to a key that the
/// allowed_signers file `verify` reads does not list: the record is
/// archived, and a warning names the key and the line that trusts it.
#[test]
fn archive_warns_when_verify_would_not_trust_the_signing_key() {
    let test = with_key();
    let second = test.work().join("second");
    let made = test
        .tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "second@example.com", "-f"])
        .arg(&second)
        .status()
        .unwrap();
    assert!(made.success());
    let fingerprint = test.tool("ssh-keygen").arg("-lf").arg(&second).output().unwrap();
    let fingerprint = String::from_utf8_lossy(&fingerprint.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    let public = std::fs::read_to_string(test.work().join("second.pub")).unwrap();
    let public = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let line = format!("second@example.com namespaces=\"runbook-incident\" {public}");
    let allowed_signers = test.config_dir().join("allowed_signers");
    let mut test = test.config(&format!("signing_key = {:?}\n", second.display().to_string()));

    finish(&mut test);
    test.archive(IDS[0])
        .success()
        .stderr_contains(&format!(
            "warning: {} is archived, but `runbook verify` will not accept its signature: \
             unknown signer: key {fingerprint} is not in {}",
            IDS[0],
            allowed_signers.display()
        ))
        .stderr_contains(&format!(
            "hint: to trust the signing key {fingerprint}, add this line to {}",
            allowed_signers.display()
        ))
        .stderr_contains(&format!("\n  {line}\n"));
    test.again(["verify", IDS[0]]).status(1);

    // The line it gives is what makes verify accept the record.
    let mut trusted = std::fs::read_to_string(&allowed_signers).unwrap();
    trusted.push_str(&format!("{line}\n"));
    std::fs::write(&allowed_signers, trusted).unwrap();
    test.again(["verify", IDS[0]]).success();
    finish(&mut test);
    test.archive(IDS[1]).success().stderr_lacks("warning");

    // No allowed_signers file at all: said too, the record still archived.
    std::fs::remove_file(&allowed_signers).unwrap();
    finish(&mut test);
    test.archive(IDS[2])
        .success()
        .stderr_contains(&format!(
            "will not accept its signature: there is no allowed signers file {}",
            allowed_signers.display()
        ))
        .stderr_contains(&format!(
            "{fingerprint}, create {} with this line",
            allowed_signers.display()
        ))
        .stderr_contains(&format!("\n  {line}\n"));
}

/// OpenSSH allows `cert-authority` in allowed_signers; runbook does not
/// support certificate authorities, and says that, naming the file and
/// line, rather than calling the next option a key type.
#[test]
fn a_certificate_authority_in_allowed_signers_is_said_to_be_unsupported() {
    let mut test = with_key();
    finish(&mut test);
    test.archive(IDS[0]).success();
    let allowed_signers = test.config_dir().join("allowed_signers");
    let trusted = std::fs::read_to_string(&allowed_signers).unwrap();
    let key = trusted.split_whitespace().skip(2).collect::<Vec<_>>().join(" ");
    let signers = test.work().join("signers");
    std::fs::write(
        &signers,
        format!("# CAs\nops cert-authority namespaces=\"runbook-incident\" {key}\n"),
    )
    .unwrap();
    test.again(["verify", IDS[0], "--allowed-signers", "signers"])
        .status(1)
        .stderr_contains(&format!(
            "note: {}:2: cert-authority: runbook does not support certificate authorities",
            signers.file_name().unwrap().to_string_lossy()
        ))
        .stderr_contains("(options are separated by commas, without blanks)")
        .stdout_contains(&format!("FAILED {}: signature: unknown signer", IDS[0]));
}
