//! What plans can require of a walk: a note with an answer, through the
//! binary; and the headline plan walked branch by branch.

use crate::common::Test;

const FIRST: &str = "INC-20261128-0001";

const CONSENT: &str = r#"schema = 1
title = "Consent"

[[steps]]
id = "consent"
kind = "confirm"
title = "Has the customer agreed to the restore?"
note = "required"
yes = "restore"
no = "other"

[[steps]]
id = "restore"
kind = "end"
title = "Restored"

[[steps]]
id = "other"
kind = "end"
outcome = "handed-over"
title = "Other measures"
"#;

fn answer_note(test: &Test, step: &str) -> Option<String> {
    test.events(FIRST)
        .iter()
        .find(|e| e["type"] == "step-answered" && e["payload"]["step"] == step)
        .and_then(|e| e["payload"]["note"].as_str().map(str::to_owned))
}

#[test]
fn a_scripted_yes_without_the_required_note_pauses_and_names_it() {
    let mut test = Test::new().runbook("consent", CONSENT);
    test.again(["start", "consent", "--answer", "consent=yes"])
        .status(3)
        .stderr_contains("with a note")
        .stderr_contains(&format!(
            "to continue: runbook resume {FIRST} --answer consent=ANSWER --note consent=NOTE"
        ));
    assert_eq!(answer_note(&test, "consent"), None);
    test.again([
        "resume",
        FIRST,
        "--answer",
        "consent=yes",
        "--note",
        "consent=NOTE",
    ])
    .status(2)
    .stderr_contains("placeholder");
    test.again([
        "resume",
        FIRST,
        "--answer",
        "consent=yes",
        "--note",
        "consent=Li Wei agreed by phone, 10:05",
    ])
    .success();
    assert_eq!(
        answer_note(&test, "consent").as_deref(),
        Some("Li Wei agreed by phone, 10:05")
    );
}

#[test]
fn an_answers_file_gives_notes_in_its_notes_table() {
    let mut test = Test::new().runbook("consent", CONSENT).file(
        "answers.toml",
        "consent = \"no\"\n\n[notes]\nconsent = \"refused by e-mail, ticket 42\"\n",
    );
    test.again(["start", "consent", "--answers", "answers.toml"])
        .success();
    assert_eq!(
        answer_note(&test, "consent").as_deref(),
        Some("refused by e-mail, ticket 42")
    );
}
