
# The daily loop of a team whose migrations are files: init, create, edit,
# upgrade, current, downgrade -1, a branch, merge heads, stamp; the
# reading commands; a directory whose file names sort against the order
# of its revisions; --json.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PgMigrateTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('loop');
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = PostgreSQL::Test::Utils::tempdir() . '/migrations';
my @pgm = ('pg_migrate', '-d', $node->connstr('app'), '--dir', $dir);

# ---------------------------------------------------------------------------
# help, version, usage errors
# ---------------------------------------------------------------------------
program_help_ok('pg_migrate');
program_version_ok('pg_migrate');
program_options_handling_ok('pg_migrate');
command_like([ 'pg_migrate', 'upgrade', '--help' ], qr/Usage:\n  pg_migrate \[OPTION\]\.\.\. upgrade \[TARGET\]/,
	'each command has its own --help');
command_like([ 'pg_migrate', 'help', 'stamp' ], qr/stamp TARGET\.\.\. \[--purge\]/, 'pg_migrate help COMMAND');
command_exit_is([ 'pg_migrate', 'frobnicate' ], 2, 'an unknown command is a usage error (exit 2)');
command_fails_like([ 'pg_migrate', 'frobnicate' ], qr/unknown command "frobnicate"/, '... and says which');
command_exit_is([ 'pg_migrate' ], 2, 'no command is a usage error');
command_exit_is([ 'pg_migrate', 'revision' ], 2, 'revision without -m is a usage error');
command_fails_like([ 'pg_migrate', 'current', '-m', 'x' ], qr/does not apply to current/,
	'an option of another command is refused');
command_fails_like([ 'pg_migrate', 'revision', '-m', "two\nlines" ], qr/one line/, 'a message is one line');
command_fails_like([ 'pg_migrate', 'revision', '-m', ' ' ], qr/the message must not be empty/, 'a message is not empty');
command_fails_like([ 'pg_migrate', 'upgrade', '--yes' ], qr/option --yes does not apply to upgrade/,
	'the option that does not apply is named');
command_fails_like([ 'pg_migrate', 'merge', '-m', 'x', '--head', 'a1' ], qr/option --head does not apply to merge/,
	'merge takes no --head');
command_exit_is([ 'pg_migrate', 'sql', '--downgrade' ], 2, 'sql --downgrade without a target is a usage error');
command_fails_like([ 'pg_migrate', 'history', '-r', 'a:', 'b:' ], qr/history takes its range once/, 'one range');
my $empty_list = PostgreSQL::Test::Utils::tempdir() . '/tenants.txt';
open my $el, '>', $empty_list or die;
print $el "# nobody yet\n\n";
close $el;
command_fails_like([ 'pg_migrate', '--dbname-file', $empty_list, '--dir', PostgreSQL::Test::Utils::tempdir(), 'upgrade' ],
	qr/error: file ".*tenants\.txt" names no database/, 'a --dbname-file that names no database is an error, not the default database');

# ---------------------------------------------------------------------------
# init, create, edit, upgrade
# ---------------------------------------------------------------------------
command_like([ @pgm, 'init' ], qr/Created directory .*\nExtension migrate 0\.6 is installed in database app\./,
	'init creates the directory and the extension');
ok(-d $dir, 'the directory exists');
command_like([ @pgm, 'init' ], qr/Directory .* exists\./, 'init again is harmless');

command_like([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'Create users', '--rev-id', 'a1' ],
	qr/^Generating \Q$dir\E\/a1_create_users\.sql \.\.\. done$/m, 'revision writes <id>_<slug>.sql');
is(slurp_file("$dir/a1_create_users.sql"),
	"-- migrate:revision a1\n-- migrate:message Create users\n-- migrate:upgrade\n\n-- migrate:downgrade\n\n",
	'the first revision is a root with its header filled');
