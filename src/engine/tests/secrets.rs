//! Secret variables: the marker in every event, the value in commands'
//! environment only, given again on resume.

use super::*;

const SECRET: &str = r#"schema = 1
title = "Secret"

[vars.token]
secret = true

[[steps]]
id = "call"
kind = "command"
title = "Call with {{token}}"
run = "echo"

[[steps]]
id = "ok"
kind = "instruction"
title = "Check it"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

fn resume_with(h: &mut Harness, vars: &[(&str, &str)], given: &[(&str, &str)]) -> (Stop, Incident) {
    let vars = vars
        .iter()
        .map(|(name, value)| (name.to_string(), (value.to_string(), crate::engine::Origin::Flag)))
        .collect();
    let answers = Answers::new(&h.runbook, flags(given), vars, &crate::model::Lang::english()).unwrap();
    let incident = Incident::replay(&h.sink.events).unwrap();
    let mut quiet = Quiet;
    let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
    let cancel = AtomicBool::new(false);
    let redact = |line: &str| line.to_owned();
    let ports = Ports {
        operator: &mut operator,
        executor: &h.executor,
        clock: &h.clock,
        notifier: None,
        sink: &mut h.sink,
        cancel: &cancel,
        redact: &redact,
        lang: Lang::english(),
        incident_key: "test-key".into(),
    };
    Engine::resume(&h.runbook, incident, ports).unwrap()
}

fn journal_text(h: &Harness) -> String {
    h.sink
        .events
        .iter()
        .map(|event| serde_json::to_string(event).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_secret_is_journaled_as_its_marker_and_given_to_commands_alone() {
    let mut h = Harness::new(SECRET);
    h.vars = BTreeMap::from([("token".to_owned(), "s3cret".to_owned())]);
    let (stop, incident) = h.start(&[], false);
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    assert_eq!(incident.vars["token"], crate::model::SECRET_MARKER);
    let journal = journal_text(&h);
    assert!(!journal.contains("s3cret"), "{journal}");
    // The fake command prints `out s3cret`: the value is hidden before
    // the redaction patterns (here: s3cret -> [REDACTED]) see it.
    assert!(journal.contains("out [secret]"), "{journal}");
    let ran = h.executor.ran.borrow();
    assert!(
        ran[0].1.contains(&("TOKEN".to_owned(), "s3cret".to_owned())),
        "{:?}",
        ran[0].1
    );
}

#[test]
fn a_resume_takes_the_secret_again_and_pauses_without_it() {
    let mut h = Harness::new(SECRET);
    h.vars = BTreeMap::from([("token".to_owned(), "s3cret".to_owned())]);
    h.start(&[], false);
    let (stop, _) = resume_with(&mut h, &[], &[("ok", "done")]);
    assert!(
        matches!(&stop, Stop::Paused { step: None, .. }),
        "not given again, the secret is asked for: {stop:?}"
    );
    let (stop, _) = resume_with(&mut h, &[("token", "other")], &[("ok", "done")]);
    assert!(
        matches!(&stop, Stop::Paused { reason, .. } if reason.contains("not the value")),
        "{stop:?}"
    );
    let (stop, _) = resume_with(&mut h, &[("token", "s3cret")], &[("ok", "done")]);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    let sets = h
        .sink
        .events
        .iter()
        .filter(|e| e.kind.name() == "var-set")
        .count();
    assert_eq!(
        sets, 0,
        "given at start, the secret is journaled once, in incident-started"
    );
    assert!(!journal_text(&h).contains("s3cret"));
}

#[test]
fn a_secret_is_hidden_in_the_output_of_hosts_run_at_once_too() {
    let toml = SECRET.replace(
        "run = \"echo\"",
        "run = \"echo\"\non = [\"web1\", \"web2\"]\nparallel = 2",
    );
    let mut h = Harness::new(&toml);
    h.vars = BTreeMap::from([("token".to_owned(), "s3cret".to_owned())]);
    h.start(&[], false);
    let finished: Vec<&Event> = h
        .sink
        .events
        .iter()
        .filter(|event| event.kind.name() == "command-finished")
        .collect();
    assert_eq!(finished.len(), 2);
    let journal = journal_text(&h);
    assert!(!journal.contains("s3cret"), "{journal}");
    assert_eq!(journal.matches("out [secret]").count(), 2, "{journal}");
}
