//! What the walk's screen shows, read from a real terminal (tmux): what is
//! left on it after a pause, and what a stray key can and cannot do.

use crate::common::Test;

/// A command that prints more lines than the spinner shows, then runs on.
const LONG: &str = r#"schema = 1
title = "Long"

[[steps]]
id = "long"
kind = "command"
title = "Long"
run = "for n in 1 2 3 4 5 6 7; do echo line-$n; done; sleep 30"
timeout = "1m"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn ctrl_c_during_a_command_leaves_the_resume_line_last_on_the_screen() {
    let test = Test::new().runbook("long", LONG);
    let walk = test.tmux(["start", "long"]);
    walk.wait_for("line-7");
    walk.keys(&["C-c"]);
    walk.wait_for_exit();
    let screen = walk.screen();
    let id = test.only_incident();
    assert_eq!(
        screen.last().map(String::as_str),
        Some(format!("to continue: runbook resume {id}").as_str()),
        "the screen:\n{}",
        screen.join("\n")
    );
    // The command's last lines stay above, as a finished command's do.
    assert!(
        screen.iter().any(|line| line.ends_with("│ line-7")),
        "{screen:#?}"
    );
    assert!(
        screen.iter().any(|line| line.contains("is paused (interrupted)")),
        "{screen:#?}"
    );
}

/// A confirmed command that changes the "server" (a file), then a question.
const RESTART: &str = r#"schema = 1
title = "Restart"

[[steps]]
id = "restart"
kind = "command"
title = "Restart the service"
run = "touch restarted"
confirm = true
timeout = "10s"

[[steps]]
id = "works"
kind = "confirm"
title = "Does it work now?"
yes = "done"
no = "more"

