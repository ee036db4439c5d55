/*
 * diff_fuzz.c
 *		libFuzzer harness for the schema diff (src/schema/): the JSON
 *		reader, the pairing of objects, every kind's statements, renames
 *		and the ordering step, as migrate.diff() runs them, without a server.
 *
 * An input is two snapshot texts separated by a zero byte (a third part,
 * after a second zero byte, is a renames object); the bytes are handed
 * over with their exact lengths and no terminating zero.  Besides the
 * sanitizers (no crash, no leak: the arena frees every block) and
 * libFuzzer's timeout (no hang), the harness checks what diff_run
 * promises and traps when a result disagrees:
 *	- a failure leaves a non-empty message;
 *	- on success every row has a non-empty statement and only known hazard
 *	  bits, and a "-- not diffed" row is exactly one with the not_diffed
 *	  hazard;
 *	- the result is deterministic: the same input gives the same rows;
 *	- a snapshot that diffs at all diffs to nothing against itself.
 */
#include "schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "diff_fuzz: invariant violated at line %d: %s\n", \
			__LINE__, #cond); \
	__builtin_trap(); } } while (0)

static void *
block_alloc(size_t size, void *arg)
{
	return malloc(size);
}

static void
block_free(void *block, void *arg)
{
	free(block);
}

typedef struct Outcome
{
	int			ok;
	int			n;
	char	   *text;			/* the rows, one per line, malloc'd */
	char		err[256];
} Outcome;

static void
run(const char *a, size_t alen, const char *b, size_t blen,
	const char *renames, size_t rlen, Outcome *out)
{
	jmp_buf		fail;
	Arena	   *arena;
	DiffOptions opt;
	DiffRow    *rows;
	size_t		size = 1;
	int			i;

	memset(out, 0, sizeof(*out));
	memset(&opt, 0, sizeof(opt));
	arena = arena_create(block_alloc, block_free, NULL, &fail, out->err,
						 sizeof(out->err));
	CHECK(arena != NULL);
	if (setjmp(fail) != 0)
	{
		arena_destroy(arena);
		CHECK(out->err[0] != '\0');
		return;
	}
	if (renames != NULL)
	{
		opt.renames = json_parse(arena, renames, rlen);
		if (opt.renames->type != J_OBJECT)
			arena_fail(arena, "renames is not an object");
	}
	rows = diff_run(arena, a, alen, b, blen, &opt, &out->n);
	for (i = 0; i < out->n; i++)
	{
		CHECK(rows[i].statement != NULL && rows[i].statement[0] != '\0');
		CHECK((rows[i].hazards >> HZ_COUNT) == 0);
		CHECK((strncmp(rows[i].statement, "-- not diffed:", 14) == 0) ==
			  ((rows[i].hazards & HZ_NOT_DIFFED) != 0));
		size += strlen(rows[i].statement) + 16;
	}
	out->text = malloc(size);
	CHECK(out->text != NULL);
	out->text[0] = '\0';
	for (i = 0; i < out->n; i++)
	{
		size_t		len = strlen(out->text);

		snprintf(out->text + len, size - len, "%s|%u|%d\n", rows[i].statement,
				 rows[i].hazards, rows[i].transactional);
	}
	out->ok = 1;
	arena_destroy(arena);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *) data;
	const char *sep = memchr(in, '\0', size);
	const char *b,
			   *r = NULL;
	size_t		alen,
				blen,
				rlen = 0;
	Outcome		first,
				again,
				self;

	if (sep == NULL)
		return 0;
	alen = (size_t) (sep - in);
	b = sep + 1;
	blen = size - alen - 1;
	sep = memchr(b, '\0', blen);
	if (sep != NULL)
	{
		r = sep + 1;
		rlen = (size_t) (in + size - r);
		blen = (size_t) (sep - b);
	}

	run(in, alen, b, blen, r, rlen, &first);
	run(in, alen, b, blen, r, rlen, &again);
	CHECK(first.ok == again.ok && first.n == again.n);
	CHECK(!first.ok || strcmp(first.text, again.text) == 0);
	CHECK(first.ok || strcmp(first.err, again.err) == 0);
	if (first.ok)
	{
		run(in, alen, in, alen, NULL, 0, &self);
		CHECK(self.ok && self.n == 0);
		free(self.text);
	}
	free(first.text);
	free(again.text);
	return 0;
}
