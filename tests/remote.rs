//! Remote steps, for real: `on = "{{host}}"` runs a command over the
//! system's OpenSSH on sshd servers the tests start on loopback
//! addresses (see `common::sshd`).

use crate::common::Test;
use crate::common::sshd::{Hosts, free_port};
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const WEB1: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);
const WEB2: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// One command step on `{{host}}` (or wherever `on` says), then the end.
fn runbook(on: &str, run: &str, extra: &str) -> String {
    format!(
        r#"schema = 1
title = "Remote"

[vars.host]
prompt = "Host"

[vars.dir]
prompt = "Where the command leaves its traces"

[vars.note]
prompt = "A note"
default = "-"

[[steps]]
id = "remote"
kind = "command"
title = "On the host"
on = {on}
run = '''{run}'''
{extra}
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#
    )
}

/// A test with `toml` as `runbooks/r.toml` and sshd servers for `hosts`.
fn with_hosts(toml: &str, hosts: &[(&str, Ipv4Addr)]) -> (Test, Hosts) {
    let test = Test::new().runbook("r", toml);
    let hosts = Hosts::start(&test, hosts);
    let test = test.config(&hosts.runbook_config());
    (test, hosts)
}

fn dir_arg(test: &Test) -> String {
    format!("dir={}", test.root().display())
}

fn wait_for_file(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text;
        }
        assert!(Instant::now() < deadline, "{} never appeared", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: &str) -> bool {
    let pid = pid.trim();
    // A zombie has been stopped; it waits only for its parent.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(") ")
            .is_some_and(|(_, rest)| !rest.starts_with('Z'))
    })
}

fn becomes_dead(pid: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn a_remote_step_runs_on_its_host_over_ssh_with_hostile_values_reaching_it_byte_for_byte() {
    let toml = runbook(
        r#""{{host}}""#,
        r#"printf '%s' "$NOTE" > "$DIR/note"; echo "server $SSH_CONNECTION""#,
        "",
    );
    let (test, hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    // Where a value that ran as shell would leave its trace, whatever
    // directory the remote shell starts in.
    let canary = test.root().join("canary");
    let hostile = format!(
        "$(touch {c}) `touch {c}` '; touch {c}; ' 'single' \"double\" \\ \nsecond line\n",
        c = canary.display()
    );
    let note = format!("{hostile}{}", "x".repeat(64 * 1024 - hostile.len()));
    test.command([
        "start",
        "r",
        "--var",
        "host=web1",
        "--var",
        &dir_arg(&test),
        "--var",
        &format!("note={note}"),
    ])
    .output()
    .map(|output| {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        // ssh says where it came in: the server web1 is.
        let server = format!("{} {}", WEB1, hosts.servers[0].1.port);
        assert!(
            stdout.contains(&server) || stderr.contains(&server),
            "stdout: {stdout}\nstderr: {stderr}"
        );
        assert!(
            stderr.contains("web1 $ printf"),
            "where it runs is shown: {stderr}"
        );
    })
    .unwrap();
    assert_eq!(std::fs::read_to_string(test.root().join("note")).unwrap(), note);
    assert!(!canary.exists(), "a value ran as shell");
    let id = test.only_incident();
    let events = test.events(&id);
    let started = events.iter().find(|e| e["type"] == "command-started").unwrap();
    assert_eq!(started["payload"]["on"], "web1");
    let checked = events.iter().find(|e| e["type"] == "host-checked").unwrap();
    assert_eq!(checked["payload"]["on"], "web1");
    assert!(checked["payload"]["name"].is_string(), "{checked}");
    // Before the first step: a preflight, not a surprise mid-walk.
    let position = |kind: &str| events.iter().position(|e| e["type"] == kind).unwrap();
    assert!(position("host-checked") < position("step-entered"));
}

#[test]
fn a_step_on_two_hosts_runs_on_both_and_fails_for_the_one_that_failed() {
    // The two servers are one machine; the command fails on the one that
    // listens on 127.0.0.2.
    let toml = runbook(
        r#"["web1", "web2"]"#,
        r#"echo "$SSH_CONNECTION" >> "$DIR/ran"; case "$SSH_CONNECTION" in *" 127.0.0.2 "*) exit 3 ;; esac"#,
        "",
    );
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1), ("web2", WEB2)]);
    test.command(["start", "r", "--var", "host=-", "--var", &dir_arg(&test)])
        .output()
        .map(|output| {
            assert_eq!(
                output.status.code(),
                Some(1),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        })
        .unwrap();
    let ran = std::fs::read_to_string(test.root().join("ran")).unwrap();
    assert_eq!(ran.lines().count(), 2, "{ran}");
    let id = test.only_incident();
    let finished: Vec<_> = test
        .events(&id)
        .into_iter()
        .filter(|e| e["type"] == "command-finished")
        .map(|e| e["payload"]["exit_code"].clone())
        .collect();
    assert_eq!(finished, [serde_json::json!(0), serde_json::json!(3)]);
}

