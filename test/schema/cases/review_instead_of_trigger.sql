-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, deletes_data, irreversible
-- up-hazards: access_exclusive
-- before
CREATE TABLE t (id int, v text);
CREATE VIEW v AS SELECT id, v FROM t;
CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO t VALUES (NEW.id, NEW.v); RETURN NEW; END$$;
CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION v_ins();
-- after
CREATE TABLE t (id int, v text, w int);
CREATE VIEW v AS SELECT id, v, w FROM t;
CREATE FUNCTION v_ins() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN INSERT INTO t VALUES (NEW.id, NEW.v, NEW.w); RETURN NEW; END$$;
CREATE TRIGGER v_ins INSTEAD OF INSERT OR UPDATE ON v FOR EACH ROW EXECUTE FUNCTION v_ins();
