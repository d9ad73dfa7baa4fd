//! The test harness: a hermetic environment and a builder that runs the real
//! binary.
//!
//! ```ignore
//! Test::new()
//!     .runbook("x", TOML)
//!     .args(["validate", "runbooks/x.toml"])
//!     .run()
//!     .status(2)
//!     .stderr_contains("unknown key");
//! ```

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The time every test runs at, so review deadlines and dates are stable.
pub const NOW: &str = "2026-11-28T09:00:00Z";

/// Far longer than any run takes that reads nothing it must wait for:
/// what [`Test::again_promptly`] allows.
pub const PROMPTLY: Duration = Duration::from_secs(20);

/// A timer and a notify step, each with a message, and nobody to send it.
pub const CALL: &str = r#"schema = 1
title = "Call"

[contacts.boss]
role = "Boss"
phone = "+1 555 0100"

[timers.late]
after = "1h"
notify = ["boss"]
message = "Still down after an hour."

[[steps]]
id = "ok"
kind = "confirm"
title = "Still down?"
yes = "tell"
no = "done"

[[steps]]
id = "tell"
kind = "notify"
title = "Tell the boss"
to = ["boss"]
message = "The service is down; we are on it."

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// A small valid runbook for tests to start from.
pub const MINIMAL: &str = r#"schema = 1
title = "Minimal"

[[steps]]
id = "check"
kind = "instruction"
title = "Check the service"

[[steps]]
id = "done"
kind = "end"
title = "Done"
"#;

/// [`MINIMAL`] with the plan's one-day deadline for its record spelled out:
/// what tests that archive start from.
pub fn archivable() -> String {
    let toml = MINIMAL.replacen(
        "title = \"Minimal\"\n",
        "title = \"Minimal\"\narchive_within = \"1d\"\n",
        1,
    );
    assert_ne!(toml, MINIMAL, "MINIMAL has no title line to follow");
    toml
}