command_like([ 'pg_migrate', '--dir', $dir, 'create', '-m', 'add e-mail!', '--rev-id', 'b2' ],
	qr/b2_add_e_mail\.sql/, 'create is an alias; the slug keeps letters and digits');
like(slurp_file("$dir/b2_add_e_mail.sql"), qr/^-- migrate:revision b2\n-- migrate:revises a1\n/,
	'the next revision builds on the head of the files');

# the user edits the files
write_rev($dir, 'a1_create_users.sql', id => 'a1', message => 'Create users',
	up => 'CREATE TABLE users (id int PRIMARY KEY);', down => 'DROP TABLE users;');
write_rev($dir, 'b2_add_e_mail.sql', id => 'b2', revises => 'a1', message => 'add e-mail!',
	up => 'ALTER TABLE users ADD COLUMN email text;', down => 'ALTER TABLE users DROP COLUMN email;');

command_like([ @pgm, 'upgrade' ],
	qr/^Running upgrade  -> a1, Create users\nRunning upgrade a1 -> b2, add e-mail!\n\z/,
	'upgrade prints Alembic\'s lines, one per step');
is($node->safe_psql('app', "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'users'"),
	'id,email', 'both revisions ran');
command_like([ @pgm, 'current' ], qr/^b2 \(head\)\n\z/, 'current marks the head');
command_like([ @pgm, 'upgrade' ], qr/Nothing to upgrade: database app is already at head\./,
	'upgrade with nothing to do says so');

# ---------------------------------------------------------------------------
# downgrade -1: it deletes a column, so it asks for a backup or --yes
# ---------------------------------------------------------------------------
$node->safe_psql('app', "INSERT INTO users VALUES (1, 'ann\@example.com')");
command_fails_like([ @pgm, 'downgrade', '-1' ],
	qr/warning: this downgrade deletes data \(1 statement\): ALTER TABLE users DROP COLUMN email.*error: downgrade of database app not run: it deletes data\n.*hint: Pass --backup to take a pg_dump first, or --yes/s,
	'a downgrade that drops a column is refused without --backup or --yes when no terminal can ask');
is($node->safe_psql('app', 'SELECT email FROM users'), 'ann@example.com', '... and the column is still there');
command_like([ @pgm, 'downgrade', '-1', '--yes' ], qr/^Running downgrade b2 -> a1, add e-mail!\n/,
	'downgrade -1 --yes goes one step back');
command_like([ @pgm, 'current' ], qr/^a1\n\z/, 'current is a1, no longer a head');
command_like([ @pgm, 'upgrade' ], qr/Running upgrade a1 -> b2/, 'upgrade again');

# ---------------------------------------------------------------------------
# a branch, --splice, merge
# ---------------------------------------------------------------------------
command_ok([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'reporting', '--head', 'base',
	'--branch-label', 'reporting', '--rev-id', 'r1' ], 'revision --head base starts a new root');
unlike(slurp_file("$dir/r1_reporting.sql"), qr/revises/, '... with no down revision');
like(slurp_file("$dir/r1_reporting.sql"), qr/^-- migrate:branch-labels reporting$/m, '... and its label');
command_fails_like([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'x' ],
	qr/error: the files have 2 heads: b2, r1\n.*hint: Pass --head/s,
	'with two heads, revision asks which one');
command_ok([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'report views', '--head', 'reporting@head', '--rev-id', 'r2' ],
	'--head label@head builds on that branch');
like(slurp_file("$dir/r2_report_views.sql"), qr/^-- migrate:revises r1$/m, '... on r1');
command_fails_like([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'fix', '--head', 'a1' ],
	qr/revision "a1" is not a head\n.*--splice/s, '--head naming a non-head needs --splice');
command_ok([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'hotfix', '--head', 'a1', '--splice', '--rev-id', 's1' ],
	'--splice branches from a1');
write_rev($dir, 'r1_reporting.sql', id => 'r1', message => 'reporting', labels => 'reporting',
	up => 'CREATE SCHEMA reporting;', down => 'DROP SCHEMA reporting;');
