
# pg_migrate graph (DOT on standard output, -o FILE rendered by Graphviz or
# written as DOT, the fallback without Graphviz, --since and --depth) and
# history -v (when, by whom, how long, the error of a failed attempt).
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use JSON::PP;
use PgMigrateTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('graph');
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = new_dir();
my $out = PostgreSQL::Test::Utils::tempdir();
my @pgm = ('pg_migrate', '-d', $node->connstr('app'), '--dir', $dir);

write_rev($dir, 'a1_accounts.sql', id => 'a1', message => 'create accounts',
	up => 'CREATE TABLE accounts (id int);', down => 'DROP TABLE accounts;');
write_rev($dir, 'a2_users.sql', id => 'a2', revises => 'a1', message => 'create users',
	up => 'CREATE TABLE users (id int);', down => 'DROP TABLE users;');
write_rev($dir, 'o1_orders.sql', id => 'o1', revises => 'a2', message => 'create orders',
	up => 'CREATE TABLE orders (id int);', down => 'DROP TABLE orders;');
write_rev($dir, 'b1_bills.sql', id => 'b1', revises => 'a2', message => 'create bills', labels => 'billing',
	depends => 'o1', up => 'CREATE TABLE bills (id int);', down => 'DROP TABLE bills;');
write_rev($dir, 'm1_merge.sql', id => 'm1', revises => 'o1, b1', message => 'merge', up => '');

command_ok([ @pgm, 'init' ], 'init');
command_ok([ @pgm, 'upgrade', 'o1' ], 'upgrade to o1');

# ---------------------------------------------------------------------------
# graph
# ---------------------------------------------------------------------------
command_like([ 'pg_migrate', 'graph', '--help' ], qr/graph \[-o FILE\] \[--since REV\] \[--depth N\]/,
	'graph --help shows its options');
