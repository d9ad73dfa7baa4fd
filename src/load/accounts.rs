//! Who belongs to a group, from the user and group databases as files
//! (`/etc/passwd`, `/etc/group`): what the trust check asks of a file
//! writable by its group.
//!
//! Only the files are read, not NSS: a group kept in LDAP or sssd is not
//! found here, and a file writable by it is refused. So is every group when
//! either file cannot be read or has NIS `+`/`-` lines, which stand for
//! entries not written there.

use std::path::PathBuf;
use std::sync::OnceLock;

/// The user and group databases, read when first asked.
#[derive(Debug)]
pub struct Accounts {
    passwd: PathBuf,
    group: PathBuf,
    tables: OnceLock<Option<Tables>>,
}

#[derive(Debug)]
struct Tables {
    users: Vec<User>,
    groups: Vec<Group>,
}

#[derive(Debug)]
struct User {
    name: String,
    uid: u32,
    /// The primary group.
    gid: u32,
}

#[derive(Debug)]
struct Group {
    name: String,
    gid: u32,
    /// The users it lists; its members by primary group are not listed.
    members: Vec<String>,
}

impl Accounts {
    /// `/etc/passwd` and `/etc/group`, read once per process.
    pub fn system() -> &'static Accounts {
        static SYSTEM: OnceLock<Accounts> = OnceLock::new();
        SYSTEM.get_or_init(|| Accounts::at("/etc/passwd", "/etc/group"))
    }

    /// The databases in other files, as tests write them.
    pub fn at(passwd: impl Into<PathBuf>, group: impl Into<PathBuf>) -> Accounts {
        Accounts {
            passwd: passwd.into(),
            group: group.into(),
            tables: OnceLock::new(),
        }
    }

    /// Whether group `gid` is the private group of user `owner`: the owner
    /// is a member (by primary group, or listed), and nobody else is, as
    /// Debian's OpenSSH asks of a group-writable `authorized_keys`. A file
    /// writable by such a group is writable by its owner alone. A group with
    /// no member at all is not private: such groups serve setgid programs.
    pub fn is_private_group(&self, gid: u32, owner: u32) -> bool {
        let Some(tables) = self.tables() else {
            return false;
        };
        let mut entries = tables.groups.iter().filter(|group| group.gid == gid).peekable();
        if entries.peek().is_none() {
            return false;
        }
        let owner_names: Vec<&str> = tables
            .users
            .iter()
            .filter(|user| user.uid == owner)
            .map(|user| user.name.as_str())
            .collect();
        let mut has_owner = false;
        for user in tables.users.iter().filter(|user| user.gid == gid) {
            if user.uid != owner {
                return false;
            }
            has_owner = true;
        }
        for member in entries.flat_map(|group| &group.members) {
            if !owner_names.contains(&member.as_str()) {
                return false;
            }
            has_owner = true;
        }
        has_owner
    }

    /// The name of group `gid`, when the group file has it.
    pub fn group_name(&self, gid: u32) -> Option<&str> {
        self.tables()?
            .groups
            .iter()
            .find(|group| group.gid == gid)
            .map(|group| group.name.as_str())
    }

    fn tables(&self) -> Option<&Tables> {
        self.tables
            .get_or_init(|| {
                let passwd = std::fs::read_to_string(&self.passwd).ok()?;
                let group = std::fs::read_to_string(&self.group).ok()?;
                Some(Tables {
                    users: entries(&passwd)?
                        .filter_map(|fields| {
                            Some(User {
                                name: fields.first()?.to_string(),
                                uid: fields.get(2)?.parse().ok()?,
                                gid: fields.get(3)?.parse().ok()?,
                            })
                        })
                        .collect(),
                    groups: entries(&group)?
                        .filter_map(|fields| {
                            Some(Group {
                                name: fields.first()?.to_string(),
                                gid: fields.get(2)?.parse().ok()?,
                                members: fields
                                    .get(3)
                                    .into_iter()
                                    .flat_map(|list| list.split(','))
                                    .map(str::trim)
                                    .filter(|name| !name.is_empty())
                                    .map(str::to_owned)
                                    .collect(),
                            })
                        })
                        .collect(),
                })
            })
            .as_ref()
    }
}

