-- migrate:revision 9d4f06b2e715
-- migrate:revises 5e7a91d3c4b8
-- migrate:message Add orders.total_cents, backfill it and keep it current by trigger
-- migrate:upgrade
ALTER TABLE orders
    ADD COLUMN total_cents bigint NOT NULL DEFAULT 0
    CONSTRAINT orders_total_cents_check CHECK (total_cents >= 0);

COMMENT ON COLUMN orders.total_cents IS
    'Sum of quantity * unit_price_cents over the order''s items (trigger-maintained)';

-- Backfill the orders that already have items.
UPDATE orders AS o
   SET total_cents = s.total
  FROM (SELECT order_id, sum(quantity::bigint * unit_price_cents) AS total
          FROM order_items
         GROUP BY order_id) AS s
 WHERE s.order_id = o.id;

CREATE FUNCTION order_items_refresh_total() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       OR (TG_OP = 'UPDATE' AND OLD.order_id IS DISTINCT FROM NEW.order_id) THEN
        UPDATE orders
           SET total_cents = (SELECT coalesce(sum(quantity::bigint * unit_price_cents), 0)
                                FROM order_items
                               WHERE order_id = OLD.order_id)
         WHERE id = OLD.order_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE orders
           SET total_cents = (SELECT coalesce(sum(quantity::bigint * unit_price_cents), 0)
                                FROM order_items
                               WHERE order_id = NEW.order_id)
         WHERE id = NEW.order_id;
    END IF;
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION order_items_refresh_total() IS
    'Row trigger on order_items: recomputes orders.total_cents of the touched orders';

CREATE TRIGGER order_items_refresh_total
    AFTER INSERT OR UPDATE OR DELETE ON order_items
    FOR EACH ROW EXECUTE FUNCTION order_items_refresh_total();
-- migrate:downgrade
DROP TRIGGER order_items_refresh_total ON order_items;
DROP FUNCTION order_items_refresh_total();
ALTER TABLE orders DROP COLUMN total_cents;
