use super::*;
use crate::model::Outcome;
use crate::record::canonical::{Deadline, FORMAT, JournalRef, RunbookRef, Summary};
use std::os::unix::fs::PermissionsExt;

fn record(id: &str, minute: u32, previous: Option<String>) -> Record {
    let time = |m: u32| -> DateTime<Utc> { format!("2026-11-28T10:{m:02}:00Z").parse().unwrap() };
    Record {
        format: FORMAT.into(),
        incident: id.into(),
        drill: false,
        runbook: RunbookRef {
            id: "web".into(),
            title: "Web".into(),
            version: None,
            digest: "d".repeat(64),
            source: "web.toml".into(),
        },
        severity: "sev2".into(),
        severity_history: Vec::new(),
        operators: vec!["ops@web1".into()],
        vars: BTreeMap::new(),
        started: time(0),
        ended: time(1),
        archived: time(minute),
        duration_s: 60,
        outcome: Outcome::Resolved,
        end_step: Some("done".into()),
        abort_reason: None,
        deadline: Deadline {
            within_s: 86_400,
            due: time(1) + chrono::TimeDelta::days(1),
            on_time: true,
            late_s: 0,
        },
        milestones: Vec::new(),
        timeline: Vec::new(),
        commands: Vec::new(),
        notifications: Vec::new(),
        escalations: Vec::new(),
        attachments: Vec::new(),
        notes: Vec::new(),
        summary: Summary::default(),
        journal: JournalRef {
            head: "h".repeat(64),
            events: 3,
        },
        previous_record: previous,
    }
}

/// Archives three records chained as `archive` does.
fn three(archive: &Archive) -> Vec<Stored> {
    let mut stored = Vec::new();
    for (n, id) in ["INC-20261128-0001", "INC-20261128-0002", "INC-20261128-0003"]
        .iter()
        .enumerate()
    {
        let lock = archive.lock().unwrap();
        let previous = archive.tip().unwrap().map(|e| e.sha256);
        let record = record(id, 10 + n as u32, previous);
        let bytes = record.to_bytes().unwrap();
        stored.push(archive.store(&lock, &record, &bytes, "SIG\n").unwrap());
    }
    stored
}

/// Where the last line of a whole index starts.
fn last_line_start(index: &[u8]) -> usize {
    index[..index.len() - 1]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1)
}

#[test]
fn the_tip_is_refused_while_the_index_is_behind_or_lists_a_record_twice() {
    let root = tempfile::tempdir().unwrap();
    let archive = Archive::new(root.path().join("archive"));
    assert_eq!(archive.tip().unwrap(), None, "an empty archive");
    let stored = three(&archive);
    assert_eq!(archive.tip().unwrap(), Some(stored[2].entry.clone()));

    let index = archive.index_path();
    let whole = fs::read(&index).unwrap();
    let last = last_line_start(&whole);
    fs::write(&index, &whole[..last]).unwrap();
    match archive.tip().unwrap_err() {
        ArchiveError::Unindexed { missing, files, .. } => {
            assert!(!missing);
            assert_eq!(files, [stored[2].entry.relative_path()]);
        }
        error => panic!("{error}"),
    }
    fs::remove_file(&index).unwrap();
    assert!(matches!(
        archive.tip().unwrap_err(),
        ArchiveError::Unindexed { missing: true, ref files, .. } if files.len() == 3
    ));

    fs::write(&index, &whole[..whole.len() - 1]).unwrap();
    let error = archive.tip().unwrap_err().to_string();
    assert!(
        error.ends_with("line 3: the last line is cut short (a crash while writing?)"),
        "{error}"
    );
    fs::write(&index, [&whole[..], &whole[last..]].concat()).unwrap();
    let error = archive.tip().unwrap_err().to_string();
    assert!(
        error.ends_with("line 4: INC-20261128-0003 is listed again (first on line 3)"),
        "{error}"
    );
}

fn problems(archive: &Archive) -> Vec<(String, ProblemKind)> {
    let mut found = Vec::new();
    archive
        .audit(
            &|_| true,
            true,
            &|_| (),
            |audit, ()| {
                found.extend(audit.problems.into_iter().map(|p| (audit.id.clone(), p.kind)));
                Ok::<(), ArchiveError>(())
            },
            &crate::model::Lang::english(),
        )
        .unwrap();
    found
}

