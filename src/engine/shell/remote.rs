//! Commands on another host, through the system's OpenSSH client.
//!
//! - The remote command line is always `sh -s`: whatever the login shell
//!   (csh and fish included) runs it as it is. Variables, as an `export`
//!   preamble quoted for `sh`, and then the script go to that shell on
//!   ssh's standard input ([`payload`]); nothing of them is in the argv of
//!   `ssh` or of the remote shell, where `ps` would show it, and nothing
//!   relies on the server accepting `SendEnv`.
//! - `ssh` runs with `BatchMode=yes` (it never asks for a password or a
//!   passphrase: it fails, and says so), a `ConnectTimeout`, and
//!   `StrictHostKeyChecking=yes`: a host key that is not known, or has
//!   changed, stops the command with the fingerprint and what to run. The
//!   user's ssh config, keys, agent and `known_hosts` are used as ssh finds
//!   them, or the config [`Ssh::config`] names (`-F`).
//! - One control master per incident and destination, its socket in a
//!   directory only this user may enter; [`Ssh::close`] ends them. A
//!   master left by a runner that died ends itself after
//!   [`CONTROL_PERSIST`] idle.
//! - ssh's own messages go to a log file of their own (`-E`), apart from
//!   the command's output, so that a connection that failed (ssh exits 255
//!   and says why there) is told from a command that failed.
//! - Stopping a remote command stops its whole process group on the remote
//!   host ([`Ssh::stop`]): the processes are found there by the incident's
//!   key and step in their environment, as `stop_leftovers` finds them
//!   here, which also serves a `resume` after the runner died.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::subprocess::{self, Ended, Limits};

/// How long ssh may take to connect before it gives up.
const CONNECT_TIMEOUT_S: u32 = 10;

/// How long a control master stays after its last client has gone.
const CONTROL_PERSIST: &str = "300";

/// How often ssh checks that the server still answers, in seconds, and
/// how many unanswered checks mean it is gone.
const SERVER_ALIVE_INTERVAL_S: u32 = 15;
const SERVER_ALIVE_COUNT: u32 = 3;

/// The longest a remote command is given between TERM and KILL: the
/// helper that stops it must end within [`HELPER_LIMITS`].
const MAX_REMOTE_GRACE_S: u64 = 8;

/// How long a helper run of ssh (preflight, stop, close) may take.
const HELPER_LIMITS: Limits = Limits {
    timeout: Duration::from_secs(CONNECT_TIMEOUT_S as u64 + 10),
    grace: Duration::from_secs(1),
    kept: 16 * 1024,
};

/// What runs on the remote host to stop a command: every process whose
/// environment holds the incident's key and the step (`$1`, `$2`) has its
/// process group sent TERM, then KILL `$3` seconds later (the grace a
/// command has here too). Prints the process ids it found, one per line.
const STOP_SCRIPT: &str = r#"key="RUNBOOK_INCIDENT_KEY=$1" step="RUNBOOK_STEP=$2" grace=$3 groups= pids=
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [ "$pid" = "$$" ] && continue
  env=$( { tr '\0' '\n' < "$dir/environ"; } 2>/dev/null ) || continue
  case "
$env
" in *"
$key
"*) ;; *) continue ;; esac
  case "
$env
" in *"
$step
"*) ;; *) continue ;; esac
  stat=$( { cat "$dir/stat"; } 2>/dev/null ) || continue
  stat=${stat##*) }
  set -- $stat
  pids="$pids $pid"
  case " $groups " in *" $3 "*) ;; *) groups="$groups $3" ;; esac
done
[ -n "$pids" ] || exit 0
for group in $groups; do kill -TERM -"$group" 2>/dev/null; done
while [ "$grace" -gt 0 ]; do
  left=
  for group in $groups; do kill -0 -"$group" 2>/dev/null && left=1; done
  [ -n "$left" ] || break
  sleep 1
  grace=$((grace - 1))
done
for group in $groups; do kill -KILL -"$group" 2>/dev/null; done
for pid in $pids; do echo "$pid"; done
"#;

