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

pub mod sshd;

use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The time every test runs at, so review deadlines and dates are stable:
/// what `RUNBOOK_NOW` holds for each run of the binary, unless the test
/// asks for [`Test::real_clock`] or a walk at a terminal ([`Test::pty`]).
pub const NOW: &str = "2026-11-28T09:00:00Z";

/// The date of [`NOW`], for what the library is given in-process.
pub fn today() -> chrono::NaiveDate {
    chrono::DateTime::parse_from_rfc3339(NOW)
        .expect("NOW is an RFC 3339 time")
        .date_naive()
}

/// The test runner's way to move the machine's clock for every process the
/// suite starts: an RFC 3339 time that the wall clock reads as the suite
/// starts, and runs on from (libfaketime, `LD_PRELOAD`). Pinned runs
/// ([`NOW`]) are not moved; what reads the real clock is.
pub const CLOCK_VAR: &str = "RUNBOOK_TEST_CLOCK";

/// The test runner's way to set the time zone of every process the suite
/// starts (`TZ`); UTC when unset.
pub const TZ_VAR: &str = "RUNBOOK_TEST_TZ";

/// Where Debian's `faketime` package puts libfaketime, unless
/// `RUNBOOK_TEST_LIBFAKETIME` names it.
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

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

/// `program` in the sealed environment of the test whose directories are
/// under `root`: nothing of the caller's environment but `PATH` (with
/// `root/work/bin` first, for test doubles of tools the host may lack), a
/// home, config, data, cache and state directory of the test's own, user
/// `ops`, the time zone [`TZ_VAR`] names (UTC by default) and the clock
/// [`CLOCK_VAR`] moves. It runs in `root/work` when that exists.
///
/// Every process the suite starts is made here: no test reads or writes
/// the caller's `HOME`, `XDG_*`, `RUNBOOK_*` or configuration, and no
/// variable of the runner's reaches the binary unless named here.
#[allow(clippy::disallowed_methods)] // the one place the suite starts a process
pub fn sealed(root: &Path, program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![root.join("work/bin")];
    dirs.extend(std::env::split_paths(&path));
    command
        .env_clear()
        .env(
            "PATH",
            std::env::join_paths(dirs).expect("PATH holds no `:` in a directory"),
        )
        .env("HOME", root.join("home"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("XDG_STATE_HOME", root.join("state"))
        .env("USER", "ops")
        .env("LOGNAME", "ops")
        .env("TZ", std::env::var(TZ_VAR).unwrap_or_else(|_| "UTC".into()));
    if root.join("work").is_dir() {
        command.current_dir(root.join("work"));
    }
    for (key, value) in moved_clock_env() {
        command.env(key, value);
    }
    command
}

/// [`sealed`], but on the machine's real clock even when [`CLOCK_VAR`]
/// moves everyone else's: for the servers and the browser a test starts,
/// which libfaketime breaks, and which never tell the time to what is
/// tested.
///
/// - libfaketime shares a semaphore named in `FAKETIME_SHARED` with the
///   children of the process that created it, and removes it when that
///   process exits: a child started after that, as a tmux server's window
///   is after the client that started the server, can fail to start at
///   all. tmux moves the clock of the walk it starts by
///   [`moved_clock_env`] instead.
/// - sshd's pre-authentication child runs in a seccomp sandbox, which
///   kills it (SIGSYS) when libfaketime makes a call the sandbox does not
///   allow: the client then sees its connection, or its new control
///   master, drop. What sshd runs for the client gets an environment of
///   sshd's making, which never held libfaketime anyway.
pub fn sealed_on_real_clock(root: &Path, program: impl AsRef<OsStr>) -> Command {
    let mut command = sealed(root, program);
    for (key, _) in moved_clock_env() {
        command.env_remove(key);
    }
    command
}

/// The variables that move the clock of a process ([`CLOCK_VAR`]); none
/// when the clock is not moved.
fn moved_clock_env() -> Vec<(&'static str, OsString)> {
    moved_clock().map_or_else(Vec::new, |faketime| {
        vec![
            ("LD_PRELOAD", faketime.library.clone().into_os_string()),
            ("FAKETIME", OsString::from(&faketime.offset)),
            ("FAKETIME_DONT_FAKE_MONOTONIC", OsString::from("1")),
        ]
    })
}

/// libfaketime, set to move the wall clock by a fixed offset.
struct FakeTime {
    library: PathBuf,
    /// `+SECONDS` or `-SECONDS`, as libfaketime takes an offset.
    offset: String,
}

/// The clock [`CLOCK_VAR`] asks for, worked out once per run of the suite
/// so that every process shares one clock that goes on ticking.
#[allow(clippy::disallowed_methods)] // the real clock, to move it by
fn moved_clock() -> Option<&'static FakeTime> {
    static CLOCK: OnceLock<Option<FakeTime>> = OnceLock::new();
    CLOCK
        .get_or_init(|| {
            let wanted = std::env::var(CLOCK_VAR).ok().filter(|v| !v.is_empty())?;
            let wanted = chrono::DateTime::parse_from_rfc3339(&wanted)
                .unwrap_or_else(|error| panic!("{CLOCK_VAR}={wanted:?} is not an RFC 3339 time: {error}"));
            let real = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("the clock is after 1970")
                .as_secs();
            let offset = wanted.timestamp() - i64::try_from(real).expect("a time in range");
            let library = std::env::var_os("RUNBOOK_TEST_LIBFAKETIME")
                .map_or_else(|| PathBuf::from(LIBFAKETIME), PathBuf::from);
            assert!(
                library.is_file(),
                "{CLOCK_VAR} needs libfaketime at {} (Debian's faketime package, or set RUNBOOK_TEST_LIBFAKETIME)",
                library.display()
            );
            Some(FakeTime {
                library,
                offset: format!("{offset:+}"),
            })
        })
        .as_ref()
}

#[derive(Debug)]
pub struct Test {
    root: tempfile::TempDir,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Whether runs read the real clock rather than [`NOW`].
    real_clock: bool,
}

impl Test {
    /// A fresh temporary home: `home/`, `config/`, `data/`, `cache/`,
    /// `state/`, and `work/`, the directory the binary runs in.
    pub fn new() -> Test {
        let root = tempfile::tempdir().expect("a temporary directory");
        for dir in ["home", "config", "data", "cache", "state", "work"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("create test directories");
        }
        Test {
            root,
            args: Vec::new(),
            env: Vec::new(),
            real_clock: false,
        }
    }

    /// Runs read the real clock (moved by [`CLOCK_VAR`] when the runner
    /// sets it), not [`NOW`]: for timers that must fire while a command
    /// runs. Such a test finds its incident with [`Test::only_incident`]
    /// or in what the binary printed, never from a date it writes down.
    pub fn real_clock(mut self) -> Test {
        self.real_clock = true;
        self
    }

    /// `program` in this test's sealed environment ([`sealed`]), in
    /// `work/`: for the tools a test runs beside the binary (`ssh-keygen`,
    /// `git`, `flock`, a helper shell).
    pub fn tool(&self, program: impl AsRef<OsStr>) -> Command {
        sealed(self.root.path(), program)
    }

    /// The test's own directory, holding `home/`, `work/` and the rest.
    pub fn root(&self) -> &Path {
        self.root.path()
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
        let made = self
            .tool("ssh-keygen")
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

    /// Runs in a pseudo-terminal, as a person would at a terminal, on the
    /// real clock: timers fire while the walk waits. Each wait for the
    /// screen gives up after 30 s: far beyond a walk's next line, even on
    /// two cores busy with the rest of the suite.
    pub fn pty<I, S>(&self, args: I) -> rexpect::session::PtySession
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = self.tool(env!("CARGO_BIN_EXE_runbook"));
        command
            .args(args)
            .env("TERM", "xterm-256color")
            .env("COLUMNS", "100");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        rexpect::session::spawn_command(command, Some(30_000)).expect("spawn in a pseudo-terminal")
    }

    /// Runs in a tmux window of 100×30 (on the real clock, like
    /// [`Test::pty`]), for tests of what the screen shows: tmux keeps the
    /// screen a terminal would, where a pseudo-terminal gives the bytes.
    pub fn tmux<I, S>(&self, args: I) -> Tmux
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.tmux_wide(100, args)
    }

    /// [`Test::tmux`] in a window `columns` wide.
    pub fn tmux_wide<I, S>(&self, columns: u16, args: I) -> Tmux
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let root = self.root.path();
        // The window stays when the walk exits, so its last screen is read.
        write(
            &root.join("tmux.conf"),
            b"set -g remain-on-exit on\nset -g history-limit 0\n",
        );
        let tmux = Tmux {
            root: root.to_owned(),
        };
        let mut command = tmux.command();
        command.args(["new-session", "-d", "-x", &columns.to_string(), "-y", "30"]);
        // The walk, not tmux, runs on the moved clock (see `moved_clock_env`).
        for (key, value) in moved_clock_env() {
            let mut pair = OsString::from(key);
            pair.push("=");
            pair.push(value);
            command.arg("-e").arg(pair);
        }
        command
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_runbook"))
            .args(args)
            .env("SHELL", "/bin/sh")
            .env("TERM", "xterm-256color");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let status = command.status().expect("tmux is installed (.ci/run installs it)");
        assert!(status.success(), "tmux new-session: {status}");
        tmux
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
        let mut command = self.tool(env!("CARGO_BIN_EXE_runbook"));
        command
            .args(args)
            .env("COLUMNS", "80")
            .stdin(std::process::Stdio::null());
        if !self.real_clock {
            command.env("RUNBOOK_NOW", NOW);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }
}

