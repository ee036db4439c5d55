#!/usr/bin/env bash
# Build the libFuzzer harnesses of migrate's parsers (target.c, script.c)
# and of the schema diff (src/schema/, all but its server files),
# compiled as the extension uses them, with AddressSanitizer and UBSan, and
# fuzz each for SECONDS/3 (default 60 s in all) starting from a
# copy of the checked-in corpus, which is never modified.
#   bash fuzz/run.sh [SECONDS]
# Binaries and working corpora go to fuzz/build/, inputs that fail to
# fuzz/crashes/ (neither is tracked).  Ends with "N passed, N failed", one
# per harness; exits non-zero on any crash, leak, timeout, sanitizer report
# or broken invariant.  FUZZ_CFLAGS adds compiler flags.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

total=${1:-60}
case "$total" in
    ''|*[!0-9]*) echo "usage: bash fuzz/run.sh [SECONDS]" >&2; exit 2 ;;
esac
each=$(( (total + 2) / 3 ))
[ "$each" -ge 1 ] || each=1

CC=${CC:-clang-14}
build=fuzz/build
crashes=fuzz/crashes
passed=0
failed=0

if ! command -v "$CC" >/dev/null 2>&1; then
    echo "fuzz: $CC not found; install the Debian packages clang-14 and libclang-rt-14-dev"
    echo "0 passed, 3 failed"
    exit 1
fi

mkdir -p "$build" "$crashes"
# shellcheck disable=SC2054 # the commas belong to -fsanitize=
flags=(-g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -Isrc
       -Wall -Wextra -Werror -Wno-unused-parameter)
# shellcheck disable=SC2206
[ -n "${FUZZ_CFLAGS:-}" ] && flags+=($FUZZ_CFLAGS)

# harness name, max_len, C files of src/ it links
run_one() {
    local name=$1 max_len=$2
    shift 2
    local bin="$build/${name}_fuzz" work="$build/corpus-$name" log="$build/$name.log"
    local status execs rate

    echo "== $name: building from fuzz/${name}_fuzz.c $*"
    if ! "$CC" "${flags[@]}" "fuzz/${name}_fuzz.c" "$@" -o "$bin" >"$log" 2>&1; then
        cat "$log"
        echo "not ok - $name: build failed"
        failed=$((failed + 1))
        return
    fi

    # fuzz a copy: the checked-in seeds stay as they are
    rm -rf "$work"
    mkdir -p "$work"
    cp -R "fuzz/corpus/$name/." "$work/"

    echo "== $name: fuzzing for ${each}s (max_len $max_len)"
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$each" -max_len="$max_len" -timeout=10 \
        -rss_limit_mb=2048 -dict="fuzz/$name.dict" -print_final_stats=1 \
        -artifact_prefix="$crashes/$name-" "$work" >>"$log" 2>&1
    status=$?

    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$log" | tail -1)
    if [ "$status" -ne 0 ] ||
       grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|invariant violated|deadly signal' "$log"; then
        sed -nE '/ERROR: |runtime error:|invariant violated/,$p' "$log" |
            grep -v 'Test unit written' | head -40
        grep -E 'Test unit written to' "$log" | sort -u
        echo "not ok - $name: exit status $status after ${execs:-?} executions (log: $log)"
        failed=$((failed + 1))
    else
        echo "ok - $name: ${execs:-?} executions, ${rate:-?} exec/s, corpus $(find "$work" -type f | wc -l) inputs"
        passed=$((passed + 1))
    fi
}

run_one target 256 src/target.c
run_one script 4096 src/script.c src/target.c
# the diff's pure files: those that do not include postgres.h
# shellcheck disable=SC2046 # one word per C file of the diff
run_one diff 65536 -Isrc/schema $(grep -L '#include "postgres.h"' src/schema/*.c)

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
