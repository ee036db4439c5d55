-- Renames named by the caller: a table, one of its columns, an index and
-- a constraint keep their data; nothing is dropped.
-- renames: {"table public.users": "table public.people", "column public.users.mail": "column public.people.email", "index public.users_mail": "index public.people_email", "constraint public.users.users_pkey": "constraint public.people.people_pkey"}
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive
-- up-contains: ALTER TABLE public.users RENAME TO people
-- up-contains: ALTER TABLE public.people RENAME COLUMN mail TO email
-- before
CREATE TABLE users (id int CONSTRAINT users_pkey PRIMARY KEY, mail text CONSTRAINT mail_ok CHECK (mail <> ''));
CREATE INDEX users_mail ON users (lower(mail));
CREATE VIEW names AS SELECT mail FROM users;
INSERT INTO users VALUES (1, 'a@b');
-- after
CREATE TABLE people (id int CONSTRAINT people_pkey PRIMARY KEY, email text CONSTRAINT mail_ok CHECK (email <> ''));
CREATE INDEX people_email ON people (lower(email));
CREATE VIEW names AS SELECT email AS mail FROM people;
