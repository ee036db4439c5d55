/*
 * session.c
 *		One database's connection: opened with libpq's conventions, queries
 *		sent asynchronously so that Ctrl-C can cancel them and a wait on
 *		another deploy's lock can name who holds it, and the server's
 *		notices turned into the lines people expect.
 */
#include "postgres_fe.h"

#include <pthread.h>
#include <signal.h>
#include <sys/select.h>
#include <sys/time.h>

#include "pg_migrate.h"

volatile sig_atomic_t interrupted = 0;

/* the connections a signal may cancel; one slot per running job */
#define MAX_CANCEL_SLOTS 1024
static PGcancel *volatile cancel_slots[MAX_CANCEL_SLOTS];
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

/* seconds a query waits on a lock before the holder is looked up */
#define LOCK_REPORT_AFTER 2.0

double
now_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/*
 * Ctrl-C (or SIGTERM): ask the server to cancel every running query
 * (PQcancel is safe in a signal handler); each job then rolls back and the
 * run exits with 128 + the signal.  A second signal ends the program at
 * once.  Cancel objects are never freed while jobs run (session_close
 * leaves them be), so the handler cannot meet a freed one.
 */
static void
handle_signal(int signo)
{
	char		errbuf[256];
	int			i;

	if (interrupted)
		_exit(128 + signo);
	interrupted = signo;
	for (i = 0; i < MAX_CANCEL_SLOTS; i++)
		if (cancel_slots[i])
			(void) PQcancel(cancel_slots[i], errbuf, sizeof(errbuf));
}

void
session_install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handle_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void
slot_set(PGcancel *old, PGcancel *new)
{
	int			i;

	pthread_mutex_lock(&slot_lock);
	for (i = 0; i < MAX_CANCEL_SLOTS; i++)
		if (cancel_slots[i] == old)
		{
			cancel_slots[i] = new;
			break;
		}
	pthread_mutex_unlock(&slot_lock);
}

/*
 * Notices: migrate's "running upgrade a -> b, message" becomes Alembic's
 * "Running upgrade a -> b, message" and moves the progress bar; others are
 * shown as psql shows them.
 */
static void
on_notice(void *arg, const PGresult *res)
{
	Job		   *job = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

	if (msg == NULL)
		return;
	if (strncmp(msg, "running ", 8) == 0)
	{
		bool		step = strncmp(msg + 8, "stamp ", 6) != 0;

		/* a dry run lists its steps with their locks afterwards */
		if (!opt.quiet && !opt.dry_run)
			report_line(job, false, "R%s", msg + 1);
		if (step)
			report_progress(job, ++job->nsteps_seen);
		return;
	}
	if (severity && strcmp(severity, "NOTICE") == 0 && opt.quiet)
		return;
	/* on standard error, as psql prints them */
	report_line(job, true, "%s:  %s", severity ? severity : "NOTICE", msg);
	if (detail && opt.verbose)
		report_line(job, true, "DETAIL:  %s", detail);
}

/*
 * Mask passwords in text that may quote a connection string (libpq
 * quotes a malformed URI whole): "://user:secret@" and "password=secret".
 */
static void
redact_passwords(char *text)
{
	char	   *p;

	for (p = text; (p = strstr(p, "://")) != NULL; p += 3)
	{
		char	   *at = p + 3 + strcspn(p + 3, "@/ ?");
		char	   *colon;

		if (*at != '@')
			continue;
		colon = memchr(p + 3, ':', at - (p + 3));
		if (colon)
			memset(colon + 1, '*', at - colon - 1);
	}
	for (p = text; (p = strstr(p, "password=")) != NULL;)
	{
		p += 9;
		if (*p == '\'')
		{
			for (p++; *p && *p != '\''; p++)
				*p = '*';
		}
		else
			for (; *p && *p != ' ' && *p != '&' && *p != '\n'; p++)
				*p = '*';
	}
}

/*
 * Keep what comes before the first quote: libpq's complaint about a
 * string it could not read quotes the string, or a part of it.
 */
static void
cut_at_quote(char *text)
{
	char	   *q = strchr(text, '"');

	if (q == NULL)
		return;
	while (q > text && (q[-1] == ' ' || q[-1] == ':'))
		q--;
	*q = '\0';
}

