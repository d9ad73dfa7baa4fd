//! Embeds the repository's `runbooks/*.toml` into the binary so that a fresh
//! install has the bundled plans with no set-up.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=runbooks");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"))
        .join("runbooks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the runbooks/ directory exists")
        .map(|entry| entry.expect("runbooks/ is readable").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut code = String::from(
        "/// The bundled runbooks: (file name, contents).\npub static BUNDLED: &[(&str, &str)] = &[\n",
    );
    for path in files {
        let name = path
            .file_name()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
