/*
 * autogen.c
 *		The schema diff from the command line: revision --autogenerate,
 *		diff, and check --schema.
 *
 * The desired schema is SQL kept in a file or a directory (--schema).
 * The server does the work: snapshot(), desired_snapshot() and diff() of
 * the migrate extension.  Two places can hold the two schemas:
 *
 *	- the database given (-d), which must be at the heads of the files and
 *	  allow migrate.allow_autogenerate: the desired side is built there in
 *	  a subtransaction and rolled back;
 *	- two scratch databases on the server of --dev-url, created for the
 *	  run and dropped after it: one gets the files applied, the other the
 *	  desired SQL.  Nothing else is touched.
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <sys/stat.h>

#include "pg_migrate.h"

/* the desired schema's files, in the order they run */
typedef struct Source
{
	int			n;
	char	  **names;			/* as the user may see them */
	char	  **texts;
} Source;

static bool
add_file(Source *src, const char *path)
{
	FILE	   *fp = fopen(path, "rb");
	PQExpBufferData text;
	char		buf[65536];
	size_t		got;

	if (fp == NULL)
	{
		report_fail(NULL, "could not open file \"%s\": %m", path);
		return false;
	}
	initPQExpBuffer(&text);
	while ((got = fread(buf, 1, sizeof(buf), fp)) > 0)
		appendBinaryPQExpBuffer(&text, buf, got);
	if (ferror(fp))
	{
		report_fail(NULL, "could not read file \"%s\": %m", path);
		fclose(fp);
		return false;
	}
	fclose(fp);
	/* a byte order mark is not SQL: editors on some systems write one */
	if (text.len >= 3 && memcmp(text.data, "\xEF\xBB\xBF", 3) == 0)
	{
		memmove(text.data, text.data + 3, text.len - 2);
		text.len -= 3;
	}
	if (strlen(text.data) != text.len)
	{
		report_fail("A schema file is SQL text.", "file \"%s\" contains a zero byte", path);
		return false;
	}
	src->names = pg_realloc(src->names, (src->n + 1) * sizeof(char *));
	src->texts = pg_realloc(src->texts, (src->n + 1) * sizeof(char *));
	src->names[src->n] = pg_strdup(path);
	src->texts[src->n] = text.data;
	src->n++;
	return true;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * A directory: its .sql files and those of its subdirectories, in name
 * order (a subdirectory at its name's place), as "ls -R | sort" would run
 * them.  Hidden entries are skipped.
 */
static bool
add_directory(Source *src, const char *path)
{
	struct dirent **list;
	int			n = scandir(path, &list, NULL, by_name);
	int			i;
	bool		ok = true;

	if (n < 0)
	{
		report_fail(NULL, "could not open directory \"%s\": %m", path);
		return false;
	}
	for (i = 0; i < n; i++)
	{
		const char *name = list[i]->d_name;
		char	   *full = psprintf("%s/%s", path, name);
		size_t		len = strlen(name);
		struct stat st;

		if (ok && name[0] != '.' && stat(full, &st) == 0)
		{
			if (S_ISDIR(st.st_mode))
				ok = add_directory(src, full);
			else if (S_ISREG(st.st_mode) && len > 4 && pg_strcasecmp(name + len - 4, ".sql") == 0)
				ok = add_file(src, full);
		}
		pg_free(full);
		free(list[i]);
	}
	free(list);
	return ok;
}

static bool
read_source(Source *src)
{
	struct stat st;

	memset(src, 0, sizeof(*src));
	if (stat(opt.schema, &st) != 0)
	{
		report_fail("--schema names a .sql file, or a directory of them, that describes the whole schema.",
					"could not find \"%s\": %m", opt.schema);
		return false;
	}
	if (S_ISDIR(st.st_mode))
	{
		if (!add_directory(src, opt.schema))
			return false;
		if (src->n == 0)
		{
			report_fail("Put the schema in files ending in .sql; they run in name order.",
						"directory \"%s\" has no .sql files", opt.schema);
			return false;
		}
		return true;
	}
	return add_file(src, opt.schema);
}

/* the files as one script; a file's last statement needs no semicolon */
static char *
source_sql(const Source *src)
{
	PQExpBufferData sql;
	int			i;

	initPQExpBuffer(&sql);
	for (i = 0; i < src->n; i++)
	{
		const char *t = src->texts[i];
		size_t		len = strlen(t);

		appendPQExpBufferStr(&sql, t);
		if (len > 0 && t[len - 1] != '\n')
			appendPQExpBufferChar(&sql, '\n');
		appendPQExpBufferStr(&sql, ";\n");
	}
	return sql.data;
}

/* --rename OLD=NEW as the renames argument of diff(), either way round */
static char *
renames_json(bool reverse)
{
	PQExpBufferData j;
	int			i;

	if (opt.nrenames == 0)
		return NULL;
	initPQExpBuffer(&j);
	appendPQExpBufferChar(&j, '{');
	for (i = 0; i < opt.nrenames; i++)
	{
		const char *eq = strchr(opt.renames[i], '=');
		char	   *from = pnstrdup(opt.renames[i], eq - opt.renames[i]);
		char	   *to = pg_strdup(eq + 1);
		char	   *jf,
				   *jt;

		/* "table public.a=public.b": the new key takes the old one's kind */
		if (strchr(to, ' ') == NULL && strchr(from, ' ') != NULL)
			to = psprintf("%.*s %s", (int) (strchr(from, ' ') - from), from, to);
		jf = json_string(reverse ? to : from);
		jt = json_string(reverse ? from : to);
		appendPQExpBuffer(&j, "%s%s: %s", i ? ", " : "", jf, jt);
	}
	appendPQExpBufferChar(&j, '}');
	return j.data;
}

/* diff(from, to) run by the server of job, into rows */
static bool
fetch_diff(Job *job, const char *from, const char *to, bool reverse, DiffRows *rows)
{
	const char *params[4];
	PGresult   *res;
	int			i;

	params[0] = from;
	params[1] = to;
	params[2] = renames_json(reverse);
	params[3] = opt.concurrently ? "true" : "false";
	res = session_query(job, "SELECT statement, coalesce(array_to_string(hazards, ' '), ''), transactional"
						" FROM migrate.diff($1::jsonb, $2::jsonb, $3::jsonb, $4::boolean) ORDER BY seq",
						4, params);
	if (!session_ok(job, res, "could not diff the schemas"))
	{
		PQclear(res);
		return false;
	}
	rows->n = PQntuples(res);
	rows->statement = pg_malloc0((rows->n + 1) * sizeof(char *));
	rows->hazards = pg_malloc0((rows->n + 1) * sizeof(char *));
	rows->transactional = pg_malloc0((rows->n + 1) * sizeof(bool));
	for (i = 0; i < rows->n; i++)
	{
		rows->statement[i] = pg_strdup(PQgetvalue(res, i, 0));
		rows->hazards[i] = pg_strdup(PQgetvalue(res, i, 1));
		rows->transactional[i] = strcmp(PQgetvalue(res, i, 2), "t") == 0;
	}
	PQclear(res);
	return true;
}

/* one text value of a query, or NULL (reported) */
static char *
fetch_value(Job *job, const char *sql, int nparams, const char *const *params,
			const char *what)
{
	PGresult   *res = session_query(job, sql, nparams, params);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char	   *v = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		v = pg_strdup(PQgetvalue(res, 0, 0));
	else
		report_server_error_hint(job, res, what,
								 msg && strstr(msg, "desired schema is not allowed") ?
								 "Or leave this database alone: pass --dev-url with a server where pg_migrate may create scratch databases." : NULL);
	PQclear(res);
	return v;
}

/* ---------- the database given ---------- */

static bool
plan_in_database(Job *job, DiffRows *up, DiffRows *down)
{
	char	   *sql;
	char	   *head = NULL,
			   *desired = NULL;
	Source		src;
	bool		ok;

	if (!read_source(&src))
		return false;
	sql = source_sql(&src);
	if (!verbs_begin_at_heads(job))
		return false;
	ok = (head = fetch_value(job, "SELECT migrate.snapshot()", 0, NULL,
							 "could not read the head schema")) != NULL &&
		(desired = fetch_value(job, "SELECT migrate.desired_snapshot($1)", 1,
							   (const char *[]) {sql}, "could not build the desired schema")) != NULL &&
		fetch_diff(job, head, desired, false, up) &&
		(down == NULL || fetch_diff(job, desired, head, true, down));
	PQclear(session_query(job, "ROLLBACK", 0, NULL));
	return ok;
}

/* ---------- scratch databases ---------- */

typedef struct Scratch
{
	Job			admin;			/* on --dev-url: creates and drops */
	Job			head;			/* the files applied */
	Job			desired;		/* the desired SQL run */
	char	   *names[2];
	bool		created[2];
} Scratch;

void
job_init(Job *job, const char *conninfo, const char *dbname)
{
	memset(job, 0, sizeof(*job));
	job->conninfo = conninfo;
	job->dbname = dbname;
	job->started = now_seconds();
	initPQExpBuffer(&job->out);
	initPQExpBuffer(&job->steps);
}

/* the position of an error, as a line of the file that ran */
static int
error_line(const char *text, const PGresult *res)
{
	const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
	int			chars,
				line = 1;
	const unsigned char *p;

	if (pos == NULL)
		return 0;
	chars = atoi(pos);
	/* a position counts characters; UTF-8 continuation bytes are not one */
	for (p = (const unsigned char *) text; *p && chars > 1; p++)
	{
		if ((*p & 0xC0) != 0x80)
			chars--;
		if (*p == '\n')
			line++;
	}
	return line;
}

/* The desired SQL, file by file, so that an error names its file and line. */
static bool
run_source(Job *job, const Source *src)
{
	int			i;

	for (i = 0; i < src->n; i++)
	{
		PGresult   *res = session_query(job, src->texts[i], 0, NULL);

		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK &&
			PQresultStatus(res) != PGRES_EMPTY_QUERY)
		{
			int			line = error_line(src->texts[i], res);
			const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			const char *hint = NULL;

			if (msg && strstr(msg, "at or near \"\\"))
				hint = "A schema file is SQL for the server: psql's backslash commands (\\i, \\set, ...) cannot be used in it.";
			else if (state && strcmp(state, "25001") == 0)
				hint = "A schema file describes the schema, in one transaction: leave out CONCURRENTLY, VACUUM and the like (revision --autogenerate --concurrently writes CONCURRENTLY for you).";
			report_server_error_hint(job, res, line ? psprintf("file \"%s\" line %d", src->names[i], line)
									 : psprintf("file \"%s\"", src->names[i]), hint);
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	return true;
}

static bool
scratch_open(Scratch *s, int i, Job *job)
{
	char	   *sql = psprintf("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
							   s->names[i]);

	PGresult   *res = session_query(&s->admin, sql, 0, NULL);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		report_server_error_hint(&s->admin, res, "could not create a scratch database",
								 "--dev-url names a server where this role may CREATE DATABASE.");
		PQclear(res);
		return false;
	}
	PQclear(res);
	s->created[i] = true;
	job_init(job, opt.dev_url, s->names[i]);
	if (!session_open(job))
		return false;
	/* the desired SQL's notices (drop cascades to ...) are not news */
	res = session_query(job, "SET client_min_messages = warning; CREATE EXTENSION migrate", 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		report_server_error_hint(job, res, "could not create extension migrate in a scratch database",
								 "The scratch databases need migrate installed on the --dev-url server (make install) and a role that may create it (a superuser).");
		PQclear(res);
		return false;
	}
	PQclear(res);
	return true;
}

static void
scratch_drop(Scratch *s)
{
	int			i;

	session_close(&s->head);
	session_close(&s->desired);
	for (i = 0; i < 2; i++)
		if (s->created[i] && s->admin.conn)
		{
			char	   *sql = psprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", s->names[i]);

			if (!session_command(&s->admin, sql))
				report_line(&s->admin, true, "%s: warning: scratch database %s was left behind; drop it with DROP DATABASE %s",
							progname, s->names[i], s->names[i]);
			pg_free(sql);
		}
	session_close(&s->admin);
}

/* the first error of a scratch job, as the run's for --json */
static void
adopt_error(Job *report, const Job *from)
{
	if (report->error || from->error == NULL)
		return;
	report->error = from->error;
	report->error_detail = from->error_detail;
	report->error_hint = from->error_hint;
	report->error_context = from->error_context;
	memcpy(report->sqlstate, from->sqlstate, sizeof(report->sqlstate));
}

static bool
plan_in_scratch(Job *report, DiffRows *up, DiffRows *down)
{
	Scratch		s;
	Source		src;
	char	   *head = NULL,
			   *desired = NULL;
	bool		quiet = opt.quiet;
	bool		ok = false;
	char	   *tag;

	if (!read_source(&src))
		return false;
	memset(&s, 0, sizeof(s));
	tag = files_new_id();
	tag[8] = '\0';
	s.names[0] = psprintf("pg_migrate_scratch_%s_head", tag);
	s.names[1] = psprintf("pg_migrate_scratch_%s_desired", tag);
	job_init(&s.admin, opt.dev_url, NULL);
	if (!session_open(&s.admin))
		return false;

	/* the head schema: the files applied, as "pg_migrate upgrade heads" */
	if (!scratch_open(&s, 0, &s.head))
		goto done;
	if (opt.diff_base ? opt.diff_base[0] != '\0' : migdir.n > 0)
	{
		opt.quiet = true;
		ok = verb_upgrade_to(&s.head, opt.diff_base ? opt.diff_base : "heads") == EXIT_OK;
		opt.quiet = quiet;
		if (!ok)
		{
			report_detail(&s.head, "context", "while applying the migration files to a scratch database, to build the head schema");
			goto done;
		}
		ok = false;
	}
	if (!scratch_open(&s, 1, &s.desired) || !run_source(&s.desired, &src))
		goto done;
	if ((head = fetch_value(&s.head, "SELECT migrate.snapshot()", 0, NULL, "could not read the head schema")) == NULL ||
		(desired = fetch_value(&s.desired, "SELECT migrate.snapshot()", 0, NULL, "could not read the desired schema")) == NULL)
		goto done;
	ok = fetch_diff(&s.head, head, desired, false, up) &&
		(down == NULL || fetch_diff(&s.head, desired, head, true, down));
done:
	opt.quiet = quiet;
	adopt_error(report, &s.admin);
	adopt_error(report, &s.head);
	adopt_error(report, &s.desired);
	scratch_drop(&s);
	if (interrupted && report->error == NULL)
	{
		report->error = pg_strdup("canceled by user");
		strcpy(report->sqlstate, "57014");
	}
	return ok && !interrupted;
}

/*
 * The diff from the head schema to the desired one (up) and back (down,
 * unless NULL): in job's database, or in scratch databases (job then only
 * gets the error, for --json).
 */
bool
autogen_plan(Job *job, bool scratch, DiffRows *up, DiffRows *down)
{
	memset(up, 0, sizeof(*up));
	if (down)
		memset(down, 0, sizeof(*down));
	return scratch ? plan_in_scratch(job, up, down) : plan_in_database(job, up, down);
}

/*
 * The plan for one run of revision --autogenerate or diff: in the
 * database of conninfo, or (--dev-url) in scratch databases; job gets the
 * connection's label and any error, for --json.
 */
bool
autogen_run(Job *job, const char *conninfo, DiffRows *up, DiffRows *down)
{
	bool		ok;

	job_init(job, conninfo, NULL);
	if (opt.dev_url)
		job->label = pg_strdup("(scratch)");
	ok = (opt.dev_url || session_open(job)) &&
		autogen_plan(job, opt.dev_url != NULL, up, down);
	session_close(job);
	return ok;
}

/* rows as a revision's section: statements, each after its hazards */
char *
autogen_script(const DiffRows *rows, bool *transactional)
{
	PQExpBufferData s;
	int			i;

	initPQExpBuffer(&s);
	*transactional = true;
	for (i = 0; i < rows->n; i++)
	{
		const char *h = rows->hazards[i];

		/* a "not diffed" row is a comment already */
		if (h[0] && strcmp(h, "not_diffed") != 0)
			appendPQExpBuffer(&s, "-- hazards: %s\n", h);
		appendPQExpBuffer(&s, "%s%s\n", rows->statement[i],
						  strncmp(rows->statement[i], "--", 2) == 0 ? "" : ";");
		if (!rows->transactional[i])
			*transactional = false;
	}
	return s.data;
}

/*
 * check --schema: a difference is a problem, each statement listed; exit
 * 3 when there is one.
 */
int
autogen_check_rows(Job *job, const DiffRows *up)
{
	PQExpBufferData json;
	int			i;

	initPQExpBuffer(&json);
	for (i = 0; i < up->n; i++)
	{
		char	   *s = json_string(up->statement[i]);

		appendPQExpBuffer(&json, "%s%s", i ? ", " : "", s);
		pg_free(s);
	}
	job->json_extra = psprintf("\"schema_differences\": [%s]", json.data);
	termPQExpBuffer(&json);
	if (up->n == 0)
	{
		if (!opt.quiet)
			report_line(job, false, "The head schema is the one %s describes.", opt.schema);
		return EXIT_OK;
	}
	report_line(job, false, "problem: the head schema differs from %s; %d statement%s would change it:",
				opt.schema, up->n, up->n == 1 ? "" : "s");
	for (i = 0; i < up->n; i++)
	{
		const char *st = up->statement[i];
		size_t		len = strcspn(st, "\n");

		report_line(job, false, "  %.*s%s", (int) len, st, st[len] ? " ..." : "");
	}
	for (i = 0; i < up->n && strcmp(up->hazards[i], "not_diffed") == 0; i++)
		;
	if (i == up->n)
		report_line(job, false, "hint: the diff does not write these objects: put their statements in a revision by hand (\"pg_migrate revision -m MESSAGE\").");
	else
		report_line(job, false, "hint: run \"pg_migrate revision --autogenerate -m MESSAGE --schema %s\" to write them as a revision.",
					opt.schema);
	return EXIT_PENDING;
}

/* ---------- the verbs ---------- */

/*
 * diff: the statements from the head schema to the desired one (or back,
 * with --downgrade), as a revision would hold them, on standard output.
 */
int
verb_diff(const char *conninfo)
{
	Job			job;
	DiffRows	up,
				down;
	const DiffRows *rows;
	bool		tx;
	bool		ok;

	ok = autogen_run(&job, conninfo, &up, &down);
	rows = opt.downgrade ? &down : &up;
	job.result = !ok ? (interrupted ? EXIT_CANCELED : EXIT_ERROR) :
		opt.exit_code && rows->n > 0 ? EXIT_PENDING : EXIT_OK;
	if (opt.json)
	{
		PQExpBufferData j;
		int			i;

		initPQExpBuffer(&j);
		for (i = 0; ok && i < rows->n; i++)
		{
			char	   *s = json_string(rows->statement[i]);
			char	   *h = json_string(rows->hazards[i]);

			appendPQExpBuffer(&j, "%s{\"statement\": %s, \"hazards\": %s, \"transactional\": %s}",
							  i ? ", " : "", s, h, rows->transactional[i] ? "true" : "false");
		}
		report_json(&job, psprintf("\"statements\": [%s]", j.data));
	}
	else if (ok && rows->n > 0)
		fputs(autogen_script(rows, &tx), stdout);
	return job.result;
}

/*
 * check --schema --dev-url: the files' head schema against the desired
 * one, both built in scratch databases; no other database is involved.
 */
int
verb_check_scratch(void)
{
	Job			job;
	DiffRows	up;
	int			r;

	job_init(&job, NULL, NULL);
	job.label = pg_strdup("(scratch)");
	if (!autogen_plan(&job, true, &up, NULL))
		r = interrupted ? EXIT_CANCELED : EXIT_ERROR;
	else
		r = autogen_check_rows(&job, &up);
	job.result = r;
	if (opt.json)
		report_json(&job, job.json_extra);
	return r;
}
