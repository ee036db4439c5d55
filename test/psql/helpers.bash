# helpers.bash: sourced by the test scripts in test/psql (not a test itself:
# run.sh runs *.sh).  Connection settings come from the PG* variables that
# pg_virtualenv sets.
set -u

PSQL=(psql -X -v ON_ERROR_STOP=1)
TESTNAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/migrate_${TESTNAME}.XXXXXX")
# every database and background process this script makes, dropped/killed on exit
CREATED_DBS=()
BG_PIDS=()
N_OK=0
N_BAD=0
N_TODO=0

cleanup() {
    local p d
    for p in "${BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    for d in "${CREATED_DBS[@]}"; do
        dropdb --if-exists --force "$d" >/dev/null 2>&1
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

ok() { N_OK=$((N_OK + 1)); echo "ok - $*"; }
# A description ending in "# TODO <why>" marks a check of a known bug: its
# failure is reported but not counted (TAP's TODO), so the suite stays green
# until the bug is fixed and a new regression still shows.
not_ok() {
    case "$*" in
    *"# TODO"*) N_TODO=$((N_TODO + 1)) ;;
    *) N_BAD=$((N_BAD + 1)) ;;
    esac
    echo "not ok - $*"
}
diag() { sed 's/^/# /'; }

# A fresh database with a unique name, dropped on exit: newdb VAR [template]
newdb() {
    local name="mt_${TESTNAME}_${1,,}_$$"
    if [ $# -gt 1 ]; then
        createdb -T "$2" "$name" || { echo "# createdb -T $2 $name failed"; return 1; }
    else
        createdb "$name" || { echo "# createdb $name failed"; return 1; }
    fi
    CREATED_DBS+=("$name")
    printf -v "$1" '%s' "$name"
}

# q DB SQL...: one value per line, unaligned, no headers
q() {
    local db=$1
    shift
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "${PSQL[@]}" -qAt -d "$db" -c "$@"
}

# check DESC COMMAND...: ok when the command succeeds
check() {
    local desc=$1
    shift
    if "$@" >"$WORK/check.out" 2>&1; then
        ok "$desc"
    else
        not_ok "$desc"
        diag <"$WORK/check.out"
    fi
}

# is GOT EXPECTED DESC
is() {
    if [ "$1" == "$2" ]; then
        ok "$3"
    else
        not_ok "$3"
        { echo "got:"; printf '%s\n' "$1"; echo "expected:"; printf '%s\n' "$2"; } | diag
    fi
}

# like GOT REGEX DESC (extended grep over the whole text)
like() {
    if printf '%s\n' "$1" | grep -Eq -- "$2"; then
        ok "$3"
    else
        not_ok "$3"
        { echo "got:"; printf '%s\n' "$1"; echo "expected to match: $2"; } | diag
    fi
}

# same_files FILE1 FILE2 DESC: ok when identical, else the diff as diagnostics
same_files() {
    if diff -u "$1" "$2" >"$WORK/diff.out"; then
        ok "$3"
    else
        not_ok "$3"
        head -60 "$WORK/diff.out" | diag
    fi
}

# wait_for DB SQL [SECONDS]: poll until the query returns 't'; 1 on timeout
wait_for() {
    local db=$1 sql=$2 limit=${3:-15}
    local deadline=$((SECONDS + limit))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ "$(q "$db" "$sql" 2>/dev/null)" = "t" ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "# timed out after ${limit}s waiting for: $sql"
    return 1
}

# await DESC DB SQL [SECONDS]: wait_for as a check (one ok / not ok line)
await() {
    if wait_for "$2" "$3" "${4:-15}"; then ok "$1"; else not_ok "$1"; fi
}

# The user-visible state of a database, for comparisons:
#   dump_schema DB FILE   pg_dump --schema-only of everything but migrate's schema
#   dump_data DB FILE     pg_dump --data-only of the same
#   dump_migrate DB FILE  version rows and log rows minus timings
dump_filter() {
    # pg_dump 15.14+ writes \restrict lines with a random key
    grep -vE '^\\(un)?restrict '
}
dump_schema() {
    pg_dump --schema-only --no-owner -N migrate "$1" | dump_filter >"$2"
}
dump_data() {
    pg_dump --data-only --no-owner -N migrate "$1" | dump_filter >"$2"
}
dump_migrate() {
    "${PSQL[@]}" -qAt -d "$1" >"$2" <<'SQL'
SELECT 'version', revision FROM migrate.version ORDER BY revision;
SELECT 'log', revision, operation, checksum, heads_before, heads_after
  FROM migrate.log ORDER BY id;
SQL
}

# finish: the exit status of a test script
finish() {
    echo "# $TESTNAME: $N_OK passed, $N_BAD failed, $N_TODO known bugs (TODO)"
    [ "$N_BAD" -eq 0 ]
}
