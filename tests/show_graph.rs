//! `show` and `graph` over a small runbook with every kind of branch.

use crate::common::Test;

const BRANCHY: &str = r#"schema = 1
title = { en = "Web outage", zh = "网站故障" }
version = "1"
owner = "ops"
default_severity = "sev2"

[vars.service]
prompt = { en = "Service", zh = "服务" }
default = "nginx"
pattern = "^[a-z]+$"

[contacts.vendor]
role = { en = "Vendor", zh = "厂商" }
phone = "+86 10 0000 0000"

[severity.sev1]
notify = ["vendor"]

[timers.escalate]
after = "1h"
until = "found"
notify = ["vendor"]
goto = "call-vendor"
message = { en = "An hour passed", zh = "已过一小时" }

[[steps]]
id = "up"
kind = "confirm"
title = { en = "Is {{service}} up?", zh = "{{service}} 是否正常？" }
yes = "done"
no = "restart"

[[steps]]
id = "restart"
kind = "command"
title = { en = "Restart", zh = "重启" }
run = 'systemctl restart "$SERVICE"'
confirm = true
timeout = "5m"
milestone = "found"
on_failure = "call-vendor"

[[steps]]
id = "how"
kind = "choice"
title = { en = "How did it go?", zh = "结果如何？" }
options = [
  { label = { en = "Fixed", zh = "已修复" }, goto = "done" },
  { label = { en = "Still down", zh = "仍然故障" }, goto = "call-vendor" },
]

[[steps]]
id = "call-vendor"
kind = "notify"
title = { en = "Call the vendor", zh = "联系厂商" }
to = ["vendor"]

[[steps]]
id = "handed"
kind = "end"
title = { en = "Handed over", zh = "已移交" }
outcome = "handed-over"

[[steps]]
id = "done"
kind = "end"
title = { en = "Resolved", zh = "已解决" }
"#;

