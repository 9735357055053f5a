#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     SECONDS per target, default 60; default all targets
#
# Works on stable Rust: cargo-fuzz needs nightly flags (-Zsanitizer, -Cpasses=sancov...), which
# RUSTC_BOOTSTRAP=1 unlocks. Extra `cargo fuzz run` options go in FUZZ_FLAGS, e.g.
# FUZZ_FLAGS="-s none" to build without AddressSanitizer (faster; the crate has no unsafe).
# Extra libFuzzer options go in FUZZ_ARGS, e.g. FUZZ_ARGS="-max_len=65536".
#
# The committed seeds in fuzz/corpus/<target>/ are read but never written: what the fuzzer
# finds goes to fuzz/target/corpus/<target>/ (ignored by git, kept between runs).
#
# Exit status 1 if any target crashed (panic, failed assert, sanitizer report, timeout or
# out-of-memory). Each crash input is copied to fuzz/regressions/<target>/; add it to the
# regression test by committing it there (tests/fuzz_regressions.rs runs every file under
# fuzz/regressions/*/ in plain `cargo test`), after minimising it:
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> fuzz/regressions/<target>/<file>
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here" || exit 2

seconds="${1:-60}"
shift || true
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: fuzz/run.sh [SECONDS] [TARGET...]" >&2
    exit 2
fi

export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed: cargo install cargo-fuzz" >&2
    exit 2
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

# shellcheck disable=SC2206 # FUZZ_FLAGS is a list of words on purpose
flags=(${FUZZ_FLAGS:-})
# shellcheck disable=SC2206
args=(${FUZZ_ARGS:-})
failed=()
summary=()
for target in "${targets[@]}"; do
    work="target/corpus/$target"
    artifacts="artifacts/$target"
    mkdir -p "$work" "$artifacts" "corpus/$target"
    declare -A before=()
    for f in "$artifacts"/*; do
        [ -e "$f" ] && before["${f##*/}"]=1
    done
    log="target/fuzz-$target.log"
    echo "== $target: ${seconds}s (log: fuzz/$log)"
    cargo fuzz run "${flags[@]}" "$target" "$work" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        "${args[@]}" >"$log" 2>&1
    status=$?
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    new=()
    for f in "$artifacts"/*; do
        [ -e "$f" ] && [ -z "${before["${f##*/}"]:-}" ] && new+=("${f##*/}")
    done
    unset before
    if [ "$status" -ne 0 ] || [ "${#new[@]}" -gt 0 ]; then
        failed+=("$target")
        summary+=("$target: CRASH after ${runs:-?} runs (exit $status)")
        mkdir -p "regressions/$target"
        for name in "${new[@]}"; do
            cp "$artifacts/$name" "regressions/$target/$name"
            echo "   saved fuzz/regressions/$target/$name"
        done
        grep -m1 -A12 -E "panicked at|ERROR: (libFuzzer|AddressSanitizer)|deadly signal" "$log" | sed 's/^/   /'
        if [ "${#new[@]}" -eq 0 ]; then
            echo "   no crash input was written (build or setup failure?): see fuzz/$log"
        fi
    else
        summary+=("$target: ok, ${runs:-?} runs in ${seconds}s")
    fi
done

echo
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
    echo
    echo "Crashes in: ${failed[*]}."
    echo "Inputs are in fuzz/regressions/<target>/. Minimise each one and keep it there so"
    echo "tests/fuzz_regressions.rs replays it in every cargo test:"
    echo "  cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> regressions/<target>/<file>"
    echo "  (then replace the file with the minimised one from artifacts/<target>/minimized-from-*)"
    exit 1
fi
