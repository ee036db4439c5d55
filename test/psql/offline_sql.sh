#!/usr/bin/env bash
# Offline SQL (upgrade_sql / downgrade_sql, like alembic --sql) does what
# upgrade() / downgrade() do: two copies of one database, one migrated with
# the functions and one with `psql -f` on the generated script, end with the
# same schema (pg_dump), the same data, the same version rows and the same
# log rows (revision, operation, checksum, heads before and after).
cd "$(dirname "$0")"
. ./helpers.bash

# compare DESC DB1 DB2: schema, data and migrate's rows identical (3 checks)
compare() {
    local d
    for d in schema data migrate; do
        "dump_$d" "$2" "$WORK/$2.$d"
        "dump_$d" "$3" "$WORK/$3.$d"
        same_files "$WORK/$2.$d" "$WORK/$3.$d" "$1: same $d"
    done
}

# psql_file DB FILE [psql options]: run a script file; status in $RC, output in $WORK/last.out
psql_file() {
    local db=$1 file=$2
    shift 2
    "${PSQL[@]}" -d "$db" "$@" -f "$file" >"$WORK/last.out" 2>&1
    RC=$?
}

# state DB: everything a failed script must leave untouched
state() {
    dump_schema "$1" "$WORK/state.s"
    dump_data "$1" "$WORK/state.d"
    "${PSQL[@]}" -qAt -d "$1" -c "TABLE migrate.version" -c "SELECT * FROM migrate.log ORDER BY id" >"$WORK/state.m"
    cat "$WORK/state.s" "$WORK/state.d" "$WORK/state.m" | md5sum
}

# ---------------------------------------------------------------------------
# A realistic plan, all transactional:
#
#   a1 - a2 -+- b1 (billing) - b2 --+- m1 - f1
#            |                 :    |
#            +- c1 (audit) ----+- c2+
#                   (b2 depends on c1)
#
# with semicolons in strings, identifiers and comments, dollar-quoted
# function bodies (nested tags), a DO block, and a script ending in a
# comment without its last semicolon.
# ---------------------------------------------------------------------------
newdb A || exit 1
"${PSQL[@]}" -q -d "$A" >"$WORK/setup.out" 2>&1 <<'SQL' || { not_ok "register the plan"; diag <"$WORK/setup.out"; exit 1; }
CREATE EXTENSION migrate;
SELECT migrate.revision('users', id => 'a1', upgrade => $up$
CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
COMMENT ON TABLE users IS 'people; who log in';
INSERT INTO users VALUES (1, 'a;b@example.com'), (2, E'semi\\;colon; ''quoted''');
$up$, downgrade => 'DROP TABLE users;');

SELECT migrate.revision('normalized email', id => 'a2', upgrade => $up$
CREATE FUNCTION norm_email(e text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $fn$
BEGIN
    -- a comment; with a semicolon
    RETURN lower(trim(e)); -- trailing; comment
END;
$fn$;
ALTER TABLE users ADD email_norm text;
UPDATE users SET email_norm = norm_email(email);
$up$, downgrade => $down$
ALTER TABLE users DROP email_norm;
DROP FUNCTION norm_email(text);
$down$);

SELECT migrate.revision('invoices', id => 'b1', branch_labels => '{billing}', upgrade => $up$
CREATE TABLE invoices (id int PRIMARY KEY, user_id int REFERENCES users,
                       total numeric(10,2), note text DEFAULT 'n/a; none');
CREATE FUNCTION invoices_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '') || '; touched';
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_touch BEFORE INSERT ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_touch();
INSERT INTO invoices VALUES (1, 1, 9.99, 'first;');
$up$, downgrade => $down$
DROP TABLE invoices;
DROP FUNCTION invoices_touch();
$down$);

SELECT migrate.revision('audit log', id => 'c1', branch_labels => '{audit}', down_revision => '{a2}', upgrade => $up$
CREATE TABLE audit_log (id serial PRIMARY KEY, what text);
CREATE FUNCTION audit(w text) RETURNS void LANGUAGE sql AS $body$
    INSERT INTO audit_log (what) VALUES ($q$audit; $q$ || w);
$body$;
SELECT audit('created; audit');
$up$, downgrade => $down$
DROP FUNCTION audit(text);
DROP TABLE audit_log;
$down$);

