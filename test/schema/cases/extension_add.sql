-- An extension comes, with a column of one of its types.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-contains: CREATE EXTENSION citext WITH SCHEMA public
-- before
CREATE TABLE users (id int PRIMARY KEY);
-- after
CREATE EXTENSION citext;
CREATE TABLE users (id int PRIMARY KEY, email citext);
