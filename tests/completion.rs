//! Completion as a shell does it: bash sources `runbook completions bash`
//! and asks at each Tab, with the binary answering from what it finds here.

use crate::common::Test;

/// What bash offers for the words typed so far, the last being completed.
fn complete(test: &Test, words: &[&str]) -> Vec<String> {
    let bin = test.work().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("runbook");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_runbook"), &link).unwrap();
    }
    let quoted: Vec<String> = words.iter().map(|word| format!("'{word}'")).collect();
    let script = format!(
        "source <(runbook completions bash) || exit 9\n\
         COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9\n\
         _clap_complete_runbook runbook {current} {previous}\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        words = quoted.join(" "),
        cword = words.len() - 1,
        current = quoted[words.len() - 1],
        previous = quoted[words.len() - 2],
    );
    let output = test.tool("bash").args(["-c", &script]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter(|line| !line.is_empty())
        // bash shows `value` or `value (help)` per candidate.
        .map(|line| line.split_whitespace().next().unwrap_or("").to_owned())
        // Options are offered beside values; these tests are about values.
        .filter(|value| !value.starts_with('-'))
        .collect()
}

#[test]
fn start_completes_runbook_ids_and_incident_commands_their_incidents() {
    let mut test = Test::new().with_signing_key();
    let commands = complete(&test, &["runbook", ""]);
    for command in ["start", "resume", "told", "archive", "report"] {
        assert!(commands.contains(&command.to_owned()), "{commands:?}");
    }
    assert_eq!(
        complete(&test, &["runbook", "start", "serv"]),
        ["server-software-failure"]
    );
    let all = complete(&test, &["runbook", "drill", ""]);
    assert!(all.contains(&"data-loss".to_owned()) && all.len() == 6, "{all:?}");
    assert_eq!(complete(&test, &["runbook", "resume", ""]), Vec::<String>::new());

    // One paused, one ended and archived, one ended and not archived.
    test.again(["start", "data-loss"]).status(3);
    let minimal = crate::common::archivable();
    let mut test = {
        let dir = test.work().join("runbooks");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("min.toml"), &minimal).unwrap();
        test
    };
    test.again(["start", "min", "--answer", "check=done"]).success();
    test.again(["start", "min", "--answer", "check=done"]).success();
    let ids: Vec<String> = {
        let mut ids: Vec<String> = std::fs::read_dir(test.data().join("incidents"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        ids.sort();
        ids
    };
    let [paused, archived, ended] = [&ids[0], &ids[1], &ids[2]];
    test.archive(archived).success();

    assert_eq!(complete(&test, &["runbook", "resume", ""]), [paused.as_str()]);
    assert_eq!(complete(&test, &["runbook", "note", "INC"]), [paused.as_str()]);
    assert_eq!(complete(&test, &["runbook", "archive", ""]), [ended.as_str()]);
    let mut any = complete(&test, &["runbook", "report", ""]);
    any.sort();
    assert_eq!(any, ids);
    // The runbooks of this directory too.
    assert_eq!(complete(&test, &["runbook", "show", "mi"]), ["min"]);
}
