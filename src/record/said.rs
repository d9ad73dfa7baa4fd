//! What goes wrong with records, the archive, its mirrors and the signing
//! key, said in a display language. The errors stay typed where they are
//! made; their words come from the catalogue ([`crate::i18n`]) here, and
//! what the system or a library said (an I/O error, ssh-key's reason, git's
//! stderr) is quoted as it was. Their `Display` is the English.

use super::allowed_signers::AllowedSignersError;
use super::archive::{ArchiveError, IndexProblem};
use super::canonical::{FORMAT, FormatProblem, RecordError};
use super::mirror::{LocalProblem, MirrorError};
use super::signing::{IdentityProblem, KeyFile, SigningError};
use crate::i18n::{cannot, is_zh};
use crate::model::Lang;
use crate::tr;
use std::path::PathBuf;

impl RecordError {
    /// Why the record cannot be built, or read, in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            RecordError::Open { incident, status } => {
                tr!(
                    lang,
                    RecordOpen,
                    incident = incident,
                    status = crate::i18n::state(lang, status)
                )
            }
            RecordError::Mismatch(detail) => tr!(lang, RecordMismatch, detail = detail),
            RecordError::Runbook {
                incident,
                found,
                journaled,
            } => tr!(
                lang,
                RecordRunbook,
                incident = incident,
                found = found,
                journaled = journaled
            ),
            RecordError::Deadline => tr!(lang, RecordDeadline).to_owned(),
            RecordError::Float { path } => tr!(lang, RecordFloat, path = path),
            RecordError::Json(error) => tr!(lang, RecordNotJson, error = error.in_lang(lang)),
            RecordError::NotCanonical => tr!(lang, RecordNotCanonical).to_owned(),
            RecordError::Format(problem) => {
                let problem = match problem {
                    FormatProblem::Named(named) => tr!(lang, RecordFormatNamed, format = named),
                    FormatProblem::Missing => tr!(lang, RecordFormatMissing).to_owned(),
                    FormatProblem::Fields(error) => error.in_lang(lang),
                };
                tr!(lang, RecordNotFormat, format = FORMAT, error = problem)
            }
        }
    }
}

impl IndexProblem {
    /// Why the index line cannot be used, in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            IndexProblem::CutShort => tr!(lang, IndexLastLineCut).to_owned(),
            IndexProblem::NotAnEntry(error) => tr!(lang, IndexNotAnEntry, error = error.in_lang(lang)),
            IndexProblem::ListedAgain { id, first } => tr!(lang, IndexListedAgain, id = id, first = first),
        }
    }
}

impl ArchiveError {
    /// This error in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            ArchiveError::Io { action, path, error } => cannot(lang, action, path, error),
            ArchiveError::AlreadyArchived { id, path } => {
                tr!(lang, ArchiveAlready, id = id, path = path.display())
            }
            ArchiveError::Record { path, error } => tr!(
                lang,
                ArchiveRecordAt,
                path = path.display(),
                error = error.in_lang(lang)
            ),
            ArchiveError::Index { path, line, reason } => tr!(
                lang,
                ArchiveIndexLine,
                path = path.display(),
                line = line,
                reason = reason.in_lang(lang)
            ),
            ArchiveError::Unindexed {
                index,
                missing,
                files,
            } => unindexed(lang, index, files, *missing),
        }
    }
}

fn unindexed(lang: &Lang, index: &std::path::Path, files: &[PathBuf], missing: bool) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = files
        .iter()
        .take(SHOWN)
        .map(|file| file.display().to_string())
        .collect();
    if files.len() > SHOWN {
        names.push(tr!(lang, ArchiveAndMore, count = files.len() - SHOWN));
    }
    let (index, count) = (index.display(), files.len());
    let names = names.join(tr!(lang, ListSeparator));
    if missing {
        tr!(
            lang,
            ArchiveUnindexedMissing,
            index = index,
            count = count,
            names = names
        )
    } else {
        tr!(
            lang,
            ArchiveUnindexed,
            index = index,
            count = count,
            names = names
        )
    }
}

impl MirrorError {
    /// This error in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            MirrorError::Io { action, path, error } => cannot(lang, action, path, error),
            MirrorError::NoDirectory(path) => tr!(lang, MirrorNoDirectory, path = path.display()),
            MirrorError::Conflict(path) => tr!(lang, MirrorConflict, path = path.display()),
            MirrorError::Local { path, reason } => {
                let reason = match reason {
                    LocalProblem::NotAnEntry(error) => {
                        tr!(lang, IndexNotAnEntry, error = error.in_lang(lang))
                    }
                    LocalProblem::NotIndexedSha { id } => tr!(lang, MirrorLocalSha, id = id),
                };
                tr!(lang, MirrorLocal, path = path.display(), reason = reason)
            }
            MirrorError::Git {
                command,
                ended,
                output,
                ..
            } if is_zh(lang) => git_failed(lang, command, *ended, output),
            error => error.to_string(),
        }
    }
}

