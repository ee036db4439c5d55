-- migrate:revision f4e07a2c86b1
-- migrate:message Create the reporting schema with revenue views
-- migrate:branch-labels reporting
-- migrate:depends-on b7e2c4d91f06
-- migrate:upgrade
-- A second base: reporting is versioned independently of the application
-- schema, but needs payments and order_balances, hence the depends-on.
CREATE SCHEMA reporting;

COMMENT ON SCHEMA reporting IS
    'Read-only views and aggregates for dashboards and analysts';

CREATE VIEW reporting.daily_revenue AS
SELECT o.account_id,
       (p.captured_at AT TIME ZONE 'UTC')::date AS day,
       p.currency,
       count(*)            AS payment_count,
       sum(p.amount_cents) AS revenue_cents
  FROM payments AS p
  JOIN orders AS o ON o.id = p.order_id
 WHERE p.status = 'captured'
 GROUP BY o.account_id, (p.captured_at AT TIME ZONE 'UTC')::date, p.currency;

CREATE VIEW reporting.open_balances AS
SELECT order_id, account_id, currency, total_cents, paid_cents, balance_cents
  FROM order_balances
 WHERE balance_cents > 0
   AND status NOT IN ('cancelled', 'refunded');

COMMENT ON VIEW reporting.daily_revenue IS
    'Captured revenue per account, UTC day and currency';
COMMENT ON VIEW reporting.open_balances IS
    'Orders that still have an amount due';
-- migrate:downgrade
DROP VIEW reporting.open_balances;
DROP VIEW reporting.daily_revenue;
DROP SCHEMA reporting;