SELECT migrate.revision('invoice audit view', id => 'b2', head => 'billing@head', depends_on => '{c1}', upgrade => $up$
CREATE VIEW "invoice;audit" AS
    SELECT i.id, i.total, (SELECT count(*) FROM audit_log) AS audits FROM invoices i;
SELECT audit('b2');
$up$, downgrade => 'DROP VIEW "invoice;audit"');

SELECT migrate.revision('audit step column', id => 'c2', head => 'audit@head', upgrade => $up$
ALTER TABLE audit_log ADD at_step text DEFAULT 'c2'
-- no semicolon after the last statement
$up$, downgrade => 'ALTER TABLE audit_log DROP at_step');

SELECT migrate.revision('merge billing and audit', id => 'm1', down_revision => '{b2,c2}', upgrade => $up$
CREATE INDEX invoices_user_idx ON invoices (user_id);
DO $do$ BEGIN PERFORM audit('merged; ok'); END $do$;
$up$, downgrade => 'DROP INDEX invoices_user_idx');

SELECT migrate.revision('invoice status', id => 'f1', upgrade => $up$
CREATE TYPE status AS ENUM ('new', 'paid;late');
ALTER TABLE invoices ADD status status DEFAULT 'new';
$up$, downgrade => $down$
ALTER TABLE invoices DROP status;
DROP TYPE status;
$down$);

-- partially upgraded: two version rows
SELECT * FROM migrate.upgrade('b1');
SELECT * FROM migrate.upgrade('c1');
SQL
is "$(q "$A" "SELECT string_agg(r, ',') FROM migrate.current() r")" "b1,c1" "A is at b1,c1"
is "$(q "$A" "SELECT string_agg(id, ',' ORDER BY position) FROM migrate.revisions")" \
    "a1,a2,b1,c1,b2,c2,m1,f1" "A has the 8 revisions"

newdb B "$A"
newdb C "$A"
newdb R "$A"      # for the from_revision scripts, at a2
q "$R" "SELECT count(*) FROM migrate.downgrade('a2')" >/dev/null
is "$(q "$R" "SELECT * FROM migrate.current()")" "a2" "R is at a2"
newdb E "$A"      # at base
q "$E" "SELECT count(*) FROM migrate.downgrade('base')" >/dev/null
is "$(q "$E" "SELECT count(*) FROM migrate.current()")" 0 "E is at base"
newdb R1 "$R"
newdb R2 "$R"
newdb E1 "$E"
newdb E2 "$E"

# ---------------------------------------------------------------------------
# upgrade_sql('heads') with psql -1 -f  ==  upgrade('heads')
# ---------------------------------------------------------------------------
q "$C" "SELECT migrate.upgrade_sql('heads')" >"$WORK/up_heads.sql"
like "$(head -1 "$WORK/up_heads.sql")" '^-- migrate upgrade script: 4 steps from b1, c1$' \
    "the script names its steps and its starting state"
is "$(grep -c '^-- running upgrade' "$WORK/up_heads.sql")" 4 "the script has 4 steps (b2, c2, m1, f1)"

is "$(q "$B" "SELECT string_agg(revision, ',') FROM migrate.upgrade('heads')")" "c2,b2,m1,f1" \
    "upgrade('heads') on B runs c2, b2, m1, f1"
psql_file "$C" "$WORK/up_heads.sql" -1
is "$RC" 0 "psql -1 -f <upgrade_sql('heads')> succeeds on C"
# psql -1 wraps the file in BEGIN/COMMIT, but the script has its own
if grep -q 'WARNING:  there is already a transaction in progress' "$WORK/last.out" &&
   grep -q 'WARNING:  there is no transaction in progress' "$WORK/last.out"; then
    ok "with -1, the script's own BEGIN/COMMIT make psql warn (already / no transaction in progress)"
else
    not_ok "with -1, the script's own BEGIN/COMMIT make psql warn (already / no transaction in progress)"
    diag <"$WORK/last.out"
