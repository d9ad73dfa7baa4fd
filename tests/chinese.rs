//! Chinese from end to end: a walk of a bundled plan at a real terminal
//! with `--lang zh` shows no English of runbook's own, nor does the report
//! of the incident; and one record reads in either language.

use crate::common::Test;
use std::collections::BTreeSet;

const PLAN: &str = include_str!("../runbooks/server-software-failure.toml");

/// Words that may show on a Chinese screen: the plan's ids, commands,
/// patterns and the Chinese of its texts (which name `ssh`, `systemd`),
/// what was typed, and runbook's own command lines and abbreviations.
fn allowed(typed: &[&str]) -> BTreeSet<String> {
    fn collect(value: &toml::Value, key: &str, words: &mut BTreeSet<String>) {
        words.extend(ascii_words(key));
        match value {
            toml::Value::String(text) => words.extend(ascii_words(text)),
            toml::Value::Array(items) => items.iter().for_each(|item| collect(item, "", words)),
            toml::Value::Table(table) if table.contains_key("en") && table.contains_key("zh") => {
                collect(&table["zh"], "", words);
            }
            toml::Value::Table(table) => table.iter().for_each(|(key, value)| collect(value, key, words)),
            _ => {}
        }
    }
    let plan: toml::Value = toml::from_str(PLAN).unwrap();
    let mut words = BTreeSet::new();
    collect(&plan, "", &mut words);
    for text in typed {
        words.extend(ascii_words(text));
    }
    // Ids, times, the commands runbook names for going on, and the
    // prefixes `verify` keeps for scripts.
    for word in [
        "INC", "UTC", "sha", "SHA", "runbook", "resume", "archive", "abort", "report", "full", "answer",
        "retry", "done", "show", "ok", "FAILED",
    ] {
        words.insert(word.to_owned());
    }
    words
}

/// Runs of two or more ASCII letters: what reads as an English word.
/// Hashes (whole, or the 12 digits shown of one) and key fingerprints are
/// not words.
fn ascii_words(text: &str) -> Vec<String> {
    let hashes = regex::Regex::new(r"SHA256:[A-Za-z0-9+/=]+|[0-9a-f]{12,}").unwrap();
    hashes
        .replace_all(text, " ")
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|word| word.len() >= 2)
        .map(str::to_owned)
        .collect()
}

/// The words of this machine's name, which a screen shows as who acted.
fn host_words() -> Vec<String> {
    ascii_words(&std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default())
}

/// The English words on `lines` that are not `allowed`, leaving out what
/// commands printed (`│` lines) and the commands themselves (`$` lines).
fn english(lines: &[String], allowed: &BTreeSet<String>) -> Vec<String> {
    let command = |line: &str| line.trim_start().starts_with('$') || line.contains(" $ ");
    // A command line the 100 columns of the window wrapped goes on, with
    // no `$`, on the next screen line.
    let mut wrapped = false;
    lines
        .iter()
        .filter(|line| {
            let part_of_command = command(line) || wrapped;
            wrapped = part_of_command && line.chars().count() >= 99;
            // `│` frames what a command printed on the screen; a report's
            // evidence prints commands and their output after `  | `.
            !line.contains('│') && !line.starts_with("  | ") && !part_of_command
        })
        .flat_map(|line| {
            ascii_words(line)
                .into_iter()
                .filter(|word| !allowed.contains(word))
                .map(move |word| format!("{word:?} in {line:?}"))
        })
        .collect()
}

/// A `systemctl` that says every service is fine.
const SYSTEMCTL: &str =
    "#!/bin/sh\ncase \"$1\" in is-active) echo active ;; *) echo \"systemctl $*\" ;; esac\nexit 0\n";

fn test() -> Test {
    use std::os::unix::fs::PermissionsExt;
    // The walk in tmux reads the real clock: so does what follows it.
    let test = Test::new()
        .real_clock()
        .file("bin/systemctl", SYSTEMCTL)
        .with_signing_key();
    let path = test.work().join("bin/systemctl");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    test
}

