//! Whether a file may be trusted to say which commands run.
//!
//! Like OpenSSH with key files: the file, and every directory from it up to
//! where the search started, must belong to root or to the user running
//! `runbook`, and nobody else may write to them. A symlinked file's real
//! directory is checked too. Write access through the group is allowed when
//! the group is its owner's private group (see
//! [`Accounts::is_private_group`]), as Debian's OpenSSH allows it: with
//! umask 002, a checkout is group-writable by the user alone. Files are
//! opened without blocking (a FIFO cannot stall a listing), checked through
//! the open handle (no swapping the file between the check and the read)
//! and read up to a size cap.
//!
//! Every path that cannot be trusted is named at once, and those that
//! `chmod go-w` fixes are gathered into one command ([`Refusals`]).

use super::accounts::Accounts;
use super::{Diagnostic, Level};
use crate::sanitize::shell_word;
use std::collections::HashSet;
use std::fs::Metadata;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Larger files are refused rather than read: no plan or config is this
/// long, and a wrong path (a log, a disk image) should fail fast.
pub const MAX_SIZE: u64 = 4 * 1024 * 1024;

/// Why a file was not read: every reason found, the file's first, then its
/// directories' outward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Reason {
    diagnostic: Diagnostic,
    /// The path, when `chmod go-w` on it is the fix: the hint saying so is
    /// given once for every such path ([`Refusals`]).
    loose: Option<PathBuf>,
}

impl Refusal {
    /// A refusal for one reason, its hint its own.
    pub fn new(diagnostic: Diagnostic) -> Refusal {
        Refusal {
            reasons: vec![Reason {
                diagnostic,
                loose: None,
            }],
        }
    }

    fn one(path: &Path, message: String, hint: String) -> Refusal {
        Refusal::new(Diagnostic::file(Level::Error, path.display().to_string(), message).with_hint(hint))
    }

    /// The reasons, ready to show.
    pub fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut refusals = Refusals::default();
        refusals.add(self);
        refusals.into_diagnostics()
    }
}

/// Refusals shown together: each reason once (a directory that several
/// files share is named once), and one `chmod go-w` naming every path it
/// fixes, as the hint of the last of them.
#[derive(Debug, Default)]
pub struct Refusals {
    diagnostics: Vec<Diagnostic>,
    shown: HashSet<(String, String)>,
    loose: Vec<PathBuf>,
    /// Where the last diagnostic of a loose path is.
    last_loose: Option<usize>,
}

impl Refusals {
    pub fn add(&mut self, refusal: &Refusal) {
        for reason in &refusal.reasons {
            let key = (reason.diagnostic.file.clone(), reason.diagnostic.message.clone());
            if !self.shown.insert(key) {
                continue;
            }
            if let Some(path) = &reason.loose {
                if !self.loose.contains(path) {
                    self.loose.push(path.clone());
                }
                self.last_loose = Some(self.diagnostics.len());
            }
            self.diagnostics.push(reason.diagnostic.clone());
        }
    }

    pub fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        if let Some(last) = self.last_loose {
            let paths: Vec<String> = self
                .loose
                .iter()
                .map(|path| shell_word(&path.to_string_lossy()))
                .collect();
            self.diagnostics[last].hint = Some(format!(
                "a runbook runs commands; run `chmod go-w {}`",
                paths.join(" ")
            ));
        }
        self.diagnostics
    }
}

/// Reads `path` if it and its directories up to `root` can be trusted.
pub fn read_trusted(path: &Path, root: &Path, what: &str) -> Result<Vec<u8>, Refusal> {
    read_trusted_by(path, root, what, Accounts::system())
}

