# PGXS build of the migrate extension.
MODULE_big = migrate
OBJS = src/migrate.o src/api.o src/sync.o src/register.o src/check.o src/offline.o \
       src/runner.o src/statements.o src/catalog.o src/lock.o \
       src/cache.o src/store.o src/plan.o src/graph.o \
       src/guard.o src/script.o src/target.o src/util.o src/render.o \
       src/schema/snapshot.o src/schema/diffrun.o src/schema/diff.o \
       src/schema/order.o src/schema/json.o src/schema/namespace.o \
       src/schema/extension.o src/schema/collation.o src/schema/type.o \
       src/schema/sequence.o src/schema/table.o src/schema/column.o \
       src/schema/constraint.o src/schema/index.o src/schema/function.o \
       src/schema/view.o src/schema/trigger.o src/schema/policy.o \
       src/schema/other.o src/schema/rename.o src/schema/desired.o \
       src/schema/record.o

EXTENSION = migrate migrate_tap
DATA = migrate--0.1.sql migrate--0.1--0.2.sql migrate--0.2--0.3.sql \
       migrate--0.3--0.4.sql migrate--0.4--0.5.sql migrate--0.5--0.6.sql \
       migrate--0.6.sql migrate_tap--0.6.sql
PGFILEDESC = "migrate - Alembic-style schema migrations inside PostgreSQL"

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --outputdir=results-regress
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --inputdir=. --outputdir=results-isolation

PG_CPPFLAGS = -Isrc
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter $(PG_CFLAGS_EXTRA)

EXTRA_CLEAN = results-regress results-isolation

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies here: the diff's objects share structs
$(filter src/schema/%.o,$(OBJS)) src/api.o src/migrate.o: src/schema/schema.h src/schema/snapshot.h

# pg_migrate, the command-line client, has its own PGXS Makefile
all: client-all
install: client-install
clean: client-clean
client-all:
	$(MAKE) -C client
client-install:
	$(MAKE) -C client install
client-clean:
	$(MAKE) -C client clean
.PHONY: client-all client-install client-clean
