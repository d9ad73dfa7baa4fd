//! A real OpenSSH server for remote steps: `/usr/sbin/sshd` started by the
//! test as a child on a loopback address and a free port, with a host key
//! and `authorized_keys` made in the test's own directory, and an ssh
//! client config that reaches it (given to `runbook` as `[ssh] config`).
//! Nothing of the system's sshd, or of the user's `~/.ssh`, is used.

use super::Test;
use std::io::Read;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

/// One sshd; it is killed when this is dropped.
#[derive(Debug)]
pub struct Sshd {
    child: Option<Child>,
    pub address: Ipv4Addr,
    pub port: u16,
    /// Its host key's public half (`ssh-ed25519 AAAA…`).
    pub host_key: String,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Sshd {
    /// Stops the server: the host stops answering.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The `known_hosts` line for this server.
    pub fn known_hosts_line(&self) -> String {
        format!("[{}]:{} {}\n", self.address, self.port, self.host_key)
    }
}

/// Hosts for a test: sshd servers, one client key, and the ssh config
/// naming each server by an alias.
#[derive(Debug)]
pub struct Hosts {
    pub dir: PathBuf,
    pub servers: Vec<(String, Sshd)>,
    /// The ssh config to give `runbook` (`[ssh] config`).
    pub config: PathBuf,
    pub known_hosts: PathBuf,
}

impl Hosts {
    /// Starts one sshd per `(alias, address)`, each knowing the client key
    /// and known to the client, and writes the ssh config and the runbook
    /// config that points at it. Panics with what to install when sshd is
    /// missing (`.ci/run` installs openssh-server).
    pub fn start(test: &Test, hosts: &[(&str, Ipv4Addr)]) -> Hosts {
        assert!(
            Path::new(SSHD).is_file(),
            "{SSHD} is missing: install openssh-server (.ci/run does); the tests start their own sshd"
        );
        let dir = test.root().join("ssh");
        std::fs::create_dir_all(&dir).unwrap();
        keygen(test, &dir.join("user_key"));
        std::fs::copy(dir.join("user_key.pub"), dir.join("authorized_keys")).unwrap();
        if rustix::process::geteuid().is_root() {
            // sshd refuses to start without its privilege separation
            // directory, which the package's service would make.
            std::fs::create_dir_all("/run/sshd").unwrap();
        }
        let mut servers = Vec::new();
        for (alias, address) in hosts {
            servers.push((alias.to_string(), sshd(test, &dir, alias, *address)));
        }
        let known_hosts = dir.join("known_hosts");
        let lines: String = servers
            .iter()
            .map(|(_, server)| server.known_hosts_line())
            .collect();
        std::fs::write(&known_hosts, lines).unwrap();
        let user = user_name();
        let mut config = String::new();
        for (alias, server) in &servers {
            config += &format!(
                "Host {alias}\n  HostName {}\n  Port {}\n",
                server.address, server.port
            );
        }
        config += &format!(
            "Host *\n  User {user}\n  IdentityFile {}\n  IdentitiesOnly yes\n  IdentityAgent none\n  \
             UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  UpdateHostKeys no\n  LogLevel ERROR\n",
            dir.join("user_key").display(),
            known_hosts.display()
        );
        let config_path = dir.join("ssh_config");
        std::fs::write(&config_path, config).unwrap();
        Hosts {
            dir,
            servers,
            config: config_path,
            known_hosts,
        }
    }

    /// The `config.toml` lines that send `runbook`'s ssh to these hosts.
    pub fn runbook_config(&self) -> String {
        format!("[ssh]\nconfig = \"{}\"\n", self.config.display())
    }
}

/// The user the tests run as: the remote user too.
fn user_name() -> String {
    let uid = rustix::process::getuid().as_raw();
    std::fs::read_to_string("/etc/passwd")
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.len() > 2 && fields[2] == uid.to_string()).then(|| fields[0].to_owned())
        })
        .unwrap_or_else(|| panic!("uid {uid} has no /etc/passwd entry, which sshd needs"))
}

fn keygen(test: &Test, path: &Path) {
    let made = test
        .tool("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "runbook-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen is installed (.ci/run installs openssh-client)");
    assert!(made.success());
}

/// A port nobody listens on at `address` right now.
pub fn free_port(address: Ipv4Addr) -> u16 {
    TcpListener::bind((address, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts sshd on `address` at a free port and waits until it listens.
fn sshd(test: &Test, dir: &Path, alias: &str, address: Ipv4Addr) -> Sshd {
    let host_key = dir.join(format!("host_key_{alias}"));
    keygen(test, &host_key);
    let public = std::fs::read_to_string(host_key.with_extension("pub")).unwrap();
    let public = public.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    // A port found free may be taken before sshd binds it: try a few.
    for _ in 0..5 {
        let port = free_port(address);
        let config = dir.join(format!("sshd_config_{alias}"));
        std::fs::write(
            &config,
            format!(
                "ListenAddress {address}:{port}\nHostKey {}\nAuthorizedKeysFile {}\nPidFile none\n\
                 UsePAM no\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 PermitRootLogin prohibit-password\nLogLevel ERROR\nMaxStartups 100\nMaxSessions 100\n",
                host_key.display(),
                dir.join("authorized_keys").display()
            ),
        )
        .unwrap();
        // On the real clock: see `sealed_on_real_clock`.
        let mut child = super::sealed_on_real_clock(test.root(), SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sshd");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if std::net::TcpStream::connect((address, port)).is_ok() {
                return Sshd {
                    child: Some(child),
                    address,
                    port,
                    host_key: public,
                };
            }
            if let Ok(Some(_)) = child.try_wait() {
                let mut said = String::new();
                if let Some(mut err) = child.stderr.take() {
                    let _ = err.read_to_string(&mut said);
                }
                if said.contains("Address already in use") {
                    break;
                }
                panic!("sshd on {address}:{port} did not start: {said}");
            }
            assert!(
                Instant::now() < deadline,
                "sshd on {address}:{port} did not listen within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("no free port for sshd on {address}");
}
