use super::json::write_string;
use super::*;
use crate::model::{AnswerSource, Lang, StepResult};
use serde_json::json;

const RUNBOOK: &str = "schema = 1\n";

fn event(seq: u64, minute: u32, kind: EventKind) -> Event {
    Event {
        seq,
        time: format!("2026-11-28T09:{minute:02}:00Z").parse().unwrap(),
        actor: "ops@web1".into(),
        kind,
        queued: None,
        prev: format!("{:064}", seq - 1),
        hash: format!("{seq:064}"),
    }
}

fn events() -> Vec<Event> {
    vec![
        event(
            1,
            0,
            EventKind::IncidentStarted {
                incident: "INC-20261128-0001".into(),
                runbook: "web".into(),
                title: "Web down".into(),
                version: Some("2026.1".into()),
                digest: sha256_hex(RUNBOOK.as_bytes()),
                source: "runbooks/web.toml".into(),
                severity: "sev2".into(),
                vars: BTreeMap::from([("service".into(), "nginx".into())]),
                drill: false,
                speed: 1,
            },
        ),
        event(2, 1, EventKind::StepEntered { step: "look".into() }),
        event(
            3,
            2,
            EventKind::StepAnswered {
                step: "look".into(),
                answer: Answer::Result {
                    result: StepResult::Done,
                },
                source: AnswerSource::Script,
                note: None,
                question: None,
            },
        ),
        event(
            4,
            3,
            EventKind::SeverityChanged {
                from: "sev2".into(),
                to: "sev1".into(),
                reason: Some("spreading".into()),
            },
        ),
        event(
            5,
            4,
            EventKind::StepEntered {
                step: "restart".into(),
            },
        ),
        event(
            6,
            4,
            EventKind::CommandStarted {
                step: "restart".into(),
                command: "systemctl restart \"$SERVICE\"".into(),
                on: None,
            },
        ),
        event(
            7,
            5,
            EventKind::CommandFinished {
                step: "restart".into(),
                exit_code: Some(0),
                signal: None,
                duration_ms: 1234,
                timed_out: false,
                output: "ok\n".into(),
                output_bytes: 3,
                on: None,
            },
        ),
        event(
            8,
            6,
            EventKind::NotificationFailed {
                step: None,
                timer: Some("locate".into()),
                to: vec!["vendor".into()],
                via: "mail".into(),
                subject: "s".into(),
                message: "m".into(),
                error: "refused".into(),
            },
        ),
        event(
            9,
            7,
            EventKind::NoteAdded {
                text: "looks better".into(),
                step: Some("restart".into()),
            },
        ),
        event(
            10,
            8,
            EventKind::Ended {
                step: "done".into(),
                outcome: Outcome::Resolved,
            },
        ),
    ]
}

fn summary() -> Summary {
    Summary {
        what_happened: "web down".into(),
        cause: "disk full".into(),
        resolution: "cleaned /var/log".into(),
        follow_ups: vec!["alert on disk".into()],
    }
}

fn record(archived: &str) -> Record {
    let events = events();
    let incident = Incident::replay(&events).unwrap();
    build(
        &incident,
        &events,
        Some(RUNBOOK),
        &summary(),
        archived.parse().unwrap(),
        TimeDelta::days(1),
        None,
    )
    .unwrap()
}

#[test]
fn record_holds_what_the_plan_asks_for() {
    let record = record("2026-11-28T12:00:00Z");
    assert_eq!(record.format, FORMAT);
    assert_eq!(record.outcome, Outcome::Resolved);
    assert_eq!(record.end_step.as_deref(), Some("done"));
    assert_eq!(record.duration_s, 8 * 60);
    assert_eq!(record.severity, "sev1");
    assert_eq!(record.severity_history.len(), 2);
    assert_eq!(record.severity_history[1].reason.as_deref(), Some("spreading"));
    assert_eq!(record.timeline.len(), 10);
    assert_eq!(record.timeline[6].kind, "command-finished");
    assert_eq!(record.commands.len(), 1);
    let command = &record.commands[0];
    assert_eq!(
        (command.result.as_str(), command.exit_code, command.duration_ms),
        ("succeeded", Some(0), Some(1234))
    );
    assert_eq!(record.notifications[0].error.as_deref(), Some("refused"));
    assert_eq!(record.escalations[0].kind, "severity-changed");
    assert_eq!(record.notes[0].text, "looks better");
    assert_eq!(record.journal.events, 10);
    assert_eq!(record.journal.head, format!("{:064}", 10));
    assert!(record.deadline.on_time);
    assert_eq!(record.deadline.late_s, 0);
    assert_eq!(record.previous_record, None);
}

