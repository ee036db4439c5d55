/*
 * author.c
 *		The commands that write revision files: revision (alias create) and
 *		merge.  They read the directory only: a team can write revisions
 *		without a database, as with Alembic.
 */
#include "postgres_fe.h"

#include "pg_migrate.h"
#include "target.h"

static int
fail(const char *hint, const char *fmt,...) pg_attribute_printf(2, 3);

/* report_fail, returning the exit status */
static int
fail(const char *hint, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	report_vfail(hint, fmt, ap);
	va_end(ap);
	return EXIT_ERROR;
}

static bool
is_child_of(MigDir *dir, int parent)
{
	int			i,
				j;

	for (i = 0; i < dir->n; i++)
		for (j = 0; j < dir->files[i].nrevises; j++)
			if (strcmp(dir->files[i].revises[j], dir->files[parent].id) == 0)
				return true;
	return false;
}

static bool
label_used(MigDir *dir, const char *label)
{
	int			i,
				j;

	for (i = 0; i < dir->n; i++)
	{
		if (strcmp(dir->files[i].id, label) == 0)
			return true;
		for (j = 0; j < dir->files[i].nlabels; j++)
			if (strcmp(dir->files[i].labels[j], label) == 0)
				return true;
	}
	return false;
}

/* The id for a new file: --rev-id checked, or a fresh random one. */
static char *
new_id(MigDir *dir)
{
	int			i;

	if (opt.rev_id == NULL)
	{
		char	   *id;

		do
			id = files_new_id();
		while (label_used(dir, id));
		return id;
	}
	if (!target_valid_ident(opt.rev_id, strlen(opt.rev_id)) ||
		target_is_keyword(opt.rev_id, strlen(opt.rev_id)))
	{
		fail("A revision id is 1 to 64 characters of [A-Za-z0-9_], and not head, heads, base or current.",
			 "revision id \"%s\" is not valid", opt.rev_id);
		return NULL;
	}
	for (i = 0; i < dir->n; i++)
		if (strcmp(dir->files[i].id, opt.rev_id) == 0)
		{
			fail("Choose another id, or leave out --rev-id.",
				 "revision \"%s\" already exists in file \"%s\"", opt.rev_id, dir->files[i].name);
			return NULL;
		}
	if (label_used(dir, opt.rev_id))
	{
		fail("Ids and branch labels share one namespace: choose another id.",
			 "\"%s\" is already a branch label in the files", opt.rev_id);
		return NULL;
	}
	return pg_strdup(opt.rev_id);
}

static void
print_written(const char *path, const char *id)
{
	if (opt.json)
	{
		char	   *f = json_string(path);
		char	   *r = json_string(id);

		printf("{\"verb\": \"%s\", \"result\": \"ok\", \"exit_code\": 0, \"revision\": %s, \"file\": %s}\n",
			   opt.verb, r, f);
	}
	else if (!opt.quiet)
		printf("Generating %s ... done\n", path);
}

/*
 * revision --autogenerate: the bodies are the diff from the head schema to
 * the desired one and back (autogen.c), in the database given or in
 * scratch databases (--dev-url).  A plan that deletes data needs
 * --allow-destructive; nothing is written otherwise.
 */
static bool
autogenerate(const char *conninfo, char **upgrade, char **downgrade,
			 bool *transactional)
{
	Job			job;
	DiffRows	up,
				down;
	bool		up_tx,
				down_tx;
	bool		ok;
	int			i;

	ok = autogen_run(&job, conninfo, &up, &down);
	for (i = 0; ok && i < up.n && !opt.allow_destructive; i++)
		if (strstr(up.hazards[i], "deletes_data"))
		{
			const char *hint = "Nothing was written. If that is meant, add --allow-destructive; if an object was renamed, say so with --rename 'table public.old=table public.new'.";

			report_fail(hint, "the upgrade would delete data: %s", up.statement[i]);
			job.error = psprintf("the upgrade would delete data: %s", up.statement[i]);
			job.error_hint = pg_strdup(hint);
			ok = false;
		}
	if (!ok)
	{
		job.result = interrupted ? EXIT_CANCELED : EXIT_ERROR;
		if (opt.json)
			report_json(&job, NULL);
		return false;
	}
	for (i = 0; i < up.n; i++)
		if (strstr(up.hazards[i], "not_diffed"))
			fprintf(stderr, "%s: warning: %s: write its statement in place of that comment in the file\n",
					progname, up.statement[i] + 3);
	if (up.n == 0 && !opt.quiet && !opt.json)
		fprintf(stderr, "%s: the desired schema equals the head schema: the revision has no statements\n",
				progname);
	*upgrade = up.n ? autogen_script(&up, &up_tx) : pg_strdup("-- no schema changes\n");
	*downgrade = down.n ? autogen_script(&down, &down_tx) : pg_strdup("-- no schema changes\n");
	*transactional = (up.n == 0 || up_tx) && (down.n == 0 || down_tx);
	return true;
}

