/*
 * report.c
 *		What pg_migrate prints: lines for people (errors in PostgreSQL's
 *		client style, "pg_migrate: error: ..." then "detail:" and "hint:"),
 *		a progress bar on a terminal, and one JSON object per database.
 *
 * With several databases each job keeps its lines and prints them at
 * once, each prefixed with its database, when it ends: parallel jobs
 * never interleave half lines.
 */
#include "postgres_fe.h"

#include <pthread.h>
#include <unistd.h>

#include "pg_migrate.h"

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static void
clear_progress(Job *job)
{
	if (job->progress_drawn)
	{
		fputs("\r\033[K", stderr);
		job->progress_drawn = false;
	}
}

/*
 * Print text, or keep it in the job's buffer: one marker per line there,
 * "e" for standard error and "o" for standard output.
 */
static void
emit(Job *job, bool error, const char *text)
{
	if (job->buffered)
	{
		const char *p = text;

		do
		{
			size_t		len = strcspn(p, "\n");

			appendPQExpBufferChar(&job->out, error ? 'e' : 'o');
			appendBinaryPQExpBuffer(&job->out, p, len);
			appendPQExpBufferChar(&job->out, '\n');
			p += len;
		} while (*p++ == '\n' && *p != '\0');
		return;
	}
	/* --json keeps standard output for the JSON */
	if (opt.json && !error)
		return;
	clear_progress(job);
	/* both streams may be one file (a CI log): keep their order */
	fflush(error ? stdout : stderr);
	fprintf(error ? stderr : stdout, "%s\n", text);
	fflush(error ? stderr : stdout);
}

/* A formatted string of any length. */
static char *
vformat(const char *fmt, va_list ap)
{
	va_list		copy;
	int			len;
	char	   *out;

	va_copy(copy, ap);
	len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	out = pg_malloc(len + 1);
	vsnprintf(out, len + 1, fmt, ap);
	return out;
}

/*
 * An error outside any database's run (options, files): "pg_migrate:
 * error: ..." and, when given, its hint.
 */
void
report_vfail(const char *hint, const char *fmt, va_list ap)
{
	char	   *msg = vformat(fmt, ap);

	fprintf(stderr, "%s: error: %s\n", progname, msg);
	if (hint)
		fprintf(stderr, "%s: hint: %s\n", progname, hint);
	pg_free(msg);
}

void
report_fail(const char *hint, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	report_vfail(hint, fmt, ap);
	va_end(ap);
}

void
report_line(Job *job, bool error, const char *fmt,...)
{
	va_list		ap;
	char	   *line;

	va_start(ap, fmt);
	line = vformat(fmt, ap);
	va_end(ap);
	emit(job, error, line);
	pg_free(line);
}

void
report_error(Job *job, const char *fmt,...)
{
	va_list		ap;
	char	   *msg;

	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	if (job->error == NULL)
		job->error = pg_strdup(msg);
	report_line(job, true, "%s: error: %s", progname, msg);
	pg_free(msg);
}

/*
 * "detail", "hint" or "context" lines, one per line of text; a job's
 * first detail and hint after its error go to --json too.
 */
