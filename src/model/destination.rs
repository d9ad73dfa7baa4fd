//! Where a command step runs: on this machine, or on a host that OpenSSH
//! reaches (`on = "{{host}}"`).
//!
//! A destination is handed to `ssh` as its destination argument, so it must
//! never be able to become an option or reach a shell: anything but the
//! forms `ssh` documents — `host`, `user@host`, an alias of the ssh config,
//! `ssh://[user@]host[:port]` — is refused before anything runs.

/// The value that names this machine: the default where nothing says.
pub const LOCAL: &str = "local";

/// Where one run of a command goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// Here, without ssh.
    Local,
    /// The ssh destination, as written.
    Ssh(String),
}

impl Destination {
    /// Reads one (expanded) `on` value. `local`, `localhost` and this
    /// machine's own name (`this_host`, any case) are [`Destination::Local`];
    /// anything else must be an ssh destination of one of the forms above.
    pub fn parse(value: &str, this_host: &str) -> Result<Destination, String> {
        if value.eq_ignore_ascii_case(LOCAL)
            || value.eq_ignore_ascii_case("localhost")
            || value.eq_ignore_ascii_case(this_host)
        {
            return Ok(Destination::Local);
        }
        check(value).map(|()| Destination::Ssh(value.to_owned()))
    }

    /// The ssh destination, or `None` for this machine.
    pub fn ssh(&self) -> Option<&str> {
        match self {
            Destination::Local => None,
            Destination::Ssh(destination) => Some(destination),
        }
    }
}

/// Why `value` is not a destination `ssh` may be given, if it is not.
pub fn check(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".to_owned());
    }
    if value.starts_with('-') {
        return Err("starts with `-`, which ssh would read as an option".to_owned());
    }
    if let Some(bad) = value.chars().find(|&c| !allowed(c)) {
        let what = match bad {
            c if c.is_whitespace() => "a space".to_owned(),
            c if c.is_control() => "a control character".to_owned(),
            '\'' | '"' | '`' => "a quote".to_owned(),
            c => format!("`{c}`"),
        };
        return Err(format!(
            "holds {what}: a destination is `host`, `user@host`, an ssh config alias or `ssh://[user@]host[:port]`"
        ));
    }
    match value.strip_prefix("ssh://") {
        Some(rest) => uri(rest),
        None => plain(value),
    }
}

/// Letters, digits and what a user name, host name, IP address or ssh URI
/// needs; nothing a shell or `ssh`'s own `%` tokens would read.
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | ':' | '[' | ']' | '/')
}

/// `[user@]host`, where host is a name, an alias or an IP address (IPv6
/// unbracketed, as `ssh` takes it).
fn plain(value: &str) -> Result<(), String> {
    if value.contains(['/', '[', ']']) {
        return Err("holds `/` or brackets, which only the `ssh://[user@]host[:port]` form may".to_owned());
    }
    let host = split_user(value)?;
    if host.starts_with('-') || host.starts_with(':') && !host.starts_with("::") {
        return Err(format!(
            "names the host `{host}`, which is not a host name or address"
        ));
    }
    Ok(())
}

/// What follows `ssh://`: `[user@]host[:port]`, an IPv6 host in brackets.
fn uri(rest: &str) -> Result<(), String> {
    let host_port = split_user(rest)?;
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err("opens `[` without closing it".to_owned());
        };
        if host.is_empty() || !host.contains(':') || host.contains(['[', '/']) {
            return Err("holds brackets around something that is not an IPv6 address".to_owned());
        }
        match after {
            "" => (host, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => {
                    return Err(format!(
                        "has `{after}` after the address; a port is written `:22`"
                    ));
                }
            },
        }
    } else {
        if host_port.contains(['[', ']', '/']) {
            return Err("holds `/` or brackets where the host should be".to_owned());
        }
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || host.starts_with('-') {
        return Err("names no host".to_owned());
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|port| port > 0)
    {
        return Err(format!(
            "has the port `{port}`, which is not a number from 1 to 65535"
        ));
    }
    Ok(())
}

/// The host part of `[user@]host`, after checking the user part.
fn split_user(value: &str) -> Result<&str, String> {
    let Some((user, host)) = value.rsplit_once('@') else {
        return if value.is_empty() {
            Err("names no host".to_owned())
        } else {
            Ok(value)
        };
    };
    if user.is_empty() || user.starts_with('-') || user.contains(['@', ':', '[', ']', '/']) {
        return Err(format!("names the user `{user}`, which is not a user name"));
    }
    if host.is_empty() {
        return Err("names no host after `@`".to_owned());
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_ssh_documents_are_destinations() {
        for value in [
            "web1",
            "web1.example.com",
            "root@10.0.3.17",
            "ops.admin@web-1_a",
            "fe80::1",
            "ssh://web1",
            "ssh://root@web1:2222",
            "ssh://[::1]:2222",
            "ssh://ops@[fe80::1]",
        ] {
            assert_eq!(
                Destination::parse(value, "jump"),
                Ok(Destination::Ssh(value.to_owned())),
                "{value}"
            );
        }
    }

    #[test]
    fn this_machine_is_local_under_any_of_its_names() {
        for value in ["local", "localhost", "LocalHost", "jump", "JUMP"] {
            assert_eq!(
                Destination::parse(value, "jump"),
                Ok(Destination::Local),
                "{value}"
            );
        }
        // Only the bare names: through ssh, a user or a port means ssh.
        assert!(matches!(
            Destination::parse("root@localhost", "jump"),
            Ok(Destination::Ssh(_))
        ));
        assert!(matches!(
            Destination::parse("127.0.0.1", "jump"),
            Ok(Destination::Ssh(_))
        ));
    }

    #[test]
    fn nothing_that_could_become_an_option_or_reach_a_shell_is_a_destination() {
        for value in [
            "",
            "-oProxyCommand=touch canary",
            "-oProxyCommand=touch",
            "-p2222",
            "web1 -v",
            "web1\t",
            "web1\n",
            "we\u{7}b1",
            "'web1'",
            "\"web1\"",
            "`id`",
            "$(id)",
            "${HOST}",
            "web%h",
            "web1;id",
            "web1|id",
            "web1&",
            "web1\\",
            "wéb1",
            "@web1",
            "root@",
            "-root@web1",
            "root@-web1",
            "a@b@c",
            "[::1]",
            "web1/x",
            "ssh://",
            "ssh://-web1",
            "ssh://web1:0",
            "ssh://web1:65536",
            "ssh://web1:22x",
            "ssh://[web1]",
            "ssh://[::1",
            "ssh://[::1]x",
            "ssh://web1/path",
        ] {
            assert!(check(value).is_err(), "{value:?} was accepted");
            assert!(
                Destination::parse(value, "jump").is_err(),
                "{value:?} was accepted"
            );
        }
    }

    #[test]
    fn a_refusal_says_why() {
        assert_eq!(
            check("-oProxyCommand=x").unwrap_err(),
            "starts with `-`, which ssh would read as an option"
        );
        assert!(check("web 1").unwrap_err().starts_with("holds a space"));
        assert!(check("web$1").unwrap_err().starts_with("holds `$`"));
    }
}
