
# A backend running migrate.upgrade('heads') is terminated with
# pg_terminate_backend while it is inside revision r3 (r1 and r2 done, r3's
# table created and filled, t1 altered, all uncommitted).  upgrade() is all
# or nothing: afterwards nothing at all is applied or recorded, and the next
# upgrade('heads') applies every revision once.  Then the same kill with a
# second session queued behind the first on migrate's advisory lock: it
# takes over and applies everything once.
use strict;
use warnings;

use FindBin;
use lib $FindBin::RealBin;
use MigrateFault;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('terminate');
my $fps = reference_fingerprints($node);

my $upgrade = "SELECT string_agg(revision, ',') FROM migrate.upgrade('heads')";

# ---------------------------------------------------------------------------
# kill the only session
# ---------------------------------------------------------------------------
setup_db($node, 'kill');
check_state($node, 'kill', 'before the upgrade', [], $fps);

my $gate = hold_gate($node, 'kill');
my ($runner, $pid) = start_runner($node, 'kill', $upgrade);
wait_parked_in($node, 'kill', $pid,
	"upgrade('heads') ran r1, r2 and most of r3, and waits inside r3 (pg_stat_activity names the step)");
check_state($node, 'kill', 'while r3 runs, other sessions', [], $fps, mid_run => 1);

is($node->safe_psql('kill', "SELECT pg_terminate_backend($pid, 60000)"),
	't', 'pg_terminate_backend ends the migrating backend');
my ($rc, $err) = end_session($runner);
is($rc, 2, 'the killed psql exits with status 2 (connection lost)');
like($err, qr/terminating connection due to administrator command/,
	'the client saw the termination');
like($err, qr/running upgrade  -> r1, create t1.*running upgrade r2 -> r3, long r3/s,
	'the client had seen the NOTICEs of r1 to r3');
$gate->query_safe('COMMIT');
$gate->quit;

check_state($node, 'kill', 'after the kill', [], $fps);
final_upgrade($node, 'kill', 'after the kill', [], $fps);

# ---------------------------------------------------------------------------
# kill the first of two sessions: the second, queued on migrate's lock,
# takes over
# ---------------------------------------------------------------------------
setup_db($node, 'takeover');
$gate = hold_gate($node, 'takeover');
my ($first, $pid1) = start_runner($node, 'takeover', $upgrade);
wait_parked_in($node, 'takeover', $pid1, 'first session waits inside r3');
my ($second, $pid2) = start_runner($node, 'takeover', $upgrade);
wait_until($node, 'takeover', 'second session queues for migrate\'s advisory lock',
	"SELECT EXISTS (SELECT FROM pg_locks WHERE pid = $pid2 AND locktype = 'advisory'
       AND classid = 1835624306 AND objid = 1 AND NOT granted)");

is($node->safe_psql('takeover', "SELECT pg_terminate_backend($pid1, 60000)"),
	't', 'terminate the first session');
($rc, $err) = end_session($first);
is($rc, 2, 'the first psql exits with status 2');

wait_parked_in($node, 'takeover', $pid2,
	'the second session got the lock, started from base and waits inside r3');
check_state($node, 'takeover', 'while the second session runs r3', [], $fps, mid_run => 1);
$gate->query_safe('COMMIT');
$gate->quit;
my $out = $second->query_until(qr/^r\d.*\n/m, '');
is($out, "r1,r2,r3,r4,r5\n", 'the second session applied r1..r5');
($rc, $err) = end_session($second, quit => 1);
is($rc, 0, 'the second psql exits normally');
check_state($node, 'takeover', 'after the takeover', [@REVS], $fps);
is($node->safe_psql('takeover', $upgrade), '', 'then upgrade(\'heads\') has nothing to do');

$node->stop;
done_testing();
