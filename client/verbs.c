/*
 * verbs.c
 *		The verbs that need a database, each run against one database.
 *
 * Every verb first syncs the directory (migrate.sync()) in its
 * transaction, so that the server, the only graph engine, answers about
 * the files as they are.  Verbs that only read roll that transaction
 * back; upgrade, downgrade and stamp commit it with their steps, all or
 * nothing, unless --each or a non-transactional revision asks for a
 * commit per revision.
 */
#include "postgres_fe.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "pg_migrate.h"
#include "target.h"

/* the lowest extension version with everything pg_migrate calls */
#define NEEDED_VERSION "0.4"

typedef struct SyncCounts
{
	bool		compared;		/* false: the database answers without the files */
	int			files;
	int			fresh;			/* new */
	int			replaced;
	int			refused;
	int			stale;
	PQExpBufferData json;		/* files that are not unchanged */
} SyncCounts;

static const char *ids_of(const char *array_text);

static int
finish(Job *job, int code)
{
	if (interrupted && code != EXIT_OK)
	{
		job->error = job->error ? job->error : pg_strdup("canceled by user");
		strcpy(job->sqlstate, "57014");
		return EXIT_CANCELED;
	}
	return code;
}

/* ROLLBACK, quietly: the error that led here is what the user needs. */
static void
rollback(Job *job)
{
	PGresult   *res = session_query(job, "ROLLBACK", 0, NULL);

	PQclear(res);
}

/*
 * The extension is there and at least version (what needs it: "pg_migrate",
 * or a command that needs a later one); else say how to get it.
 */
static bool
extension_at_least(Job *job, const char *version, const char *what)
{
	PGresult   *res = session_query(job,
									"SELECT extversion, string_to_array(extversion, '.')::int[] >= string_to_array($1, '.')::int[]"
									" FROM pg_extension WHERE extname = 'migrate'",
									1, &version);
	bool		ok = false;

	if (!session_ok(job, res, "could not look up extension migrate"))
		;
	else if (PQntuples(res) == 0)
	{
		strcpy(job->sqlstate, "42704");
		report_error(job, "extension \"migrate\" is not installed in database %s", job->label);
		report_detail(job, "hint", "Run \"pg_migrate init\" (as a role that may CREATE EXTENSION), or CREATE EXTENSION migrate in psql.");
	}
	else if (strcmp(PQgetvalue(res, 0, 1), "t") != 0)
	{
		strcpy(job->sqlstate, "0A000");
		report_error(job, "extension \"migrate\" in database %s is version %s; %s needs %s",
					 job->label, PQgetvalue(res, 0, 0), what, version);
		report_detail(job, "hint", "Run ALTER EXTENSION migrate UPDATE in that database.");
	}
	else
		ok = true;
	PQclear(res);
	return ok;
}

static bool
check_extension(Job *job)
{
	return extension_at_least(job, NEEDED_VERSION, "pg_migrate");
}

/*
 * Register the directory with migrate.sync() in the open transaction and
 * count what changed.  False when a file was refused (reported, with the
 * server's reason): nothing should run on a directory the server does not
 * hold as written.
 *
 * A verb that only reads must neither wait behind a deploy (sync takes
 * migrate's lock) nor fail for a role that may read but not register: it
 * tries for a second, in a savepoint, and otherwise answers from the
 * database as it is (c->compared false, with a warning).  Its refusals are
 * warnings, and the repairs its rolled-back sync would make are not
 * announced.
 */
static bool
sync_files(Job *job, SyncCounts *c, bool read_only)
{
	char	  **texts = pg_malloc((migdir.n + 1) * sizeof(char *));
	char	  **names = pg_malloc((migdir.n + 1) * sizeof(char *));
	bool		verbose_changes = opt.verbose && strcmp(opt.verb, "status") == 0;
	const char *params[3];
	const char *state;
	PGresult   *res;
	int			i;

	memset(c, 0, sizeof(*c));
	initPQExpBuffer(&c->json);
	c->files = migdir.n;
	for (i = 0; i < migdir.n; i++)
	{
		texts[i] = migdir.files[i].text;
		names[i] = migdir.files[i].name;
	}
	params[0] = session_text_array(texts, migdir.n);
	params[1] = session_text_array(names, migdir.n);
	params[2] = opt.prune ? "true" : "false";
	if (read_only &&
		!session_command(job, "SAVEPOINT pg_migrate_sync;"
						 " SELECT set_config('pg_migrate.lock_timeout', current_setting('lock_timeout'), true),"
						 " set_config('pg_migrate.client_min_messages', current_setting('client_min_messages'), true);"
						 " SET LOCAL lock_timeout = '1s'; SET LOCAL client_min_messages = warning"))
		return false;
	res = session_query(job, "SELECT revision, file_name, status, detail"
						" FROM migrate.sync($1::text[], $2::text[], $3::boolean)",
						3, params);
	pg_free((char *) params[0]);
	pg_free((char *) params[1]);
	pg_free(texts);
	pg_free(names);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (read_only && PQresultStatus(res) == PGRES_FATAL_ERROR && state &&
		(strcmp(state, "42501") == 0 || strcmp(state, "55P03") == 0))
	{
		PQclear(res);
		report_line(job, true, "%s: warning: the files are not compared with database %s: %s",
					progname, job->label, strcmp(state, "42501") == 0
					? "no EXECUTE on migrate.sync()"
					: "another session holds migrate's lock (a deploy?)");
		return session_command(job, "ROLLBACK TO SAVEPOINT pg_migrate_sync");
	}
	if (!session_ok(job, res, "could not sync the migrations directory"))
	{
		PQclear(res);
		return false;
	}
	c->compared = true;
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *rev = PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0);
		const char *file = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
		const char *status = PQgetvalue(res, i, 2);
		const char *detail = PQgetisnull(res, i, 3) ? NULL : PQgetvalue(res, i, 3);
		char	   *jr,
				   *jf,
				   *jd;

		if (strcmp(status, "unchanged") == 0)
			continue;
		if (strcmp(status, "new") == 0)
			c->fresh++;
		else if (strcmp(status, "replaced") == 0)
			c->replaced++;
		else if (strcmp(status, "refused") == 0)
			c->refused++;
		else if (strcmp(status, "stale") == 0)
			c->stale++;
		jr = json_string(rev);
		jf = json_string(file);
		jd = json_string(detail);
		appendPQExpBuffer(&c->json, "%s{\"revision\": %s, \"file\": %s, \"status\": \"%s\", \"detail\": %s}",
						  c->json.len ? ", " : "", jr, jf, status, jd);
		pg_free(jr);
		pg_free(jf);
		pg_free(jd);
		if (job->quiet_sync && strcmp(status, "refused") != 0)
			continue;
		if (strcmp(status, "refused") == 0)
			report_line(job, true, "%s: %s: file \"%s/%s\" was refused: %s",
						progname, read_only ? "warning" : "error", migdir.path, file, detail);
		else if (strcmp(status, "pruned") == 0 && !opt.quiet)
			report_line(job, false, "Pruned %s: no file carries it, and it was not applied", rev);
		else if (verbose_changes && file)
			report_line(job, false, "%-9s %s (%s)%s%s", status, file, rev,
						detail ? ": " : "", detail ? detail : "");
		else if (verbose_changes)
			report_line(job, false, "%-9s %s: %s", strcmp(status, "stale") == 0 ? "missing" : status,
						rev, detail ? detail : "");
	}
	PQclear(res);
	/* the settings of the user's session again (SET LOCAL outlives RELEASE) */
	if (read_only)
		return session_command(job, "RELEASE SAVEPOINT pg_migrate_sync;"
							   " SELECT set_config('lock_timeout', current_setting('pg_migrate.lock_timeout'), true),"
							   " set_config('client_min_messages', current_setting('pg_migrate.client_min_messages'), true)") &&
			c->refused == 0;
	if (c->refused > 0 && job->error == NULL)
	{
		job->error = psprintf("%d file%s of the migrations directory %s refused",
							  c->refused, c->refused == 1 ? "" : "s", c->refused == 1 ? "was" : "were");
		strcpy(job->sqlstate, "55000");
	}
	return c->refused == 0;
}