/* The database as the user may see it: never its password. */
char *
session_label(const char *conninfo)
{
	PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
	PQconninfoOption *o;
	const char *db = NULL,
			   *host = NULL,
			   *port = NULL;

	if (conninfo[0] == '\0')
		return pg_strdup(getenv("PGDATABASE") ? getenv("PGDATABASE") : "(default database)");
	/* a bare database name is not a conninfo */
	if (opts == NULL && strchr(conninfo, '=') == NULL && strstr(conninfo, "://") == NULL)
		return pg_strdup(conninfo);
	if (opts == NULL)
		return pg_strdup("(invalid connection string)");
	for (o = opts; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
	}
	{
		/* a socket directory says little: name the host only over TCP */
		bool		tcp = host && host[0] != '/' && host[0] != '@';
		char	   *out = psprintf("%s%s%s%s%s",
								   tcp ? host : "", tcp && port ? ":" : "",
								   tcp && port ? port : "", tcp ? "/" : "",
								   db ? db : "(default database)");

		PQconninfoFree(opts);
		return out;
	}
}

/*
 * Connect with libpq's conventions: the -d string may be a conninfo, a
 * URI or a database name; -h -p -U fill what it leaves out; PG*
 * variables, the service file and .pgpass do the rest.
 */
static PGconn *
connect_as(Job *job, const char *appname)
{
	const char *keys[9];
	const char *vals[9];
	int			n = 0;

	if (opt.host)
	{
		keys[n] = "host";
		vals[n++] = opt.host;
	}
	if (opt.port)
	{
		keys[n] = "port";
		vals[n++] = opt.port;
	}
	if (opt.user)
	{
		keys[n] = "user";
		vals[n++] = opt.user;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = appname;
	/* revision files are UTF-8, whatever PGCLIENTENCODING says */
	keys[n] = "client_encoding";
	vals[n++] = "UTF8";
	/* last, so that its settings win: expand_dbname reads it whole */
	keys[n] = "dbname";
	vals[n++] = job->conninfo ? job->conninfo : "";
	/* a second dbname is a plain name, and wins over the first's */
	if (job->dbname)
	{
		keys[n] = "dbname";
		vals[n++] = job->dbname;
	}
	keys[n] = NULL;
	vals[n] = NULL;
	return PQconnectdbParams(keys, vals, 1);
}

/*
 * Connect with libpq's conventions: the -d string may be a conninfo, a
 * URI or a database name; -h -p -U fill what it leaves out; PG*
 * variables, the service file and .pgpass do the rest.
 */
bool
session_open(Job *job)
{
	if (job->label == NULL && job->dbname)
		job->label = pg_strdup(job->dbname);
	else if (job->label == NULL)
		job->label = session_label(job->conninfo ? job->conninfo : "");
	job->conn = connect_as(job, "pg_migrate");
	if (PQstatus(job->conn) != CONNECTION_OK)
	{
		char	   *msg = pg_strdup(PQerrorMessage(job->conn));
		size_t		len = strlen(msg);

		while (len > 0 && msg[len - 1] == '\n')
			msg[--len] = '\0';
		redact_passwords(msg);
		if (job->conninfo && (strchr(job->conninfo, '=') || strstr(job->conninfo, "://")))
		{
			char	   *err = NULL;
			PQconninfoOption *parsed = PQconninfoParse(job->conninfo, &err);

			/* libpq quotes the string it could not read, or a part of it */
			if (parsed == NULL)
				cut_at_quote(msg);
			else
				PQconninfoFree(parsed);
			if (err)
				PQfreemem(err);
		}
		report_error(job, "could not connect to database %s: %s", job->label, msg);
		job->error = msg;
		strcpy(job->sqlstate, "08001");
		PQfinish(job->conn);
		job->conn = NULL;
		return false;
	}
	if ((job->conninfo == NULL || job->conninfo[0] == '\0') && job->dbname == NULL)
	{
		pg_free(job->label);
		job->label = pg_strdup(PQdb(job->conn));
	}
	PQsetNoticeReceiver(job->conn, on_notice, job);
	job->cancel = PQgetCancel(job->conn);
	slot_set(NULL, job->cancel);
	return true;
}

void
session_close(Job *job)
{
	if (job->cancel)
	{
		/* not freed: a signal handler may be using it right now */
		slot_set(job->cancel, NULL);
		job->cancel = NULL;
	}
	if (job->conn)
		PQfinish(job->conn);
	if (job->side)
		PQfinish(job->side);
	job->conn = NULL;
	job->side = NULL;
}

/*
 * While our query waits on a lock, say who holds it, once per holder:
 * another deploy (migrate's advisory lock) or any session in the way.  The
 * holder's query is shown only with -v: it may carry secrets.  One side
 * connection per job, opened at the first look.
 */
static void
report_lock_holder(Job *job, int *last_holder)
{
	PGresult   *res;
	char		pid[16];
	const char *params[1] = {pid};

	snprintf(pid, sizeof(pid), "%d", PQbackendPID(job->conn));
	if (job->side == NULL)
		job->side = connect_as(job, "pg_migrate lock check");
	if (PQstatus(job->side) != CONNECTION_OK)
		return;
	res = PQexecParams(job->side,
					   "SELECT a.pid, coalesce(a.usename, '?'), coalesce(nullif(a.application_name, ''), '?'),"
					   " coalesce(host(a.client_addr), 'local'),"
					   " coalesce(to_char(a.xact_start, 'YYYY-MM-DD HH24:MI:SS'), '?'), coalesce(a.state, '?'),"
					   " left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80)"
					   " FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1::int))"
					   " ORDER BY a.pid LIMIT 1",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
		atoi(PQgetvalue(res, 0, 0)) != *last_holder)
	{
		*last_holder = atoi(PQgetvalue(res, 0, 0));
		report_line(job, true,
					"%s: waiting for a lock held by process %s (user %s, application %s, from %s, transaction started %s, %s)%s%s",
					progname, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
					PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
					PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5),
					opt.verbose ? ": " : "", opt.verbose ? PQgetvalue(res, 0, 6) : "");
	}
	PQclear(res);
}

