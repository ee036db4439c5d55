
# On a terminal: a progress bar (count, percent, time left) for a long
# plan, and the question a downgrade that deletes data asks.  util-linux's
# script(1) gives pg_migrate a pseudo-terminal and types the answers.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use IPC::Run;
use PgMigrateTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('terminal');
$node->safe_psql('postgres', 'CREATE DATABASE app');
my $dir = new_dir();
my $prev;
for my $i (1 .. 12)
{
	my $id = sprintf('r%02d', $i);
	write_rev($dir, "${id}_step.sql", id => $id, revises => $prev, message => "step $i",
		up => "CREATE TABLE t$i (id int, v text);", down => "DROP TABLE t$i;");
	$prev = $id;
}
my $cmd = "pg_migrate -d '" . $node->connstr('app') . "' --dir '$dir'";

# in_terminal(COMMAND, INPUT): its output as a terminal shows it, and its exit status
sub in_terminal
{
	my ($command, $input) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run [ 'script', '-qec', $command, '/dev/null' ], '<', \$input, '>', \$out, '2>', \$err;
	return ($out . $err, $? >> 8);
}

command_ok([ split(/ /, "pg_migrate -d"), $node->connstr('app'), '--dir', $dir, 'init' ], 'init');
my ($screen, $rc) = in_terminal("$cmd upgrade", '');
is($rc, 0, 'upgrade on a terminal');
like($screen, qr/\[#{30}\] 12\/12 \(100%\), done in 0:\d\d/, 'the bar ends full, with the time it took');
like($screen, qr/\[#*\.+\] \d+\/12 \(\d+%\), \d+:\d\d left/, 'on the way it shows count, percent and time left');
like($screen, qr/Running upgrade r11 -> r12, step 12/, 'the Alembic lines still print above it');

($screen) = in_terminal("$cmd upgrade", '');
unlike($screen, qr/\[#/, 'no bar when there is nothing to do');
my ($plain) = run_command([ 'pg_migrate', '-d', $node->connstr('app'), '--dir', $dir, 'downgrade', 'r10', '--yes' ]);
unlike($plain, qr/\[#/, 'no bar when the output is not a terminal');

# the question
$node->safe_psql('app', "INSERT INTO t10 VALUES (1, 'keep me')");
($screen, $rc) = in_terminal("$cmd downgrade -1", "n\n");
like($screen, qr/warning: this downgrade deletes data \(1 statement\): DROP TABLE t10\r?\n.*Continue without a backup\? \[y\/N\]/s,
	'a downgrade that drops a table asks on a terminal');
is($rc, 1, 'answering no stops it (exit 1)');
is($node->safe_psql('app', 'SELECT v FROM t10'), 'keep me', '... and the table is kept');
($screen, $rc) = in_terminal("$cmd downgrade -1", "y\n");
is($rc, 0, 'answering yes goes ahead');
like($screen, qr/Running downgrade r10 -> r09, step 10/, '... one step down');

$node->stop;
done_testing();