/// A drill of the headline plan without a maintenance agreement, in
/// Chinese: restart, reboot, hand over to the customer. Every screen on
/// the way is read.
fn walk_in_chinese(test: &Test) -> Vec<String> {
    let walk = test.tmux([
        "drill",
        "server-software-failure",
        "--lang",
        "zh",
        "--var",
        "host=local",
        "--var",
        "symptom=网站无法访问",
    ]);
    let mut seen = Vec::new();
    let mut step = |wait: &str, keys: &[&str]| {
        seen.extend(walk.wait_for(wait));
        walk.keys(keys);
    };
    // An active prompt starts with `?`; an answered one with `✔`.
    step("? 发生故障的应用服务", &["nginx", "Enter"]);
    step("? 应用程序及数据目录", &["Enter"]);
    step("? 该服务器上存放备份的目录", &["Enter"]);
    step("? 请选择", &["Down", "Enter"]); // 二级
    step("? 是否已通知", &["Enter"]); // 已通知用户
    step("? 备注（回车跳过）", &["Enter"]);
    step("? 该服务器是否签有维护协议", &["Down", "Enter"]); // 否
    step("? 重启后故障是否排除", &["Down", "Enter"]); // 否
    step("? 服务器重启后故障是否排除", &["Down", "Enter"]); // 否
    step("? 是否已通知", &["Enter"]); // 已通知
    step("? 备注（回车跳过）", &["Enter"]);
    step("? 结果", &["Enter"]); // 已完成
    step("? 备注（回车跳过）", &["Enter"]);
    walk.wait_for_exit();
    seen.extend(walk.screen());
    seen
}

#[test]
fn a_chinese_walk_shows_no_english_of_its_own_nor_does_its_report() {
    let mut test = test();
    let screens = walk_in_chinese(&test);
    let allowed = allowed(&["nginx", "local", "vm", "ops"]);
    let id = test.only_incident();
    // What a drill skips, and how it ended, in Chinese.
    let all = screens.join("\n");
    for needle in [
        "已开始：服务器软件系统故障应急预案",
        "未执行（演练：跳过）",
        "未配置通知渠道",
        &format!("{id} 已结束：已移交"),
    ] {
        assert!(all.contains(needle), "lacks {needle:?}:\n{all}");
    }
    let found = english(&screens, &allowed);
    assert!(
        found.is_empty(),
        "English on a Chinese screen:\n{}",
        found.join("\n")
    );

    // Its report, as a draft and once archived.
    let report = test.again(["report", &id, "--lang", "zh"]);
    report.success();
    let lines: Vec<String> = report.stdout.lines().map(str::to_owned).collect();
    let actor = test.events(&id)[0]["actor"].as_str().unwrap().to_owned();
    let mut allowed = allowed;
    allowed.extend(ascii_words(&actor));
    let found = english(&lines, &allowed);
    assert!(
        found.is_empty(),
        "English in a Chinese report:\n{}",
        found.join("\n")
    );
    assert!(
        report
            .stdout
            .contains("预案      服务器软件系统故障应急预案（server-software-failure）")
    );
    assert!(
        report
            .stdout
            .contains("intake：二级（一般）：业务部分中断或性能下降（操作员）")
    );

    let archived = test.again([
        "archive",
        &id,
        "--lang",
        "zh",
        "--cause",
        "配置错误",
        "--resolution",
        "已移交客户",
    ]);
    archived.success().stdout_contains("已归档");
    // Its paths are ids and paths; what is around them is Chinese.
    let lines: Vec<String> = archived
        .stdout
        .lines()
        .map(|line| line.split('/').next().unwrap_or("").to_owned())
        .collect();
    let found = english(&lines, &allowed);
    assert!(found.is_empty(), "English from archive:\n{}", found.join("\n"));
    let report = test.again(["report", &id, "--lang", "zh"]);
    report.success();
    let lines: Vec<String> = report.stdout.lines().map(str::to_owned).collect();
    let found = english(&lines, &allowed);
    assert!(
        found.is_empty(),
        "English in a Chinese report:\n{}",
        found.join("\n")
    );
    // The first draft of what happened, in the language it was filed in.
    assert!(
        report.stdout.contains("演练：按预案“服务器软件系统故障应急预案”"),
        "{}",
        report.stdout
    );

    // The listings and checks around it.
    for args in [
        &["incidents", "--all", "--lang", "zh"][..],
        &["records", "--lang", "zh"],
        &["verify", "--all", "--lang", "zh"],
        &["check", "--lang", "zh"],
    ] {
        let outcome = test.again(args.iter().copied());
        let lines: Vec<String> = outcome.stdout.lines().map(str::to_owned).collect();
        let found = english(&lines, &allowed);
        assert!(found.is_empty(), "English in {args:?}:\n{}", found.join("\n"));
    }
}

