
# The revision graph a backend caches must not survive a prepared
# transaction that is rolled back later: the backend registers a revision,
# reads heads() (caching a graph that holds it, at the bumped generation),
# prepares, and the prepared transaction is rolled back; another session
# then registers a different revision, which moves the generation to the
# same number.  The first backend must see the other session's revision,
# not its own rolled-back one.  Needs max_prepared_transactions, so it is a
# TAP test with its own cluster.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('prepared');
$node->init;
$node->append_conf('postgresql.conf', "max_prepared_transactions = 5\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION migrate;
	SELECT migrate.revision('root', 'SELECT 1', 'SELECT 1', id => 'b0');
});

my $s = $node->background_psql('postgres');
$s->query_safe(q{SET client_min_messages = warning});
$s->query_safe(q{
	BEGIN;
	SELECT migrate.revision('mine', 'SELECT 1', 'SELECT 1', id => 'xx');
});
is($s->query_safe('SELECT string_agg(revision, \',\') FROM migrate.heads()'),
	'xx', 'inside its transaction the backend sees (and caches) its own revision');
my $gen = $s->query_safe('SELECT gen FROM migrate.graph_generation');
$s->query_safe(q{PREPARE TRANSACTION 'p1'});
$node->safe_psql('postgres', q{ROLLBACK PREPARED 'p1'});
$node->safe_psql('postgres',
	q{SELECT migrate.revision('theirs', 'SELECT 1', 'SELECT 1', id => 'yy')});

is($node->safe_psql('postgres', 'SELECT gen FROM migrate.graph_generation'),
	$gen, 'the other registration moved the generation to the number the prepared one had');
is($s->query_safe('SELECT string_agg(revision, \',\') FROM migrate.heads()'),
	'yy', 'the first backend sees the other session\'s revision, not its rolled-back one');
is($s->query_safe('SELECT string_agg(revision, \',\') FROM migrate.upgrade(\'heads\')'),
	'b0,yy', 'and upgrade(\'heads\') runs the revisions that exist');

$s->quit;
$node->stop;
done_testing();
