//! `runbook verify`: checks archived records. For each, the signature
//! against the allowed signers, the record against the index (its SHA-256)
//! and the chain (it names the record before it), and, where the incident's
//! directory is still kept, the record's journal head against the journal.
//! Works on a mirror's copy of the archive too (`--archive DIR`).

use super::Context;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::model::Lang;
use crate::record::allowed_signers::AllowedSigners;
use crate::record::archive::{Archive, Audit, Problem, ProblemKind, short_sha};
use crate::record::canonical::Record;
use crate::term::sanitize;
use crate::tr;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;

/// Check archived records: signatures, the archive's chain and index, and
/// the kept journals. Exits 1 when any check fails.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Incidents whose records to check.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    #[arg(add = clap_complete::ArgValueCompleter::new(super::complete::any_incident))]
    pub incidents: Vec<String>,
    /// Check every record, in archive order, and look for record files the
    /// index does not list.
    #[arg(long)]
    pub all: bool,
    /// Who may sign records, in OpenSSH's allowed_signers format (default:
    /// $XDG_CONFIG_HOME/runbook/allowed_signers).
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
    /// Check the archive in DIR (a mirror's copy) instead of the local one;
    /// a DIR with no index.jsonl and no record file is refused.
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    if let Some(id) = args
        .incidents
        .iter()
        .find(|id| !crate::journal::is_incident_id(id))
    {
        let lang = &context.lang;
        return Err(Error::usage(tr!(lang, NotAnIncidentId, id = sanitize(id)))
            .with_hint(tr!(lang, HintIncidentIdsSeeRecords)));
    }
    let archive = match &args.archive {
        Some(dir) if !dir.is_dir() => {
            return Err(Error::usage(tr!(
                &context.lang,
                ArchiveNoSuchDirectory,
                dir = dir.display()
            )));
        }
        Some(dir) => not_empty(Archive::new(dir.clone()), &context.lang)?,
        None => Archive::new(context.archive_dir()),
    };
    let signers = super::archive::allowed_signers(context, args.allowed_signers.as_deref())?;

    for note in &signers.skipped {
        writeln!(
            std::io::stderr(),
            "{}",
            tr!(&context.lang, NoticeLine, note = sanitize(note))
        )?;
    }

    let elsewhere = args.archive.is_some();
    let wanted: BTreeSet<&str> = args.incidents.iter().map(String::as_str).collect();
    let pick = |id: &str| args.all || wanted.contains(id);
    // A line a record, written a buffer at a time, not a write each.
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut tally = Tally::default();
    let mut found: BTreeSet<String> = BTreeSet::new();
    let mut held: BTreeSet<(String, String)> = BTreeSet::new();
    // The signature and the kept journal are checked with the rest of
    // each record, on every core; what was found is printed in order.
    let check = |audit: &mut Audit| check(context, &signers, elsewhere, audit);
    archive.audit(
        &pick,
        args.all,
        &check,
        |audit: Audit, checked| -> anyhow::Result<()> {
            found.insert(audit.id.clone());
            if let Some(entry) = &audit.entry {
                held.insert((entry.id.clone(), entry.sha256.clone()));
            }
            report(&context.lang, audit, checked, &mut out, &mut tally)?;
            Ok(())
        },
        &context.lang,
    )?;
    for id in wanted.iter().filter(|id| !found.contains(**id)) {
        let mut audit = not_indexed(&archive, id, &context.lang);
        let checked = check(&mut audit);
        report(&context.lang, audit, checked, &mut out, &mut tally)?;
    }
    if args.all && !elsewhere {
        // Asking the mirrors may take a while: what was found is shown first.
        out.flush()?;
        witnesses(context, &held, &mut out, &mut tally)?;
    }
    writeln!(
        out,
        "{}",
        tr!(
            &context.lang,
            VerifiedTally,
            checked = tally.checked,
            failed = tally.failed
        )
    )?;
    out.flush()?;
    Ok(if tally.failed > 0 {
        ExitCode::Failure
    } else {
        ExitCode::Success
    })
}

