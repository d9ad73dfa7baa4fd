//! Mirrors: every archived record reaches each configured copy — a
//! directory and a git remote (a local bare repository here) — and a copy
//! verifies as the local archive does. A mirror that cannot be reached
//! never costs the local record; `runbook check` catches it up later.

use crate::common::{Test, archivable};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const IDS: [&str; 2] = ["INC-20261128-0001", "INC-20261128-0002"];

/// A test environment with a signing key made by `ssh-keygen`, an
/// allowed_signers line for it, and `mirrors` in the config.
fn with_mirrors(mirrors: &[String]) -> Test {
    let list = mirrors
        .iter()
        .map(|m| format!("{m:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let test = Test::new()
        .runbook("fixed", &archivable())
        .config(&format!("mirrors = [{list}]\n"));
    test.with_signing_key()
}

/// Runs one incident of `fixed` to its end and archives it.
fn finish_and_archive(test: &mut Test, id: &str) -> crate::common::Outcome {
    test.again(["start", "fixed", "--answer", "check=done"]).success();
    test.archive(id)
}

fn relative(id: &str) -> PathBuf {
    PathBuf::from("2026/11").join(format!("{id}.json"))
}

/// The system git, in `dir`, with the test's empty home for its config.
fn git(test: &Test, dir: &Path, args: &[&str]) -> String {
    let output = test
        .tool("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn bare_repository(test: &Test, path: &Path) {
    git(
        test,
        &test.work(),
        &["init", "--quiet", "--bare", path.to_str().unwrap()],
    );
}

/// Clones `remote` into `work/NAME` and returns its path.
fn clone(test: &Test, remote: &Path, name: &str) -> PathBuf {
    git(
        test,
        &test.work(),
        &["clone", "--quiet", remote.to_str().unwrap(), name],
    );
    test.work().join(name)
}

fn verify_copy(test: &mut Test, copy: &Path) {
    test.again(["verify", "--all", "--archive", copy.to_str().unwrap()])
        .success()
        .stdout_contains(&format!("ok {}", IDS[1]))
        .stdout_contains("verified 2 records: 0 failed");
}

#[test]
fn a_directory_mirror_receives_records_signatures_and_the_index() {
    let backup = tempfile::tempdir().unwrap();
    let mirror = backup.path().join("runbook-archive");
    std::fs::create_dir(&mirror).unwrap();
    let mut test = with_mirrors(&[mirror.display().to_string()]);
    for id in IDS {
        finish_and_archive(&mut test, id)
            .success()
            .stdout_contains(&format!("mirrored to {}", mirror.display()));
    }
    let local = test.data().join("archive");
    for id in IDS {
        for name in [
            relative(id),
            PathBuf::from(format!("{}.sig", relative(id).display())),
        ] {
            let copy = mirror.join(&name);
            assert_eq!(
                std::fs::read(&copy).unwrap(),
                std::fs::read(local.join(&name)).unwrap()
            );
            let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o444, "{}", copy.display());
        }
    }
    assert_eq!(
        std::fs::read(mirror.join("index.jsonl")).unwrap(),
        std::fs::read(local.join("index.jsonl")).unwrap()
    );
    assert!(
        !std::fs::read_dir(mirror.join("2026/11")).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".tmp"))
    );
    verify_copy(&mut test, &mirror);
    // Up to date: check has nothing to do for it.
    test.again(["check"]).success().stdout_lacks("mirror");
}

#[test]
fn a_git_mirror_gets_a_commit_per_record_and_a_clone_verifies() {
    let mut test = with_mirrors(&[]);
    let remote = test.work().join("records.git");
    bare_repository(&test, &remote);
    test = test.config(&format!("mirrors = [{:?}]\n", remote.display().to_string()));
    for id in IDS {
        finish_and_archive(&mut test, id).success();
    }
    let log = git(&test, &remote, &["log", "--format=%s%x09%an", "HEAD"]);
    assert_eq!(
        log,
        format!("{}: archived\trunbook\n{}: archived\trunbook\n", IDS[1], IDS[0])
    );
    let clone = clone(&test, &remote, "clone");
    assert!(clone.join(relative(IDS[0])).is_file());
    verify_copy(&mut test, &clone);
}

