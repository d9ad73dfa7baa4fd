//! Severity set by the plan: by a choice's option, and by a step as the
//! walk enters it, each journaled and told like a change by hand.

use super::*;

const LEVELS: &str = r#"schema = 1
title = "Levels"

[contacts.leadership]
role = "Leadership"
phone = "1"

[severity.sev1]
notify = ["leadership"]

[[steps]]
id = "intake"
kind = "choice"
title = "How bad?"
options = [
  { label = "Severe", goto = "look", severity = "sev1" },
  { label = "General", goto = "look" },
  { label = "Break-in", goto = "breach" },
]

[[steps]]
id = "look"
kind = "instruction"
title = "Look"
next = "done"

[[steps]]
id = "breach"
kind = "instruction"
title = "Take it off the network"
severity = "sev1"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

fn changes(h: &Harness) -> Vec<(String, String, Option<String>)> {
    h.sink
        .events
        .iter()
        .filter_map(|event| match &event.kind {
            EventKind::SeverityChanged { from, to, reason } => {
                Some((from.clone(), to.clone(), reason.clone()))
            }
            _ => None,
        })
        .collect()
}

fn told(h: &Harness) -> Vec<String> {
    h.notifier.as_ref().unwrap().0.lock().unwrap().clone()
}

#[test]
fn a_chosen_option_sets_the_severity_and_tells_its_contacts() {
    let mut h = Harness::new(LEVELS);
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    let (stop, incident) = h.start(&[("intake", "1"), ("look", "done")], false);
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    assert_eq!(incident.severity, "sev1");
    assert_eq!(
        changes(&h),
        [(
            "sev2".to_owned(),
            "sev1".to_owned(),
            Some("chosen at step `intake`: option 1".to_owned())
        )]
    );
    let told = told(&h);
    assert!(
        told.iter()
            .any(|note| note.starts_with("leadership:") && note.contains("raised from sev2 to sev1")),
        "{told:?}"
    );
}

#[test]
fn an_option_without_a_severity_leaves_it() {
    let mut h = Harness::new(LEVELS);
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    let (_, incident) = h.start(&[("intake", "2"), ("look", "done")], false);
    assert_eq!(incident.severity, "sev2");
    assert!(changes(&h).is_empty());
    assert!(told(&h).is_empty());
}

#[test]
fn a_step_with_a_severity_raises_it_as_the_walk_enters_it() {
    let mut h = Harness::new(LEVELS);
    h.notifier = Some(Notes(std::sync::Mutex::new(Vec::new())));
    let (stop, incident) = h.start(&[("intake", "3")], false);
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    assert_eq!(incident.severity, "sev1", "raised before anyone answers");
    assert_eq!(
        changes(&h),
        [(
            "sev2".to_owned(),
            "sev1".to_owned(),
            Some("step `breach`".to_owned())
        )]
    );
    assert_eq!(told(&h).len(), 1);
    // Resuming at the step raises nothing again.
    h.resume(&[("breach", "done")]);
    assert_eq!(changes(&h).len(), 1);
}