/// The mirrors as witnesses of the archive's tail, which its own chain
/// cannot see: a record deleted here with its index line and incident
/// leaves a chain that still holds, but a mirror that received it still
/// lists it. Each record a mirror lists that this archive lacks is a
/// failure; a mirror that cannot be read is said to be not checked, never
/// passed in silence.
fn witnesses(
    context: &Context,
    held: &BTreeSet<(String, String)>,
    out: &mut impl Write,
    tally: &mut Tally,
) -> std::io::Result<()> {
    let lang = &context.lang;
    let state = context.data_dir.join("mirrors");
    for mirror in &context.config.mirrors {
        let name = sanitize(&mirror.name()).into_owned();
        match crate::record::mirror::holdings(mirror, &state) {
            Ok(holdings) => {
                let lacking: Vec<&(String, String)> =
                    holdings.iter().filter(|pair| !held.contains(*pair)).collect();
                for (id, sha) in &lacking {
                    tally.failed += 1;
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            lang,
                            VerifyFailedLine,
                            incident = id,
                            kind = tr!(lang, KindMirror),
                            detail = tr!(lang, MirrorHoldsMore, name = name, id = id, sha = short_sha(sha))
                        )
                    )?;
                }
                if lacking.is_empty() {
                    let behind = held.len().saturating_sub(holdings.len());
                    let state = if behind == 0 {
                        tr!(lang, MirrorComplete, name = name)
                    } else {
                        tr!(lang, MirrorBehind, name = name, behind = behind)
                    };
                    writeln!(out, "{state}")?;
                }
            }
            Err(error) => writeln!(
                out,
                "{}",
                tr!(
                    lang,
                    MirrorNotChecked,
                    name = name,
                    error = sanitize(&error.in_lang(lang))
                )
            )?,
        }
    }
    Ok(())
}

/// A directory named with `--archive` that holds no index and no record
/// file is not a mirror's copy but a mistyped path: verifying nothing in it
/// must not pass.
fn not_empty(archive: Archive, lang: &Lang) -> Result<Archive> {
    let files = archive.record_files().map_err(anyhow::Error::new)?;
    if files.is_empty() && !archive.index_path().exists() {
        return Err(Error::usage(tr!(
            lang,
            ArchiveNotAnArchive,
            dir = archive.dir().display(),
            index = crate::record::archive::INDEX_FILE
        ))
        .with_hint(tr!(lang, HintArchiveMirrorCopy)));
    }
    Ok(archive)
}

#[derive(Debug, Default)]
struct Tally {
    checked: usize,
    failed: usize,
}

/// What checking a record's signature and kept journal found besides its
/// problems: who signed it, and notes.
struct Checked {
    signer: Option<String>,
    notes: Vec<String>,
}

/// Checks one record's signature and, where it is kept, its journal,
/// adding what fails to its problems.
fn check(context: &Context, signers: &AllowedSigners, elsewhere: bool, audit: &mut Audit) -> Checked {
    let signer = check_signature(audit, signers, &context.lang);
    let mut notes = Vec::new();
    if let Some(record) = &audit.record {
        let lang = &context.lang;
        let signed = signer.is_some();
        check_journal(
            context,
            record,
            elsewhere,
            signed,
            &mut audit.problems,
            &mut notes,
            lang,
        );
    }
    // Nothing after this needs the record itself: it is freed here, on the
    // thread that read it, not on the one that prints.
    audit.record = None;
    audit.bytes = None;
    Checked { signer, notes }
}

/// Prints what was found of one record: `ok ID (signed by ...)`, or a
/// `FAILED ID: what: why` line for each failure.
fn report(
    lang: &Lang,
    audit: Audit,
    checked: Checked,
    out: &mut impl Write,
    tally: &mut Tally,
) -> std::io::Result<()> {
    tally.checked += 1;
    if audit.problems.is_empty() {
        writeln!(
            out,
            "ok {}{}",
            audit.id,
            sanitize(&checked.signer.unwrap_or_default())
        )?;
    } else {
        tally.failed += 1;
        for problem in &audit.problems {
            let kind = match problem.kind {
                ProblemKind::Missing => tr!(lang, KindMissing),
                ProblemKind::Digest => tr!(lang, KindDigest),
                ProblemKind::Chain => tr!(lang, KindChain),
                ProblemKind::Index => tr!(lang, KindIndex),
                ProblemKind::Signature => tr!(lang, KindSignature),
                ProblemKind::Journal => tr!(lang, KindJournal),
            };
            writeln!(
                out,
                "{}",
                tr!(
                    lang,
                    VerifyFailedLine,
                    incident = audit.id,
                    kind = kind,
                    detail = sanitize(&problem.detail)
                )
            )?;
        }
    }
    for note in checked.notes {
        writeln!(out, "{}", tr!(lang, NoteIndented, note = sanitize(&note)))?;
    }
    Ok(())
}

