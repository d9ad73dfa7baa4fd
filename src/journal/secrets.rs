//! What lets a later walk tell whether a secret variable is given the
//! value it had: `secrets.json` in the incident directory, mode 0600,
//! holding a random key made for this incident and, for each secret
//! variable, HMAC-SHA256 of its name and value under that key.
//!
//! The file is never journaled and never copied: the archive takes only
//! the signed record and its signature, and the record is made from the
//! journal, which holds [`SECRET_MARKER`](crate::model::SECRET_MARKER) for
//! the value. So no digest of a secret leaves the machine, and the one kept
//! here cannot be tested against guesses without the key beside it, which
//! is no weaker than the secret sitting in the process's memory.
//!
//! Written with [`publish`] under the incident's lock (only the walk that
//! holds it calls [`admit_secret`]): a crash leaves the old file or the new
//! one, whole.

use crate::file_util::{Existing, Links, publish, read_regular};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ssh_key::rand_core::{OsRng, RngCore};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// The file, in the incident directory.
pub const SECRETS_FILE: &str = "secrets.json";

/// Far more than a runbook's secrets take.
const LIMIT: u64 = 64 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    /// 32 random bytes, hex.
    key: String,
    /// Variable name → HMAC-SHA256(key, name NUL value), hex.
    digests: BTreeMap<String, String>,
}

/// Whether `value` is the one the secret `name` was given first in the
/// incident at `dir`; the first value given is remembered (its digest).
pub fn admit_secret(dir: &Path, name: &str, value: &str) -> io::Result<bool> {
    let path = dir.join(SECRETS_FILE);
    let mut kept = match read_regular(&path, LIMIT, Links::Refuse) {
        Ok(bytes) => serde_json::from_slice::<Kept>(&bytes)
            .map_err(|error| io::Error::other(format!("{}: {error}", path.display())))?,
        Err(failed) if failed.error.kind() == io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            OsRng.fill_bytes(&mut key);
            Kept {
                key: hex(&key),
                digests: BTreeMap::new(),
            }
        }
        Err(failed) => return Err(io::Error::other(failed.to_string())),
    };
    let mut message = name.as_bytes().to_vec();
    message.push(0);
    message.extend_from_slice(value.as_bytes());
    let digest = hex(&hmac_sha256(kept.key.as_bytes(), &message));
    if let Some(was) = kept.digests.get(name) {
        return Ok(same(was.as_bytes(), digest.as_bytes()));
    }
    kept.digests.insert(name.to_owned(), digest);
    let bytes = serde_json::to_vec(&kept).map_err(io::Error::other)?;
    publish(&path, &bytes, 0o600, Existing::Replace)
        .map_err(|failed| io::Error::other(failed.to_string()))?;
    Ok(true)
}

/// HMAC (RFC 2104) over SHA-256.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|byte| byte ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|byte| byte ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_first_value_is_remembered_and_another_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(admit_secret(dir.path(), "token", "s3cret-value").unwrap());
        assert!(admit_secret(dir.path(), "token", "s3cret-value").unwrap());
        assert!(!admit_secret(dir.path(), "token", "other").unwrap());
        assert!(admit_secret(dir.path(), "password", "other").unwrap());
        let path = dir.path().join(SECRETS_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cret-value"));
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