/*
 * BEGIN, check the extension, sync.  For a verb that only reads, a file
 * refused is a warning and does not stop it.
 */
static bool
begin_synced(Job *job, SyncCounts *c, bool read_only)
{
	if (!session_command(job, "BEGIN"))
		return false;
	if (!check_extension(job))
	{
		rollback(job);
		return false;
	}
	if (!sync_files(job, c, read_only) &&
		(!read_only || PQtransactionStatus(job->conn) != PQTRANS_INTRANS))
	{
		if (c->refused > 0)
			report_detail(job, "hint", "Nothing was applied. Correct the file, or put the change in a new revision.");
		rollback(job);
		return false;
	}
	return true;
}

/*
 * For the schema diff: BEGIN, sync, and require the database at the heads
 * of the files, the schema a new revision starts from.  The transaction
 * stays open for the caller, who rolls it back.
 */
bool
verbs_begin_at_heads(Job *job)
{
	SyncCounts	c;
	PGresult   *res;
	bool		ok = false;

	job->quiet_sync = true;
	if (!begin_synced(job, &c, false))
		return false;
	/* revision --head REV: at REV exactly ("" for base: nothing applied) */
	if (opt.diff_base)
		res = session_query(job, "SELECT CASE WHEN coalesce(current, '{}') = $1::text[] THEN 0 ELSE 1 END,"
							" coalesce(current, '{}')::text, problem FROM migrate.status()", 1,
							(const char *[]) {opt.diff_base[0] ? psprintf("{%s}", opt.diff_base) : "{}"});
	else
		res = session_query(job, "SELECT coalesce(cardinality(pending), 0), pending::text, problem"
							" FROM migrate.status()", 0, NULL);
	if (!session_ok(job, res, NULL))
		;
	else if (!PQgetisnull(res, 0, 2))
	{
		strcpy(job->sqlstate, "55000");
		report_error(job, "database %s has a problem: %s", job->label, PQgetvalue(res, 0, 2));
		report_detail(job, "hint", "Run \"pg_migrate check\" to see it; the schema is compared at the heads of the files.");
	}
	else if (opt.diff_base && atoi(PQgetvalue(res, 0, 0)) > 0)
	{
		strcpy(job->sqlstate, "55000");
		report_error(job, "database %s is not at %s, the revision the new one builds on",
					 job->label, opt.diff_base[0] ? opt.diff_base : "base");
		report_detail(job, "detail", psprintf("Its version rows are: %s.", PQgetvalue(res, 0, 1)[2] ?
											  ids_of(PQgetvalue(res, 0, 1)) : "none"));
		report_detail(job, "hint", "Pass --dev-url to build that schema in a scratch database, or bring the database there first.");
	}
	else if (atoi(PQgetvalue(res, 0, 0)) > 0)
	{
		int			n = atoi(PQgetvalue(res, 0, 0));

		strcpy(job->sqlstate, "55000");
		report_error(job, "database %s is not at the heads of the files", job->label);
		report_detail(job, "detail", psprintf("%d revision%s pending: %s.", n, n == 1 ? " is" : "s are",
											  ids_of(PQgetvalue(res, 0, 1))));
		report_detail(job, "hint", "Run \"pg_migrate upgrade heads\" first, or pass --dev-url to build the head schema in a scratch database.");
	}
	else
		ok = true;
	PQclear(res);
	if (!ok)
		rollback(job);
	return ok;
}

/* ---------- backups ---------- */

/* pg_dump of the same installation as pg_migrate, else the one on PATH. */
static char *
find_pg_dump(void)
{
	char		self[MAXPGPATH];
	ssize_t		n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0)
	{
		char	   *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
		{
			char	   *candidate;

			*slash = '\0';
			candidate = psprintf("%s/pg_dump", self);
			if (access(candidate, X_OK) == 0)
				return candidate;
			pg_free(candidate);
		}
	}
	return pg_strdup("pg_dump");
}

/*
 * The live connection as a conninfo for pg_dump: every setting it was
 * made with (channel_binding, requirepeer, sslmode, ... keep protecting the
 * password), but not the password itself nor what pg_dump sets itself.
 */
static char *
dump_conninfo(PGconn *conn)
{
	PQconninfoOption *opts = PQconninfo(conn);
	PQconninfoOption *o;
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	for (o = opts; o && o->keyword; o++)
	{
		const char *v;

		if (o->val == NULL || o->val[0] == '\0' ||
			strcmp(o->keyword, "password") == 0 ||
			strcmp(o->keyword, "fallback_application_name") == 0 ||
			strcmp(o->keyword, "application_name") == 0 ||
			strcmp(o->keyword, "client_encoding") == 0)
			continue;
		appendPQExpBuffer(&buf, "%s%s='", buf.len ? " " : "", o->keyword);
		for (v = o->val; *v; v++)
		{
			if (*v == '\'' || *v == '\\')
				appendPQExpBufferChar(&buf, '\\');
			appendPQExpBufferChar(&buf, *v);
		}
		appendPQExpBufferChar(&buf, '\'');
	}
	PQconninfoFree(opts);
	return buf.data;
}

/*
 * Create the dump file, never over another: FILE as given, else
 * <database>-<date>-<time>.dump, with -2, -3, ... when several databases
 * of one name are dumped in the same second.  Returns its path, or NULL
 * (reported).
 */
static char *
create_dump_file(Job *job)
{
	char		stamp[32];
	time_t		t = time(NULL);
	struct tm	tm;
	char	   *base;
	char	   *path;
	char	   *c;
	int			fd;
	int			k;

	if (opt.backup_file)
	{
		fd = open(opt.backup_file, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
		{
			report_error(job, "could not create backup file \"%s\": %m", opt.backup_file);
			report_detail(job, "hint", errno == EEXIST ? "Choose a new file name: an earlier backup is never overwritten."
						  : "Choose a file in a directory you may write to.");
			return NULL;
		}
		close(fd);
		return pg_strdup(opt.backup_file);
	}
	/* jobs run in threads: localtime_r */
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime_r(&t, &tm));
	base = psprintf("%s-%s", job->label, stamp);
	for (c = base; *c; c++)
		if (!isalnum((unsigned char) *c) && *c != '-' && *c != '_' && *c != '.')
			*c = '_';
	for (k = 1; k < 1000; k++)
	{
		path = k == 1 ? psprintf("%s.dump", base) : psprintf("%s-%d.dump", base, k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0)
		{
			close(fd);
			return path;
		}
		if (errno != EEXIST)
			break;
		pg_free(path);
	}
	report_error(job, "could not create backup file \"%s.dump\": %m", base);
	return NULL;
}

/*
 * pg_dump -Fc of the database before anything changes; false stops the
 * verb.  pg_dump gets the live connection's settings and, through its
 * environment rather than its command line, the password.
 */
