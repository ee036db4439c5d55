-- migrate:revision b7e2c4d91f06
-- migrate:revises 9d4f06b2e715, 41c6f9a8e3d2
-- migrate:message Merge order totals and billing: order_balances view
-- migrate:upgrade
-- Needs orders.total_cents (9d4f06b2e715) and payments (41c6f9a8e3d2),
-- one from each branch, so it lives in the merge revision.
CREATE VIEW order_balances AS
SELECT o.id AS order_id,
       o.account_id,
       o.status,
       o.currency,
       o.total_cents,
       coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'captured'), 0)
           AS paid_cents,
       o.total_cents
       - coalesce(sum(p.amount_cents) FILTER (WHERE p.status = 'captured'), 0)
           AS balance_cents
  FROM orders AS o
  LEFT JOIN payments AS p ON p.order_id = o.id
 GROUP BY o.id;

COMMENT ON VIEW order_balances IS
    'Per order: total, captured payments and the amount still due';
-- migrate:downgrade
DROP VIEW order_balances;