void
report_detail(Job *job, const char *kind, const char *text)
{
	const char *p = text;

	if (text && job->error && strcmp(kind, "detail") == 0 && job->error_detail == NULL)
		job->error_detail = pg_strdup(text);
	else if (text && job->error && strcmp(kind, "hint") == 0 && job->error_hint == NULL)
		job->error_hint = pg_strdup(text);

	while (p && *p)
	{
		size_t		len = strcspn(p, "\n");

		report_line(job, true, "%s: %s: %.*s", progname, kind, (int) len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* A failed query's error as the server sent it, SQLSTATE kept for --json. */
void
report_server_error(Job *job, const PGresult *res, const char *what)
{
	report_server_error_hint(job, res, what, NULL);
}

/* The same, with more_hint after the server's hint (or as the hint). */
void
report_server_error_hint(Job *job, const PGresult *res, const char *what,
						 const char *more_hint)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	char	   *conn_msg = NULL;

	if (more_hint)
		hint = hint ? psprintf("%s %s", hint, more_hint) : more_hint;
	if (msg == NULL)
	{
		/* no server error: the connection failed */
		size_t		len;

		conn_msg = pg_strdup(PQerrorMessage(job->conn));
		len = strlen(conn_msg);
		while (len > 0 && conn_msg[len - 1] == '\n')
			conn_msg[--len] = '\0';
		msg = conn_msg[0] ? conn_msg : "query failed";
		state = PQstatus(job->conn) == CONNECTION_BAD ? "08006" : state;
	}
	if (state)
		strlcpy(job->sqlstate, state, sizeof(job->sqlstate));
	if (job->error == NULL)
	{
		job->error = what ? psprintf("%s: %s", what, msg) : pg_strdup(msg);
		job->error_detail = detail ? pg_strdup(detail) : NULL;
		job->error_hint = hint ? pg_strdup(hint) : NULL;
	}
	if (what)
		report_line(job, true, "%s: error: %s: %s", progname, what, msg);
	else
		report_line(job, true, "%s: error: %s", progname, msg);
	report_detail(job, "detail", detail);
	report_detail(job, "hint", hint);
	if (context && opt.verbose)
		report_detail(job, "context", context);
	else if (context)
	{
		/* the line naming the revision is the one people need */
		const char *rev = strstr(context, "while applying revision");

		if (rev == NULL)
			rev = strstr(context, "while loading revision");
		if (rev)
			report_line(job, true, "%s: context: %.*s", progname,
						(int) strcspn(rev, "\n"), rev);
	}
	if (context && job->error_context == NULL)
	{
		const char *rev = strstr(context, "while applying revision");

		job->error_context = pnstrdup(rev ? rev : context, strcspn(rev ? rev : context, "\n"));
	}
	if (PQstatus(job->conn) == CONNECTION_BAD)
		report_detail(job, "hint", "The connection was lost: the server rolls back a transaction it did not commit. Run the command again once the server is back.");
	pg_free(conn_msg);
}

char *
json_string(const char *s)
{
	PQExpBufferData buf;

	if (s == NULL)
		return pg_strdup("null");
	initPQExpBuffer(&buf);
	appendPQExpBufferChar(&buf, '"');
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
			appendPQExpBuffer(&buf, "\\%c", c);
		else if (c == '\n')
			appendPQExpBufferStr(&buf, "\\n");
		else if (c == '\t')
			appendPQExpBufferStr(&buf, "\\t");
		else if (c == '\r')
			appendPQExpBufferStr(&buf, "\\r");
		else if (c < 0x20)
			appendPQExpBuffer(&buf, "\\u%04x", c);
		else
			appendPQExpBufferChar(&buf, (char) c);
	}
	appendPQExpBufferChar(&buf, '"');
	return buf.data;
}

/* One executed step, for --json. */
void
report_step(Job *job, const char *revision, const char *operation,
			const char *message, const char *duration_ms)
{
	char	   *r = json_string(revision);
	char	   *o = json_string(operation);
	char	   *m = json_string(message);

	appendPQExpBuffer(&job->steps, "%s{\"revision\": %s, \"operation\": %s, \"message\": %s, \"duration_ms\": %s}",
					  job->nsteps++ ? ", " : "", r, o, m, duration_ms ? duration_ms : "null");
	pg_free(r);
	pg_free(o);
	pg_free(m);
}

/*
 * The progress bar: on a terminal, for one database, when the plan is
 * long enough to wait for.  Time left is extrapolated from the steps done.
 */
void
report_progress(Job *job, int done)
{
	char		bar[31];
	double		elapsed,
				left;
	int			filled,
				i;

	if (job->plan_total <= 0 || job->buffered || opt.json || opt.quiet ||
		!isatty(fileno(stderr)))
		return;
	if (done > job->plan_total)
		done = job->plan_total;
	filled = (int) (30.0 * done / job->plan_total);
	for (i = 0; i < 30; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[30] = '\0';
	elapsed = now_seconds() - job->plan_started;
	left = done > 0 ? elapsed / done * (job->plan_total - done) : 0;
	clear_progress(job);
	if (done < job->plan_total)
		fprintf(stderr, "[%s] %d/%d (%d%%), %d:%02d left", bar, done, job->plan_total,
				(int) (100.0 * done / job->plan_total), (int) left / 60, (int) left % 60);
	else
		fprintf(stderr, "[%s] %d/%d (100%%), done in %d:%02d", bar, done, job->plan_total,
				(int) elapsed / 60, (int) elapsed % 60);
	fflush(stderr);
	job->progress_drawn = done < job->plan_total;
	if (!job->progress_drawn)
		fputc('\n', stderr);
}

/* Print a buffered job's lines, each under its database's name. */
void
report_flush(Job *job)
{
	const char *p;

	clear_progress(job);
	if (!job->buffered)
		return;
	pthread_mutex_lock(&print_lock);
	for (p = job->out.data; *p;)
	{
		size_t		len = strcspn(p + 1, "\n");
		bool		error = p[0] == 'e';

		if (!(opt.json && !error))
		{
			fflush(error ? stdout : stderr);
			fprintf(error ? stderr : stdout, "%s: %.*s\n", job->label, (int) len, p + 1);
		}
		p += len + 1;
		if (*p == '\n')
			p++;
	}
	fflush(stdout);
	fflush(stderr);
	resetPQExpBuffer(&job->out);
	pthread_mutex_unlock(&print_lock);
}

/* The job as one JSON object on standard output (--json). */
void
report_json(Job *job, const char *extra)
{
	char	   *db = json_string(job->label);
	const char *result = job->result == EXIT_OK ? "ok" :
		job->result == EXIT_PENDING ? "pending" :
		job->result >= 128 ? "canceled" : "failed";
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	appendPQExpBuffer(&buf, "{\"database\": %s, \"verb\": \"%s\", \"result\": \"%s\", \"exit_code\": %d, \"duration_ms\": %.1f, \"steps\": [%s]",
					  db, opt.verb, result, job->result,
					  (now_seconds() - job->started) * 1000.0, job->steps.data);
	if (job->error)
	{
		char	   *m = json_string(job->error);
		char	   *d = json_string(job->error_detail);
		char	   *h = json_string(job->error_hint);
		char	   *x = json_string(job->error_context);

		appendPQExpBuffer(&buf, ", \"error\": {\"sqlstate\": %s%s%s, \"message\": %s, \"detail\": %s, \"hint\": %s, \"context\": %s}",
						  job->sqlstate[0] ? "\"" : "null",
						  job->sqlstate[0] ? job->sqlstate : "",
						  job->sqlstate[0] ? "\"" : "", m, d, h, x);
		pg_free(m);
		pg_free(d);
		pg_free(h);
		pg_free(x);
	}
	else
		appendPQExpBufferStr(&buf, ", \"error\": null");
	if (extra && extra[0])
		appendPQExpBuffer(&buf, ", %s", extra);
	appendPQExpBufferChar(&buf, '}');
	pthread_mutex_lock(&print_lock);
	printf("%s\n", buf.data);
	fflush(stdout);
	pthread_mutex_unlock(&print_lock);
	termPQExpBuffer(&buf);
	pg_free(db);
}
