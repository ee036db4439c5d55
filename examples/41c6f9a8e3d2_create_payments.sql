-- migrate:revision 41c6f9a8e3d2
-- migrate:revises e8a3b57c2d10
-- migrate:message Create payments against orders
-- migrate:depends-on 5e7a91d3c4b8
-- migrate:upgrade
-- payments.order_id references orders, created on the other branch by
-- 5e7a91d3c4b8: hence the depends-on rather than a second parent.
CREATE TYPE payment_status AS ENUM (
    'pending', 'authorized', 'captured', 'failed', 'refunded'
);

CREATE TABLE payments (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           bigint NOT NULL REFERENCES orders (id) ON DELETE RESTRICT,
    payment_method_id  bigint REFERENCES payment_methods (id) ON DELETE SET NULL,
    status             payment_status NOT NULL DEFAULT 'pending',
    amount_cents       bigint NOT NULL CHECK (amount_cents > 0),
    currency           char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    provider_txn_id    text UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT now(),
    captured_at        timestamptz,
    CONSTRAINT payments_captured_at_check
        CHECK (status NOT IN ('captured', 'refunded') OR captured_at IS NOT NULL)
);

CREATE INDEX payments_order_id_idx ON payments (order_id);
CREATE INDEX payments_captured_at_idx ON payments (captured_at)
    WHERE status = 'captured';

COMMENT ON TYPE payment_status IS 'Lifecycle of a payment at the provider';
COMMENT ON TABLE payments IS 'Money movements for an order, one row per attempt';
-- migrate:downgrade
DROP TABLE payments;
DROP TYPE payment_status;
