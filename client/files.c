/*
 * files.c
 *		The migrations directory: every "*.sql" file in it, read and parsed
 *		with the server's own parser, and new revision files written.
 *
 * Only what needs no graph engine happens here: finding the heads of the
 * files (for "revision" and "merge", which need no database) and
 * checking that each file parses and declares its own id.  Everything
 * else is the server's job.
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mb/pg_wchar.h"
#include "pg_migrate.h"
#include "target.h"

static MigDir *by_id_dir;		/* for cmp_index_id */

static int
cmp_index_id(const void *a, const void *b)
{
	return strcmp(by_id_dir->files[*(const int *) a].id,
				  by_id_dir->files[*(const int *) b].id);
}

static int
cmp_file_name(const void *a, const void *b)
{
	return strcmp(((const MigFile *) a)->name, ((const MigFile *) b)->name);
}

/* The items of a comma-separated directive, as strings. */
static char **
split_items(ScriptText *t, int *n, bool skip_base)
{
	ScriptText	list = *t;
	ScriptText	item;
	char	  **out = NULL;

	*n = 0;
	if (t->line == 0)
		return NULL;
	while (script_next_item(&list, &item))
	{
		if (skip_base && item.len == 4 && memcmp(item.ptr, "base", 4) == 0)
			continue;
		out = pg_realloc(out, (*n + 1) * sizeof(char *));
		out[(*n)++] = pnstrdup(item.ptr, item.len);
	}
	return out;
}

static char *
read_whole(const char *path, size_t *len)
{
	FILE	   *fp = fopen(path, "rb");
	PQExpBufferData buf;
	char		chunk[65536];
	size_t		got;

	if (fp == NULL)
		return NULL;
	initPQExpBuffer(&buf);
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		appendBinaryPQExpBuffer(&buf, chunk, got);
	if (ferror(fp))
	{
		int			save = errno;

		fclose(fp);
		termPQExpBuffer(&buf);
		errno = save;
		return NULL;
	}
	fclose(fp);
	*len = buf.len;
	return buf.data;
}

/*
 * Read every "*.sql" file of the directory, sorted by name.  False (with
 * the reason printed) when the directory cannot be read, a file cannot be
 * read or parsed, or two files declare one id: nothing has touched a
 * database yet.
 */
bool
files_read(const char *path, MigDir *dir)
{
	DIR		   *d;
	struct dirent *de;
	bool		ok = true;
	int			i;

	dir->path = path;
	dir->files = NULL;
	dir->by_id = NULL;
	dir->n = 0;
	d = opendir(path);
	if (d == NULL)
	{
		report_fail(errno == ENOENT
					? "Run \"pg_migrate init\" to create it, or pass --dir."
					: "Check the directory's permissions, or pass --dir.",
					"could not open migrations directory \"%s\": %m", path);
		return false;
	}
	while ((errno = 0, de = readdir(d)) != NULL)
	{
		size_t		nl = strlen(de->d_name);
		char	   *full;
		struct stat st;

		if (de->d_name[0] == '.' || nl < 5 || strcmp(de->d_name + nl - 4, ".sql") != 0)
			continue;
		full = psprintf("%s/%s", path, de->d_name);
		/*
		 * A *.sql entry that cannot be read as a file is an error, not
		 * something to skip: its revision would look deleted, and --prune
		 * would drop it.
		 */
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		{
			report_fail("Remove it, or make it the revision file it should be.",
						"\"%s\" is not a readable revision file: %s", full,
						errno == ENOENT || errno == ELOOP ? "a link to nothing" : "not a regular file");
			errno = 0;
			ok = false;
			pg_free(full);
			continue;
		}
		dir->files = pg_realloc(dir->files, (dir->n + 1) * sizeof(MigFile));
		memset(&dir->files[dir->n], 0, sizeof(MigFile));
		dir->files[dir->n].name = pg_strdup(de->d_name);
		dir->n++;
		pg_free(full);
	}
	if (errno != 0)
	{
		report_fail(NULL, "could not read migrations directory \"%s\": %m", path);
		closedir(d);
		return false;
	}
	closedir(d);
	if (dir->n > 0)
		qsort(dir->files, dir->n, sizeof(MigFile), cmp_file_name);

	for (i = 0; i < dir->n; i++)
	{
		MigFile    *f = &dir->files[i];
		char	   *full = psprintf("%s/%s", path, f->name);
		size_t		len;
		int			valid;
		ScriptError err;

		f->text = read_whole(full, &len);
		if (f->text == NULL)
		{
			report_fail(NULL, "could not read file \"%s\": %m", full);
			ok = false;
		}
		else if (strlen(f->text) != len)
		{
			report_fail("A revision file is SQL text in UTF-8.",
						"file \"%s\" contains a zero byte", full);
			ok = false;
		}
		else if ((valid = pg_encoding_verifymbstr(PG_UTF8, f->text, (int) len)) != (int) len)
		{
			int			line = 1;
			int			k;

			for (k = 0; k < valid; k++)
				line += f->text[k] == '\n';
			report_fail("Revision files are read as UTF-8: convert the file (iconv -t UTF-8).",
						"file \"%s\", line %d: invalid UTF-8", full, line);
			ok = false;
		}
		else if (!script_parse(f->text, len, &f->parsed, &err))
		{
			report_fail("Correct the file: \"File format\" in README.md describes it.",
						"file \"%s\", line %d: %s", full, err.line, err.message);
			ok = false;
		}
		else
		{
			f->id = pnstrdup(f->parsed.revision.ptr, f->parsed.revision.len);
			f->revises = split_items(&f->parsed.revises, &f->nrevises, true);
			f->labels = split_items(&f->parsed.branch_labels, &f->nlabels, false);
			f->depends_on = split_items(&f->parsed.depends_on, &f->ndepends_on, false);
		}
		pg_free(full);
	}
	if (!ok)
		return false;

	/* one id in two files: which one runs would depend on luck */
	by_id_dir = dir;
	dir->by_id = pg_malloc((dir->n + 1) * sizeof(int));
	for (i = 0; i < dir->n; i++)
		dir->by_id[i] = i;
	qsort(dir->by_id, dir->n, sizeof(int), cmp_index_id);
	for (i = 1; i < dir->n; i++)
	{
		MigFile    *a = &dir->files[dir->by_id[i - 1]];
		MigFile    *b = &dir->files[dir->by_id[i]];

		if (strcmp(a->id, b->id) == 0)
		{
			report_fail("Give one of them a new id (its \"-- migrate:revision\" line), or remove the copy.",
						"files \"%s\" and \"%s\" both declare revision \"%s\"",
						a->name, b->name, a->id);
			ok = false;
		}
	}
	return ok;
}

