-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, rewrites_table
-- up-hazards: access_exclusive, data_dependent, rewrites_table
-- before
CREATE TABLE t (id int, n int);
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
CREATE TRIGGER t_upd BEFORE UPDATE OF n ON t FOR EACH ROW WHEN (OLD.n IS DISTINCT FROM NEW.n) EXECUTE FUNCTION trg();
-- after
CREATE TABLE t (id int, n bigint);
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$BEGIN NEW.id := 1; RETURN NEW; END$$;
CREATE TRIGGER t_trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION trg();
CREATE TRIGGER t_upd BEFORE UPDATE OF n ON t FOR EACH ROW WHEN (OLD.n IS DISTINCT FROM NEW.n) EXECUTE FUNCTION trg();
ALTER TABLE t DISABLE TRIGGER t_trg;
