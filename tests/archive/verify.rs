//! `runbook verify` through the binary: the tamper matrix it must catch in
//! records, signatures, the index and its chain, and kept journals.

use super::*;

#[test]
fn records_chain_and_verify_all_passes() {
    let mut test = three_archived();
    let index = index_lines(&test);
    assert_eq!(index.len(), 3);
    for n in 1..3 {
        let before: serde_json::Value = serde_json::from_str(&index[n - 1]).unwrap();
        assert_eq!(record(&test, IDS[n])["previous_record"], before["sha256"]);
    }
    test.again(["verify", "--all"])
        .success()
        .stdout_contains(&format!("ok {} (signed by ops, SHA256:", IDS[0]))
        .stdout_contains("verified 3 records: 0 failed");
    test.again(["verify", IDS[1]])
        .success()
        .stdout_contains("verified 1 records: 0 failed");
    // A mirror's copy verifies the same way.
    let mirror = test.work().join("mirror");
    copy_dir(&test.data().join("archive"), &mirror);
    test.again(["verify", "--all", "--archive", mirror.to_str().unwrap()])
        .success()
        .stdout_contains("verified 3 records: 0 failed");
}

/// An auditor who mistypes a mirror's path must not get a pass.
#[test]
fn verify_refuses_an_archive_directory_that_is_not_an_archive() {
    let mut test = three_archived();
    let elsewhere = test.work().join("elsewhere");
    std::fs::create_dir_all(elsewhere.join("notes")).unwrap();
    std::fs::write(elsewhere.join("readme.txt"), "not an archive\n").unwrap();
    let elsewhere = elsewhere.to_str().unwrap();
    test.again(["verify", "--all", "--archive", elsewhere])
        .status(2)
        .stderr_contains(&format!(
            "--archive {elsewhere}: not an archive: it has no index.jsonl"
        ))
        .stdout_lacks("verified");
    test.again(["verify", IDS[0], "--archive", elsewhere]).status(2);
}

#[test]
fn openssh_accepts_our_signatures_and_we_accept_openssh_ones() {
    let mut test = three_archived();
    assert!(ssh_keygen_verify(&test, IDS[0], "runbook-incident"));
    assert!(!ssh_keygen_verify(&test, IDS[0], "git"));
    ssh_keygen_sign(&test, IDS[1], "runbook-incident");
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("verified 3 records: 0 failed");
    // Signed for another purpose: refused.
    ssh_keygen_sign(&test, IDS[1], "file");
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: signature", IDS[1]))
        .stdout_contains("verified 3 records: 1 failed");
}