#[test]
fn parallel_runs_a_step_on_two_hosts_at_once_and_keeps_each_hosts_result_apart() {
    // Each writes when it began and ended, under the address of the server
    // it came in by (both servers are this machine), and fails on web2.
    let toml = runbook(
        r#"["web1", "web2"]"#,
        r#"began=$(date +%s.%N); sleep 1; ended=$(date +%s.%N)
server=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
echo "$began $ended" > "$DIR/ran-$server"
echo "came in by $server"
[ "$server" != 127.0.0.2 ] || exit 3"#,
        "parallel = 2\non_failure = \"done\"",
    );
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1), ("web2", WEB2)]);
    let mut test = test.with_signing_key();
    let walk = test.again(["start", "r", "--var", "host=-", "--var", &dir_arg(&test)]);
    walk.success()
        .stderr_contains("web1 │ came in by 127.0.0.1")
        .stderr_contains("web2 │ came in by 127.0.0.2")
        .stderr_contains("exit 3 after")
        .stderr_contains("on web2");
    let interval = |server: &str| -> (f64, f64) {
        let text = std::fs::read_to_string(test.root().join(format!("ran-{server}"))).unwrap();
        let (began, ended) = text.trim().split_once(' ').unwrap();
        (began.parse().unwrap(), ended.parse().unwrap())
    };
    let (one, two) = (interval("127.0.0.1"), interval("127.0.0.2"));
    assert!(
        one.0.max(two.0) < one.1.min(two.1),
        "they ran at once: {one:?} {two:?}"
    );
    assert!(
        one.1.max(two.1) - one.0.min(two.0) < 2.0,
        "in less than one after the other: {one:?} {two:?}"
    );

    let id = test.only_incident();
    let events = test.events(&id);
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["type"].as_str())
        .filter(|kind| kind.starts_with("command-"))
        .collect();
    assert_eq!(
        kinds,
        [
            "command-started",
            "command-started",
            "command-finished",
            "command-finished"
        ]
    );
    let mut finished: Vec<(String, serde_json::Value)> = events
        .iter()
        .filter(|e| e["type"] == "command-finished")
        .map(|e| {
            (
                e["payload"]["on"].as_str().unwrap().to_owned(),
                e["payload"]["exit_code"].clone(),
            )
        })
        .collect();
    finished.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        finished,
        [
            ("web1".to_owned(), serde_json::json!(0)),
            ("web2".to_owned(), serde_json::json!(3))
        ]
    );

    // The record pairs each result with its host's start, whichever ended
    // first; so does its report.
    test.archive(&id).success();
    let record = test.again(["report", &id, "--format", "json"]);
    record.success();
    let commands: Vec<(String, i64, bool)> = record.json()["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let on = c["on"].as_str().unwrap().to_owned();
            let server = if on == "web1" { "127.0.0.1" } else { "127.0.0.2" };
            let output = c["output"].as_str().unwrap();
            (on, c["exit_code"].as_i64().unwrap(), output.contains(server))
        })
        .collect();
    assert_eq!(
        commands,
        [("web1".to_owned(), 0, true), ("web2".to_owned(), 3, true)]
    );
    let report = test.again(["report", &id]);
    report
        .success()
        .stdout_contains("remote: command finished on web1, exit 0")
        .stdout_contains("remote: command finished on web2, exit 3");
    let evidence: Vec<&str> = report.stdout.split("Evidence #").skip(1).collect();
    assert_eq!(evidence.len(), 2, "{}", report.stdout);
    for (block, (host, exit, server)) in evidence
        .iter()
        .zip([("web1", "exit 0", "127.0.0.1"), ("web2", "exit 3", "127.0.0.2")])
    {
        assert!(
            block.contains(&format!("{host} $ began=")) && block.contains(exit) && block.contains(server),
            "{block}"
        );
    }
}