#[test]
fn commands_not_run_or_never_finished_are_evidence_too() {
    let mut events = events();
    let end = events.pop().unwrap();
    let mut more = |kind| {
        let seq = events.len() as u64 + 1;
        events.push(event(seq, 7, kind));
    };
    more(EventKind::CommandSkipped {
        step: "restore".into(),
        command: "restore-backup".into(),
        reason: "declined".into(),
        on: Vec::new(),
    });
    more(EventKind::CommandStarted {
        step: "verify".into(),
        command: "curl -f http://localhost/".into(),
        on: None,
    });
    more(end.kind);
    let incident = Incident::replay(&events).unwrap();
    let record = build(
        &incident,
        &events,
        Some(RUNBOOK),
        &summary(),
        "2026-11-28T12:00:00Z".parse().unwrap(),
        TimeDelta::days(1),
        Some(&"a".repeat(64)),
    )
    .unwrap();
    let results: Vec<(&str, &str)> = record
        .commands
        .iter()
        .map(|c| (c.step.as_str(), c.result.as_str()))
        .collect();
    assert_eq!(
        results,
        [
            ("restart", "succeeded"),
            ("restore", "skipped"),
            ("verify", "unfinished")
        ]
    );
    assert_eq!(record.commands[1].skipped.as_deref(), Some("declined"));
    assert_eq!(record.previous_record, Some("a".repeat(64)));
}

#[test]
fn results_of_commands_run_at_once_pair_with_their_host() {
    let mut events = events();
    let end = events.pop().unwrap();
    let mut more = |kind| {
        let seq = events.len() as u64 + 1;
        events.push(event(seq, 7, kind));
    };
    for on in ["web1", "web2"] {
        more(EventKind::CommandStarted {
            step: "verify".into(),
            command: "curl -f http://localhost/".into(),
            on: Some(on.into()),
        });
    }
    for (on, exit_code) in [("web2", 7), ("web1", 0)] {
        more(EventKind::CommandFinished {
            step: "verify".into(),
            exit_code: Some(exit_code),
            signal: None,
            duration_ms: 1,
            timed_out: false,
            output: format!("{on}\n"),
            output_bytes: 5,
            on: Some(on.into()),
        });
    }
    more(end.kind);
    let incident = Incident::replay(&events).unwrap();
    let record = build(
        &incident,
        &events,
        Some(RUNBOOK),
        &summary(),
        "2026-11-28T12:00:00Z".parse().unwrap(),
        TimeDelta::days(1),
        None,
    )
    .unwrap();
    let results: Vec<(Option<&str>, &str, &str)> = record.commands[1..]
        .iter()
        .map(|c| (c.on(), c.result.as_str(), c.output.as_str()))
        .collect();
    assert_eq!(
        results,
        [
            (Some("web1"), "succeeded", "web1\n"),
            (Some("web2"), "failed", "web2\n")
        ]
    );
}

#[test]
fn late_archive_says_how_late() {
    let record = record("2026-11-29T09:08:30Z");
    assert!(!record.deadline.on_time);
    assert_eq!(record.deadline.late_s, 30);
    assert_eq!(
        record.deadline.due,
        "2026-11-29T09:08:00Z".parse::<DateTime<Utc>>().unwrap()
    );
}

#[test]
fn open_incident_is_refused() {
    let events = events()[..5].to_vec();
    let incident = Incident::replay(&events).unwrap();
    let error = build(
        &incident,
        &events,
        Some(RUNBOOK),
        &summary(),
        "2026-11-28T12:00:00Z".parse().unwrap(),
        TimeDelta::days(1),
        None,
    )
    .unwrap_err();
    assert!(matches!(error, RecordError::Open { .. }), "{error}");
}

#[test]
fn a_runbook_other_than_the_one_started_with_is_refused() {
    let events = events();
    let incident = Incident::replay(&events).unwrap();
    let error = build(
        &incident,
        &events,
        Some("schema = 1\n# edited\n"),
        &summary(),
        "2026-11-28T12:00:00Z".parse().unwrap(),
        TimeDelta::days(1),
        None,
    )
    .unwrap_err();
    assert!(matches!(error, RecordError::Runbook { .. }), "{error}");
}

