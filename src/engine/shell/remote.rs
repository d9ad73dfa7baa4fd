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

/// How long a helper run of ssh (preflight, stop, close) may take.
const HELPER_LIMITS: Limits = Limits {
    timeout: Duration::from_secs(CONNECT_TIMEOUT_S as u64 + 10),
    grace: Duration::from_secs(1),
    kept: 16 * 1024,
};

/// What runs on the remote host to stop a command: every process whose
/// environment holds the incident's key and the step (`$1`, `$2`) has its
/// process group sent TERM, then KILL two seconds later. Prints the
/// process ids it found, one per line.
const STOP_SCRIPT: &str = r#"key="RUNBOOK_INCIDENT_KEY=$1" step="RUNBOOK_STEP=$2" groups= pids=
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
sleep 2
for group in $groups; do kill -KILL -"$group" 2>/dev/null; done
for pid in $pids; do echo "$pid"; done
"#;

/// The system's OpenSSH client, as the walk uses it.
#[derive(Debug)]
pub struct Ssh {
    /// `-F`: the ssh config to read instead of the user's own.
    config: Option<PathBuf>,
    /// Where the control sockets and ssh's logs go; made on first use.
    dir: PathBuf,
    /// Destinations a master may have been started for.
    used: Mutex<BTreeSet<String>>,
    logs: AtomicU64,
}

