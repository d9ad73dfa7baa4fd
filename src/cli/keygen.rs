//! `runbook keygen`: make the ed25519 key that signs incident records and
//! trust it in `allowed_signers`, both in the config directory.
//!
//! The key files are written by `record::signing::keygen`; this file picks
//! the directory and the identity and says what an auditor runs.

use super::Context;
use crate::error::{Error, Result};
use crate::exit_code::ExitCode;
use crate::model::Lang;
use crate::record::signing::{self, NAMESPACE, SigningError};
use crate::sanitize::shell_word;
use crate::tr;
use std::io::Write;
use std::path::PathBuf;

/// Make the ed25519 key that signs incident records, and trust it in
/// allowed_signers.
///
/// Writes `signing_key` (mode 0600) and `signing_key.pub` to
/// $XDG_CONFIG_HOME/runbook and appends the key to `allowed_signers` there,
/// for the `runbook-incident` namespace only. An existing key is never
/// replaced.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Principal written to allowed_signers (default: user@host)
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,
    /// Encrypt the key with the passphrase on the first line of FILE
    /// (default: no passphrase)
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

pub fn run(context: &Context, args: &Args) -> Result<ExitCode> {
    let lang = &context.lang;
    let dir = super::context::config_dir()
        .ok_or_else(|| Error::usage(tr!(lang, KeygenNoConfigDir)).with_hint(tr!(lang, HintSetHomeOrXdg)))?;
    let identity = args.identity.clone().unwrap_or_else(super::context::actor);
    let passphrase = args
        .passphrase_file
        .as_deref()
        .map(signing::read_passphrase_file)
        .transpose()
        // A passphrase file that cannot be read is bad input, as in `archive`.
        .map_err(|error| Error::usage(error.in_lang(lang)))?;
    let files = signing::keygen(&dir, &identity, passphrase.as_deref()).map_err(signing_error(lang))?;

    let mut out = std::io::stdout().lock();
    let protection = if files.encrypted {
        tr!(lang, KeygenEncrypted)
    } else {
        tr!(lang, KeygenNoPassphrase)
    };
    writeln!(
        out,
        "{}",
        tr!(
            lang,
            KeygenCreated,
            path = files.private_key.display(),
            protection = protection
        )
    )?;
    writeln!(
        out,
        "{}",
        tr!(lang, KeygenFingerprint, fingerprint = files.fingerprint)
    )?;
    writeln!(
        out,
        "{}",
        tr!(lang, KeygenPublicKey, path = files.public_key.display())
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        tr!(lang, KeygenAddedTo, path = files.allowed_signers.display())
    )?;
    writeln!(out, "  {}", files.allowed_signers_line)?;
    writeln!(out)?;
    writeln!(out, "{}", tr!(lang, KeygenGiveAuditors))?;
    writeln!(
        out,
        "  ssh-keygen -Y verify -f {} -I {} -n {NAMESPACE} -s RECORD.json.sig < RECORD.json",
        shell_word(&files.allowed_signers.to_string_lossy()),
        shell_word(&identity),
    )?;
    writeln!(
        out,
        "{}",
        tr!(lang, KeygenArchivedUnder, dir = context.archive_dir().display())
    )?;
    Ok(ExitCode::Success)
}

/// Refusals and bad input are usage errors (exit 2) with a hint; failing to
/// read or write files is a failure (exit 1).
fn signing_error(lang: &Lang) -> impl Fn(SigningError) -> Error + '_ {
    move |error| {
        let hint = match &error {
            SigningError::Exists { path } => Some(tr!(lang, HintKeygenExists, path = path.display())),
            SigningError::BadIdentity { .. } => Some(tr!(lang, HintKeygenIdentity).to_owned()),
            SigningError::Write { .. } | SigningError::Read { .. } | SigningError::Sign(_) => {
                return Error::failed(error.in_lang(lang));
            }
            _ => None,
        };
        let usage = Error::usage(error.in_lang(lang));
        match hint {
            Some(hint) => usage.with_hint(hint),
            None => usage,
        }
    }
}