int
verb_revision(const char *conninfo)
{
	MigDir		dir;
	char	   *id;
	char	   *parent = NULL;
	char	   *path;
	char	   *deps = NULL;
	char	   *upgrade = NULL;
	char	   *downgrade = NULL;
	bool		transactional = true;

	if (!files_read(opt.dir, &dir))
		return EXIT_ERROR;
	if ((id = new_id(&dir)) == NULL)
		return EXIT_ERROR;

	if (opt.head && strcmp(opt.head, "base") == 0)
		parent = NULL;
	else if (opt.head)
	{
		int			r = files_resolve(&dir, opt.head, "head");

		if (r < 0)
			return EXIT_ERROR;
		if (is_child_of(&dir, r) && !opt.splice)
			return fail("Pass --splice to start a branch from it.",
						"revision \"%s\" is not a head", dir.files[r].id);
		parent = dir.files[r].id;
	}
	else
	{
		int		   *heads;
		int			n = files_heads(&dir, &heads);

		if (n > 1)
		{
			PQExpBufferData list;
			int			i;

			initPQExpBuffer(&list);
			for (i = 0; i < n; i++)
				appendPQExpBuffer(&list, "%s%s", i ? ", " : "", dir.files[heads[i]].id);
			return fail("Pass --head to choose the one to build on, or run \"pg_migrate merge -m MESSAGE\" first.",
						"the files have %d heads: %s", n, list.data);
		}
		if (n == 1)
			parent = dir.files[heads[0]].id;
	}

	if (opt.branch_label)
	{
		if (!target_valid_ident(opt.branch_label, strlen(opt.branch_label)) ||
			target_is_keyword(opt.branch_label, strlen(opt.branch_label)))
			return fail("A branch label is 1 to 64 characters of [A-Za-z0-9_].",
						"branch label \"%s\" is not valid", opt.branch_label);
		if (label_used(&dir, opt.branch_label))
			return fail("Choose another label.",
						"branch label \"%s\" is already an id or a label in the files", opt.branch_label);
	}
	if (opt.depends_on)
	{
		/* each item a revision of the files (a prefix is completed) or a label */
		PQExpBufferData list;
		char	   *copy = pg_strdup(opt.depends_on);
		char	   *item;

		initPQExpBuffer(&list);
		for (item = strtok(copy, ", "); item; item = strtok(NULL, ", "))
		{
			int			r;

			if (label_used(&dir, item))
				appendPQExpBuffer(&list, "%s%s", list.len ? ", " : "", item);
			else if ((r = files_resolve(&dir, item, "dependency")) >= 0)
				appendPQExpBuffer(&list, "%s%s", list.len ? ", " : "", dir.files[r].id);
			else
				return EXIT_ERROR;
		}
		deps = list.data;
	}
	/* with --head, the diff starts from that revision's schema */
	if (opt.head)
		opt.diff_base = parent ? parent : "";
	if (opt.autogenerate && !autogenerate(conninfo, &upgrade, &downgrade, &transactional))
		return interrupted ? EXIT_CANCELED : EXIT_ERROR;
	path = files_write_revision(&dir, id, opt.message, parent ? &parent : NULL,
								parent ? 1 : 0, opt.branch_label, deps,
								upgrade, downgrade, transactional);
	if (path == NULL)
		return EXIT_ERROR;
	print_written(path, id);
	return EXIT_OK;
}

int
verb_merge(void)
{
	MigDir		dir;
	char	  **parents;
	int			n = 0,
				i,
				j;
	char	   *id;
	char	   *path;

	if (!files_read(opt.dir, &dir))
		return EXIT_ERROR;
	if ((id = new_id(&dir)) == NULL)
		return EXIT_ERROR;
	parents = pg_malloc((dir.n + opt.nargs + 1) * sizeof(char *));
	if (opt.nargs == 0 || (opt.nargs == 1 && strcmp(opt.args[0], "heads") == 0))
	{
		int		   *heads;
		int			nheads = files_heads(&dir, &heads);

		for (i = 0; i < nheads; i++)
			parents[n++] = dir.files[heads[i]].id;
	}
	else
		for (i = 0; i < opt.nargs; i++)
		{
			int			r = files_resolve(&dir, opt.args[i], "revision");

			if (r < 0)
				return EXIT_ERROR;
			for (j = 0; j < n; j++)
				if (strcmp(parents[j], dir.files[r].id) == 0)
					break;
			if (j == n)
				parents[n++] = dir.files[r].id;
		}
	if (n < 2)
		return fail("Merge when the files have several heads, or name two or more revisions.",
					"a merge needs at least two revisions; found %d", n);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j && files_is_ancestor(&dir, parents[i], parents[j]))
				return fail("Merge revisions of different branches: a merge of a revision with its own descendant changes nothing.",
							"revision \"%s\" is an ancestor of \"%s\"", parents[i], parents[j]);
	path = files_write_revision(&dir, id, opt.message, parents, n, NULL, NULL,
								NULL, NULL, true);
	if (path == NULL)
		return EXIT_ERROR;
	print_written(path, id);
	return EXIT_OK;
}
