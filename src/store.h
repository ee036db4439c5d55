/*
 * store.h
 *		Every read and write of the migrate.* tables.
 */
#ifndef MIGRATE_STORE_H
#define MIGRATE_STORE_H

#include "executor/spi.h"
#include "utils/timestamp.h"

#include "graph.h"

typedef struct StoredScript
{
	char	   *upgrade_sql;
	char	   *downgrade_sql;	/* NULL: irreversible */
	char	   *checksum;
} StoredScript;

typedef struct NewRevision
{
	char	   *id;
	List	   *down;			/* of char * */
	List	   *depends_on;
	List	   *branch_labels;
	char	   *message;
	char	   *upgrade_sql;
	char	   *downgrade_sql;
	bool		transactional;
	char	   *checksum;
	/* a revision read from a file: the file, and where its sections start */
	const char *file;
	int			upgrade_at;
	int			downgrade_at;
} NewRevision;

/* A name (id or label) and the revision owning it. */
typedef struct NameOwner
{
	char	   *name;
	char	   *owner;
	bool		is_label;
} NameOwner;

/*
 * What a set of revision rows was read at: the database, the relation,
 * the generation row of migrate.graph_generation with the transaction that
 * wrote it, and the trigger that moves it.  gen -1: the rows cannot be
 * cached.
 */
typedef struct GraphKey
{
	Oid			dbid;
	Oid			relid;			/* migrate.revisions */
	int64		gen;
	TransactionId xmin;			/* the writer of that gen */
	TransactionId trigger_xmin;	/* of the trigger's pg_trigger row */
} GraphKey;

extern Oid	store_extension_owner(void);
extern Oid	store_extension_schema(void);
extern RevRow *store_load_rows(int *nrows, MemoryContext keep, GraphKey *key);
extern bool store_generation_available(void);
extern bool store_may_read_scripts(void);
extern bool store_may_read_log(void);
extern char store_revisions_trigger(void);
extern void store_read_generation(GraphKey *key);
extern int64 store_generation(void);
extern void store_bump_generation(void);
extern int64 store_log_first(void);
extern List *store_lookup_names(List *names);
extern bool store_fetch_revision(const char *id, NewRevision *out);
extern NewRevision *store_load_registered(int *n);
extern List *store_load_version(void);
extern bool store_fetch_script(const char *id, StoredScript *out);
extern StoredScript store_get_script(const char *id);
extern void store_save_revision(NewRevision *rev, bool replace);
extern void store_delete_revision(const char *id);
extern void store_record_step(const char *revision, const char *operation,
							  const char *checksum, TimestampTz started,
							  Interval *duration, List *before, List *after);
extern void store_record_failure(const char *revision, const char *operation,
								 const char *checksum, TimestampTz started,
								 Interval *duration, List *heads,
								 const char *sqlstate, const char *error);
extern void store_set_version(List *before, List *after);
extern int	store_run_catalog(SPIPlanPtr *plan, const char *sql);
extern List *store_log_checksums(void);
extern int	store_history_log(List *ids);
extern bool store_repairs_available(void);
extern char *store_applied_checksum(const char *id);
extern void store_record_repair(const char *id, const char *checksum,
								List *heads, const char *detail);
extern void store_check_snapshot(void);
extern char *store_checksum(const char *upgrade_sql, const char *downgrade_sql);

extern bool store_schema_to_record(void);
extern void store_record_schema(Datum snapshot);
extern bool store_recorded_schema(Datum *snapshot, char **fingerprint,
								  char **recorded_at);

#endif							/* MIGRATE_STORE_H */