#[test]
fn stores_chains_and_refuses_twice() {
    let root = tempfile::tempdir().unwrap();
    let archive = Archive::new(root.path().join("archive"));
    let stored = three(&archive);
    let path = &stored[0].path;
    assert!(
        path.ends_with("2026/11/INC-20261128-0001.json"),
        "{}",
        path.display()
    );
    let mode = fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o444);
    assert_eq!(fs::read_to_string(&stored[0].sig_path).unwrap(), "SIG\n");
    let entries: Vec<IndexEntry> = archive.entries().unwrap().map(|e| e.unwrap().1).collect();
    assert_eq!(entries.len(), 3);
    assert_eq!(archive.tip().unwrap().unwrap(), entries[2]);
    let second = Record::from_bytes(&fs::read(&stored[1].path).unwrap()).unwrap();
    assert_eq!(
        second.previous_record.as_deref(),
        Some(entries[0].sha256.as_str())
    );
    assert!(problems(&archive).is_empty());

    let lock = archive.lock().unwrap();
    let again = record("INC-20261128-0002", 30, None);
    let error = archive
        .store(&lock, &again, &again.to_bytes().unwrap(), "SIG\n")
        .unwrap_err();
    assert!(matches!(error, ArchiveError::AlreadyArchived { .. }), "{error}");
}

#[test]
fn audit_finds_deleted_swapped_and_unindexed_records() {
    let root = tempfile::tempdir().unwrap();
    let archive = Archive::new(root.path().join("archive"));
    let stored = three(&archive);
    let index = archive.index_path();
    let original = fs::read_to_string(&index).unwrap();
    let lines: Vec<&str> = original.lines().collect();

    // Two lines swapped: both records' chains are wrong.
    fs::write(&index, format!("{}\n{}\n{}\n", lines[0], lines[2], lines[1])).unwrap();
    let found = problems(&archive);
    assert!(
        found.contains(&("INC-20261128-0003".into(), ProblemKind::Chain)),
        "{found:?}"
    );
    assert!(
        found.contains(&("INC-20261128-0002".into(), ProblemKind::Chain)),
        "{found:?}"
    );

    // A line and its file removed: the next record names a missing predecessor.
    fs::write(&index, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
    let found = problems(&archive);
    assert!(
        found.contains(&("INC-20261128-0003".into(), ProblemKind::Chain)),
        "{found:?}"
    );
    assert!(
        found.contains(&("INC-20261128-0002".into(), ProblemKind::Index)),
        "{found:?}"
    );

    // The file gone, the line kept.
    fs::write(&index, &original).unwrap();
    fs::remove_file(&stored[1].path).unwrap();
    assert_eq!(
        problems(&archive),
        [("INC-20261128-0002".into(), ProblemKind::Missing)]
    );
}

#[test]
fn reindex_rebuilds_the_chain_order() {
    let root = tempfile::tempdir().unwrap();
    let archive = Archive::new(root.path().join("archive"));
    three(&archive);
    let original = fs::read(archive.index_path()).unwrap();
    fs::remove_file(archive.index_path()).unwrap();
    let lock = archive.lock().unwrap();
    let done = archive.reindex(&lock).unwrap();
    assert_eq!((done.records, done.problems.len()), (3, 0), "{:?}", done.problems);
    assert_eq!(fs::read(archive.index_path()).unwrap(), original);
}

#[test]
fn a_crash_before_the_index_is_finished_on_the_next_lock() {
    let root = tempfile::tempdir().unwrap();
    let archive = Archive::new(root.path().join("archive"));
    three(&archive);
    let index = archive.index_path();
    let whole = fs::read(&index).unwrap();
    let last = last_line_start(&whole);
    // The last line half written, `pending` still there.
    fs::write(archive.dir().join(PENDING_FILE), &whole[last..]).unwrap();
    fs::write(&index, &whole[..last + 20]).unwrap();
    let lock = archive.lock().unwrap();
    assert!(
        lock.recovered
            .unwrap()
            .to_string()
            .starts_with("finished archiving INC-20261128-0003")
    );
    assert_eq!(fs::read(&index).unwrap(), whole);
    assert!(!archive.dir().join(PENDING_FILE).exists());
}

#[test]
fn a_crash_before_the_signature_is_undone_on_the_next_lock() {
    let root = tempfile::tempdir().unwrap();
    let archive = Archive::new(root.path().join("archive"));
    let stored = three(&archive);
    let index = archive.index_path();
    let whole = fs::read(&index).unwrap();
    let last = last_line_start(&whole);
    fs::write(archive.dir().join(PENDING_FILE), &whole[last..]).unwrap();
    fs::write(&index, &whole[..last]).unwrap();
    fs::remove_file(&stored[2].sig_path).unwrap();
    let lock = archive.lock().unwrap();
    assert!(lock.recovered.unwrap().to_string().contains("undid"));
    assert!(!stored[2].path.exists());
    assert_eq!(archive.entries().unwrap().count(), 2);
}