#[test]
fn one_record_prints_in_either_language() {
    let mut test = test();
    walk_in_chinese(&test);
    let id = test.only_incident();
    test.archive(&id).success();
    // The record keeps what was journaled, in the language of the walk.
    let record = test.again(["report", &id, "--format", "json"]);
    record.success();
    let json = record.json();
    assert_eq!(json["runbook"]["title"], "Server software failure");
    assert_eq!(json["format"], "runbook-record/2");
    // Printed, it reads in the language asked for: the plan's title and
    // the option chosen from the plan, the words around them from the
    // catalogue.
    // Markdown: table rows are not wrapped.
    let en = test.again(["report", &id, "--lang", "en", "--format", "markdown"]);
    en.success()
        .stdout_contains("Server software failure (server-software-failure)")
        .stdout_contains("intake: General (二级): a service degraded or partly down (by the operator)")
        .stdout_lacks("事件报告");
    let zh = test.again(["report", &id, "--lang", "zh", "--format", "markdown"]);
    zh.success()
        .stdout_contains("服务器软件系统故障应急预案（server-software-failure）")
        .stdout_contains("intake：二级（一般）：业务部分中断或性能下降（操作员）")
        .stdout_lacks("Incident report");
}

/// A plan whose one command runs where `host` says.
const REMOTE: &str = r#"schema = 1
title = "Remote"
archive_within = "1d"

[vars.host]
prompt = "Host"

[[steps]]
id = "remote"
kind = "command"
title = "On the host"
on = "{{host}}"
run = "true"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// The English words of what a run printed on stderr and stdout.
fn english_in(outcome: &crate::common::Outcome, allowed: &BTreeSet<String>) -> Vec<String> {
    let lines: Vec<String> = outcome
        .stderr
        .lines()
        .chain(outcome.stdout.lines())
        .map(str::to_owned)
        .collect();
    english(&lines, allowed)
}