fi
compare "upgrade('heads') vs upgrade_sql('heads')" "$B" "$C"
is "$(grep -c '^log|' "$WORK/$C.migrate")" 8 "the compared log holds all 8 upgrade rows (4 before, 4 now)"
is "$(q "$C" "SELECT count(*) FROM migrate.log WHERE duration IS NULL OR started_at IS NULL OR applied_by <> session_user")" 0 \
    "the offline log rows have started_at, duration and applied_by"
is "$(q "$C" "SELECT count(*) FROM migrate.verify()")" 0 "verify() finds C healthy"

# re-running the same script is refused by its guard
before=$(state "$C")
psql_file "$C" "$WORK/up_heads.sql" -v VERBOSITY=verbose
is "$RC" 3 "running the script again fails (psql exit 3)"
like "$(cat "$WORK/last.out")" 'ERROR:  55000: version table does not match this script' "... with SQLSTATE 55000"
like "$(cat "$WORK/last.out")" 'DETAIL:  The script expects \{b1,c1\} here; migrate.version holds \{f1\}' "... naming both states"
is "$(state "$C")" "$before" "... and changes nothing"

# ---------------------------------------------------------------------------
# downgrade_sql('base')  ==  downgrade('base')
# ---------------------------------------------------------------------------
q "$C" "SELECT migrate.downgrade_sql('base')" >"$WORK/down_base.sql"
# the upgrade order from base, as E (at base) would run it, reversed
reverse_up=$(q "$E" "SELECT string_agg(substring(s FROM \$\$apply_step\\('(\\w+)'\$\$), ',' ORDER BY n DESC)
                      FROM migrate.upgrade_statements('heads') WITH ORDINALITY AS t(s, n)")
is "$(q "$B" "SELECT string_agg(revision, ',') FROM migrate.downgrade('base')")" "$reverse_up" \
    "downgrade('base') on B runs the 8 steps in the reverse of the upgrade order from base"
psql_file "$C" "$WORK/down_base.sql" -1
is "$RC" 0 "psql -1 -f <downgrade_sql('base')> succeeds on C"
compare "downgrade('base') vs downgrade_sql('base')" "$B" "$C"
is "$(q "$C" "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" 0 \
    "nothing left in public after the offline downgrade"

# ---------------------------------------------------------------------------
# upgrade_sql(target, from_revision), made elsewhere, run where the version
# table is at from_revision
# ---------------------------------------------------------------------------
q "$A" "SELECT migrate.upgrade_sql('heads', 'a2')" >"$WORK/from_a2.sql"
q "$R2" "SELECT count(*) FROM migrate.upgrade('heads')" >/dev/null
psql_file "$R1" "$WORK/from_a2.sql"
is "$RC" 0 "psql -f <upgrade_sql('heads', 'a2') made on A> succeeds on a database at a2"
compare "from a2: upgrade('heads') vs upgrade_sql('heads', 'a2')" "$R2" "$R1"

q "$A" "SELECT migrate.upgrade_sql('heads', 'base')" >"$WORK/from_base.sql"
q "$E2" "SELECT count(*) FROM migrate.upgrade('heads')" >/dev/null
psql_file "$E1" "$WORK/from_base.sql"
is "$RC" 0 "psql -f <upgrade_sql('heads', 'base')> succeeds on a database at base"
compare "from base: upgrade('heads') vs upgrade_sql('heads', 'base')" "$E2" "$E1"

# a branch target from two version rows
newdb P1 "$A"
newdb P2 "$A"
q "$R" "SELECT migrate.upgrade_sql('billing@head', 'b1, c1')" >"$WORK/from_b1c1.sql"
q "$P2" "SELECT count(*) FROM migrate.upgrade('billing@head')" >/dev/null
psql_file "$P1" "$WORK/from_b1c1.sql"
is "$RC" 0 "psql -f <upgrade_sql('billing@head', 'b1, c1') made on R> succeeds on A's copy"
compare "from b1,c1: upgrade('billing@head') vs upgrade_sql" "$P2" "$P1"

# ---------------------------------------------------------------------------
# the guard: a script made for another starting state changes nothing
# ---------------------------------------------------------------------------
newdb G "$R"
for opt in "" "-1"; do
    before=$(state "$G")
    psql_file "$G" "$WORK/up_heads.sql" -v VERBOSITY=verbose $opt
    is "$RC" 3 "script for b1,c1 on a database at a2 (psql ${opt:-without -1}): fails"
    like "$(cat "$WORK/last.out")" 'ERROR:  55000: version table does not match this script' \
        "... with SQLSTATE 55000 (psql ${opt:-without -1})"
    is "$(state "$G")" "$before" "... and changes nothing (psql ${opt:-without -1})"
done
before=$(state "$G")
psql_file "$G" "$WORK/from_base.sql" -v VERBOSITY=verbose
like "$(cat "$WORK/last.out")" 'ERROR:  55000: version table does not match this script' \
    "a script from base on a database at a2 fails with 55000"
is "$(state "$G")" "$before" "... and changes nothing"

# ---------------------------------------------------------------------------
# A non-transactional revision: upgrade_sql run with plain psql -f equals
# upgrade_statements \gexec; and what psql -1 does with it
# ---------------------------------------------------------------------------
newdb N || exit 1
"${PSQL[@]}" -q -d "$N" >"$WORK/setupn.out" 2>&1 <<'SQL' || { not_ok "register the CONCURRENTLY plan"; diag <"$WORK/setupn.out"; }
CREATE EXTENSION migrate;
SELECT migrate.revision('items', id => 'n1',
    upgrade => $$CREATE TABLE items (id int PRIMARY KEY, name text);
INSERT INTO items SELECT g, 'item; ' || g FROM generate_series(1, 200) g;$$,
    downgrade => 'DROP TABLE items');
SELECT migrate.revision('index items.name', id => 'n2', transactional => false,
    upgrade => $$DROP INDEX CONCURRENTLY IF EXISTS items_name_idx;
CREATE INDEX CONCURRENTLY items_name_idx ON items (name);$$,
    downgrade => 'DROP INDEX CONCURRENTLY IF EXISTS items_name_idx');
SELECT migrate.revision('price', id => 'n3',
    upgrade => 'ALTER TABLE items ADD price numeric DEFAULT 0',
    downgrade => 'ALTER TABLE items DROP price');
SELECT * FROM migrate.upgrade('n1');
SQL
newdb N1 "$N"
newdb N2 "$N"
newdb N3 "$N"
q "$N" "SELECT migrate.upgrade_sql('heads')" >"$WORK/n_up.sql"
like "$(cat "$WORK/n_up.sql")" 'COMMIT;
DROP INDEX CONCURRENTLY IF EXISTS items_name_idx;' "the offline script commits before the non-transactional step"

psql_file "$N1" "$WORK/n_up.sql"
is "$RC" 0 "psql -f <upgrade_sql> with CREATE INDEX CONCURRENTLY succeeds (no -1)"
printf '%s\n' "SELECT * FROM migrate.upgrade_statements('heads') \\gexec" |
    "${PSQL[@]}" -d "$N2" >"$WORK/n2.out" 2>&1
is "$?" 0 "upgrade_statements('heads') \\gexec succeeds"
compare "CONCURRENTLY plan: upgrade_statements \\gexec vs upgrade_sql" "$N2" "$N1"
is "$(q "$N1" "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name_idx'::regclass")" "t" \
    "the index made by the offline script is valid"

# -1: psql's BEGIN makes the script's BEGIN a no-op, and the script's COMMIT
# before the non-transactional step ends psql's transaction, so CREATE INDEX
# CONCURRENTLY runs outside a transaction block after all; -1 gives no
# all-or-nothing guarantee for such a script.
psql_file "$N3" "$WORK/n_up.sql" -1
is "$RC" 0 "psql -1 -f <upgrade_sql> with CREATE INDEX CONCURRENTLY also succeeds"
if grep -q 'cannot run inside a transaction block' "$WORK/last.out"; then
    not_ok "with -1, CREATE INDEX CONCURRENTLY still runs outside a transaction block"; diag <"$WORK/last.out"
else
    ok "with -1, CREATE INDEX CONCURRENTLY still runs outside a transaction block"
fi
like "$(cat "$WORK/last.out")" 'WARNING:  there is no transaction in progress' \
    "with -1, psql's final COMMIT finds no transaction (the script committed it)"
compare "CONCURRENTLY plan: psql -1 -f vs \\gexec" "$N2" "$N3"

q "$N1" "SELECT migrate.downgrade_sql('base')" >"$WORK/n_down.sql"
psql_file "$N1" "$WORK/n_down.sql"
is "$RC" 0 "psql -f <downgrade_sql('base')> with DROP INDEX CONCURRENTLY succeeds"
printf '%s\n' "SELECT * FROM migrate.downgrade_statements('base') \\gexec" |
    "${PSQL[@]}" -d "$N2" >"$WORK/n2d.out" 2>&1
is "$?" 0 "downgrade_statements('base') \\gexec succeeds"
compare "CONCURRENTLY plan: downgrade_statements \\gexec vs downgrade_sql" "$N2" "$N1"

# ---------------------------------------------------------------------------
# Scripts whose end or ordering once broke the offline script
# ---------------------------------------------------------------------------

# A script whose last line is a comment ending in ";": the terminator comes
# from the parser, not from the last character, so psql does not glue
# migrate's next statement (UPDATE migrate.log ...) onto the user's last one.
newdb K || exit 1
"${PSQL[@]}" -q -d "$K" >"$WORK/setupk.out" 2>&1 <<'SQL' || { not_ok "register the comment plan"; diag <"$WORK/setupk.out"; }
CREATE EXTENSION migrate;
SELECT migrate.revision('t', 'CREATE TABLE t (a int)', 'DROP TABLE t', id => 'k1');
SELECT migrate.revision('b', 'ALTER TABLE t ADD b int -- add b;', 'ALTER TABLE t DROP b', id => 'k2');
SQL
newdb K1 "$K"
newdb K2 "$K"
q "$K2" "SELECT count(*) FROM migrate.upgrade('heads')" >/dev/null
q "$K" "SELECT migrate.upgrade_sql('heads')" >"$WORK/k_up.sql"
psql_file "$K1" "$WORK/k_up.sql"
if [ "$RC" -eq 0 ]; then
    ok "script ending in a comment with a semicolon: offline script runs"
else
    not_ok "script ending in a comment with a semicolon: offline script runs"
    grep -E 'ERROR|LINE' "$WORK/last.out" | diag
fi

# The guard must sort the version rows as the script lists them (C order)
# whatever the database's collation: with an ICU collation and version rows
# "B1" and "a1" it once refused the very database it was made for.
if [ "$(q postgres "SELECT count(*) > 0 FROM pg_collation WHERE collprovider = 'i' AND collname = 'en-x-icu'")" = "t" ]; then
    ICU="mt_${TESTNAME}_icu_$$"
    if createdb --locale-provider=icu --icu-locale=en-US -T template0 "$ICU"; then
        CREATED_DBS+=("$ICU")
        "${PSQL[@]}" -q -d "$ICU" >"$WORK/setupi.out" 2>&1 <<'SQL' || { not_ok "register the ICU plan"; diag <"$WORK/setupi.out"; }
CREATE EXTENSION migrate;
SELECT migrate.revision('upper root', 'CREATE TABLE t_upper (a int)', 'DROP TABLE t_upper', id => 'B1', down_revision => '{}');
SELECT migrate.revision('lower root', 'CREATE TABLE t_lower (a int)', 'DROP TABLE t_lower', id => 'a1', down_revision => '{}');
SELECT migrate.revision('lower child', 'CREATE TABLE t_child (a int)', 'DROP TABLE t_child', id => 'a2', down_revision => '{a1}');
SELECT * FROM migrate.upgrade('B1');
SELECT * FROM migrate.upgrade('a1');
SQL
        q "$ICU" "SELECT migrate.upgrade_sql('heads')" >"$WORK/icu_up.sql"
        psql_file "$ICU" "$WORK/icu_up.sql"
        if [ "$RC" -eq 0 ]; then
            ok "ICU database, version rows B1 and a1: upgrade_sql runs where it was made"
        else
            not_ok "ICU database, version rows B1 and a1: upgrade_sql runs where it was made"
            grep -E 'ERROR|DETAIL' "$WORK/last.out" | diag
        fi
    else
        ok "ICU guard check # SKIP cannot create an ICU database"
    fi
else
    ok "ICU guard check # SKIP no ICU collations"
fi

finish