#[test]
fn show_text_in_walk_order() {
    let outcome = Test::new().runbook("web", BRANCHY).args(["show", "web"]).run();
    outcome.success();
    insta::assert_snapshot!(outcome.stdout, @r#"
    Web outage (web)
    version 1 · owner ops · default severity sev2 (General) · archive within 1d
    source: runbooks/web.toml

    VARIABLES
      service — Service [default nginx]

    CONTACTS
      vendor — Vendor: +86 10 0000 0000

    SEVERITY
      sev1 Severe: Core service down or data at risk; report to leadership at once.
        → notify vendor
      sev2 General: A service degraded or partly down.
      sev3 Minor: Little or no effect on users.

    TIMERS
      escalate: after 1h from the start, unless reached: found
        notify vendor
        offers → call-vendor
        “An hour passed”

    STEPS

    1. up [confirm] Is {{service}} up?
        yes → done
        no → restart

    2. restart [command · milestone found] Restart
        $ systemctl restart "$SERVICE"
        asks first · timeout 5m · drill: skip
        → how
        on failure → call-vendor

    3. how [choice] How did it go?
        • Fixed → done
        • Still down → call-vendor

    4. call-vendor [notify] Call the vendor
        notify vendor
        → handed

    5. done [end] Resolved
        outcome: resolved

    6. handed [end] Handed over
        outcome: handed-over
    "#);
}

#[test]
fn show_in_chinese() {
    let outcome = Test::new()
        .runbook("web", BRANCHY)
        .args(["show", "web", "--lang", "zh"])
        .run();
    outcome
        .success()
        .stdout_contains("网站故障")
        .stdout_contains("重启")
        .stdout_contains("步骤")
        .stdout_fits(80);
}

#[test]
fn show_markdown() {
    let outcome = Test::new()
        .runbook("web", BRANCHY)
        .args(["show", "web", "--format", "markdown"])
        .run();
    outcome.success();
    insta::assert_snapshot!(outcome.stdout, @r#"
    # Web outage (`web`)

    | | |
    |---|---|
    | Version | 1 |
    | Owner | ops |
    | Default severity | sev2 |
    | Archive within | 1d |
    | Source | runbooks/web.toml |

    ## Contacts

    | id | Role | Name | Phone | Email |
    |---|---|---|---|---|
    | vendor | Vendor |  | +86 10 0000 0000 |  |

    ## Timers

    - **escalate**: after 1h, unless `found`; notify vendor; → `call-vendor`: An hour passed

    ## Steps

    ### 1. Is {{service}} up? <a id="up"></a>

    *`up` · confirm*

    - yes → done
    - no → restart

    ### 2. Restart <a id="restart"></a>

    *`restart` · command*

    ```sh
    systemctl restart "$SERVICE"
    ```

    - asks first · timeout 5m · drill: skip
    - → how
    - on failure → call-vendor

    ### 3. How did it go? <a id="how"></a>

    *`how` · choice*

    - Fixed → done
    - Still down → call-vendor

    ### 4. Call the vendor <a id="call-vendor"></a>

    *`call-vendor` · notify*

    - notify vendor
    - → handed

    ### 5. Resolved <a id="done"></a>

    *`done` · end*

    - outcome: resolved

    ### 6. Handed over <a id="handed"></a>

    *`handed` · end*

    - outcome: handed-over
    "#);
}

#[test]
fn show_json_is_the_model() {
    let outcome = Test::new()
        .runbook("web", BRANCHY)
        .args(["show", "web", "--format", "json"])
        .run();
    outcome.success();
    let json = outcome.json();
    assert_eq!(json["source"], "runbooks/web.toml");
    let runbook = &json["runbook"];
    assert_eq!(runbook["id"], "web");
    assert_eq!(runbook["title"]["zh"], "网站故障");
    assert_eq!(runbook["steps"][1]["kind"], "command");
    assert_eq!(runbook["steps"][1]["drill"], "skip");
    assert_eq!(runbook["steps"][1]["next"], "how");
    assert_eq!(runbook["timers"][0]["after"], "1h");
    assert_eq!(runbook["archive_within"], "1d");
}

#[test]
fn show_unknown_runbook_suggests_a_name() {
    Test::new()
        .args(["show", "server-sofware-failure"])
        .run()
        .status(2)
        .stderr_contains("error: no runbook named `server-sofware-failure`")
        .stderr_contains("hint: did you mean `server-software-failure`?");
}

#[test]
fn show_invalid_runbook_prints_its_errors() {
    Test::new()
        .runbook(
            "web",
            &BRANCHY.replace(
                "goto = \"call-vendor\"\nmessage",
                "goto = \"cal-vendor\"\nmessage",
            ),
        )
        .args(["show", "web"])
        .run()
        .status(2)
        .stderr_contains("timer `escalate` offers `cal-vendor`, which is not a step");
}

#[test]
fn graph_mermaid() {
    let outcome = Test::new().runbook("web", BRANCHY).args(["graph", "web"]).run();
    outcome.success();
    insta::assert_snapshot!(outcome.stdout, @r#"
    flowchart TD
        s0{"Is {{service}} up?"}
        s1[["Restart"]]
        s2{"How did it go?"}
        s3>"Call the vendor"]
        s4(["Handed over<br/>(handed-over)"])
        s5(["Resolved<br/>(resolved)"])
        s0 -->|"yes"| s5
        s0 -->|"no"| s1
        s1 --> s2
        s1 -->|"on failure"| s3
        s2 -->|"Fixed"| s5
        s2 -->|"Still down"| s3
        s3 --> s4
        s0 -.->|"⏱ 1h escalate"| s3
        classDef resolved fill:#d4edda,stroke:#333
        class s5 resolved
        classDef handed_over fill:#d1ecf1,stroke:#333
        class s4 handed_over
    "#);
}

#[test]
fn graph_dot() {
    let outcome = Test::new()
        .runbook("web", BRANCHY)
        .args(["graph", "web", "--format", "dot"])
        .run();
    outcome.success();
    insta::assert_snapshot!(outcome.stdout, @r##"
    digraph "web" {
        label="Web outage";
        labelloc=t;
        node [fontname="sans-serif", shape=box, style=rounded];
        edge [fontname="sans-serif", fontsize=10];
        s0 [label="Is {{service}} up?\n[up]", shape=diamond, style=""];
        s1 [label="Restart\n[restart]", shape=box, style="rounded,bold"];
        s2 [label="How did it go?\n[how]", shape=diamond, style=""];
        s3 [label="Call the vendor\n[call-vendor]", shape=note, style=""];
        s4 [label="Handed over\n(handed-over)\n[handed]", shape=oval, style=filled, fillcolor="#d1ecf1"];
        s5 [label="Resolved\n(resolved)\n[done]", shape=oval, style=filled, fillcolor="#d4edda"];
        s0 -> s5 [label="yes"];
        s0 -> s1 [label="no"];
        s1 -> s2;
        s1 -> s3 [label="on failure"];
        s2 -> s5 [label="Fixed"];
        s2 -> s3 [label="Still down"];
        s3 -> s4;
        s0 -> s3 [style=dashed, label="⏱ 1h escalate"];
    }
    "##);
}

#[test]
fn dot_output_of_every_bundled_runbook_renders_in_graphviz() {
    let mut test = Test::new();
    for id in crate::catalog::BUNDLED {
        let outcome = test.again(["graph", id, "--format", "dot"]);
        outcome.success();
        let rendered = render_with_graphviz(&test, &outcome.stdout);
        assert!(rendered.contains("<svg"), "{id}: {rendered}");
    }
}

fn render_with_graphviz(test: &Test, dot: &str) -> String {
    use std::io::Write;
    let mut child = test
        .tool("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("Graphviz `dot` is installed (.ci/run installs it)");
    child.stdin.take().unwrap().write_all(dot.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "dot failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn broken_pipe_exits_quietly() {
    // Far more output than a pipe buffers, so the writer meets a closed pipe.
    let mut big = String::from("schema = 1\ntitle = \"Big\"\n");
    for n in 0..3000 {
        big.push_str(&format!(
            "[[steps]]\nid = \"s{n}\"\nkind = \"instruction\"\ntitle = \"Step {n} with a long title\"\n"
        ));
    }
    big.push_str("[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n");
    let test = Test::new().runbook("big", &big);
    let binary = env!("CARGO_BIN_EXE_runbook");
    let output = test
        .tool("bash")
        .arg("-c")
        .arg(format!("'{binary}' show big | head -1; exit ${{PIPESTATUS[0]}}"))
        .env("RUNBOOK_NOW", crate::common::NOW)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Big (big)\n");
    assert!(output.status.success(), "{:?}", output.status);
}

#[test]
fn show_in_chinese_says_durations_timers_and_drill_modes_in_chinese() {
    let outcome = Test::new()
        .args(["show", "server-software-failure", "--lang", "zh"])
        .run();
    outcome
        .success()
        .stdout_contains("评审周期 6 个月")
        .stdout_contains("归档时限 1 天")
        .stdout_contains("locate-cause：自步骤 inspect 起 1 小时后，除非已达成：")
        .stdout_contains("超时 1 分钟 · 演练时照常执行")
        .stdout_contains("命令执行于: {{host}}");
    for english in ["months", " after ", "drill:", "演练： run", " 1h", "超时 1m"] {
        outcome.stdout_lacks(english);
    }
    Test::new()
        .args(["show", "server-software-failure"])
        .run()
        .success()
        .stdout_contains("locate-cause: after 1h from step inspect, unless reached:")
        .stdout_contains("drill: run");
}

const REPEATING: &str = r#"schema = 1
title = "Progress"

[contacts.boss]
role = "Manager"

[timers.progress]
after = "1h"
every = "30m"
while_severity = "sev1"
until = "restored"
notify = ["boss"]

[[steps]]
id = "work"
kind = "instruction"
title = "Work"
milestone = "restored"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn show_and_graph_say_how_a_timer_repeats_in_both_languages() {
    let mut test = Test::new().runbook("progress", REPEATING);
    test.again(["show", "progress"])
        .success()
        .stdout_contains("after 1h from the start, then every 30m while sev1 or more severe");
    test.again(["show", "progress", "--lang", "zh"])
        .success()
        .stdout_contains("，此后每 30 分钟一次（仅当级别为 sev1 或更高时）");
    test.again(["show", "progress", "--format", "markdown"])
        .success()
        .stdout_contains("after 1h, then every 30m while sev1 or more severe");
    test.again(["graph", "progress"])
        .success()
        .stdout_contains("⏱ 1h, then every 30m while sev1 or more severe progress")
        .stdout_contains("notify boss")
        .stdout_contains("(resolved)");
    // The delay, the outcome of an end step and whom a timer tells, in
    // the display language too.
    test.again(["graph", "progress", "--format", "dot", "--lang", "zh"])
        .success()
        .stdout_contains("⏱ 1 小时，此后每 30 分钟一次（仅当级别为 sev1 或更高时） progress")
        .stdout_contains("(已解决)")
        .stdout_contains("通知 boss")
        .stdout_lacks("notify");
}
