
# Many databases: -d repeated and --dbname-file, --jobs N.  Each database
# is all or nothing on its own; one failing fails the run (exit 1) and
# keeps the others' work; one result line per database and a summary;
# --json gives one object per database.  No password reaches any output.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use JSON::PP;
use PgMigrateTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('fleet');
my @dbs = map { "tenant_$_" } 1 .. 3;
$node->safe_psql('postgres', "CREATE DATABASE $_") for @dbs;
my @d = map { ('-d', $node->connstr($_)) } @dbs;
my $dir = new_dir();
write_rev($dir, 'a1_users.sql', id => 'a1', message => 'users',
	up => 'CREATE TABLE users (id int PRIMARY KEY);', down => 'DROP TABLE users;');
write_rev($dir, 'b2_orders.sql', id => 'b2', revises => 'a1', message => 'orders',
	up => 'CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users);',
	down => 'DROP TABLE orders;');

command_like([ 'pg_migrate', @d, '--dir', $dir, 'init' ],
	qr/^tenant_1: Extension migrate 0\.6 is installed in database tenant_1\.\ntenant_1: ok/m,
	'init on three databases, each line under its database');

# tenant_2 already has a table "orders": b2 fails there
$node->safe_psql('tenant_2', 'CREATE TABLE orders (x int)');
my ($stdout, $stderr);
my $ok = IPC::Run::run [ 'pg_migrate', @d, '--dir', $dir, '--jobs', '2', 'upgrade' ], '>', \$stdout, '2>', \$stderr;
ok(!$ok, 'one database failing fails the run');
is($? >> 8, 1, '... with exit status 1');
like($stdout, qr/^tenant_1: Running upgrade a1 -> b2, orders$/m, 'tenant_1 ran both steps');
like($stdout, qr/^tenant_3: ok \(2 steps, [0-9.]+ s\)$/m, 'tenant_3: ok with its step count');
like($stderr, qr/^tenant_2: pg_migrate: error: relation "orders" already exists$/m, 'tenant_2: the error as the server said it');
like($stderr, qr/^tenant_2: pg_migrate: context: while applying revision "b2"/m, '... naming the revision');
like($stdout, qr/^tenant_2: failed \(SQLSTATE 42P07\)$/m, 'tenant_2: failed, with the SQLSTATE, on standard output with the other results');
like($stdout, qr/^3 databases: 2 ok, 1 failed$/m, 'a summary line');
is($node->safe_psql($_, 'SELECT string_agg(c, \',\') FROM migrate.current() c'), 'b2', "$_ is at b2")
  for qw(tenant_1 tenant_3);
is($node->safe_psql('tenant_2', 'SELECT count(*) FROM migrate.version'), '0', 'tenant_2 applied nothing');
is($node->safe_psql('tenant_2', "SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), '0',
	'... not even a1: each database is all or nothing');
is($node->safe_psql('tenant_2', "SELECT string_agg(revision || ' ' || sqlstate, ',') FROM migrate.log"), 'b2 42P07',
	'... and logged only the failure, after the rollback (record_failure)');

# the lines of one database stay together
my @lines = grep { /^tenant_/ } split /\n/, $stdout;
my %seen;
my $last = '';
my $broken = 0;
for (@lines)
{
	my ($db) = /^(tenant_\d)/;
	$broken++ if $db ne $last && $seen{$db}++;
	$last = $db;
}
is($broken, 0, 'parallel jobs do not interleave their lines');

# --dbname-file, after the cause is removed; --json
$node->safe_psql('tenant_2', 'DROP TABLE orders');
my $tmp = PostgreSQL::Test::Utils::tempdir();
open my $fh, '>', "$tmp/fleet.txt" or die;
print $fh "# every tenant\n\n", join("\n", map { $node->connstr($_) } @dbs), "\n";
close $fh;
($stdout) = run_command([ 'pg_migrate', '--dbname-file', "$tmp/fleet.txt", '--dir', $dir, '--jobs', '3', '--json', 'upgrade' ]);
my @objs = map { decode_json($_) } grep { /^\{/ } split /\n/, $stdout;
is(scalar @objs, 3, '--json: one object per database');
my %by = map { $_->{database} => $_ } @objs;
is($by{tenant_2}{result}, 'ok', 'tenant_2 upgraded now');
is(scalar @{ $by{tenant_2}{steps} }, 2, '... two steps');
is(scalar @{ $by{tenant_1}{steps} }, 0, 'tenant_1 had nothing to do');
unlike($stdout, qr/^tenant_/m, '--json keeps standard output for JSON');

# a failure in --json carries the SQLSTATE
$node->safe_psql('tenant_3', 'CREATE TABLE payments (x int)');
write_rev($dir, 'c3_payments.sql', id => 'c3', revises => 'b2', message => 'payments',
	up => 'CREATE TABLE payments (id int);', down => 'DROP TABLE payments;');
($stdout) = run_command([ 'pg_migrate', @d, '--dir', $dir, '--json', 'upgrade' ]);
%by = map { my $o = decode_json($_); $o->{database} => $o } grep { /^\{/ } split /\n/, $stdout;
is($by{tenant_3}{result}, 'failed', '--json: the failed database');
is($by{tenant_3}{error}{sqlstate}, '42P07', '--json: its SQLSTATE');
like($by{tenant_3}{error}{message}, qr/relation "payments" already exists/, '--json: its message');
is($by{tenant_1}{result}, 'ok', '--json: the others');

# a database that refuses the connection is one failed line
command_fails_like([ 'pg_migrate', '-d', $node->connstr('tenant_1'), '-d', $node->connstr('no_such_db'), '--dir', $dir, 'current' ],
	qr/^no_such_db: pg_migrate: error: could not connect to database no_such_db: .*database "no_such_db" does not exist/m,
	'a database that cannot be reached fails on its own');

# no password in any output
my ($out, $err) = run_command([ 'pg_migrate', '-d', 'postgresql://someone:s3cretpw@127.0.0.1:1/db1',
	'-d', 'host=127.0.0.1 port=1 password=s3cretpw dbname=db2', '--dir', $dir, '--json', 'current' ]);
unlike($out . $err, qr/s3cretpw/, 'a password in a URI or a conninfo is never printed');
like($err, qr/^127\.0\.0\.1:1\/db1: pg_migrate: error: could not connect/m, 'the database is named by host, port and name');
($out, $err) = run_command([ 'pg_migrate', '-d', 'postgresql://someone:s3c?ret pw@[::1/db1',
	'-d', 'postgresql://someone:s3c%ZZretpw@localhost:1/db2', '--dir', $dir, '--json', 'current' ]);
unlike($out . $err, qr/s3c/, '... nor in the errors about a URI libpq cannot read');
like($err, qr/could not connect to database \(invalid connection string\): end of string reached when looking for matching$/m,
	'... which are still reported');

$node->stop;
done_testing();
