/*
 * pg_migrate.h
 *		The command-line client of migrate: shared declarations.
 *
 * pg_migrate reads a directory of revision files with the parser the
 * server uses (src/script.c), and asks the database for everything that
 * needs the revision graph: the server stays the only engine.
 */
#ifndef PG_MIGRATE_H
#define PG_MIGRATE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "libpq-fe.h"
#include "pqexpbuffer.h"

#include "script.h"

/* exit codes, as --help documents them */
#define EXIT_OK			0
#define EXIT_ERROR		1
#define EXIT_USAGE		2
#define EXIT_PENDING	3		/* status --exit-code, check: something to do */
#define EXIT_CANCELED	(128 + (int) interrupted)	/* 130 for Ctrl-C, 143 for SIGTERM */

/* ---------- the migrations directory (files.c) ---------- */

typedef struct MigFile
{
	char	   *name;			/* within the directory */
	char	   *text;			/* contents, NUL-terminated */
	ScriptFile	parsed;
	char	   *id;
	char	  **revises;
	int			nrevises;
	char	  **labels;
	int			nlabels;
	char	  **depends_on;
	int			ndepends_on;
} MigFile;

typedef struct MigDir
{
	const char *path;
	MigFile    *files;			/* sorted by name */
	int		   *by_id;			/* indexes of files, sorted by id */
	int			n;
} MigDir;

extern bool files_read(const char *path, MigDir *dir);
extern int	files_heads(MigDir *dir, int **heads);
extern bool files_is_ancestor(MigDir *dir, const char *anc, const char *of);
extern bool files_carry(MigDir *dir, const char *id);
extern int	files_resolve(MigDir *dir, const char *spec, const char *what);
extern char *files_write_revision(MigDir *dir, const char *id,
								  const char *message, char **parents,
								  int nparents, const char *labels,
								  const char *depends_on, const char *upgrade,
								  const char *downgrade, bool transactional);
extern char *files_new_id(void);

/* ---------- options ---------- */

typedef struct Options
{
	const char *verb;
	const char *dir;
	int			jobs;
	bool		quiet;
	bool		json;
	bool		verbose;
	bool		each;
	bool		dry_run;
	bool		yes;
	bool		backup;
	const char *backup_file;
	bool		exit_code;
	bool		purge;
	bool		prune;
	bool		splice;
	bool		downgrade;		/* sql --downgrade */
	const char *message;
	const char *head;
	const char *branch_label;
	const char *depends_on;
	const char *rev_id;
	const char *range;
	bool		autogenerate;	/* revision --autogenerate */
	const char *schema;			/* --schema FILE|DIR: the desired schema */
	const char *dev_url;		/* where scratch databases may be made */
	const char *diff_base;		/* revision --head: the revision built on ("" for
								 * base); NULL: the heads */
	bool		allow_destructive;
	bool		concurrently;
	const char *output;			/* graph -o FILE */
	const char *since;			/* graph --since REV */
	int			depth;			/* graph --depth N; 0: all */
	int			limit;			/* history --limit N; 0: all */
	char	  **renames;		/* --rename OLD=NEW, as given */
	int			nrenames;
	char	  **args;			/* the verb's positional arguments */
	int			nargs;
	const char *host;
	const char *port;
	const char *user;
} Options;

extern Options opt;
extern const char *progname;
extern MigDir migdir;

/* ---------- one database's run (session.c, report.c) ---------- */