static bool
take_backup(Job *job)
{
	char	   *file = create_dump_file(job);
	char	   *pg_dump = find_pg_dump();
	const char *argv[8];
	char	  **envp;
	int			nenv,
				k,
				e = 0;
	pid_t		pid;
	int			status = 0;
	int			rc;
	double		start = now_seconds();
	const char *password = PQpass(job->conn);

	if (file == NULL)
		return false;
	argv[0] = pg_dump;
	argv[1] = "--format=custom";
	argv[2] = "--file";
	argv[3] = file;
	argv[4] = "--dbname";
	argv[5] = dump_conninfo(job->conn);
	argv[6] = NULL;
	for (nenv = 0; environ[nenv]; nenv++)
		;
	envp = pg_malloc((nenv + 2) * sizeof(char *));
	for (k = 0; k < nenv; k++)
		if (strncmp(environ[k], "PGPASSWORD=", 11) != 0)
			envp[e++] = environ[k];
	if (password && password[0])
		envp[e++] = psprintf("PGPASSWORD=%s", password);
	envp[e] = NULL;

	rc = posix_spawnp(&pid, pg_dump, NULL, NULL, (char *const *) argv, envp);
	if (rc == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
	{
		report_error(job, "backup of database %s failed; nothing was changed", job->label);
		if (rc != 0)
			report_detail(job, "detail", psprintf("Could not run %s: %s.", pg_dump, strerror(rc)));
		else
			report_detail(job, "detail", psprintf("%s exited with status %d while writing \"%s\".",
												  pg_dump, WIFEXITED(status) ? WEXITSTATUS(status) : -1, file));
		report_detail(job, "hint", "Check pg_dump's message above, or leave out --backup.");
		unlink(file);
		return false;
	}
	if (!opt.quiet)
		report_line(job, false, "Backup of database %s written to %s (%.1f s)",
					job->label, file, now_seconds() - start);
	return true;
}

/* ---------- upgrade and downgrade ---------- */

/* The revision named first in a bookkeeping statement ('a1' of apply_step('a1', ...)). */
static char *
statement_revision(const char *stmt)
{
	const char *q = strchr(stmt, '\'');
	const char *e = q ? strchr(q + 1, '\'') : NULL;

	return e ? pnstrdup(q + 1, e - q - 1) : NULL;
}


/*
 * An upgrade runs what the files say: a revision registered from a file
 * that is gone (another git branch, a file deleted) is refused.  Its
 * downgrade, from the database, stays allowed: that is how one leaves it.
 */
static bool
refuse_stale_step(Job *job, const char *direction, const char *rev)
{
	if (strcmp(direction, "upgrade") != 0 || rev == NULL || files_carry(&migdir, rev))
		return false;
	report_error(job, "revision \"%s\" would be applied, but no file in %s carries it", rev, migdir.path);
	report_detail(job, "detail", "It was registered from a file that is gone.");
	report_detail(job, "hint", "Restore its file, or run \"pg_migrate upgrade --prune\" to drop the revisions no file carries that are not applied.");
	strcpy(job->sqlstate, "55000");
	return true;
}

/*
 * Whether a target counts from the version rows ("+2", "-1", "a1+1",
 * "label@-1"): such a plan is not made again after another deploy moved
 * them, or it would go further than asked.
 */
static bool
relative_target(const char *target)
{
	TargetSpec	spec;
	const char *error;

	return !target_parse(target, strlen(target), &spec, &error) ||
		spec.kind == TARGET_RELATIVE || spec.has_delta;
}

/* A step that failed, kept past its PGresult until the rollback is done. */
typedef struct FailedStep
{
	char	   *revision;		/* NULL: not a revision's script */
	const char *operation;
	char		sqlstate[6];
	char	   *message;
	double		seconds;
} FailedStep;

/*
 * What failed, from the error: the revision named by the server's context
 * line ("while applying revision "x" (upgrade)"), else fallback (a
 * non-transactional statement the client ran itself), else nothing: an
 * error of migrate's own, such as an out-of-date plan, is not a step's.
 */
static void
failed_step(const PGresult *res, const char *fallback, const char *direction,
			double seconds, FailedStep *f)
{
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *at = context ? strstr(context, "while applying revision \"") : NULL;

	memset(f, 0, sizeof(*f));
	if (at)
	{
		const char *id = at + strlen("while applying revision \"");
		const char *end = strchr(id, '"');

		if (end)
		{
			f->revision = pnstrdup(id, end - id);
			f->operation = strncmp(end, "\" (downgrade)", 13) == 0 ? "downgrade" : "upgrade";
		}
	}
	else if (fallback)
	{
		f->revision = pg_strdup(fallback);
		f->operation = direction;
	}
	if (state == NULL || strlen(state) != 5 || message == NULL)
	{
		pg_free(f->revision);
		f->revision = NULL;
		return;
	}
	strcpy(f->sqlstate, state);
	f->message = pg_strdup(message);
	f->seconds = seconds;
}

/*
 * Log a failed step once its transaction is rolled back
 * (migrate.record_failure()), so that history -v shows it.  Quietly
 * nothing for an extension older than 0.6 or a role without the grant:
 * the failure itself, already reported, is what the user needs.
 */
static void
record_failed_step(Job *job, FailedStep *f)
{
	char		secs[32];
	const char *params[5];
	PGresult   *res;

	if (f->revision == NULL || interrupted || PQstatus(job->conn) != CONNECTION_OK ||
		PQtransactionStatus(job->conn) != PQTRANS_IDLE)
		return;
	snprintf(secs, sizeof(secs), "%.6f", f->seconds);
	params[0] = f->revision;
	params[1] = f->operation;
	params[2] = f->sqlstate;
	params[3] = f->message;
	params[4] = secs;
	/* asked apart: a call the role may not make fails before any WHERE */
	res = PQexec(job->conn,
				 "SELECT has_function_privilege(p, 'EXECUTE')"
				 " FROM to_regprocedure('migrate.record_failure(text, text, text, text, interval)') AS p"
				 " WHERE p IS NOT NULL");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		strcmp(PQgetvalue(res, 0, 0), "t") == 0)
	{
		PQclear(res);
		res = PQexecParams(job->conn,
						   "SELECT migrate.record_failure($1, $2, $3, $4, make_interval(secs => $5::float8))",
						   5, NULL, params, NULL, NULL, 0);
	}
	PQclear(res);
	pg_free(f->revision);
	pg_free(f->message);
	f->revision = NULL;
}

#define IS_OPENER(s) (strncmp((s), "SELECT migrate.apply_step(", 26) == 0 || \
					  strncmp((s), "SELECT migrate.begin_step(", 26) == 0)
#define IS_CLOSER(s) (strncmp((s), "SELECT migrate.apply_step(", 26) == 0 || \
					  strncmp((s), "SELECT migrate.end_step(", 24) == 0)

/*
 * Run the plan as top-level statements, one commit per revision, as
 * upgrade_statements() lays it out: what psql's \gexec would do.  The plan
 * is made outside migrate's lock, so a deploy that ran meanwhile makes a
 * step out of date: then the plan is made again from the version rows.
 * An interruption leaves the steps before it applied and recorded; the
 * same command again resumes.
 */
