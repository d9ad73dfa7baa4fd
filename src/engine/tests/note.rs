//! Steps that take their answer only with a note.

use super::*;

const CONSENT: &str = r#"schema = 1
title = "Consent"

[[steps]]
id = "consent"
kind = "confirm"
title = "Has the customer agreed?"
note = "required"
yes = "done"
no = "other"

[[steps]]
id = "done"
kind = "end"
title = "Done"

[[steps]]
id = "other"
kind = "end"
outcome = "handed-over"
title = "Other measures"
"#;

#[test]
fn a_scripted_answer_without_the_required_note_pauses_naming_it() {
    let mut h = Harness::new(CONSENT);
    let answers = h.answers(&[("consent", "yes")]);
    let mut quiet = Quiet;
    let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
    let (stop, _) = h.start_with(&mut operator, false).unwrap();
    assert!(matches!(stop, Stop::Paused { .. }), "{stop:?}");
    let (what, how) = operator.unanswered.clone().unwrap();
    assert!(what.contains("with a note"), "{what}");
    assert_eq!(how, "--answer consent=ANSWER --note consent=NOTE");
    assert!(!h.types().contains(&"step-answered"));
}

#[test]
fn a_note_given_goes_with_the_answer() {
    let mut h = Harness::new(CONSENT);
    let answers = h
        .answers(&[("consent", "yes")])
        .with_notes(
            &h.runbook,
            vec![(
                "consent".into(),
                "Li Wei agreed by phone".into(),
                crate::engine::Origin::Flag,
            )],
            &crate::model::Lang::english(),
        )
        .unwrap();
    let mut quiet = Quiet;
    let mut operator = ScriptedOperator::new(answers, &mut quiet, Lang::english());
    let (stop, _) = h.start_with(&mut operator, false).unwrap();
    assert_eq!(stop, Stop::Ended(Outcome::Resolved));
    let note = h.sink.events.iter().find_map(|event| match &event.kind {
        EventKind::StepAnswered { note, .. } => note.clone(),
        _ => None,
    });
    assert_eq!(note.as_deref(), Some("Li Wei agreed by phone"));
}

#[test]
fn the_resume_line_placeholder_is_no_note() {
    let h = Harness::new(CONSENT);
    let refused = h
        .answers(&[])
        .with_notes(
            &h.runbook,
            vec![("consent".into(), "NOTE".into(), crate::engine::Origin::Flag)],
            &crate::model::Lang::english(),
        )
        .unwrap_err();
    assert!(refused[0].message.contains("placeholder"), "{refused:?}");
}
