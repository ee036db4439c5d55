-- migrate:revision 3f9c2a71b0d4
-- migrate:message Create accounts and the updated_at trigger function
-- migrate:upgrade
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION set_updated_at() IS
    'Row trigger: stamps updated_at with now() on every UPDATE';

CREATE TABLE accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    slug        text NOT NULL UNIQUE
                CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    plan        text NOT NULL DEFAULT 'free'
                CHECK (plan IN ('free', 'team', 'enterprise')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE accounts IS
    'Tenants: one row per customer organisation of the shop platform';
COMMENT ON COLUMN accounts.slug IS
    'URL-safe unique handle, e.g. acme-corp';

CREATE TRIGGER accounts_set_updated_at
    BEFORE UPDATE ON accounts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- migrate:downgrade
DROP TABLE accounts;
DROP FUNCTION set_updated_at();
