#!/usr/bin/env bash
#
# hostile.sh -- graph work on hostile revision graphs, each against a
# graph of the same size without the hostile part, measured in the same
# run, and how fast a statement_timeout stops it.
#
#   bash test/bench/hostile.sh [N]          (default N = 16000)
#
# Shapes, N revisions each (plus one root h0 that the "deps" shapes depend
# on):
#   chain        a chain r1 <- r2 <- ... <- rN                  (baseline)
#   chain_deps   the same chain, every revision depending on h0: every
#                dependency but the first is implied by an ancestor's
#   roots        N independent roots                            (baseline)
#   roots_deps   N roots, each depending on h0: h0 has N dependents and
#                N heads sit on top of one revision
# Per shape, every call in a new session with migrate.shared_graphs = off
# (so each call builds the graph), median of BENCH_CALLS (default 3):
#   build        SELECT count(*) FROM migrate.heads()   (the build itself)
#   status       status(): the plan of upgrade('heads') from an empty table
#   history      history(): every revision in Alembic's order
#   prefix       show('lbl@r') with a label on r1 and every id starting with
#                "r": an ambiguous prefix, each candidate checked against the
#                label's lineage (chain shapes)
#   stamp_heads  stamp('heads') on an empty version table
#   down_plan    count(*) of downgrade_statements('base') after stamp('heads')
#                (roots shapes: N version rows)
# and registering one revision that names all N roots of the roots shape:
# as depends_on (hostile) against as down_revision, a merge (baseline),
# each in a transaction rolled back, then the graph built with it.
# ratio = hostile / baseline; the "linear-ish" target is a ratio <= 3 for
# each call.  Then interrupts: statement_timeout set to a fifth of the
# build time of the largest shape (at least 5 ms); a call must fail with
# 57014 no later than the timeout plus 50 ms (cancel latency <= 50 ms).
# Exits non-zero when a step or check fails, never because of a ratio.
# Re-runs itself under pg_virtualenv when PGHOST/PGPORT are unset.
set -uo pipefail
SELF=$(readlink -f "$0")
BENCH_NAME=hostile.sh
# shellcheck source=lib.sh
source "$(dirname "$SELF")/lib.sh"

N=${1:-${N:-16000}}
BENCH_CALLS=${BENCH_CALLS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
case "$N" in ''|*[!0-9]*) die "usage: bash test/bench/hostile.sh [N]" ;; esac

in_virtualenv "hostile.sh: PGHOST/PGPORT are not set; re-executing inside a throwaway cluster:" \
	"(registering $N revisions takes no more lock slots than the default; the setting is lib.sh's)" "$@"
work_dir hostile
check_server "registration"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# register DB SHAPE: the extension and the shape's N + 1 revisions, one
# transaction, explicit parents (no graph is loaded while registering)
register() {
	local db=$1 shape=$2 down deps label
	fresh_db "$db"
	sql "$db" "CREATE EXTENSION migrate" >/dev/null || die "CREATE EXTENSION in $db"
	case $shape in
	chain | chain_deps) down="CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || (i - 1)] END" ;;
	roots | roots_deps) down="'{}'::text[]" ;;
	esac
	case $shape in
	*_deps) deps="'{h0}'::text[]" ;;
	*) deps="NULL" ;;
	esac
	label="CASE WHEN i = 1 THEN '{lbl}'::text[] END"
	timed REG_SECS "$WORK/register_$shape.log" "${PSQL[@]}" -d "$db" -c "
		SET client_min_messages = warning;
		SELECT migrate.revision('h0', 'SELECT 1', 'SELECT 1', id => 'h0', down_revision => '{}');
		DO \$\$ BEGIN
		  FOR i IN 1..$N LOOP
		    PERFORM migrate.revision('r' || i, 'SELECT 1', 'SELECT 1', id => 'r' || i,
		                             down_revision => $down, depends_on => $deps,
		                             branch_labels => $label);
		  END LOOP;
		END \$\$;"
	[[ "$(sql "$db" "SELECT count(*) FROM migrate.revisions")" == $((N + 1)) ]] ||
		die "$shape: expected $((N + 1)) revisions"
	say "registered $shape: $((N + 1)) revisions in $REG_SECS s"
}

# call_ms DB QUERY [SETUP]: median ms of QUERY over BENCH_CALLS new sessions
# (psql's \timing), each building its own graph
call_ms() {
	local db=$1 q=$2 setup=${3:-} k times=()
	for (( k = 0; k < BENCH_CALLS; k++ )); do
		PGOPTIONS="-c migrate.shared_graphs=off -c client_min_messages=warning" \
			timeout "$BENCH_TIMEOUT" "${PSQL[@]}" -d "$db" ${setup:+-c "$setup"} -c '\timing on' -c '\o /dev/null' -c "$q" \
			>"$WORK/call.log" 2>&1 || die "$q" "$WORK/call.log"
		times+=("$(grep '^Time: ' "$WORK/call.log" | tail -n 1 | awk '{ print $2 }')")
	done
	median "${times[@]}"
}

# yes_no V LIMIT: "yes" when V <= LIMIT
yes_no() { if le "$1" "$2"; then printf yes; else printf NO; fi; }

