//! What goes wrong with a journal, said in a display language: the words
//! of [`JournalError`] and [`Corruption`] come from the catalogue
//! ([`crate::i18n`]); what the system said (an I/O error) is quoted as it
//! was. Their `Display` is the English.

use super::{Corruption, HEAD_FILE, Head, Holder, JournalError};
use crate::i18n::{cannot, is_zh};
use crate::model::Lang;
use crate::tr;

impl JournalError {
    /// This error in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            JournalError::Io(error) => error.to_string(),
            JournalError::File { action, path, error } => cannot(lang, action, path, error),
            JournalError::Locked { dir, holder } => {
                if !is_zh(lang) {
                    return self.to_string();
                }
                let incident = dir.file_name().unwrap_or(dir.as_os_str()).to_string_lossy();
                tr!(
                    lang,
                    IncidentLocked,
                    incident = incident,
                    by = holder_in_lang(lang, holder.as_ref())
                )
            }
            JournalError::Corrupt { path, line, reason } => {
                let path = if path.as_os_str().is_empty() {
                    String::new()
                } else {
                    format!("{} ", path.display())
                };
                tr!(
                    lang,
                    JournalCorrupt,
                    path = path,
                    line = line,
                    reason = reason.in_lang(lang)
                )
            }
            JournalError::WrongIncident {
                path,
                found,
                expected,
            } => tr!(
                lang,
                JournalWrongIncident,
                path = path.display(),
                found = found,
                expected = expected
            ),
            JournalError::Truncated {
                path,
                kept,
                last,
                torn,
            } => {
                let at = match last {
                    0 => tr!(lang, TruncEndsBeforeFirst).to_owned(),
                    last => tr!(lang, TruncEndsAt, last = last),
                };
                let ended = if *torn {
                    tr!(lang, TruncThenTorn, at = at)
                } else {
                    at
                };
                let (missing, them) = if kept.seq - last == 1 {
                    (
                        tr!(lang, TruncMissingOne, kept = kept.seq),
                        tr!(lang, TruncWithoutIt),
                    )
                } else {
                    (
                        tr!(lang, TruncMissingMany, from = last + 1, kept = kept.seq),
                        tr!(lang, TruncWithoutThem),
                    )
                };
                tr!(
                    lang,
                    JournalTruncated,
                    path = path.display(),
                    ended = ended,
                    head = path.with_file_name(HEAD_FILE).display(),
                    seq = kept.seq,
                    missing = missing,
                    them = them
                )
            }
            JournalError::HeadDisagrees { path, kept, found } => tr!(
                lang,
                JournalHeadDisagrees,
                path = path.display(),
                line = kept.seq,
                differs = disagreement(lang, kept, found),
                head = path.with_file_name(HEAD_FILE).display(),
                kept = tr!(lang, HeadShort, hash = short(&kept.hash), bytes = kept.bytes)
            ),
            JournalError::HeadDamaged { path } => tr!(lang, JournalHeadDamaged, path = path.display()),
            JournalError::Poisoned { path } => tr!(lang, JournalPoisoned, path = path.display()),
            JournalError::WrongLock { locked, dir } => tr!(
                lang,
                JournalWrongLock,
                locked = locked.display(),
                dir = dir.display()
            ),
        }
    }
}

impl Corruption {
    /// Why the line is refused, in `lang`.
    pub fn in_lang(&self, lang: &Lang) -> String {
        match self {
            Corruption::NotAnEvent(error) => tr!(lang, CorruptNotAnEvent, error = error.in_lang(lang)),
            Corruption::Empty => tr!(lang, CorruptEmpty).to_owned(),
            Corruption::HashNotLast => tr!(lang, CorruptHashNotLast).to_owned(),
            Corruption::HashMismatch => tr!(lang, CorruptHashMismatch).to_owned(),
            Corruption::Prev { after: 0 } => tr!(lang, CorruptPrevStart).to_owned(),
            Corruption::Prev { after } => tr!(lang, CorruptPrev, after = after),
            Corruption::Seq { found, expected } => {
                tr!(lang, CorruptSeq, found = found, expected = expected)
            }
        }
    }
}

/// Who holds an incident's lock, in `lang`: in English as
/// [`super::holder_description`] says it.
pub fn holder_in_lang(lang: &Lang, holder: Option<&Holder>) -> String {
    if !is_zh(lang) {
        return super::holder_description(holder);
    }
    match holder {
        None => tr!(lang, LockHolderUnknown).to_owned(),
        Some(holder) => {
            let since = holder.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let who = tr!(
                lang,
                LockHolder,
                actor = holder.actor,
                pid = holder.pid,
                since = since
            );
            match super::holder_command(holder) {
                Some(command) => tr!(lang, LockHolderRunning, holder = who, command = command),
                None => who,
            }
        }
    }
}

fn short(hash: &str) -> &str {
    &hash[..12.min(hash.len())]
}

fn disagreement(lang: &Lang, kept: &Head, found: &Head) -> String {
    if kept.hash == found.hash {
        tr!(lang, HeadLineEnds, bytes = found.bytes)
    } else {
        tr!(lang, HeadItsHash, hash = short(&found.hash))
    }
}

/// "cannot {action} {path}: {error}" for a [`crate::file_util::PathError`].
pub fn path_error_in_lang(lang: &Lang, failed: &crate::file_util::PathError) -> String {
    cannot(lang, failed.action, &failed.path, &failed.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corrupt_line_reads_in_either_language() {
        let (en, zh) = (Lang::english(), Lang::parse("zh").unwrap());
        let error = serde_json::from_str::<serde_json::Value>("{\"seq\":").unwrap_err();
        let corrupt = JournalError::Corrupt {
            path: "/x/journal.jsonl".into(),
            line: 3,
            reason: Corruption::NotAnEvent(error.into()),
        };
        assert_eq!(corrupt.in_lang(&en), corrupt.to_string());
        assert_eq!(
            corrupt.in_lang(&zh),
            "日志 /x/journal.jsonl 第 3 行：不是日志事件：内容不完整（第 7 个字符处）；日志已损坏，无法继续本事件"
        );
        let seq = Corruption::Seq {
            found: 5,
            expected: 4,
        };
        assert_eq!(seq.in_lang(&en), seq.to_string());
        assert_eq!(seq.in_lang(&zh), "seq 为 5，应为 4（有行被删除、重复或调换）");
    }
}