/// The `:`-separated fields of each entry, or `None` when the file has NIS
/// compat lines, which stand for entries it does not hold.
fn entries(text: &str) -> Option<impl Iterator<Item = Vec<&str>>> {
    let lines = text
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    if lines.clone().any(|line| line.starts_with(['+', '-'])) {
        return None;
    }
    Some(lines.map(|line| line.split(':').collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accounts from the text of a passwd and a group file.
    fn written(passwd: &str, group: &str) -> (tempfile::TempDir, Accounts) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("passwd"), passwd).unwrap();
        std::fs::write(dir.path().join("group"), group).unwrap();
        let accounts = Accounts::at(dir.path().join("passwd"), dir.path().join("group"));
        (dir, accounts)
    }

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
                          alice:x:1000:1000:Alice:/home/alice:/bin/bash\n\
                          bob:x:1001:1001:Bob:/home/bob:/bin/bash\n";

    #[test]
    fn a_users_own_group_is_private() {
        let (_dir, accounts) = written(PASSWD, "root:x:0:\nalice:x:1000:\nbob:x:1001:\n");
        assert!(accounts.is_private_group(1000, 1000));
        assert!(accounts.is_private_group(0, 0));
        assert_eq!(accounts.group_name(1000), Some("alice"));
        // Alice's group is not Bob's.
        assert!(!accounts.is_private_group(1000, 1001));
    }

    #[test]
    fn a_group_with_another_member_is_not_private() {
        // Bob is listed in Alice's group.
        let (_dir, listed) = written(PASSWD, "alice:x:1000:bob\nbob:x:1001:\n");
        assert!(!listed.is_private_group(1000, 1000));
        // Carol's primary group is Alice's.
        let passwd = format!("{PASSWD}carol:x:1002:1000::/home/carol:/bin/sh\n");
        let (_dir, primary) = written(&passwd, "alice:x:1000:\n");
        assert!(!primary.is_private_group(1000, 1000));
        // A shared group Alice is listed in, with Bob.
        let (_dir, shared) = written(PASSWD, "alice:x:1000:\nstaff:x:50:alice,bob\n");
        assert!(!shared.is_private_group(50, 1000));
    }

    #[test]
    fn a_group_listing_only_its_owner_is_private() {
        let (_dir, accounts) = written(PASSWD, "alice:x:1000:\nops:x:60:alice\n");
        assert!(accounts.is_private_group(60, 1000));
        // Listing the owner again is no other member.
        let (_dir, twice) = written(PASSWD, "alice:x:1000:alice\n");
        assert!(twice.is_private_group(1000, 1000));
    }

    #[test]
    fn what_cannot_be_known_is_not_private() {
        // A group nobody belongs to, one not in the file, no files at all.
        let (_dir, accounts) = written(PASSWD, "alice:x:1000:\nsetgid:x:70:\n");
        assert!(!accounts.is_private_group(70, 1000));
        assert!(!accounts.is_private_group(4242, 1000));
        assert_eq!(accounts.group_name(4242), None);
        let missing = Accounts::at("/nonexistent/passwd", "/nonexistent/group");
        assert!(!missing.is_private_group(0, 0));
        // NIS entries stand for members not written here.
        let (_dir, nis) = written(&format!("{PASSWD}+::::::\n"), "alice:x:1000:\n");
        assert!(!nis.is_private_group(1000, 1000));
        let (_dir, nis) = written(PASSWD, "alice:x:1000:\n+:::\n");
        assert!(!nis.is_private_group(1000, 1000));
    }
}