/// [`read_trusted`], asking `accounts` who is in a group.
fn read_trusted_by(path: &Path, root: &Path, what: &str, accounts: &Accounts) -> Result<Vec<u8>, Refusal> {
    let unreadable = |error: std::io::Error| {
        Refusal::one(
            path,
            format!("cannot read {what} {}: {error}", path.display()),
            "check that the path exists and is readable".into(),
        )
    };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if !metadata.is_file() {
        return Err(Refusal::one(
            path,
            format!("{} is not a regular file", path.display()),
            format!("name {what} file itself (*.toml), not a directory or device"),
        ));
    }
    let mut refusal = Refusal { reasons: Vec::new() };
    check(&metadata, path, what, accounts, &mut refusal);
    for dir in directories(path, root) {
        let metadata = std::fs::metadata(&dir).map_err(unreadable)?;
        check(&metadata, &dir, "its directory", accounts, &mut refusal);
    }
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        let real = std::fs::canonicalize(path).map_err(unreadable)?;
        if let Some(dir) = real.parent() {
            let metadata = std::fs::metadata(dir).map_err(unreadable)?;
            check(
                &metadata,
                dir,
                "the directory it links into",
                accounts,
                &mut refusal,
            );
        }
    }
    if !refusal.reasons.is_empty() {
        return Err(refusal);
    }
    if metadata.len() > MAX_SIZE {
        return Err(too_big(path, metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    (&mut file)
        .take(MAX_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SIZE {
        return Err(too_big(path, bytes.len() as u64));
    }
    Ok(bytes)
}

fn too_big(path: &Path, size: u64) -> Refusal {
    Refusal::one(
        path,
        format!(
            "{} is {size} bytes; runbooks and configs are at most {MAX_SIZE} bytes",
            path.display()
        ),
        "split the plan into several runbooks".into(),
    )
}

/// The directories from `path`'s own up to and including `root`.
fn directories(path: &Path, root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut dir = path.parent();
    while let Some(current) = dir {
        let shown = if current.as_os_str().is_empty() {
            Path::new(".")
        } else {
            current
        };
        found.push(shown.to_owned());
        if current == root || !current.starts_with(root) || current.as_os_str().is_empty() {
            break;
        }
        dir = current.parent();
    }
    found
}

/// Adds to `refusal` what is wrong with `path`: who besides its owner may
/// write to it, and whether its owner is neither the user nor root.
fn check(metadata: &Metadata, path: &Path, what: &str, accounts: &Accounts, refusal: &mut Refusal) {
    let mode = metadata.mode() & 0o7777;
    let owner = metadata.uid();
    let by_group = mode & 0o020 != 0 && !accounts.is_private_group(metadata.gid(), owner);
    let by_others = mode & 0o002 != 0;
    if by_group || by_others {
        let group = || match accounts.group_name(metadata.gid()) {
            Some(name) => format!("group `{name}`"),
            None => format!("group {}", metadata.gid()),
        };
        let writers = match (by_group, by_others) {
            (true, true) => format!("{} and by others", group()),
            (true, false) => format!("{}, not by its owner alone", group()),
            _ => "others".to_owned(),
        };
        refusal.reasons.push(Reason {
            diagnostic: Diagnostic::file(
                Level::Error,
                path.display().to_string(),
                format!(
                    "refused: {what} {} is writable by {writers} (mode {mode:04o})",
                    path.display()
                ),
            ),
            loose: Some(path.to_owned()),
        });
    }
    let me = rustix::process::getuid().as_raw();
    if owner != 0 && owner != me {
        refusal.reasons.push(Reason {
            diagnostic: Diagnostic::file(
                Level::Error,
                path.display().to_string(),
                format!(
                    "refused: {what} {} belongs to uid {owner}, not to you (uid {me}) or root",
                    path.display()
                ),
            )
            .with_hint(format!(
                "a runbook runs commands; if you trust it, run `chown {me} {}`",
                shell_word(&path.to_string_lossy())
            )),
            loose: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_stop_at_the_root() {
        let dirs = directories(Path::new("runbooks/a/b.toml"), Path::new("runbooks"));
        assert_eq!(dirs, [PathBuf::from("runbooks/a"), PathBuf::from("runbooks")]);
        assert_eq!(
            directories(Path::new("b.toml"), Path::new("b.toml")),
            [PathBuf::from(".")]
        );
        let dirs = directories(Path::new("/srv/rb/x.toml"), Path::new("/srv/rb"));
        assert_eq!(dirs, [PathBuf::from("/srv/rb")]);
    }

    use std::os::unix::fs::PermissionsExt;

    /// `runbooks/x.toml` in a fresh directory, the file and `runbooks`
    /// with the given modes, and the user and group files `passwd` and
    /// `group`, in which the file's group holds the user alone and, when
    /// `other_member`, another user as well.
    fn checkout(file_mode: u32, dir_mode: u32, other_member: bool) -> (tempfile::TempDir, Accounts) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("runbooks");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("x.toml"), "schema = 1\n").unwrap();
        std::fs::set_permissions(dir.join("x.toml"), std::fs::Permissions::from_mode(file_mode)).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
        let metadata = std::fs::metadata(dir.join("x.toml")).unwrap();
        let (uid, gid) = (metadata.uid(), metadata.gid());
        // The directory was made by the same user, in the same group.
        assert_eq!(std::fs::metadata(&dir).unwrap().gid(), gid);
        let mut passwd = format!("me:x:{uid}:{gid}::/home/me:/bin/sh\n");
        if other_member {
            passwd.push_str(&format!("other:x:{}:{gid}::/home/other:/bin/sh\n", uid + 1));
        }
        std::fs::write(root.path().join("passwd"), passwd).unwrap();
        std::fs::write(root.path().join("group"), format!("me:x:{gid}:\n")).unwrap();
        let accounts = Accounts::at(root.path().join("passwd"), root.path().join("group"));
        (root, accounts)
    }

    fn read(root: &Path, accounts: &Accounts) -> Result<Vec<u8>, Refusal> {
        read_trusted_by(
            &root.join("runbooks/x.toml"),
            &root.join("runbooks"),
            "the runbook",
            accounts,
        )
    }

    #[test]
    fn group_write_in_the_owners_private_group_is_trusted() {
        let (root, accounts) = checkout(0o664, 0o775, false);
        assert_eq!(read(root.path(), &accounts).unwrap(), b"schema = 1\n");
    }

    #[test]
    fn group_write_in_a_group_with_another_member_is_refused() {
        let (root, accounts) = checkout(0o664, 0o775, true);
        let refusal = read(root.path(), &accounts).unwrap_err();
        let shown = refusal.diagnostics();
        let messages: Vec<&str> = shown.iter().map(|d| d.message.as_str()).collect();
        let file = root.path().join("runbooks/x.toml");
        let dir = root.path().join("runbooks");
        assert_eq!(
            messages,
            [
                format!(
                    "refused: the runbook {} is writable by group `me`, not by its owner alone (mode 0664)",
                    file.display()
                ),
                format!(
                    "refused: its directory {} is writable by group `me`, not by its owner alone (mode 0775)",
                    dir.display()
                ),
            ]
        );
        // One command fixes both, given once.
        assert_eq!(shown[0].hint, None);
        assert_eq!(
            shown[1].hint.as_deref(),
            Some(
                format!(
                    "a runbook runs commands; run `chmod go-w {} {}`",
                    file.display(),
                    dir.display()
                )
                .as_str()
            )
        );
    }

    #[test]
    fn write_by_others_is_refused_whatever_the_group() {
        let (root, accounts) = checkout(0o666, 0o755, false);
        let shown = read(root.path(), &accounts).unwrap_err().diagnostics();
        assert_eq!(shown.len(), 1);
        assert!(
            shown[0].message.ends_with("is writable by others (mode 0666)"),
            "{}",
            shown[0].message
        );
        let (root, accounts) = checkout(0o666, 0o777, true);
        let shown = read(root.path(), &accounts).unwrap_err().diagnostics();
        assert!(
            shown[0]
                .message
                .ends_with("is writable by group `me` and by others (mode 0666)"),
            "{}",
            shown[0].message
        );
        assert!(shown[1].message.ends_with("(mode 0777)"), "{}", shown[1].message);
    }

    #[test]
    fn refusals_together_name_each_path_once_in_one_chmod() {
        let (root, accounts) = checkout(0o666, 0o777, false);
        let other = root.path().join("runbooks/y b.toml");
        std::fs::write(&other, "schema = 1\n").unwrap();
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o646)).unwrap();
        let mut refusals = Refusals::default();
        refusals.add(&read(root.path(), &accounts).unwrap_err());
        let second = read_trusted_by(&other, &root.path().join("runbooks"), "the runbook", &accounts);
        refusals.add(&second.unwrap_err());
        let shown = refusals.into_diagnostics();
        // The file, the directory (once), the other file.
        assert_eq!(shown.len(), 3, "{shown:#?}");
        let hints: Vec<&str> = shown.iter().filter_map(|d| d.hint.as_deref()).collect();
        let dir = root.path().join("runbooks");
        assert_eq!(
            hints,
            [format!(
                "a runbook runs commands; run `chmod go-w {}/x.toml {} '{}/y b.toml'`",
                dir.display(),
                dir.display(),
                dir.display()
            )]
        );
    }
}
