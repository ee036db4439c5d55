
# Bad input and faults: each a clear message and a non-zero exit, nothing
# half-applied, nothing recorded that did not run.  A missing or
# unreadable directory, two files with one id, a file that does not parse,
# an applied file edited, a refused connection, the server stopping
# mid-upgrade, Ctrl-C during an upgrade.  Then the modes: a
# non-transactional revision at top level, resumed after a failure;
# --each; --dry-run; waiting on another session's lock.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PgMigrateTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('faults');
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = new_dir();
my @pgm = ('pg_migrate', '-d', $node->connstr('app'), '--dir', $dir);
write_rev($dir, 'a1_users.sql', id => 'a1', message => 'users',
	up => 'CREATE TABLE users (id int PRIMARY KEY);', down => 'DROP TABLE users;');
command_ok([ @pgm, 'init' ], 'init');
command_ok([ @pgm, 'upgrade' ], 'upgrade to a1');

# the state nothing may change: version rows, log rows, tables
sub state_of
{
	return $node->safe_psql('app',
		"SELECT (SELECT string_agg(c, ',') FROM migrate.current() c) || ' / ' ||
		        (SELECT count(*) FROM migrate.log) || ' / ' ||
		        (SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public')");
}
my $start = state_of();
is($start, 'a1 / 1 / users', 'the starting state');

# ---------------------------------------------------------------------------
# the directory
# ---------------------------------------------------------------------------
command_fails_like([ 'pg_migrate', '-d', $node->connstr('app'), '--dir', "$dir/nope", 'upgrade' ],
	qr/error: could not open migrations directory ".*nope": No such file or directory\n.*hint: Run "pg_migrate init" to create it, or pass --dir\./,
	'a missing directory: what to do');
command_exit_is([ 'pg_migrate', '--dir', "$dir/nope", 'upgrade' ], 1, '... exit 1');

my $locked = PostgreSQL::Test::Utils::tempdir() . '/locked';
mkdir $locked;
chmod 0000, $locked;
command_fails_like([ 'pg_migrate', '--dir', $locked, 'current' ],
	qr/could not open migrations directory ".*locked": Permission denied/, 'an unreadable directory');
chmod 0700, $locked;

my $bad = new_dir();
write_rev($bad, 'a1_users.sql', id => 'a1', up => 'CREATE TABLE users (id int PRIMARY KEY);');
write_rev($bad, 'a1_copy.sql', id => 'a1', up => 'SELECT 1;');
command_fails_like([ 'pg_migrate', '-d', $node->connstr('app'), '--dir', $bad, 'upgrade' ],
	qr/error: files "a1_copy\.sql" and "a1_users\.sql" both declare revision "a1"/, 'two files with one id');
unlink "$bad/a1_copy.sql";
open my $fh, '>', "$bad/b2_typo.sql" or die;
print $fh "-- migrate:revision b2\n-- migrate:revises a1\n-- migrate:upgarde\nSELECT 1;\n";
close $fh;
command_fails_like([ 'pg_migrate', '-d', $node->connstr('app'), '--dir', $bad, 'upgrade' ],
	qr/error: file ".*b2_typo\.sql", line 3: unknown directive "upgarde"/, 'a file that does not parse: its name and line');
is(state_of(), $start, 'nothing changed');

# a server-side parse error names the file's line too
write_rev($bad, 'b2_typo.sql', id => 'b2', revises => 'a1', up => "SELECT 1;\nSELEC 2;");
command_fails_like([ 'pg_migrate', '-d', $node->connstr('app'), '--dir', $bad, 'upgrade' ],
	qr/error: file ".*b2_typo\.sql" was refused: syntax error at or near "SELEC" \(while loading revision "b2": upgrade section, line 5 of the file\)\n.*hint: Nothing was applied\./,
	'a syntax error in a file: refused with its line, nothing applied');
is(state_of(), $start, 'nothing changed');

# ---------------------------------------------------------------------------
# an applied file edited
# ---------------------------------------------------------------------------
write_rev($dir, 'a1_users.sql', id => 'a1', message => 'users',
	up => 'CREATE TABLE users (id bigint PRIMARY KEY);', down => 'DROP TABLE users;');
write_rev($dir, 'b2_orders.sql', id => 'b2', revises => 'a1', message => 'orders',
	up => 'CREATE TABLE orders (id int PRIMARY KEY);', down => 'DROP TABLE orders;');
command_fails_like([ @pgm, 'upgrade' ],
	qr/error: file ".*a1_users\.sql" was refused: revision "a1" is applied and its file changes its upgrade script/,
	'an edited applied file is refused');
is(state_of(), $start, '... and the new file with it: nothing applied');
is($node->safe_psql('app', "SELECT count(*) FROM migrate.revisions WHERE id = 'b2'"), '0', '... nor registered');
command_exit_is([ @pgm, 'check' ], 3, 'check exits 3 on the edited file');
write_rev($dir, 'a1_users.sql', id => 'a1', message => 'users',
	up => 'CREATE TABLE users (id int PRIMARY KEY);', down => 'DROP TABLE users;');

# ---------------------------------------------------------------------------
# connections
# ---------------------------------------------------------------------------
my $other = new_node('stopped');
my $stopped_connstr = $other->connstr('app');
$other->stop;
command_fails_like([ 'pg_migrate', '-d', $stopped_connstr, '--dir', $dir, 'upgrade' ],
	qr/error: could not connect to database app: connection to server .* failed/, 'a refused connection');

# ---------------------------------------------------------------------------
# the server stops in the middle of an upgrade; Ctrl-C
# ---------------------------------------------------------------------------
write_rev($dir, 'c3_slow.sql', id => 'c3', revises => 'b2', message => 'slow',
	up => "CREATE TABLE slow (id int);\nINSERT INTO slow VALUES (1);\nSELECT pg_sleep(120);", down => 'DROP TABLE slow;');
my $sleeping = "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'migrate: running upgrade b2 -> c3%'";

my ($out, $err) = ('', '');
my $h = IPC::Run::start([ @pgm, 'upgrade' ], '>', \$out, '2>', \$err);
ok($node->poll_query_until('app', $sleeping), 'the upgrade is inside c3');
$node->stop('immediate');
$h->finish;
is($h->result(0), 1, 'the server stopping mid-upgrade: exit 1');
like($err, qr/error: .*(server closed the connection|terminating connection)/s, '... saying the connection was lost');
like($err, qr/hint: The connection was lost: the server rolls back a transaction it did not commit/, '... and what that means');
$node->start;
is(state_of(), $start, 'after the restart nothing of b2 or c3 is applied or recorded');

($out, $err) = ('', '');
$h = IPC::Run::start([ @pgm, 'upgrade' ], '>', \$out, '2>', \$err);
ok($node->poll_query_until('app', $sleeping), 'the upgrade is inside c3 again');
$h->signal('INT');
$h->finish;
is($h->result(0), 130, 'Ctrl-C: exit 130');
like($err, qr/error: canceling statement due to user request/, '... the statement was canceled');
like($err, qr/Canceled by user: the whole run was rolled back; nothing was applied\./, '... and nothing was applied');
is(state_of(), $start, 'nothing applied or recorded');
ok($node->poll_query_until('app', "SELECT count(*) = 0 FROM pg_stat_activity WHERE datname = 'app' AND pid <> pg_backend_pid()"),
	'and the session is gone');
unlink "$dir/c3_slow.sql";

# ---------------------------------------------------------------------------
# a non-transactional revision: top-level statements, resumed after a failure
# ---------------------------------------------------------------------------
write_rev($dir, 'c3_index.sql', id => 'c3', revises => 'b2', message => 'index concurrently', nontransactional => 1,
	up => 'CREATE INDEX CONCURRENTLY orders_id ON orders (id);', down => 'DROP INDEX CONCURRENTLY orders_id;');
write_rev($dir, 'd4_broken.sql', id => 'd4', revises => 'c3', message => 'broken',
	up => 'ALTER TABLE no_such_table ADD COLUMN x int;', down => 'SELECT 1;');
($out, $err) = run_command([ @pgm, 'upgrade' ]);
like($out, qr/The plan has a non-transactional revision: each revision commits on its own\.\nRunning upgrade a1 -> b2, orders\nRunning upgrade b2 -> c3, index concurrently\nRunning upgrade c3 -> d4, broken$/,
	'a plan with CREATE INDEX CONCURRENTLY runs revision by revision');
like($err, qr/error: relation "no_such_table" does not exist\n.*detail: 2 steps were applied and committed before this one\.\n.*hint: Correct the cause and run the same command again: finished revisions are not repeated/s,
	'a failure says what is committed and how to resume');
is($node->safe_psql('app', "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_id'::regclass"), 't',
	'the concurrent index was built and is valid');
is($node->safe_psql('app', 'SELECT c FROM migrate.current() c'), 'c3', 'c3 is recorded, d4 is not');
write_rev($dir, 'd4_broken.sql', id => 'd4', revises => 'c3', message => 'fixed',
	up => 'ALTER TABLE orders ADD COLUMN x int;', down => 'ALTER TABLE orders DROP COLUMN x;');
command_like([ @pgm, 'upgrade' ], qr/^Running upgrade c3 -> d4, fixed\n\z/, 'run again: it resumes with d4 alone');

# Ctrl-C inside a non-transactional revision: what committed stays, the
# same command again finishes (the revision is written to be re-runnable)
$node->safe_psql('app', 'CREATE TABLE gate (closed boolean); INSERT INTO gate VALUES (true)');
write_rev($dir, 'd5_quick.sql', id => 'd5', revises => 'd4', message => 'quick',
	up => 'CREATE TABLE d5 (id int);', down => 'DROP TABLE d5;');
write_rev($dir, 'd6_index.sql', id => 'd6', revises => 'd5', message => 'slow index', nontransactional => 1,
	up => "DROP INDEX CONCURRENTLY IF EXISTS d5_id;\nCREATE INDEX CONCURRENTLY d5_id ON d5 (id);\nSELECT pg_sleep(120) FROM gate WHERE closed;",
	down => 'DROP INDEX CONCURRENTLY d5_id;');
($out, $err) = ('', '');
$h = IPC::Run::start([ @pgm, 'upgrade' ], '>', \$out, '2>', \$err);
ok($node->poll_query_until('app', "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%FROM gate%'"),
	'the run is inside the non-transactional d6');
$h->signal('INT');
$h->finish;
is($h->result(0), 130, 'Ctrl-C in a non-transactional revision: exit 130');
like($err, qr/error: canceling statement due to user request\n.*context: while applying non-transactional revision "d6" \(upgrade\), statement 3\n.*detail: 1 step was applied and committed before this one/s,
	'... saying where it stopped and what was committed');
is($node->safe_psql('app', 'SELECT c FROM migrate.current() c'), 'd5', 'd5 is applied, d6 is not recorded');
$node->safe_psql('app', 'UPDATE gate SET closed = false');
command_like([ @pgm, 'upgrade' ], qr/^The plan has a non-transactional revision: each revision commits on its own\.\nRunning upgrade d5 -> d6, slow index$/,
	'the same command again runs d6 from its first statement');
is($node->safe_psql('app', "SELECT indisvalid FROM pg_index WHERE indexrelid = 'd5_id'::regclass"), 't',
	'... and its index is valid');

# ---------------------------------------------------------------------------
# --each, --dry-run
# ---------------------------------------------------------------------------
write_rev($dir, 'e5_ok.sql', id => 'e5', revises => 'd6', message => 'fine', up => 'CREATE TABLE e5 (id int);', down => 'DROP TABLE e5;');
write_rev($dir, 'f6_fails.sql', id => 'f6', revises => 'e5', message => 'fails', up => 'SELECT 1/0;', down => 'SELECT 1;');
command_like([ @pgm, 'upgrade', 'e5', '--dry-run' ],
	qr/^upgrade e5, fine\n    locks: .*\nDry run of the upgrade: nothing was applied\.$/m, '--dry-run reports each step with its locks');
command_fails_like([ @pgm, 'upgrade', '--dry-run' ], qr/division by zero/, '... and the failure it would meet');
is($node->safe_psql('app', 'SELECT c FROM migrate.current() c'), 'd6', '--dry-run applies nothing');
command_fails_like([ @pgm, 'upgrade', '--each' ], qr/division by zero.*1 step was applied and committed/s,
	'--each: a failure at the second step');
is($node->safe_psql('app', 'SELECT c FROM migrate.current() c'), 'e5', '... keeps the first');
command_fails_like([ @pgm, 'upgrade' ], qr/division by zero.*hint: Nothing was applied: the whole run was rolled back\./s,
	'without --each the same failure applies nothing');
unlink "$dir/f6_fails.sql";
command_ok([ @pgm, 'upgrade', '--prune' ], 'upgrade --prune drops the unapplied revision whose file is gone');

# ---------------------------------------------------------------------------
# waiting on a lock says who holds it
# ---------------------------------------------------------------------------
write_rev($dir, 'g7_more.sql', id => 'g7', revises => 'e5', message => 'more', up => 'CREATE TABLE g7 (id int);', down => 'DROP TABLE g7;');
my $holder = $node->background_psql('app');
$holder->query_safe("SET application_name = 'another_deploy'");
my $holder_pid = $holder->query_safe('SELECT pg_backend_pid()');
$holder->query_safe('BEGIN');
$holder->query_safe('LOCK TABLE migrate.version IN ACCESS EXCLUSIVE MODE');
($out, $err) = ('', '');
$h = IPC::Run::start([ @pgm, '-v', 'upgrade' ], '>', \$out, '2>', \$err);
my $timer = IPC::Run::timer($PostgreSQL::Test::Utils::timeout_default);
$timer->start;
$h->pump until $err =~ /waiting for a lock/ || $timer->is_expired;
like($err, qr/pg_migrate: waiting for a lock held by process $holder_pid \(user \w+, application another_deploy, from local, transaction started [0-9: -]+, idle in transaction\): LOCK TABLE migrate\.version/,
	'a wait on a lock names the holder (and with -v its last statement)');
$holder->query_safe('COMMIT');
$holder->quit;
$h->finish;
is($h->result(0), 0, 'once the lock is released the upgrade completes');
like($out, qr/Running upgrade e5 -> g7, more/, '... with g7');

# ---------------------------------------------------------------------------
# errors reach the user as the server gives them, whatever the options
# ---------------------------------------------------------------------------
command_fails_like([ @pgm, 'downgrade', 'nosuch' ], qr/error: revision "nosuch" does not exist/,
	'downgrade to an unknown target without --yes: the real error');
write_rev($dir, 'h8_irreversible.sql', id => 'h8', revises => 'g7', message => 'no way back', up => 'SELECT 8;');
command_ok([ @pgm, 'upgrade' ], 'an irreversible revision applied');
command_fails_like([ @pgm, 'downgrade', '-1' ], qr/error: revision "h8" is irreversible/,
	'downgrade through it without --yes: the real error');

# a version row the graph cannot explain: the reading commands still answer,
# check finds it, stamp --purge repairs it
$node->safe_psql('app', "INSERT INTO migrate.version VALUES ('ghost')");
command_like([ @pgm, 'current' ], qr/^ghost$/m, 'current lists an unknown version row');
command_like([ @pgm, 'status' ], qr/^Problem: version table names unknown revision "ghost"/m, 'status names the problem');
command_exit_is([ @pgm, 'check' ], 3, 'check exits 3 on it');
command_fails_like([ @pgm, 'upgrade' ], qr/error: version table names unknown revision "ghost"/, 'upgrade refuses with the cause');
command_like([ @pgm, 'stamp', '--purge', 'h8' ], qr/Stamped database app: version rows h8\./, 'stamp --purge repairs it');

# a reading command does not wait behind a deploy
my $deploy = $node->background_psql('app');
$deploy->query_safe('BEGIN');
$deploy->query_safe('SELECT pg_advisory_xact_lock(1835624306, 1)');
my $t0 = time;
($out, $err) = run_command([ @pgm, 'current' ]);
like($out, qr/^h8 \(head\)$/m, 'current answers while another session holds migrate\'s lock');
like($err, qr/warning: the files are not compared with database app: another session holds migrate's lock/,
	'... and says it did not compare the files');
ok(time - $t0 < 10, '... without waiting for the deploy');
$deploy->query_safe('COMMIT');
$deploy->quit;

# two --each runs at once: the second finds the work done and succeeds
$node->safe_psql('app', 'UPDATE gate SET closed = true');
write_rev($dir, 'i9_slow.sql', id => 'i9', revises => 'h8', message => 'slow',
	up => 'CREATE TABLE i9 (id int); SELECT pg_sleep(120) FROM gate WHERE closed;', down => 'DROP TABLE i9;');
my ($out1, $err1, $out2, $err2) = ('', '', '', '');
my $first = IPC::Run::start([ @pgm, 'upgrade', '--each' ], '>', \$out1, '2>', \$err1);
ok($node->poll_query_until('app', "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'migrate: running upgrade h8 -> i9%'"),
	'a first --each run is inside i9');
my $second = IPC::Run::start([ @pgm, 'upgrade', '--each' ], '>', \$out2, '2>', \$err2);
ok($node->poll_query_until('app', "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'app'"),
	'a second waits for it');
$node->safe_psql('app', 'UPDATE gate SET closed = false');
$first->finish;
$second->finish;
is($first->result(0), 0, 'the first --each run applies i9');
is($second->result(0), 0, 'the second finishes without error');
like($out2, qr/Nothing to upgrade/, '... having nothing left to do');
is($node->safe_psql('app', "SELECT count(*) FROM migrate.log WHERE revision = 'i9' AND operation = 'upgrade'"), '1',
	'i9 ran once');

# a relative target is not planned again when another deploy moved the
# version rows: "+2" from where this run started, not from where it ended
$node->safe_psql('postgres', 'CREATE DATABASE relative');
$node->safe_psql('relative', 'CREATE TABLE gate (closed boolean); INSERT INTO gate VALUES (true)');
my $rdir = new_dir();
write_rev($rdir, 'r1.sql', id => 'r1', up => 'SELECT pg_sleep(120) FROM gate WHERE closed;', down => 'SELECT 1;');
write_rev($rdir, 'r2.sql', id => 'r2', revises => 'r1', up => 'SELECT 2;', down => 'SELECT 2;');
write_rev($rdir, 'r3.sql', id => 'r3', revises => 'r2', up => 'SELECT 3;', down => 'SELECT 3;');
write_rev($rdir, 'r4.sql', id => 'r4', revises => 'r3', up => 'SELECT 4;', down => 'SELECT 4;');
my @rel = ('pg_migrate', '-d', $node->connstr('relative'), '--dir', $rdir);
command_ok([ @rel, 'init' ], 'init');
command_ok([ @rel, 'status' ], 'status');
($out1, $err1) = ('', '');
$first = IPC::Run::start([ @rel, 'upgrade', '--each', '+2' ], '>', \$out1, '2>', \$err1);
ok($node->poll_query_until('relative', "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event = 'PgSleep'"),
	'upgrade --each +2 is inside r1');
my $other_deploy = IPC::Run::start([ @rel, 'upgrade', 'r2' ]);
ok($node->poll_query_until('relative', "SELECT count(*) > 0 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = 'relative'"),
	'another deploy to r2 waits for it');
$node->safe_psql('relative', 'UPDATE gate SET closed = false');
$first->finish;
$other_deploy->finish;
is($first->result(0), 1, 'the relative run stops when its plan is out of date');
like($err1, qr/error: revision "r2" is already applied/, '... saying why');
is($node->safe_psql('relative', 'SELECT c FROM migrate.current() c'), 'r2',
	'and it did not go on past r2 (+2 from r1 would have been r3 or r4)');

# a revision whose file is gone is not applied by upgrade
command_ok([ @pgm, 'upgrade', 'i9' ], 'nothing to do');
write_rev($dir, 'j10_gone.sql', id => 'j10', revises => 'i9', message => 'gone soon', up => 'CREATE TABLE j10 (id int);', down => 'DROP TABLE j10;');
command_ok([ @pgm, 'status' ], 'status');
command_ok([ @pgm, 'upgrade', 'i9' ], 'upgrade to i9 registers j10');
unlink "$dir/j10_gone.sql";
command_fails_like([ @pgm, 'upgrade' ],
	qr/error: revision "j10" would be applied, but no file in .* carries it\n.*hint: Restore its file, or run "pg_migrate upgrade --prune"/s,
	'upgrade refuses a revision registered from a file that is gone');
is($node->safe_psql('app', "SELECT count(*) FROM pg_tables WHERE tablename = 'j10'"), '0', '... and applies nothing');
command_ok([ @pgm, 'upgrade', '--prune' ], 'upgrade --prune drops it');

# a *.sql entry that is not a file is an error, not a revision gone
symlink "$dir/nowhere.sql", "$dir/l12_link.sql";
command_fails_like([ @pgm, 'status' ], qr/error: ".*l12_link\.sql" is not a readable revision file: a link to nothing/,
	'a dangling link named *.sql stops the command');
unlink "$dir/l12_link.sql";

# a file that is not UTF-8
open my $latin, '>', "$dir/k11_latin1.sql" or die;
print $latin "-- migrate:revision k11\n-- migrate:revises i9\n-- migrate:upgrade\nSELECT 'caf\xe9';\n";
close $latin;
command_fails_like([ @pgm, 'status' ], qr/error: file ".*k11_latin1\.sql", line 4: invalid UTF-8/,
	'a file that is not UTF-8 is named, with its line');
unlink "$dir/k11_latin1.sql";

# a deployer granted what README.md's "Privileges" grants
$node->safe_psql('app', q{
CREATE ROLE deployer LOGIN;
GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean),
                          migrate.load(text), migrate.sync(text[], text[], boolean),
                          migrate.stamp(text, boolean), migrate.stamp(text[], boolean)
   TO deployer;
GRANT EXECUTE ON PROCEDURE migrate.upgrade_each(text), migrate.downgrade_each(text)
   TO deployer;
GRANT EXECUTE ON FUNCTION migrate.apply_step(text, text, text),
                          migrate.begin_step(text, text, text),
                          migrate.end_step(text, text, text) TO deployer;
GRANT SELECT ON migrate.revisions TO deployer;
GRANT SELECT ON migrate.log TO deployer;
GRANT CREATE ON SCHEMA public TO deployer;
CREATE ROLE watcher LOGIN;
});
write_rev($dir, 'k11_by_deployer.sql', id => 'k11', revises => 'i9', message => 'by the deployer',
	up => 'CREATE TABLE k11 (id int);', down => 'DROP TABLE k11;');
command_like([ @pgm, '-U', 'deployer', 'upgrade' ], qr/^Running upgrade i9 -> k11, by the deployer$/m,
	'the deployer of README.md upgrades with pg_migrate');
command_like([ @pgm, '-U', 'deployer', 'downgrade', '-1', '--yes' ], qr/^Running downgrade k11 -> i9/m, '... and downgrades');
command_like([ @pgm, '-U', 'deployer', 'upgrade', '--each' ], qr/^Running upgrade i9 -> k11/m, '... also one commit per revision');
# a role that may downgrade but not read the scripts: the check cannot
# read them, so it asks for --backup or --yes
$node->safe_psql('app', q{
CREATE ROLE blind LOGIN;
GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.downgrade(text, boolean),
                          migrate.sync(text[], text[], boolean) TO blind;
GRANT ALL ON TABLE k11 TO blind;
});
command_fails_like([ @pgm, '-U', 'blind', 'downgrade', '-1' ],
	qr/warning: the downgrade's scripts cannot be checked .*\n.*error: downgrade of database app not run: it may delete data\n.*GRANT SELECT ON migrate\.revisions/s,
	'a downgrade whose scripts cannot be checked is not run without --backup or --yes');
is($node->safe_psql('app', 'SELECT c FROM migrate.current() c'), 'k11', '... nothing ran');
($out, $err) = run_command([ @pgm, '-U', 'watcher', 'status' ]);
like($err, qr/warning: the files are not compared with database app: no EXECUTE on migrate\.sync\(\)/,
	'a role that may only read is told the files were not compared');
like($out, qr/^Directory .*: \d+ files, not compared with the database$/m, '... and status says so');
command_fails_like([ @pgm, '-U', 'watcher', 'check' ], qr/error: the files could not be compared with database app/,
	'check fails when it cannot compare');

# files are sent as UTF-8 whatever PGCLIENTENCODING says
write_rev($dir, 'k12_cafe.sql', id => 'k12', revises => 'k11', message => "caf\xc3\xa9",
	up => 'SELECT 12;', down => 'SELECT 12;');
{
	local $ENV{PGCLIENTENCODING} = 'LATIN1';
	command_ok([ @pgm, 'upgrade' ], 'an upgrade with PGCLIENTENCODING=LATIN1');
}
is($node->safe_psql('app', "SELECT encode(convert_to(message, 'UTF8'), 'hex') FROM migrate.revisions WHERE id = 'k12'"),
	'636166c3a9', '... stores the UTF-8 message unchanged');

# the downgrade check reads statements as the server would
$node->safe_psql('postgres', 'CREATE DATABASE dataloss');
my $ddir = new_dir();
write_rev($ddir, 'dl_all.sql', id => 'dl', message => 'many kinds of drop',
	up => "CREATE TABLE dl1 (id int); CREATE TABLE dl2 (a int NOT NULL, x int, y int, CONSTRAINT dl2_c CHECK (a > 0)); CREATE TABLE dl3 (id int); CREATE TYPE mood AS ENUM ('ok');",
	down => "/* revert */ DROP TABLE\"dl1\";\nSELECT 1 -- don't\n;\nSELECT E'it\\'s';\nALTER TABLE dl2 DROP CONSTRAINT dl2_c, DROP COLUMN x;\nALTER TABLE dl2 ADD COLUMN n numeric(10,2), DROP COLUMN y;\nALTER TABLE dl2 ALTER COLUMN a DROP NOT NULL;\nWITH d AS (DELETE FROM dl3 RETURNING *) SELECT 1;\nDO \$\$BEGIN PERFORM 1; END\$\$;\nSELECT 'DROP TABLE x';\nDROP TYPE mood CASCADE;");
my @dl = ('pg_migrate', '-d', $node->connstr('dataloss'), '--dir', $ddir);
command_ok([ @dl, 'init' ], 'init');
command_ok([ @dl, 'upgrade' ], 'upgrade');
command_fails_like([ @dl, 'downgrade', 'base' ],
	qr/warning: this downgrade deletes data \(5 statements\): DROP TABLE"dl1"; ALTER TABLE dl2 DROP CONSTRAINT dl2_c, DROP COLUMN x; ALTER TABLE dl2 ADD COLUMN n numeric\(10,2\), DROP COLUMN y; WITH d AS \(DELETE FROM dl3 RETURNING \*\) SELECT 1; DROP TYPE mood CASCADE\n/,
	'comments, quotes, E strings, subcommands and CTEs are read as the server reads them');

$node->stop;
done_testing();
