#!/usr/bin/env bash
# Install what the demo needs (PostgreSQL 15, its headers, make, gcc), build
# and install migrate and pg_migrate, then on a throwaway cluster deploy the
# example revisions in examples/ the way a team whose migrations are files
# does: init, status, a dry run, upgrade to heads, history (and the newest
# two with when, by whom and how long), current, check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --demo

exec pg_virtualenv -t bash -c '
set -euo pipefail
run() { echo; echo "\$ $*"; "$@"; }
run pg_migrate --dir examples init
run pg_migrate --dir examples status
run pg_migrate --dir examples upgrade heads --dry-run
run pg_migrate --dir examples upgrade heads
run pg_migrate --dir examples history
run pg_migrate --dir examples history -v --limit 2
run pg_migrate --dir examples current
run pg_migrate --dir examples check
run psql -X -q -c "\\dt"
'