#[test]
fn an_unknown_signer_is_refused() {
    let mut test = three_archived();
    let other = test.work().join("other");
    let made = test
        .tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "x", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(test.work().join("other.pub")).unwrap();
    let public = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(
        test.work().join("signers"),
        format!("ops namespaces=\"runbook-incident\" {public}\n"),
    )
    .unwrap();
    test.again(["verify", "--all", "--allowed-signers", "signers"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: signature", IDS[0]))
        .stdout_contains("verified 3 records: 3 failed");
}

#[test]
fn a_flipped_byte_in_a_record_is_caught() {
    let mut test = three_archived();
    tamper(&record_path(&test, IDS[1]), |bytes| {
        let at = bytes.windows(9).position(|w| w == b"disk full").unwrap();
        bytes[at] = b'D';
    });
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: digest: the record's SHA-256 is", IDS[1]))
        .stdout_contains(&format!("FAILED {}: signature", IDS[1]))
        .stdout_contains(&format!("ok {}", IDS[0]))
        .stdout_contains(&format!("ok {}", IDS[2]))
        .stdout_contains("verified 3 records: 1 failed");
}

#[test]
fn a_flipped_byte_in_a_signature_is_caught() {
    let mut test = three_archived();
    tamper(&sig_path(&test, IDS[2]), |bytes| {
        // Inside the base64 body, well past the header line.
        let at = bytes.len() / 2;
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    });
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: signature", IDS[2]))
        .stdout_contains("verified 3 records: 1 failed");
}

#[test]
fn a_deleted_record_file_is_caught() {
    let mut test = three_archived();
    std::fs::remove_file(record_path(&test, IDS[1])).unwrap();
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: missing: the record file is missing", IDS[1]))
        .stdout_contains("verified 3 records: 1 failed");
}

#[test]
fn a_record_deleted_with_its_index_line_breaks_the_chain() {
    let mut test = three_archived();
    std::fs::remove_file(record_path(&test, IDS[1])).unwrap();
    std::fs::remove_file(sig_path(&test, IDS[1])).unwrap();
    let index = index_lines(&test);
    std::fs::write(
        test.data().join("archive/index.jsonl"),
        format!("{}\n{}\n", index[0], index[2]),
    )
    .unwrap();
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: chain: it names", IDS[2]))
        .stdout_contains(&format!("but the index puts {} before it", IDS[0]))
        .stdout_contains("verified 2 records: 1 failed");
}

#[test]
fn swapped_index_lines_break_the_chain() {
    let mut test = three_archived();
    let index = index_lines(&test);
    std::fs::write(
        test.data().join("archive/index.jsonl"),
        format!("{}\n{}\n{}\n", index[0], index[2], index[1]),
    )
    .unwrap();
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: chain: it names {}", IDS[2], IDS[1]))
        .stdout_contains(&format!("FAILED {}: chain: it names {}", IDS[1], IDS[0]))
        .stdout_contains("verified 3 records: 2 failed");
}

#[test]
fn verify_refuses_what_is_not_an_incident_id() {
    let mut test = three_archived();
    test.again(["verify", IDS[0], "../x"])
        .status(2)
        .stderr_contains("`../x` is not an incident id")
        .stdout_lacks("verified");
}

#[test]
fn a_fifo_in_place_of_a_signature_is_refused_not_waited_on() {
    let mut test = three_archived();
    let sig = sig_path(&test, IDS[1]);
    std::fs::remove_file(&sig).unwrap();
    rustix::fs::mkfifoat(rustix::fs::CWD, &sig, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
    test.again_promptly(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!(
            "FAILED {}: signature: cannot read the signature {}: ",
            IDS[1],
            sig.display()
        ))
        .stdout_contains("is not a regular file");
    test.again_promptly(["report", IDS[1]])
        .status(1)
        .stderr_contains("NOT VERIFIED: cannot read the signature");
}

#[test]
fn a_record_missing_from_the_index_is_caught() {
    let mut test = three_archived();
    let index = index_lines(&test);
    std::fs::write(
        test.data().join("archive/index.jsonl"),
        format!("{}\n{}\n", index[0], index[1]),
    )
    .unwrap();
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: index: the record file", IDS[2]))
        .stdout_contains("is not in the index");
    test.again(["verify", IDS[2]])
        .status(1)
        .stdout_contains(&format!("FAILED {}: index:", IDS[2]));
}

#[test]
fn an_index_line_reformatted_by_hand_still_names_its_record() {
    let mut test = three_archived();
    let mut index = index_lines(&test);
    index[1] = index[1].replace(",\"", ", \"").replace("{", "{ ");
    std::fs::write(test.data().join("archive/index.jsonl"), index.join("\n") + "\n").unwrap();
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("verified 3 records: 0 failed");
    // Still archived: not reported overdue days later.
    test.again(["check", "--as-of", TWO_DAYS_LATER])
        .success()
        .stdout_lacks("archive-overdue");
    test.again(["report", IDS[1]]).success().stdout_lacks("DRAFT");
}

#[test]
fn an_index_line_that_differs_from_its_record_is_caught() {
    let mut test = three_archived();
    let mut index = index_lines(&test);
    let mut line: serde_json::Value = serde_json::from_str(&index[1]).unwrap();
    line["severity"] = "sev3".into();
    line["on_time"] = false.into();
    index[1] = line.to_string();
    std::fs::write(test.data().join("archive/index.jsonl"), index.join("\n") + "\n").unwrap();
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!(
            "FAILED {}: index: the index line does not match the record: on_time is false in the index, \
             true in the record; severity is \"sev3\" in the index, \"sev2\" in the record",
            IDS[1]
        ))
        .stdout_contains("records --reindex")
        .stdout_contains("verified 3 records: 1 failed");
    test.again(["records", "--reindex"]).success();
    test.again(["verify", "--all"]).success();
}

#[test]
fn an_edited_journal_no_longer_matches_its_record() {
    let mut test = three_archived();
    // A note after archiving is fine: the record covers the journal up to its head.
    test.again(["note", IDS[0], "looked again later"])
        .success()
        .stderr_contains(&format!(
            "warning: {} is archived already: the note is in its journal",
            IDS[0]
        ));
    test.again(["start", "fixed"]).status(3);
    test.again(["note", "INC-20261128-0004", "not archived: no warning"])
        .success()
        .stderr_lacks("archived already");
    test.again(["verify", IDS[0]])
        .success()
        .stdout_contains("1 event(s) were journaled after");
    let journal = test.data().join("incidents").join(IDS[1]).join("journal.jsonl");
    tamper(&journal, |bytes| {
        let at = bytes.windows(5).position(|w| w == b"fixed").unwrap();
        bytes[at] = b'F';
    });
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: journal:", IDS[1]))
        .stdout_contains("verified 3 records: 1 failed");

    // Bytes that are no event, after the last one: not a late note.
    let journal = test.data().join("incidents").join(IDS[2]).join("journal.jsonl");
    tamper(&journal, |bytes| {
        bytes.extend_from_slice(b"{\"seq\":99,\"garbage\"")
    });
    test.again(["verify", IDS[2]])
        .status(1)
        .stdout_contains(&format!("FAILED {}: journal:", IDS[2]))
        .stdout_contains("that are not an event");
}

#[test]
fn a_kept_journal_cut_short_or_without_its_head_is_reported_by_verify() {
    let mut test = three_archived();
    test.again(["note", IDS[0], "looked again later"]).success();
    let journal = test.data().join("incidents").join(IDS[0]).join("journal.jsonl");
    let whole = std::fs::read(&journal).unwrap();
    let events = whole.iter().filter(|&&b| b == b'\n').count();
    // The late note cut off: the record still matches, the head does not.
    let body = &whole[..whole.len() - 1];
    let cut = &body[..body.iter().rposition(|&b| b == b'\n').unwrap() + 1];
    std::fs::write(&journal, cut).unwrap();
    test.again(["verify", IDS[0]])
        .status(1)
        .stdout_contains(&format!("FAILED {}: journal:", IDS[0]))
        .stdout_contains(&format!(
            "ends at event {}, but {} says event {events} was on disk: event {events} was cut off its end",
            events - 1,
            journal.with_file_name("journal.head").display()
        ));
    std::fs::write(&journal, &whole).unwrap();
    test.again(["verify", IDS[0]])
        .success()
        .stdout_lacks("journal.head");
    // A journal from before heads were kept: noted, not failed.
    std::fs::remove_file(journal.with_file_name("journal.head")).unwrap();
    test.again(["verify", IDS[0]]).success().stdout_contains(&format!(
        "the journal of {} has no journal.head (it was written before runbook kept one, or it was removed)",
        IDS[0]
    ));
}

/// Edits the journal's lines (`change` gets each with its number, from 1)
/// and makes every line's `prev` and `hash` again, as someone who edits a
/// journal and recomputes its chain would; `journal.head` goes, so that
/// only the signed record is left to tell.
fn rechain(journal: &Path, change: impl Fn(usize, &mut String)) {
    let text = String::from_utf8(std::fs::read(journal).unwrap()).unwrap();
    let mut prev = "0".repeat(64);
    let mut out = String::new();
    for (number, line) in text.lines().enumerate() {
        let mut line = line.to_owned();
        change(number + 1, &mut line);
        let (body, _) = line.rsplit_once(",\"hash\":\"").unwrap();
        let at = body.rfind("\"prev\":\"").unwrap() + "\"prev\":\"".len();
        let body = format!("{}{prev}{}", &body[..at], &body[at + 64..]);
        let hash = sha256(format!("{body}}}").as_bytes());
        out.push_str(&format!("{body},\"hash\":\"{hash}\"}}\n"));
        prev = hash;
    }
    std::fs::write(journal, out).unwrap();
    std::fs::remove_file(journal.with_file_name("journal.head")).unwrap();
}

#[test]
fn a_kept_journal_edited_and_chained_again_is_still_caught() {
    let mut test = three_archived();
    // A payload edited inside what the record covers, and the chain made
    // again after it: every line verifies, the record's head does not.
    let journal = test.data().join("incidents").join(IDS[1]).join("journal.jsonl");
    rechain(&journal, |number, line| {
        if number == 2 {
            *line = line.replacen("\"payload\":{", "\"payload\":{\"edited\":true,", 1);
        }
    });
    test.again(["verify", IDS[1]])
        .status(1)
        .stdout_contains(&format!("FAILED {}: journal: event ", IDS[1]))
        .stdout_contains(" of the kept journal has hash ");

    // A late note whose payload is no note, chained as the writer would:
    // what the record does not cover is read whole, and refused.
    test.again(["note", IDS[0], "looked again later"]).success();
    let journal = test.data().join("incidents").join(IDS[0]).join("journal.jsonl");
    let events = std::fs::read_to_string(&journal).unwrap().lines().count();
    rechain(&journal, |number, line| {
        if number == events {
            *line = line.replacen("\"text\":", "\"txet\":", 1);
        }
    });
    test.again(["verify", IDS[0]])
        .status(1)
        .stdout_contains(&format!("FAILED {}: journal: journal ", IDS[0]))
        .stdout_contains(&format!("line {events}: not a journal event"));
    // Both pass once put back as they were.
    test.again(["verify", IDS[2]]).success();
}
