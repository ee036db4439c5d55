
# Shared helpers of migrate's fault tests (t/0*.pl).
#
# Every scenario uses one database holding the same five-revision chain:
#
#   r1  create t1, fill it
#   r2  create t2 (foreign key to t1)
#   r3  "long": create and fill t3, add column t1.c3, then read table "gate";
#       a session holding ACCESS EXCLUSIVE on gate parks r3 right there,
#       with its work done and uncommitted; then an index on t3
#   r4  create t4 (identity column, foreign key to t3)
#   r5  create view v5 over t1 and t3
#
# Every script appends its id to table "trace" in the same transaction, so
# trace lists the script runs that committed: exactly once each, or the
# test fails.  check_state() compares version table, log, trace, the list
# of relations and a catalog fingerprint of the schema (against a
# database upgraded cleanly to the same revision) in one go.  Sessions are sequenced with locks and poll_query_until on
# pg_locks / pg_stat_activity, never with sleeps.
package MigrateFault;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(
  @REVS new_node setup_db reference_fingerprints check_state
  final_upgrade hold_gate start_runner wait_parked_in end_session
  backend_pid wait_until crash_restart);

our @REVS = qw(r1 r2 r3 r4 r5);

# the relations (besides gate and trace) each revision leaves in public
my %RELS = (
	r1 => ['t1', 't1_pkey'],
	r2 => ['t2', 't2_pkey'],
	r3 => [ 't3', 't3_payload_idx', 't3_pkey' ],
	r4 => [ 't4', 't4_id_seq' ],
	r5 => ['v5']);

my $SETUP = <<'SQL';
CREATE EXTENSION migrate;
CREATE TABLE gate (id int);
CREATE TABLE trace (id serial PRIMARY KEY, rev text NOT NULL);
SELECT migrate.revision('create t1',
  upgrade => $$CREATE TABLE t1 (id int PRIMARY KEY, v text);
INSERT INTO t1 SELECT g, 'v' || g FROM generate_series(1, 1000) g;
INSERT INTO trace (rev) VALUES ('r1');$$,
  downgrade => 'DROP TABLE t1', id => 'r1');
SELECT migrate.revision('create t2',
  upgrade => $$CREATE TABLE t2 (id int PRIMARY KEY, t1_id int REFERENCES t1);
INSERT INTO trace (rev) VALUES ('r2');$$,
  downgrade => 'DROP TABLE t2', id => 'r2');
SELECT migrate.revision('long r3',
  upgrade => $$CREATE TABLE t3 (id int PRIMARY KEY, payload text);
INSERT INTO t3 SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
ALTER TABLE t1 ADD COLUMN c3 int NOT NULL DEFAULT 3;
INSERT INTO trace (rev) VALUES ('r3');
SELECT count(*) FROM gate;
CREATE INDEX t3_payload_idx ON t3 (payload);$$,
  downgrade => 'DROP TABLE t3; ALTER TABLE t1 DROP COLUMN c3', id => 'r3');
SELECT migrate.revision('create t4',
  upgrade => $$CREATE TABLE t4 (id bigint GENERATED ALWAYS AS IDENTITY, t3_id int REFERENCES t3);
INSERT INTO trace (rev) VALUES ('r4');$$,
  downgrade => 'DROP TABLE t4', id => 'r4');
SELECT migrate.revision('view v5',
  upgrade => $$CREATE VIEW v5 AS SELECT t1.id, t1.c3, t3.payload FROM t1 JOIN t3 USING (id);
INSERT INTO trace (rev) VALUES ('r5');$$,
  downgrade => 'DROP VIEW v5', id => 'r5');
SQL

