
# The server is stopped with -m immediate while migrate.upgrade('heads') is
# inside revision r3 (r1, r2 and most of r3 done, uncommitted).  Once with
# the work only in WAL, once after a CHECKPOINT has written the uncommitted
# pages to disk.  After crash recovery nothing at all is applied or
# recorded, and the next upgrade('heads') applies every revision once.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use MigrateFault;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('immediate');
my $fps = reference_fingerprints($node);

my $upgrade = "SELECT string_agg(revision, ',') FROM migrate.upgrade('heads')";

for my $checkpoint (0, 1)
{
	my $db = $checkpoint ? 'crash_ckpt' : 'crash';
	my $label = $checkpoint ? 'checkpoint, then crash' : 'crash';

	setup_db($node, $db);
	my $gate = hold_gate($node, $db);
	my ($runner, $pid) = start_runner($node, $db, $upgrade);
	wait_parked_in($node, $db, $pid, "$label: upgrade('heads') waits inside r3");
	if ($checkpoint)
	{
		is($node->psql($db, 'CHECKPOINT'), 0, "$label: checkpoint while r3 runs");
	}

	crash_restart($node, $label);
	my ($rc, $err) = end_session($runner);
	is($rc, 2, "$label: the migrating psql lost its connection (status 2)");
	like($err, qr/immediate shutdown|server closed the connection unexpectedly/,
		"$label: the client saw the shutdown");
	end_session($gate, quit => 1);

	check_state($node, $db, "after the $label", [], $fps);
	final_upgrade($node, $db, "after the $label", [], $fps);
}

$node->stop;
done_testing();
