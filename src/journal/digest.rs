//! SHA-256 as lowercase hex: the one digest the journal, the runbook digest
//! and attachments all use, so that every hash in a record compares as text.
//!
//! Pure computation: nothing is written, so nothing here is affected by a
//! crash.

use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// The SHA-256 of `bytes`, as 64 lowercase hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The SHA-256 of everything `reader` yields, as 64 lowercase hex digits,
/// without holding it all in memory (attachments can be large).
pub fn sha256_hex_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(sha256_hex(b""), empty);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex_reader(&b"abc"[..]).unwrap(), sha256_hex(b"abc"));
        assert_eq!(sha256_hex_reader(&b""[..]).unwrap(), empty);
    }
}
