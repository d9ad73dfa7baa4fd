//! Whatever the bytes, the loader answers with a runbook or diagnostics,
//! never a panic. Mutates real runbooks (where the interesting bugs hide)
//! and throws in plain noise, from a fixed seed so failures reproduce.

use runbook::load::{Origin, builtin_sources, decode, load};

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TOKENS: &[&str] = &[
    "[[steps]]",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'''",
    "=",
    "\n",
    "{{",
    "}}",
    "#",
    ",",
    "kind = \"end\"",
    "next = \"x\"",
    "schema = 2",
    "id = \"a\"",
    "\u{0}",
    "\u{1b}[31m",
    "重启",
    "1979-05-27",
    "-inf",
    "0x10",
    "after = \"1h\"",
    "pattern = \"(\"",
    "[vars.x]",
    "[timers.t]",
    "[contacts.c]",
    "options = []",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 if !bytes.is_empty() => {
                let at = at.min(bytes.len() - 1);
                bytes[at] ^= 1 << rng.below(8);
            }
            1 => {
                let end = (at + rng.below(64)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            3 => bytes.truncate(at),
            4 => {
                let end = (at + rng.below(200)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            _ => bytes.insert(at.min(bytes.len()), rng.next() as u8),
        }
    }
    bytes
}

fn check(bytes: Vec<u8>) {
    let today = crate::common::today();
    if let Ok(source) = decode("fuzz.toml", Origin::Builtin, bytes) {
        let loaded = load(source, today);
        for diagnostic in &loaded.diagnostics {
            let _ = diagnostic.render();
        }
        assert_eq!(loaded.runbook.is_some(), !loaded.has_errors());
    }
}

#[test]
fn mutated_runbooks_never_panic() {
    let seeds: Vec<Vec<u8>> = builtin_sources().map(|source| source.text.into_bytes()).collect();
    let mut rng = Rng(0x5eed_2026);
    for case in 0..4000 {
        let seed = &seeds[case % seeds.len()];
        let input = mutate(&mut rng, seed);
        let keep = input.clone();
        if std::panic::catch_unwind(|| check(input)).is_err() {
            panic!("the loader panicked on:\n{}", String::from_utf8_lossy(&keep));
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0xdead_beef);
    for _ in 0..2000 {
        let len = rng.below(512);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check(bytes);
    }
}
