//! The commands of the bundled plans, run for real: each one alone in a
//! one-step runbook, through the binary, on this machine, with the
//! variables it reads given as `--var`.

use runbook::load::builtin_sources;

use crate::common::{Test, skip};

const FIRST: &str = "INC-20261128-0001";

/// The `run` of step `id` of the bundled plan `plan`.
fn bundled_run(plan: &str, id: &str) -> String {
    let source = builtin_sources()
        .find(|source| source.name.ends_with(&format!("/{plan}.toml")))
        .unwrap_or_else(|| panic!("no bundled plan {plan}"));
    let table: toml::Table = toml::from_str(&source.text).unwrap();
    table["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"].as_str() == Some(id))
        .and_then(|step| step.get("run"))
        .and_then(|run| run.as_str())
        .unwrap_or_else(|| panic!("{plan} has no command step {id}"))
        .to_owned()
}

/// What a command printed and how it ended.
struct Ran {
    exit_code: Option<i64>,
    output: String,
}

/// Runs `run` as the one command of a runbook, with `vars` (`NAME`,
/// `VALUE`), in `test`; the walk ends whether it succeeds or fails.
fn run_alone(mut test: Test, run: &str, vars: &[(&str, &str)]) -> Ran {
    let mut toml = String::from("schema = 1\ntitle = \"Probe\"\n\n");
    for (name, _) in vars {
        toml.push_str(&format!("[vars.{name}]\nprompt = \"{name}\"\n\n"));
    }
    toml.push_str(&format!(
        "[[steps]]\nid = \"probe\"\nkind = \"command\"\ntitle = \"Probe\"\nrun = {}\ntimeout = \"5m\"\nnext = \"end\"\non_failure = \"end\"\n\n[[steps]]\nid = \"end\"\nkind = \"end\"\ntitle = \"End\"\n",
        toml::Value::String(run.to_owned())
    ));
    test = test.runbook("probe", &toml);
    let mut args: Vec<String> = ["start", "probe", "--non-interactive"]
        .map(str::to_owned)
        .to_vec();
    for (name, value) in vars {
        args.extend(["--var".to_owned(), format!("{name}={value}")]);
    }
    test.again(args).success();
    let finished = test
        .events(FIRST)
        .into_iter()
        .find(|e| e["type"] == "command-finished")
        .expect("the command ran");
    Ran {
        exit_code: finished["payload"]["exit_code"].as_i64(),
        output: finished["payload"]["output"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    }
}

/// Runs `sh -c script` in `test`'s sealed environment, in `work/`.
fn sh(test: &Test, script: &str) {
    let status = test.tool("sh").args(["-c", script]).status().unwrap();
    assert!(status.success(), "{script}");
}

/// The lines of `output` under the heading `== HEADING`, up to the next.
fn section<'o>(output: &'o str, heading: &str) -> Vec<&'o str> {
    output
        .lines()
        .skip_while(|line| !line.starts_with(&format!("== {heading}")))
        .skip(1)
        .take_while(|line| !line.starts_with("== "))
        .collect()
}

// ---------------------------------------------------------------- which backup

