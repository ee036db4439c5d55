-- 91_migrate_tap.sql: the migrate_tap assertions as a project's own suite
-- uses them, on the revisions of examples/ (registered with
-- migrate.sync(), as pg_migrate does; psql reads the files, so run it from
-- the repository root like every suite here).  Then each assertion is
-- made to fail, and pgTAP's check_test() checks its TAP line and
-- diagnostics: an assertion that passes when it should not fails here.
-- One transaction, rolled back.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION migrate_tap CASCADE;

SELECT plan(51);

\set f1 `cat examples/2a8d5f3e6c19_add_audit_log.sql`
\set f2 `cat examples/3f9c2a71b0d4_create_accounts.sql`
\set f3 `cat examples/41c6f9a8e3d2_create_payments.sql`
\set f4 `cat examples/5e7a91d3c4b8_create_orders.sql`
\set f5 `cat examples/60f1c8b3d9a5_add_user_display_name.sql`
\set f6 `cat examples/7b15e0c94a2f_create_users.sql`
\set f7 `cat examples/8c3b6d0e5f47_product_sales_monthly.sql`
\set f8 `cat examples/9d4f06b2e715_maintain_order_totals.sql`
\set f9 `cat examples/b7e2c4d91f06_merge_orders_and_billing.sql`
\set f10 `cat examples/c02d8e6f1a93_create_products.sql`
\set f11 `cat examples/d6b9e1a4f278_product_full_text_search.sql`
\set f12 `cat examples/e8a3b57c2d10_create_payment_methods.sql`
\set f13 `cat examples/f4e07a2c86b1_create_reporting_schema.sql`
SELECT is(count(*), 13::bigint, 'the 13 files of examples/ register')
  FROM migrate.sync(ARRAY[:'f1', :'f2', :'f3', :'f4', :'f5', :'f6', :'f7', :'f8', :'f9',
                          :'f10', :'f11', :'f12', :'f13'])
 WHERE status = 'new';

-- ---------------------------------------------------------------------
-- The suite of the example project: every assertion passes
-- ---------------------------------------------------------------------

SELECT migrations_verify_ok();
-- the first revision locks nothing but what it creates; judged before
-- anything in this transaction locks the tables
SELECT migration_locks_at_most('3f9c2a71b0d4', 'ACCESS SHARE', 'create accounts blocks nobody');
SELECT migrations_current_is('base', 'nothing is applied yet');
SELECT migrations_roundtrip_ok();
SELECT migrations_roundtrip_ok('billing@head', 'the billing branch round-trips');
SELECT migrations_apply_ok();
SELECT migrations_current_is('heads');
SELECT migrations_current_is('60f1c8b3d9a5, reporting@head', 'both heads are applied');
SELECT migrations_verify_ok('still healthy when applied');
SELECT ok(to_regclass('reporting.product_sales_monthly') IS NOT NULL,
          'the upgrade created reporting.product_sales_monthly');

-- ---------------------------------------------------------------------
-- The same assertions when the migrations are wrong
-- ---------------------------------------------------------------------

-- from the heads, migrations_apply_ok() goes down to base first
SELECT * FROM check_test(migrations_apply_ok('again, from the heads'), true,
                         'migrations_apply_ok() from the heads', 'again, from the heads', '');
SELECT results_eq($$SELECT operation, count(*) FROM migrate.log GROUP BY 1 ORDER BY 1$$,
                  $$VALUES ('downgrade', 13::bigint), ('upgrade', 26::bigint)$$,
                  'it downgraded the 13 revisions, then upgraded them again');

-- the default descriptions, as check_test sees them on passing tests
SELECT * FROM check_test(migrations_verify_ok(), true, 'migrations_verify_ok()',
                         'migrate.verify() finds no problem', '');
SELECT * FROM check_test(migrations_roundtrip_ok(), true, 'migrations_roundtrip_ok() with nothing pending',
                         'pending revisions up to heads round-trip', '');

-- a database not deployed by a committed upgrade has no schema to compare with
SELECT * FROM check_test(migrations_no_drift(), false, 'migrations_no_drift() without a recorded schema',
    'the schema is what the migrations left',
    '^    migrate\.drift\(\) failed\n    ERROR:  no schema is recorded for the current version\n    SQLSTATE:  55000\n',
    true);

-- the version rows are both heads, not the billing branch's alone
SELECT * FROM check_test(migrations_current_is('billing@head'), false, 'migrations_current_is(billing@head)',
    'the version rows are billing@head',
    E'        have: 60f1c8b3d9a5, 8c3b6d0e5f47\n        want: 60f1c8b3d9a5');

-- an applied revision is not pending: no step to judge
SELECT * FROM check_test(migration_locks_at_most('60f1c8b3d9a5', 'SHARE UPDATE EXCLUSIVE'), false,
    'migration_locks_at_most() of an applied revision',
    'revision 60f1c8b3d9a5 takes no lock stronger than SHARE UPDATE EXCLUSIVE',
    '    revision 60f1c8b3d9a5 is not pending: migrate.upgrade(''60f1c8b3d9a5'') runs nothing, so there is no step to judge');