/// A requested incident no index line names.
fn not_indexed(archive: &Archive, id: &str, lang: &Lang) -> Audit {
    let file = archive.record_file(id).ok().flatten();
    let detail = match &file {
        Some(path) => tr!(lang, FileNotInIndex, path = path.display()),
        None => tr!(lang, NoRecordOfIn, id = id, dir = archive.dir().display()),
    };
    Audit {
        id: id.to_owned(),
        line: None,
        path: file,
        entry: None,
        bytes: None,
        record: None,
        problems: vec![Problem::new(ProblemKind::Index, detail)],
    }
}

/// Checks the signature next to the record; on success, says by whom.
fn check_signature(audit: &mut Audit, signers: &AllowedSigners, lang: &crate::model::Lang) -> Option<String> {
    let (Some(bytes), Some(path)) = (&audit.bytes, &audit.path) else {
        return None;
    };
    // Keys are judged as they were when the record was signed, as git does
    // for commits: a key that expired since does not unmake old records.
    let at = match (&audit.record, &audit.entry) {
        (Some(record), _) => record.archived,
        (None, Some(entry)) => entry.archived,
        (None, None) => crate::clock::now(),
    };
    match crate::record::signing::verify_beside(path, bytes, signers, at) {
        Ok(verified) => Some(tr!(
            lang,
            SignedByFingerprint,
            principal = verified.principal,
            fingerprint = verified.fingerprint
        )),
        Err(error) => {
            audit
                .problems
                .push(Problem::new(ProblemKind::Signature, signature_why(lang, &error)));
            None
        }
    }
}

/// Why a signature was not accepted, in `lang`: what the signature
/// checker found, with its paths, keys and windows as they are.
pub(super) fn signature_why(lang: &Lang, error: &crate::record::signing::VerifyError) -> String {
    use crate::record::signing::{CHECKED, NAMESPACE, VerifyError};
    match error {
        VerifyError::Unreadable { path, error } => tr!(lang, SigUnreadable, path = path, error = error),
        VerifyError::Malformed(why) => tr!(lang, SigMalformed, why = why),
        VerifyError::UnsupportedAlgorithm { algorithm } => {
            tr!(lang, SigUnsupported, algorithm = algorithm, checked = CHECKED)
        }
        VerifyError::WrongNamespace { found } => {
            tr!(lang, SigWrongNamespace, found = found, namespace = NAMESPACE)
        }
        VerifyError::Mismatch { fingerprint } => tr!(lang, SigMismatch, fingerprint = fingerprint),
        VerifyError::UnknownSigner {
            fingerprint,
            allowed_signers,
        } => tr!(
            lang,
            SigUnknownSigner,
            fingerprint = fingerprint,
            allowed_signers = allowed_signers
        ),
        VerifyError::NamespaceNotAllowed { signer, namespaces } => tr!(
            lang,
            SigNamespaceNotAllowed,
            principal = signer.principal,
            fingerprint = signer.fingerprint,
            file = signer.allowed_signers,
            line = signer.line,
            namespaces = namespaces
        ),
        VerifyError::NotValidAt { signer, at, window } => tr!(
            lang,
            SigNotValidAt,
            principal = signer.principal,
            fingerprint = signer.fingerprint,
            at = at,
            file = signer.allowed_signers,
            line = signer.line,
            window = window
        ),
    }
}

