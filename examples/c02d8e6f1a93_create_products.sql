-- migrate:revision c02d8e6f1a93
-- migrate:revises 7b15e0c94a2f
-- migrate:message Create the product catalogue
-- migrate:upgrade
CREATE TABLE products (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    sku          text NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]*$'),
    name         text NOT NULL CHECK (length(btrim(name)) > 0),
    description  text,
    price_cents  integer NOT NULL CHECK (price_cents >= 0),
    currency     char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    is_active    boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_account_sku_key UNIQUE (account_id, sku)
);

CREATE INDEX products_active_idx ON products (account_id) WHERE is_active;

COMMENT ON TABLE products IS 'Sellable items of an account''s catalogue';
COMMENT ON COLUMN products.price_cents IS
    'List price in the minor unit of currency';

CREATE TRIGGER products_set_updated_at
    BEFORE UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- migrate:downgrade
DROP TABLE products;