# the user schema as catalog rows: relations, columns, constraints,
# indexes, views (not data; trace's contents are checked separately)
my $FINGERPRINT = <<'SQL';
SELECT string_agg(x, E'\n' ORDER BY x) FROM (
  SELECT format('rel %s %s', c.relname, c.relkind) AS x
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('col %s.%s %s notnull=%s default=%s identity=%s', c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('con %s %s', conname, pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT format('idx %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
  UNION ALL
  SELECT format('view %s %s', viewname, definition) FROM pg_views WHERE schemaname = 'public'
) s
SQL

# a started cluster
sub new_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->start;
	return $node;
}

sub setup_db
{
	my ($node, $db) = @_;
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, $SETUP);
	return;
}

# fingerprint of the schema after a clean upgrade to 0, 1, ..., 5
# revisions, made step by step in a database of its own
sub reference_fingerprints
{
	my ($node) = @_;
	setup_db($node, 'reference');
	my @fp = ($node->safe_psql('reference', $FINGERPRINT));
	for my $rev (@REVS)
	{
		$node->safe_psql('reference', "SELECT count(*) FROM migrate.upgrade('$rev')");
		push @fp, $node->safe_psql('reference', $FINGERPRINT);
	}
	return \@fp;
}

sub q1
{
	my ($node, $db, $sql) = @_;
	return $node->safe_psql($db, $sql,
		timeout => $PostgreSQL::Test::Utils::timeout_default);
}

# Assert that version table, log, trace and schema all say that exactly
# the first scalar(@$applied) revisions are applied, that verify() is
# clean and that no session still holds an advisory lock.  mid_run => 1:
# a migration is still running, so skip the lock check and the full
# schema fingerprint (its pg_get_expr() would wait for the running step's
# ACCESS EXCLUSIVE lock on t1); the relation list is still compared.
sub check_state
{
	my ($node, $db, $label, $applied, $fps, %opt) = @_;
	my @a = @$applied;
	local $Test::Builder::Level = $Test::Builder::Level + 1;

	is(q1($node, $db, "SELECT coalesce(string_agg(r, ','), '') FROM migrate.current() r"),
		@a ? $a[-1] : '', "$label: version table holds " . (@a ? $a[-1] : 'no rows'));

	my @log;
	for my $i (0 .. $#a)
	{
		push @log, sprintf('%s upgrade {%s}->{%s} ok',
			$a[$i], $i ? $a[ $i - 1 ] : '', $a[$i]);
	}
	if ($opt{failed})
	{
		# failed => [rev, sqlstate]: an upgrade_each failure row for rev,
		# logged after its predecessors' rows, heads unchanged
		my ($rev, $state) = @{ $opt{failed} };
		my ($j) = grep { $REVS[$_] eq $rev } 0 .. $#REVS;
		my $prev = $j ? $REVS[ $j - 1 ] : '';
		splice @log, $j, 0, "$rev upgrade {$prev}->{$prev} $state";
	}
	is( q1(
			$node, $db,
			"SELECT coalesce(string_agg(format('%s %s %s->%s %s', revision, operation,
                    heads_before, heads_after, coalesce(sqlstate, 'ok')), E'\\n' ORDER BY id), '')
               FROM migrate.log"),
		join("\n", @log),
		"$label: migrate.log has one upgrade row for each of ["
		  . join(',', @a) . "]"
		  . ($opt{failed} ? " and the failure of $opt{failed}[0]" : '')
		  . ", nothing else");
	is(q1($node, $db,
			"SELECT count(*) FROM migrate.log l JOIN migrate.revisions r ON r.id = l.revision
              WHERE l.checksum IS DISTINCT FROM r.checksum"),
		'0', "$label: every log row carries its revision's checksum");

	is(q1($node, $db, "SELECT coalesce(string_agg(rev, ',' ORDER BY id), '') FROM trace"),
		join(',', @a), "$label: trace shows each applied script ran once, no other script");

	my @rels = sort('gate', 'trace', 'trace_pkey', 'trace_id_seq', map { @{ $RELS{$_} } } @a);
	is(q1($node, $db,
			"SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
              WHERE relnamespace = 'public'::regnamespace"),
		join(',', sort @rels), "$label: public holds exactly the relations of the applied revisions");
	# (pg_get_expr() locks the table, which a running step may hold)
	is(q1($node, $db, $FINGERPRINT), $fps->[ scalar @a ],
		"$label: schema equals a clean upgrade to " . (@a ? $a[-1] : 'base'))
	  unless $opt{mid_run};

	my $problems = q1($node, $db, "SELECT string_agg(format('%s: %s (%s)', revision, problem, detail), E'\\n') FROM migrate.verify()");
	is($problems, '', "$label: verify() returns no rows");

	is(q1($node, $db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"),
		'0', "$label: no advisory lock is left behind")
	  unless $opt{mid_run};
	return;
}

# the next upgrade('heads') runs exactly the missing revisions; then all
# five are applied once
sub final_upgrade
{
	my ($node, $db, $label, $applied, $fps, %opt) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my %done = map { $_ => 1 } @$applied;
	my @rest = grep { !$done{$_} } @REVS;

	is(q1($node, $db, "SELECT coalesce(string_agg(revision, ','), '') FROM migrate.upgrade('heads')"),
		join(',', @rest), "$label: next upgrade('heads') runs exactly [" . join(',', @rest) . "]");
	check_state($node, $db, "$label, upgraded", \@REVS, $fps, %opt);
	is(q1($node, $db, "SELECT (SELECT count(*) FROM t1 WHERE c3 = 3) || ' ' || (SELECT count(*) FROM t3) || ' ' || (SELECT count(*) FROM v5)"),
		'1000 20000 1000', "$label, upgraded: data of t1, t3 and v5 complete");
	return;
}

sub backend_pid
{
	my ($session) = @_;
	my $pid = $session->query_safe('SELECT pg_backend_pid()');
	$pid =~ s/\s+//g;
	return $pid;
}

sub wait_until
{
	my ($node, $db, $what, $sql) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	ok($node->poll_query_until($db, $sql), $what)
	  or BAIL_OUT("timed out waiting: $what\n"
		  . $node->safe_psql($db, "SELECT pid, state, wait_event_type, wait_event, query FROM pg_stat_activity"));
	return;
}

# a session holding ACCESS EXCLUSIVE on gate in an open transaction
sub hold_gate
{
	my ($node, $db) = @_;
	my $gate = $node->background_psql($db);
	$gate->query_safe('BEGIN; LOCK TABLE gate IN ACCESS EXCLUSIVE MODE;');
	return $gate;
}

# a session that has sent $sql and is not waiting for its result;
# returns (session, backend pid)
sub start_runner
{
	my ($node, $db, $sql) = @_;
	my $s = $node->background_psql($db, on_error_stop => 0);
	my $pid = backend_pid($s);
	$s->query_until(qr/started/, "\\echo started\n$sql;\n");
	return ($s, $pid);
}

# wait until backend $pid runs revision r3's script and waits for gate
sub wait_parked_in
{
	my ($node, $db, $pid, $what) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	wait_until($node, $db, $what,
		"SELECT EXISTS (SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
           WHERE l.pid = $pid AND l.relation = 'gate'::regclass AND NOT l.granted
             AND a.query = 'migrate: running upgrade r2 -> r3, long r3')");
	return;
}

# wait for a background session's psql to exit; returns (exit code,
# stderr).  A session that may still be idle is told to quit (\q) first;
# a session whose query was cut off exits by itself.
sub end_session
{
	my ($s, %opt) = @_;
	$s->{stdin} .= "\\q\n" if $opt{quit};
	eval { $s->{run}->finish; };
	my $rc = eval { $s->{run}->result(0) };
	return ($rc, $s->{stderr});
}

# stop the server with -m immediate, start it again, and check that the
# start went through crash recovery
sub crash_restart
{
	my ($node, $label) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $offset = -s $node->logfile;
	$node->stop('immediate');
	$node->start;
	like(
		substr(slurp_file($node->logfile), $offset),
		qr/database system was not properly shut down; automatic recovery in progress/,
		"$label: the restart ran crash recovery");
	return;
}

1;
