
# When the revision graph cannot be shared (no room for a dynamic shared
# memory segment: here pg_dynshmem is made read-only under
# dynamic_shared_memory_type = mmap, as a full or locked-down /dev/shm would
# be), every call still works: the backend logs why, builds its own graph
# and answers as before; once the segment can be made again, the next
# attempt (a minute later, or in a new backend) shares it.  Needs its own
# cluster and its data directory, so it is a TAP test.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('fallback');
$node->init;
$node->append_conf('postgresql.conf',
	"dynamic_shared_memory_type = mmap\nmax_parallel_workers_per_gather = 0\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION migrate;
	SELECT migrate.revision('root', 'SELECT 1', 'SELECT 1', id => 'f1', down_revision => '{}');
	SELECT migrate.revision('next', 'SELECT 1', 'SELECT 1', id => 'f2');
});

my $dsm_dir = $node->data_dir . '/pg_dynshmem';
chmod(0500, $dsm_dir) or die "chmod $dsm_dir: $!";

my ($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET client_min_messages = debug1;
	  SELECT string_agg(revision, ',') FROM migrate.upgrade('heads');});
is($ret, 0, 'upgrade(\'heads\') succeeds although no segment can be made');
is($stdout, 'f1,f2', 'and runs both revisions');
like($stderr, qr/LOG:  migrate: could not share the revision graph: could not (open|create|resize) shared memory segment/,
	'the backend says why the graph is not shared');
like($stderr, qr/built the graph of 2 revisions for this backend only/,
	'and builds its own');

($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET client_min_messages = debug1;
	  SELECT string_agg(revision, ',') FROM migrate.heads();
	  SELECT string_agg(revision, ',') FROM migrate.heads();});
is($ret, 0, 'heads() works in a new connection too');
is($stdout, "f2\nf2", 'with the right answer, twice');
is(scalar(() = $stderr =~ /built the graph/g), 1,
	'the second call in the backend uses the graph it built');

chmod(0700, $dsm_dir) or die "chmod $dsm_dir: $!";
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET client_min_messages = debug1;
	  SELECT string_agg(revision, ',') FROM migrate.heads();});
is($stdout, 'f2', 'with room again');
like($stderr, qr/built the graph of 2 revisions and shared it/,
	'a new backend shares the graph');
($ret, $stdout, $stderr) = $node->psql('postgres',
	q{SET client_min_messages = debug1;
	  SELECT string_agg(revision, ',') FROM migrate.heads();});
like($stderr, qr/mapped the shared graph of 2 revisions/,
	'and the next one maps it');

$node->stop;
done_testing();
