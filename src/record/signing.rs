//! Signing incident records with OpenSSH's SSHSIG format, and checking
//! signatures against an `allowed_signers` file.
//!
//! A signature made here is what `ssh-keygen -Y sign -n runbook-incident`
//! makes (ed25519, SHA-512, armored), so an auditor checks a record with
//! nothing but OpenSSH, and `ssh-keygen` can sign for us. The signing key is
//! an OpenSSH ed25519 private key file, refused when group or others can
//! read or write it, as OpenSSH refuses loose key files.
//!
//! Verification checks what `ssh-keygen -Y sign` makes with ed25519, RSA
//! (SHA-2, 2048 bits or more) and ECDSA keys, and names any other key type
//! rather than calling its signature malformed.
//!
//! Verification never trusts the key embedded in a signature by itself: the
//! key must be listed in `allowed_signers`, for our namespace, at the time
//! asked about. ssh-agent is not supported (ssh-key cannot sign through it).
//!
//! This module reads and writes key files and nothing else; it never prints
//! and never reads the clock (callers pass the time to verify at).

use super::allowed_signers::{AllowedSigner, AllowedSigners};
use crate::file_util::{self, Existing};
use chrono::{DateTime, SecondsFormat, Utc};
use ssh_key::public::KeyData;
use ssh_key::rand_core::OsRng;
use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The SSHSIG namespace of incident records: a signature made for anything
/// else (git commits, files) is never taken for a record's.
pub const NAMESPACE: &str = "runbook-incident";

/// File names in the config directory.
pub const KEY_FILE: &str = "signing_key";
pub const PUBLIC_KEY_FILE: &str = "signing_key.pub";
pub const ALLOWED_SIGNERS_FILE: &str = "allowed_signers";

mod words;
pub use words::{IdentityProblem, KeyFile};

/// Key and passphrase files are small; a wrong path should fail fast.
const MAX_KEY_FILE_SIZE: u64 = 64 * 1024;

/// What went wrong loading a key or making one.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("no signing key at {path}; make one with `runbook keygen`")]
    Missing { path: PathBuf },
    #[error("cannot read {what} {path}: {error}")]
    Read {
        what: KeyFile,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(
        "refused: {what} {path} is {access} by group or others (mode {mode:04o}); run chmod 600 {path}",
        access = access(*mode)
    )]
    Loose { what: KeyFile, path: PathBuf, mode: u32 },
    #[error("{path} is not an OpenSSH private key: {reason}")]
    NotAKey { path: PathBuf, reason: String },
    #[error(
        "{path} is an {algorithm} key; runbook signs with ssh-ed25519 keys (make one with `runbook keygen`)"
    )]
    UnsupportedKey { path: PathBuf, algorithm: String },
    #[error(
        "signing key {path} is encrypted and no passphrase was given; give it with \
         --passphrase-file FILE (a file holding the passphrase)"
    )]
    PassphraseNeeded { path: PathBuf },
    #[error("wrong passphrase for signing key {path}")]
    WrongPassphrase { path: PathBuf },
    #[error("passphrase file {path} is empty; leave the option out for a key without a passphrase")]
    EmptyPassphrase { path: PathBuf },
    #[error("signing failed: {0}")]
    Sign(ssh_key::Error),
    #[error("`{identity}` cannot be a principal in allowed_signers: {reason}")]
    BadIdentity {
        identity: String,
        reason: IdentityProblem,
    },
    #[error("refused: {path} already exists; runbook keygen never replaces a key")]
    Exists { path: PathBuf },
    #[error("cannot write {path}: {error}")]
    Write { path: PathBuf, error: std::io::Error },
    #[error(transparent)]
    AllowedSigners(#[from] super::allowed_signers::AllowedSignersError),
}

/// How a file open to group or others is open: `readable`, `writable`.
pub(crate) fn access(mode: u32) -> &'static str {
    if mode & 0o044 != 0 {
        "readable"
    } else if mode & 0o022 != 0 {
        "writable"
    } else {
        "accessible"
    }
}

