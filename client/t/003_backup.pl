
# --backup on upgrade and downgrade: pg_dump -Fc first, to the given file
# or a timestamped one, and nothing runs when the dump fails.  The dump
# restores: the data and the version rows from before the upgrade.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use PgMigrateTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('backup');
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = new_dir();
my $tmp = PostgreSQL::Test::Utils::tempdir();
my @pgm = ('pg_migrate', '-d', $node->connstr('app'), '--dir', $dir);
write_rev($dir, 'a1_users.sql', id => 'a1', message => 'users',
	up => 'CREATE TABLE users (id int PRIMARY KEY, name text);', down => 'DROP TABLE users;');
command_ok([ @pgm, 'init' ], 'init');
command_ok([ @pgm, 'upgrade' ], 'upgrade to a1');
$node->safe_psql('app', "INSERT INTO users VALUES (1, 'ann'), (2, 'bob')");

write_rev($dir, 'b2_drop_name.sql', id => 'b2', revises => 'a1', message => 'drop name',
	up => 'ALTER TABLE users DROP COLUMN name;', down => 'ALTER TABLE users ADD COLUMN name text;');
command_like([ @pgm, 'upgrade', "--backup=$tmp/before_b2.dump" ],
	qr/^Backup of database app written to \Q$tmp\E\/before_b2\.dump \([0-9.]+ s\)\nRunning upgrade a1 -> b2, drop name\n/,
	'upgrade --backup=FILE dumps first, then upgrades');
ok(-s "$tmp/before_b2.dump", 'the dump file exists');
command_like([ 'pg_restore', '--list', "$tmp/before_b2.dump" ], qr/Format: CUSTOM/, 'it is a pg_dump -Fc archive');

# restored into a new database: the data as it was, at a1
$node->safe_psql('postgres', 'CREATE DATABASE restored');
command_ok([ 'pg_restore', '-d', $node->connstr('restored'), "$tmp/before_b2.dump" ], 'the dump restores');
is($node->safe_psql('restored', 'SELECT string_agg(name, \',\' ORDER BY id) FROM users'), 'ann,bob',
	'the restored database has the names the upgrade dropped');
is($node->safe_psql('restored', 'SELECT c FROM migrate.current() c'), 'a1', '... and is at a1');
command_like([ 'pg_migrate', '-d', $node->connstr('restored'), '--dir', $dir, 'status' ], qr/^Pending: 1 step: b2$/m,
	'pg_migrate sees the restored database one step behind');

# a dump that cannot be written stops everything
command_fails_like([ @pgm, 'downgrade', 'base', "--backup=$tmp/no/such/dir/x.dump" ],
	qr/error: could not create backup file ".*no\/such\/dir\/x\.dump": No such file or directory/,
	'a backup file that cannot be created stops the downgrade');
is($node->safe_psql('app', 'SELECT c FROM migrate.current() c'), 'b2', '... nothing was changed');
command_fails_like([ @pgm, 'downgrade', 'base', "--backup=$tmp/before_b2.dump" ],
	qr/could not create backup file ".*before_b2\.dump": File exists\n.*hint: Choose a new file name: an earlier backup is never overwritten\./s,
	'an existing backup file is never overwritten');
command_fails_like([ @pgm, 'upgrade', 'nosuch', "--backup=$tmp/never.dump" ],
	qr/error: revision "nosuch" does not exist.*hint: Nothing was changed, and no backup was taken\./s,
	'a target that cannot be planned stops before the backup');
ok(!-e "$tmp/never.dump", '... and no file is left');
command_like([ @pgm, 'upgrade', "--backup=$tmp/empty.dump" ], qr/^Nothing to upgrade/,
	'nothing to do: no backup either');
ok(!-s "$tmp/empty.dump", '... the file stays empty');
unlink "$tmp/empty.dump";

# the default name, in the working directory; --backup stands for --yes
my @before = glob('app-*.dump');
command_like([ @pgm, 'downgrade', '-1', '--backup' ],
	qr/^Backup of database app written to app-\d{8}-\d{6}\.dump .*\nRunning downgrade b2 -> a1, drop name\n/,
	'downgrade --backup writes <database>-<date>-<time>.dump');
my @after = glob('app-*.dump');
is(scalar @after, scalar @before + 1, 'the dump is in the working directory');
unlink @after;

# two databases named alike (two servers, one database name): two files
$node->safe_psql('postgres', 'CREATE DATABASE twin');
my $other = new_node('backup_twin');
$other->safe_psql('postgres', 'CREATE DATABASE twin');
my $twin_dir = new_dir();
write_rev($twin_dir, 'a1_t.sql', id => 'a1', up => 'CREATE TABLE t (id int);', down => 'DROP TABLE t;');
my @twins = ('pg_migrate', '-d', $node->connstr('twin'), '-d', $other->connstr('twin'), '--dir', $twin_dir);
command_ok([ @twins, 'init' ], 'init two databases of one name');
my @before_twins = glob('twin-*.dump');
command_like([ @twins, '--jobs', '2', 'upgrade', '--backup' ], qr/^2 databases: 2 ok$/m, 'both upgraded with backups');
my @after_twins = glob('twin-*.dump');
is(scalar @after_twins, scalar @before_twins + 2, 'two dumps, neither overwriting the other');
unlink @after_twins;
$other->stop;

# a downgrade that drops the table: with --backup no question is asked
command_like([ @pgm, 'downgrade', 'base', "--backup=$tmp/before_base.dump" ],
	qr/Running downgrade a1 -> , users/, 'downgrade base --backup=FILE');
ok(-s "$tmp/before_base.dump", 'its dump exists');

$node->stop;
done_testing();
