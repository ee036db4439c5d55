
# Helpers of pg_migrate's TAP tests: a node with the extension available,
# and revision files written the way a user writes them.
package PgMigrateTest;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(new_node rev write_rev new_dir);

# A started node; migrate is installed system-wide (make install).
sub new_node
{
	my ($name, %params) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', $params{conf}) if $params{conf};
	$node->start;
	return $node;
}

# The text of a revision file.
sub rev
{
	my (%r) = @_;
	my $t = "-- migrate:revision $r{id}\n";
	$t .= "-- migrate:revises $r{revises}\n" if defined $r{revises};
	$t .= "-- migrate:message $r{message}\n" if defined $r{message};
	$t .= "-- migrate:branch-labels $r{labels}\n" if defined $r{labels};
	$t .= "-- migrate:depends-on $r{depends}\n" if defined $r{depends};
	$t .= "-- migrate:transactional false\n" if $r{nontransactional};
	$t .= "-- migrate:upgrade\n$r{up}\n";
	$t .= "-- migrate:downgrade\n$r{down}\n" if defined $r{down};
	return $t;
}

sub write_rev
{
	my ($dir, $file, %r) = @_;
	open my $fh, '>', "$dir/$file" or die "could not write $dir/$file: $!";
	print $fh rev(%r);
	close $fh;
}

# A fresh, empty migrations directory.
sub new_dir
{
	my $dir = PostgreSQL::Test::Utils::tempdir() . '/migrations';
	mkdir $dir or die "mkdir $dir: $!";
	return $dir;
}

1;
