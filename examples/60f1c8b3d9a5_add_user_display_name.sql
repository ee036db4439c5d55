-- migrate:revision 60f1c8b3d9a5
-- migrate:revises d6b9e1a4f278
-- migrate:message Add users.display_name, backfilled from the email address
-- migrate:upgrade
ALTER TABLE users ADD COLUMN display_name text;

-- Backfill: "jane.doe@example.com" becomes "Jane Doe".
UPDATE users
   SET display_name = coalesce(
           nullif(btrim(initcap(translate(split_part(email, '@', 1), '._-', '   '))), ''),
           email)
 WHERE display_name IS NULL;

ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_display_name_check
    CHECK (length(btrim(display_name)) BETWEEN 1 AND 200);

COMMENT ON COLUMN users.display_name IS 'Name shown in the UI';
-- migrate:downgrade
ALTER TABLE users DROP COLUMN display_name;