static int
run_statements(Job *job, SyncCounts *c, const char *direction, const char *target)
{
	char	   *sql = psprintf("SELECT s FROM migrate.%s_statements($1) AS s", direction);
	int			replans = 0;

	job->plan_started = now_seconds();
	for (;;)
	{
		PGresult   *plan = session_query(job, sql, 1, &target);
		FailedStep	failed;
		char	   *rev = NULL;
		double		step_start = 0;
		int			statement = 0;
		int			i,
					n;
		bool		replan = false;

		if (!session_ok(job, plan, NULL))
		{
			PQclear(plan);
			return finish(job, EXIT_ERROR);
		}
		n = PQntuples(plan);
		job->plan_total = job->nsteps;
		for (i = 0; i < n; i++)
		{
			const char *stmt = PQgetvalue(plan, i, 0);

			if (IS_OPENER(stmt))
			{
				char	   *r = statement_revision(stmt);

				job->plan_total++;
				if (refuse_stale_step(job, direction, r))
				{
					PQclear(plan);
					return finish(job, EXIT_ERROR);
				}
			}
		}
		for (i = 0; i < n && !interrupted; i++)
		{
			const char *stmt = PQgetvalue(plan, i, 0);
			PGresult   *res;

			if (IS_OPENER(stmt))
			{
				step_start = now_seconds();
				rev = statement_revision(stmt);
				statement = 0;
			}
			else if (!IS_CLOSER(stmt))
				statement++;
			res = session_query(job, stmt, 0, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
			{
				const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

				if (IS_OPENER(stmt) && hint && strncmp(hint, "The plan is out of date", 23) == 0 &&
					!relative_target(target) && replans++ < 10)
				{
					/* another deploy moved the version rows: plan again */
					PQclear(res);
					replan = true;
					break;
				}
				report_server_error(job, res, NULL);
				failed_step(res, statement > 0 ? rev : NULL, direction, now_seconds() - step_start, &failed);
				PQclear(res);
				/* autocommit: the failed statement is rolled back already */
				record_failed_step(job, &failed);
				if (statement > 0)
					report_line(job, true, "%s: context: while applying non-transactional revision \"%s\" (%s), statement %d",
								progname, rev, direction, statement);
				report_detail(job, "detail", psprintf("%d step%s applied and committed before this one.",
													  job->nsteps, job->nsteps == 1 ? " was" : "s were"));
				report_detail(job, "hint", "Correct the cause and run the same command again: finished revisions are not repeated, and a non-transactional revision that was cut off runs again from its first statement.");
				PQclear(plan);
				return finish(job, EXIT_ERROR);
			}
			PQclear(res);
			if (IS_CLOSER(stmt))
			{
				char		ms[32];

				snprintf(ms, sizeof(ms), "%.3f", (now_seconds() - step_start) * 1000.0);
				report_step(job, rev, direction, NULL, ms);
			}
		}
		PQclear(plan);
		if (!replan)
			break;
	}
	if (interrupted)
	{
		report_error(job, "canceled by user after %d step%s", job->nsteps, job->nsteps == 1 ? "" : "s");
		report_detail(job, "hint", "The steps before the interruption are committed; run the same command again to resume.");
		return finish(job, EXIT_CANCELED);
	}
	if (job->nsteps == 0 && !opt.quiet)
		report_line(job, false, "Nothing to %s: database %s is already at %s.", direction, job->label, target);
	return EXIT_OK;
}

/*
 * The number of steps of the plan, made in a savepoint; -1 when it cannot
 * be made (the error reported when report_errors), -2 when this role may
 * not read the scripts it would show.
 */
static int
plan_length(Job *job, const char *direction, const char *target, bool report_errors)
{
	char	   *sql = psprintf("SELECT count(*) FILTER (WHERE s LIKE 'SELECT migrate.apply_step(%%'"
							   " OR s LIKE 'SELECT migrate.begin_step(%%') FROM migrate.%s_statements($1) AS s",
							   direction);
	PGresult   *res;
	int			n = -1;

	res = session_look(job, sql, 1, &target);
	pg_free(sql);
	if (res == NULL)
		return -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		n = atoi(PQgetvalue(res, 0, 0));
	else if (PQresultErrorField(res, PG_DIAG_SQLSTATE) &&
			 strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501") == 0)
		n = -2;
	else if (report_errors)
		report_server_error(job, res, NULL);
	PQclear(res);
	return n;
}

/*
 * Whether every step of an upgrade plan is carried by a file (reported
 * when not).  A role that may not read the plan's scripts is checked
 * after the run instead, before its commit.
 */
static bool
plan_carried_by_files(Job *job, const char *target)
{
	PGresult   *res;
	bool		ok = true;
	int			i;

	res = session_look(job, "SELECT s FROM migrate.upgrade_statements($1) AS s", 1, &target);
	if (res == NULL)
		return false;
	for (i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res) && ok; i++)
		if (IS_OPENER(PQgetvalue(res, i, 0)) &&
			refuse_stale_step(job, "upgrade", statement_revision(PQgetvalue(res, i, 0))))
			ok = false;
	PQclear(res);
	return ok;
}

/*
 * The statements of a downgrade that delete data, as a warning; the count,
 * 0 too when the plan cannot be made (downgrade() will say why), -1 when
 * the role may not read the scripts (unknown: treated as deleting data).
 */
static int
warn_data_loss(Job *job, const char *target)
{
	PGresult   *res;
	PQExpBufferData found;
	int			n;

	/* the caller rolls this transaction back: an error here costs nothing */
	res = session_query(job, "SELECT migrate.downgrade_sql($1)", 1, &target);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQgetisnull(res, 0, 0))
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		bool		denied = state && strcmp(state, "42501") == 0;

		PQclear(res);
		if (!denied)
			return 0;
		/* a role that may not read the scripts cannot have them checked */
		report_line(job, true, "%s: warning: the downgrade's scripts cannot be checked for statements that delete data: no SELECT on migrate.revisions",
					progname);
		return -1;
	}
	initPQExpBuffer(&found);
	n = dataloss_statements(PQgetvalue(res, 0, 0), &found, 5);
	PQclear(res);
	if (n > 0)
		report_line(job, true, "%s: warning: this downgrade deletes data (%d statement%s): %s%s",
					progname, n, n == 1 ? "" : "s", found.data,
					n > 5 ? psprintf("; and %d more", n - 5) : "");
	termPQExpBuffer(&found);
	return n;
}

/*
 * A downgrade that deletes data goes ahead only with --backup, --yes, or
 * a yes typed at a terminal.  The question is asked between transactions:
 * nobody waits on migrate's lock while a person reads it.
 */
static bool
confirm_data_loss(Job *job, const char *target)
{
	SyncCounts c;
	char		answer[16];
	int			n;

	job->quiet_sync = true;
	if (!begin_synced(job, &c, false))
		return false;
	n = warn_data_loss(job, target);
	rollback(job);
	job->quiet_sync = false;
	if (n == 0)
		return true;
	if (!job->buffered && isatty(fileno(stdin)) && isatty(fileno(stderr)))
	{
		fprintf(stderr, "Continue without a backup? [y/N] ");
		fflush(stderr);
		if (fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y'))
			return true;
	}
	strcpy(job->sqlstate, "55000");
	report_error(job, "downgrade of database %s not run: it %s", job->label,
				 n < 0 ? "may delete data" : "deletes data");
	report_detail(job, "hint", n < 0
				  ? "Pass --backup to take a pg_dump first, or --yes to go ahead without one; GRANT SELECT ON migrate.revisions lets the check read the scripts."
				  : "Pass --backup to take a pg_dump first, or --yes to go ahead without one.");
	return false;
}

/* --dry-run: each step with its locks and rewrites, then roll back */
static int
dry_run(Job *job, const char *direction, const char *target)
{
	/* per relation its strongest lock; relations grouped by lock mode */
	char	   *sql = psprintf("SELECT revision, operation, coalesce(message, ''),"
							   " coalesce((SELECT string_agg(mode || ' on ' || rels, '; ' ORDER BY rank)"
							   "  FROM (SELECT mode, rank, string_agg(rel, ', ' ORDER BY rel) AS rels"
							   "   FROM (SELECT DISTINCT ON (rel) rel, mode, rank FROM"
							   "    (SELECT split_part(l, ' on ', 2) AS rel, split_part(l, ' on ', 1) AS mode,"
							   "     array_position(ARRAY['AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock',"
							   "      'ShareLock', 'ShareUpdateExclusiveLock', 'RowExclusiveLock', 'RowShareLock',"
							   "      'AccessShareLock'], split_part(l, ' on ', 1)) AS rank"
							   "     FROM unnest(locks) AS l) AS each_lock ORDER BY rel, rank) AS strongest"
							   "   GROUP BY mode, rank) AS by_mode), ''),"
							   " array_to_string(rewritten, ', ') FROM migrate.%s($1, dry_run => true)", direction);
	PGresult   *res = session_query(job, sql, 1, &target);
	int			i;

	pg_free(sql);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	for (i = 0; i < PQntuples(res); i++)
	{
		report_line(job, false, "%s %s%s%s", PQgetvalue(res, i, 1), PQgetvalue(res, i, 0),
					PQgetvalue(res, i, 2)[0] ? ", " : "", PQgetvalue(res, i, 2));
		report_line(job, false, "    locks: %s", PQgetvalue(res, i, 3)[0] ? PQgetvalue(res, i, 3) : "none");
		if (PQgetvalue(res, i, 4)[0])
			report_line(job, false, "    rewrites: %s", PQgetvalue(res, i, 4));
		report_step(job, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), NULL);
	}
	report_line(job, false, PQntuples(res) == 0 ? "Nothing to %s." : "Dry run of the %s: nothing was applied.",
				direction);
	PQclear(res);
	rollback(job);
	return EXIT_OK;
}