/// An ed25519 private key, decrypted and ready to sign records.
pub struct Signer {
    key: PrivateKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// Loads the OpenSSH private key at `path`, decrypting it with
    /// `passphrase` when it is encrypted (a passphrase given for a plain key
    /// is ignored, as by `ssh-keygen`).
    ///
    /// The file is checked through the open handle, so it cannot be swapped
    /// between the check and the read.
    pub fn load(path: &Path, passphrase: Option<&str>) -> Result<Signer, SigningError> {
        let bytes = read_private_file(path, KeyFile::SigningKey).map_err(|error| match error {
            SigningError::Read { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
                SigningError::Missing {
                    path: path.to_owned(),
                }
            }
            error => error,
        })?;
        let not_a_key = |reason: String| SigningError::NotAKey {
            path: path.to_owned(),
            reason,
        };
        let text = std::str::from_utf8(&bytes).map_err(|_| not_a_key("not text".into()))?;
        let key = PrivateKey::from_openssh(text).map_err(|error| match error {
            // ECDSA and security keys: OpenSSH keys, just not ones we sign with.
            ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. } => {
                SigningError::UnsupportedKey {
                    path: path.to_owned(),
                    algorithm: "unsupported".to_owned(),
                }
            }
            error => not_a_key(error.to_string()),
        })?;
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(SigningError::UnsupportedKey {
                path: path.to_owned(),
                algorithm: key.algorithm().to_string(),
            });
        }
        let key = if key.is_encrypted() {
            let passphrase = passphrase.ok_or_else(|| SigningError::PassphraseNeeded {
                path: path.to_owned(),
            })?;
            key.decrypt(passphrase).map_err(|error| match error {
                ssh_key::Error::Crypto => SigningError::WrongPassphrase {
                    path: path.to_owned(),
                },
                error => not_a_key(error.to_string()),
            })?
        } else {
            key
        };
        Ok(Signer { key })
    }

    /// A new random ed25519 key, its comment `comment` (what [`keygen`]
    /// writes; tests sign with it too).
    pub fn generate(comment: &str) -> Result<Signer, SigningError> {
        let mut key = PrivateKey::random(&mut OsRng, Algorithm::Ed25519).map_err(SigningError::Sign)?;
        key.set_comment(comment);
        Ok(Signer { key })
    }

    /// The armored SSHSIG (`-----BEGIN SSH SIGNATURE-----`) of `bytes` in
    /// [`NAMESPACE`], hashed with SHA-512 and ending in a newline, as
    /// `ssh-keygen -Y sign` writes it.
    pub fn sign(&self, bytes: &[u8]) -> Result<String, SigningError> {
        let mut armored = self
            .key
            .sign(NAMESPACE, HashAlg::Sha512, bytes)
            .and_then(|signature| signature.to_pem(LineEnding::LF))
            .map_err(SigningError::Sign)?;
        if !armored.ends_with('\n') {
            armored.push('\n');
        }
        Ok(armored)
    }

    pub fn public_key(&self) -> &PublicKey {
        self.key.public_key()
    }

    /// `ssh-ed25519 AAAA...`, without the comment: the key as it goes into
    /// `allowed_signers`.
    pub fn public_key_openssh(&self) -> String {
        openssh_without_comment(self.key.public_key())
    }

    /// `SHA256:...`, as `ssh-keygen -l` shows it.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }

    /// The key's comment when it can be an `allowed_signers` principal:
    /// [`keygen`] writes the identity there, `ssh-keygen` writes `user@host`.
    pub fn identity(&self) -> Option<&str> {
        let comment = self.key.comment();
        check_identity(comment).ok().map(|()| comment)
    }
}

fn openssh_without_comment(key: &PublicKey) -> String {
    PublicKey::from(key.key_data().clone())
        .to_openssh()
        .unwrap_or_else(|_| key.algorithm().to_string())
}

/// Who signed, once a signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The principals of the `allowed_signers` line that trusts the key, as
    /// written there (`ops@example.com`, or a list of patterns).
    pub principal: String,
    /// The signing key's `SHA256:...` fingerprint.
    pub fingerprint: String,
}