/// "git push failed (exit 128): …" in `lang`; what git said as it said it.
fn git_failed(lang: &Lang, command: &str, ended: super::mirror::GitEnded, output: &str) -> String {
    use super::mirror::GitEnded;
    use std::os::unix::process::ExitStatusExt;
    let (ended, output) = match ended {
        GitEnded::NotStarted => (
            tr!(lang, GitNotStarted).to_owned(),
            tr!(lang, GitCannotStart, error = output),
        ),
        GitEnded::Exited(status) => (
            match (status.code(), status.signal()) {
                (Some(code), _) => tr!(lang, DeliveryExit, code = code),
                (None, Some(signal)) => tr!(lang, DeliveryKilled, signal = signal),
                (None, None) => tr!(lang, DeliveryUnknownStatus).to_owned(),
            },
            output.to_owned(),
        ),
        GitEnded::Unknown => (tr!(lang, DeliveryUnknownStatus).to_owned(), output.to_owned()),
        GitEnded::TimedOut(after) => {
            let after = crate::i18n::span(lang, i64::try_from(after.as_secs()).unwrap_or(i64::MAX));
            (tr!(lang, DeliveryTimedOut, after = after), output.to_owned())
        }
    };
    tr!(lang, MirrorGit, command = command, ended = ended, output = output)
}

impl super::archive::Recovered {
    /// What was put right, in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        use super::archive::Recovery;
        let done = match &self.done {
            Recovery::Incomplete => tr!(lang, RecoveredIncomplete).to_owned(),
            Recovery::Stale { id, line } => tr!(lang, RecoveredStale, id = id, line = line),
            Recovery::Finished { id } => tr!(lang, RecoveredFinished, id = id),
            Recovery::Undone { id } => tr!(lang, RecoveredUndone, id = id),
        };
        match self.cut {
            Some(bytes) => tr!(lang, RecoveredCut, done = done, bytes = bytes),
            None => done,
        }
    }
}

impl MirrorError {
    /// What to do about it, when that is clear ([`MirrorError::next_step`]),
    /// in `lang`.
    pub fn next_step_in_lang(&self, mirror: &super::mirror::Mirror, lang: &Lang) -> Option<String> {
        self.next_step(mirror)?;
        Some(tr!(lang, HintMirrorRemote, remote = mirror.name()))
    }
}

impl SigningError {
    /// This error in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            SigningError::Missing { path } => tr!(lang, SignMissing, path = path.display()),
            SigningError::Read { what, path, error } => tr!(
                lang,
                SignRead,
                what = key_file(lang, *what),
                path = path.display(),
                error = error
            ),
            SigningError::Loose { what, path, mode } => {
                let access = match super::signing::access(*mode) {
                    "readable" => tr!(lang, AccessReadable),
                    "writable" => tr!(lang, AccessWritable),
                    _ => tr!(lang, AccessAccessible),
                };
                tr!(
                    lang,
                    SignLoose,
                    what = key_file(lang, *what),
                    path = path.display(),
                    access = access,
                    mode = format!("{mode:04o}")
                )
            }
            SigningError::NotAKey { path, reason } => {
                tr!(lang, SignNotAKey, path = path.display(), reason = reason)
            }
            SigningError::UnsupportedKey { path, algorithm } => tr!(
                lang,
                SignUnsupported,
                path = path.display(),
                algorithm = algorithm
            ),
            SigningError::PassphraseNeeded { path } => {
                tr!(lang, SignPassphraseNeeded, path = path.display())
            }
            SigningError::WrongPassphrase { path } => tr!(lang, SignWrongPassphrase, path = path.display()),
            SigningError::EmptyPassphrase { path } => tr!(lang, SignEmptyPassphrase, path = path.display()),
            SigningError::Sign(error) => tr!(lang, SignFailed, error = error),
            SigningError::BadIdentity { identity, reason } => {
                let reason = match reason {
                    IdentityProblem::Empty => tr!(lang, IdentityEmpty),
                    IdentityProblem::Blank => tr!(lang, IdentityBlank),
                    IdentityProblem::Quote => tr!(lang, IdentityQuote),
                    IdentityProblem::Pattern => tr!(lang, IdentityPattern),
                    IdentityProblem::Comment => tr!(lang, IdentityComment),
                    IdentityProblem::NotOne => tr!(lang, IdentityNotOne),
                };
                tr!(lang, SignBadIdentity, identity = identity, reason = reason)
            }
            SigningError::Exists { path } => tr!(lang, SignExists, path = path.display()),
            SigningError::Write { path, error } => cannot(lang, "write", path, error),
            SigningError::AllowedSigners(error) => error.in_lang(lang),
        }
    }
}

