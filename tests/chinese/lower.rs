//! What the layers below `runbook`'s commands report, said in Chinese: a
//! damaged journal, a record not in canonical form, an index line and a
//! mirror that cannot be used, the signing key, a note that cannot be
//! handed over, a walk going on with a changed runbook. What the system
//! said (an I/O error's words) may stay as it said it; nothing else is
//! English.

use super::{allowed, ascii_words, english, english_in, host_words};
use crate::common::{Outcome, Test};
use std::collections::BTreeSet;

/// The words a screen of `test` may show: ids, paths, the user and this
/// machine's name, and `extra`.
fn words(test: &Test, extra: &[&str]) -> BTreeSet<String> {
    let mut allowed = allowed(&[&crate::common::archivable()]);
    allowed.extend(ascii_words(&test.root().display().to_string()));
    allowed.extend(host_words());
    for word in [
        "ops",
        "data",
        "incidents",
        "journal",
        "jsonl",
        "json",
        "sig",
        "index",
        "config",
        "var",
        "verify",
        "records",
        "reindex",
        "keygen",
        "signing_key",
        "allowed_signers",
        "passphrase",
        "ed25519",
        "JSON",
        "chmod",
        "pending",
    ] {
        allowed.extend(ascii_words(word));
    }
    for word in extra {
        allowed.extend(ascii_words(word));
    }
    allowed
}

fn no_english(outcome: &Outcome, allowed: &BTreeSet<String>, what: &str) {
    let found = english_in(outcome, allowed);
    assert!(
        found.is_empty(),
        "English from {what}:\n{}\n{}{}",
        found.join("\n"),
        outcome.stderr,
        outcome.stdout
    );
}