#[test]
fn bytes_round_trip_and_are_stable() {
    let record = record("2026-11-28T12:00:00Z");
    let bytes = record.to_bytes().unwrap();
    assert!(bytes.ends_with(b"}\n"));
    assert!(!bytes[..bytes.len() - 1].contains(&b'\n'));
    assert_eq!(Record::from_bytes(&bytes).unwrap(), record);
    assert_eq!(record.to_bytes().unwrap(), bytes);
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.starts_with(r#"{"abort_reason":null,"archived":"2026-11-28T12:00:00Z","#),
        "{text}"
    );
}

#[test]
fn a_draft_is_not_read_as_a_record() {
    let mut draft = record("2026-11-28T12:00:00Z");
    draft.format = DRAFT_FORMAT.to_owned();
    let error = Record::from_bytes(&draft.to_bytes().unwrap()).unwrap_err();
    assert!(error.to_string().contains(DRAFT_FORMAT), "{error}");
}

#[test]
fn canonical_form_is_exact() {
    let value = json!({"b": [1, -2, {"z": null, "a": true}], "a": "é\"\\\n\u{1}\u{7f}/", "": 0});
    assert_eq!(
        String::from_utf8(canonical_bytes(&value).unwrap()).unwrap(),
        "{\"\":0,\"a\":\"é\\\"\\\\\\n\\u0001\u{7f}/\",\"b\":[1,-2,{\"a\":true,\"z\":null}]}\n"
    );
    // Keys sort by bytes, not by character class or locale.
    let value = json!({"é": 1, "z": 2, "Z": 3, "_": 4});
    assert_eq!(
        canonical_bytes(&value).unwrap(),
        "{\"Z\":3,\"_\":4,\"z\":2,\"é\":1}\n".as_bytes()
    );
    // serde_json escapes the same way, so the two agree on every string.
    let odd = "\u{0}\u{8}\u{c}\u{1f} \u{2028}中\t";
    let mut ours = Vec::new();
    write_string(odd, &mut ours);
    assert_eq!(ours, serde_json::to_vec(odd).unwrap());
    // Every character below U+0100 alone, and between runs of plain text
    // and multi-byte characters.
    for c in (0..0x100u32).filter_map(char::from_u32) {
        for text in [c.to_string(), format!("ab{c}中{c}{c}z"), format!("{c}é")] {
            let mut ours = Vec::new();
            write_string(&text, &mut ours);
            assert_eq!(ours, serde_json::to_vec(&text).unwrap(), "{text:?}");
        }
    }
}

#[test]
fn floats_are_refused() {
    let error = canonical_bytes(&json!({"a": [1, 2.5]})).unwrap_err();
    assert_eq!(
        error,
        RecordError::Float {
            path: "$.a[1]".into()
        }
    );
    let error = canonical_bytes(&json!({"x": {"y": [0, {"z": 1.5}]}, "w": 1})).unwrap_err();
    assert_eq!(
        error,
        RecordError::Float {
            path: "$.x.y[1].z".into()
        }
    );
    assert!(parse_canonical(b"{\"a\":1.0}\n").is_err());
}

#[test]
fn non_canonical_bytes_are_refused() {
    for bytes in [
        &b"{\"b\":1,\"a\":2}\n"[..],
        b"{\"a\": 2}\n",
        b"{\"a\":2}",
        b"{\"a\":2}\n\n",
        b"{\"a\":1,\"a\":2}\n",
        b"{\"a\":\"\\u0041\"}\n",
    ] {
        assert_eq!(
            parse_canonical(bytes),
            Err(RecordError::NotCanonical),
            "{}",
            String::from_utf8_lossy(bytes)
        );
    }
    assert_eq!(parse_canonical(b"{\"a\":2}\n").unwrap(), json!({"a": 2}));
}

#[test]
fn what_happened_is_drafted_from_the_timeline() {
    let events = events();
    let incident = Incident::replay(&events).unwrap();
    assert_eq!(
        what_happened(&incident, &events, &incident.title, &Lang::english()),
        "Followed runbook \"Web down\" (web, version 2026.1) from 2026-11-28 09:00 UTC to \
         2026-11-28 09:08 UTC (8m00s); outcome: resolved. Steps: look, restart (exit 0)."
    );
    assert_eq!(
        what_happened(&incident, &events, &incident.title, &Lang::parse("zh").unwrap()),
        "按预案“Web down”（web，版本 2026.1）处置，自 2026-11-28 09:00 UTC \
         至 2026-11-28 09:08 UTC（历时 8分00秒）；结果：已解决。步骤：look、restart（退出码 0）。"
    );
}