fn key_file(lang: &Lang, file: KeyFile) -> &'static str {
    match file {
        KeyFile::SigningKey => tr!(lang, KeySigningKey),
        KeyFile::PassphraseFile => tr!(lang, KeyPassphraseFile),
        KeyFile::AllowedSigners => tr!(lang, KeyAllowedSigners),
    }
}

impl AllowedSignersError {
    /// This error in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            AllowedSignersError::Read { path, error } => tr!(lang, SignersRead, path = path, error = error),
            AllowedSignersError::TooBig { path, size } => tr!(
                lang,
                SignersTooBig,
                path = path,
                size = size,
                max = super::allowed_signers::MAX_SIZE
            ),
            // Where the line is wrong, in the parser's words.
            AllowedSignersError::Parse {
                source_name,
                line,
                message,
            } if is_zh(lang) => tr!(
                lang,
                SignersLine,
                file = source_name,
                line = line,
                message = message
            ),
            error => error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::archive::{Recovered, Recovery};

    /// In English each says what its `Display` says: one text, whichever
    /// way it is shown.
    #[test]
    fn english_is_what_display_says_and_chinese_is_chinese() {
        let (en, zh) = (Lang::english(), Lang::parse("zh").unwrap());
        let signing = [
            SigningError::Loose {
                what: KeyFile::SigningKey,
                path: "/k".into(),
                mode: 0o644,
            },
            SigningError::BadIdentity {
                identity: "a,b".into(),
                reason: IdentityProblem::Quote,
            },
            SigningError::EmptyPassphrase { path: "/p".into() },
        ];
        for error in &signing {
            assert_eq!(error.in_lang(&en), error.to_string());
        }
        assert_eq!(
            signing[0].in_lang(&zh),
            "已拒绝：签名密钥 /k 对属组或其他用户可读（权限 0644）；请运行 chmod 600 /k"
        );
        let unindexed = ArchiveError::Unindexed {
            index: "/a/index.jsonl".into(),
            missing: false,
            files: ["1", "2", "3", "4"].iter().map(PathBuf::from).collect(),
        };
        assert_eq!(unindexed.in_lang(&en), unindexed.to_string());
        assert_eq!(
            unindexed.in_lang(&zh),
            "/a/index.jsonl 没有列出归档中的 4 个记录文件：1、2、3、另有 1 个"
        );
        for done in [
            Recovery::Incomplete,
            Recovery::Stale {
                id: "INC-1".into(),
                line: 2,
            },
            Recovery::Finished { id: "INC-1".into() },
            Recovery::Undone { id: "INC-1".into() },
        ] {
            let recovered = Recovered { done, cut: Some(9) };
            assert_eq!(recovered.in_lang(&en), recovered.to_string());
        }
        assert_eq!(
            RecordError::NotCanonical.in_lang(&en),
            RecordError::NotCanonical.to_string()
        );
        // A record of another format, or of none, read as a record.
        let other = crate::record::Record::from_bytes(b"{\"format\":\"runbook-record/9\"}\n").unwrap_err();
        assert_eq!(other.in_lang(&en), other.to_string());
        assert_eq!(
            other.to_string(),
            format!("not a {FORMAT} record: its format is `runbook-record/9`")
        );
        assert_eq!(
            other.in_lang(&zh),
            format!("不是 {FORMAT} 记录：其格式为 `runbook-record/9`")
        );
        let none = crate::record::Record::from_bytes(b"{\"title\":\"x\"}\n").unwrap_err();
        assert_eq!(
            none.in_lang(&zh),
            format!("不是 {FORMAT} 记录：缺少 `format` 字段")
        );
        use std::os::unix::process::ExitStatusExt;
        let git = MirrorError::Git {
            command: "push".into(),
            ended: crate::record::mirror::GitEnded::Exited(std::process::ExitStatus::from_raw(128 << 8)),
            output: "fatal: 远程仓库不存在".into(),
            unreachable: false,
        };
        assert_eq!(git.in_lang(&en), git.to_string());
        assert_eq!(
            git.in_lang(&zh),
            "git push 失败（退出码 128）：fatal: 远程仓库不存在"
        );
        let git = MirrorError::Git {
            command: "push".into(),
            ended: crate::record::mirror::GitEnded::NotStarted,
            output: "No such file or directory (os error 2)".into(),
            unreachable: false,
        };
        assert_eq!(
            git.to_string(),
            "git push failed (not started): cannot start git: No such file or directory (os error 2)"
        );
        assert_eq!(
            git.in_lang(&zh),
            "git push 失败（未能启动）：无法启动 git：No such file or directory (os error 2)"
        );
    }
}