[[steps]]
id = "more"
kind = "instruction"
title = "Look further"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// Waits `ms` for anything a key might have set off.
fn settle(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

#[test]
fn a_stray_space_or_enter_never_runs_a_confirmed_command() {
    let test = Test::new().runbook("restart", RESTART);
    let walk = test.tmux(["start", "restart"]);
    walk.wait_for("Run this command?");
    walk.keys(&["Space"]);
    settle(300);
    assert!(!test.work().join("restarted").exists(), "Space ran it");
    walk.wait_for("Run this command?");
    // Enter takes the answer the menu starts on: skip it.
    walk.keys(&["Enter"]);
    walk.wait_for("Does it work now?");
    assert!(!test.work().join("restarted").exists(), "Enter ran it");
    let types = test.types(&test.only_incident());
    assert!(types.contains(&"command-skipped".to_owned()), "{types:?}");
}

#[test]
fn a_confirmed_command_runs_on_a_deliberate_choice() {
    for keys in [&["Down", "Enter"][..], &["y", "Enter"][..]] {
        let test = Test::new().runbook("restart", RESTART);
        let walk = test.tmux(["start", "restart"]);
        walk.wait_for("Run this command?");
        walk.keys(&keys[..1]);
        settle(200);
        assert!(
            !test.work().join("restarted").exists(),
            "{keys:?}: ran before Enter"
        );
        walk.keys(&keys[1..]);
        walk.wait_for("Does it work now?");
        assert!(test.work().join("restarted").exists(), "{keys:?} did not run it");
    }
}

/// A command that runs a while, then a question.
const SLOW: &str = r#"schema = 1
title = "Slow"

[[steps]]
id = "wait"
kind = "command"
title = "Wait"
run = "echo waiting; sleep 2"
timeout = "10s"

[[steps]]
id = "pick"
kind = "choice"
title = "What next?"

[[steps.options]]
label = "First"
goto = "done"

[[steps.options]]
label = "Second"
goto = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn keys_typed_while_a_command_runs_answer_nothing() {
    let test = Test::new().runbook("slow", SLOW);
    let walk = test.tmux(["start", "slow"]);
    walk.wait_for("waiting");
    walk.keys(&["2", "Down", "Space", "Enter"]);
    walk.wait_for("What next?");
    settle(500);
    let id = test.only_incident();
    let answered = |test: &Test| {
        test.events(&id)
            .into_iter()
            .filter(|event| event["type"] == "step-answered")
            .count()
    };
    assert_eq!(
        answered(&test),
        0,
        "typed-ahead keys answered: {:#?}",
        walk.screen()
    );
    walk.keys(&["Enter"]);
    walk.wait_for_exit();
    assert_eq!(answered(&test), 1);
    let chosen = test
        .events(&id)
        .into_iter()
        .find(|event| event["type"] == "step-answered")
        .unwrap();
    assert_eq!(chosen["payload"]["step"], "pick", "{chosen}");
    assert_eq!(chosen["payload"]["answer"]["index"], 0, "{chosen}");
}

/// [`crate::common::CALL`] whose timer offers the step that tells the boss.
fn call_with_goto() -> String {
    let toml = crate::common::CALL.replacen(
        "message = \"Still down after an hour.\"\n",
        "message = \"Still down after an hour.\"\ngoto = \"tell\"\n",
        1,
    );
    assert_ne!(toml, crate::common::CALL);
    toml
}

#[test]
fn a_timer_that_fires_while_a_prompt_waits_shows_at_once_without_a_key() {
    let test = Test::new().runbook("call", &call_with_goto());
    // An hour at --speed 3600 is a second.
    let walk = test.tmux(["drill", "call", "--speed", "3600"]);
    walk.wait_for("Still down?");
    // No key: who to call, what to tell them and the offered step appear,
    // the offer last (the delivery may be journaled a moment after the
    // firing: then the offer steps aside for it and is asked again).
    walk.wait_for("call these people now");
    let screen = walk.wait_for("The timer fired");
    let shown = screen.join("\n");
    for expected in ["+1 555 0100", "Still down after an hour.", "Go to Tell the boss"] {
        assert!(
            shown.contains(expected),
            "{expected:?} is not on the screen:\n{shown}"
        );
    }
    let table = screen.iter().position(|line| line.contains("+1 555 0100"));
    let offer = screen.iter().rposition(|line| line.contains("The timer fired"));
    assert!(table < offer, "the offer is not below the table:\n{shown}");
    // Staying here asks whether the boss was told (Enter: later), then
    // the question that waited, again.
    walk.keys(&["Down", "Enter"]);
    walk.wait_for("Told Boss?");
    walk.keys(&["Enter"]);
    walk.wait_until("the question asked again below the answer", |screen| {
        let stayed = screen.iter().position(|line| line.contains("· Stay here"));
        let asked = screen.iter().rposition(|line| line.contains("Still down?"));
        stayed.is_some() && asked > stayed
    });
    let types = test.types(&test.only_incident());
    assert!(types.contains(&"timer-fired".to_owned()), "{types:?}");
}

#[test]
fn the_countdown_ticks_while_a_prompt_waits() {
    let test = Test::new().runbook(
        "call",
        &crate::common::CALL.replace("after = \"1h\"", "after = \"10m\""),
    );
    let walk = test.tmux(["start", "call"]);
    walk.wait_for("Still down?");
    let countdown = |screen: Vec<String>| {
        screen
            .into_iter()
            .find(|line| line.contains("⏱ late"))
            .unwrap_or_else(|| panic!("no countdown on the screen"))
    };
    let first = countdown(walk.screen());
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let later = countdown(walk.screen());
    assert_ne!(first, later, "the countdown stood still");
}

#[test]
fn a_note_from_another_terminal_shows_while_a_prompt_waits() {
    let mut test = Test::new().runbook("call", crate::common::CALL);
    let walk = test.tmux(["start", "call"]);
    walk.wait_for("Still down?");
    let id = test.only_incident();
    test.again_as("bob", ["note", &id, "customer called back"])
        .success()
        .stderr_contains("taken in by the process holding it");
    let screen = walk.wait_for("customer called back");
    // And the question is asked again below it.
    let note = screen
        .iter()
        .position(|line| line.contains("customer called back"));
    let asked = screen.iter().rposition(|line| line.contains("Still down?"));
    assert!(note < asked, "{screen:#?}");
}

#[test]
fn escalate_now_says_who_will_be_told_and_asks_first() {
    let test = Test::new().runbook("call", crate::common::CALL);
    let walk = test.tmux(["start", "call"]);
    walk.wait_for("Still down?");
    let fired = |test: &Test| {
        test.types(&test.only_incident())
            .contains(&"timer-fired".to_owned())
    };
    // Other actions…, then the fourth: escalate now.
    walk.keys(&["Down", "Down", "Enter"]);
    walk.wait_for("What now?");
    walk.keys(&["Down", "Down", "Down", "Enter"]);
    let screen = walk.wait_for("Escalate now?").join("\n");
    for expected in [
        "Escalating now fires: late (1h)",
        "These people will be told:",
        "+1 555 0100",
    ] {
        assert!(screen.contains(expected), "{expected:?}:\n{screen}");
    }
    // Enter takes "Back": nobody is paged.
    walk.keys(&["Enter"]);
    walk.wait_until("the question asked again", |screen| {
        screen.last().is_some_and(|line| line.contains("Other actions…"))
    });
    assert!(!fired(&test), "Enter escalated");
    walk.keys(&["Down", "Down", "Enter"]);
    walk.wait_for("What now?");
    walk.keys(&["Down", "Down", "Down", "Enter"]);
    walk.wait_for("Escalate now?");
    walk.keys(&["Down", "Enter"]);
    walk.wait_for("call these people now");
    assert!(fired(&test), "a deliberate yes did not escalate");
}

#[test]
fn an_answered_line_keeps_the_answer_not_the_hint() {
    let test = Test::new().runbook(
        "ask",
        "schema = 1\ntitle = \"Ask\"\n\n[[steps]]\nid = \"ask\"\nkind = \"input\"\ntitle = \"What happened?\"\nvar = \"said\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n",
    );
    let walk = test.tmux(["start", "ask"]);
    walk.wait_for("(! for other actions)");
    walk.keys(&["disk full", "Enter"]);
    walk.wait_for_exit();
    let screen = walk.screen();
    let answered = screen
        .iter()
        .find(|line| line.contains("What happened?") && line.contains("disk full"))
        .unwrap_or_else(|| panic!("no answered line: {screen:#?}"));
    assert!(!answered.contains("other actions"), "{answered}");
}

#[test]
fn tables_use_the_terminals_width() {
    let mut test = Test::new();
    // Shells do not export COLUMNS: a wide terminal is used whole.
    let listing = test.tmux_wide(200, ["list"]);
    listing.wait_for_exit();
    let screen = listing.screen();
    assert!(
        screen
            .iter()
            .any(|line| line.contains("Backup and standby readiness")),
        "{screen:#?}"
    );
    // COLUMNS, when set (here 80, as the harness sets it), wins: it wraps.
    test.again(["list"])
        .success()
        .stdout_lacks("Backup and standby readiness");
}

/// A command that prints twenty lines, more than a walk keeps on screen,
/// then a question.
const TWENTY: &str = r#"schema = 1
title = "Twenty"

[[steps]]
id = "list"
kind = "command"
title = "List"
run = "for n in $(seq -w 1 20); do echo line-$n; done"
timeout = "10s"

[[steps]]
id = "ok"
kind = "confirm"
title = "Using the output above, is it fine?"
yes = "done"
no = "more"

[[steps]]
id = "more"
kind = "instruction"
title = "Look further"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// Opens Other actions… at a yes/no question, then "Show output…".
fn show_output(walk: &crate::common::Tmux) {
    walk.keys(&["Down", "Down", "Enter"]);
    walk.wait_for("What now?");
    walk.keys(&["Down", "Down", "Down", "Down", "Down", "Down", "Enter"]);
    walk.wait_for("Whose output?");
    walk.keys(&["Enter"]);
}

#[test]
fn show_output_pages_an_earlier_commands_whole_output() {
    let test = Test::new().runbook("twenty", TWENTY).env("PAGER", "cat");
    let walk = test.tmux(["start", "twenty"]);
    walk.wait_for("is it fine?");
    let screen = walk.screen();
    assert!(!screen.iter().any(|line| line.contains("line-01")), "{screen:#?}");
    show_output(&walk);
    let screen = walk.wait_for("line-01");
    assert!(screen.iter().any(|line| line.contains("line-20")), "{screen:#?}");
    assert!(
        screen.iter().any(|line| line.contains("$ for n in")),
        "{screen:#?}"
    );
}

#[test]
fn show_output_after_a_resume_has_the_earlier_walks_commands() {
    let mut test = Test::new().runbook("twenty", TWENTY).env("PAGER", "cat");
    test.again(["start", "twenty", "--non-interactive"]).status(3);
    let id = test.only_incident();
    let walk = test.tmux(["resume", &id]);
    walk.wait_for("is it fine?");
    show_output(&walk);
    let screen = walk.wait_for("line-01");
    assert!(screen.iter().any(|line| line.contains("line-20")), "{screen:#?}");
}

#[test]
fn a_long_answer_that_wraps_leaves_no_stale_prompt_behind() {
    let test = Test::new().runbook(
        "ask",
        "schema = 1\ntitle = \"Ask\"\n\n[[steps]]\nid = \"ask\"\nkind = \"input\"\ntitle = \"What happened?\"\nvar = \"said\"\n\n[[steps]]\nid = \"next\"\nkind = \"instruction\"\ntitle = \"Next one\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n",
    );
    let walk = test.tmux_wide(60, ["start", "ask"]);
    walk.wait_for("(! for other actions)");
    // Three rows of a 60-column terminal.
    walk.keys(&[&"word ".repeat(30), "Enter"]);
    let screen = walk.wait_for("Next one");
    assert!(
        !screen.iter().any(|line| line.starts_with("? What happened?")),
        "a stale prompt: {screen:#?}"
    );
    assert!(
        screen
            .iter()
            .any(|line| line.starts_with("✔ What happened? · word")),
        "{screen:#?}"
    );
}

/// A command that fails, counting its runs in `runs`.
const FAILS: &str = r#"schema = 1
title = "Fails"

[[steps]]
id = "restart"
kind = "command"
title = "Restart"
run = "echo ran >> runs; exit 1"
timeout = "10s"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn a_failed_command_is_run_again_only_on_a_deliberate_choice() {
    let runs = |test: &Test| {
        std::fs::read_to_string(test.work().join("runs"))
            .unwrap_or_default()
            .lines()
            .count()
    };
    // Enter takes "Mark it done and go on": not run again.
    let test = Test::new().runbook("fails", FAILS);
    let walk = test.tmux(["start", "fails"]);
    walk.wait_for("Try again?");
    walk.keys(&["Space", "Enter"]);
    walk.wait_for_exit();
    assert_eq!(runs(&test), 1);
    // y, then Enter: run again.
    let test = Test::new().runbook("fails", FAILS);
    let walk = test.tmux(["start", "fails"]);
    walk.wait_for("Try again?");
    walk.keys(&["y", "Enter"]);
    walk.wait_until("asked again after the second run", |screen| {
        screen.iter().filter(|line| line.contains("Try again?")).count() >= 2
    });
    assert_eq!(runs(&test), 2);
}

#[test]
fn people_a_timer_reached_nobody_for_are_told_by_hand_and_the_record_says_so() {
    let mut test = Test::new().runbook("call", &call_with_goto()).real_clock();
    let walk = test.tmux(["drill", "call", "--speed", "3600"]);
    walk.wait_for("Still down?");
    walk.wait_for("The timer fired");
    walk.keys(&["Enter"]); // go to its step
    // Then: were they told? It starts on "later", which claims no call.
    walk.wait_for("Told Boss?");
    walk.keys(&["Down", "Enter"]);
    walk.wait_for("How?");
    walk.keys(&["phone", "Enter"]);
    walk.wait_until("the next question", |screen| {
        let told = screen.iter().position(|line| line.contains("Told Boss?"));
        let asked = screen.iter().rposition(|line| line.contains("Notified?"));
        told.is_some() && asked > told
    });
    let id = test.only_incident();
    let told = test
        .events(&id)
        .into_iter()
        .find(|e| e["type"] == "notification-sent")
        .expect("told by hand is journaled");
    assert_eq!(told["payload"]["via"], "by-hand");
    assert_eq!(told["payload"]["timer"], "late");
    assert_eq!(told["payload"]["how"], "phone");
    let listing = test.again(["incidents"]);
    listing.success().stdout_lacks("still to tell");
}

#[test]
fn a_note_from_another_terminal_shows_while_a_command_runs() {
    let mut test = Test::new().runbook(
        "slow",
        &SLOW.replace(
            "run = \"echo waiting; sleep 2\"",
            "run = \"echo waiting; sleep 6\"",
        ),
    );
    let walk = test.tmux(["start", "slow"]);
    walk.wait_for("waiting");
    let id = test.only_incident();
    test.again_as("bob", ["note", &id, "customer called back"])
        .success()
        .stderr_contains("taken in by the process holding it");
    walk.wait_for("customer called back");
    let types = test.types(&id);
    assert!(
        !types.contains(&"command-finished".to_owned()),
        "shown only once the command had finished: {types:?}"
    );
    walk.wait_for("What next?");
}