/* upgrade [TARGET] and downgrade TARGET */
static int
apply(Job *job, const char *direction, const char *target)
{
	SyncCounts c;
	PGresult   *res;
	FailedStep	failed;
	char	   *sql;
	int			steps = -3;		/* not counted yet */
	int			i;

	if (strcmp(direction, "downgrade") == 0 && !opt.backup && !opt.yes && !opt.dry_run &&
		!confirm_data_loss(job, target))
		return finish(job, EXIT_ERROR);
	if (!begin_synced(job, &c, false))
		return finish(job, EXIT_ERROR);
	if (opt.dry_run)
		return dry_run(job, direction, target);

	/*
	 * The backup is taken once the plan is known to be possible and not
	 * empty; pg_dump sees the database as committed, before this run.
	 */
	if (opt.backup)
	{
		steps = plan_length(job, direction, target, true);
		if (steps == -1)
		{
			rollback(job);
			report_detail(job, "hint", "Nothing was changed, and no backup was taken.");
			return finish(job, EXIT_ERROR);
		}
		if (steps != 0 && !take_backup(job))
		{
			rollback(job);
			return finish(job, EXIT_ERROR);
		}
	}

	if (opt.each)
	{
		/* the sync commits on its own; each revision then commits */
		if (!session_command(job, "COMMIT"))
			return finish(job, EXIT_ERROR);
		return run_statements(job, &c, direction, target);
	}

	/*
	 * A revision no file carries must not even start: when the sync found
	 * any, look at the plan first.  (This transaction holds migrate's lock
	 * from its sync on, so nobody registers one meanwhile.)
	 */
	if (c.stale > 0 && strcmp(direction, "upgrade") == 0 &&
		!plan_carried_by_files(job, target))
	{
		rollback(job);
		return finish(job, EXIT_ERROR);
	}

	/* the progress bar needs the plan's length; only worth it on a terminal */
	if (!job->buffered && !opt.json && !opt.quiet && isatty(fileno(stderr)))
	{
		if (steps == -3)
			steps = plan_length(job, direction, target, false);
		job->plan_total = steps >= 5 ? steps : 0;
		job->plan_started = now_seconds();
	}

	if (!session_command(job, "SAVEPOINT pg_migrate_steps"))
	{
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	sql = psprintf("SELECT revision, operation, message, extract(epoch FROM duration) * 1000"
				   " FROM migrate.%s($1)", direction);
	res = session_query(job, sql, 1, &target);
	pg_free(sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && strcmp(state, "25001") == 0 && !interrupted)
		{
			/* a non-transactional revision: top-level statements, as \gexec */
			PQclear(res);
			res = session_query(job, "ROLLBACK TO SAVEPOINT pg_migrate_steps", 0, NULL);
			PQclear(res);
			if (!session_command(job, "COMMIT"))
				return finish(job, EXIT_ERROR);
			if (!opt.quiet)
				report_line(job, false, "The plan has a non-transactional revision: each revision commits on its own.");
			return run_statements(job, &c, direction, target);
		}
		report_server_error(job, res, NULL);
		failed_step(res, NULL, direction, 0, &failed);
		PQclear(res);
		rollback(job);
		record_failed_step(job, &failed);
		if (interrupted)
			report_detail(job, "detail", "Canceled by user: the whole run was rolled back; nothing was applied.");
		else if (PQstatus(job->conn) != CONNECTION_BAD)
			report_detail(job, "hint", "Nothing was applied: the whole run was rolled back.");
		return finish(job, EXIT_ERROR);
	}
	for (i = 0; i < PQntuples(res); i++)
		if (refuse_stale_step(job, direction, PQgetvalue(res, i, 0)))
		{
			PQclear(res);
			rollback(job);
			report_detail(job, "hint", "Nothing was applied: the whole run was rolled back.");
			return finish(job, EXIT_ERROR);
		}
	for (i = 0; i < PQntuples(res); i++)
		report_step(job, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
					PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2), PQgetvalue(res, i, 3));
	PQclear(res);
	if (interrupted)
	{
		rollback(job);
		report_error(job, "canceled by user; nothing was applied");
		return finish(job, EXIT_CANCELED);
	}
	if (!session_command(job, "COMMIT"))
	{
		report_detail(job, "hint", "If the connection was lost during COMMIT, run \"pg_migrate current\" to see whether it took effect.");
		return finish(job, EXIT_ERROR);
	}
	if (job->nsteps == 0 && !opt.quiet)
		report_line(job, false, "Nothing to %s: database %s is already at %s.", direction, job->label, target);
	return EXIT_OK;
}

int
verb_upgrade(Job *job)
{
	return apply(job, "upgrade", opt.nargs > 0 ? opt.args[0] : "head");
}

/* upgrade without the verb: a scratch database of the schema diff */
int
verb_upgrade_to(Job *job, const char *target)
{
	return apply(job, "upgrade", target);
}

int
verb_downgrade(Job *job)
{
	return apply(job, "downgrade", opt.nargs > 0 ? opt.args[0] : "-1");
}

/* ---------- init and stamp ---------- */

int
verb_init(Job *job)
{
	PGresult   *res;

	if (!session_command(job, "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS migrate; RESET client_min_messages"))
	{
		report_detail(job, "hint", "CREATE EXTENSION migrate needs a superuser, and migrate installed on the server (make install).");
		return finish(job, EXIT_ERROR);
	}
	if (!check_extension(job))
		return finish(job, EXIT_ERROR);
	res = session_query(job, "SELECT extversion FROM pg_extension WHERE extname = 'migrate'", 0, NULL);
	if (session_ok(job, res, NULL) && !opt.quiet)
		report_line(job, false, "Extension migrate %s is installed in database %s.",
					PQgetvalue(res, 0, 0), job->label);
	PQclear(res);
	return EXIT_OK;
}

int
verb_stamp(Job *job)
{
	SyncCounts c;
	PGresult   *res;
	const char *params[2];
	int			i;

	if (!begin_synced(job, &c, false))
		return finish(job, EXIT_ERROR);
	params[0] = session_text_array(opt.args, opt.nargs);
	params[1] = opt.purge ? "true" : "false";
	res = session_query(job, "SELECT * FROM migrate.stamp($1::text[], $2::boolean)", 2, params);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	if (interrupted)
	{
		PQclear(res);
		rollback(job);
		report_error(job, "canceled by user; nothing was stamped");
		return finish(job, EXIT_CANCELED);
	}
	if (!session_command(job, "COMMIT"))
	{
		PQclear(res);
		return finish(job, EXIT_ERROR);
	}
	if (!opt.quiet)
	{
		PQExpBufferData rows;

		initPQExpBuffer(&rows);
		for (i = 0; i < PQntuples(res); i++)
			appendPQExpBuffer(&rows, "%s%s", i ? ", " : "", PQgetvalue(res, i, 0));
		report_line(job, false, "Stamped database %s: version rows %s.", job->label,
					rows.len ? rows.data : "none (base)");
		termPQExpBuffer(&rows);
	}
	PQclear(res);
	return EXIT_OK;
}