#[test]
fn a_git_mirror_someone_else_pushed_to_is_caught_up_with_not_stuck() {
    let mut test = with_mirrors(&[]);
    let remote = test.work().join("records.git");
    bare_repository(&test, &remote);
    test = test.config(&format!("mirrors = [{:?}]\n", remote.display().to_string()));
    finish_and_archive(&mut test, IDS[0]).success();
    // An admin adds a README to the mirror from elsewhere.
    let elsewhere = clone(&test, &remote, "elsewhere");
    std::fs::write(elsewhere.join("README.md"), "Incident records of web1.\n").unwrap();
    git(&test, &elsewhere, &["add", "README.md"]);
    git(
        &test,
        &elsewhere,
        &[
            "-c",
            "user.name=admin",
            "-c",
            "user.email=admin@example.com",
            "commit",
            "--quiet",
            "-m",
            "README",
        ],
    );
    git(&test, &elsewhere, &["push", "--quiet", "origin", "HEAD"]);

    finish_and_archive(&mut test, IDS[1])
        .success()
        .stdout_contains("mirrored to")
        .stderr_lacks("warning");
    let log = git(&test, &remote, &["log", "--format=%s", "HEAD"]);
    assert_eq!(
        log,
        format!("{}: archived\nREADME\n{}: archived\n", IDS[1], IDS[0])
    );
    let clone = clone(&test, &remote, "clone");
    assert!(clone.join("README.md").is_file());
    verify_copy(&mut test, &clone);
}

#[test]
fn a_git_mirror_that_cannot_be_fetched_from_warns_and_keeps_the_record() {
    let mut test = with_mirrors(&[]);
    let remote = test.work().join("records.git");
    bare_repository(&test, &remote);
    test = test.config(&format!("mirrors = [{:?}]\n", remote.display().to_string()));
    finish_and_archive(&mut test, IDS[0]).success();
    // The remote goes away after the clone was made.
    std::fs::remove_dir_all(&remote).unwrap();
    // Git's cause is kept, not only its last line, with what to check.
    let remote = remote.display();
    finish_and_archive(&mut test, IDS[1])
        .success()
        .stderr_contains(&format!(
            "warning: mirror {remote}: git fetch failed (exit status: 128): \
             fatal: '{remote}' does not appear to be a git repository\n  \
             fatal: Could not read from remote repository.\n  \
             Please make sure you have the correct access rights\n  \
             and the repository exists.\n"
        ))
        .stderr_contains(&format!(
            "hint: check that the remote `{remote}` in the config's `mirrors` is right and that \
             this machine can reach it (try `git ls-remote {remote}`); the record is safe in the \
             local archive, and `runbook check` will retry"
        ));
    assert!(test.data().join("archive").join(relative(IDS[1])).is_file());
    test.again(["check"])
        .status(1)
        .stdout_contains(&format!(
            "{remote} mirror-failed: git fetch failed (exit status: 128): \
             fatal: '{remote}' does not appear to be a git repository\n"
        ))
        .stdout_contains("\n  hint: check that the remote");
}

#[test]
fn an_unreachable_mirror_warns_keeps_the_record_and_check_catches_up() {
    let mut test = with_mirrors(&[]);
    let later_dir = test.work().join("backup-disk");
    let later_git = test.work().join("later.git");
    // A directory under a file can never be made.
    std::fs::write(test.work().join("a-file"), "x").unwrap();
    let impossible = test.work().join("a-file/archive");
    test = test.config(&format!(
        "mirrors = [{:?}, {:?}, {:?}]\n",
        later_dir.display().to_string(),
        format!("file://{}", later_git.display()),
        impossible.display().to_string(),
    ));
    let archived = finish_and_archive(&mut test, IDS[0]);
    archived
        .success()
        .stdout_contains(&format!("archived {}", IDS[0]))
        .stderr_contains(&format!("warning: mirror {}", later_dir.display()))
        .stderr_contains("is not there (is the backup disk mounted?)")
        .stderr_contains("warning: mirror file://")
        .stderr_contains("git clone failed")
        .stderr_contains("`runbook check` will retry");
    assert!(test.data().join("archive").join(relative(IDS[0])).is_file());
    assert!(!later_dir.exists(), "a missing mirror directory is not made");

    // Still unreachable: check says so, and exits 1.
    test.again(["check"])
        .status(1)
        .stdout_contains(&format!("{} mirror-failed", later_dir.display()));

    // Fixed: the disk is there, the repository made. The impossible one
    // keeps failing, alone.
    std::fs::create_dir(&later_dir).unwrap();
    bare_repository(&test, &later_git);
    let checked = test.again(["check"]);
    checked
        .status(1)
        .stdout_contains(&format!(
            "{} mirror-synced: copied {}",
            later_dir.display(),
            IDS[0]
        ))
        .stdout_contains(&format!("later.git mirror-synced: copied {}", IDS[0]))
        .stdout_contains("a-file/archive mirror-failed");
    assert!(later_dir.join(relative(IDS[0])).is_file());
    let log = git(&test, &later_git, &["log", "--format=%s", "HEAD"]);
    assert_eq!(log, format!("{}: archived\n", IDS[0]));

    // Caught up: nothing more to do for the two that work.
    test.again(["check"]).status(1).stdout_lacks("mirror-synced");
}

