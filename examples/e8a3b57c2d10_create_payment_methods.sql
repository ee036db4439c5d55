-- migrate:revision e8a3b57c2d10
-- migrate:revises c02d8e6f1a93
-- migrate:message Start the billing branch: stored payment methods
-- migrate:branch-labels billing
-- migrate:upgrade
CREATE TABLE payment_methods (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('card', 'sepa_debit', 'invoice')),
    provider_ref  text NOT NULL UNIQUE,
    card_last4    char(4) CHECK (card_last4 ~ '^[0-9]{4}$'),
    expires_on    date,
    is_default    boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_methods_card_details_check
        CHECK (kind <> 'card' OR (card_last4 IS NOT NULL AND expires_on IS NOT NULL))
);

-- At most one default payment method per account.
CREATE UNIQUE INDEX payment_methods_one_default_idx
    ON payment_methods (account_id) WHERE is_default;

COMMENT ON TABLE payment_methods IS
    'Tokenised payment instruments; card data itself stays with the provider';
COMMENT ON COLUMN payment_methods.provider_ref IS
    'Token issued by the payment provider';
-- migrate:downgrade
DROP TABLE payment_methods;