/* ---------- reading ---------- */

/*
 * Run a reading query on the synced directory, in a transaction rolled
 * back afterwards.  NULL (reported) on failure.
 */
static PGresult *
read_query(Job *job, const char *sql, int nparams, const char *const *params)
{
	SyncCounts c;
	PGresult   *res;

	if (!begin_synced(job, &c, true))
		return NULL;
	res = session_query(job, sql, nparams, params);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		res = NULL;
	}
	rollback(job);
	return res;
}

/* "{a,b}" as "a, b" (ids need no quoting); freed with the process */
static const char *
ids_of(const char *array_text)
{
	PQExpBufferData buf;
	const char *p;

	initPQExpBuffer(&buf);
	for (p = array_text; *p; p++)
	{
		if (*p == '{' || *p == '}' || *p == '"')
			continue;
		if (*p == ',')
			appendPQExpBufferStr(&buf, ", ");
		else
			appendPQExpBufferChar(&buf, *p);
	}
	return buf.data;
}

int
verb_current(Job *job)
{
	SyncCounts c;
	PGresult   *res;
	PGresult   *messages = NULL;
	int			i,
				k;

	if (!begin_synced(job, &c, true))
		return finish(job, EXIT_ERROR);
	/* current() and heads() answer even beside an unknown version row */
	res = session_query(job, "SELECT c, c IN (SELECT revision FROM migrate.heads()) FROM migrate.current() AS c", 0, NULL);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	if (opt.verbose)
	{
		/*
		 * Messages come from history(), which such a row stops: then none.
		 * The transaction is rolled back next either way.
		 */
		messages = session_query(job, "SELECT revision, coalesce(message, '') FROM migrate.history()", 0, NULL);
		if (PQresultStatus(messages) != PGRES_TUPLES_OK)
		{
			PQclear(messages);
			messages = NULL;
		}
	}
	rollback(job);
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		const char *message = "";

		for (k = 0; messages && k < PQntuples(messages); k++)
			if (strcmp(PQgetvalue(messages, k, 0), id) == 0)
				message = PQgetvalue(messages, k, 1);
		report_line(job, false, "%s%s%s%s", id, strcmp(PQgetvalue(res, i, 1), "t") == 0 ? " (head)" : "",
					opt.verbose && message[0] ? ", " : "", opt.verbose ? message : "");
		report_step(job, id, "current", message, NULL);
	}
	if (PQntuples(res) == 0 && opt.verbose)
		report_line(job, false, "(nothing applied)");
	PQclear(res);
	if (messages)
		PQclear(messages);
	return EXIT_OK;
}

/* Alembic's history line: "a, b -> c (head) (mergepoint), message". */
int
verb_history(Job *job)
{
	const char *range = opt.range ? opt.range : (opt.nargs > 0 ? opt.args[0] : NULL);
	char	   *limit = opt.limit > 0 ? psprintf("%d", opt.limit) : NULL;
	const char *params[2] = {range, limit};
	char	   *sql;
	PGresult   *res;
	int			i;

	/*
	 * --limit pages on the server (0.6); without it the call is the one
	 * every version has.  jsonb: a database not yet at 0.6 has no log
	 * columns.
	 */
	sql = psprintf("SELECT revision, down_revisions, coalesce(message, ''), is_head, is_base,"
				   " is_merge, is_branch_point, applied%s FROM migrate.history(%s) h%s",
				   opt.verbose ? ", (j ->> 'applied_at')::timestamptz(0)::text, j ->> 'applied_by',"
				   " round(extract(epoch FROM (j ->> 'duration')::interval) * 1000, 1)::text,"
				   " j ->> 'last_error'" : "",
				   limit ? "$1, page_size => $2::int" : "$1",
				   opt.verbose ? ", LATERAL to_jsonb(h) AS j" : "");
	res = read_query(job, sql, limit ? 2 : 1, params);
	pg_free(sql);
	if (res == NULL)
		return finish(job, EXIT_ERROR);
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *down = ids_of(PQgetvalue(res, i, 1));
		char	   *from = pg_strdup(down[0] ? down : "<base>");
		bool		head = strcmp(PQgetvalue(res, i, 3), "t") == 0;
		bool		merge = strcmp(PQgetvalue(res, i, 5), "t") == 0;
		bool		branch = strcmp(PQgetvalue(res, i, 6), "t") == 0;
		bool		applied = strcmp(PQgetvalue(res, i, 7), "t") == 0;

		if (opt.verbose)
		{
			report_line(job, false, "Rev: %s%s%s%s", PQgetvalue(res, i, 0), head ? " (head)" : "",
						branch ? " (branchpoint)" : "", merge ? " (mergepoint)" : "");
			report_line(job, false, "%s: %s", merge ? "Merges" : "Parent", from);
			if (applied && !PQgetisnull(res, i, 8))
				report_line(job, false, "Applied: yes, %s by %s%s%s%s", PQgetvalue(res, i, 8),
							PQgetvalue(res, i, 9), PQgetisnull(res, i, 10) ? " (stamped)" : " in ",
							PQgetvalue(res, i, 10), PQgetisnull(res, i, 10) ? "" : " ms");
			else
				report_line(job, false, "Applied: %s", applied ? "yes" : "no");
			if (!PQgetisnull(res, i, 11))
				report_line(job, false, "Last attempt failed: %s", PQgetvalue(res, i, 11));
			report_line(job, false, "%s", "");
			report_line(job, false, "    %s", PQgetvalue(res, i, 2));
			report_line(job, false, "%s", "");
		}
		else
			report_line(job, false, "%s -> %s%s%s%s, %s", from, PQgetvalue(res, i, 0),
						head ? " (head)" : "", branch ? " (branchpoint)" : "",
						merge ? " (mergepoint)" : "", PQgetvalue(res, i, 2));
		report_step(job, PQgetvalue(res, i, 0), applied ? "applied" : "pending", PQgetvalue(res, i, 2), NULL);
		pg_free(from);
	}
	PQclear(res);
	return EXIT_OK;
}

int
verb_heads(Job *job)
{
	PGresult   *res = read_query(job,
								 "SELECT revision, array_to_string(branch_labels, ', '), coalesce(message, '')"
								 " FROM migrate.heads()", 0, NULL);
	int			i;

	if (res == NULL)
		return finish(job, EXIT_ERROR);
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *labels = PQgetvalue(res, i, 1);

		report_line(job, false, "%s%s%s%s (head)%s%s", PQgetvalue(res, i, 0),
					labels[0] ? " (" : "", labels, labels[0] ? ")" : "",
					opt.verbose ? ", " : "", opt.verbose ? PQgetvalue(res, i, 2) : "");
		report_step(job, PQgetvalue(res, i, 0), "head", PQgetvalue(res, i, 2), NULL);
	}
	PQclear(res);
	return EXIT_OK;
}