#[test]
fn errors_warnings_refusals_and_findings_read_in_chinese() {
    let mut test = Test::new().runbook("r", REMOTE).with_signing_key();
    // Ids, paths and the commands, flags and placeholders runbook names.
    let mut allowed = allowed(&[
        REMOTE,
        "tmp",
        "data",
        "incidents",
        "journal",
        "jsonl",
        "torn",
        "json",
        "sig",
    ]);
    allowed.extend(ascii_words(&test.root().display().to_string()));
    // Who acted: the user and this machine's name.
    allowed.extend(host_words());
    for word in [
        "ops",
        "var",
        "HOST",
        "local",
        "records",
        "reindex",
        "oProxyCommand",
        "nope",
    ] {
        allowed.insert(word.to_owned());
    }
    let check = |outcome: &crate::common::Outcome, what: &str| {
        let found = english_in(outcome, &allowed);
        assert!(
            found.is_empty(),
            "English from {what}:\n{}\n{}{}",
            found.join("\n"),
            outcome.stderr,
            outcome.stdout
        );
    };

    // An id that names nothing: `error:` and `hint:` too.
    let outcome = test.again(["resume", "INC-20261128-0099", "--lang", "zh"]);
    outcome
        .status(2)
        .stderr_contains("错误：没有事件 `INC-20261128-0099`");
    outcome.stderr_contains("提示：");
    check(&outcome, "resume of no incident");

    // A destination that would be an ssh option: refused, nothing run.
    let outcome = test.again([
        "start",
        "r",
        "--lang",
        "zh",
        "--non-interactive",
        "--var",
        "host=-oProxyCommand",
    ]);
    outcome
        .status(2)
        .stderr_contains("以 `-` 开头，ssh 会把它当作选项");
    check(&outcome, "a refused destination");
    let id = test.only_incident();
    // The journal keeps its English.
    let events = test.events(&id);
    assert!(
        events.iter().any(|event| event["payload"]["reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("which ssh would read as an option"))),
        "{events:?}"
    );

    // Resumed, it is refused again; aborted, there is nothing to resume.
    let outcome = test.again(["resume", &id, "--lang", "zh", "--non-interactive"]);
    outcome.status(2).stderr_contains("ssh 会把它当作选项");
    check(&outcome, "resume");
    // An answer the plan cannot take, and a variable set already.
    let outcome = test.again([
        "resume",
        &id,
        "--lang",
        "zh",
        "--non-interactive",
        "--answer",
        "nope=1",
        "--var",
        "host=local",
    ]);
    outcome
        .status(2)
        .stderr_contains("错误：回答无效")
        .stderr_contains("`r` 没有步骤 `nope`")
        .stderr_contains("变量一经设定不可更改");
    check(&outcome, "answers refused");
    let outcome = test.again(["abort", &id, "--reason", "主机填错了", "--lang", "zh"]);
    outcome.success();
    check(&outcome, "abort");
    let outcome = test.again(["resume", &id, "--lang", "zh", "--non-interactive"]);
    outcome.status(2).stderr_contains("没有可继续的内容");
    check(&outcome, "resume of an ended incident");

    // Archived, then its kept journal gets a torn line: verify fails it.
    let outcome = test.again([
        "archive",
        &id,
        "--lang",
        "zh",
        "--cause",
        "主机填错",
        "--resolution",
        "已中止",
    ]);
    outcome.success();
    check(&outcome, "archive");
    let outcome = test.again(["archive", &id, "--lang", "zh"]);
    outcome.status(2).stderr_contains(&format!("错误：{id} 已归档"));
    check(&outcome, "archive of an archived incident");
    let journal = test.data().join("incidents").join(&id).join("journal.jsonl");
    let mut text = std::fs::read(&journal).unwrap();
    text.extend_from_slice(b"{\"seq\":");
    std::fs::write(&journal, text).unwrap();
    let outcome = test.again(["verify", &id, "--lang", "zh"]);
    outcome.status(1).stdout_contains(&format!("FAILED {id}：日志："));
    check(&outcome, "verify of a record whose journal has a torn line");
    // A record file changed after filing: its digest, its form in the
    // record reader's words, and its signature.
    let record = test.data().join("archive/2026/11").join(format!("{id}.json"));
    let filed = std::fs::read(&record).unwrap();
    let mut bytes = filed.clone();
    bytes.push(b'\n');
    std::fs::write(&record, bytes).unwrap();
    let outcome = test.again(["verify", &id, "--lang", "zh"]);
    outcome
        .status(1)
        .stdout_contains(&format!("FAILED {id}：摘要：记录的 SHA-256 为"))
        .stdout_contains("不是规范格式（键按序排列、紧凑书写、末尾恰有一个换行）")
        .stdout_contains(&format!("FAILED {id}：签名：签名不符"));
    check(&outcome, "verify of a changed record");
    std::fs::write(&record, filed).unwrap();
    let outcome = test.again(["verify", "INC-20261128-0099", "--lang", "zh"]);
    outcome
        .status(1)
        .stdout_contains("FAILED INC-20261128-0099：索引：");
    check(&outcome, "verify of a record not in the archive");
    for args in [
        &["incidents", "--all", "--lang", "zh"][..],
        &["records", "--lang", "zh"],
        &["note", &id, "看过了", "--lang", "zh"],
        &["report", &id, "--lang", "zh"],
    ] {
        let outcome = test.again(args.iter().copied());
        check(&outcome, &format!("{args:?}"));
    }
}

/// A plan that tells someone, and then ends.
const TELLS: &str = r#"schema = 1
title = "Tells"

[contacts.boss]
role = "Boss"
name = "Boss"

[[steps]]
id = "tell"
kind = "notify"
title = "Tell the boss"
to = ["boss"]
message = "Down."

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

#[test]
fn a_notifier_that_fails_is_said_in_chinese() {
    let mut test = Test::new()
        .runbook("t", TELLS)
        .config("[[notifiers]]\nname = \"mail\"\ntype = \"command\"\ncommand = \"exit 3\"\n");
    let outcome = test.again(["start", "t", "--lang", "zh", "--non-interactive"]);
    let all = format!("{}{}", outcome.stderr, outcome.stdout);
    assert!(all.contains("退出码 3"), "{all}");
    let id = test.only_incident();
    // The journal keeps the notifier's own words.
    let events = test.events(&id);
    assert!(
        events.iter().any(|event| event["payload"]["error"] == "exit 3"),
        "{events:?}"
    );
    let mut allowed = allowed(&[TELLS, "mail", "ops"]);
    allowed.extend(host_words());
    for outcome in [outcome, test.again(["check", "--lang", "zh"])] {
        let found = english_in(&outcome, &allowed);
        assert!(
            found.is_empty(),
            "English:\n{}\n{}{}",
            found.join("\n"),
            outcome.stderr,
            outcome.stdout
        );
    }
}

mod lower;
