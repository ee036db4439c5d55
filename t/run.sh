#!/usr/bin/env bash
# Run migrate's Perl TAP fault tests (t/0*.pl, PostgreSQL::Test::Cluster)
# against the installed extension; with --from DIR, the tests of DIR
# (client/t: pg_migrate's).  initdb refuses root, so when invoked as
# root (as CI does, from the repo root) the tests are copied to a temporary
# directory owned by postgres and run there as postgres with runuser.
# Prints prove's output, then one line "N passed, N failed" counting TAP
# assertions; exits non-zero on any failure.  Needs postgresql-15,
# postgresql-server-dev-15 (the Perl framework and pg_regress) and
# libipc-run-perl.
set -uo pipefail
cd "$(dirname "$0")"
# --from DIR: run the tests of another directory (client/t uses this)
if [ "${1:-}" = "--from" ]; then
    cd "$2" || exit 1
    shift 2
fi

PGBIN=/usr/lib/postgresql/15/bin
PGXS_DIR=/usr/lib/postgresql/15/lib/pgxs
PERLDIR=$PGXS_DIR/src/test/perl
PG_REGRESS=$PGXS_DIR/src/test/regress/pg_regress
RUN_AS=${TAP_USER:-postgres}

fail() { echo "$*"; echo "0 passed, 1 failed"; exit 1; }
[ -f "$PERLDIR/PostgreSQL/Test/Cluster.pm" ] || fail "missing $PERLDIR (install postgresql-server-dev-15)"
[ -x "$PG_REGRESS" ] || fail "missing $PG_REGRESS (install postgresql-server-dev-15)"
perl -MIPC::Run -e 1 2>/dev/null || fail "missing IPC::Run (install libipc-run-perl)"
command -v prove >/dev/null || fail "missing prove (perl)"

work=$(mktemp -d /tmp/migrate-tap.XXXXXX)
cp ./*.pl "$work/"
cp ./*.pm "$work/" 2>/dev/null
if [ "$(id -u)" -eq 0 ]; then
    chown -R "$RUN_AS" "$work"
    as_user=(runuser -u "$RUN_AS" --)
else
    as_user=()
fi

# arguments: test files to run (default: all)
tests=()
for t in "$@"; do tests+=("./$(basename "$t")"); done
[ ${#tests[@]} -gt 0 ] || tests=(./*.pl)

log="$work/prove.out"
(
    cd "$work" &&
    "${as_user[@]}" env \
        PATH="$PGBIN:$PATH" \
        PERL5LIB="$PERLDIR${PERL5LIB:+:$PERL5LIB}" \
        PG_REGRESS="$PG_REGRESS" \
        TESTDIR="$work" \
        TESTDATADIR="$work/tmp_check" \
        PG_TEST_TIMEOUT_DEFAULT="${PG_TEST_TIMEOUT_DEFAULT:-60}" \
        HOME="$work" \
        timeout --kill-after=10 "${TAP_TIMEOUT:-300}" prove -v "${tests[@]}"
) >"$log" 2>&1
status=$?
[ "$status" -eq 124 ] && echo "# prove timed out after ${TAP_TIMEOUT:-300} s" >>"$log"
# a test that died or timed out can leave its cluster running: stop it
for pidfile in "$work"/tmp_check/*/pgdata/postmaster.pid; do
    [ -f "$pidfile" ] || continue
    "${as_user[@]}" "$PGBIN/pg_ctl" -D "$(dirname "$pidfile")" stop -m immediate >/dev/null 2>&1
done
# show prove's output without BackgroundPsql's per-query notes (they stay
# in the regress_log_* files): "# issuing query ..." through the "# }"
# closing its "# results query N:" block, and "# connect output:" blocks
awk '
    skip == 0 && /^# (issuing query [0-9]+ via background psql|connect output:)/ { skip = 1 }
    skip == 1 && /^# (results query [0-9]+:|connect output:)$/ { skip = 2 }
    skip == 0 { print; next }
    skip == 2 && /^# }$/ { skip = 0 }
' "$log"

n_ok=$(grep -cE '^ *ok [0-9]+' "$log")
n_bad=$(grep -E '^ *not ok [0-9]+' "$log" | grep -vc '# TODO')
if [ "$status" -ne 0 ] && [ "$n_bad" -eq 0 ]; then
    n_bad=1     # a script died or planned more than it ran
fi
if [ "$status" -ne 0 ]; then
    # the framework's own logs: regress_log_* (test) and the server logs
    for f in "$work"/tmp_check/log/regress_log_*; do
        [ -f "$f" ] && { echo "== tail of $f"; tail -40 "$f"; }
    done
    echo "# logs kept in $work/tmp_check/log"
else
    rm -rf "$work"
fi
echo "$n_ok passed, $n_bad failed"
[ "$status" -eq 0 ] && [ "$n_bad" -eq 0 ]