/// The system's OpenSSH client, as the walk uses it.
#[derive(Debug)]
pub struct Ssh {
    /// `-F`: the ssh config to read instead of the user's own.
    config: Option<PathBuf>,
    /// Where this incident's control sockets and ssh's logs go: under
    /// `$XDG_RUNTIME_DIR`, or a fresh directory of a random name in `/tmp`
    /// (a name known beforehand could be taken first by another user).
    /// Made on first use.
    dir: Mutex<Option<PathBuf>>,
    /// `$XDG_RUNTIME_DIR/runbook-ssh` when sockets fit there.
    base: Option<PathBuf>,
    /// The incident's directory's name under `base`.
    short: String,
    /// Destinations a master may have been started for.
    used: Mutex<BTreeSet<String>>,
    logs: AtomicU64,
}

/// Why a run of ssh did not reach the destination's shell, in ssh's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

/// Why a host was not reached is journaled in English, as the journal
/// keeps words; `i18n::reason` reads it back in the display language.
fn english() -> crate::model::Lang {
    crate::model::Lang::english()
}

impl Ssh {
    /// `config` is passed to ssh as `-F`; `incident_key` names the
    /// directory of this incident's control sockets.
    pub fn new(config: Option<PathBuf>, incident_key: &str) -> Ssh {
        let short: String = incident_key
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        Ssh {
            config,
            dir: Mutex::new(None),
            base: runtime_dir(),
            short: if short.is_empty() {
                "walk".to_owned()
            } else {
                short
            },
            used: Mutex::new(BTreeSet::new()),
            logs: AtomicU64::new(0),
        }
    }

    /// The directory for sockets and logs, made private to this user.
    fn dir(&self) -> io::Result<PathBuf> {
        let mut dir = self.dir.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(dir) = &*dir {
            return Ok(dir.clone());
        }
        let made = match &self.base {
            Some(base) => {
                private_dir(base)?;
                let made = base.join(&self.short);
                private_dir(&made)?;
                made
            }
            None => fresh_private_dir(Path::new("/tmp"))?,
        };
        *dir = Some(made.clone());
        Ok(made)
    }

    /// A fresh path for ssh's log (`-E`).
    fn log_path(&self) -> io::Result<PathBuf> {
        let n = self.logs.fetch_add(1, Ordering::Relaxed);
        Ok(self.dir()?.join(format!("ssh-{}-{n}.log", std::process::id())))
    }