/*
 * Run one statement and return its last result (never NULL).  The wait is
 * a select() loop, so that a signal's cancel is seen and a lock wait
 * can be reported while the server works.
 */
PGresult *
session_query(Job *job, const char *sql, int nparams, const char *const *params)
{
	PGresult   *last = NULL;
	PGresult   *res;
	double		start = now_seconds();
	double		next_check = start + LOCK_REPORT_AFTER;
	int			last_holder = 0;

	/* without parameters, the simple protocol: a command may be several */
	if (!(nparams == 0 ? PQsendQuery(job->conn, sql) :
		  PQsendQueryParams(job->conn, sql, nparams, NULL, params, NULL, NULL, 0)))
		return PQmakeEmptyPGresult(job->conn, PGRES_FATAL_ERROR);
	for (;;)
	{
		while (PQisBusy(job->conn))
		{
			int			sock = PQsocket(job->conn);
			fd_set		in;
			struct timeval tv = {0, 500000};

			if (sock < 0)
				break;
			FD_ZERO(&in);
			FD_SET(sock, &in);
			if (select(sock + 1, &in, NULL, NULL, &tv) < 0 && errno != EINTR)
				break;
			if (!PQconsumeInput(job->conn))
				break;
			if (PQisBusy(job->conn) && now_seconds() >= next_check)
			{
				report_lock_holder(job, &last_holder);
				next_check = now_seconds() + 5.0;
			}
		}
		res = PQgetResult(job->conn);
		if (res == NULL)
			break;
		/* the first error is the cause (a FATAL before the connection drops) */
		if (last && PQresultStatus(last) == PGRES_FATAL_ERROR)
			PQclear(res);
		else
		{
			if (last)
				PQclear(last);
			last = res;
		}
		if (PQstatus(job->conn) == CONNECTION_BAD)
			break;
	}
	return last ? last : PQmakeEmptyPGresult(job->conn, PGRES_FATAL_ERROR);
}

/*
 * Run a query that only looks, in a savepoint rolled back after it, so
 * that its error leaves the caller's transaction usable.  NULL when the
 * savepoint could not be made (reported).
 */
PGresult *
session_look(Job *job, const char *sql, int nparams, const char *const *params)
{
	PGresult   *res;
	PGresult   *back;

	if (!session_command(job, "SAVEPOINT pg_migrate_look"))
		return NULL;
	res = session_query(job, sql, nparams, params);
	back = session_query(job, "ROLLBACK TO SAVEPOINT pg_migrate_look", 0, NULL);
	PQclear(back);
	return res;
}

/* Whether res succeeded; if not, the error is reported (and res kept). */
bool
session_ok(Job *job, PGresult *res, const char *what)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return true;
	report_server_error(job, res, what);
	return false;
}

bool
session_command(Job *job, const char *sql)
{
	PGresult   *res = session_query(job, sql, 0, NULL);
	bool		ok = session_ok(job, res, NULL);

	PQclear(res);
	return ok;
}

/* A text[] literal of the strings. */
char *
session_text_array(char **items, int n)
{
	PQExpBufferData buf;
	int			i;

	initPQExpBuffer(&buf);
	appendPQExpBufferChar(&buf, '{');
	for (i = 0; i < n; i++)
	{
		const char *p;

		if (i > 0)
			appendPQExpBufferChar(&buf, ',');
		appendPQExpBufferChar(&buf, '"');
		for (p = items[i]; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				appendPQExpBufferChar(&buf, '\\');
			appendPQExpBufferChar(&buf, *p);
		}
		appendPQExpBufferChar(&buf, '"');
	}
	appendPQExpBufferChar(&buf, '}');
	return buf.data;
}
