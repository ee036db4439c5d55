/*
 * pg_migrate.c
 *		pg_migrate: Alembic-style migrations kept as files, run by the
 *		migrate extension.  Options, commands, and running one command
 *		against many databases, N at a time.
 */
#include "postgres_fe.h"

#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pg_migrate.h"

#define PG_MIGRATE_VERSION "0.6"

/* marks "-N" arguments while getopt runs (see main) */
#define TARGET_MARK '\001'

Options		opt;
const char *progname = "pg_migrate";
MigDir		migdir;

/* which options a command accepts */
#define O_MSG		0x0001		/* -m */
#define O_REVISION	0x0002		/* --head --branch-label --depends-on --splice */
#define O_REVID		0x0200		/* --rev-id */
#define O_APPLY		0x0004		/* --each --dry-run --backup */
#define O_YES		0x0008
#define O_PURGE		0x0010
#define O_RANGE		0x0020
#define O_EXITCODE	0x0040
#define O_DOWNGRADE	0x0080
#define O_PRUNE		0x0100
#define O_AUTOGEN	0x0400		/* --autogenerate --allow-destructive */
#define O_SCHEMA	0x0800		/* --schema --dev-url --rename --concurrently */
#define O_GRAPH		0x1000		/* -o --since --depth */

typedef struct Command
{
	const char *name;
	const char *alias_of;		/* an alias: the command it runs */
	const char *default_arg;	/* an alias's argument ("rollback" = "-1") */
	VerbFn		fn;				/* NULL: needs no database */
	int			options;
	int			min_args;
	int			max_args;		/* -1: any */
	const char *usage;
	const char *help;
} Command;