    /// `ssh` with the options every run gets, for `destination`, running
    /// `sh -s` with these arguments; its log goes to `log`.
    fn command(&self, destination: &str, log: &Path, args: &[&str]) -> io::Result<Command> {
        let dir = self.dir()?;
        self.used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(destination.to_owned());
        let mut command = self.plain_ssh();
        let control_path = control_path(&dir, destination);
        let mut log_arg = OsString::from("-E");
        log_arg.push(log);
        command
            // ssh's own log says only what went wrong, whatever the
            // user's config asks for: its being empty tells a command that
            // ran from a connection that failed.
            .args(["-T", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o"])
            .arg(format!("ConnectTimeout={CONNECT_TIMEOUT_S}"))
            .args([
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "ControlMaster=auto",
                "-o",
            ])
            .arg(control_path)
            .args(["-o", &format!("ControlPersist={CONTROL_PERSIST}")])
            // A host that vanishes mid-command is noticed in
            // SERVER_ALIVE_INTERVAL × SERVER_ALIVE_COUNT seconds, not at
            // the step's timeout.
            .args(["-o", &format!("ServerAliveInterval={SERVER_ALIVE_INTERVAL_S}")])
            .args(["-o", &format!("ServerAliveCountMax={SERVER_ALIVE_COUNT}")])
            // No port or agent forwarding a user's config may ask for.
            .args(["-o", "ClearAllForwardings=yes", "-o", "ForwardAgent=no"])
            .arg(log_arg)
            // Checked to be a destination and never an option, but `--`
            // all the same.
            .args(["--", destination, "sh", "-s"]);
        if !args.is_empty() {
            // Fixed words of this module (the stop script's key and step,
            // checked to be plain), never variables.
            command.arg("--").args(args);
        }
        command.process_group(0);
        Ok(command)
    }

    /// Starts `sh -s` on `destination`, its stdin, stdout and stderr piped;
    /// returns the child and where ssh's log goes.
    pub fn spawn(&self, destination: &str) -> io::Result<(std::process::Child, PathBuf)> {
        let log = self.log_path()?;
        let child = self
            .command(destination, &log, &[])?
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        Ok((child, log))
    }

    /// Runs `script` with `sh -s` on `destination` (with `args`) and
    /// returns its standard output, or why it could not.
    fn run(&self, destination: &str, script: &str, args: &[&str]) -> Result<String, Unreachable> {
        let unreachable = |why: String| Unreachable(why);
        let log = self.log_path().map_err(|error| unreachable(error.to_string()))?;
        let child = self
            .command(destination, &log, args)
            .and_then(|mut command| {
                command
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
            })
            .map_err(|error| unreachable(crate::tr!(&english(), SshCannotStart, error = error)))?;
        let ran = subprocess::run(child, Some(script.as_bytes().to_vec()), HELPER_LIMITS);
        let said = take_log(&log);
        match ran.ended {
            Ended::Exited(status) if status.success() => {
                Ok(String::from_utf8_lossy(&ran.stdout).into_owned())
            }
            Ended::TimedOut => Err(unreachable(crate::tr!(
                &english(),
                SshNoAnswer,
                on = destination,
                seconds = HELPER_LIMITS.timeout.as_secs()
            ))),
            _ => {
                let stderr = String::from_utf8_lossy(&ran.stderr);
                let why = if said.trim().is_empty() {
                    stderr.trim()
                } else {
                    said.trim()
                };
                Err(unreachable(self.explain(destination, why)))
            }
        }
    }

    /// Connects to `destination`, runs a harmless command there and
    /// returns the host's own name: what a walk checks before its first
    /// change.
    pub fn preflight(&self, destination: &str) -> Result<String, Unreachable> {
        self.run(destination, "uname -n\n", &[])
            .map(|name| name.trim().to_owned())
    }

    /// Stops what runs on `destination` for this incident's `step`: its
    /// whole process group there, TERM and then, after `grace`, KILL.
    /// Returns the remote process ids found.
    pub fn stop(
        &self,
        destination: &str,
        incident_key: &str,
        step: &str,
        grace: Duration,
    ) -> Result<Vec<u32>, Unreachable> {
        let plain = |word: &str| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !plain(incident_key) || !plain(step) {
            return Err(Unreachable(format!(
                "cannot name step `{step}` safely on {destination}"
            )));
        }
        let grace = grace.as_secs().clamp(1, MAX_REMOTE_GRACE_S).to_string();
        let found = self.run(destination, STOP_SCRIPT, &[incident_key, step, &grace])?;
        Ok(found
            .lines()
            .filter_map(|line| line.trim().parse().ok())
            .collect())
    }

    /// Ends the control masters this walk started and removes their
    /// directory. A master a later walk finds gone is started again.
    pub fn close(&self) {
        let used = std::mem::take(
            &mut *self
                .used
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let Some(dir) = self
            .dir
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
        else {
            return;
        };
        for destination in used {
            let control_path = control_path(&dir, &destination);
            let mut command = self.plain_ssh();
            command
                .args(["-q", "-o"])
                .arg(control_path)
                .args(["-O", "exit", "--", &destination])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0);
            if let Ok(child) = command.spawn() {
                subprocess::run(child, None, HELPER_LIMITS);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// What ssh said, and when it is about the host key, what it offers
    /// and what to do.
    pub fn explain(&self, destination: &str, said: &str) -> String {
        let said = said.trim();
        if !said.contains("Host key verification failed") {
            let mut text = if said.is_empty() {
                crate::tr!(&english(), SshCouldNotReach, on = destination)
            } else {
                crate::tr!(&english(), SshCouldNotReachSaid, on = destination, said = said)
            };
            // What a jump host said is lost (ssh sends a proxy's messages
            // nowhere once the connection is a persisting master).
            if let Some(via) = self.resolve(destination).via {
                text.push('\n');
                text.push_str(&crate::tr!(
                    &english(),
                    SshThroughJump,
                    on = destination,
                    via = via
                ));
            }
            return text;
        }
        let changed = said.contains("HAS CHANGED") || said.contains("has changed");
        let english = english();
        let mut text = if changed {
            crate::tr!(&english, HostKeyChanged, on = destination)
        } else {
            crate::tr!(&english, HostKeyUnknown, on = destination)
        };
        let seen = self.resolve(destination);
        match self.fingerprints(&seen.host, &seen.port) {
            Some(fingerprints) if !fingerprints.is_empty() => {
                text.push_str(&format!(
                    "\n{}\n{fingerprints}",
                    crate::tr!(&english, HostKeyOffers)
                ));
            }
            _ => {
                text.push('\n');
                text.push_str(&crate::tr!(
                    &english,
                    HostKeysUnread,
                    port = seen.port,
                    host = seen.host
                ));
            }
        }
        text.push_str(&format!("\n{}\n", crate::tr!(&english, HostKeyCompare)));
        text.push_str(&seen.fix(changed));
        text.push_str(crate::tr!(&english, HostKeyThenTryAgain));
        text
    }

    /// How ssh sees `destination`'s host key, as `ssh -G` reports it.
    fn resolve(&self, destination: &str) -> KnownAs {
        let mut command = self.plain_ssh();
        command.args(["-G", "--", destination]);
        KnownAs::from_config(destination, &run_helper(command).unwrap_or_default())
    }

    /// The fingerprints of the keys `host` offers, one per line.
    #[allow(clippy::disallowed_methods)]
    fn fingerprints(&self, host: &str, port: &str) -> Option<String> {
        if crate::model::destination::check(host).is_err() || port.parse::<u16>().is_err() {
            return None;
        }
        let mut scan = Command::new("ssh-keyscan");
        scan.args(["-T", "5", "-p", port, "--", host]);
        let keys = run_helper(scan)?;
        let mut fingerprint = Command::new("ssh-keygen");
        fingerprint.args(["-l", "-f", "-"]);
        fingerprint
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0);
        let child = fingerprint.spawn().ok()?;
        let ran = subprocess::run(child, Some(keys.into_bytes()), HELPER_LIMITS);
        let text = String::from_utf8_lossy(&ran.stdout);
        Some(
            text.lines()
                .map(|line| format!("  {line}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }

    /// `ssh` with what every run of it gets: the config option (`-F`), and
    /// no questions asked ([`no_prompts`]).
    #[allow(clippy::disallowed_methods)]
    fn plain_ssh(&self) -> Command {
        let mut command = Command::new("ssh");
        no_prompts(&mut command);
        crate::subprocess::without_given_secrets(&mut command);
        if let Some(config) = &self.config {
            command.arg("-F").arg(config);
        }
        command
    }
}

/// Makes every ssh this run starts, and every ssh those start (a
/// `ProxyJump` hop, which `-o` options do not reach), take a question's
/// answer from `SSH_ASKPASS` instead of the terminal, and that answer is
/// always "no": an unknown host key of a jump host, or a password it
/// would ask for, fails the connection at once instead of waiting at a
/// prompt nobody sees until the step's timeout.
fn no_prompts(command: &mut Command) {
    command
        .env("SSH_ASKPASS_REQUIRE", "force")
        .env("SSH_ASKPASS", "false");
}

/// Where ssh looks a destination's host key up, from `ssh -G`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KnownAs {
    host: String,
    port: String,
    /// `HostKeyAlias`: the name the key is kept under instead.
    alias: Option<String>,
    /// The first of the user's known-hosts files.
    file: String,
    /// `HashKnownHosts`: names in the file are hashed.
    hashed: bool,
    /// The jump host (`ProxyJump`) or proxy command it is reached through.
    via: Option<String>,
}

impl KnownAs {
    fn from_config(destination: &str, config: &str) -> KnownAs {
        let field = |name: &str| {
            config.lines().find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(' '))
                    .and_then(|value| value.split_whitespace().next())
                    .map(str::to_owned)
            })
        };
        // Only names that are safe to show in a command line to copy.
        let safe = |name: String| crate::model::destination::check(&name).is_ok().then_some(name);
        KnownAs {
            host: field("hostname")
                .and_then(safe)
                .unwrap_or_else(|| destination.to_owned()),
            port: field("port")
                .filter(|port| port.parse::<u16>().is_ok())
                .unwrap_or_else(|| "22".to_owned()),
            alias: field("hostkeyalias").filter(|alias| {
                alias != "none"
                    && alias
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            }),
            file: field("userknownhostsfile").unwrap_or_else(|| "~/.ssh/known_hosts".to_owned()),
            hashed: field("hashknownhosts").is_some_and(|value| value == "yes"),
            via: field("proxyjump")
                .filter(|hop| hop != "none")
                .map(|hop| format!("the jump host {}", crate::sanitize::one_line(&hop)))
                .or_else(|| {
                    config
                        .lines()
                        .any(|line| line.starts_with("proxycommand ") && line != "proxycommand none")
                        .then(|| "a proxy command".to_owned())
                }),
        }
    }

    /// The name the key is kept under: the alias, or the host, with the
    /// port in brackets unless it is ssh's own.
    fn entry(&self) -> String {
        match &self.alias {
            Some(alias) => alias.clone(),
            None if self.port == "22" => self.host.clone(),
            None => format!("[{}]:{}", self.host, self.port),
        }
    }

    /// The commands that forget the old key (when it `changed`) and keep
    /// the one offered now, each on a line of its own, indented.
    fn fix(&self, changed: bool) -> String {
        let file = match self.file.strip_prefix("~/") {
            Some(rest) => format!("~/{}", quote(rest)),
            None => quote(&self.file),
        };
        let mut lines = String::new();
        if changed {
            lines.push_str(&format!("  ssh-keygen -f {file} -R {}\n", quote(&self.entry())));
        }
        match &self.alias {
            // ssh-keyscan names the host; the key is looked up by the alias.
            Some(alias) => {
                lines.push_str(&format!(
                    "  ssh-keyscan -p {} {} | sed 's/^[^ ]*/{alias}/' >> {file}\n",
                    self.port, self.host
                ));
                if self.hashed {
                    lines.push_str(&format!("  ssh-keygen -H -f {file}\n"));
                }
            }
            None => {
                let hash = if self.hashed { "-H " } else { "" };
                lines.push_str(&format!(
                    "  ssh-keyscan {hash}-p {} {} >> {file}\n",
                    self.port, self.host
                ));
            }
        }
        lines
    }
}

/// Runs a helper to its end and returns its standard output.
fn run_helper(mut command: Command) -> Option<String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0);
    let child = command.spawn().ok()?;
    let ran = subprocess::run(child, None, HELPER_LIMITS);
    matches!(ran.ended, Ended::Exited(status) if status.success())
        .then(|| String::from_utf8_lossy(&ran.stdout).into_owned())
}

/// Reads and removes ssh's log.
pub fn take_log(log: &Path) -> String {
    let text = std::fs::read(log).map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let _ = std::fs::remove_file(log);
    text.unwrap_or_default()
}

/// The variable that carries the script to the shell that runs it
/// (`RUNBOOK_` names are reserved: no runbook variable can be it).
const SCRIPT_VAR: &str = "RUNBOOK_SCRIPT";

/// What a remote `sh -s` reads: the variables as `export` lines, the
/// script as one more, and then a fixed line that replaces that shell
/// with one running the script, its standard input `/dev/null` so that no
/// command of the script can read the rest of the payload.
///
/// - The shell that runs the script is the very process ssh started, now
///   with the incident's key and step in its own environment: stopping
///   finds it by them even while it runs only builtins (a `read`, a loop)
///   and has no child that would show them.
/// - All of it is one `{ … }` group, which `sh` reads whole before it
///   runs any of it: a payload cut short on the way runs nothing at all.
/// - The script is in the environment of its shell, which only its user
///   can read, and never in an argv that `ps` shows; its commands do not
///   inherit it.
pub fn payload(env: &[(String, String)], script: &str) -> Vec<u8> {
    let mut out = String::with_capacity(2 * script.len() + 64 * env.len() + 128);
    out.push_str("{\n");
    let mut export = |name: &str, value: &str| {
        out.push_str("export ");
        out.push_str(name);
        out.push('=');
        out.push_str(&quote(value));
        out.push('\n');
    };
    for (name, value) in env {
        if is_env_name(name) && name != SCRIPT_VAR {
            export(name, value);
        }
    }
    export(SCRIPT_VAR, script);
    out.push_str(&format!(
        "exec </dev/null sh -c '__runbook_script=${SCRIPT_VAR}; unset {SCRIPT_VAR}; eval \"$__runbook_script\"'\n}}\n"
    ));
    out.into_bytes()
}

/// `value` as one `sh` word that stands for exactly its bytes: in single
/// quotes, where nothing is special but the quote itself, written `'\''`.
pub fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

/// A name `sh` takes in `export NAME=`.
fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The longest socket path the kernel takes (`sun_path`, 108 bytes with
/// its NUL), less what ssh adds while it makes a master's socket (`.` and
/// 16 random characters).
const SOCKET_PATH_MAX: usize = 107 - 17;

/// The `ControlPath` option for `destination`'s master in `dir`: named by
/// a short hash of the destination rather than ssh's `%C` (40 characters),
/// so that the path fits a socket's.
fn control_path(dir: &Path, destination: &str) -> OsString {
    let name = &crate::journal::sha256_hex(destination.as_bytes())[..12];
    let mut option = OsString::from("ControlPath=");
    // `%` starts one of ssh's tokens in this option.
    option.push(dir.join(name).as_os_str().to_string_lossy().replace('%', "%%"));
    option
}

/// Where control sockets go: `$XDG_RUNTIME_DIR/runbook-ssh`, unless that
/// is unset or would make socket paths too long; then `None`, and each
/// incident gets a fresh directory in `/tmp` ([`fresh_private_dir`]).
/// Under it, each incident has a directory and each destination a
/// socket: 26 bytes more.
fn runtime_dir() -> Option<PathBuf> {
    runtime_dir_in(std::env::var_os("XDG_RUNTIME_DIR"))
}

/// [`runtime_dir`], given `$XDG_RUNTIME_DIR`.
fn runtime_dir_in(xdg_runtime_dir: Option<std::ffi::OsString>) -> Option<PathBuf> {
    let dir = xdg_runtime_dir.filter(|dir| !dir.is_empty() && Path::new(dir).is_absolute())?;
    let dir = PathBuf::from(dir).join("runbook-ssh");
    (dir.as_os_str().len() + 26 <= SOCKET_PATH_MAX).then_some(dir)
}

/// Makes a directory of a random name in `parent` (mode 0700) that did not
/// exist before: `runbook-ssh-` and 12 hex digits, 29 bytes.
fn fresh_private_dir(parent: &Path) -> io::Result<PathBuf> {
    let mut last = None;
    for _ in 0..8 {
        let mut random = [0u8; 6];
        ssh_key::rand_core::RngCore::fill_bytes(&mut ssh_key::rand_core::OsRng, &mut random);
        let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        let dir = parent.join(format!("runbook-ssh-{name}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                private_dir(&dir)?;
                return Ok(dir);
            }
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => last = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no fresh directory name")))
}

/// Makes `dir` (mode 0700) unless it exists, and refuses one that is not
/// a real directory of this user's that only they may enter: another
/// user could otherwise read or plant sockets there.
fn private_dir(dir: &Path) -> io::Result<()> {
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(error),
    }
    let meta = std::fs::symlink_metadata(dir)?;
    let uid = rustix::process::geteuid().as_raw();
    if !meta.is_dir() || meta.uid() != uid || meta.permissions().mode() & 0o077 != 0 {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "{} is not a directory of this user's that only they may enter; remove it and try again",
                dir.display()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sockets_fit_a_sockets_path_however_long_the_runtime_dir() {
        let short = runtime_dir_in(Some("/run/user/1000".into()));
        assert_eq!(short.as_deref(), Some(Path::new("/run/user/1000/runbook-ssh")));
        assert_eq!(runtime_dir_in(Some(format!("/{}", "d".repeat(80)).into())), None);
        assert_eq!(runtime_dir_in(None), None);
        assert_eq!(runtime_dir_in(Some("relative".into())), None);
        let fresh = Path::new("/tmp/runbook-ssh-0123456789ab").to_owned();
        for dir in [short.unwrap().join("0123456789ab"), fresh] {
            let option = control_path(&dir, "root@a-very-long-host-name.example.com");
            let path = option.to_str().unwrap().trim_start_matches("ControlPath=");
            assert!(path.len() <= SOCKET_PATH_MAX, "{path}");
        }
        // `%` would be one of ssh's tokens.
        let option = control_path(Path::new("/tmp/100%"), "web1");
        assert!(option.to_str().unwrap().starts_with("ControlPath=/tmp/100%%/"));
    }

    #[test]
    fn without_a_runtime_dir_each_walk_gets_a_fresh_private_one_nobody_could_take_first() {
        let parent = tempfile::tempdir().unwrap();
        let one = fresh_private_dir(parent.path()).unwrap();
        let two = fresh_private_dir(parent.path()).unwrap();
        assert_ne!(one, two);
        for dir in [&one, &two] {
            let meta = std::fs::symlink_metadata(dir).unwrap();
            assert!(meta.is_dir());
            assert_eq!(meta.permissions().mode() & 0o777, 0o700);
            let name = dir.file_name().unwrap().to_str().unwrap();
            assert_eq!(name.len(), "runbook-ssh-".len() + 12, "{name}");
        }
    }

    #[test]
    fn the_fix_for_a_host_key_names_the_entry_ssh_looks_up() {
        let config = |extra: &str| {
            format!(
                "user ops\nhostname web1.example.com\nport 22\n{extra}userknownhostsfile ~/.ssh/known_hosts ~/.ssh/known_hosts2\n"
            )
        };
        let plain = KnownAs::from_config("web1", &config("hashknownhosts no\n"));
        assert_eq!(plain.entry(), "web1.example.com");
        assert_eq!(
            plain.fix(true),
            "  ssh-keygen -f ~/'.ssh/known_hosts' -R 'web1.example.com'\n  \
             ssh-keyscan -p 22 web1.example.com >> ~/'.ssh/known_hosts'\n"
        );
        assert_eq!(
            plain.fix(false),
            "  ssh-keyscan -p 22 web1.example.com >> ~/'.ssh/known_hosts'\n"
        );

        let other_port = KnownAs::from_config(
            "web1",
            &config("hashknownhosts yes\n").replace("port 22", "port 2222"),
        );
        assert_eq!(other_port.entry(), "[web1.example.com]:2222");
        assert_eq!(
            other_port.fix(true),
            "  ssh-keygen -f ~/'.ssh/known_hosts' -R '[web1.example.com]:2222'\n  \
             ssh-keyscan -H -p 2222 web1.example.com >> ~/'.ssh/known_hosts'\n"
        );

        let alias = KnownAs::from_config("web1", &config("hostkeyalias web1-key\nhashknownhosts yes\n"));
        assert_eq!(alias.entry(), "web1-key");
        assert_eq!(
            alias.fix(true),
            "  ssh-keygen -f ~/'.ssh/known_hosts' -R 'web1-key'\n  \
             ssh-keyscan -p 22 web1.example.com | sed 's/^[^ ]*/web1-key/' >> ~/'.ssh/known_hosts'\n  \
             ssh-keygen -H -f ~/'.ssh/known_hosts'\n"
        );

        // What cannot be shown safely in a line to copy is not.
        let hostile = KnownAs::from_config(
            "web1",
            "hostname $(id)\nport 22;id\nhostkeyalias a/b\nuserknownhostsfile /tmp/it's here\n",
        );
        assert_eq!(hostile.host, "web1");
        assert_eq!(hostile.port, "22");
        assert_eq!(hostile.alias, None);
    }

    #[test]
    fn a_quoted_value_is_one_word_of_exactly_its_bytes() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("$(id) `id` \"x\"\n\\"), "'$(id) `id` \"x\"\n\\'");
    }

    #[test]
    fn the_payload_exports_then_runs_the_script_away_from_its_own_input() {
        let env = vec![
            ("SERVICE".to_owned(), "php-fpm".to_owned()),
            ("NOTE".to_owned(), "a'b\nc".to_owned()),
            ("not a name".to_owned(), "x".to_owned()),
        ];
        let payload = String::from_utf8(payload(&env, "systemctl restart \"$SERVICE\"")).unwrap();
        assert_eq!(
            payload,
            "{\nexport SERVICE='php-fpm'\nexport NOTE='a'\\''b\nc'\n\
             export RUNBOOK_SCRIPT='systemctl restart \"$SERVICE\"'\n\
             exec </dev/null sh -c '__runbook_script=$RUNBOOK_SCRIPT; unset RUNBOOK_SCRIPT; eval \"$__runbook_script\"'\n}\n"
        );
    }

    /// The preamble, run by a real `sh`, gives each variable its value
    /// byte for byte, however hostile.
    #[test]
    #[allow(clippy::disallowed_methods)]
    fn hostile_values_reach_the_script_byte_for_byte() {
        let big: String = "x'\"$`\\\n".repeat(64 * 1024 / 7);
        let values = [
            "$(touch /tmp/runbook-never)",
            "`touch /tmp/runbook-never`",
            "'; touch /tmp/runbook-never; '",
            "\"quoted\" and 'single'",
            "line one\nline two\n",
            "\\n \\' \\",
            "tab\there",
            "ünïcødé 服务器",
            big.as_str(),
        ];
        for value in values {
            let env = vec![("VALUE".to_owned(), value.to_owned())];
            let script = "printf '%s' \"$VALUE\"";
            let mut child = Command::new("sh")
                .arg("-s")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let bytes = payload(&env, script);
            let writer = std::thread::spawn(move || io::Write::write_all(&mut stdin, &bytes));
            let output = child.wait_with_output().unwrap();
            writer.join().unwrap().unwrap();
            assert!(output.status.success());
            assert_eq!(String::from_utf8(output.stdout).unwrap(), value);
        }
        assert!(!Path::new("/tmp/runbook-never").exists());
    }

    /// `sh -s` fed `bytes` and then the end of its input; its stdout.
    #[allow(clippy::disallowed_methods)]
    fn sh_reading(bytes: &[u8], env: &[(&str, &str)]) -> String {
        let mut child = Command::new("sh")
            .arg("-s")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        io::Write::write_all(&mut stdin, bytes).unwrap();
        drop(stdin);
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    }

    #[test]
    fn a_payload_cut_short_anywhere_runs_nothing_of_its_script() {
        let env = vec![("NOTE".to_owned(), "it's\n$(echo leaked)".to_owned())];
        let whole = payload(&env, "echo ran\necho \"$NOTE\"");
        assert_eq!(sh_reading(&whole, &[]), "ran\nit's\n$(echo leaked)\n");
        // Up to the last line's newline, which only ends a line that is
        // whole already.
        for cut in 0..whole.len() - 1 {
            let said = sh_reading(&whole[..cut], &[]);
            assert_eq!(
                said,
                "",
                "cut at {cut}: {:?}",
                String::from_utf8_lossy(&whole[..cut])
            );
        }
    }

    #[test]
    fn the_shell_running_the_script_shows_the_incident_in_its_own_environment() {
        let env = vec![
            ("RUNBOOK_INCIDENT_KEY".to_owned(), "k123".to_owned()),
            ("RUNBOOK_STEP".to_owned(), "restart".to_owned()),
        ];
        // What the stop script reads: the shell's own /proc environ, with
        // no child process to show it; its commands do not get the script.
        let script = "tr '\\0' '\\n' < /proc/$$/environ | grep -E '^RUNBOOK_(INCIDENT_KEY|STEP)=' | sort\n\
                      env | grep -c '^RUNBOOK_SCRIPT=' || true";
        assert_eq!(
            sh_reading(&payload(&env, script), &[]),
            "RUNBOOK_INCIDENT_KEY=k123\nRUNBOOK_STEP=restart\n0\n"
        );
    }

    #[test]
    fn a_script_cannot_read_the_rest_of_its_payload() {
        #[allow(clippy::disallowed_methods)]
        let mut child = Command::new("sh")
            .arg("-s")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        io::Write::write_all(&mut stdin, &payload(&[], "cat; echo after; exit 3")).unwrap();
        io::Write::write_all(&mut stdin, b"echo never\n").unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        // `cat` read /dev/null; the line sent after the payload never runs:
        // the shell that read it is the script's now.
        assert_eq!(String::from_utf8(output.stdout).unwrap(), "after\n");
        assert_eq!(output.status.code(), Some(3));
    }
}
