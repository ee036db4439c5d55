-- Row-level security is switched on with policies, one restrictive.
-- up-hazards: access_exclusive
-- down-hazards: access_exclusive
-- up-contains: ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY
-- before
CREATE TABLE docs (id int, owner name, public bool);
-- after
CREATE TABLE docs (id int, owner name, public bool);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY;
ALTER TABLE docs FORCE ROW LEVEL SECURITY;
CREATE POLICY mine ON docs FOR ALL TO PUBLIC USING (owner = current_user) WITH CHECK (owner = current_user);
CREATE POLICY visible ON docs AS RESTRICTIVE FOR SELECT USING (public OR owner = current_user);
