# Sourced by the bench/ scripts: what they need, the binary they time,
# and where they write. Not run by itself.
#
#   bench_setup NAME   cd to the checkout, install what is missing
#                      (hyperfine, GNU time, python3, taskset), pick the
#                      binary ($bin) and clear $out = target/bench/NAME
#
# RUNBOOK_BIN=path times another build instead of building this one.
# Everything is written under target/bench/, never into the checkout.

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Installs Debian packages, as root or through sudo; `apt-get update` once.
bench_install() {
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    if [ -z "${bench_updated:-}" ]; then
        $sudo apt-get update -qq
        bench_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# bench_need COMMAND PACKAGE: installs PACKAGE unless COMMAND is there.
bench_need() {
    command -v "$1" >/dev/null || bench_install "$2"
    command -v "$1" >/dev/null || { echo "bench: $1 is missing and $2 did not install it" >&2; exit 2; }
}

bench_setup() {
    cd "$bench_root"
    bench_need hyperfine hyperfine
    bench_need /usr/bin/time time
    bench_need python3 python3
    bench_need taskset util-linux
    if [ -n "${RUNBOOK_BIN:-}" ]; then
        bin=$(realpath "$RUNBOOK_BIN")
    else
        cargo build --release --quiet
        bin="$bench_root/target/release/runbook"
    fi
    out="$bench_root/target/bench/$1"
    rm -rf "$out" && mkdir -p "$out/empty"
    # Pinned dates, no user config or home; the toolchain stays where it is
    # (rustup finds it through HOME otherwise, and bench/walk runs rustc).
    export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
    export RUNBOOK_NOW=2026-11-28T09:00:00Z XDG_CONFIG_HOME="$out/empty" HOME="$out/empty"
}

# Generated data that takes long to make is kept between runs under
# target/bench/data, and made again when its key (the generator's inputs)
# changes:
#   data=$(bench_data NAME)
#   if bench_stale "$data" "$key"; then make it in "$data"; bench_made "$data" "$key"; fi
bench_data() {
    echo "$bench_root/target/bench/data/$1"
}

bench_stale() {
    [ "$(cat "$1.key" 2>/dev/null)" != "$2" ] || return 1
    rm -rf "$1" "$1.key"
    mkdir -p "$1"
}

bench_made() {
    echo "$2" > "$1.key"
}
