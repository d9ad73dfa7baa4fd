// The allocator is mimalloc, not glibc's malloc: loading runbooks, reading
// journals and auditing the archive make many small, short-lived strings
// and maps, and glibc's malloc and free were a fifth of `validate`'s time
// over 1,000 runbooks (mimalloc: about 10% less CPU there). Built without
// transparent huge pages (`no_thp`): a 2 MiB page zeroed on first touch
// costs a short-lived process more than it saves.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    runbook::run(std::env::args_os())
}