static const Command commands[] = {
	{"init", NULL, NULL, verb_init, 0, 0, 0, "init",
	"Create the migrations directory (--dir) and install the migrate extension\n"
	"in each database (CREATE EXTENSION IF NOT EXISTS migrate).\n"},
	{"revision", NULL, NULL, NULL, O_MSG | O_REVISION | O_REVID | O_AUTOGEN | O_SCHEMA, 0, 0,
		"revision -m MESSAGE [--head REV] [--branch-label LABEL] [--depends-on REV]\n"
		"                    [--rev-id ID] [--splice]\n"
		"  revision --autogenerate -m MESSAGE --schema FILE|DIR [--dev-url CONNSTR]\n"
		"                    [--allow-destructive] [--rename OLD=NEW]... [--concurrently]",
		"Write a new revision file <id>_<message>.sql in the migrations directory,\n"
		"on top of the head of the files (no database needed).  Edit its upgrade\n"
		"and downgrade sections, then run \"pg_migrate upgrade\".\n\n"
		"With --autogenerate the sections are written for you: the statements that\n"
		"take the head schema of the files to the schema --schema describes, and\n"
		"back, each after its hazards.  The head schema is the database's (-d; at\n"
		"the heads of the files, with migrate.allow_autogenerate on), or, with\n"
		"--dev-url, built in scratch databases created there and dropped after.\n\n"
		"Options:\n"
		"  -m, --message=MESSAGE      what the revision does (required)\n"
		"      --head=REV             build on REV (an id, a prefix, label@head, or\n"
		"                             base for a new root); needed when the files\n"
		"                             have several heads\n"
		"      --branch-label=LABEL   give the revision a branch label\n"
		"      --depends-on=REV[,...] revisions that must be applied first\n"
		"      --rev-id=ID            the revision id (default: 12 random hex digits)\n"
		"      --splice               allow --head to name a revision that is not a\n"
		"                             head (starts a branch)\n"
		"      --autogenerate         write the statements from the schema diff\n"
		"      --schema=FILE|DIR      the desired schema: a .sql file, or a directory\n"
		"                             whose .sql files run in name order\n"
		"      --dev-url=CONNSTR      a server where scratch databases may be created\n"
		"                             (needs CREATEDB, and superuser for the extension)\n"
		"      --allow-destructive    write an upgrade that deletes data\n"
		"      --rename=OLD=NEW       an object renamed, not dropped and added, e.g.\n"
		"                             'table public.users=public.people'; repeatable\n"
		"      --concurrently         build indexes CONCURRENTLY (a non-transactional\n"
		"                             revision)\n"},
	{"create", "revision", NULL, NULL, O_MSG | O_REVISION | O_REVID, 0, 0, "create -m MESSAGE [...]", "An alias of \"revision\".\n"},
	{"merge", NULL, NULL, NULL, O_MSG | O_REVID, 0, -1, "merge -m MESSAGE [REV... | heads]",
		"Write a revision that merges the given revisions (default: every head of\n"
		"the files), with empty upgrade and downgrade sections.\n\n"
		"Options:\n"
		"  -m, --message=MESSAGE      what the merge is for (required)\n"
		"      --rev-id=ID            the revision id (default: random)\n"},
	{"upgrade", NULL, NULL, verb_upgrade, O_APPLY | O_PRUNE, 0, 1, "upgrade [TARGET]",
		"Register the migrations directory and upgrade to TARGET (default: head),\n"
		"all in one transaction: nothing is applied unless everything is.\n\n"
		"Options:\n"
		"      --each                 commit after each revision (a failure keeps\n"
		"                             the revisions before it)\n"
		"      --dry-run              run the plan, report locks and rewrites per\n"
		"                             step, roll back\n"
		"      --backup[=FILE]        pg_dump -Fc the database first (default file:\n"
		"                             <database>-<date>-<time>.dump); stop if it fails\n"
		"      --prune                drop registered, unapplied revisions that no\n"
		"                             file carries\n\n"
		"A plan with a non-transactional revision (CREATE INDEX CONCURRENTLY ...)\n"
		"runs one commit per revision, each such statement at top level; run the\n"
		"same command again to resume after an interruption.\n"},
	{"migrate", "upgrade", NULL, verb_upgrade, O_APPLY | O_PRUNE, 0, 1, "migrate [TARGET]", "An alias of \"upgrade\".\n"},
	{"downgrade", NULL, NULL, verb_downgrade, O_APPLY | O_PRUNE | O_YES, 1, 1, "downgrade TARGET",
		"Register the migrations directory and downgrade to TARGET (-1: one step,\n"
		"base: everything), all in one transaction.\n\n"
		"Options:\n"
		"      --each, --dry-run, --backup[=FILE], --prune   as for upgrade\n"
		"  -y, --yes                  go ahead when the downgrade deletes data (a\n"
		"                             dropped table or column) without --backup\n"},
	{"rollback", "downgrade", "-1", verb_downgrade, O_APPLY | O_PRUNE | O_YES, 0, 1, "rollback [TARGET]",
	"An alias of \"downgrade\"; TARGET defaults to -1 (one step back).\n"},
	{"current", NULL, NULL, verb_current, 0, 0, 0, "current [-v]",
	"Show the version rows: the applied heads, marked (head) when they are heads.\n"},
	{"history", NULL, NULL, verb_history, O_RANGE, 0, 1, "history [-r RANGE] [-v] [--limit N]",
		"List the revisions, newest first, like alembic history.\n\n"
		"Options:\n"
		"  -r, --rev-range=RANGE      a:b, a:, :b, current: (Alembic's ranges)\n"
		"      --limit=N              the newest N only (a page: fast however long\n"
		"                             the history)\n"
		"  -v, --verbose              one block per revision: whether it is applied,\n"
		"                             when, by which role and in how long (from\n"
		"                             migrate.log), and the error of a failed last\n"
		"                             attempt\n"},
	{"heads", NULL, NULL, verb_heads, 0, 0, 0, "heads [-v]", "Show the heads of the revision graph.\n"},
	{"branches", NULL, NULL, verb_branches, 0, 0, 0, "branches", "Show the branch points and the revisions after each.\n"},
	{"show", NULL, NULL, verb_show, 0, 1, 1, "show REV", "Show one revision: its place in the graph, its file and its scripts.\n"},
	{"stamp", NULL, NULL, verb_stamp, O_PURGE | O_PRUNE, 1, -1, "stamp TARGET... [--purge]",
		"Set the version rows to the targets without running any script.\n\n"
		"Options:\n"
		"      --purge                empty the version rows first\n"},
	{"status", NULL, NULL, verb_status, O_EXITCODE, 0, 0, "status [--exit-code] [-v]",
		"Compare the files with the database (new, changed, refused, and registered\n"
		"revisions no file carries), show the applied rows and the pending steps.\n"
		"Nothing is changed.\n\n"
		"Options:\n"
		"      --exit-code            exit with 3 when anything is pending\n"
		"  -v, --verbose              list the files and revisions that differ\n"},
	{"check", NULL, NULL, verb_check, O_SCHEMA, 0, 0, "check [--schema FILE|DIR [--dev-url CONNSTR]]",
		"Run migrate.verify() and compare the files with the database; exit with 3\n"
		"on any problem (an applied revision edited, a revision no file carries, a\n"
		"version row the graph does not explain).  Nothing is changed.\n\n"
		"With --schema, also compare the head schema with the one the file or\n"
		"directory describes (Alembic's check): a difference is a problem, and\n"
		"\"pg_migrate revision --autogenerate\" would write it.  With --dev-url,\n"
		"the head schema of the files is built in a scratch database instead and\n"
		"no other database is used (for CI).\n\n"
		"Options:\n"
		"      --schema=FILE|DIR      the desired schema\n"
		"      --dev-url=CONNSTR      build both schemas in scratch databases there\n"
		"      --rename=OLD=NEW, --concurrently   as for revision --autogenerate\n"},
	{"diff", NULL, NULL, NULL, O_SCHEMA | O_DOWNGRADE | O_EXITCODE, 0, 0,
		"diff --schema FILE|DIR [--dev-url CONNSTR] [--downgrade] [--exit-code]",
		"Print the statements that take the head schema to the one --schema\n"
		"describes, each after its hazards, as revision --autogenerate would\n"
		"write them; nothing is written or changed.\n\n"
		"Options:\n"
		"      --schema=FILE|DIR      the desired schema\n"
		"      --dev-url=CONNSTR      build both schemas in scratch databases there\n"
		"                             instead of using the database (-d)\n"
		"      --downgrade            the statements back instead\n"
		"      --exit-code            exit with 3 when there is a difference\n"
		"      --rename=OLD=NEW, --concurrently   as for revision --autogenerate\n"},
	{"drift", NULL, NULL, verb_drift, 0, 0, 0, "drift",
		"Show what changed in each database's schema outside migrations since the\n"
		"last upgrade, downgrade or stamp (migrate.drift()), with the statement\n"
		"that would undo each change; exit with 3 on any.  Nothing is changed.\n"},
	{"sql", NULL, NULL, verb_sql, O_DOWNGRADE, 0, 1, "sql [--downgrade] [FROM:]TARGET",
		"Print the SQL script an upgrade (or downgrade) to TARGET would run, version\n"
		"table statements included, for review or for psql (alembic upgrade --sql).\n\n"
		"Options:\n"
		"      --downgrade            the downgrade script instead\n"},
	{"graph", NULL, NULL, verb_graph, O_GRAPH, 0, 0, "graph [-o FILE] [--since REV] [--depth N]",
		"Draw the revision graph (migrate.graph()): merges, branch labels,\n"
		"dependencies dashed, applied revisions filled, heads double-bordered, the\n"
		"applied heads in bold.  Without -o, print it as Graphviz DOT text.\n\n"
		"Options:\n"
		"  -o, --output=FILE          write FILE; .dot or .gv: DOT text, any other\n"
		"                             extension (.svg, .png, .pdf): rendered by\n"
		"                             Graphviz's dot, or, without Graphviz, DOT text\n"
		"                             written to FILE.dot instead, with a warning\n"
		"      --since=REV            only REV and what came after it\n"
		"      --depth=N              only N levels below the heads (1: the heads)\n"},
	{NULL}
};