-- pending again after a downgrade, but this transaction holds the locks of
-- everything it applied and downgraded (the ten first, sorted, are shown):
-- cannot judge
SELECT is(count(*), 1::bigint, 'downgrade 60f1c8b3d9a5 (drops users.display_name)')
  FROM migrate.downgrade('d6b9e1a4f278');
SELECT * FROM check_test(migration_locks_at_most('60f1c8b3d9a5', 'SHARE UPDATE EXCLUSIVE'), false,
    'migration_locks_at_most() after a downgrade in the same transaction',
    'revision 60f1c8b3d9a5 takes no lock stronger than SHARE UPDATE EXCLUSIVE',
    '^    cannot judge revision 60f1c8b3d9a5: a dry run does not report a lock that is already held\n'
    '    locks above SHARE UPDATE EXCLUSIVE this transaction holds: ACCESS EXCLUSIVE on public\.accounts, .* and [0-9]+ more\n'
    '    Check 60f1c8b3d9a5 with what it builds on applied and committed, before anything in the transaction locks what it touches\.$',
    true);
SELECT throws_ok($$SELECT migration_locks_at_most('60f1c8b3d9a5', 'SHARE UPDATE')$$,
    '22023', 'invalid lock mode "SHARE UPDATE"', 'an unknown lock mode is an error, not a failed test');

-- a revision whose downgrade forgets the index it built
SELECT is(migrate.load($rev$
-- migrate:revision 0a1b2c3d4e5f
-- migrate:revises 60f1c8b3d9a5
-- migrate:message Index users by display name
-- migrate:upgrade
CREATE INDEX users_display_name_idx ON users (display_name);
-- migrate:downgrade
$rev$), '0a1b2c3d4e5f', 'register a revision whose downgrade is empty');
SELECT is(count(*), 1::bigint, 'upgrade to 60f1c8b3d9a5 again') FROM migrate.upgrade('60f1c8b3d9a5');
SELECT * FROM check_test(migrations_roundtrip_ok('0a1b2c3d4e5f', 'the index round-trips'), false,
    'migrations_roundtrip_ok() of a downgrade that forgets an index',
    'the index round-trips',
    E'    0a1b2c3d4e5f: downgrade does not restore the schema\n'
    '        1 difference from the schema before the upgrade. Extra: index public.users_display_name_idx.\n'
    '    0a1b2c3d4e5f: upgrade after downgrade failed\n'
    '        relation "users_display_name_idx" already exists (SQLSTATE 42P07). The check stops here.');

-- two heads on the trunk, never merged
SELECT is(migrate.revision('a second head', 'SELECT 1', '', down_revision => '{60f1c8b3d9a5}',
                           id => 'ab12cd34ef56'),
          'ab12cd34ef56', 'register a second child of 60f1c8b3d9a5');
SELECT * FROM check_test(migrations_verify_ok(), false, 'migrations_verify_ok() with unmerged heads',
    'migrate.verify() finds no problem',
    E'    0a1b2c3d4e5f: unmerged heads\n'
    '        Heads 0a1b2c3d4e5f, ab12cd34ef56 grew from shared history and no revision merges them.\n'
    '    ab12cd34ef56: unmerged heads\n'
    '        Heads 0a1b2c3d4e5f, ab12cd34ef56 grew from shared history and no revision merges them.');
SELECT lives_ok($$SELECT migrate.drop_revision('ab12cd34ef56')$$, 'drop it again');

-- an upgrade that fails: not ok, and the database is as it was
SELECT is(migrate.revision('broken', 'ALTER TABLE users ADD COLUMN email text', '',
                           down_revision => '{0a1b2c3d4e5f}', id => 'bad0bad0bad0'),
          'bad0bad0bad0', 'register a revision that cannot run');
SELECT * FROM check_test(migrations_apply_ok(), false, 'migrations_apply_ok() with a failing revision',
    'migrations apply from base to heads',
    E'    migrate.upgrade(''heads'') failed\n'
    '    ERROR:  column "email" of relation "users" already exists\n'
    '    SQLSTATE:  42701\n'
    '    CONTEXT:  SQL statement "ALTER TABLE users ADD COLUMN email text"\n'
    '              while applying revision "bad0bad0bad0" (upgrade), statement 1 at line 1');
SELECT results_eq('SELECT * FROM migrate.current()', ARRAY['60f1c8b3d9a5', '8c3b6d0e5f47'],
    'a failed migrations_apply_ok() leaves the version rows as they were');
SELECT ok(to_regclass('public.audit_log') IS NOT NULL,
          'a failed migrations_apply_ok() leaves the tables as they were');

SELECT * FROM finish();
ROLLBACK;
