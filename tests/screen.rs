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