/// A walk in a tmux window of its own server; the server is killed when
/// this is dropped.
pub struct Tmux {
    root: PathBuf,
}

impl Tmux {
    /// tmux, talking to this test's server only, with this test's config.
    fn command(&self) -> Command {
        let mut command = sealed_on_real_clock(&self.root, "tmux");
        command
            .arg("-S")
            .arg(self.root.join("tmux.sock"))
            .arg("-f")
            .arg(self.root.join("tmux.conf"));
        command
    }

    /// Types `keys` as tmux names them (`Enter`, `C-c`, `Down`, or text).
    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            let status = self.command().args(["send-keys", key]).status().unwrap();
            assert!(status.success(), "tmux send-keys {key}");
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// The screen's lines as they are now, with trailing blank lines cut.
    pub fn screen(&self) -> Vec<String> {
        let output = self.command().args(["capture-pane", "-p"]).output().unwrap();
        assert!(output.status.success(), "tmux capture-pane: {output:?}");
        let mut lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| line.trim_end().to_owned())
            .collect();
        // What tmux says of a window whose program exited is not the screen.
        if lines.last().is_some_and(|line| line.starts_with("Pane is dead")) {
            lines.pop();
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }

    /// Waits up to 15 s for `text` on the screen; the screen then.
    #[track_caller]
    pub fn wait_for(&self, text: &str) -> Vec<String> {
        self.wait_until(&format!("{text:?}"), |screen| {
            screen.iter().any(|line| line.contains(text))
        })
    }