command_like([ @pgm, 'graph' ], qr/\A(?=.*^digraph migrate \{$)(?=.*"o1" \[label="o1\\ncreate orders\\n\[current\]", fillcolor="#d5e8d4", color="#1b5e20", penwidth=3)(?=.*"a2" -> "b1";)(?=.*"o1" -> "b1" \[style=dashed)(?=.*"m1" \[label="m1\\nmerge\\n\[head\]\[mergepoint\]", peripheries=2\])(?=.*"b1" \[label="b1 \(billing\)\\ncreate bills"\];)/ms,
	'graph prints DOT: the version row in bold, applied filled, the dependency dashed, the merge a head');
command_like([ @pgm, 'graph', '--depth', '1' ], qr/label="5 revisions \(1 shown\), 3 applied, 1 head".*"\.\.\." \[shape=plaintext, style=solid, label="4 revisions not shown"\]/s,
	'graph --depth 1: the head alone, the rest summed up');
command_like([ @pgm, 'graph', '--since', 'b1' ], qr/\(2 shown\).*"b1" -> "m1";/s, 'graph --since REV: REV and what came after it');
command_fails_like([ @pgm, 'graph', '--since', 'nope' ], qr/error: revision "nope" does not exist/,
	'graph --since an unknown revision fails with the server\'s error');
command_fails_like([ @pgm, 'graph', '--depth', '0' ], qr/--depth must be a positive number of levels/,
	'graph --depth 0 is a usage error');
command_exit_is([ @pgm, 'graph', '-o', "$out/picture" ], 2, 'graph -o without an extension is a usage error');
command_fails_like([ @pgm, 'history', '-o', "$out/x.svg" ], qr/option --output does not apply to history/,
	'-o belongs to graph');

command_like([ @pgm, 'graph', '-o', "$out/g.dot" ], qr/Wrote .*g\.dot \(Graphviz DOT\)/, 'graph -o FILE.dot');
like(slurp_file("$out/g.dot"), qr/\Adigraph migrate \{\n.*\}\n\z/s, '... writes the DOT text');

SKIP:
{
	skip 'Graphviz is not installed', 6 unless system('dot -V >/dev/null 2>&1') == 0;
	command_like([ @pgm, 'graph', '-o', "$out/g.svg" ], qr/Wrote .*g\.svg\./, 'graph -o FILE.svg');
	like(slurp_file("$out/g.svg"), qr/<svg.*<title>migrate<\/title>.*>o1<\/text>/s, '... is an SVG drawn by dot');
	command_ok([ @pgm, 'graph', '-o', "$out/g.png" ], 'graph -o FILE.png');
	command_ok([ @pgm, 'graph', '-o', "$out/upper.SVG" ], 'graph -o FILE.SVG: the format in any case');
	like(slurp_file("$out/upper.SVG"), qr/<svg/, '... is an SVG');
	my $png = slurp_file("$out/g.png");
	is(substr($png, 1, 3), 'PNG', '... is a PNG');
}

# without Graphviz: the DOT text lands next to the file asked for
{
	my $nobin = PostgreSQL::Test::Utils::tempdir();
	my ($bindir) = grep { -x "$_/pg_migrate" } split /:/, $ENV{PATH};
	my $pg_migrate = "$bindir/pg_migrate";
	local $ENV{PATH} = $nobin;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ $pg_migrate, '-d', $node->connstr('app'), '--dir', $dir, 'graph', '-o', "$out/h.png" ],
		'>', \$stdout, '2>', \$stderr);
	ok($ok, 'graph -o FILE.png without Graphviz exits 0');
	like($stderr, qr/warning: Graphviz's dot is not installed; wrote the DOT text to .*h\.dot instead of .*h\.png/,
		'... warns where the DOT text went');
	like($stderr, qr/hint: Install Graphviz \(apt-get install graphviz\)/, '... and says how to get pictures');
	ok(-f "$out/h.dot" && !-e "$out/h.png", '... h.dot written, no h.png');
	my $ok2 = IPC::Run::run([ $pg_migrate, '-d', $node->connstr('app'), '--dir', $dir, 'graph', '-o', "$out/h.png" ],
		'>', \$stdout, '2>', \$stderr);
	ok(!$ok2, 'again: the fallback never replaces a file it was not asked to write');
	like($stderr, qr/could not write file ".*h\.dot": File exists/, '... and says so');
}
command_exit_is([ 'pg_migrate', '-d', $node->connstr('app'), '-d', $node->connstr('postgres'), '--dir', $dir,
		'graph', '-o', "$out/two.svg" ], 2, 'graph -o with two databases is a usage error');

command_like([ @pgm, '--json', 'graph' ], qr/"dot": "digraph migrate \{\\n/, 'graph --json carries the DOT text');

# ---------------------------------------------------------------------------
# history -v: when, by whom, how long; a failed attempt
# ---------------------------------------------------------------------------
my $role = $node->safe_psql('app', 'SELECT current_user');
command_like([ @pgm, 'history', '-v' ],
	qr/Rev: o1\nParent: a2\nApplied: yes, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d[+-]\d\d by \Q$role\E in \d+\.\d ms\n/,
	'history -v: applied when, by whom, in how long');
command_like([ @pgm, 'history', '-v' ], qr/Rev: b1\nParent: a2\nApplied: no\n/, 'history -v: a pending revision');
command_like([ @pgm, 'history' ], qr/^a2 -> o1, create orders$/m, 'history without -v keeps Alembic\'s lines');
command_like([ @pgm, 'history', '--limit', '2' ], qr/\Ao1, b1 -> m1 \(head\) \(mergepoint\), merge\na2 -> b1, create bills\n\z/,
	'history --limit 2: the newest two only');
command_like([ @pgm, 'history', '-v', '--limit', '1', '-r', 'a1:o1' ], qr/\ARev: o1\nParent: a2\nApplied: yes, .*\n\n    create orders\n\n\z/,
	'history -v --limit 1 with a range: one block');
command_fails_like([ @pgm, 'history', '--limit', '0' ], qr/--limit must be a positive number of revisions/,
	'history --limit 0 is a usage error');

# a revision that fails under --each keeps its failure in migrate.log
write_rev($dir, 'x1_broken.sql', id => 'x1', revises => 'm1', message => 'broken',
	up => 'CREATE TABLE users (id int);', down => 'SELECT 1;');
command_fails_like([ @pgm, 'upgrade', '--each' ], qr/relation "users" already exists/, 'upgrade --each stops at x1');
is($node->safe_psql('app', "SELECT revision || ' ' || operation || ' ' || sqlstate FROM migrate.log WHERE sqlstate IS NOT NULL"),
	'x1 upgrade 42P07', 'the failed step is logged after its rollback (migrate.record_failure)');
command_like([ @pgm, 'history', '-v' ],
	qr/Rev: x1 \(head\)\nParent: m1\nApplied: no\nLast attempt failed: 42P07: relation "users" already exists\n/,
	'history -v shows the failed last attempt');
command_like([ @pgm, 'history', '-v' ], qr/Rev: m1 \(mergepoint\)\nMerges: o1, b1\nApplied: yes, .* by \Q$role\E in \d+\.\d ms\n/,
	'history -v: the revisions --each committed before the failure are applied');

# one transaction: everything rolled back, the failure still logged
command_fails_like([ @pgm, 'upgrade' ], qr/relation "users" already exists/, 'upgrade in one transaction fails at x1');
is($node->safe_psql('app', "SELECT count(*) FROM migrate.log WHERE revision = 'x1' AND sqlstate = '42P07'"),
	'2', '... and its failure is logged too');
is($node->safe_psql('app', "SELECT string_agg(c, ',') FROM migrate.current() c"), 'm1', '... while nothing was applied');

# a role that may upgrade but not record failures still gets its error, and nothing more
$node->safe_psql('app', q{
	CREATE ROLE deployer LOGIN;
	GRANT EXECUTE ON FUNCTION migrate.upgrade(text, boolean), migrate.sync(text[], text[], boolean) TO deployer;
	GRANT CREATE ON SCHEMA public TO deployer;
});
command_fails_like([ 'pg_migrate', '-d', $node->connstr('app') . ' user=deployer', '--dir', $dir, 'upgrade' ],
	qr/relation "users" already exists/, 'a deployer without record_failure() sees the script\'s error');
is($node->safe_psql('app', "SELECT count(*) FROM migrate.log WHERE revision = 'x1' AND sqlstate = '42P07'"),
	'2', '... and no failure row is written for it');

# a new file whose first deploy fails: its registration rolls back with
# it, and the failure is still logged under its id
write_rev($dir, 'y1_new.sql', id => 'y1', revises => 'm1', message => 'brand new', up => 'CREATE TABLE accounts (id int);');
command_fails_like([ @pgm, 'upgrade', 'y1' ], qr/relation "accounts" already exists/, 'a new file failing on its first deploy');
is($node->safe_psql('app', "SELECT count(*) FROM migrate.revisions WHERE id = 'y1'"), '0', '... is not registered');
is($node->safe_psql('app', "SELECT sqlstate FROM migrate.log WHERE revision = 'y1'"), '42P07', '... but its failure is logged');
unlink "$dir/y1_new.sql";

# the deployer may not read migrate.log: no times, no errors
command_like([ 'pg_migrate', '-d', $node->connstr('app') . ' user=deployer', '--dir', $dir, 'history', '-v' ],
	qr/Rev: o1\nParent: a2\nApplied: yes\n/, 'history -v for a role that may not read migrate.log: applied, no more');

# a stamped revision ran nothing
command_ok([ @pgm, 'stamp', 'm1', '--purge' ], 'stamp m1');
command_like([ @pgm, 'history', '-v' ], qr/Rev: m1 \(mergepoint\)\nMerges: o1, b1\nApplied: yes, .* by \Q$role\E \(stamped\)\n/,
	'history -v: a stamped revision says so instead of a duration');

$node->stop;
done_testing();
