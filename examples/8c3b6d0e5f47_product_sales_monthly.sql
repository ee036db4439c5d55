-- migrate:revision 8c3b6d0e5f47
-- migrate:revises f4e07a2c86b1
-- migrate:message Materialized monthly sales per product
-- migrate:upgrade
CREATE MATERIALIZED VIEW reporting.product_sales_monthly AS
SELECT p.account_id,
       p.id                                                  AS product_id,
       p.sku,
       date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date AS month,
       sum(oi.quantity)                                      AS units,
       sum(oi.quantity::bigint * oi.unit_price_cents)        AS revenue_cents
  FROM order_items AS oi
  JOIN orders AS o ON o.id = oi.order_id
  JOIN products AS p ON p.id = oi.product_id
 WHERE o.status IN ('paid', 'shipped', 'delivered')
 GROUP BY p.account_id, p.id, p.sku,
          date_trunc('month', o.placed_at AT TIME ZONE 'UTC')::date
WITH DATA;

-- A unique index lets operators refresh it without blocking readers.
CREATE UNIQUE INDEX product_sales_monthly_key
    ON reporting.product_sales_monthly (product_id, month);

COMMENT ON MATERIALIZED VIEW reporting.product_sales_monthly IS
    'Units and revenue per product and month; refresh nightly';
-- migrate:downgrade
DROP MATERIALIZED VIEW reporting.product_sales_monthly;