/// The incident none of `known`.
fn other(test: &Test, known: &[&str]) -> String {
    std::fs::read_dir(test.data().join("incidents"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|id| !known.contains(&id.as_str()))
        .expect("a second incident")
}

#[test]
fn a_damaged_journal_a_reformatted_record_and_a_bad_index_line_read_in_chinese() {
    let test = Test::new();
    let backup = test.root().join("backup");
    let mut test = test
        .runbook("m", &crate::common::archivable())
        .config(&format!("mirrors = [\"{}\"]\n", backup.display()))
        .with_signing_key();
    // `check` names what it did (`skipped`, `mirror-failed`) for scripts.
    let allowed = words(&test, &["skipped", "mirror-failed", "SHA", "mirrors"]);
    test.again(["start", "m", "--non-interactive", "--answer", "check=done"])
        .success();
    let first = test.only_incident();
    // Its mirror is not there: archived all the same, and said so.
    let outcome = test.again([
        "archive",
        &first,
        "--lang",
        "zh",
        "--cause",
        "磁盘满",
        "--resolution",
        "已清理",
    ]);
    outcome.success().stderr_contains("不存在（备份盘是否已挂载？）");
    no_english(&outcome, &allowed, "archive with a mirror that is not there");
    let outcome = test.again(["verify", "--all", "--lang", "zh"]);
    outcome.stdout_contains("不存在（备份盘是否已挂载？）");
    no_english(&outcome, &allowed, "verify with a mirror that is not there");

    // A crash left the first one's index line pending: the next archive
    // puts it right, and says so.
    let index = test.data().join("archive/index.jsonl");
    let line = std::fs::read(&index).unwrap();
    std::fs::write(test.data().join("archive/pending"), line).unwrap();
    test.again(["start", "m", "--non-interactive", "--answer", "check=done"])
        .success();
    let third = other(&test, &[&first]);
    let outcome = test.again([
        "archive",
        &third,
        "--lang",
        "zh",
        "--cause",
        "磁盘满",
        "--resolution",
        "已清理",
    ]);
    outcome.success().stderr_contains(&format!(
        "归档：已删除过期的 pending：{first} 已在索引中（第 1 行）"
    ));
    no_english(&outcome, &allowed, "archive after a crash");

    // A journal whose first line was edited.
    test.again(["start", "m", "--non-interactive"]);
    let second = other(&test, &[&first, &third]);
    let journal = test.data().join("incidents").join(&second).join("journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let edited = text.replacen("\"Minimal\"", "\"Maximal\"", 1);
    assert_ne!(text, edited);
    std::fs::write(&journal, edited).unwrap();
    let outcome = test.again(["incidents", "--lang", "zh"]);
    outcome.stderr_contains("哈希与内容不符（该行被编辑过或已损坏）");
    no_english(&outcome, &allowed, "incidents with a damaged journal");
    let outcome = test.again(["resume", &second, "--lang", "zh", "--non-interactive"]);
    outcome
        .status(1)
        .stderr_contains("错误：日志 ")
        .stderr_contains("第 1 行：哈希与内容不符");
    no_english(&outcome, &allowed, "resume of a damaged journal");
    let outcome = test.again(["check", "--lang", "zh"]);
    outcome.stdout_contains("日志已损坏，无法继续本事件");
    no_english(&outcome, &allowed, "check of a damaged journal");

    // The record, reformatted: not in canonical form, in Chinese.
    let record = test.data().join("archive/2026/11").join(format!("{first}.json"));
    let filed = std::fs::read(&record).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&filed).unwrap();
    std::fs::write(&record, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    let outcome = test.again(["verify", &first, "--lang", "zh"]);
    outcome.status(1).stdout_contains("不是规范格式");
    no_english(&outcome, &allowed, "verify of a reformatted record");
    std::fs::write(&record, filed).unwrap();

    // An index line that is no index entry.
    let mut lines = std::fs::read(&index).unwrap();
    lines.extend_from_slice(b"garbage\n");
    std::fs::write(&index, lines).unwrap();
    let outcome = test.again(["records", "--lang", "zh"]);
    outcome.stderr_contains("不是索引条目：不是有效的 JSON（第 1 个字符处）");
    no_english(&outcome, &allowed, "records with a bad index line");
    let outcome = test.again(["verify", "--all", "--lang", "zh"]);
    outcome.status(1).stdout_contains("不是有效的 JSON");
    no_english(&outcome, &allowed, "verify of a bad index line");
}

#[test]
fn keygen_and_the_signing_key_speak_chinese() {
    let mut test = Test::new().runbook("m", &crate::common::archivable());
    let allowed = words(
        &test,
        &[
            "OpenSSH",
            "RECORD",
            "ssh",
            "pub",
            "--identity NAME",
            "ops@example.com",
        ],
    );
    let outcome = test.again(["keygen", "--lang", "zh"]);
    outcome
        .success()
        .stdout_contains("已生成签名密钥")
        .stdout_contains("（ssh-ed25519，无口令）")
        .stdout_contains("请把这一行交给审计人员");
    // The indented lines are the allowed_signers line and the command an
    // auditor runs: data and a command line.
    let said: Vec<String> = outcome
        .stdout
        .lines()
        .filter(|line| !line.starts_with("  "))
        .map(str::to_owned)
        .collect();
    let found = english(&said, &allowed);
    assert!(found.is_empty(), "English from keygen:\n{}", found.join("\n"));
    let outcome = test.again(["keygen", "--lang", "zh"]);
    outcome
        .status(2)
        .stderr_contains("错误：已拒绝：")
        .stderr_contains("提示：若要替换，请先移走");
    no_english(&outcome, &allowed, "keygen of a key that is there");
    let outcome = test.again(["keygen", "--lang", "zh", "--identity", "a,b"]);
    outcome.status(2).stderr_contains("它含有引号或逗号");
    no_english(&outcome, &allowed, "keygen of a bad identity");

    // The listing of runbooks around it: their ids and where they are
    // (a path the table wraps) are ids and paths.
    let mut listed = allowed.clone();
    for row in test.again(["list", "--json"]).json().as_array().unwrap() {
        listed.extend(ascii_words(row["id"].as_str().unwrap()));
    }
    listed.extend(["runbooks".to_owned(), "oml".to_owned(), "toml".to_owned()]);
    let outcome = test.again(["list", "--lang", "zh"]);
    outcome.success().stdout_contains("内置");
    no_english(&outcome, &listed, "list");

    test.again(["start", "m", "--non-interactive", "--answer", "check=done"])
        .success();
    let id = test.only_incident();
    let archive = |test: &mut Test, extra: &[&str]| {
        let mut args = vec![
            "archive",
            &id,
            "--lang",
            "zh",
            "--cause",
            "原因",
            "--resolution",
            "处理",
        ];
        args.extend(extra);
        test.again(args)
    };
    use std::os::unix::fs::PermissionsExt;
    let empty = test.work().join("empty");
    std::fs::write(&empty, "").unwrap();
    std::fs::set_permissions(&empty, std::fs::Permissions::from_mode(0o600)).unwrap();
    let outcome = archive(&mut test, &["--passphrase-file", "empty"]);
    outcome
        .status(2)
        .stderr_contains("是空的；密钥没有口令时请不要给出该选项");
    no_english(&outcome, &allowed, "archive with an empty passphrase file");
    let key = test.config_dir().join("signing_key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let outcome = archive(&mut test, &[]);
    outcome
        .status(2)
        .stderr_contains("已拒绝：签名密钥 ")
        .stderr_contains("对属组或其他用户可读（权限 0644）");
    no_english(&outcome, &allowed, "archive with a key others can read");
}

#[test]
fn archive_asks_for_the_passphrase_in_chinese() {
    let mut test = Test::new()
        .real_clock()
        .runbook("m", &crate::common::archivable())
        .file("pw", "口令很长\n")
        .chmod("pw", 0o600);
    test.again(["keygen", "--lang", "zh", "--passphrase-file", "pw"])
        .success()
        .stdout_contains("（ssh-ed25519，已用口令加密）");
    test.again(["start", "m", "--non-interactive", "--answer", "check=done"])
        .success();
    let id = test.only_incident();
    let archive = test.tmux([
        "archive",
        &id,
        "--lang",
        "zh",
        "--cause",
        "原因",
        "--resolution",
        "处理",
    ]);
    let screen = archive.wait_for("的口令");
    archive.keys(&["口令很长", "Enter"]);
    archive.wait_for_exit();
    let prompt: Vec<String> = screen.into_iter().filter(|line| line.contains("口令")).collect();
    let found = english(&prompt, &words(&test, &[]));
    assert!(found.is_empty(), "English in the prompt:\n{}", found.join("\n"));
    assert!(
        archive.screen().iter().any(|line| line.contains("已归档")),
        "{:?}",
        archive.screen()
    );
}

#[test]
fn a_note_that_cannot_be_handed_over_is_refused_in_chinese() {
    let mut test = Test::new()
        .real_clock()
        .runbook("m", crate::common::MINIMAL)
        .file("evidence.txt", "磁盘满\n");
    let walk = test.tmux(["start", "m", "--lang", "zh"]);
    walk.wait_for("? 结果");
    let id = test.only_incident();
    // The inbox cannot be made: a file is where it would be.
    std::fs::write(test.data().join("incidents").join(&id).join("inbox"), "").unwrap();
    // What the system says of it is quoted as it said it.
    let allowed = words(
        &test,
        &[
            "Not",
            "a",
            "directory",
            "os",
            "error",
            "inbox",
            "tmp",
            "evidence",
            "txt",
            "Ctrl",
        ],
    );
    for args in [
        &["note", &id, "看过了", "--lang", "zh"][..],
        &["attach", &id, "evidence.txt", "--lang", "zh"],
    ] {
        let outcome = test.again(args.iter().copied());
        outcome
            .status(1)
            .stderr_contains("错误：无法交给")
            .stderr_contains("提示：");
        no_english(&outcome, &allowed, &format!("{args:?}"));
    }
    walk.keys(&["Enter"]);
}

#[test]
fn going_on_with_a_changed_runbook_is_noted_in_chinese() {
    let mut test = Test::new().runbook("m", crate::common::MINIMAL);
    test.again(["start", "m", "--non-interactive"]);
    let id = test.only_incident();
    let changed = crate::common::MINIMAL.replace("Check the service", "Check the service again");
    std::fs::write(test.work().join("runbooks/m.toml"), changed).unwrap();
    let outcome = test.again([
        "resume",
        &id,
        "--lang",
        "zh",
        "--non-interactive",
        "--accept-changed-runbook",
        "--answer",
        "check=done",
    ]);
    outcome.success();
    // The journal keeps its English.
    assert!(
        test.events(&id).iter().any(|event| event["payload"]["text"]
            .as_str()
            .is_some_and(|text| text.starts_with("going on with a changed runbook"))),
        "{:?}",
        test.events(&id)
    );
    let allowed = words(&test, &["again"]);
    no_english(&outcome, &allowed, "resume of a changed runbook");
    let outcome = test.again(["report", &id, "--lang", "zh"]);
    outcome
        .success()
        .stdout_contains("按改动后的预案继续：开始时 sha256 为");
    no_english(&outcome, &allowed, "report of a changed runbook");

    // A file that is not there is not attached; the system's words are
    // quoted.
    let outcome = test.again(["attach", &id, "missing.txt", "--lang", "zh"]);
    outcome.status(2).stderr_contains("错误：无法");
    let allowed = words(
        &test,
        &[
            "missing.txt",
            "No",
            "such",
            "file",
            "or",
            "directory",
            "os",
            "error",
        ],
    );
    no_english(&outcome, &allowed, "attach of a file that is not there");
}

#[test]
fn a_host_ssh_cannot_reach_is_said_in_chinese() {
    use crate::common::sshd::{Hosts, free_port};
    let test = Test::new().runbook("r", super::REMOTE);
    let hosts = Hosts::start(&test, &[]);
    let gone = std::net::Ipv4Addr::new(127, 0, 0, 2);
    let port = free_port(gone);
    std::fs::write(
        &hosts.config,
        std::fs::read_to_string(&hosts.config).unwrap()
            + &format!("Host gone\n  HostName {gone}\n  Port {port}\n"),
    )
    .unwrap();
    let mut test = test.config(&hosts.runbook_config());
    let outcome = test.again([
        "start",
        "r",
        "--lang",
        "zh",
        "--non-interactive",
        "--var",
        "host=gone",
    ]);
    outcome.status(1).stderr_contains("ssh 连不上 gone：");
    let id = test.only_incident();
    // The journal keeps its English.
    assert!(
        test.events(&id).iter().any(|event| event["payload"]["error"]
            .as_str()
            .is_some_and(|error| error.starts_with("ssh could not reach gone: "))),
        "{:?}",
        test.events(&id)
    );
    // What ssh said is quoted as it said it.
    let allowed = words(
        &test,
        &[
            super::REMOTE,
            "gone",
            "ssh",
            "connect",
            "to",
            "host",
            "port",
            "Connection",
            "refused",
        ],
    );
    no_english(&outcome, &allowed, "a walk to a host ssh cannot reach");
    let outcome = test.again(["report", &id, "--lang", "zh"]);
    outcome.success().stdout_contains("ssh 连不上 gone：");
    no_english(&outcome, &allowed, "the report of it");
}

#[test]
fn an_unknown_host_key_is_said_in_chinese_with_what_to_run() {
    use crate::common::sshd::Hosts;
    let test = Test::new().runbook("r", super::REMOTE);
    let hosts = Hosts::start(&test, &[("web1", std::net::Ipv4Addr::new(127, 0, 0, 1))]);
    std::fs::write(&hosts.known_hosts, "").unwrap();
    let mut test = test.config(&hosts.runbook_config());
    let outcome = test.again([
        "start",
        "r",
        "--lang",
        "zh",
        "--non-interactive",
        "--var",
        "host=web1",
    ]);
    outcome
        .status(1)
        .stderr_contains("web1 的主机密钥未知（不在 known_hosts 中）；那里什么也没有运行")
        .stderr_contains("请与主机所有者提供的指纹（控制台、服务商）核对；若一致，请运行：")
        .stderr_contains("然后重试");
    // What to run and the fingerprints offered are commands and keys.
    let said: Vec<String> = outcome
        .stderr
        .lines()
        .chain(outcome.stdout.lines())
        .filter(|line| !line.trim_start().starts_with("ssh-") && !line.contains("SHA256:"))
        .map(str::to_owned)
        .collect();
    let allowed = words(&test, &[super::REMOTE, "web1", "known_hosts", "ssh-keyscan"]);
    let found = english(&said, &allowed);
    assert!(
        found.is_empty(),
        "English:\n{}\n{}",
        found.join("\n"),
        outcome.stderr
    );
}