int
verb_branches(Job *job)
{
	PGresult   *res = read_query(job,
								 "SELECT b.revision, n.next, coalesce(h.message, '')"
								 " FROM migrate.branches() b, unnest(b.next_revisions) AS n(next)"
								 " LEFT JOIN migrate.history() h ON h.revision = n.next", 0, NULL);
	int			i;

	if (res == NULL)
		return finish(job, EXIT_ERROR);
	for (i = 0; i < PQntuples(res); i++)
	{
		if (i == 0 || strcmp(PQgetvalue(res, i, 0), PQgetvalue(res, i - 1, 0)) != 0)
		{
			report_line(job, false, "%s (branchpoint)", PQgetvalue(res, i, 0));
			report_step(job, PQgetvalue(res, i, 0), "branchpoint", NULL, NULL);
		}
		report_line(job, false, "    -> %s, %s", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return EXIT_OK;
}

int
verb_show(Job *job)
{
	const char *rev = opt.args[0];
	PGresult   *res = read_query(job,
								 "SELECT revision, array_to_string(down_revisions, ', '),"
								 " array_to_string(next_revisions, ', '), array_to_string(depends_on, ', '),"
								 " array_to_string(branch_labels, ', '), coalesce(message, ''),"
								 " upgrade_sql, downgrade_sql, transactional, checksum, applied"
								 " FROM migrate.show($1)", 1, &rev);
	int			i;

	if (res == NULL)
		return finish(job, EXIT_ERROR);
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *id = PQgetvalue(res, i, 0);
		int			k;
		const char *file = NULL;

		for (k = 0; k < migdir.n; k++)
			if (strcmp(migdir.files[k].id, id) == 0)
				file = migdir.files[k].name;
		report_line(job, false, "Rev: %s", id);
		report_line(job, false, "Parent: %s", PQgetvalue(res, i, 1)[0] ? PQgetvalue(res, i, 1) : "<base>");
		if (PQgetvalue(res, i, 2)[0])
			report_line(job, false, "Next: %s", PQgetvalue(res, i, 2));
		if (PQgetvalue(res, i, 3)[0])
			report_line(job, false, "Depends on: %s", PQgetvalue(res, i, 3));
		if (PQgetvalue(res, i, 4)[0])
			report_line(job, false, "Branch names: %s", PQgetvalue(res, i, 4));
		report_line(job, false, "Path: %s", file ? psprintf("%s/%s", migdir.path, file) : "(no file carries it)");
		report_line(job, false, "Applied: %s", strcmp(PQgetvalue(res, i, 10), "t") == 0 ? "yes" : "no");
		report_line(job, false, "Transactional: %s", strcmp(PQgetvalue(res, i, 8), "t") == 0 ? "yes" : "no");
		report_line(job, false, "Checksum: %s", PQgetvalue(res, i, 9));
		report_line(job, false, "%s", "");
		report_line(job, false, "    %s", PQgetvalue(res, i, 5));
		report_line(job, false, "%s", "");
		report_line(job, false, "-- upgrade\n%s", PQgetvalue(res, i, 6));
		report_line(job, false, "-- downgrade\n%s", PQgetisnull(res, i, 7) ? "(none: irreversible)" : PQgetvalue(res, i, 7));
		report_step(job, id, "show", PQgetvalue(res, i, 5), NULL);
	}
	PQclear(res);
	return EXIT_OK;
}

/* ---------- status and check ---------- */

int
verb_status(Job *job)
{
	SyncCounts c;
	PGresult   *res;
	bool		pending;
	char	   *extra;

	if (!begin_synced(job, &c, true))
		return finish(job, EXIT_ERROR);
	res = session_query(job, "SELECT current::text, heads::text, pending::text,"
						" coalesce(cardinality(pending), 0), problem FROM migrate.status()", 0, NULL);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	rollback(job);
	if (c.compared)
		report_line(job, false, "Directory %s: %d files, %d new, %d changed, %d refused; %d registered revisions have no file",
					migdir.path, c.files, c.fresh, c.replaced, c.refused, c.stale);
	else
		report_line(job, false, "Directory %s: %d files, not compared with the database", migdir.path, c.files);
	report_line(job, false, "Applied: %s", PQgetvalue(res, 0, 0)[2] ? ids_of(PQgetvalue(res, 0, 0)) : "nothing");
	report_line(job, false, "Heads: %s", ids_of(PQgetvalue(res, 0, 1)));
	if (!PQgetisnull(res, 0, 4))
		report_line(job, false, "Problem: %s", PQgetvalue(res, 0, 4));
	else
		report_line(job, false, "Pending: %s step%s%s%s", PQgetvalue(res, 0, 3),
					strcmp(PQgetvalue(res, 0, 3), "1") == 0 ? "" : "s",
					atoi(PQgetvalue(res, 0, 3)) > 0 ? ": " : "",
					atoi(PQgetvalue(res, 0, 3)) > 0 ? ids_of(PQgetvalue(res, 0, 2)) : "");
	/* a refused file is something to act on too: the next upgrade stops at it */
	pending = atoi(PQgetvalue(res, 0, 3)) > 0 || c.fresh > 0 || c.replaced > 0 || c.refused > 0;
	extra = psprintf("\"files\": {\"count\": %d, \"new\": %d, \"changed\": %d, \"refused\": %d, \"missing\": %d, \"changes\": [%s]},"
					 " \"pending\": %s",
					 c.files, c.fresh, c.replaced, c.refused, c.stale, c.json.data,
					 PQgetvalue(res, 0, 3));
	job->json_extra = extra;
	PQclear(res);
	return opt.exit_code && pending ? EXIT_PENDING : EXIT_OK;
}

/*
 * verify() and the files against the database: a refused file (an
 * applied revision edited), a registered revision no file carries, a
 * version row the graph does not explain.  Exit 3 on any.
 */
int
verb_check(Job *job)
{
	SyncCounts c;
	PGresult   *res;
	int			problems = 0;
	int			i;

	/* --schema: the head schema against the desired one, then the rest */
	if (opt.schema)
	{
		DiffRows	up;
		int			r;

		if (!autogen_plan(job, false, &up, NULL))
			return finish(job, EXIT_ERROR);
		r = autogen_check_rows(job, &up);
		if (r != EXIT_OK)
			problems++;
	}

	if (!begin_synced(job, &c, true))
		return finish(job, EXIT_ERROR);
	if (!c.compared)
	{
		rollback(job);
		report_error(job, "the files could not be compared with database %s", job->label);
		return finish(job, EXIT_ERROR);
	}
	res = session_query(job, "SELECT coalesce(revision, ''), problem, coalesce(detail, '') FROM migrate.verify()", 0, NULL);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	for (i = 0; i < PQntuples(res); i++)
	{
		report_line(job, false, "problem: %s%s%s%s%s", PQgetvalue(res, i, 0),
					PQgetvalue(res, i, 0)[0] ? ": " : "", PQgetvalue(res, i, 1),
					PQgetvalue(res, i, 2)[0] ? ": " : "", PQgetvalue(res, i, 2));
		report_step(job, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), NULL);
	}
	problems += PQntuples(res);
	PQclear(res);
	rollback(job);
	problems += c.refused + c.stale;
	if (c.stale > 0)
		report_line(job, false, "problem: %d registered revision%s no file in %s carries (run \"pg_migrate status -v\" to list them)",
					c.stale, c.stale == 1 ? "" : "s", migdir.path);
	if (problems == 0)
	{
		if (!opt.quiet)
			report_line(job, false, "No problems found in database %s.", job->label);
		return EXIT_OK;
	}
	job->json_extra = psprintf("%s%s\"files\": [%s]", job->json_extra ? job->json_extra : "",
							   job->json_extra ? ", " : "", c.json.data);
	return EXIT_PENDING;
}

/* sql [--downgrade] [FROM:]TARGET: the offline script. */
int
verb_sql(Job *job)
{
	const char *spec = opt.nargs > 0 ? opt.args[0] : (opt.downgrade ? NULL : "head");
	const char *colon = spec ? strchr(spec, ':') : NULL;
	const char *params[2];
	PGresult   *res;

	if (spec == NULL)
	{
		report_error(job, "sql --downgrade needs a target");
		return EXIT_USAGE;
	}
	params[0] = colon ? colon + 1 : spec;
	params[1] = colon && colon > spec ? pnstrdup(spec, colon - spec) : NULL;
	res = read_query(job, opt.downgrade ? "SELECT migrate.downgrade_sql($1, $2)"
					 : "SELECT migrate.upgrade_sql($1, $2)", 2, params);
	if (res == NULL)
		return finish(job, EXIT_ERROR);
	{
		char	   *text = PQgetvalue(res, 0, 0);
		size_t		len = strlen(text);
		char	   *s = json_string(text);

		/* the script ends with a newline; report_line adds one */
		report_line(job, false, "%.*s", (int) (len > 0 && text[len - 1] == '\n' ? len - 1 : len), text);
		job->json_extra = psprintf("\"sql\": %s", s);
		pg_free(s);
	}
	PQclear(res);
	return EXIT_OK;
}