#[test]
fn a_record_of_the_first_format_reads_back_byte_for_byte_and_new_ones_say_where_commands_ran() {
    // A /1 record has no `on` in its command evidence: read back and
    // written again, it is the same bytes, so its signature still holds.
    let new = String::from_utf8(record("2026-11-28T12:00:00Z").to_bytes().unwrap()).unwrap();
    assert!(new.contains(r#""format":"runbook-record/2""#));
    let first = new
        .replace(r#""on":null,"#, "")
        .replace("runbook-record/2", "runbook-record/1");
    let first = first.as_bytes();
    let record = Record::from_bytes(first).unwrap();
    assert_eq!(record.format, FORMAT_1);
    assert_eq!(record.commands[0].on, None);
    assert_eq!(record.to_bytes().unwrap(), first);

    // A new record names where each command ran: null for here.
    let mut record = record;
    record.format = FORMAT.to_owned();
    record.commands[0].on = Some(Some("web1".to_owned()));
    let mut here = record.commands[0].clone();
    here.on = Some(None);
    record.commands.push(here);
    let bytes = record.to_bytes().unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains(r#""on":"web1""#), "{text}");
    assert!(text.contains(r#""on":null"#), "{text}");
    let back = Record::from_bytes(&bytes).unwrap();
    assert_eq!(back.commands[0].on(), Some("web1"));
    assert_eq!(back.commands[1].on(), None);
    assert_eq!(back.to_bytes().unwrap(), bytes);
}

/// A small deterministic generator, for the property below.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn value(&mut self, depth: u32) -> serde_json::Value {
        use serde_json::Value;
        let pieces = [
            "a", "é", "\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{7f}", "中", "/", " ", "\u{2028}", "zz",
        ];
        let text = |rng: &mut Rng| -> String {
            (0..rng.below(4))
                .map(|_| pieces[rng.below(pieces.len() as u64) as usize])
                .collect()
        };
        match self.below(if depth > 3 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => json!(self.next() as i64 >> self.below(64)),
            3 => json!(self.next() >> self.below(64)),
            4 => Value::String(text(self)),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            // Keys as records have them: nothing to escape.
            _ => Value::Object(
                (0..self.below(5))
                    .map(|_| {
                        (
                            ["a", "b", "é", "z", "中", "_", ""][self.below(7) as usize].repeat(2),
                            self.value(depth + 1),
                        )
                    })
                    .collect(),
            ),
        }
    }
}

#[test]
fn the_one_pass_check_accepts_what_canonical_bytes_write_and_nothing_the_slow_way_refuses() {
    use super::json::canonical_text;
    let is_canonical = |bytes: &[u8]| canonical_text(bytes).is_some();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let value = rng.value(0);
        let bytes = canonical_bytes(&value).unwrap();
        assert!(is_canonical(&bytes), "{}", String::from_utf8_lossy(&bytes));
        // Changed a little, it is never taken for canonical unless it is.
        for _ in 0..8 {
            let mut changed = bytes.clone();
            let at = rng.below(changed.len() as u64) as usize;
            match rng.below(3) {
                0 => changed[at] = b"{}[]\",:\\ -0123456789.eEtrufalsn\n"[rng.below(32) as usize],
                1 => changed.insert(at, b" \",:0-.\\u"[rng.below(9) as usize]),
                _ => {
                    changed.remove(at);
                }
            }
            if is_canonical(&changed) {
                assert!(
                    parse_canonical(&changed).is_ok(),
                    "taken for canonical: {}",
                    String::from_utf8_lossy(&changed)
                );
            }
        }
    }
    for bytes in [
        &b"{\"b\":1,\"a\":2}\n"[..],
        b"{\"a\":1,\"a\":2}\n",
        b"{\"a\": 2}\n",
        b"{\"a\":2}",
        b"{\"a\":-0}\n",
        b"{\"a\":01}\n",
        b"{\"a\":1.0}\n",
        b"{\"a\":18446744073709551616}\n",
        b"{\"a\":\"\\u0041\"}\n",
        b"{\"a\":\"\\u000a\"}\n",
        b"{\"a\":\"\\u001F\"}\n",
        b"{\"a\":\"\\/\"}\n",
        b"{\"a\":\"\x01\"}\n",
    ] {
        assert!(!is_canonical(bytes), "{}", String::from_utf8_lossy(bytes));
    }
    assert!(is_canonical(
        b"{\"a\":[1,-9223372036854775808,18446744073709551615,\"\\u001f\\n\"]}\n"
    ));
}
