//! `runbook report` through the binary: an archived incident's report in
//! every format and both languages, with its signature checked; a draft
//! for an incident not archived yet; a tampered signature shown as such.

mod evidence;
mod formats;
mod print;
mod snapshots;
mod standing;

use crate::common::Test;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const ID: &str = "INC-20261128-0001";

const FIXED: &str = r#"schema = 1
title = { en = "Fixed", zh = "修复" }
version = "2026.1"
archive_within = "1d"

[[steps]]
id = "fix"
kind = "command"
title = "Fix it"
run = "echo fixed; echo '<b>bold</b>'"
timeout = "10s"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// A test environment with a signing key made by `ssh-keygen` and an
/// allowed_signers line for it.
fn with_key() -> Test {
    let test = Test::new().runbook("fixed", FIXED);
    let test = test.with_signing_key();
    test.file("evidence.txt", "hello\n")
}

/// Runs `args` with the clock pinned at `at`.
fn at(test: Test, at: &str) -> Test {
    test.env("RUNBOOK_NOW", at)
}

/// An incident started at NOW, paused at `check`, with a note (holding
/// markup) and an attachment: still open.
fn open_incident() -> Test {
    let mut test = with_key();
    test.again(["start", "fixed"]).status(3);
    let mut test = at(test, "2026-11-28T09:01:00Z");
    test.again(["note", ID, "<script>alert(1)</script> disk full"])
        .success();
    let mut test = at(test, "2026-11-28T09:02:00Z");
    test.again(["attach", ID, "evidence.txt"]).success();
    test
}

/// The same incident, ended at 09:05 and archived at 10:00.
fn archived_incident() -> Test {
    archived_with(&[
        "--what-happened",
        "nginx on web1 stopped answering.",
        "--cause",
        "The log partition filled up.",
        "--resolution",
        "Rotated logs & restarted nginx.",
        "--follow-up",
        "Alert at 80% disk use",
    ])
}

/// The same incident, archived at 10:00 with `summary` (`archive`'s
/// `--cause` and the like) for its summary.
fn archived_with(summary: &[&str]) -> Test {
    let test = open_incident();
    let mut test = at(test, "2026-11-28T09:05:00Z");
    test.again(["resume", ID, "--answer", "check=done"]).success();
    let mut test = at(test, "2026-11-28T10:00:00Z");
    let mut args = vec!["archive", ID];
    args.extend_from_slice(summary);
    test.again(args).success();
    at(test, "2026-11-28T11:00:00Z")
}

fn record_path(test: &Test) -> PathBuf {
    test.data().join("archive/2026/11").join(format!("{ID}.json"))
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned()
}

/// What differs from run to run: the host, the key, hashes over both, and
/// how long `echo` took.
fn stable(text: &str) -> String {
    let text = text.replace(&format!("ops@{}", hostname()), "ops@HOST");
    let text = regex::Regex::new(r"SHA256:[A-Za-z0-9+/]{43}")
        .unwrap()
        .replace_all(&text, "SHA256:[key]");
    let text = regex::Regex::new(r"[0-9a-f]{64}")
        .unwrap()
        .replace_all(&text, "[sha256]");
    let text = regex::Regex::new(r"took [0-9.]+ m?s")
        .unwrap()
        .replace_all(&text, "took [time]");
    let text = regex::Regex::new(r"用时 [0-9.]+ (m?s|毫秒|秒)")
        .unwrap()
        .replace_all(&text, "用时 [time]");
    regex::Regex::new(r"(duration[^0-9\n]{0,12})[0-9]+ ?ms")
        .unwrap()
        .replace_all(&text, "${1}[time]")
        .into_owned()
}

/// Checks that `page` is well-formed: every element closed in order (but
/// the void `meta` and `br`), attributes quoted, and no `<` or `&` in text
/// that does not start a tag or an entity.
fn assert_well_formed(page: &str) {
    let page = page.strip_prefix("<!DOCTYPE html>\n").expect("a doctype first");
    let tag = regex::Regex::new(r#"^<(/?)([a-z][a-z0-9]*)((?:\s+[a-z-]+="[^"<>]*")*)\s*(/?)>"#).unwrap();
    let entity = regex::Regex::new(r"^&(amp|lt|gt|quot|#39);").unwrap();
    let mut open: Vec<String> = Vec::new();
    let mut rest = page;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let found = tag
                    .captures(rest)
                    .unwrap_or_else(|| panic!("not a tag: {:?}", &rest[..rest.len().min(60)]));
                let name = found[2].to_owned();
                let closing = !found[1].is_empty();
                let void = !found[4].is_empty() || matches!(name.as_str(), "meta" | "br");
                rest = &rest[found[0].len()..];
                if closing {
                    assert_eq!(open.pop().as_deref(), Some(name.as_str()), "misnested </{name}>");
                } else if !void {
                    if name == "style" {
                        let end = rest.find("</style>").expect("</style>");
                        assert!(!rest[..end].contains('<'), "markup in the style");
                        rest = &rest[end..];
                    }
                    open.push(name);
                }
            }
            '&' => {
                let found = entity
                    .find(rest)
                    .unwrap_or_else(|| panic!("a bare &: {:?}", &rest[..rest.len().min(60)]));
                rest = &rest[found.end()..];
            }
            c => rest = &rest[c.len_utf8()..],
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
}
