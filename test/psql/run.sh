#!/usr/bin/env bash
# Run every test script of test/psql (every *.sh but this one) against the
# cluster named by the PG* variables:
#     pg_virtualenv -t bash test/psql/run.sh
# Each script prints "ok - ..." / "not ok - ..." lines; this sums them, prints
# "N passed, N failed" and exits 1 if anything failed.  A script that exits
# non-zero without printing a "not ok" line counts as one failure.  As in TAP,
# "not ok - ... # TODO ..." marks a known bug: listed, not counted as failed.
set -uo pipefail
cd "$(dirname "$0")"

passed=0
failed=0
todo=0
for t in *.sh; do
    [ "$t" = "run.sh" ] && continue
    echo "== $t"
    out=$(mktemp)
    start=$SECONDS
    bash "$t" 2>&1 | tee "$out"
    status=${PIPESTATUS[0]}
    n_ok=$(grep -c '^ok - ' "$out")
    n_bad=$(grep '^not ok - ' "$out" | grep -vc '# TODO')
    n_todo=$(grep '^not ok - ' "$out" | grep -c '# TODO')
    if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
        echo "not ok - $t exited with status $status"
        n_bad=1
    fi
    grep '^ok - .*# TODO' "$out" | sed 's/^/# TODO passes now, remove its marker: /'
    echo "# $t: $((SECONDS - start)) s"
    passed=$((passed + n_ok))
    failed=$((failed + n_bad))
    todo=$((todo + n_todo))
    rm -f "$out"
done
[ "$todo" -gt 0 ] && echo "# $todo known bugs (not ok # TODO), not counted as failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