/*
 * drift: what changed in the schema outside migrations since the last
 * upgrade, downgrade or stamp recorded it, with the statement that would
 * undo each change.  Exit 3 on any.
 */
int
verb_drift(Job *job)
{
	PGresult   *res;
	PQExpBufferData json;
	int			i;

	if (!check_extension(job))
		return finish(job, EXIT_ERROR);
	res = session_query(job, "SELECT object, change, statement, coalesce(array_to_string(hazards, ' '), '')"
						" FROM migrate.drift()", 0, NULL);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		return finish(job, EXIT_ERROR);
	}
	initPQExpBuffer(&json);
	for (i = 0; i < PQntuples(res); i++)
	{
		const char *stmt = PQgetvalue(res, i, 2);
		char	   *o = json_string(PQgetvalue(res, i, 0));
		char	   *s = json_string(stmt);

		report_line(job, false, "%-8s %s", PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
		report_line(job, false, "         undo: %s%s%s%s%s", stmt, strncmp(stmt, "--", 2) == 0 ? "" : ";",
					PQgetvalue(res, i, 3)[0] ? "  (" : "", PQgetvalue(res, i, 3),
					PQgetvalue(res, i, 3)[0] ? ")" : "");
		appendPQExpBuffer(&json, "%s{\"object\": %s, \"change\": \"%s\", \"statement\": %s}",
						  i ? ", " : "", o, PQgetvalue(res, i, 1), s);
		pg_free(o);
		pg_free(s);
	}
	job->json_extra = psprintf("\"drift\": [%s]", json.data);
	termPQExpBuffer(&json);
	if (PQntuples(res) == 0)
	{
		if (!opt.quiet)
			report_line(job, false, "No drift in database %s: its schema is the one its migrations left.", job->label);
		PQclear(res);
		return EXIT_OK;
	}
	report_line(job, false, "Database %s has drifted: %d change%s made outside migrations.",
				job->label, PQntuples(res), PQntuples(res) == 1 ? "" : "s");
	PQclear(res);
	return EXIT_PENDING;
}

/*
 * Write text to path; false after reporting why not.  exclusive: refuse
 * an existing file (a name the user did not give must not replace one).
 */
static bool
write_text_file(Job *job, const char *path, const char *text, bool exclusive)
{
	int			fd = open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), 0644);
	FILE	   *fp = fd < 0 ? NULL : fdopen(fd, "w");
	bool		ok;

	if (fp == NULL)
	{
		int			err = errno;

		if (fd >= 0)
			close(fd);
		report_error(job, "could not write file \"%s\": %s", path, strerror(err));
		report_detail(job, "hint", exclusive && err == EEXIST
					  ? "Move the file away, or name the output -o FILE.dot yourself."
					  : "Check that the directory exists and is writable, or pick another -o FILE.");
		return false;
	}
	ok = fputs(text, fp) != EOF;
	ok = (fclose(fp) == 0) && ok;
	if (!ok)
	{
		report_error(job, "could not write file \"%s\": %s", path, strerror(errno));
		report_detail(job, "hint", "Check the space left on the device, or pick another -o FILE.");
	}
	return ok;
}

/*
 * Run dot -T<format> -o file with the DOT text on its standard input, as
 * take_backup runs pg_dump.  127: dot is not installed; otherwise dot's
 * exit status, or -1 when it could not be run or was interrupted.
 */
static int
run_dot(const char *format, const char *file, const char *text)
{
	posix_spawn_file_actions_t actions;
	int			fds[2];
	pid_t		pid;
	int			rc;
	int			status = 0;
	size_t		len = strlen(text);
	size_t		done = 0;
	char	   *targ = psprintf("-T%s", format);
	char	   *argv[] = {"dot", targ, "-o", (char *) file, NULL};

	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
	posix_spawn_file_actions_addclose(&actions, fds[0]);
	posix_spawn_file_actions_addclose(&actions, fds[1]);
	rc = posix_spawnp(&pid, "dot", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	close(fds[0]);
	if (rc != 0)
	{
		close(fds[1]);
		return rc == ENOENT ? 127 : -1;
	}
	/* SIGPIPE is ignored (session.c): dot exiting early is its error to tell */
	while (done < len && !interrupted)
	{
		ssize_t		w = write(fds[1], text + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += w;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (interrupted)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * graph: migrate.graph() as DOT text on standard output, or -o FILE: DOT
 * for .dot/.gv, else rendered by Graphviz, whose output format is the
 * file's extension.  Without Graphviz the DOT text still lands, next to
 * the file asked for, so the picture can be drawn elsewhere.
 */
int
verb_graph(Job *job)
{
	const char *ext = opt.output ? strrchr(opt.output, '.') : NULL;
	char	   *depth = opt.depth > 0 ? psprintf("%d", opt.depth) : NULL;
	const char *params[2] = {opt.since, depth};
	SyncCounts c;
	PGresult   *res;
	const char *text;

	if (!begin_synced(job, &c, true))
		return finish(job, EXIT_ERROR);
	if (!extension_at_least(job, "0.6", "pg_migrate graph"))
	{
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	res = session_query(job, "SELECT migrate.graph('dot', $1, $2::int)", 2, params);
	if (!session_ok(job, res, NULL))
	{
		PQclear(res);
		rollback(job);
		return finish(job, EXIT_ERROR);
	}
	rollback(job);
	text = PQgetvalue(res, 0, 0);

	if (opt.output == NULL)
	{
		size_t		len = strlen(text);

		report_line(job, false, "%.*s", (int) (len > 0 && text[len - 1] == '\n' ? len - 1 : len), text);
	}
	else if (pg_strcasecmp(ext, ".dot") == 0 || pg_strcasecmp(ext, ".gv") == 0)
	{
		if (!write_text_file(job, opt.output, text, false))
		{
			PQclear(res);
			return EXIT_ERROR;
		}
		report_line(job, false, "Wrote %s (Graphviz DOT).", opt.output);
	}
	else
	{
		char	   *format = pg_strdup(ext + 1);
		int			rc;
		char	   *c;

		/* dot knows its formats in lower case: -o GRAPH.SVG is an SVG too */
		for (c = format; *c; c++)
			*c = pg_tolower((unsigned char) *c);
		rc = run_dot(format, opt.output, text);
		if (interrupted)
		{
			PQclear(res);
			return finish(job, EXIT_ERROR);
		}
		if (rc == 127)
		{
			char	   *alt = psprintf("%.*s.dot", (int) (ext - opt.output), opt.output);

			if (!write_text_file(job, alt, text, true))
			{
				PQclear(res);
				return EXIT_ERROR;
			}
			report_line(job, true, "%s: warning: Graphviz's dot is not installed; wrote the DOT text to %s instead of %s",
						progname, alt, opt.output);
			report_line(job, true, "%s: hint: Install Graphviz (apt-get install graphviz) and run the command again, or run \"dot -T%s %s -o %s\".",
						progname, format, alt, opt.output);
		}
		else if (rc != 0)
		{
			report_error(job, "dot could not draw %s (exit status %d)", opt.output, rc);
			report_detail(job, "hint", "dot's own message is above; \"dot -T?\" lists the formats it can write.");
			PQclear(res);
			return EXIT_ERROR;
		}
		else
			report_line(job, false, "Wrote %s.", opt.output);
	}
	job->json_extra = psprintf("\"dot\": %s", json_string(text));
	PQclear(res);
	return EXIT_OK;
}