/// A remote script that waits in a builtin of its own shell (its pid in
/// `$DIR/pid`), with no child that would show the incident in its
/// environment: a `read` from a pipe nobody writes to.
const BLOCKED: &str = r#"mkfifo "$DIR/fifo"
echo $$ > "$DIR/pid.tmp"; mv "$DIR/pid.tmp" "$DIR/pid"
read line < "$DIR/fifo""#;

/// [`BLOCKED`], after leaving a child in the background (its pid in
/// `$DIR/child`).
fn blocked_with_a_child() -> String {
    format!("sleep 300 & echo $! > \"$DIR/child\"\n{BLOCKED}")
}

#[test]
fn a_timeout_leaves_nothing_running_on_the_remote_host() {
    let toml = runbook(r#""{{host}}""#, BLOCKED, r#"timeout = "2s""#);
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    let output = test
        .command(["start", "r", "--var", "host=web1", "--var", &dir_arg(&test)])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shell = std::fs::read_to_string(test.root().join("pid")).unwrap();
    assert!(
        becomes_dead(&shell),
        "the remote shell {shell} outlived its timeout"
    );
}

#[test]
fn a_remote_command_left_by_a_killed_runner_is_stopped_by_resume() {
    let toml = runbook(r#""{{host}}""#, BLOCKED, r#"timeout = "10m""#);
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    let mut child = test
        .command(["start", "r", "--var", "host=web1", "--var", &dir_arg(&test)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = wait_for_file(&test.root().join("pid"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        alive(&pid),
        "the remote shell should outlive the runner killed with SIGKILL"
    );
    let id = test.only_incident();
    let outcome = test
        .command(["resume", &id, "--answer", "remote=done"])
        .output()
        .unwrap();
    assert!(
        outcome.status.success(),
        "{}",
        String::from_utf8_lossy(&outcome.stderr)
    );
    assert!(becomes_dead(&pid), "resume left the remote shell {pid} running");
    let note = test
        .events(&id)
        .into_iter()
        .find(|e| e["type"] == "note-added")
        .unwrap();
    let text = note["payload"]["text"].as_str().unwrap();
    assert!(text.contains("still running on web1"), "{text}");
}

#[test]
fn an_unknown_host_key_is_reported_with_its_fingerprint_and_nothing_runs() {
    let toml = runbook(r#""{{host}}""#, r#"touch "$DIR/ran""#, "");
    let (test, hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    std::fs::write(&hosts.known_hosts, "").unwrap();
    let output = test
        .command(["start", "r", "--var", "host=web1", "--var", &dir_arg(&test)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        !test.root().join("ran").exists(),
        "ran on a host whose key is not known"
    );
    let fingerprint = test
        .tool("ssh-keygen")
        .args(["-l", "-f"])
        .arg(hosts.dir.join("host_key_web1.pub"))
        .output()
        .unwrap();
    let fingerprint = String::from_utf8_lossy(&fingerprint.stdout);
    let sha = fingerprint.split_whitespace().nth(1).unwrap();
    assert!(stderr.contains("host key of web1 is not known"), "{stderr}");
    assert!(stderr.contains(sha), "the fingerprint {sha} is shown: {stderr}");
    assert!(
        stderr.contains("ssh-keyscan -p"),
        "what to run is shown: {stderr}"
    );
    let id = test.only_incident();
    let checked = test
        .events(&id)
        .into_iter()
        .find(|e| e["type"] == "host-checked")
        .unwrap();
    assert!(
        checked["payload"]["error"].as_str().unwrap().contains(sha),
        "{checked}"
    );
}

#[test]
fn an_unreachable_host_is_reported_before_the_first_step_and_its_step_fails_without_on_failure() {
    let toml = runbook(r#""{{host}}""#, r#"touch "$DIR/ran""#, r#"on_failure = "done""#);
    let test = Test::new().runbook("r", &toml);
    let hosts = Hosts::start(&test, &[]);
    let port = free_port(WEB2);
    std::fs::write(
        &hosts.config,
        std::fs::read_to_string(&hosts.config).unwrap()
            + &format!("Host gone\n  HostName {WEB2}\n  Port {port}\n"),
    )
    .unwrap();
    let test = test.config(&hosts.runbook_config());
    let output = test
        .command(["start", "r", "--var", "host=gone", "--var", &dir_arg(&test)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "on_failure is not taken: {stderr}");
    assert!(stderr.contains("cannot run commands on gone"), "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");
    let id = test.only_incident();
    let types = test.types(&id);
    let checked = types.iter().position(|t| t == "host-checked").unwrap();
    let entered = types.iter().position(|t| t == "step-entered").unwrap();
    assert!(checked < entered, "{types:?}");
    assert!(types.contains(&"step-failed".to_owned()), "{types:?}");
}

#[test]
fn a_destination_that_would_be_an_ssh_option_is_refused_with_nothing_run() {
    let toml = runbook(r#""{{host}}""#, r#"touch "$DIR/ran""#, "");
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    let output = test
        .command([
            "start",
            "r",
            "--var",
            "host=-oProxyCommand=touch canary",
            "--var",
            &dir_arg(&test),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("starts with `-`, which ssh would read as an option"),
        "{stderr}"
    );
    assert!(
        stderr.contains("abort this incident and start it again with `--var host=HOST`"),
        "what to do is said: {stderr}"
    );
    assert!(!test.work().join("canary").exists());
    assert!(!test.root().join("ran").exists());

    // Written into the runbook, it never loads.
    let literal = runbook(r#""-oProxyCommand=touch canary""#, "true", "");
    Test::new()
        .runbook("r", &literal)
        .args(["validate", "runbooks/r.toml"])
        .run()
        .status(2)
        .stderr_contains("`on` in step `remote`: `-oProxyCommand=touch canary` starts with `-`");
}

#[test]
fn local_runs_here_without_ssh() {
    let toml = runbook(r#""local""#, r#"echo "ssh: [$SSH_CONNECTION]" > "$DIR/ran""#, "");
    let test = Test::new().runbook("r", &toml);
    test.command(["start", "r", "--var", "host=-", "--var", &dir_arg(&test)])
        .output()
        .map(|output| {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(test.root().join("ran")).unwrap(),
        "ssh: []\n"
    );
}

#[test]
fn the_screen_says_where_a_command_runs_before_asking_to_run_it() {
    let toml = runbook(r#""{{host}}""#, r#"touch "$DIR/restarted""#, "confirm = true");
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    let walk = test.tmux([
        "start",
        "r",
        "--var",
        "host=web1",
        "--var",
        &dir_arg(&test),
        "--var",
        "note=-",
    ]);
    let screen = walk.wait_for("Run this command?").join("\n");
    assert!(
        screen.contains("web1 answers"),
        "the preflight is shown:\n{screen}"
    );
    assert!(
        screen.contains(r#"web1 $ touch "$DIR/restarted""#),
        "the question shows where it runs:\n{screen}"
    );
    walk.keys(&["y", "Enter"]);
    walk.wait_for_exit();
    assert!(test.root().join("restarted").exists());
}

#[test]
fn the_screen_shows_each_line_and_result_of_a_parallel_step_under_its_host() {
    let toml = runbook(
        r#"["web1", "web2"]"#,
        r#"echo "hello from $(echo "$SSH_CONNECTION" | cut -d' ' -f3)"; sleep 1"#,
        "parallel = 2",
    );
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1), ("web2", WEB2)]);
    let walk = test.tmux([
        "start",
        "r",
        "--var",
        "host=-",
        "--var",
        &dir_arg(&test),
        "--var",
        "note=-",
    ]);
    walk.wait_for_exit();
    let screen = walk.screen().join("\n");
    for (host, server) in [("web1", "127.0.0.1"), ("web2", "127.0.0.2")] {
        assert!(
            screen.contains(&format!("{host} $ echo"))
                && screen.contains(&format!("{host} │ hello from {server}")),
            "{host}'s output is shown under its name:\n{screen}"
        );
        assert!(
            screen
                .lines()
                .any(|line| line.contains("exit 0 after") && line.ends_with(&format!(" on {host}"))),
            "{host}'s result names it:\n{screen}"
        );
    }
}

#[test]
fn the_walk_leaves_no_ssh_connection_open_when_it_stops() {
    let toml = runbook(r#""{{host}}""#, "true", "");
    let (test, hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    test.command(["start", "r", "--var", "host=web1", "--var", &dir_arg(&test)])
        .output()
        .map(|output| {
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
        .unwrap();
    // No master of this test's (each names its ssh config) runs on.
    let config = hosts.config.display().to_string();
    let masters: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| std::fs::read(entry.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).replace('\0', " "))
        .filter(|cmdline| cmdline.contains(&config))
        .collect();
    assert!(masters.is_empty(), "control masters left running: {masters:?}");
}

#[test]
fn control_sockets_live_in_the_users_runtime_dir_and_go_with_the_walk() {
    let toml = runbook(
        r#""{{host}}""#,
        r#"ls -a "$DIR/run/runbook-ssh" > "$DIR/seen""#,
        "",
    );
    let test = Test::new().runbook("r", &toml);
    let hosts = Hosts::start(&test, &[("web1", WEB1)]);
    let runtime = test.root().join("run");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let test = test
        .config(&hosts.runbook_config())
        .env("XDG_RUNTIME_DIR", runtime.to_str().unwrap());
    // The command runs on web1, which is this machine: it sees the
    // directory while its walk holds a connection.
    let output = test
        .command(["start", "r", "--var", "host=web1", "--var", &dir_arg(&test)])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen = std::fs::read_to_string(test.root().join("seen")).unwrap();
    assert_eq!(
        seen.lines().filter(|name| !name.starts_with('.')).count(),
        1,
        "one directory for the incident: {seen}"
    );
    let left: Vec<_> = std::fs::read_dir(runtime.join("runbook-ssh"))
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name())
        .collect();
    assert!(left.is_empty(), "left after the walk: {left:?}");
}

#[test]
fn validate_checks_on_like_every_other_key() {
    insta::assert_snapshot!(crate::common::invalid(r#"schema = 1
title = "V"
on = 5

[vars.x]
prompt = "x"

[[steps]]
id = "a"
kind = "command"
title = "A"
run = "true"
on = ["{{nope}}", "web 1"]
capture = "x"
next = "done"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#), @r#"
    error: `on` in the runbook must be a destination or a non-empty list of them, found an integer
     --> runbooks/broken.toml:3:6
      |
    3 | on = 5
      |      ^
      = hint: write `on = "{{host}}"`, or a list: `on = ["web1", "web2"]`

    error: `{{nope}}` names an undeclared variable
      --> runbooks/broken.toml:13:8
       |
    13 | on = ["{{nope}}", "web 1"]
       |        ^^^^^^^^
       = hint: declare it in a [vars.nope] section

    error: `on` in step `a`: `web 1` holds a space: a destination is `host`, `user@host`, an ssh config alias or `ssh://[user@]host[:port]`
      --> runbooks/broken.toml:13:19
       |
    13 | on = ["{{nope}}", "web 1"]
       |                   ^^^^^^^
       = hint: name this machine with `local`, or another with `host`, `user@host`, an ssh config alias or `ssh://[user@]host[:port]`

    error: step `a` runs on 2 hosts but captures one value
      --> runbooks/broken.toml:14:11
       |
    14 | capture = "x"
       |           ^^^
       = hint: capture on one host: give this step its own `on = "HOST"`

    checked 1 runbook: 4 errors, 0 warnings
    [exit 2]
    "#);
}

#[test]
fn validate_checks_parallel() {
    let step = |on: &str, parallel: &str| {
        format!(
            "schema = 1\ntitle = \"V\"\n\n[[steps]]\nid = \"a\"\nkind = \"command\"\ntitle = \"A\"\nrun = \"true\"\non = {on}\nparallel = {parallel}\nnext = \"done\"\n\n[[steps]]\nid = \"done\"\nkind = \"end\"\ntitle = \"Done\"\n"
        )
    };
    let two = r#"["web1", "web2"]"#;
    insta::assert_snapshot!(crate::common::invalid(&step(two, "0")), @r"
    error: `parallel` in step `a` must be 1 or more, found 0
      --> runbooks/broken.toml:10:12
       |
    10 | parallel = 0
       |            ^
       = hint: `parallel = 2` runs it on two hosts at a time; 1 (the default) runs them in turn

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    ");
    insta::assert_snapshot!(crate::common::invalid(&step(two, "\"2\"")), @r#"
    error: `parallel` in step `a` must be an integer, found a string
      --> runbooks/broken.toml:10:12
       |
    10 | parallel = "2"
       |            ^^^
       = hint: write `parallel = 2` without quotes

    checked 1 runbook: 1 error, 0 warnings
    [exit 2]
    "#);
    // On one destination it changes nothing: said, not refused.
    Test::new()
        .runbook("one", &step(r#""web1""#, "4"))
        .args(["validate", "runbooks/one.toml"])
        .run()
        .success()
        .stderr_contains("step `a` runs on one destination: `parallel = 4` changes nothing");
    Test::new()
        .runbook("two", &step(two, "2"))
        .args(["validate", "runbooks/two.toml"])
        .run()
        .success()
        .stderr_lacks("parallel");
}

#[test]
fn ctrl_c_stops_the_remote_command_too() {
    let toml = runbook(r#""{{host}}""#, &blocked_with_a_child(), r#"timeout = "10m""#);
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1)]);
    let walk = test.tmux([
        "start",
        "r",
        "--var",
        "host=web1",
        "--var",
        &dir_arg(&test),
        "--var",
        "note=-",
    ]);
    let pid = wait_for_file(&test.root().join("pid"));
    let sleep = std::fs::read_to_string(test.root().join("child")).unwrap();
    assert!(alive(&pid));
    walk.keys(&["C-c"]);
    walk.wait_for_exit();
    assert!(becomes_dead(&pid), "the remote shell {pid} outlived Ctrl-C");
    assert!(becomes_dead(&sleep), "the remote sleep {sleep} outlived Ctrl-C");
    walk.wait_for("is paused (interrupted)");
}

#[test]
fn ctrl_c_stops_every_host_of_a_parallel_batch_and_leaves_them_to_run_again() {
    let toml = runbook(
        r#"["web1", "web2"]"#,
        r#"server=$(echo "$SSH_CONNECTION" | cut -d' ' -f3)
sleep 300 & echo $! > "$DIR/child.tmp-$server"; mv "$DIR/child.tmp-$server" "$DIR/child-$server"
wait"#,
        "parallel = 2",
    );
    let (test, _hosts) = with_hosts(&toml, &[("web1", WEB1), ("web2", WEB2)]);
    let walk = test.tmux([
        "start",
        "r",
        "--var",
        "host=-",
        "--var",
        &dir_arg(&test),
        "--var",
        "note=-",
    ]);
    let sleeps: Vec<String> = ["127.0.0.1", "127.0.0.2"]
        .iter()
        .map(|server| wait_for_file(&test.root().join(format!("child-{server}"))))
        .collect();
    walk.keys(&["C-c"]);
    walk.wait_for_exit();
    for sleep in &sleeps {
        assert!(becomes_dead(sleep), "the remote sleep {sleep} outlived Ctrl-C");
    }
    walk.wait_for("is paused (interrupted)");
    // Neither has a result: a resume asks before running either again.
    let id = test.only_incident();
    let kinds: Vec<String> = test
        .events(&id)
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .filter(|kind| kind.starts_with("command-"))
        .collect();
    assert_eq!(kinds, ["command-started", "command-started"]);
}

#[test]
fn a_jump_host_whose_key_is_not_known_fails_at_once_instead_of_asking() {
    let toml = runbook(r#""{{host}}""#, r#"touch "$DIR/ran""#, "");
    let test = Test::new().runbook("r", &toml);
    let hosts = Hosts::start(&test, &[("web1", WEB1), ("web2", WEB2)]);
    // web2, reached through web1 as a jump host whose key is not known,
    // where ssh would ask at the terminal whether to trust it.
    let unknown = hosts.dir.join("known_hosts_of_hop");
    std::fs::write(&unknown, "").unwrap();
    let jump = format!(
        "Host hop\n  HostName {}\n  Port {}\n  UserKnownHostsFile {}\n  StrictHostKeyChecking ask\n\
         Host behind\n  HostName {}\n  Port {}\n  ProxyJump hop\n",
        WEB1,
        hosts.servers[0].1.port,
        unknown.display(),
        WEB2,
        hosts.servers[1].1.port,
    );
    let config = hosts.dir.join("ssh_config_jump");
    let theirs = std::fs::read_to_string(&hosts.config).unwrap();
    std::fs::write(&config, format!("{jump}{theirs}")).unwrap();
    let test = test.config(&format!("[ssh]\nconfig = \"{}\"\n", config.display()));
    let started = Instant::now();
    let walk = test.tmux([
        "start",
        "r",
        "--var",
        "host=behind",
        "--var",
        &dir_arg(&test),
        "--var",
        "note=-",
    ]);
    let screen = walk
        .wait_until("the jump host's refusal", |screen| {
            screen.join("\n").contains("Try again?")
        })
        .join("\n");
    assert!(
        screen.contains("behind is reached through the jump host hop"),
        "{screen}"
    );
    assert!(
        !screen.contains("continue connecting"),
        "ssh asked at the terminal:\n{screen}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}:\n{screen}",
        started.elapsed()
    );
    assert!(screen.contains("behind"), "{screen}");
    assert!(!test.root().join("ran").exists());
}

#[test]
fn a_changed_host_key_stops_the_walk_with_commands_that_fix_it_once_checked() {
    let toml = runbook(r#""{{host}}""#, r#"touch "$DIR/ran""#, "");
    let (test, hosts) = with_hosts(&toml, &[("web1", WEB1), ("web2", WEB2)]);
    // web1 now offers a key other than the one known for it.
    let web1 = &hosts.servers[0].1;
    let web2 = &hosts.servers[1].1;
    std::fs::write(
        &hosts.known_hosts,
        format!("[{}]:{} {}\n", web1.address, web1.port, web2.host_key),
    )
    .unwrap();
    let args = ["start", "r", "--var", "host=web1", "--var", &dir_arg(&test)];
    let output = test.command(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("host key of web1 has changed"), "{stderr}");
    assert!(!test.root().join("ran").exists());
    // What it says to run, run as it says, puts the key offered in place.
    let fix: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("ssh-keygen ") || line.starts_with("ssh-keyscan "))
        .collect();
    let entry = format!("'[{}]:{}'", web1.address, web1.port);
    assert!(
        fix.first()
            .is_some_and(|line| line.contains(&format!("-R {entry}"))),
        "{stderr}"
    );
    for line in &fix {
        let ran = test.tool("sh").args(["-c", line]).output().unwrap();
        assert!(ran.status.success(), "{line}: {ran:?}");
    }
    let known = std::fs::read_to_string(&hosts.known_hosts).unwrap();
    assert!(known.contains(&web1.host_key), "{known}");
    assert!(!known.contains(&web2.host_key), "the old key is gone: {known}");
    let again = test.command(args).output().unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(test.root().join("ran").exists());
}