/// Why a signature was not accepted. Each says what failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot read the signature {path}: {error}")]
    Unreadable { path: String, error: String },
    #[error("malformed signature: {0}")]
    Malformed(String),
    /// `algorithm` says what made it: `a ssh-dss key`, `an ssh-rsa (SHA-1)
    /// signature`, `a 1024-bit RSA key`.
    #[error(
        "the signature was made with {algorithm}; runbook checks {CHECKED} signatures only \
         (ssh-keygen -Y verify may check it)"
    )]
    UnsupportedAlgorithm { algorithm: String },
    #[error("wrong namespace: the signature is for `{found}`, not `{NAMESPACE}`")]
    WrongNamespace { found: String },
    #[error("signature does not match: the signed data or the signature was changed (key {fingerprint})")]
    Mismatch { fingerprint: String },
    #[error("unknown signer: key {fingerprint} is not in {allowed_signers}")]
    UnknownSigner {
        fingerprint: String,
        allowed_signers: String,
    },
    #[error(
        "signer {} (key {}) may not sign incident records: {}:{} allows namespaces=\"{namespaces}\" only",
        .signer.principal, .signer.fingerprint, .signer.allowed_signers, .signer.line
    )]
    NamespaceNotAllowed {
        signer: Box<SignerLine>,
        namespaces: String,
    },
    #[error(
        "signer {} (key {}) was not valid at {at}: {}:{} allows it {window}",
        .signer.principal, .signer.fingerprint, .signer.allowed_signers, .signer.line
    )]
    NotValidAt {
        signer: Box<SignerLine>,
        at: String,
        window: String,
    },
}

impl VerifyError {
    /// The key that made the signature, when the refusal knows it.
    pub fn fingerprint(&self) -> Option<&str> {
        match self {
            VerifyError::Mismatch { fingerprint } | VerifyError::UnknownSigner { fingerprint, .. } => {
                Some(fingerprint)
            }
            VerifyError::NamespaceNotAllowed { signer, .. } | VerifyError::NotValidAt { signer, .. } => {
                Some(&signer.fingerprint)
            }
            VerifyError::Unreadable { .. }
            | VerifyError::Malformed(_)
            | VerifyError::UnsupportedAlgorithm { .. }
            | VerifyError::WrongNamespace { .. } => None,
        }
    }
}

/// The `allowed_signers` line a refusal is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerLine {
    /// The line's principals, as written.
    pub principal: String,
    /// The signing key's `SHA256:...` fingerprint.
    pub fingerprint: String,
    /// The file (its `AllowedSigners::source`).
    pub allowed_signers: String,
    pub line: usize,
}

impl SignerLine {
    fn new(signers: &AllowedSigners, signer: &AllowedSigner, fingerprint: String) -> Box<SignerLine> {
        Box::new(SignerLine {
            principal: signer.principals.clone(),
            fingerprint,
            allowed_signers: signers.source.clone(),
            line: signer.line,
        })
    }
}

/// Checks the signature beside the record at `record` (`RECORD.sig`, see
/// [`sig_path`](crate::record::archive::sig_path)) over the record's
/// `bytes`, as [`verify`] does.
pub fn verify_beside(
    record: &Path,
    bytes: &[u8],
    signers: &AllowedSigners,
    at: DateTime<Utc>,
) -> Result<Verified, VerifyError> {
    let sig = crate::record::archive::sig_path(record);
    let unreadable = |error: String| VerifyError::Unreadable {
        path: sig.display().to_string(),
        error,
    };
    let sig_bytes =
        crate::record::archive::read_record_file(&sig).map_err(|error| unreadable(error.to_string()))?;
    let armored = String::from_utf8(sig_bytes).map_err(|_| unreadable("not UTF-8 text".to_owned()))?;
    verify(bytes, &armored, signers, at)
}

