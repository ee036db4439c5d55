-- A case from the adversarial review of the diff (issue 11).
-- down-hazards: access_exclusive, data_dependent, deletes_data, irreversible, rewrites_table
-- up-hazards: access_exclusive, data_dependent, index_build, rewrites_table
-- before
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Order" ("Select" int, "from col" text);
-- after
CREATE SCHEMA "My Schema";
CREATE TYPE "My Schema"."Mood Type" AS ENUM ('a''b', 'C d');
CREATE TABLE "My Schema"."Order" ("Select" bigint, "from col" text NOT NULL DEFAULT 'x', "user" "My Schema"."Mood Type");
CREATE INDEX "Idx Order" ON "My Schema"."Order" ("from col");
CREATE TABLE "My Schema"."Line" (id int CONSTRAINT "Line PK" PRIMARY KEY, "Order" int);
