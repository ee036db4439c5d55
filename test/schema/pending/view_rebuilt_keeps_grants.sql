-- Pending: a case from the adversarial review of the diff (issue 11) that
-- still fails; see README "Not handled yet".  Move it to cases/ when fixed.
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