/// Checks that `armored_sig` is a signature of `bytes` in [`NAMESPACE`] by
/// a key that `signers` trusts for that namespace at `at`.
///
/// As `ssh-keygen -Y verify`: the signature is checked against the key it
/// carries, then that key must be on a line of `allowed_signers` whose
/// `namespaces` (if any) include ours and whose validity window holds `at`
/// (both ends inclusive). The first such line names the principal.
pub fn verify(
    bytes: &[u8],
    armored_sig: &str,
    signers: &AllowedSigners,
    at: DateTime<Utc>,
) -> Result<Verified, VerifyError> {
    let signature = SshSig::from_pem(armored_sig.trim().as_bytes()).map_err(|error| {
        // A key type ssh-key cannot even decode is named, not called malformed.
        match (&error, signing_key_type(armored_sig)) {
            (
                ssh_key::Error::AlgorithmUnknown | ssh_key::Error::AlgorithmUnsupported { .. },
                Some(key_type),
            ) => VerifyError::UnsupportedAlgorithm {
                algorithm: a_key(&key_type),
            },
            _ => VerifyError::Malformed(error.to_string()),
        }
    })?;
    let key = PublicKey::from(signature.public_key().clone());
    checked_algorithm(&key, &signature)?;
    if signature.namespace() != NAMESPACE {
        return Err(VerifyError::WrongNamespace {
            found: signature.namespace().to_owned(),
        });
    }
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    key.verify(NAMESPACE, bytes, &signature)
        .map_err(|_| VerifyError::Mismatch {
            fingerprint: fingerprint.clone(),
        })?;

    let lines: Vec<&AllowedSigner> = signers.find(key.key_data()).collect();
    let Some(first) = lines.first() else {
        return Err(VerifyError::UnknownSigner {
            fingerprint,
            allowed_signers: signers.source.clone(),
        });
    };
    let for_us: Vec<&AllowedSigner> = lines
        .iter()
        .copied()
        .filter(|signer| signer.allows_namespace(NAMESPACE))
        .collect();
    let Some(first_for_us) = for_us.first() else {
        return Err(VerifyError::NamespaceNotAllowed {
            signer: SignerLine::new(signers, first, fingerprint),
            namespaces: first.namespaces.clone().unwrap_or_default(),
        });
    };
    match for_us.iter().find(|signer| signer.is_valid_at(at)) {
        Some(signer) => Ok(Verified {
            principal: signer.principals.clone(),
            fingerprint,
        }),
        None => Err(VerifyError::NotValidAt {
            signer: SignerLine::new(signers, first_for_us, fingerprint),
            at: timestamp(at),
            window: window(first_for_us),
        }),
    }
}

/// The signatures [`verify`] checks, as its refusal of others says.
pub const CHECKED: &str = "ssh-ed25519, RSA (rsa-sha2-256 or rsa-sha2-512, keys of 2048 bits or more) \
                       and ECDSA (ecdsa-sha2-nistp256, -nistp384, -nistp521)";

/// The smallest RSA key checked: ssh-key verifies no smaller one (OpenSSH
/// still takes 1024 bits), and saying so beats "does not match".
const MIN_RSA_BITS: usize = 2048;

/// Refuses, naming it, a signature [`verify`] does not check: one by a
/// security key (`sk-…`, whose extra data and flags it does not judge),
/// DSA, RSA with SHA-1 (which SSHSIG forbids) or a small RSA key.
fn checked_algorithm(key: &PublicKey, signature: &SshSig) -> Result<(), VerifyError> {
    let refused = |algorithm: String| Err(VerifyError::UnsupportedAlgorithm { algorithm });
    match key.key_data() {
        KeyData::Ed25519(_) | KeyData::Ecdsa(_) => Ok(()),
        KeyData::Rsa(rsa) => {
            let bits = rsa.n.as_positive_bytes().map_or(0, |n| {
                n.len() * 8 - n.first().map_or(8, |first| first.leading_zeros() as usize)
            });
            match signature.signature().algorithm() {
                _ if bits < MIN_RSA_BITS => refused(format!("a {bits}-bit RSA key")),
                Algorithm::Rsa {
                    hash: Some(HashAlg::Sha256 | HashAlg::Sha512),
                } => Ok(()),
                other => refused(format!("an RSA key and {other} (SHA-1) signature")),
            }
        }
        other => refused(a_key(other.algorithm().as_str())),
    }
}

/// `a ssh-dss key`.
fn a_key(key_type: &str) -> String {
    format!("a {key_type} key")
}

