#!/usr/bin/env bash
# Install what the demo needs (PostgreSQL 15, its headers, make, gcc), build
# and install migrate, then on a throwaway cluster: register the example
# revisions shipped in examples/, check that each downgrades cleanly,
# upgrade to heads, and show the history.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --demo

exec pg_virtualenv -t bash -c '
set -euo pipefail
{
    echo "CREATE EXTENSION migrate;"
    echo "\\echo == registering the example revisions"
    echo "\\pset tuples_only on"
    echo "\\pset format unaligned"
    while read -r file; do
        echo "\\set script \`cat examples/$file\`"
        echo "SELECT '\''registered '\'' || migrate.load(:'\''script'\'');"
    done < examples/order.txt
    echo "\\pset tuples_only off"
    echo "\\pset format aligned"
    cat <<SQL
\\echo == check_roundtrip: every pending revision upgraded, downgraded, upgraded (no rows = clean)
SET client_min_messages = warning;
SELECT * FROM migrate.check_roundtrip('\''heads'\'');
RESET client_min_messages;
\\echo == upgrade to heads
SELECT revision, operation, message FROM migrate.upgrade('\''heads'\'');
\\echo == history
SELECT revision, down_revisions, message, is_head, is_merge, is_branch_point, applied
  FROM migrate.history();
\\echo == current
SELECT * FROM migrate.current();
\\echo == verify (no rows = healthy)
SELECT * FROM migrate.verify();
\\dt
SQL
} | psql -X -q -v ON_ERROR_STOP=1 -P footer=off
'