static void
usage(void)
{
	printf("%s runs schema migrations kept as files, with the migrate extension\n"
		   "as the engine (Alembic's commands, inside PostgreSQL).\n\n", progname);
	printf("Usage:\n  %s [OPTION]... COMMAND [ARG]...\n\n", progname);
	printf("Commands:\n"
		   "  init                  create the migrations directory and the extension\n"
		   "  revision -m MESSAGE   write a new revision file (alias: create)\n"
		   "  merge -m MESSAGE      write a revision merging the heads\n"
		   "  upgrade [TARGET]      apply the files up to TARGET, default head (alias:\n"
		   "                        migrate)\n"
		   "  downgrade TARGET      revert down to TARGET (alias: rollback, whose TARGET\n"
		   "                        defaults to -1)\n"
		   "  current               show the applied revisions\n"
		   "  history [-r RANGE]    list the revisions, newest first\n"
		   "  heads                 show the heads\n"
		   "  branches              show the branch points\n"
		   "  show REV              show one revision\n"
		   "  stamp TARGET...       set the version rows without running scripts\n"
		   "  status                files, applied revisions and pending steps\n"
		   "  check                 verify the database against the files\n"
		   "  sql [FROM:]TARGET     print the SQL an upgrade would run\n"
		   "  revision --autogenerate -m MESSAGE --schema FILE|DIR\n"
		   "                        write a revision from the schema diff\n"
		   "  diff --schema FILE|DIR\n"
		   "                        print the statements from the head schema to FILE\n"
		   "  drift                 show schema changes made outside migrations\n"
		   "  graph [-o FILE]       draw the revision graph (Graphviz DOT, SVG, PNG)\n\n"
		   "Run \"%s COMMAND --help\" for a command's own options.\n\n", progname);
	printf("Connection options:\n"
		   "  -d, --dbname=CONNSTR     database to use: a name, a connection string or a\n"
		   "                           URI; repeat for several databases\n"
		   "      --dbname-file=FILE   connection strings, one per line (# comments)\n"
		   "  -h, --host=HOSTNAME      database server host or socket directory\n"
		   "  -p, --port=PORT          database server port\n"
		   "  -U, --username=USERNAME  user name to connect as\n"
		   "  -j, --jobs=NUM           work on NUM databases at a time (default 1)\n\n");
	printf("General options:\n"
		   "      --dir=DIR            migrations directory (default: migrations)\n"
		   "  -q, --quiet              print errors and warnings only\n"
		   "  -v, --verbose            say more\n"
		   "      --json               one JSON object per database on standard output\n"
		   "  -V, --version            output version information, then exit\n"
		   "  -?, --help               show this help, then exit\n\n");
	printf("Without -d, libpq's PGDATABASE, PGHOST, ... and service files apply.\n"
		   "Passwords (from .pgpass, PGPASSWORD or a connection string) are never\n"
		   "printed.\n\n");
	printf("Exit status: 0 success, 1 error, 2 usage error, 3 something pending or\n"
		   "different (status --exit-code, check, drift, diff --exit-code), 130 interrupted (Ctrl-C; 143 for\n"
		   "SIGTERM).\n");
}

