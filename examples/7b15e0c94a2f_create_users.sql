-- migrate:revision 7b15e0c94a2f
-- migrate:revises 3f9c2a71b0d4
-- migrate:message Create users belonging to accounts
-- migrate:upgrade
CREATE TABLE users (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email          text NOT NULL CHECK (email LIKE '%_@_%'),
    role           text NOT NULL DEFAULT 'member'
                   CHECK (role IN ('owner', 'admin', 'member')),
    is_active      boolean NOT NULL DEFAULT true,
    last_login_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Emails are unique regardless of case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_account_id_idx ON users (account_id);

COMMENT ON TABLE users IS 'People who sign in; each belongs to one account';

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- migrate:downgrade
DROP TABLE users;
