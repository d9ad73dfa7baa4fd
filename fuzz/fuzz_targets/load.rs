//! `cargo +nightly fuzz run load`: the loader must answer any bytes with a
//! runbook or diagnostics, never a panic. `tests/loader_never_panics.rs` runs
//! a fixed-seed version of this in the ordinary test suite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runbook::load::{Origin, decode, load};

fuzz_target!(|bytes: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date");
    if let Ok(source) = decode("fuzz.toml", Origin::Builtin, bytes.to_vec()) {
        let loaded = load(source, today);
        for diagnostic in &loaded.diagnostics {
            let _ = diagnostic.render();
        }
    }
});
