-- migrate:revision d6b9e1a4f278
-- migrate:revises 2a8d5f3e6c19
-- migrate:message Full-text search over product names and descriptions
-- migrate:upgrade
ALTER TABLE products
    ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')
    ) STORED;

CREATE INDEX products_search_idx ON products USING gin (search_vector);

COMMENT ON COLUMN products.search_vector IS
    'Weighted tsvector (name A, description B); query with @@ websearch_to_tsquery(''english'', ...)';
-- migrate:downgrade
DROP INDEX products_search_idx;
ALTER TABLE products DROP COLUMN search_vector;