typedef struct Job
{
	const char *conninfo;		/* as given: never printed */
	const char *dbname;			/* overrides the conninfo's (scratch databases) */
	char	   *label;			/* printable: no password */
	PGconn	   *conn;
	PGconn	   *side;			/* for looking at lock holders; opened on need */
	PGcancel   *volatile cancel;
	int			result;			/* an exit code */
	bool		buffered;		/* several databases: output kept per job */
	PQExpBufferData out;		/* buffered lines, each "o" or "e" first */
	PQExpBufferData steps;		/* JSON array items */
	int			nsteps;
	char		sqlstate[6];
	char	   *error;
	char	   *error_detail;
	char	   *error_hint;
	char	   *error_context;	/* the line naming the revision, if any */
	double		started;
	int			nsteps_seen;	/* "running ..." notices so far */
	int			plan_total;		/* steps the plan has, for progress; 0: unknown */
	double		plan_started;
	bool		progress_drawn;
	char	   *json_extra;		/* verb-specific JSON members */
	bool		quiet_sync;		/* a sync only to look: report nothing of it */
} Job;

extern volatile sig_atomic_t interrupted;	/* the signal that asked to stop, or 0 */

extern char *session_label(const char *conninfo);
extern bool session_open(Job *job);
extern void session_close(Job *job);
extern PGresult *session_query(Job *job, const char *sql, int nparams,
							   const char *const *params);
extern bool session_ok(Job *job, PGresult *res, const char *what);
extern bool session_command(Job *job, const char *sql);
extern PGresult *session_look(Job *job, const char *sql, int nparams,
							  const char *const *params);
extern char *session_text_array(char **items, int n);
extern void session_install_signals(void);

extern double now_seconds(void);
extern void report_fail(const char *hint, const char *fmt,...)
			pg_attribute_printf(2, 3);
extern void report_vfail(const char *hint, const char *fmt, va_list ap);
extern void report_line(Job *job, bool error, const char *fmt,...)
			pg_attribute_printf(3, 4);
extern void report_error(Job *job, const char *fmt,...)
			pg_attribute_printf(2, 3);
extern void report_detail(Job *job, const char *kind, const char *text);
extern void report_server_error(Job *job, const PGresult *res, const char *what);
extern void report_server_error_hint(Job *job, const PGresult *res,
									 const char *what, const char *more_hint);
extern void report_step(Job *job, const char *revision, const char *operation,
						const char *message, const char *duration);
extern void report_progress(Job *job, int done);
extern void report_flush(Job *job);
extern void report_json(Job *job, const char *extra);
extern char *json_string(const char *s);

/* ---------- downgrades that delete data (dataloss.c) ---------- */

extern int	dataloss_statements(const char *script, PQExpBuffer found, int show);

/* ---------- verbs (verbs.c) ---------- */

typedef int (*VerbFn) (Job *job);

extern int	verb_init(Job *job);
extern int	verb_upgrade(Job *job);
extern int	verb_downgrade(Job *job);
extern int	verb_current(Job *job);
extern int	verb_history(Job *job);
extern int	verb_heads(Job *job);
extern int	verb_branches(Job *job);
extern int	verb_show(Job *job);
extern int	verb_stamp(Job *job);
extern int	verb_status(Job *job);
extern int	verb_check(Job *job);
extern int	verb_sql(Job *job);
extern int	verb_drift(Job *job);
extern int	verb_graph(Job *job);
extern int	verb_upgrade_to(Job *job, const char *target);
extern bool verbs_begin_at_heads(Job *job);

/* ---------- the schema diff from the command line (autogen.c) ---------- */

typedef struct DiffRows
{
	int			n;
	char	  **statement;
	char	  **hazards;		/* space-separated labels */
	bool	   *transactional;
} DiffRows;

extern bool autogen_plan(Job *job, bool scratch, DiffRows *up, DiffRows *down);
extern void job_init(Job *job, const char *conninfo, const char *dbname);
extern bool autogen_run(Job *job, const char *conninfo, DiffRows *up,
						DiffRows *down);
extern char *autogen_script(const DiffRows *rows, bool *transactional);
extern int	autogen_check_rows(Job *job, const DiffRows *up);
extern int	verb_diff(const char *conninfo);
extern int	verb_check_scratch(void);

/* the verbs that need no database (files.c) */
extern int	verb_revision(const char *conninfo);
extern int	verb_merge(void);

#endif							/* PG_MIGRATE_H */
