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