#[test]
fn a_different_file_in_a_mirror_is_a_conflict_left_alone() {
    let backup = tempfile::tempdir().unwrap();
    let mirror = backup.path().to_owned();
    let squatter = mirror.join(relative(IDS[0]));
    std::fs::create_dir_all(squatter.parent().unwrap()).unwrap();
    std::fs::write(&squatter, "not this record").unwrap();
    let mut test = with_mirrors(&[mirror.display().to_string()]);
    finish_and_archive(&mut test, IDS[0])
        .success()
        .stderr_contains("conflict:")
        .stderr_contains(&format!("{}", squatter.display()));
    assert_eq!(std::fs::read_to_string(&squatter).unwrap(), "not this record");
    assert!(!mirror.join("index.jsonl").exists());
}

#[test]
fn mirror_paths_resolve_like_every_path_in_the_config() {
    // Relative to the config's directory, not to where the command runs.
    let mut test = with_mirrors(&["backup/records".to_owned(), "~/offsite".to_owned()]);
    let relative_mirror = test.config_dir().join("backup/records");
    let home_mirror = test.work().parent().unwrap().join("home/offsite");
    std::fs::create_dir_all(&relative_mirror).unwrap();
    std::fs::create_dir_all(&home_mirror).unwrap();
    finish_and_archive(&mut test, IDS[0])
        .success()
        .stdout_contains(&format!("mirrored to {}", relative_mirror.display()))
        .stdout_contains(&format!("mirrored to {}", home_mirror.display()));
    for mirror in [&relative_mirror, &home_mirror] {
        assert!(mirror.join(relative(IDS[0])).is_file(), "{}", mirror.display());
    }
    assert!(!test.work().join("backup").exists());

    let mut test = Test::new().config("mirrors = [\"\"]\n");
    test.again(["list"])
        .status(2)
        .stderr_contains("config.toml:1:12")
        .stderr_contains("an entry of `mirrors` is empty");
}

/// Deletes the newest record here as someone hiding it would: its file,
/// signature, index line and incident directory. The local chain still
/// holds; only a witness can tell.
fn delete_newest(test: &Test) {
    let archive = test.data().join("archive");
    std::fs::remove_file(archive.join(relative(IDS[1]))).unwrap();
    std::fs::remove_file(archive.join(format!("{}.sig", relative(IDS[1]).display()))).unwrap();
    let index = archive.join("index.jsonl");
    let text = std::fs::read_to_string(&index).unwrap();
    let kept: String = text.lines().take(1).map(|line| format!("{line}\n")).collect();
    std::fs::set_permissions(&index, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&index, kept).unwrap();
    std::fs::remove_dir_all(test.data().join("incidents").join(IDS[1])).unwrap();
}

#[test]
fn verify_all_asks_the_mirrors_for_records_deleted_here() {
    let backup = tempfile::tempdir().unwrap();
    let mirror = backup.path().join("runbook-archive");
    std::fs::create_dir(&mirror).unwrap();
    let mut test = with_mirrors(&[mirror.display().to_string()]);
    for id in IDS {
        finish_and_archive(&mut test, id).success();
    }
    test.again(["verify", "--all"])
        .success()
        .stdout_contains(&format!("mirror {}: has every record", mirror.display()));
    delete_newest(&test);
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!(
            "FAILED {}: mirror: {} holds a record",
            IDS[1],
            mirror.display()
        ))
        .stdout_contains("verified 1 records: 1 failed");
}

#[test]
fn a_git_mirror_witnesses_too_and_one_out_of_reach_is_not_checked_never_passed() {
    let mut test = with_mirrors(&[]);
    let remote = test.work().join("records.git");
    bare_repository(&test, &remote);
    test = test.config(&format!("mirrors = [{:?}]\n", remote.display().to_string()));
    for id in IDS {
        finish_and_archive(&mut test, id).success();
    }
    delete_newest(&test);
    test.again(["verify", "--all"])
        .status(1)
        .stdout_contains(&format!("FAILED {}: mirror:", IDS[1]));
    // Gone: said, and the local checks stand on their own.
    std::fs::rename(&remote, test.work().join("moved.git")).unwrap();
    std::fs::remove_dir_all(test.data().join("mirrors")).unwrap();
    test.again(["verify", "--all"])
        .success()
        .stdout_contains("warning: mirror")
        .stdout_contains("not checked");
}
