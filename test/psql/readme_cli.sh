#!/usr/bin/env bash
# The README's "Autogenerate from the command line" block, taken from the
# README and run as written in a new database: three revisions written by
# pg_migrate revision --autogenerate from schema files, applied, then a
# change by hand found by pg_migrate drift.  Scratch databases of --dev-url
# must all be gone afterwards.
cd "$(dirname "$0")"
. ./helpers.bash

block=$(awk '/^<!-- test\/psql\/readme_cli.sh runs this block/ {on = 1; next}
             on && /^```sh$/ {inside = 1; next}
             inside && /^```$/ {exit}
             inside {print}' ../../README.md)
like "$block" 'pg_migrate revision --autogenerate' "the README block is found"

newdb R || exit 1
mkdir -p "$WORK/run"
out=$(cd "$WORK/run" && PGDATABASE=$R bash -c "$block" 2>&1)
echo "$out" | diag
like "$out" 'Generating migrations/[0-9a-f]{12}_customers_and_orders\.sql \.\.\. done' "the first revision is written"
like "$out" 'problem: the head schema differs from schema; 5 statements would change it:' "check sees the changed schema file"
like "$(printf '%s\n' "$out" | grep -A1 -- '^-- hazards: data_dependent$')" \
    'VALIDATE CONSTRAINT orders_total_check;$' "diff prints each statement after its hazards"
like "$out" 'error: the upgrade would delete data: ALTER TABLE public.orders DROP COLUMN note' "the destructive revision is refused first"
is "$(ls "$WORK/run/shop/migrations" | wc -l)" 3 "three revision files, none from the refused try"
is "$(printf '%s\n' "$out" | grep -E '^(<base>|[0-9a-f]{12}) -> [0-9a-f]{12}( \(head\))?, ' | sed -E 's/[0-9a-f]{12}/ID/g')" \
    "ID -> ID (head), cancelled orders
ID -> ID, order state
<base> -> ID, customers and orders" "history shows the three"
is "$(printf '%s\n' "$out" | tail -3)" "added    index public.orders_total
         undo: DROP INDEX public.orders_total;  (access_exclusive)
Database $R has drifted: 1 change made outside migrations." "drift finds the index made by hand"
is "$(q "$R" "SELECT state FROM orders")" "new" "the row inserted between revisions has its state"
is "$(q postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'pg_migrate_scratch%'")" 0 \
    "no scratch database is left"

finish