/// The record's journal head against the incident's kept journal, if it
/// is still there. Events journaled after archiving (a late note) are
/// noted, not failed: the record covers the journal up to its head. So is
/// a journal without `journal.head`, whose last lines could be cut off
/// unseen (reading the journal checks it against its head, when there is
/// one). Bytes after the last whole event are a failure: a walk that
/// crashed while writing leaves them, but a finished, archived incident
/// has no walk, and anything there that is not a chained event was put
/// there.
///
/// A record from an archive `elsewhere` (`--archive`, a mirror that other
/// hosts may fill too) is compared only with a journal of the same
/// incident: ids are allocated per data directory, so another host's
/// INC-…-0001 started at another time, and is not this one's journal.
///
/// The journal of a record whose signature holds (`signed`) is first read
/// for its chain only ([`crate::journal::scan_chain`]): the events the
/// record covers are, byte for byte, those whose hashes lead to the head it
/// names, and the events after them are read whole. Only a journal that
/// passes that way is taken so; any other is read whole, as every journal
/// of a record not signed is, so that what is found and said of it is the
/// same either way.
fn check_journal(
    context: &Context,
    record: &Record,
    elsewhere: bool,
    signed: bool,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
    lang: &Lang,
) {
    let dir = context.incidents_dir().join(&record.incident);
    // Removed once filed: nothing to compare. Anything else there (a
    // directory, a FIFO, a link) is a journal that cannot be read, and is
    // read to say why, never waited on.
    if let Err(error) = dir.join(crate::journal::JOURNAL_FILE).symlink_metadata()
        && error.kind() == std::io::ErrorKind::NotFound
    {
        return;
    }
    if signed && let Some(kept) = Kept::chain_of(&dir, record.journal.events) {
        let mut found = Vec::new();
        let mut noted = Vec::new();
        if compare(&kept, record, elsewhere, &mut found, &mut noted, lang) && found.is_empty() {
            notes.append(&mut noted);
            return;
        }
    }
    match crate::journal::read(&dir) {
        Ok(replay) => {
            compare(
                &Kept::of(&replay, record.journal.events),
                record,
                elsewhere,
                problems,
                notes,
                lang,
            );
        }
        Err(error) => problems.push(Problem::new(ProblemKind::Journal, error.in_lang(lang))),
    }
}

/// What [`check_journal`] compares of a kept journal with its record.
struct Kept {
    /// When its first event happened.
    first: Option<chrono::DateTime<chrono::Utc>>,
    events: u64,
    /// The hash of the last event the record covers, if the journal has it.
    covered: Option<String>,
    torn: Option<crate::journal::Torn>,
    /// Whether it has a `journal.head`.
    headed: bool,
}

impl Kept {
    /// A journal read whole, for a record that covers `count` events.
    fn of(replay: &crate::journal::Replay, count: u64) -> Kept {
        Kept {
            first: replay.events.first().map(|event| event.time),
            events: replay.events.len() as u64,
            covered: usize::try_from(count)
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| replay.events.get(n))
                .map(|event| event.hash.clone()),
            torn: replay.torn,
            headed: replay.kept_head.is_some(),
        }
    }

    /// The journal in `dir` read for its chain, for a record that covers
    /// `count` events; `None` when it does not verify that way.
    fn chain_of(dir: &std::path::Path, count: u64) -> Option<Kept> {
        let mut first = None;
        let mut covered = None;
        let scanned = crate::journal::scan_chain(dir, count, &mut |link| {
            if link.seq == 1 {
                first = Some(link.time);
            }
            if link.seq == count {
                covered = Some(link.hash.into_owned());
            }
        })
        .ok()?;
        Some(Kept {
            first,
            events: scanned.last_seq,
            covered,
            torn: scanned.torn,
            headed: scanned.kept_head.is_some(),
        })
    }
}

/// Compares a kept journal with the record, adding what fails to
/// `problems`; returns whether the journal holds the event the record
/// names as its head.
fn compare(
    kept: &Kept,
    record: &Record,
    elsewhere: bool,
    problems: &mut Vec<Problem>,
    notes: &mut Vec<String>,
    lang: &Lang,
) -> bool {
    if let Some(torn) = &kept.torn {
        problems.push(Problem::new(
            ProblemKind::Journal,
            tr!(lang, KeptJournalTorn, bytes = torn.bytes, line = torn.line),
        ));
    }
    if elsewhere && kept.first.is_some_and(|first| first != record.started) {
        notes.push(tr!(lang, JournalOfAnotherIncident, incident = record.incident));
        return false;
    }
    let count = record.journal.events;
    let Some(hash) = &kept.covered else {
        problems.push(Problem::new(
            ProblemKind::Journal,
            tr!(lang, RecordCoversEvents, count = count, kept = kept.events),
        ));
        return false;
    };
    if *hash != record.journal.head {
        problems.push(Problem::new(
            ProblemKind::Journal,
            tr!(
                lang,
                KeptEventHash,
                count = count,
                hash = short_sha(hash),
                head = short_sha(&record.journal.head)
            ),
        ));
        return false;
    }
    let extra = kept.events - count;
    if extra > 0 {
        notes.push(tr!(
            lang,
            EventsAfterArchived,
            extra = extra,
            incident = record.incident
        ));
    }
    if !kept.headed {
        notes.push(tr!(
            lang,
            JournalHasNoHead,
            incident = record.incident,
            head = crate::journal::HEAD_FILE,
            count = count
        ));
    }
    true
}
