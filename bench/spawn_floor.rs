//! The floor for `bench/walk`: 200 × `sh -c true` through `std::process`,
//! the way runbook's executor starts them (own process group, stdout and
//! stderr piped, two environment variables), with no journal and no engine.
//! Built by `bench/walk` with plain `rustc -O`; not part of the crate.
//!
//! With an argument `gate`, each shell also waits at the executor's gate
//! (`until read -r _; do [ $? -gt 128 ] || exit 125; done; exec </dev/null; `)
//! until a newline is written.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

fn main() {
    let gate = std::env::args().nth(1).as_deref() == Some("gate");
    for _ in 0..200 {
        let mut command = Command::new("/bin/sh");
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .env("RUNBOOK_INCIDENT_KEY", "floor")
            .env("RUNBOOK_STEP", "floor");
        let output = if gate {
            let (reader, mut writer) = std::io::pipe().expect("pipe");
            command
                .args([
                    "-c",
                    "--",
                    "until read -r _; do [ $? -gt 128 ] || exit 125; done; exec </dev/null; true",
                ])
                .stdin(reader);
            let child = command.spawn().expect("sh starts");
            drop(command);
            writer.write_all(b"\n").expect("gate opens");
            drop(writer);
            child.wait_with_output()
        } else {
            command.args(["-c", "--", "true"]).stdin(Stdio::null());
            command.output()
        };
        assert!(output.expect("sh runs").status.success());
    }
}