/// Why a run of ssh did not reach the destination's shell, in ssh's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable(pub String);

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
            dir: runtime_dir().join(if short.is_empty() {
                "walk".to_owned()
            } else {
                short
            }),
            used: Mutex::new(BTreeSet::new()),
            logs: AtomicU64::new(0),
        }
    }

    /// The directory for sockets and logs, made private to this user.
    fn dir(&self) -> io::Result<&Path> {
        private_dir(self.dir.parent().unwrap_or(Path::new("/tmp")))?;
        private_dir(&self.dir)?;
        Ok(&self.dir)
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
        let control_path = control_path(dir, destination);
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
            .map_err(|error| unreachable(format!("cannot start ssh: {error}")))?;
        let ran = subprocess::run(child, Some(script.as_bytes().to_vec()), HELPER_LIMITS);
        let said = take_log(&log);
        match ran.ended {
            Ended::Exited(status) if status.success() => {
                Ok(String::from_utf8_lossy(&ran.stdout).into_owned())
            }
            Ended::TimedOut => Err(unreachable(format!(
                "ssh to {destination} did not answer within {} s",
                HELPER_LIMITS.timeout.as_secs()
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
    /// whole process group there. Returns the remote process ids found.
    pub fn stop(&self, destination: &str, incident_key: &str, step: &str) -> Result<Vec<u32>, Unreachable> {
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
        let found = self.run(destination, STOP_SCRIPT, &[incident_key, step])?;
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
        if !self.dir.is_dir() {
            return;
        }
        for destination in used {
            let control_path = control_path(&self.dir, &destination);
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
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// What ssh said, and when it is about the host key, what it offers
    /// and what to do.
    pub fn explain(&self, destination: &str, said: &str) -> String {
        let said = said.trim();
        if !said.contains("Host key verification failed") {
            return if said.is_empty() {
                format!("ssh could not reach {destination}")
            } else {
                format!("ssh could not reach {destination}: {said}")
            };
        }
        let changed = said.contains("HAS CHANGED") || said.contains("has changed");
        let mut text = if changed {
            format!(
                "the host key of {destination} has changed since it was last seen; nothing ran there, and nothing will until it is checked"
            )
        } else {
            format!("the host key of {destination} is not known (not in known_hosts); nothing ran there")
        };
        let (host, port, known_hosts) = self.resolve(destination);
        match self.fingerprints(&host, &port) {
            Some(fingerprints) if !fingerprints.is_empty() => {
                text.push_str(&format!("\nit now offers:\n{fingerprints}"));
            }
            _ => text.push_str(&format!(
                "\n(the keys it offers could not be read: ssh-keyscan -p {port} {host})"
            )),
        }
        let file = known_hosts.unwrap_or_else(|| "~/.ssh/known_hosts".to_owned());
        text.push_str("\ncompare with the fingerprint the host's owner gives (console, provider); if it is the same, run:\n");
        if changed {
            text.push_str(&format!("  ssh-keygen -f {file} -R '[{host}]:{port}'\n"));
        }
        text.push_str(&format!(
            "  ssh-keyscan -p {port} {host} >> {file}\nthen try again"
        ));
        text
    }

    /// The host name, port and first known-hosts file ssh uses for
    /// `destination`, as `ssh -G` reports them.
    fn resolve(&self, destination: &str) -> (String, String, Option<String>) {
        let mut command = self.plain_ssh();
        command.args(["-G", "--", destination]);
        let output = run_helper(command).unwrap_or_default();
        let field = |name: &str| {
            output.lines().find_map(|line| {
                line.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(' '))
                    .map(|value| value.split_whitespace().next().unwrap_or("").to_owned())
            })
        };
        (
            field("hostname").unwrap_or_else(|| destination.to_owned()),
            field("port").unwrap_or_else(|| "22".to_owned()),
            field("userknownhostsfile"),
        )
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

    /// `ssh` with only the config option (`-F`), which every run of it
    /// gets.
    #[allow(clippy::disallowed_methods)]
    fn plain_ssh(&self) -> Command {
        let mut command = Command::new("ssh");
        crate::subprocess::without_given_secrets(&mut command);
        if let Some(config) = &self.config {
            command.arg("-F").arg(config);
        }
        command
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

/// What a remote `sh -s` reads: the variables as `export` lines, then the
/// script in a `{ … }` group whose standard input is `/dev/null`, so that
/// no command of the script can read the rest of it. The group is parsed
/// whole before any of it runs: a script cut short on the way runs not at
/// all.
pub fn payload(env: &[(String, String)], script: &str) -> Vec<u8> {
    let mut out = String::with_capacity(script.len() + 64 * env.len());
    for (name, value) in env {
        if !is_env_name(name) {
            continue;
        }
        out.push_str("export ");
        out.push_str(name);
        out.push('=');
        out.push_str(&quote(value));
        out.push('\n');
    }
    out.push_str("{\n");
    out.push_str(script);
    if !script.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("} </dev/null\n");
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

/// Where control sockets go: `$XDG_RUNTIME_DIR/runbook-ssh`, else (or when
/// that would make socket paths too long) `/tmp/runbook-ssh-UID`. Under
/// it, each incident has a directory and each destination a socket: 26
/// bytes more.
fn runtime_dir() -> PathBuf {
    runtime_dir_in(std::env::var_os("XDG_RUNTIME_DIR"))
}

/// [`runtime_dir`], given `$XDG_RUNTIME_DIR`.
fn runtime_dir_in(xdg_runtime_dir: Option<std::ffi::OsString>) -> PathBuf {
    let fallback = || {
        PathBuf::from(format!(
            "/tmp/runbook-ssh-{}",
            rustix::process::geteuid().as_raw()
        ))
    };
    match xdg_runtime_dir.filter(|dir| !dir.is_empty() && Path::new(dir).is_absolute()) {
        Some(dir) => {
            let dir = PathBuf::from(dir).join("runbook-ssh");
            if dir.as_os_str().len() + 26 <= SOCKET_PATH_MAX {
                dir
            } else {
                fallback()
            }
        }
        None => fallback(),
    }
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
        assert_eq!(short, Path::new("/run/user/1000/runbook-ssh"));
        let long = runtime_dir_in(Some(format!("/{}", "d".repeat(80)).into()));
        assert!(
            long.to_str().unwrap().starts_with("/tmp/runbook-ssh-"),
            "{}",
            long.display()
        );
        for base in [short, long] {
            let dir = base.join("0123456789ab");
            let option = control_path(&dir, "root@a-very-long-host-name.example.com");
            let path = option.to_str().unwrap().trim_start_matches("ControlPath=");
            assert!(path.len() <= SOCKET_PATH_MAX, "{path}");
        }
        // `%` would be one of ssh's tokens.
        let option = control_path(Path::new("/tmp/100%"), "web1");
        assert!(option.to_str().unwrap().starts_with("ControlPath=/tmp/100%%/"));
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
            "export SERVICE='php-fpm'\nexport NOTE='a'\\''b\nc'\n{\nsystemctl restart \"$SERVICE\"\n} </dev/null\n"
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
        io::Write::write_all(&mut stdin, &payload(&[], "cat; echo after")).unwrap();
        io::Write::write_all(&mut stdin, b"echo never\n").unwrap();
        drop(stdin);
        let output = child.wait_with_output().unwrap();
        // `cat` read /dev/null; the line sent after the group runs as a
        // separate command of sh's, which is why the runner sends none.
        assert_eq!(String::from_utf8(output.stdout).unwrap(), "after\nnever\n");
    }
}