write_rev($dir, 'r2_report_views.sql', id => 'r2', revises => 'r1', message => 'report views',
	up => 'CREATE VIEW reporting.user_count AS SELECT count(*) FROM users;', down => 'DROP VIEW reporting.user_count;');
command_like([ 'pg_migrate', '--dir', $dir, 'merge', '-m', 'merge everything', '--rev-id', 'm1' ],
	qr/m1_merge_everything\.sql/, 'merge of all heads');
like(slurp_file("$dir/m1_merge_everything.sql"), qr/^-- migrate:revises b2, r2, s1$/m, '... revises the three heads');
command_fails_like([ 'pg_migrate', '--dir', $dir, 'merge', '-m', 'again', 'm1' ],
	qr/a merge needs at least two revisions/, 'merge of one revision is refused');
command_fails_like([ 'pg_migrate', '--dir', $dir, 'merge', '-m', 'again', 'a1', 'm1' ],
	qr/revision "a1" is an ancestor of "m1"/, 'merge of a revision with its descendant is refused');
command_fails_like([ 'pg_migrate', '--dir', $dir, 'revision', '-m', 'x', '--rev-id', 'reporting', '--head', 'm1' ],
	qr/"reporting" is already a branch label in the files/, '--rev-id may not be a label');
my ($jout) = run_command([ 'pg_migrate', '--dir', $dir, '--json', 'revision', '-m', 'json please', '--rev-id', 'j1', '--head', 'm1' ]);
is(decode_json($jout)->{revision}, 'j1', 'revision --json names the revision');
unlink glob("$dir/j1_*.sql");

command_like([ @pgm, 'heads' ], qr/^m1 \(head\)\n\z/, 'heads: one, the merge');
command_like([ @pgm, 'branches' ], qr/^a1 \(branchpoint\)\n    -> b2, add e-mail!\n    -> s1, hotfix\n\z/,
	'branches lists a1 and what follows it');
command_like([ @pgm, 'status' ],
	qr/Directory .*: 6 files, 4 new, 0 changed, 0 refused; 0 registered revisions have no file\nApplied: b2\nHeads: m1\nPending: 4 steps: /,
	'status: new files, applied rows, pending steps');
command_exit_is([ @pgm, 'status', '--exit-code' ], 3, 'status --exit-code exits 3 when steps are pending');
command_like([ @pgm, 'upgrade', 'heads' ], qr/Running upgrade b2, r2, s1 -> m1, merge everything/,
	'upgrade heads runs the branch and the merge');
command_exit_is([ @pgm, 'status', '--exit-code' ], 0, 'then nothing is pending');
command_like([ @pgm, 'history' ],
	qr/^b2, r2, s1 -> m1 \(head\) \(mergepoint\), merge everything\n/,
	'history, newest first, marks the merge');
command_like([ @pgm, 'history' ], qr/^<base> -> a1 \(branchpoint\), Create users$/m, '... and the root');
command_like([ @pgm, 'history', '-r', 'r1:r2' ], qr/^r1 -> r2, report views\n<base> -> r1, reporting\n\z/,
	'history -r a range');
command_like([ @pgm, 'show', 'r2' ],
	qr/^Rev: r2\nParent: r1\nNext: m1\nPath: \Q$dir\E\/r2_report_views\.sql\nApplied: yes\n/,
	'show names the file');
command_like([ @pgm, 'check' ], qr/No problems found in database app\./, 'check finds nothing wrong');

# ---------------------------------------------------------------------------
# stamp
# ---------------------------------------------------------------------------
command_like([ @pgm, 'stamp', 'a1', '--purge' ], qr/^Running stamp m1 -> a1\nStamped database app: version rows a1\.\n\z/, 'stamp --purge');
command_like([ @pgm, 'current' ], qr/^a1\n\z/, 'current follows the stamp');
is($node->safe_psql('app', "SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'"), '1',
	'stamp ran no script');