declare -A MS
measure() {
	local db=$1 shape=$2
	MS[$shape.build]=$(call_ms "$db" "SELECT count(*) FROM migrate.heads()")
	MS[$shape.status]=$(call_ms "$db" "SELECT * FROM migrate.status()")
	MS[$shape.history]=$(call_ms "$db" "SELECT count(*) FROM migrate.history()")
	case $shape in
	chain*)
		# the ambiguous prefix: an error, timed all the same
		MS[$shape.prefix]=$(call_ms "$db" "DO \$\$ BEGIN PERFORM * FROM migrate.show('lbl@r');
			EXCEPTION WHEN ambiguous_parameter THEN NULL; END \$\$") ;;
	esac
	MS[$shape.stamp_heads]=$(call_ms "$db" "BEGIN; SELECT count(*) FROM migrate.stamp('heads'); ROLLBACK")
	case $shape in
	roots*)
		PGOPTIONS="-c client_min_messages=warning" sql "$db" "SELECT count(*) FROM migrate.stamp('heads')" >/dev/null ||
			die "stamp heads in $db"
		[[ "$(sql "$db" "SELECT count(*) FROM migrate.downgrade_statements('base')")" == $((N + 1)) ]] ||
			die "$shape: downgrade_statements('base') should list $((N + 1)) steps"
		MS[$shape.down_plan]=$(call_ms "$db" "SELECT count(*) FROM migrate.downgrade_statements('base')") ;;
	esac
	say "measured $shape"
}

for shape in chain chain_deps roots roots_deps; do
	register "h_$shape" "$shape"
	measure "h_$shape" "$shape"
done

# one revision naming every root: N dependencies against N parents
for kind in depends_on down_revision; do
	MS[wide.$kind]=$(call_ms h_roots "BEGIN; SET LOCAL client_min_messages = warning;
		SELECT migrate.revision('wide', 'SELECT 1', 'SELECT 1', id => 'wide',
		       $( [[ $kind == depends_on ]] && echo "down_revision => '{}', " )$kind => (SELECT array_agg('r' || i) FROM generate_series(1, $N) i));
		SELECT count(*) FROM migrate.heads(); ROLLBACK")
done

# the hostile shapes answer like their baselines where they should
[[ "$(sql h_chain_deps "SELECT count(*) FROM migrate.heads()")" == 2 ]] || die "chain_deps: two heads (rN and h0's line)"
[[ "$(sql h_roots_deps "SELECT count(*) FROM migrate.heads()")" == $((N + 1)) ]] || die "roots_deps: N + 1 heads (h0 has no children)"
[[ "$(sql h_chain_deps "SELECT array_length(depends_on, 1) FROM migrate.show('r$N')")" == 1 ]] ||
	die "chain_deps: r$N declares its dependency"

say ""
printf '%-13s %-12s %12s %12s %8s   %s\n' call shape hostile_ms baseline_ms ratio "<= 3"
worst=0
for pair in chain_deps:chain roots_deps:roots; do
	h=${pair%%:*} b=${pair##*:}
	for what in build status history prefix stamp_heads down_plan; do
		[[ -n "${MS[$h.$what]:-}" ]] || continue
		r=$(ratio "${MS[$h.$what]}" "${MS[$b.$what]}")
		printf '%-13s %-12s %12s %12s %8s   %s\n' "$what" "$h" "${MS[$h.$what]}" "${MS[$b.$what]}" "$r" \
			"$(yes_no "$r" 3)"
	done
done

r=$(ratio "${MS[wide.depends_on]}" "${MS[wide.down_revision]}")
printf '%-13s %-12s %12s %12s %8s   %s\n' register_wide "$N deps" "${MS[wide.depends_on]}" \
	"${MS[wide.down_revision]}" "$r" "$(yes_no "$r" 3)"

# interrupts: a statement_timeout well under the build time
slowest=${MS[roots_deps.build]}
for s in chain.build chain_deps.build roots.build; do
	le "${MS[$s]}" "$slowest" || slowest=${MS[$s]}
done
timeout_ms=$(awk -v s="$slowest" 'BEGIN { t = int(s / 5); print (t < 5 ? 5 : t) }')
say ""
say "statement_timeout = ${timeout_ms} ms (a fifth of the slowest build, ${slowest} ms):"
for shape in chain_deps roots_deps; do
	for q in "SELECT count(*) FROM migrate.heads()" "SELECT count(*) FROM migrate.history()"; do
		t0=$EPOCHREALTIME
		PGOPTIONS="-c migrate.shared_graphs=off -c statement_timeout=${timeout_ms}" \
			"${PSQL[@]}" -d "h_$shape" -c "$q" >"$WORK/cancel.log" 2>&1
		t1=$EPOCHREALTIME
		if grep -q "canceling statement due to statement timeout" "$WORK/cancel.log"; then
			# the connection itself is part of the elapsed time: measured alone
			c0=$EPOCHREALTIME
			"${PSQL[@]}" -d "h_$shape" -c "SELECT 1" >/dev/null 2>&1
			c1=$EPOCHREALTIME
			late=$(awk -v a="$t0" -v b="$t1" -v c="$c0" -v d="$c1" -v t="$timeout_ms" \
				'BEGIN { printf "%.0f", ((b - a) - (d - c)) * 1000 - t }')
			printf '  %-12s %-42s canceled %4s ms after the timeout   %s\n' "$shape" "$q" "$late" \
				"$(yes_no "$late" 50)"
		else
			printf '  %-12s %-42s finished before the timeout (%s)\n' "$shape" "$q" \
				"$(secs "$t0" "$t1") s"
		fi
	done
done
