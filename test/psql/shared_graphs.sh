#!/usr/bin/env bash
# Revision graphs shared between backends (src/cache.c): the first backend
# that builds the graph of a committed generation publishes it in a pinned
# dynamic shared memory segment, at most 8 at once (least recently mapped
# evicted); other backends map it.  Every call below runs in a new
# connection with client_min_messages = debug1, so migrate says whether it
# built (and shared) the graph or mapped another backend's.  Checked:
#   - ten databases (more than the eight shared slots), each with its own
#     chain: every call returns its own database's head, first built and
#     shared, later mapped unless evicted; a dropped database's graph is
#     evicted before the least recently mapped one;
#   - a registration: the next connection builds the new generation, the
#     one after maps it, both see the new head;
#   - DROP EXTENSION and CREATE EXTENSION with other revisions: the graph
#     of the dropped extension is not reused;
#   - migrate.shared_graphs = off: the backend builds its own;
#   - rows written while the trigger of migrate.revisions was disabled (what
#     pg_restore --data-only --disable-triggers does), in separate
#     transactions or in one: no backend maps the graph of before; with the
#     trigger left ENABLE (origin only) nothing is shared and verify() says
#     why; ENABLE ALWAYS again shares again;
#   - the generation row frozen by VACUUM FREEZE: still mapped, not rebuilt
#     at every call;
#   - a backend mapping a graph of 20,000 revisions keeps a few kilobytes
#     of its own for it (a graph it built for itself takes megabytes).
cd "$(dirname "$0")"
. ./helpers.bash

# call DB SQL: the query's rows, then migrate's DEBUG lines about the graph
call() {
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=debug1" "${PSQL[@]}" -qAt -d "$1" -c "$2" 2>"$WORK/call.err"
    grep -E 'migrate: (built|mapped)' "$WORK/call.err" | sed 's/^DEBUG:  //'
}

# register DB PREFIX N: a chain PREFIX1 .. PREFIXN
register() {
    q "$1" "DO \$\$ BEGIN FOR i IN 1..$3 LOOP
              PERFORM migrate.revision('$2 ' || i, 'SELECT 1', 'SELECT 1', id => '$2' || i,
                  down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['$2' || (i - 1)] END);
            END LOOP; END \$\$"
}

DBS=()
for i in $(seq 1 10); do
    newdb "D$i" || exit 1
    db_var="D$i"
    DBS+=("${!db_var}")
    q "${!db_var}" "CREATE EXTENSION migrate" >/dev/null
    register "${!db_var}" "d${i}r" "$((i + 1))" >/dev/null
done

for i in $(seq 1 10); do
    is "$(call "${DBS[$((i - 1))]}" "SELECT revision FROM migrate.heads()")" \
        "d${i}r$((i + 1))
migrate: built the graph of $((i + 1)) revisions and shared it" \
        "database $i, first call: its own head, graph built and shared"
done
# databases 3..10 hold the eight slots; mapped in reverse order, then 2
# and 1 must be built again (evicted), each evicting the least recent
for i in $(seq 10 -1 3); do
    is "$(call "${DBS[$((i - 1))]}" "SELECT revision FROM migrate.heads()")" \
        "d${i}r$((i + 1))
migrate: mapped the shared graph of $((i + 1)) revisions" \
        "database $i, new connection: its own head, shared graph mapped"
done
for i in 2 1; do
    is "$(call "${DBS[$((i - 1))]}" "SELECT revision FROM migrate.heads()")" \
        "d${i}r$((i + 1))
migrate: built the graph of $((i + 1)) revisions and shared it" \
        "database $i, evicted: built and shared again"
done
is "$(call "${DBS[0]}" "SELECT revision FROM migrate.heads()")" \
    "d1r2
migrate: mapped the shared graph of 2 revisions" \
    "database 1 again: mapped"

# a dropped database's graph goes first: database 4 holds a slot, and
# database 8 is the least recently mapped of the others
dropdb --force "${DBS[3]}" || exit 1
newdb D11 || exit 1
q "$D11" "CREATE EXTENSION migrate" >/dev/null
register "$D11" "d11r" 2 >/dev/null
is "$(call "$D11" "SELECT revision FROM migrate.heads()")" \
    "d11r2
migrate: built the graph of 2 revisions and shared it" \
    "database 11: built and shared"
is "$(call "${DBS[7]}" "SELECT revision FROM migrate.heads()")" \
    "d8r9
migrate: mapped the shared graph of 9 revisions" \
    "database 8 kept its graph: the dropped database's went instead"

# a registration makes a new generation
D=${DBS[9]}
q "$D" "SELECT migrate.revision('new', 'SELECT 1', 'SELECT 1', id => 'd10new')" >/dev/null
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "d10new
migrate: built the graph of 12 revisions and shared it" \
    "after a registration: the next connection builds and shares the new generation"
is "$(call "$D" "SELECT string_agg(revision, ',') FROM migrate.upgrade('heads')")" \
    "d10r1,d10r2,d10r3,d10r4,d10r5,d10r6,d10r7,d10r8,d10r9,d10r10,d10r11,d10new
migrate: mapped the shared graph of 12 revisions" \
    "and the one after maps it and upgrades through the new head"

# a re-created extension starts at generation 0 again: a new relation
q "$D" "SET migrate.allow_drop = on; DROP EXTENSION migrate; CREATE EXTENSION migrate" >/dev/null
register "$D" "x" 3 >/dev/null
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x3
migrate: built the graph of 3 revisions and shared it" \
    "re-created extension: the dropped extension's graph is not reused"
is "$(call "$D" "SELECT string_agg(revision, ',') FROM migrate.history()")" \
    "x3,x2,x1
migrate: mapped the shared graph of 3 revisions" \
    "re-created extension: the new graph is shared"