/// The key type named inside an armored SSHSIG (`ssh-dss`, …): its blob is
/// `SSHSIG`, a version, then the public key, whose first field is its type.
fn signing_key_type(armored: &str) -> Option<String> {
    use base64ct::{Base64, Encoding};
    let body: String = armored
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let blob = Base64::decode_vec(&body).ok()?;
    let rest = blob.strip_prefix(b"SSHSIG")?.get(4..)?;
    let field = |bytes: &[u8]| -> Option<(usize, usize)> {
        let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        Some((4, 4 + len))
    };
    let (start, end) = field(rest)?;
    let key = rest.get(start..end)?;
    let (start, end) = field(key)?;
    let key_type = std::str::from_utf8(key.get(start..end)?).ok()?;
    Some(key_type.to_owned()).filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_graphic()))
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn window(signer: &AllowedSigner) -> String {
    match (signer.valid_after, signer.valid_before) {
        (Some(after), Some(before)) => format!("from {} until {}", timestamp(after), timestamp(before)),
        (Some(after), None) => format!("from {}", timestamp(after)),
        (None, Some(before)) => format!("until {}", timestamp(before)),
        (None, None) => "at any time".to_owned(),
    }
}

/// What [`keygen`] wrote.
#[derive(Debug, Clone)]
pub struct KeyFiles {
    /// The private key, mode 0600.
    pub private_key: PathBuf,
    pub public_key: PathBuf,
    pub allowed_signers: PathBuf,
    /// The line appended to `allowed_signers`.
    pub allowed_signers_line: String,
    /// `SHA256:...`
    pub fingerprint: String,
    pub encrypted: bool,
}