#[test]
fn the_backup_listing_shows_the_newest_first_with_age_and_size() {
    let test = Test::new()
        .file("backups/os/etc-1.tar.gz", vec![b'x'; 3 * 1024 * 1024])
        .file("backups/data/db dump.sql", "select 1;\n")
        .file("backups/data/old.sql", "");
    sh(
        &test,
        "touch -d '26 hours ago' 'backups/os/etc-1.tar.gz' && touch -d '3 hours ago' 'backups/data/db dump.sql' && touch -d '10 days ago' backups/data/old.sql",
    );
    let dir = test.work().join("backups");
    let ran = run_alone(
        test,
        &bundled_run("server-software-failure", "find-backup"),
        &[("backup_dir", dir.to_str().unwrap())],
    );
    assert_eq!(ran.exit_code, Some(0), "{}", ran.output);
    let rows: Vec<&str> = ran
        .output
        .lines()
        .filter(|line| line.contains("/backups/"))
        .collect();
    assert_eq!(rows.len(), 3, "{}", ran.output);
    assert!(
        rows[0].starts_with("3h 0") && rows[0].contains(" 10 B") && rows[0].ends_with("/db dump.sql"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with("1d 02h") && rows[1].contains("3.0 MiB") && rows[1].ends_with("/etc-1.tar.gz"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with("10d 00h") && rows[2].contains(" 0 B") && rows[2].ends_with("/old.sql"),
        "{}",
        rows[2]
    );
}

#[test]
fn the_backup_listing_fails_and_says_so_when_there_is_nothing_to_list() {
    let test = Test::new().file("empty/.keep", "");
    sh(&test, "rm empty/.keep");
    let empty = test.work().join("empty");
    let ran = run_alone(
        test,
        &bundled_run("network-attack", "find-backup"),
        &[("backup_dir", empty.to_str().unwrap())],
    );
    assert_eq!(ran.exit_code, Some(1));
    assert!(
        ran.output.contains("no readable backup files under"),
        "{}",
        ran.output
    );

    let ran = run_alone(
        Test::new(),
        &bundled_run("hardware-failure", "find-backup"),
        &[("backup_dir", "/nonexistent/backups")],
    );
    assert_eq!(ran.exit_code, Some(1));
    assert!(
        ran.output
            .contains("/nonexistent/backups does not exist or is not a directory"),
        "{}",
        ran.output
    );
}

#[test]
fn every_plan_lists_its_backups_with_the_same_command() {
    let listing = bundled_run("server-software-failure", "find-backup");
    for (plan, id) in [
        ("server-software-failure", "find-image"),
        ("software-system-failure", "find-backup"),
        ("hardware-failure", "find-backup"),
        ("network-attack", "find-backup"),
    ] {
        assert_eq!(bundled_run(plan, id), listing, "{plan}: {id}");
    }
}

#[test]
fn the_check_after_a_restore_fails_on_a_checksum_that_does_not_match() {
    let test = Test::new()
        .file("app/index.html", "<p>back</p>\n")
        .file("app/empty.log", "");
    sh(&test, "cd app && sha256sum index.html > SHA256SUMS");
    let app = test.work().join("app");
    let run = bundled_run("server-software-failure", "verify-restored");
    let ran = run_alone(test, &run, &[("app_dir", app.to_str().unwrap())]);
    assert_eq!(ran.exit_code, Some(0), "{}", ran.output);
    assert!(ran.output.contains("files: 3"), "{}", ran.output);
    assert!(ran.output.contains("all checksums match"), "{}", ran.output);
    assert!(
        section(&ran.output, "empty files")
            .iter()
            .any(|line| line.ends_with("/empty.log"))
    );

    let test = Test::new().file("app/index.html", "<p>changed</p>\n");
    sh(
        &test,
        "cd app && echo '0000000000000000000000000000000000000000000000000000000000000000  index.html' > SHA256SUMS",
    );
    let app = test.work().join("app");
    let ran = run_alone(test, &run, &[("app_dir", app.to_str().unwrap())]);
    assert_eq!(ran.exit_code, Some(1), "{}", ran.output);
    assert!(ran.output.contains("index.html: FAILED"), "{}", ran.output);
}

// ---------------------------------------------------------------- without systemd, without root

/// Writes an executable `work/bin/NAME`, which comes first on the sealed `PATH`.
fn fake_tool(test: Test, name: &str, script: &str) -> Test {
    test.file(&format!("bin/{name}"), script)
        .chmod(&format!("bin/{name}"), 0o755)
}

#[test]
fn a_restart_by_an_operator_whose_sudo_wants_a_password_says_so_and_fails() {
    let mut test = Test::new();
    test = fake_tool(
        test,
        "id",
        "#!/bin/sh\ncase \"$1\" in -u) echo 1000 ;; -un) echo ops ;; *) echo 'uid=1000(ops)' ;; esac\n",
    );
    test = fake_tool(
        test,
        "sudo",
        "#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n",
    );
    test = fake_tool(
        test,
        "systemctl",
        "#!/bin/sh\necho \"systemctl ran as $(id -un)\"\n",
    );
    test = fake_tool(test, "service", "#!/bin/sh\necho \"service ran as $(id -un)\"\n");
    test = fake_tool(
        test,
        "rc-service",
        "#!/bin/sh\necho \"rc-service ran as $(id -un)\"\n",
    );
    let ran = run_alone(
        test,
        &bundled_run("server-software-failure", "restart"),
        &[("service", "nginx")],
    );
    assert_eq!(ran.exit_code, Some(1), "{}", ran.output);
    assert!(
        ran.output.contains("sudo would ask for a password"),
        "{}",
        ran.output
    );
    assert!(ran.output.contains("yourself: sudo "), "{}", ran.output);
    assert!(
        !ran.output.contains(" ran as "),
        "nothing ran without sudo: {}",
        ran.output
    );
}

#[test]
fn without_systemd_the_service_is_checked_with_service() {
    let openrc = Test::new()
        .tool("sh")
        .args(["-c", "command -v rc-service"])
        .output()
        .unwrap();
    if std::path::Path::new("/run/systemd/system").is_dir() || openrc.status.success() {
        skip("systemd or OpenRC runs here, so the check asks them");
        return;
    }
    let test = fake_tool(
        Test::new(),
        "service",
        "#!/bin/sh\necho \"$1 is running (pid 4242)\"\n",
    );
    let run = bundled_run("server-software-failure", "verify-service");
    let ran = run_alone(test, &run, &[("service", "nginx.service")]);
    assert_eq!(ran.exit_code, Some(0), "{}", ran.output);
    assert!(
        ran.output.contains("== service nginx status (exit 0) =="),
        "{}",
        ran.output
    );
    assert!(
        ran.output.contains("nginx is running (pid 4242)"),
        "{}",
        ran.output
    );

    let test = fake_tool(
        Test::new(),
        "service",
        "#!/bin/sh\necho \"$1 is stopped\"\nexit 3\n",
    );
    let ran = run_alone(test, &run, &[("service", "runbook-test-no-such-unit")]);
    assert_eq!(ran.exit_code, Some(3), "{}", ran.output);
    assert!(
        ran.output
            .contains("== processes named runbook-test-no-such-unit ==\n(none)"),
        "{}",
        ran.output
    );
}

// ---------------------------------------------------------------- viruses, trojans, memfd

#[test]
fn the_virus_scan_names_the_scanners_that_are_not_installed() {
    let test = Test::new();
    let found = test
        .tool("sh")
        .args([
            "-c",
            "command -v clamscan || command -v rkhunter || command -v chkrootkit",
        ])
        .output()
        .unwrap();
    if found.status.success() {
        skip("a scanner is installed here, and a scan takes minutes");
        return;
    }
    let app = test.work();
    let ran = run_alone(
        test,
        &bundled_run("server-software-failure", "os-malware"),
        &[("app_dir", app.to_str().unwrap())],
    );
    assert_eq!(ran.exit_code, Some(0), "{}", ran.output);
    assert!(
        ran.output.contains(": clamscan rkhunter chkrootkit\n"),
        "{}",
        ran.output
    );
    assert!(ran.output.contains("no scanner ran"), "{}", ran.output);
}

/// `python3` that can make a memfd, or why not.
fn python_with_memfd(test: &Test) -> Result<&'static str, String> {
    for python in ["/usr/bin/python3", "python3"] {
        let ok = test
            .tool(python)
            .args(["-c", "import os; os.memfd_create"])
            .output()
            .is_ok_and(|out| out.status.success());
        if ok {
            return Ok(python);
        }
    }
    Err("no python3 with os.memfd_create".into())
}

/// Waits until `/proc/PID/exe` names `what`.
fn wait_for_exe(pid: u32, what: &str) {
    for _ in 0..100 {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if exe.to_string_lossy().contains(what) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("process {pid} never ran from {what}");
}

#[test]
fn a_program_run_from_memfd_is_listed_apart_and_a_deleted_one_is_flagged() {
    let test = Test::new();
    let python = match python_with_memfd(&test) {
        Ok(python) => python,
        Err(why) => return skip(&why),
    };
    let sleep = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|path| std::path::Path::new(path).is_file())
        .expect("sleep is installed");
    let script = format!(
        "import os, shutil\nfd = os.memfd_create('rbprobe')\nwith open('{sleep}', 'rb') as src, open('/proc/self/fd/%d' % fd, 'wb') as dst:\n    shutil.copyfileobj(src, dst)\nos.execv('/proc/self/fd/%d' % fd, ['sleep', '60'])\n"
    );
    let mut memfd = test.tool(python).args(["-c", &script]).spawn().unwrap();
    sh(&test, &format!("cp {sleep} ./rbdeleted"));
    let mut deleted = test
        .tool(test.work().join("rbdeleted"))
        .arg("60")
        .spawn()
        .unwrap();
    wait_for_exe(memfd.id(), "/memfd:rbprobe");
    wait_for_exe(deleted.id(), "rbdeleted");
    sh(&test, "rm ./rbdeleted");

    let ran = run_alone(
        test,
        &bundled_run("server-software-failure", "os-diagnostics"),
        &[],
    );
    let _ = memfd.kill();
    let _ = deleted.kill();
    let _ = memfd.wait();
    let _ = deleted.wait();

    let suspect = section(&ran.output, "programs running from temporary or deleted files");
    let memory = section(&ran.output, "programs running from memory");
    let mine = |lines: &[&str], pid: u32| {
        lines
            .iter()
            .any(|line| line.contains(&format!("/proc/{pid}/exe ")))
    };
    assert!(!mine(&suspect, memfd.id()), "memfd flagged:\n{}", ran.output);
    assert!(mine(&memory, memfd.id()), "memfd not listed:\n{}", ran.output);
    assert!(
        mine(&suspect, deleted.id()),
        "deleted program not flagged:\n{}",
        ran.output
    );

    // The evidence of the network-attack plan splits them the same way.
    let evidence = bundled_run("network-attack", "preserve-evidence");
    let diagnostics = bundled_run("server-software-failure", "os-diagnostics");
    assert!(evidence.contains("grep -v -e '-> /memfd:'") && diagnostics.contains("grep -v -e '-> /memfd:'"));
}

// ---------------------------------------------------------------- backup integrity

#[test]
fn the_backup_integrity_check_unpacks_a_sample_and_compares_it() {
    let test = Test::new()
        .file("live/a.txt", "the data\n")
        .file("backups/.keep", "");
    sh(
        &test,
        "rm backups/.keep && tar -C / -czf backups/b.tgz \"$(pwd | cut -c2-)/live/a.txt\"",
    );
    let backups = test.work().join("backups");
    let live = test.work().join("live/a.txt");
    let run = bundled_run("backup-readiness", "data-integrity");
    let vars = [("data_backup_dir", backups.to_str().unwrap())];
    let ran = run_alone(test, &run, &vars);
    assert_eq!(ran.exit_code, Some(0), "{}", ran.output);
    assert!(
        ran.output.contains("read to its end: 1 entries"),
        "{}",
        ran.output
    );
    assert!(
        ran.output.contains(&format!(
            "SAME: the copy in the backup matches {}",
            live.display()
        )),
        "{}",
        ran.output
    );

    // The live file changed, but not since the backup: the backup is wrong.
    let test = Test::new()
        .file("live/a.txt", "the data\n")
        .file("backups/.keep", "");
    sh(
        &test,
        // Both times written as dates, so that they compare the same on a
        // clock libfaketime moved (it shifts what stat reads, not what
        // touch writes).
        "rm backups/.keep && tar -C / -czf backups/b.tgz \"$(pwd | cut -c2-)/live/a.txt\" && echo other > live/a.txt \
         && touch -d '2020-01-01 00:00' live/a.txt && touch -d '2020-01-03 00:00' backups/b.tgz",
    );
    let backups = test.work().join("backups");
    let ran = run_alone(test, &run, &[("data_backup_dir", backups.to_str().unwrap())]);
    assert_eq!(ran.exit_code, Some(1), "{}", ran.output);
    assert!(ran.output.contains("DIFFERENT: "), "{}", ran.output);

    // A truncated archive does not read to its end.
    let test = Test::new().file("backups/b.tgz", &b"\x1f\x8b\x08\x00 not really"[..]);
    let backups = test.work().join("backups");
    let ran = run_alone(test, &run, &[("data_backup_dir", backups.to_str().unwrap())]);
    assert_eq!(ran.exit_code, Some(1), "{}", ran.output);
    assert!(
        ran.output.contains("UNREADABLE: tar cannot read"),
        "{}",
        ran.output
    );
}
