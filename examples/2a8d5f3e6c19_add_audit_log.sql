-- migrate:revision 2a8d5f3e6c19
-- migrate:revises b7e2c4d91f06
-- migrate:message Audit every change to orders and payments
-- migrate:upgrade
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name  text NOT NULL,
    row_id      bigint,
    action      text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    old_row     jsonb,
    new_row     jsonb,
    changed_by  text NOT NULL DEFAULT current_user,
    changed_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_table_row_idx ON audit_log (table_name, row_id);
CREATE INDEX audit_log_changed_at_idx ON audit_log USING brin (changed_at);

COMMENT ON TABLE audit_log IS
    'Append-only history of row changes, written by audit_row_change()';

CREATE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_doc jsonb;
    new_doc jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_doc := to_jsonb(OLD);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_doc := to_jsonb(NEW);
    END IF;
    IF TG_OP = 'UPDATE' AND old_doc = new_doc THEN
        RETURN NULL;            -- nothing actually changed
    END IF;
    INSERT INTO audit_log (table_name, row_id, action, old_row, new_row)
    VALUES (TG_TABLE_NAME, (coalesce(new_doc, old_doc) ->> 'id')::bigint,
            TG_OP, old_doc, new_doc);
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION audit_row_change() IS
    'Row trigger: appends the old and new row images to audit_log';

CREATE TRIGGER orders_audit
    AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION audit_row_change();

CREATE TRIGGER payments_audit
    AFTER INSERT OR UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION audit_row_change();
-- migrate:downgrade
DROP TRIGGER payments_audit ON payments;
DROP TRIGGER orders_audit ON orders;
DROP FUNCTION audit_row_change();
DROP TABLE audit_log;
