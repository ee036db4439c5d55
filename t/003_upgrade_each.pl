
# CALL migrate.upgrade_each('heads') commits after every revision.  Faults
# at step k:
#   - inside step 3's script (r3 waits for table gate; r1, r2 committed),
#     by pg_terminate_backend and by an immediate stop;
#   - between steps 3 and 4 (r3 committed; the procedure waits for
#     migrate's advisory lock before step 4, held by another session that
#     queued for it while r3 ran), by pg_terminate_backend and by an
#     immediate stop.
# And, for contrast, pg_cancel_backend inside step 3: an error, not a
# fault, so step 3 is rolled back and its failure row committed.
# After each fault: the committed steps are applied and logged, the
# interrupted one left no table, column, trace row or log row, verify() is
# clean, and the next upgrade('heads') applies exactly the rest.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use MigrateFault;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('each');
my $fps = reference_fingerprints($node);

my $call = "CALL migrate.upgrade_each('heads')";

# start upgrade_each and wait until it is inside r3 (step 3), with r1 and
# r2 committed
sub start_each
{
	my ($db, $label) = @_;
	setup_db($node, $db);
	my $gate = hold_gate($node, $db);
	my ($runner, $pid) = start_runner($node, $db, $call);
	wait_parked_in($node, $db, $pid, "$label: upgrade_each waits inside step 3 (r3)");
	check_state($node, $db, "$label, during step 3", [qw(r1 r2)], $fps, mid_run => 1);
	return ($gate, $runner, $pid);
}

# from inside step 3, move the procedure to the gap before step 4: a
# session queues for migrate's lock, r3 is let go and commits, the queued
# session gets the lock and the procedure waits for it
sub park_before_step4
{
	my ($db, $label, $gate, $pid) = @_;
	my $holder = $node->background_psql($db);
	my $hpid = backend_pid($holder);
	$holder->query_until(qr/started/,
		"\\echo started\nSELECT pg_advisory_lock(1835624306, 1);\n");
	wait_until($node, $db, "$label: another session queues for migrate's lock behind step 3",
		"SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $hpid AND locktype = 'advisory' AND NOT granted)");
	$gate->query_safe('COMMIT');
	wait_until($node, $db, "$label: r3 committed, the other session holds the lock, the procedure waits for it before step 4",
		"SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $hpid AND locktype = 'advisory' AND granted)
            AND EXISTS (SELECT FROM pg_locks WHERE pid = $pid AND locktype = 'advisory' AND NOT granted)");
	check_state($node, $db, "$label, before step 4", [qw(r1 r2 r3)], $fps, mid_run => 1);
	return $holder;
}

sub terminate
{
	my ($db, $label, $runner, $pid) = @_;
	is($node->safe_psql($db, "SELECT pg_terminate_backend($pid, 60000)"),
		't', "$label: pg_terminate_backend ends the procedure's backend");
	my ($rc, $err) = end_session($runner);
	is($rc, 2, "$label: the killed psql exits with status 2");
	like($err, qr/terminating connection due to administrator command/,
		"$label: the client saw the termination");
	return;
}

sub crash
{
	my ($label, $runner, @others) = @_;
	crash_restart($node, $label);
	my ($rc, $err) = end_session($runner);
	is($rc, 2, "$label: the procedure's psql lost its connection (status 2)");
	like($err, qr/immediate shutdown|server closed the connection unexpectedly/,
		"$label: the client saw the shutdown");
	end_session($_, quit => 1) for @others;
	return;
}

my ($gate, $runner, $pid, $holder, $label);

# --- terminate inside step 3 -------------------------------------------------
$label = 'kill in step 3';
($gate, $runner, $pid) = start_each('kill3', $label);
terminate('kill3', $label, $runner, $pid);
$gate->query_safe('COMMIT');
$gate->quit;
check_state($node, 'kill3', "after the $label", [qw(r1 r2)], $fps);
final_upgrade($node, 'kill3', "after the $label", [qw(r1 r2)], $fps);

# --- terminate between steps 3 and 4 ------------------------------------------
$label = 'kill before step 4';
($gate, $runner, $pid) = start_each('kill4', $label);
$holder = park_before_step4('kill4', $label, $gate, $pid);
terminate('kill4', $label, $runner, $pid);
$holder->query_safe('SELECT pg_advisory_unlock(1835624306, 1)');
$holder->quit;
$gate->quit;
check_state($node, 'kill4', "after the $label", [qw(r1 r2 r3)], $fps);
final_upgrade($node, 'kill4', "after the $label", [qw(r1 r2 r3)], $fps);

# --- cancel inside step 3 (not a fault: an error, logged durably) ------------
$label = 'cancel in step 3';
($gate, $runner, $pid) = start_each('cancel3', $label);
is($node->safe_psql('cancel3', "SELECT pg_cancel_backend($pid)"), 't',
	"$label: pg_cancel_backend");
like($runner->query('SELECT 1'), qr/^1$/m, "$label: the session survives the cancel");
like($runner->{stderr}, qr/ERROR:  canceling statement due to user request/,
	"$label: the CALL fails with the cancel");
$runner->quit;
$gate->query_safe('COMMIT');
$gate->quit;
check_state($node, 'cancel3', "after the $label", [qw(r1 r2)], $fps,
	failed => [ 'r3', '57014' ]);
is($node->safe_psql('cancel3', "SELECT error FROM migrate.log WHERE sqlstate IS NOT NULL"),
	'canceling statement due to user request', "$label: the failure row keeps the message");
final_upgrade($node, 'cancel3', "after the $label", [qw(r1 r2)], $fps,
	failed => [ 'r3', '57014' ]);

# --- immediate stop inside step 3 ---------------------------------------------
$label = 'crash in step 3';
($gate, $runner, $pid) = start_each('crash3', $label);
crash($label, $runner, $gate);
check_state($node, 'crash3', "after the $label", [qw(r1 r2)], $fps);
final_upgrade($node, 'crash3', "after the $label", [qw(r1 r2)], $fps);

# --- immediate stop between steps 3 and 4 -------------------------------------
$label = 'crash before step 4';
($gate, $runner, $pid) = start_each('crash4', $label);
$holder = park_before_step4('crash4', $label, $gate, $pid);
crash($label, $runner, $gate, $holder);
check_state($node, 'crash4', "after the $label", [qw(r1 r2 r3)], $fps);
final_upgrade($node, 'crash4', "after the $label", [qw(r1 r2 r3)], $fps);

$node->stop;
done_testing();