/// Makes a new ed25519 signing key in `dir` and trusts it for
/// [`NAMESPACE`] as `identity`: writes `signing_key` (OpenSSH format, mode
/// 0600, encrypted when a non-empty `passphrase` is given) and
/// `signing_key.pub`, and appends
/// `identity namespaces="runbook-incident" ssh-ed25519 AAAA...` to
/// `allowed_signers` (created 0644 when missing). `dir` is created 0700 when
/// missing.
///
/// An existing key is never replaced: the key files are linked into place,
/// which fails if a file of that name appeared meanwhile.
///
/// Durability: each file is written to a temporary file, synced, moved into
/// place and the directory synced ([`file_util::publish`]), so after a crash
/// each file is whole, or absent (the keys) or as it was
/// (`allowed_signers`). A crash between the files can leave a key that is
/// not yet in `allowed_signers`; no file is ever half written. Two
/// `keygen`s at once in one directory take turns (an `flock` on the
/// directory), and the second fails on the existing key.
pub fn keygen(dir: &Path, identity: &str, passphrase: Option<&str>) -> Result<KeyFiles, SigningError> {
    check_identity(identity)?;
    let private_path = dir.join(KEY_FILE);
    let public_path = dir.join(PUBLIC_KEY_FILE);
    let allowed_path = dir.join(ALLOWED_SIGNERS_FILE);
    file_util::make_dirs(dir, 0o700).map_err(write_error)?;
    let turn = std::fs::File::open(dir).and_then(|dir| dir.lock().map(|()| dir));
    let _turn = turn.map_err(|error| SigningError::Write {
        path: dir.to_owned(),
        error,
    })?;
    for path in [&private_path, &public_path] {
        if std::fs::symlink_metadata(path).is_ok() {
            return Err(SigningError::Exists { path: path.clone() });
        }
    }

    let signer = Signer::generate(identity)?;
    let line = allowed_signers_line(identity, signer.public_key());
    // Our own line must read back as what we meant, or nothing is written.
    let parsed = AllowedSigners::parse(&line, "the new allowed_signers line")?;
    if parsed.signers.len() != 1 || !parsed.signers[0].matches_principal(identity) {
        return Err(SigningError::BadIdentity {
            identity: identity.to_owned(),
            reason: IdentityProblem::NotOne,
        });
    }

    let passphrase = passphrase.filter(|passphrase| !passphrase.is_empty());
    let stored = match passphrase {
        Some(passphrase) => signer
            .key
            .encrypt(&mut OsRng, passphrase)
            .map_err(SigningError::Sign)?,
        None => signer.key.clone(),
    };
    let private_text = stored.to_openssh(LineEnding::LF).map_err(SigningError::Sign)?;
    let public_text = format!(
        "{}\n",
        signer.public_key().to_openssh().map_err(SigningError::Sign)?
    );

    publish(&private_path, private_text.as_bytes(), 0o600, Existing::Keep)?;
    publish(&public_path, public_text.as_bytes(), 0o644, Existing::Keep)?;

    let (mut contents, mode) = match std::fs::read(&allowed_path) {
        Ok(contents) => {
            let mode = std::fs::metadata(&allowed_path)
                .map(|metadata| metadata.mode() & 0o7777)
                .unwrap_or(0o644);
            (contents, mode)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => (Vec::new(), 0o644),
        Err(error) => {
            return Err(SigningError::Read {
                what: KeyFile::AllowedSigners,
                path: allowed_path,
                error,
            });
        }
    };
    if !contents.is_empty() && !contents.ends_with(b"\n") {
        contents.push(b'\n');
    }
    contents.extend_from_slice(line.as_bytes());
    contents.push(b'\n');
    publish(&allowed_path, &contents, mode, Existing::Replace)?;

    Ok(KeyFiles {
        private_key: private_path,
        public_key: public_path,
        allowed_signers: allowed_path,
        allowed_signers_line: line,
        fingerprint: signer.fingerprint(),
        encrypted: passphrase.is_some(),
    })
}

/// `identity namespaces="runbook-incident" ssh-ed25519 AAAA...`
pub fn allowed_signers_line(identity: &str, key: &PublicKey) -> String {
    format!(
        "{identity} namespaces=\"{NAMESPACE}\" {}",
        openssh_without_comment(key)
    )
}

/// An identity becomes the principals field of an `allowed_signers` line,
/// where a comma separates principals and `*`, `?` and `!` are patterns: it
/// must name exactly one principal, literally.
fn check_identity(identity: &str) -> Result<(), SigningError> {
    let reason = if identity.is_empty() {
        Some(IdentityProblem::Empty)
    } else if identity.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(IdentityProblem::Blank)
    } else if identity.contains(['"', ',']) {
        Some(IdentityProblem::Quote)
    } else if identity.contains(['*', '?']) || identity.starts_with('!') {
        Some(IdentityProblem::Pattern)
    } else if identity.starts_with('#') {
        Some(IdentityProblem::Comment)
    } else {
        None
    };
    match reason {
        Some(reason) => Err(SigningError::BadIdentity {
            identity: identity.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Reads a passphrase from the first line of `path` (the line break is not
/// part of it). A regular file that group or others can read or write is
/// refused, as a loose key is.
pub fn read_passphrase_file(path: &Path) -> Result<String, SigningError> {
    let bytes = read_private_file(path, KeyFile::PassphraseFile)?;
    let text = String::from_utf8(bytes).map_err(|_| SigningError::Read {
        what: KeyFile::PassphraseFile,
        path: path.to_owned(),
        error: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })?;
    let passphrase = text.lines().next().unwrap_or("").to_owned();
    if passphrase.is_empty() {
        return Err(SigningError::EmptyPassphrase {
            path: path.to_owned(),
        });
    }
    Ok(passphrase)
}

/// Reads a secret file after checking, through the open handle, that only
/// its owner may read or write it. Pipes a shell hands over
/// (`<(pass show x)`) are not checked; a named pipe, a directory or a
/// device is refused without waiting on it.
fn read_private_file(path: &Path, what: KeyFile) -> Result<Vec<u8>, SigningError> {
    let read_error = |error: std::io::Error| SigningError::Read {
        what,
        path: path.to_owned(),
        error,
    };
    let file = crate::file_util::open_regular_or_pipe(path).map_err(|failed| read_error(failed.error))?;
    let metadata = file.metadata().map_err(read_error)?;
    let mode = metadata.mode() & 0o7777;
    if metadata.is_file() && mode & 0o077 != 0 {
        return Err(SigningError::Loose {
            what,
            path: path.to_owned(),
            mode,
        });
    }
    file_util::read_capped(path, file, MAX_KEY_FILE_SIZE).map_err(|failed| read_error(failed.error))
}

/// [`file_util::publish`], its failures as a [`SigningError`].
fn publish(path: &Path, contents: &[u8], mode: u32, existing: Existing) -> Result<(), SigningError> {
    file_util::publish(path, contents, mode, existing).map_err(|failed| {
        if failed.error.kind() == std::io::ErrorKind::AlreadyExists {
            SigningError::Exists { path: failed.path }
        } else {
            write_error(failed)
        }
    })
}

fn write_error(failed: file_util::PathError) -> SigningError {
    SigningError::Write {
        path: failed.path,
        error: failed.error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> Signer {
        Signer::generate("test").unwrap()
    }

    fn trusting(signer: &Signer, options: &str) -> AllowedSigners {
        let line = format!("ops@example.com {options} {}", signer.public_key_openssh());
        AllowedSigners::parse(&line, "allowed_signers").unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-11-28T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn sign_then_verify() {
        let signer = signer();
        let armored = signer.sign(b"record").unwrap();
        assert!(armored.starts_with("-----BEGIN SSH SIGNATURE-----\n"));
        assert!(armored.ends_with("\n-----END SSH SIGNATURE-----\n"), "{armored}");
        let verified = verify(b"record", &armored, &trusting(&signer, ""), now()).unwrap();
        assert_eq!(verified.principal, "ops@example.com");
        assert_eq!(verified.fingerprint, signer.fingerprint());
        assert!(verified.fingerprint.starts_with("SHA256:"));
        let signature = SshSig::from_pem(&armored).unwrap();
        assert_eq!(signature.hash_alg(), HashAlg::Sha512);
        assert_eq!(signature.namespace(), NAMESPACE);
    }

    #[test]
    fn each_failure_is_named() {
        let signer = signer();
        let armored = signer.sign(b"record").unwrap();
        let trusted = trusting(&signer, "");
        let error = |bytes: &[u8], armored: &str, signers: &AllowedSigners| {
            verify(bytes, armored, signers, now()).unwrap_err().to_string()
        };

        assert!(error(b"record!", &armored, &trusted).starts_with("signature does not match"));
        assert!(error(b"record", "garbage", &trusted).starts_with("malformed signature"));
        assert!(error(b"record", &armored, &trusting(&self::signer(), "")).starts_with("unknown signer"));
        assert!(
            error(b"record", &armored, &trusting(&signer, "namespaces=\"git,file\""))
                .contains("allows namespaces=\"git,file\" only")
        );
        assert!(
            error(b"record", &armored, &trusting(&signer, "valid-before=\"20261127Z\""))
                .contains("was not valid at 2026-11-28T09:00:00Z: allowed_signers:1 allows it until 2026-11-27T00:00:00Z")
        );
        let other = signer.key.sign("git", HashAlg::Sha512, b"record").unwrap();
        let other = other.to_pem(LineEnding::LF).unwrap();
        assert_eq!(
            error(b"record", &other, &trusted),
            "wrong namespace: the signature is for `git`, not `runbook-incident`"
        );
    }

    #[test]
    fn namespace_patterns_and_later_lines_count() {
        let signer = signer();
        let armored = signer.sign(b"x").unwrap();
        let key = signer.public_key_openssh();
        let text = format!(
            "old@x valid-before=\"20200101Z\" {key}\ngit@x namespaces=\"git\" {key}\nnew@x namespaces=\"runbook-*\" {key}\n"
        );
        let signers = AllowedSigners::parse(&text, "allowed_signers").unwrap();
        assert_eq!(
            verify(b"x", &armored, &signers, now()).unwrap().principal,
            "new@x"
        );
    }

    #[test]
    fn identities_must_be_one_literal_principal() {
        for bad in ["", "a b", "a,b", "*@x", "!a", "#a", "a\"b", "a\u{1b}b"] {
            assert!(check_identity(bad).is_err(), "{bad:?}");
        }
        for good in ["ops@example.com", "ops", "O'Brien@host-1.example"] {
            check_identity(good).unwrap();
        }
    }

    #[test]
    fn loose_modes_are_described() {
        assert_eq!(access(0o644), "readable");
        assert_eq!(access(0o620), "writable");
        assert_eq!(access(0o601), "accessible");
    }
}
