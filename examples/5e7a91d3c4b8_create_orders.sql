-- migrate:revision 5e7a91d3c4b8
-- migrate:revises c02d8e6f1a93
-- migrate:message Create orders, order items and the order_status enum
-- migrate:upgrade
CREATE TYPE order_status AS ENUM (
    'pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'
);

CREATE TABLE orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE RESTRICT,
    user_id     bigint REFERENCES users (id) ON DELETE SET NULL,
    status      order_status NOT NULL DEFAULT 'pending',
    currency    char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    placed_at   timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX orders_account_placed_idx ON orders (account_id, placed_at DESC);
CREATE INDEX orders_user_id_idx ON orders (user_id);

CREATE TRIGGER orders_set_updated_at
    BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE order_items (
    order_id          bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no           smallint NOT NULL CHECK (line_no > 0),
    product_id        bigint NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    quantity          integer NOT NULL CHECK (quantity > 0),
    unit_price_cents  integer NOT NULL CHECK (unit_price_cents >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE INDEX order_items_product_id_idx ON order_items (product_id);

COMMENT ON TYPE order_status IS 'Lifecycle of an order';
COMMENT ON TABLE orders IS 'A customer''s purchase';
COMMENT ON TABLE order_items IS
    'Lines of an order; unit price is copied from the product at order time';
-- migrate:downgrade
DROP TABLE order_items;
DROP TABLE orders;
DROP TYPE order_status;