# migrate.shared_graphs = off: this backend builds its own, and leaves the
# shared one alone
is "$(PGOPTIONS="-c migrate.shared_graphs=off" call "$D" "SELECT revision FROM migrate.heads()")" \
    "x3
migrate: built the graph of 3 revisions for this backend only" \
    "migrate.shared_graphs = off: built for the backend alone"
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x3
migrate: mapped the shared graph of 3 revisions" \
    "and the shared graph is still there for the others"

# rows that reach migrate.revisions with its trigger disabled, as
# pg_restore --data-only --disable-triggers writes them: the generation
# does not move, but the trigger's own row does
insert_row() {
    q "$D" "INSERT INTO migrate.revisions (id, down_revisions, upgrade_sql, downgrade_sql, checksum)
            VALUES ('$1', '{$2}', 'SELECT 1', 'SELECT 1', 'restored')" >/dev/null
}
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x3
migrate: mapped the shared graph of 3 revisions" \
    "before the restore: x3, mapped"
q "$D" "ALTER TABLE migrate.revisions DISABLE TRIGGER ALL" >/dev/null
insert_row x4 x3
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x4
migrate: built the graph of 4 revisions for this backend only" \
    "trigger disabled, a row added: the new head, from a graph nobody shares"
q "$D" "ALTER TABLE migrate.revisions ENABLE TRIGGER ALL" >/dev/null
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x4
migrate: built the graph of 4 revisions for this backend only" \
    "trigger enabled for origin sessions only (what pg_restore leaves): still not shared"
is "$(q "$D" "SELECT problem || ': ' || detail FROM migrate.verify() WHERE problem LIKE 'revisions trigger%'")" \
    "revisions trigger not always enabled: The trigger revisions_changed on migrate.revisions is enabled for origin sessions only, so writes made with session_replication_role = replica are not counted: every call builds the revision graph itself. ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER revisions_changed restores sharing." \
    "verify() says why nothing is shared, and how to fix it"
q "$D" "ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER revisions_changed" >/dev/null
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x4
migrate: built the graph of 4 revisions and shared it" \
    "ENABLE ALWAYS again: built and shared"
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x4
migrate: mapped the shared graph of 4 revisions" \
    "... and mapped by the next connection"
# all in one transaction, the trigger ENABLE ALWAYS at the end as before
q "$D" "BEGIN; ALTER TABLE migrate.revisions DISABLE TRIGGER ALL;
        INSERT INTO migrate.revisions (id, down_revisions, upgrade_sql, downgrade_sql, checksum)
            VALUES ('x5', '{x4}', 'SELECT 1', 'SELECT 1', 'restored');
        ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER revisions_changed; COMMIT" >/dev/null
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x5
migrate: built the graph of 5 revisions and shared it" \
    "disabled, written and enabled again in one transaction: the new graph, not the old one"
# a frozen generation row reads the same in SQL and in a heap scan
q "$D" "VACUUM FREEZE migrate.graph_generation" >/dev/null
call "$D" "SELECT 1" >/dev/null
is "$(call "$D" "SELECT revision FROM migrate.heads()")" \
    "x5
migrate: mapped the shared graph of 5 revisions" \
    "after VACUUM FREEZE of the generation row: mapped, not rebuilt at every call"
is "$(PGOPTIONS="-c client_min_messages=debug1" "${PSQL[@]}" -qAt -d "$D" \
        -c "SELECT count(*) FROM migrate.heads()" -c "SELECT count(*) FROM migrate.heads()" 2>&1 |
      grep -cE 'migrate: (built|mapped)')" 1 \
    "after VACUUM FREEZE: the second call of a session uses its cached graph"

# no trigger at all: verify() says so, and every call builds its own graph
newdb M || exit 1
q "$M" "CREATE EXTENSION migrate; DROP TRIGGER revisions_changed ON migrate.revisions" >/dev/null
register "$M" "m" 2 >/dev/null
is "$(q "$M" "SELECT problem FROM migrate.verify()")" "revisions trigger missing" \
    "verify() reports a dropped revisions trigger"
is "$(call "$M" "SELECT revision FROM migrate.heads()")" \
    "m2
migrate: built the graph of 2 revisions for this backend only" \
    "without the trigger a graph is never shared"

# what a backend keeps of its own for a mapped graph of 20,000 revisions
newdb BIG || exit 1
q "$BIG" "CREATE EXTENSION migrate" >/dev/null
register "$BIG" "b" 20000 >/dev/null
is "$(call "$BIG" "SELECT revision FROM migrate.heads()")" \
    "b20000
migrate: built the graph of 20000 revisions and shared it" \
    "20,000 revisions: built and shared"
mem=$(call "$BIG" "SELECT revision FROM migrate.heads();
                   SELECT 'bytes ' || sum(total_bytes) FROM pg_backend_memory_contexts
                    WHERE name LIKE 'migrate graph%'")
like "$mem" "^b20000
bytes [0-9]{1,5}
migrate: mapped" "20,000 revisions mapped: under 100 kB of the backend's own memory"
own=$(PGOPTIONS="-c client_min_messages=warning" "${PSQL[@]}" -qAt -d "$BIG" -c "
    BEGIN;
    SELECT migrate.revision('own', 'SELECT 1', 'SELECT 1', id => 'own') IS NULL;
    SELECT count(*) FROM migrate.heads();
    SELECT sum(total_bytes) FROM pg_backend_memory_contexts WHERE name LIKE 'migrate graph%';
    ROLLBACK;" | tail -n 1)
if [ "${own:-0}" -gt 1000000 ]; then
    ok "a graph of its own uncommitted changes is built for the backend alone ($own bytes)"
else
    not_ok "a graph of its own uncommitted changes is built for the backend alone ($own bytes)"
fi

finish