static void
command_usage(const Command *cmd)
{
	printf("Usage:\n  %s [OPTION]... %s\n\n%s", progname, cmd->usage, cmd->help);
	printf("\nConnection and general options: see \"%s --help\".\n", progname);
}

static void
usage_error(const char *fmt,...) pg_attribute_printf(1, 2);

static void
usage_error(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	report_vfail("Try \"pg_migrate --help\" for more information.", fmt, ap);
	va_end(ap);
	exit(EXIT_USAGE);
}

/* the options given, and the first given of each kind, for usage errors */
static int	used_codes[16];

static void
use_option(int *used, int flag, int code)
{
	int			bit;

	for (bit = 0; bit < 16; bit++)
		if (flag == (1 << bit) && used_codes[bit] == 0)
			used_codes[bit] = code;
	*used |= flag;
}

/* The long name of an option code of long_options. */
static const char *
option_name(const struct option *options, int code)
{
	for (; options->name; options++)
		if (options->val == code)
			return options->name;
	return "?";
}

/* A whole number from 1 to max, or a usage error: "<what>, not "<arg>"". */
static int
number_option(const char *arg, long max, const char *what)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end || n < 1 || n > max)
		usage_error("%s, not \"%s\"", what, arg);
	return (int) n;
}

static const Command *
find_command(const char *name)
{
	const Command *c;

	for (c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* ---------- the databases ---------- */

typedef struct Fleet
{
	Job		   *jobs;
	int			n;
	int			next;
	VerbFn		fn;
	pthread_mutex_t lock;
} Fleet;

static void
add_job(Fleet *f, const char *conninfo)
{
	f->jobs = pg_realloc(f->jobs, (f->n + 1) * sizeof(Job));
	memset(&f->jobs[f->n], 0, sizeof(Job));
	f->jobs[f->n].conninfo = conninfo;
	f->n++;
}

static void
read_dbname_file(Fleet *f, const char *path)
{
	FILE	   *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	   *line = NULL;
	size_t		size = 0;
	int			lineno = 0;

	if (fp == NULL)
	{
		report_fail(NULL, "could not open file \"%s\": %m", path);
		exit(EXIT_ERROR);
	}
	while (getline(&line, &size, fp) >= 0)
	{
		char	   *s = line;
		size_t		len;
		char	   *err = NULL;
		PQconninfoOption *parsed = NULL;

		lineno++;
		s += strspn(s, " \t");
		len = strlen(s);
		while (len > 0 && strchr("\r\n \t", s[len - 1]))
			s[--len] = '\0';
		if (len == 0 || s[0] == '#')
			continue;
		add_job(f, pg_strdup(s));
		/* a line libpq cannot read is named by its place in the file */
		if ((strchr(s, '=') || strstr(s, "://")) &&
			(parsed = PQconninfoParse(s, &err)) == NULL)
			f->jobs[f->n - 1].label = psprintf("%s line %d", path, lineno);
		else if (parsed)
			PQconninfoFree(parsed);
		if (err)
			PQfreemem(err);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
}

/* Run the command against one database, all output of it kept together. */
static void
run_job(Fleet *f, Job *job)
{
	initPQExpBuffer(&job->out);
	initPQExpBuffer(&job->steps);
	job->buffered = f->n > 1;
	job->started = now_seconds();
	if (interrupted)
	{
		job->result = EXIT_CANCELED;
		job->error = pg_strdup("canceled by user before it started");
		job->label = job->label ? job->label : session_label(job->conninfo ? job->conninfo : "");
	}
	else if (session_open(job))
	{
		job->result = f->fn(job);
		session_close(job);
	}
	else
		job->result = EXIT_ERROR;
	/* the result line is a report, on standard output whatever it says */
	if (f->n > 1 && !opt.json)
	{
		bool		steps = strcmp(opt.verb, "upgrade") == 0 || strcmp(opt.verb, "downgrade") == 0;

		if (job->result == EXIT_OK || job->result == EXIT_PENDING)
			report_line(job, false, "%s (%s%s%.2f s)",
						job->result == EXIT_OK ? "ok" : "pending",
						steps ? psprintf("%d step%s", job->nsteps, job->nsteps == 1 ? "" : "s") : "",
						steps ? ", " : "", now_seconds() - job->started);
		else
			report_line(job, false, "%s%s%s%s",
						job->result >= 128 ? "canceled" : "failed",
						job->sqlstate[0] ? " (SQLSTATE " : "", job->sqlstate,
						job->sqlstate[0] ? ")" : "");
	}
	report_flush(job);
	if (opt.json)
		report_json(job, job->json_extra);
}

static void *
worker(void *arg)
{
	Fleet	   *f = arg;

	for (;;)
	{
		int			k;

		pthread_mutex_lock(&f->lock);
		k = f->next++;
		pthread_mutex_unlock(&f->lock);
		if (k >= f->n)
			return NULL;
		run_job(f, &f->jobs[k]);
	}
}

/* Every database, opt.jobs at a time; each all or nothing on its own. */
static int
run_fleet(Fleet *f)
{
	pthread_t  *threads;
	int			nthreads = Min(opt.jobs, f->n);
	int			i,
				ok = 0,
				pending = 0,
				failed = 0,
				canceled = 0;

	pthread_mutex_init(&f->lock, NULL);
	if (nthreads <= 1)
		worker(f);
	else
	{
		threads = pg_malloc(nthreads * sizeof(pthread_t));
		for (i = 0; i < nthreads; i++)
			if (pthread_create(&threads[i], NULL, worker, f) != 0)
			{
				report_fail(NULL, "could not start a thread: %m");
				exit(EXIT_ERROR);
			}
		for (i = 0; i < nthreads; i++)
			pthread_join(threads[i], NULL);
	}
	for (i = 0; i < f->n; i++)
	{
		int			r = f->jobs[i].result;

		if (r == EXIT_OK)
			ok++;
		else if (r == EXIT_PENDING)
			pending++;
		else if (r >= 128)
			canceled++;
		else
			failed++;
	}
	if (f->n > 1 && !opt.json)
	{
		printf("%d databases: %d ok", f->n, ok);
		if (pending)
			printf(", %d pending", pending);
		if (failed)
			printf(", %d failed", failed);
		if (canceled)
			printf(", %d canceled", canceled);
		printf("\n");
	}
	if (canceled)
		return EXIT_CANCELED;
	if (failed)
		return EXIT_ERROR;
	return pending ? EXIT_PENDING : EXIT_OK;
}

/* ---------- main ---------- */

int
main(int argc, char **argv)
{
	static struct option long_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"dbname-file", required_argument, NULL, 1},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"jobs", required_argument, NULL, 'j'},
		{"dir", required_argument, NULL, 2},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"json", no_argument, NULL, 3},
		{"message", required_argument, NULL, 'm'},
		{"head", required_argument, NULL, 4},
		{"branch-label", required_argument, NULL, 5},
		{"depends-on", required_argument, NULL, 6},
		{"rev-id", required_argument, NULL, 7},
		{"splice", no_argument, NULL, 8},
		{"each", no_argument, NULL, 9},
		{"dry-run", no_argument, NULL, 10},
		{"backup", optional_argument, NULL, 11},
		{"yes", no_argument, NULL, 'y'},
		{"purge", no_argument, NULL, 12},
		{"rev-range", required_argument, NULL, 'r'},
		{"exit-code", no_argument, NULL, 13},
		{"downgrade", no_argument, NULL, 14},
		{"prune", no_argument, NULL, 15},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 16},
		{"autogenerate", no_argument, NULL, 17},
		{"schema", required_argument, NULL, 18},
		{"dev-url", required_argument, NULL, 19},
		{"allow-destructive", no_argument, NULL, 20},
		{"rename", required_argument, NULL, 21},
		{"concurrently", no_argument, NULL, 22},
		{"output", required_argument, NULL, 'o'},
		{"since", required_argument, NULL, 23},
		{"depth", required_argument, NULL, 24},
		{"limit", required_argument, NULL, 25},
		{NULL, 0, NULL, 0}
	};
	Fleet		fleet = {0};
	const char *dbname_file = NULL;
	const Command *cmd;
	int			c;
	int			used = 0;
	bool		help = false;
	int			i;

	opt.dir = "migrations";
	opt.jobs = 1;
	progname = "pg_migrate";

	/*
	 * "downgrade -1" is a target, not an option: hide such arguments from
	 * getopt behind a marker byte, removed once options are parsed.
	 */
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] >= '0' && argv[i][1] <= '9' &&
			strspn(argv[i] + 1, "0123456789") == strlen(argv[i] + 1))
			argv[i] = psprintf("%c%s", TARGET_MARK, argv[i]);

	while ((c = getopt_long(argc, argv, "d:h:p:U:j:qvm:yr:o:V?", long_options, NULL)) != -1)
	{
		/* "-m -1": an option's value is not a target */
		if (optarg && optarg[0] == TARGET_MARK)
			optarg++;
		switch (c)
		{
			case 'd':
				add_job(&fleet, optarg);
				break;
			case 1:
				dbname_file = optarg;
				break;
			case 'h':
				opt.host = optarg;
				break;
			case 'p':
				opt.port = optarg;
				break;
			case 'U':
				opt.user = optarg;
				break;
			case 'j':
				opt.jobs = number_option(optarg, 1000, "--jobs must be a number from 1 to 1000");
				break;
			case 2:
				opt.dir = optarg;
				break;
			case 'q':
				opt.quiet = true;
				break;
			case 'v':
				opt.verbose = true;
				break;
			case 3:
				opt.json = true;
				break;
			case 'm':
				opt.message = optarg;
				use_option(&used, O_MSG, c);
				break;
			case 4:
				opt.head = optarg;
				use_option(&used, O_REVISION, c);
				break;
			case 5:
				opt.branch_label = optarg;
				use_option(&used, O_REVISION, c);
				break;
			case 6:
				opt.depends_on = optarg;
				use_option(&used, O_REVISION, c);
				break;
			case 7:
				opt.rev_id = optarg;
				use_option(&used, O_REVID, c);
				break;
			case 8:
				opt.splice = true;
				use_option(&used, O_REVISION, c);
				break;
			case 9:
				opt.each = true;
				use_option(&used, O_APPLY, c);
				break;
			case 10:
				opt.dry_run = true;
				use_option(&used, O_APPLY, c);
				break;
			case 11:
				opt.backup = true;
				opt.backup_file = optarg;
				use_option(&used, O_APPLY, c);
				break;
			case 'y':
				opt.yes = true;
				use_option(&used, O_YES, c);
				break;
			case 12:
				opt.purge = true;
				use_option(&used, O_PURGE, c);
				break;
			case 'r':
				opt.range = optarg;
				use_option(&used, O_RANGE, c);
				break;
			case 13:
				opt.exit_code = true;
				use_option(&used, O_EXITCODE, c);
				break;
			case 14:
				opt.downgrade = true;
				use_option(&used, O_DOWNGRADE, c);
				break;
			case 15:
				opt.prune = true;
				use_option(&used, O_PRUNE, c);
				break;
			case 'V':
				printf("pg_migrate (migrate) " PG_MIGRATE_VERSION "\n");
				exit(EXIT_OK);
			case 16:
				help = true;
				break;
			case 17:
				opt.autogenerate = true;
				use_option(&used, O_AUTOGEN, c);
				break;
			case 18:
				opt.schema = optarg;
				use_option(&used, O_SCHEMA, c);
				break;
			case 19:
				opt.dev_url = optarg;
				use_option(&used, O_SCHEMA, c);
				break;
			case 20:
				opt.allow_destructive = true;
				use_option(&used, O_AUTOGEN, c);
				break;
			case 21:
				if (strchr(optarg, '=') == NULL || optarg[0] == '=' || strchr(optarg, '=')[1] == '\0')
					usage_error("--rename takes OLD=NEW, such as 'table public.users=public.people', not \"%s\"", optarg);
				opt.renames = pg_realloc(opt.renames, (opt.nrenames + 1) * sizeof(char *));
				opt.renames[opt.nrenames++] = optarg;
				use_option(&used, O_SCHEMA, c);
				break;
			case 22:
				opt.concurrently = true;
				use_option(&used, O_SCHEMA, c);
				break;
			case 'o':
				opt.output = optarg;
				use_option(&used, O_GRAPH, c);
				break;
			case 23:
				opt.since = optarg;
				use_option(&used, O_GRAPH, c);
				break;
			case 25:
				opt.limit = number_option(optarg, INT_MAX, "--limit must be a positive number of revisions");
				use_option(&used, O_RANGE, c);
				break;
			case 24:
				opt.depth = number_option(optarg, 1000000, "--depth must be a positive number of levels");
				use_option(&used, O_GRAPH, c);
				break;
			case '?':
				/* -? asks for help; anything else getopt refused */
				if (strcmp(argv[optind - 1], "-?") == 0)
				{
					help = true;
					break;
				}
				fprintf(stderr, "%s: hint: Try \"%s --help\" for more information.\n", progname, progname);
				exit(EXIT_USAGE);
			default:
				fprintf(stderr, "%s: hint: Try \"%s --help\" for more information.\n", progname, progname);
				exit(EXIT_USAGE);
		}
	}

	if (optind >= argc)
	{
		if (help)
		{
			usage();
			exit(EXIT_OK);
		}
		usage_error("no command given");
	}
	if (strcmp(argv[optind], "help") == 0)
	{
		if (optind + 1 < argc && (cmd = find_command(argv[optind + 1])) != NULL)
			command_usage(cmd);
		else
			usage();
		exit(EXIT_OK);
	}
	cmd = find_command(argv[optind]);
	if (cmd == NULL)
		usage_error("unknown command \"%s\"", argv[optind]);
	if (help)
	{
		command_usage(cmd);
		exit(EXIT_OK);
	}
	opt.verb = cmd->alias_of ? cmd->alias_of : cmd->name;
	opt.args = argv + optind + 1;
	opt.nargs = argc - optind - 1;
	for (i = 0; i < opt.nargs; i++)
		if (opt.args[i][0] == TARGET_MARK)
			opt.args[i]++;
	if (opt.nargs == 0 && cmd->default_arg)
	{
		static char *dflt[1];

		dflt[0] = (char *) cmd->default_arg;
		opt.args = dflt;
		opt.nargs = 1;
	}
	if (opt.nargs < cmd->min_args)
		usage_error("%s needs %s", cmd->name,
					cmd->min_args == 1 && strcmp(cmd->name, "show") == 0 ? "a revision" : "a target");
	if (cmd->max_args >= 0 && opt.nargs > cmd->max_args)
		usage_error("too many arguments for %s: \"%s\"", cmd->name, opt.args[cmd->max_args]);
	if (used & ~cmd->options)
	{
		int			bit;

		for (bit = 0; bit < 16; bit++)
			if ((used & ~cmd->options) & (1 << bit))
				usage_error("option --%s does not apply to %s",
							option_name(long_options, used_codes[bit]), cmd->name);
	}
	if ((cmd->options & O_MSG) && opt.message == NULL)
		usage_error("%s needs a message: -m MESSAGE", cmd->name);
	if (opt.message && strpbrk(opt.message, "\r\n"))
		usage_error("the message must be one line");
	if (opt.message && opt.message[strspn(opt.message, " \t")] == '\0')
		usage_error("the message must not be empty");
	if (opt.range && opt.nargs > 0)
		usage_error("history takes its range once: -r RANGE or RANGE");
	if (opt.each && opt.dry_run)
		usage_error("--each and --dry-run cannot be combined");
	if (strcmp(cmd->name, "sql") == 0 && opt.downgrade && opt.nargs == 0)
		usage_error("sql --downgrade needs a target");
	if (strcmp(opt.verb, "revision") == 0 && !opt.autogenerate && (used & O_SCHEMA))
		usage_error("option --%s needs --autogenerate", option_name(long_options, used_codes[11]));
	if (strcmp(opt.verb, "revision") == 0 && opt.allow_destructive && !opt.autogenerate)
		usage_error("option --allow-destructive needs --autogenerate");
	if ((opt.autogenerate || strcmp(opt.verb, "diff") == 0) && opt.schema == NULL)
		usage_error("%s needs the desired schema: --schema FILE|DIR", opt.autogenerate ? "revision --autogenerate" : cmd->name);
	if (strcmp(opt.verb, "check") == 0 && (used & O_SCHEMA) && opt.schema == NULL)
		usage_error("option --%s needs --schema", option_name(long_options, used_codes[11]));
	if (opt.output)
	{
		const char *ext = strrchr(opt.output, '.');

		if (ext == NULL || ext[1] == '\0' || strchr(ext, '/') != NULL)
			usage_error("cannot tell the picture format of \"%s\": end the file name with .svg, .png, .pdf or .dot", opt.output);
	}

	/* the commands that need no database */
	if (strcmp(opt.verb, "revision") == 0 && !opt.autogenerate)
		return verb_revision(NULL);
	if (strcmp(opt.verb, "merge") == 0)
		return verb_merge();

	if (strcmp(opt.verb, "init") == 0)
	{
		struct stat st;

		if (stat(opt.dir, &st) == 0 && S_ISDIR(st.st_mode))
		{
			if (!opt.quiet && !opt.json)
				printf("Directory %s exists.\n", opt.dir);
		}
		else if (mkdir(opt.dir, 0755) != 0)
		{
			report_fail(NULL, "could not create directory \"%s\": %m", opt.dir);
			exit(EXIT_ERROR);
		}
		else if (!opt.quiet && !opt.json)
			printf("Created directory %s.\n", opt.dir);
	}
	else if (strcmp(opt.verb, "drift") != 0 && !files_read(opt.dir, &migdir))
		exit(EXIT_ERROR);

	if (opt.prune && migdir.n == 0)
	{
		report_fail("Check --dir; pass --prune only with the directory that holds the revisions.",
					"--prune with an empty migrations directory would drop every unapplied revision");
		exit(EXIT_ERROR);
	}
	if (dbname_file)
	{
		int			before = fleet.n;

		read_dbname_file(&fleet, dbname_file);
		if (fleet.n == before)
		{
			report_fail("List one connection string a line; lines starting with # are comments.",
						"file \"%s\" names no database", dbname_file);
			exit(EXIT_ERROR);
		}
	}
	/* the schema diff's verbs that use one database, or none (--dev-url) */
	if (opt.autogenerate || strcmp(opt.verb, "diff") == 0 ||
		(strcmp(opt.verb, "check") == 0 && opt.dev_url))
	{
		if (opt.dev_url && fleet.n > 0)
			usage_error("--dev-url builds the schemas in scratch databases: leave out -d");
		if (fleet.n > 1)
			usage_error("%s works on one database; %d were given", cmd->name, fleet.n);
		session_install_signals();
		if (strcmp(opt.verb, "revision") == 0)
			return verb_revision(fleet.n ? fleet.jobs[0].conninfo : NULL);
		if (strcmp(opt.verb, "diff") == 0)
			return verb_diff(fleet.n ? fleet.jobs[0].conninfo : NULL);
		return verb_check_scratch();
	}
	if (fleet.n == 0)
		add_job(&fleet, NULL);	/* libpq's environment */
	if (opt.output && fleet.n > 1)
		usage_error("graph -o writes one file; with several databases run graph once per database");
	if (opt.backup && opt.backup_file && fleet.n > 1)
		usage_error("--backup=FILE names one file; with several databases use --backup");
	for (i = 0; i < fleet.n; i++)
		if (fleet.jobs[i].conninfo && fleet.jobs[i].conninfo[0] == '\0')
			usage_error("an empty connection string was given");
	fleet.fn = cmd->fn;
	session_install_signals();
	return run_fleet(&fleet);
}
