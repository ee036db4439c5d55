-- A table comes (and goes on the way down).
-- up-hazards:
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: CREATE TABLE public.items (
-- before
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
-- after
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE items (id serial PRIMARY KEY, owner bigint REFERENCES users,
                    name text NOT NULL DEFAULT 'x', price numeric(10,2) CHECK (price >= 0));
COMMENT ON TABLE items IS 'things';
COMMENT ON COLUMN items.name IS 'what it is called';