    /// Waits up to 15 s until `done` holds of the screen (`what` says what
    /// was awaited when it never does); the screen then.
    #[track_caller]
    pub fn wait_until(&self, what: &str, done: impl Fn(&[String]) -> bool) -> Vec<String> {
        let give_up = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < give_up,
                "{what} never showed; the screen:\n{}",
                screen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits up to 15 s for the walk to exit (tmux keeps its window).
    #[track_caller]
    pub fn wait_for_exit(&self) {
        let give_up = Instant::now() + Duration::from_secs(15);
        loop {
            let output = self
                .command()
                .args(["display-message", "-p", "#{pane_dead}"])
                .output()
                .unwrap();
            if String::from_utf8_lossy(&output.stdout).trim() == "1" {
                return;
            }
            assert!(Instant::now() < give_up, "the walk did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stderr(std::process::Stdio::null())
            .status();
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

/// Whether `path`'s group is its owner's user private group: tests of
/// group-writable files that should be accepted need one, and say they
/// are skipped without. Worked out here, apart from `runbook`'s own check,
/// from /etc/passwd and /etc/group.
pub fn in_private_group(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(path).expect("metadata");
    private_group(metadata.gid(), metadata.uid())
}

/// Whether group `gid` is user `uid`'s private group: named as the user,
/// listing nobody else, nobody else's primary group.
fn private_group(gid: u32, uid: u32) -> bool {
    let accounts = Accounts::read();
    let Some(name) = accounts.user_name(uid) else {
        return false;
    };
    accounts
        .group(gid)
        .is_some_and(|group| group[0] == name && !accounts.has_other_member(gid, uid))
}

/// A group that the running user may give a file to (root: any group in
/// /etc/group; anyone else: their own groups) and that has a member other
/// than the user: `None` when there is none to be had.
pub fn shared_group() -> Option<u32> {
    let me = rustix::process::geteuid();
    let accounts = Accounts::read();
    let candidates: Vec<u32> = if me.is_root() {
        accounts
            .group
            .iter()
            .filter_map(|entry| entry.get(2)?.parse().ok())
            .collect()
    } else {
        let mut gids: Vec<u32> = rustix::process::getgroups()
            .unwrap_or_default()
            .into_iter()
            .map(|gid| gid.as_raw())
            .collect();
        gids.push(rustix::process::getegid().as_raw());
        gids
    };
    candidates
        .into_iter()
        .find(|&gid| accounts.has_other_member(gid, me.as_raw()))
}

/// /etc/passwd and /etc/group, each entry split at `:`.
struct Accounts {
    passwd: Vec<Vec<String>>,
    group: Vec<Vec<String>>,
}

impl Accounts {
    fn read() -> Accounts {
        let read = |file: &str| -> Vec<Vec<String>> {
            std::fs::read_to_string(file)
                .unwrap_or_default()
                .lines()
                .map(|line| line.split(':').map(str::to_owned).collect())
                .filter(|entry: &Vec<String>| entry.len() >= 4)
                .collect()
        };
        Accounts {
            passwd: read("/etc/passwd"),
            group: read("/etc/group"),
        }
    }

    fn user_name(&self, uid: u32) -> Option<&str> {
        let uid = uid.to_string();
        self.passwd
            .iter()
            .find(|entry| entry[2] == uid)
            .map(|entry| entry[0].as_str())
    }

    fn group(&self, gid: u32) -> Option<&Vec<String>> {
        let gid = gid.to_string();
        self.group.iter().find(|entry| entry[2] == gid)
    }

    /// Whether someone but `uid` is in group `gid`: by primary group, or
    /// listed.
    fn has_other_member(&self, gid: u32, uid: u32) -> bool {
        let (gid_text, uid_text) = (gid.to_string(), uid.to_string());
        let name = self.user_name(uid).unwrap_or_default();
        let by_primary = self
            .passwd
            .iter()
            .any(|entry| entry[3] == gid_text && entry[2] != uid_text);
        let listed = self.group(gid).is_some_and(|group| {
            group[3]
                .split(',')
                .any(|member| !member.is_empty() && member != name)
        });
        by_primary || listed
    }
}

/// Says on the test's output that it is skipped, and why: for tests that
/// need what the machine may not have (a private group, a shared one).
#[allow(clippy::print_stderr)] // the one place a test prints
pub fn skip(why: &str) {
    eprintln!("skipped: {why}");
}

/// Gives `path` to group `gid`, keeping its owner.
pub fn chgrp(path: &Path, gid: u32) {
    std::os::unix::fs::chown(path, None, Some(gid)).expect("chgrp");
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