/* The file declaring id, or -1. */
static int
find_id(MigDir *dir, const char *id)
{
	int			lo = 0,
				hi = dir->n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(dir->files[dir->by_id[mid]].id, id);

		if (c == 0)
			return dir->by_id[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Whether a file of the directory declares revision id. */
bool
files_carry(MigDir *dir, const char *id)
{
	return find_id(dir, id) >= 0;
}

/* The files no other file revises, in name order. */
int
files_heads(MigDir *dir, int **heads)
{
	bool	   *parent = pg_malloc0((dir->n + 1) * sizeof(bool));
	int			n = 0,
				i,
				j;

	for (i = 0; i < dir->n; i++)
		for (j = 0; j < dir->files[i].nrevises; j++)
		{
			int			p = find_id(dir, dir->files[i].revises[j]);

			if (p >= 0)
				parent[p] = true;
		}
	*heads = pg_malloc((dir->n + 1) * sizeof(int));
	for (i = 0; i < dir->n; i++)
		if (!parent[i])
			(*heads)[n++] = i;
	pg_free(parent);
	return n;
}

typedef bool (*FileVisit) (MigFile *f, const char *arg);

/*
 * Visit file start and its down revisions at any depth, each once (a graph
 * of diamonds must not be walked path by path), until visit says found.
 */
static bool
walk_down(MigDir *dir, int start, FileVisit visit, const char *arg)
{
	bool	   *seen = pg_malloc0(dir->n + 1);
	int		   *stack = pg_malloc((dir->n + 1) * sizeof(int));
	int			top = 0;
	bool		found = false;

	if (start >= 0)
	{
		stack[top++] = start;
		seen[start] = true;
	}
	while (top > 0 && !found)
	{
		MigFile    *f = &dir->files[stack[--top]];
		int			i;

		found = visit(f, arg);
		for (i = 0; i < f->nrevises; i++)
		{
			int			p = find_id(dir, f->revises[i]);

			if (p >= 0 && !seen[p])
			{
				seen[p] = true;
				stack[top++] = p;
			}
		}
	}
	pg_free(seen);
	pg_free(stack);
	return found;
}

static bool
carries_label(MigFile *f, const char *label)
{
	int			i;

	for (i = 0; i < f->nlabels; i++)
		if (strcmp(f->labels[i], label) == 0)
			return true;
	return false;
}

static bool
revises_id(MigFile *f, const char *id)
{
	int			i;

	for (i = 0; i < f->nrevises; i++)
		if (strcmp(f->revises[i], id) == 0)
			return true;
	return false;
}

/* Whether file k carries label, itself or through a down revision. */
static bool
has_label(MigDir *dir, int k, const char *label)
{
	return walk_down(dir, k, carries_label, label);
}

/* Whether revision anc is a down revision, at any depth, of revision of. */
bool
files_is_ancestor(MigDir *dir, const char *anc, const char *of)
{
	return walk_down(dir, find_id(dir, of), revises_id, anc);
}

/*
 * A revision named among the files: a full id, a unique prefix, or
 * "label@head".  Returns its index, or -1 with the reason printed.
 */
int
files_resolve(MigDir *dir, const char *spec, const char *what)
{
	const char *at = strchr(spec, '@');
	int			found = -1,
				nfound = 0,
				i;

	if (at && strcmp(at, "@head") == 0)
	{
		char	   *label = pnstrdup(spec, at - spec);
		int		   *heads;
		int			nheads = files_heads(dir, &heads);

		for (i = 0; i < nheads; i++)
			if (has_label(dir, heads[i], label))
			{
				found = heads[i];
				nfound++;
			}
		if (nfound == 1)
			return found;
		report_fail(psprintf("Name the %s by its id.", what),
					nfound == 0 ? "no head of the files carries branch label \"%s\""
					: "several heads of the files carry branch label \"%s\"", label);
		return -1;
	}
	if ((i = find_id(dir, spec)) >= 0)
		return i;
	for (i = 0; i < dir->n; i++)
		if (strncmp(dir->files[i].id, spec, strlen(spec)) == 0)
		{
			found = i;
			nfound++;
		}
	if (nfound == 1 && spec[0] != '\0')
		return found;
	if (nfound > 1 && spec[0] != '\0')
	{
		report_fail("Give more characters of the id.",
					"%s \"%s\" is ambiguous among the files", what, spec);
	}
	else
	{
		report_fail("Run \"pg_migrate heads\", or list the directory, to see the revisions.",
					"%s \"%s\" is not in %s", what, spec, dir->path);
	}
	return -1;
}

/* 12 lowercase hex characters, like Alembic's and migrate.revision()'s. */
char *
files_new_id(void)
{
	unsigned char raw[6];
	char	   *id = pg_malloc(13);
	int			fd = open("/dev/urandom", O_RDONLY);
	int			i;

	if (fd < 0 || read(fd, raw, sizeof(raw)) != sizeof(raw))
	{
		/* no urandom: time and pid still make a collision unlikely */
		uint64		x = (uint64) time(NULL) * 2654435761u ^ (uint64) getpid() << 16;

		for (i = 0; i < 6; i++)
			raw[i] = (unsigned char) (x >> (8 * i));
	}
	if (fd >= 0)
		close(fd);
	for (i = 0; i < 6; i++)
		sprintf(id + 2 * i, "%02x", raw[i]);
	return id;
}

/* The message as a file name part: lowercase words joined by "_", at most 40. */
static char *
slug(const char *message)
{
	char	   *out = pg_malloc(41);
	int			n = 0;
	bool		gap = false;

	for (; *message && n < 40; message++)
	{
		unsigned char c = (unsigned char) *message;

		if (isalnum(c) && c < 128)
		{
			if (gap && n > 0)
				out[n++] = '_';
			if (n < 40)
				out[n++] = (char) tolower(c);
			gap = false;
		}
		else
			gap = true;
	}
	out[n] = '\0';
	return out;
}

/*
 * Write "<id>_<slug>.sql" with its header filled and empty sections, then
 * read it back with the parser: a file pg_migrate writes always loads.
 * Returns the path, or NULL with the reason printed.
 */
char *
files_write_revision(MigDir *dir, const char *id, const char *message,
					 char **parents, int nparents, const char *labels,
					 const char *depends_on, const char *upgrade,
					 const char *downgrade, bool transactional)
{
	char	   *s = slug(message ? message : "");
	char	   *path = psprintf("%s/%s%s%s.sql", dir->path, id, s[0] ? "_" : "", s);
	PQExpBufferData text;
	FILE	   *fp;
	int			fd;
	int			i;
	ScriptFile	f;
	ScriptError err;

	initPQExpBuffer(&text);
	appendPQExpBuffer(&text, "-- migrate:revision %s\n", id);
	if (nparents > 0)
	{
		appendPQExpBufferStr(&text, "-- migrate:revises ");
		for (i = 0; i < nparents; i++)
			appendPQExpBuffer(&text, "%s%s", i ? ", " : "", parents[i]);
		appendPQExpBufferChar(&text, '\n');
	}
	if (message && message[0])
		appendPQExpBuffer(&text, "-- migrate:message %s\n", message);
	if (labels)
		appendPQExpBuffer(&text, "-- migrate:branch-labels %s\n", labels);
	if (depends_on)
		appendPQExpBuffer(&text, "-- migrate:depends-on %s\n", depends_on);
	if (!transactional)
		appendPQExpBufferStr(&text, "-- migrate:transactional false\n");
	appendPQExpBuffer(&text, "-- migrate:upgrade\n%s\n-- migrate:downgrade\n%s\n",
					  upgrade ? upgrade : "", downgrade ? downgrade : "");
	if (!script_parse(text.data, text.len, &f, &err))
	{
		report_fail(NULL, "the new revision would not parse: line %d: %s", err.line, err.message);
		return NULL;
	}

	/* O_EXCL: never overwrite a file someone wrote */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
	{
		report_fail(NULL, "could not create file \"%s\": %m", path);
		return NULL;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL || fwrite(text.data, 1, text.len, fp) != text.len || fclose(fp) != 0)
	{
		report_fail(NULL, "could not write file \"%s\": %m", path);
		unlink(path);
		return NULL;
	}
	termPQExpBuffer(&text);
	return path;
}
