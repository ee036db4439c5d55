-- A view rebuilt for a column's new type keeps its comment, its columns'
-- defaults and comments, its privileges and its INSTEAD OF trigger.
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- before
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE t (id int, n int);
CREATE VIEW v AS SELECT id, n FROM t;
COMMENT ON VIEW v IS 'the view';
COMMENT ON COLUMN v.n IS 'the n';
GRANT SELECT ON v TO schema_reader;
CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO t VALUES (NEW.id, NEW.n); RETURN NEW; END$$;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_ins();
ALTER VIEW v ALTER COLUMN n SET DEFAULT 5;
-- after
DO $$BEGIN CREATE ROLE schema_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
CREATE TABLE t (id int, n bigint);
CREATE VIEW v AS SELECT id, n FROM t;
COMMENT ON VIEW v IS 'the view';
COMMENT ON COLUMN v.n IS 'the n';
GRANT SELECT ON v TO schema_reader;
CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO t VALUES (NEW.id, NEW.n); RETURN NEW; END$$;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_ins();
ALTER VIEW v ALTER COLUMN n SET DEFAULT 5;