#[derive(Debug)]
pub struct Test {
    root: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Test {
    /// A fresh temporary home: `home/`, `config/`, `data/`, and `work/`, the
    /// directory the binary runs in.
    pub fn new() -> Test {
        let root = tempfile::tempdir().expect("a temporary directory");
        for dir in ["home", "config", "data", "work"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("create test directories");
        }
        Test {
            root,
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn work(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// `$XDG_DATA_HOME/runbook`, where incidents are kept.
    pub fn data(&self) -> PathBuf {
        self.root.path().join("data/runbook")
    }

    /// The events of an incident's journal.
    pub fn events(&self, incident: &str) -> Vec<serde_json::Value> {
        let journal = self.data().join("incidents").join(incident).join("journal.jsonl");
        std::fs::read_to_string(&journal)
            .unwrap_or_else(|error| panic!("{}: {error}", journal.display()))
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON event"))
            .collect()
    }

    /// The `type` of every event of an incident, in order.
    pub fn types(&self, incident: &str) -> Vec<String> {
        self.events(incident)
            .iter()
            .map(|e| e["type"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// Runs with other arguments in the same environment.
    pub fn again<I, S>(&mut self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        self.run()
    }

    /// The id of the one incident in the data directory: walks at a
    /// terminal read the real clock, so their ids carry today's date.
    pub fn only_incident(&self) -> String {
        let ids: Vec<String> = std::fs::read_dir(self.data().join("incidents"))
            .expect("an incident was started")
            .map(|entry| {
                entry
                    .expect("a directory entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(ids.len(), 1, "one incident: {ids:?}");
        ids.into_iter().next().unwrap_or_default()
    }

    /// Archives `id` without asking: cause "disk full", resolution
    /// "cleaned up".
    pub fn archive(&mut self, id: &str) -> Outcome {
        self.again([
            "archive",
            id,
            "--cause",
            "disk full",
            "--resolution",
            "cleaned up",
        ])
    }

    /// Runs with other arguments like [`Test::again`], but kills the run
    /// and fails the test if it takes longer than [`PROMPTLY`]: for runs
    /// that must not wait on something put in their way (a FIFO, a device).
    pub fn again_promptly<I, S>(&mut self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args = args.into_iter().map(Into::into).collect();
        let mut child = self
            .command(&self.args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run the runbook binary");
        // Drained meanwhile, so that a full pipe never stalls the run.
        let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                String::from_utf8_lossy(&bytes).into_owned()
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let give_up = Instant::now() + PROMPTLY;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the runbook binary") {
                break status;
            }
            if Instant::now() >= give_up {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`runbook {}` still ran after {PROMPTLY:?}: it waited on something",
                    self.args.join(" ")
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Outcome {
            code: status.code(),
            stdout: stdout.join().expect("stdout"),
            stderr: stderr.join().expect("stderr"),
        }
    }

    /// Runs with other arguments as another user (`USER`), as a second
    /// person at another terminal would.
    pub fn again_as<I, S>(&mut self, user: &str, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.env.push(("USER".into(), user.into()));
        let outcome = self.again(args);
        self.env.pop();
        outcome
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("config/runbook")
    }

    /// Writes `work/runbooks/NAME.toml`, mode 0644.
    pub fn runbook(self, name: &str, toml: &str) -> Test {
        self.file(&format!("runbooks/{name}.toml"), toml)
    }

    /// Writes a file relative to `work/`, mode 0644, directories 0755.
    pub fn file(self, path: &str, contents: impl AsRef<[u8]>) -> Test {
        let path = self.work().join(path);
        write(&path, contents.as_ref());
        self
    }

    /// Writes `$XDG_CONFIG_HOME/runbook/config.toml`.
    pub fn config(self, toml: &str) -> Test {
        let path = self.config_dir().join("config.toml");
        write(&path, toml.as_bytes());
        self
    }

    /// A signing key made by `ssh-keygen` (principal `ops`, no passphrase)
    /// where `runbook archive` looks, and an allowed_signers line for it.
    pub fn with_signing_key(self) -> Test {
        let dir = self.config_dir();
        std::fs::create_dir_all(&dir).expect("the config directory");
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "ops", "-f"])
            .arg(dir.join("signing_key"))
            .status()
            .expect("ssh-keygen is installed (.ci/run installs openssh-client)");
        assert!(made.success());
        let public = std::fs::read_to_string(dir.join("signing_key.pub")).expect("the public key");
        let public = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        std::fs::write(
            dir.join("allowed_signers"),
            format!("ops namespaces=\"runbook-incident\" {public}\n"),
        )
        .expect("write allowed_signers");
        self
    }

    pub fn chmod(self, path: &str, mode: u32) -> Test {
        let path = self.work().join(path);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Runs in a pseudo-terminal, as a person would at a terminal.
    pub fn pty<I, S>(&self, args: I) -> rexpect::session::PtySession
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let root = self.root.path();
        let mut command = Command::new(env!("CARGO_BIN_EXE_runbook"));
        command
            .args(args)
            .current_dir(root.join("work"))
            .env_clear()
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("USER", "ops")
            .env("TERM", "xterm-256color")
            .env("COLUMNS", "100");
        // Test doubles for tools the host may lack (e.g. `work/bin/systemctl`).
        let path = std::env::var("PATH").unwrap_or_default();
        command.env("PATH", format!("{}:{path}", root.join("work/bin").display()));
        for (key, value) in &self.env {
            command.env(key, value);
        }
        rexpect::session::spawn_command(command, Some(15_000)).expect("spawn in a pseudo-terminal")
    }

    pub fn run(&self) -> Outcome {
        let output = self.command(&self.args).output().expect("run the runbook binary");
        Outcome {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The binary with `args` in this test's environment, to start and
    /// wait for by hand (say, while another runs in a pseudo-terminal).
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let root = self.root.path();
        let mut command = Command::new(env!("CARGO_BIN_EXE_runbook"));
        command
            .args(args)
            .current_dir(root.join("work"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("RUNBOOK_NOW", NOW)
            .env("COLUMNS", "80")
            .env("USER", "ops")
            .stdin(std::process::Stdio::null());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }
}

fn write(path: &Path, contents: &[u8]) {
    let mut dir = path.parent().expect("a parent directory").to_owned();
    std::fs::create_dir_all(&dir).expect("create directories");
    std::fs::write(path, contents).expect("write a test file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).expect("chmod 0644");
    // Whatever the umask, the directories a test makes are not group-writable.
    while dir
        .file_name()
        .is_some_and(|name| name != "work" && name != "config")
    {
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
        dir.pop();
    }
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    #[track_caller]
    pub fn status(&self, code: i32) -> &Outcome {
        assert_eq!(
            self.code,
            Some(code),
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn success(&self) -> &Outcome {
        self.status(0)
    }

    #[track_caller]
    pub fn stdout_contains(&self, needle: &str) -> &Outcome {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(&self, needle: &str) -> &Outcome {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Outcome {
        assert!(
            !self.stderr.contains(needle),
            "stderr has {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    pub fn stdout_lacks(&self, needle: &str) -> &Outcome {
        assert!(
            !self.stdout.contains(needle),
            "stdout has {needle:?}:\n{}",
            self.stdout
        );
        self
    }

    /// Every line of stdout fits `columns` terminal columns (wide
    /// characters count twice).
    #[track_caller]
    pub fn stdout_fits(&self, columns: usize) -> &Outcome {
        for line in self.stdout.lines() {
            assert!(
                unicode_width::UnicodeWidthStr::width(line) <= columns,
                "wider than {columns} columns: {line:?}"
            );
        }
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{}", self.stdout))
    }

    /// stderr followed by the exit status, for snapshots.
    pub fn stderr_and_status(&self) -> String {
        format!(
            "{}[exit {}]",
            self.stderr,
            self.code.map_or("signal".into(), |code| code.to_string())
        )
    }
}

/// Validates one broken runbook written as `runbooks/broken.toml` and
/// returns what was printed with the exit status, which must be 2.
pub fn invalid(toml: &str) -> String {
    let outcome = Test::new()
        .runbook("broken", toml)
        .args(["validate", "runbooks/broken.toml"])
        .run();
    outcome.status(2);
    outcome.stderr_and_status()
}