command_like([ @pgm, 'stamp', 'heads' ], qr/version rows m1/, 'stamp heads');

# ---------------------------------------------------------------------------
# sql, json
# ---------------------------------------------------------------------------
command_like([ @pgm, 'sql', 'a1:b2' ], qr/^BEGIN;\n.*^ALTER TABLE users ADD COLUMN email text;\n/ms,
	'sql FROM:TO prints the offline script');
command_like([ @pgm, 'sql', '--downgrade', 'm1:r2' ], qr/^-- running downgrade m1 -> b2, r2, s1, merge everything$/m,
	'sql --downgrade');

write_rev($dir, 'c3_index.sql', id => 'c3', revises => 'm1', message => 'index e-mail',
	up => 'CREATE INDEX users_email ON users (email);', down => 'DROP INDEX users_email;');
my ($out, $err);
run_command([ @pgm, '--json', 'upgrade' ]);
my ($stdout) = run_command([ @pgm, '--json', 'downgrade', '-1' ]);
my $j = decode_json($stdout);
is($j->{database}, 'app', '--json: the database');
is($j->{result}, 'ok', '--json: the result');
is($j->{steps}[0]{revision}, 'c3', '--json: the steps');
ok($j->{steps}[0]{duration_ms} >= 0, '--json: with durations');
is($j->{error}, undef, '--json: no error');

# ---------------------------------------------------------------------------
# files named against the order of their revisions
# ---------------------------------------------------------------------------
$node->safe_psql('postgres', 'CREATE DATABASE rev_order');
my $rdir = new_dir();
write_rev($rdir, '1_last.sql', id => 'z3', revises => 'y2', up => 'CREATE TABLE t3 (id int REFERENCES t2);');
write_rev($rdir, '2_middle.sql', id => 'y2', revises => 'x1', up => 'CREATE TABLE t2 (id int PRIMARY KEY REFERENCES t1);');
write_rev($rdir, '3_first.sql', id => 'x1', up => 'CREATE TABLE t1 (id int PRIMARY KEY);');
my @r = ('pg_migrate', '-d', $node->connstr('rev_order'), '--dir', $rdir);
command_ok([ @r, 'init' ], 'init another database');
command_like([ @r, 'upgrade' ], qr/^Running upgrade  -> x1\nRunning upgrade x1 -> y2\nRunning upgrade y2 -> z3\n\z/,
	'a directory in reverse order registers parents first');
is($node->safe_psql('rev_order', 'SELECT * FROM migrate.current()'), 'z3', 'all applied');

# files removed: stale, then pruned when unapplied
write_rev($rdir, '0_extra.sql', id => 'w4', revises => 'z3', up => 'SELECT 1;');
command_ok([ @r, 'status' ], 'status registers nothing');
is($node->safe_psql('rev_order', "SELECT count(*) FROM migrate.revisions WHERE id = 'w4'"), '0',
	'status rolls back its sync');
command_ok([ @r, 'upgrade', 'z3' ], 'upgrade to z3 registers w4 without applying it');
unlink "$rdir/0_extra.sql";
command_like([ @r, 'status', '-v' ], qr/^missing   w4: not applied; prune removes it$/m, 'status -v lists a revision no file carries');
command_exit_is([ @r, 'check' ], 3, 'check exits 3 on a revision without a file');
command_fails_like([ 'pg_migrate', '-d', $node->connstr('rev_order'), '--dir', PostgreSQL::Test::Utils::tempdir(), 'upgrade', '--prune' ],
	qr/--prune with an empty migrations directory would drop every unapplied revision/,
	'--prune refuses an empty directory');
command_like([ @r, 'upgrade', '--prune' ], qr/^Pruned w4: no file carries it, and it was not applied$/m, 'upgrade --prune says what it drops');
is($node->safe_psql('rev_order', "SELECT count(*) FROM migrate.revisions WHERE id = 'w4'"), '0', 'w4 is pruned');

$node->stop;
done_testing();
