/*
 * script_fuzz.c
 *		libFuzzer harness for src/script.c: the revision file format.
 *
 * Built from the extension's own script.c and target.c (see fuzz/run.sh).
 * Each input is one file of arbitrary bytes, passed with its exact length
 * and no terminating zero, so AddressSanitizer sees any read past its end.
 * The harness restates what script_parse promises, line by line, and traps
 * (__builtin_trap) when a result disagrees.
 *
 * On success:
 *	- the file has no zero byte; ScriptError is left zeroed;
 *	- "revision" and "upgrade" are present; the id is a valid identifier
 *	  and no keyword;
 *	- an absent part has line 0, ptr NULL and len 0; a present one has a line
 *	  in 1..(lines of the file), and its text lies inside the input and is
 *	  trimmed of white space at both ends;
 *	- the lines starting with "-- migrate:" are exactly the directive lines
 *	  of the present parts, each naming its part; header directives precede
 *	  the upgrade directive, which precedes the downgrade directive;
 *	- a header value is exactly the trimmed rest of its directive line;
 *	  a section is exactly the trimmed text from the line after its directive
 *	  to the next directive line (or the end of the file);
 *	- every other line before the upgrade section is blank or a "--" comment,
 *	  and no other line anywhere looks like a directive (blanks, "--",
 *	  blanks, "migrate" in any case, blanks, ":");
 *	- revises / branch-labels / depends-on, when present, iterate with
 *	  script_next_item into one or more non-empty items lying in order inside
 *	  the list's span, on the list's line, each a valid identifier ("base"
 *	  allowed in revises);
 *	- "transactional", when present, is "true" or "false", and
 *	  is_transactional is false exactly for "false".
 * On failure: the error line is within 1..max(1, lines of the file) and the
 * message is a non-empty zero-terminated string, and the message for a
 * valid UTF-8 file is valid UTF-8 (quoted text is cut at a character
 * boundary).
 * A UTF-8 byte order mark at the start is skipped: everything above holds
 * for the text after it.
 * Always: the result is deterministic and the same at another address;
 * a comment line prepended shifts every line by one and every offset by its
 * length; blank lines appended change nothing; CRLF line ends give the same
 * outcome, lines, messages and header values, and the same sections up to
 * the added carriage returns.
 * script_next_item, fed the raw input as a list, yields one item per comma
 * plus one, each the trimmed text between two commas.
 */
#include "script.h"
#include "target.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "script_fuzz: invariant violated at line %d: %s\n", \
			__LINE__, #cond); \
	__builtin_trap(); } } while (0)

#define PREFIX "-- migrate:"
#define PREFIX_LEN (sizeof(PREFIX) - 1)
#define NPARTS 8

/* Where the lines of a text start: start[1..n], start[n + 1] = length. */
typedef struct Lines
{
	const char *text;
	size_t		size;
	int			n;
	size_t	   *start;
} Lines;

typedef struct Part
{
	const char *name;
	bool		is_section;
} Part;

static const Part parts[NPARTS] = {
	{"revision", false}, {"revises", false}, {"message", false},
	{"branch-labels", false}, {"depends-on", false},
	{"transactional", false}, {"upgrade", true}, {"downgrade", true}
};

/* The parts of a ScriptFile in the order of parts[]. */
static ScriptText *
part_of(ScriptFile *f, int i)
{
	ScriptText *all[NPARTS] = {
		&f->revision, &f->revises, &f->message, &f->branch_labels,
		&f->depends_on, &f->transactional, &f->upgrade, &f->downgrade
	};

	return all[i];
}

static bool
ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
		c == '\v';
}

static void
ref_trim(const char **p, size_t *len)
{
	while (*len > 0 && ws(**p))
	{
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && ws((*p)[*len - 1]))
		(*len)--;
}

static bool
inside(const char *p, size_t n, const char *s, size_t len)
{
	return p >= s && n <= len && (size_t) (p - s) <= len - n;
}

static Lines
lines_of(const char *text, size_t size)
{
	Lines		l;
	size_t		i;
	int			n = 0;

	for (i = 0; i < size; i++)
		if (text[i] == '\n')
			n++;
	if (size > 0 && text[size - 1] != '\n')
		n++;
	l.text = text;
	l.size = size;
	l.n = n;
	l.start = malloc(sizeof(size_t) * (size_t) (n + 2));
	l.start[0] = 0;
	l.start[1] = 0;
	n = 1;
	for (i = 0; i < size; i++)
		if (text[i] == '\n' && i + 1 < size)
			l.start[++n] = i + 1;
	l.start[l.n + 1] = size;
	return l;
}

/* Offset of the end of line k (its '\n' or the end of the text). */
static size_t
line_end(const Lines *l, int k)
{
	const char *nl = memchr(l->text + l->start[k], '\n',
							l->start[k + 1] - l->start[k]);

	return nl ? (size_t) (nl - l->text) : l->start[k + 1];
}

/* Whether line k is a directive line; its name in *name, *name_len. */
static bool
directive_at(const Lines *l, int k, const char **name, size_t *name_len)
{
	const char *p = l->text + l->start[k];
	size_t		len = line_end(l, k) - l->start[k];
	size_t		n = 0;

	if (len < PREFIX_LEN || memcmp(p, PREFIX, PREFIX_LEN) != 0)
		return false;
	while (PREFIX_LEN + n < len && !ws(p[PREFIX_LEN + n]))
		n++;
	*name = p + PREFIX_LEN;
	*name_len = n;
	return true;
}

/* The reference of a line that looks like a directive. */
static bool
looks_like(const Lines *l, int k)
{
	const char *p = l->text + l->start[k];
	const char *end = l->text + line_end(l, k);
	const char *w = "migrate";

	while (p < end && ws(*p))
		p++;
	if (end - p < 2 || p[0] != '-' || p[1] != '-')
		return false;
	for (p += 2; p < end && ws(*p); p++)
		;
	for (; *w; w++, p++)
		if (p >= end || (*p != *w && *p != *w - 'a' + 'A'))
			return false;
	while (p < end && ws(*p))
		p++;
	return p < end && *p == ':';
}

/*
 * script_next_item over a list: one item per comma plus one, each the
 * trimmed text between commas, inside the span when non-empty.
 */
static int
check_items(const char *ptr, size_t len, int line, bool want_ident,
			bool allow_base)
{
	ScriptText	list = {ptr, len, line};
	ScriptText	item;
	const char *piece = ptr;
	size_t		commas = 0,
				i;
	int			count = 0;

	for (i = 0; i < len; i++)
		if (ptr[i] == ',')
			commas++;
	while (script_next_item(&list, &item))
	{
		const char *comma;
		size_t		piece_len;
		const char *rp;
		size_t		rlen;

		CHECK((size_t) count <= commas);
		count++;
		CHECK(item.ptr != NULL);
		CHECK(item.line == line);
		CHECK(memchr(item.ptr, ',', item.len) == NULL);
		/* the reference piece: up to the next comma or the end */
		comma = memchr(piece, ',', (size_t) (ptr + len - piece));
		piece_len = comma ? (size_t) (comma - piece) : (size_t) (ptr + len - piece);
		rp = piece;
		rlen = piece_len;
		ref_trim(&rp, &rlen);
		CHECK(item.len == rlen);
		if (item.len > 0)
		{
			CHECK(inside(item.ptr, item.len, ptr, len));
			CHECK(item.ptr == rp);
			CHECK(!ws(item.ptr[0]) && !ws(item.ptr[item.len - 1]));
		}
		if (want_ident)
		{
			CHECK(item.len > 0);
			CHECK(target_valid_ident(item.ptr, item.len) ||
				  (allow_base && item.len == 4 &&
				   memcmp(item.ptr, "base", 4) == 0));
		}
		piece = comma ? comma + 1 : ptr + len;
		if (list.ptr != NULL && list.len > 0)
			CHECK(list.ptr == piece &&
				  list.len == (size_t) (ptr + len - piece));
	}
	CHECK((size_t) count == commas + 1);
	CHECK(list.ptr == NULL && list.len == 0);
	/* done means done */
	CHECK(!script_next_item(&list, &item));
	return count;
}

/* Whether s[0 .. len) is valid UTF-8 (PostgreSQL's rules: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static bool
valid_utf8(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		n;
		unsigned char lo = 0x80,
					hi = 0xBF;
		size_t		k;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
		{
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			if (c == 0xED)
				hi = 0x9F;
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			if (c == 0xF4)
				hi = 0x8F;
		}
		else
			return false;
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++)
		{
			unsigned char b = s[i + k];

			if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
				return false;
		}
		i += n + 1;
	}
	return true;
}

static void
check_error(const ScriptError *err, const Lines *l)
{
	CHECK(err->line >= 1 && err->line <= (l->n > 0 ? l->n : 1));
	CHECK(memchr(err->message, '\0', sizeof(err->message)) != NULL);
	CHECK(err->message[0] != '\0');
	/* a message quoting valid UTF-8 input must stay valid UTF-8 */
	if (valid_utf8((const unsigned char *) l->text, l->size))
		CHECK(valid_utf8((const unsigned char *) err->message,
						 strlen(err->message)));
}

/* Everything a successful parse promises about f, parsed from l. */
static void
check_success(ScriptFile *f, const ScriptError *err, const Lines *l)
{
	const char *text = l->text;
	size_t		size = l->size;
	int			present = 0;
	int			ndirectives = 0;
	int			upgrade_line = f->upgrade.line;
	int			k,
				i;

	CHECK(memchr(text, '\0', size) == NULL);
	CHECK(err->line == 0 && err->message[0] == '\0');
	CHECK(f->revision.line != 0 && upgrade_line != 0);
	CHECK(target_valid_ident(f->revision.ptr, f->revision.len));
	CHECK(!target_is_keyword(f->revision.ptr, f->revision.len));
	CHECK(f->downgrade.line == 0 || f->downgrade.line > upgrade_line);

	for (i = 0; i < NPARTS; i++)
	{
		ScriptText *t = part_of(f, i);
		const char *name;
		size_t		name_len;
		const char *rp;
		size_t		rlen;
		size_t		from,
					to;

		if (t->line == 0)
		{
			CHECK(t->ptr == NULL && t->len == 0);
			continue;
		}
		present++;
		CHECK(t->line >= 1 && t->line <= l->n);
		CHECK(t->ptr != NULL && inside(t->ptr, t->len, text, size));
		CHECK(t->len == 0 || (!ws(t->ptr[0]) && !ws(t->ptr[t->len - 1])));
		/* its line is its directive */
		CHECK(directive_at(l, t->line, &name, &name_len));
		CHECK(name_len == strlen(parts[i].name) &&
			  memcmp(name, parts[i].name, name_len) == 0);
		if (!parts[i].is_section)
		{
			/* the trimmed rest of the directive line */
			CHECK(t->line < upgrade_line);
			from = (size_t) (name + name_len - text);
			to = line_end(l, t->line);
		}
		else
		{
			/* from the next line to the next directive or the end */
			from = l->start[t->line + 1];
			to = (t == &f->upgrade && f->downgrade.line != 0) ?
				l->start[f->downgrade.line] : size;
			CHECK(from <= to);
		}
		rp = text + from;
		rlen = to - from;
		ref_trim(&rp, &rlen);
		CHECK(t->len == rlen);
		CHECK(t->len == 0 || t->ptr == rp);
	}

	/* directive lines are exactly those of the present parts */
	for (k = 1; k <= l->n; k++)
	{
		const char *name;
		size_t		name_len;

		if (directive_at(l, k, &name, &name_len))
		{
			bool		found = false;

			ndirectives++;
			for (i = 0; i < NPARTS; i++)
				if (part_of(f, i)->line == k)
					found = true;
			CHECK(found);
			continue;
		}
		CHECK(!looks_like(l, k));
		if (k < upgrade_line)
		{
			/* before the sections: blank or a comment */
			const char *q = text + l->start[k];
			size_t		qlen = line_end(l, k) - l->start[k];

			ref_trim(&q, &qlen);
			CHECK(qlen == 0 || (qlen >= 2 && q[0] == '-' && q[1] == '-'));
		}
	}
	CHECK(ndirectives == present);

	/* lists */
	if (f->revises.line)
		CHECK(check_items(f->revises.ptr, f->revises.len, f->revises.line,
						  true, true) >= 1);
	if (f->branch_labels.line)
		CHECK(check_items(f->branch_labels.ptr, f->branch_labels.len,
						  f->branch_labels.line, true, false) >= 1);
	if (f->depends_on.line)
		CHECK(check_items(f->depends_on.ptr, f->depends_on.len,
						  f->depends_on.line, true, false) >= 1);

	/* transactional */
	if (f->transactional.line)
	{
		bool		is_true = f->transactional.len == 4 &&
			memcmp(f->transactional.ptr, "true", 4) == 0;
		bool		is_false = f->transactional.len == 5 &&
			memcmp(f->transactional.ptr, "false", 5) == 0;

		CHECK(is_true || is_false);
		CHECK(f->is_transactional == is_true);
	}
	else
		CHECK(f->is_transactional);
}

/*
 * b (parsed from text t) equals a (from text s) with every line moved by
 * dline and every non-empty part moved by doff bytes.
 */
static void
check_shifted(ScriptFile *a, const char *s, ScriptFile *b, const char *t,
			  int dline, size_t doff)
{
	int			i;

	CHECK(a->is_transactional == b->is_transactional);
	for (i = 0; i < NPARTS; i++)
	{
		ScriptText *x = part_of(a, i);
		ScriptText *y = part_of(b, i);

		CHECK(x->len == y->len);
		CHECK((x->line == 0) == (y->line == 0));
		CHECK(x->line == 0 || y->line == x->line + dline);
		CHECK(x->len == 0 || (size_t) (y->ptr - t) == (size_t) (x->ptr - s) + doff);
	}
}

/* a and b equal once every "\r\n" of b is read as "\n" */
static bool
same_but_cr(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		i = 0,
				j = 0;

	while (i < alen && j < blen)
	{
		if (b[j] == '\r' && j + 1 < blen && b[j + 1] == '\n' && a[i] == '\n')
			j++;
		if (a[i] != b[j])
			return false;
		i++;
		j++;
	}
	return i == alen && j == blen;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *input = size ? (const char *) data : "";
	size_t		bom = size >= 3 && memcmp(input, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	const char *text = input + bom;
	Lines		l;
	ScriptFile	f,
				g;
	ScriptError err,
				err2;
	bool		ok;
	char	   *buf;
	size_t		i,
				n;
	static const char comment[] = "-- c\n";
	static const char blanks[] = "\n \r\n\t\n";

	/* the raw input as a list */
	(void) check_items(input, size, 3, false, false);

	/* the parser skips a byte order mark; the reference reads past it */
	ok = script_parse(input, size, &f, &err);
	size -= bom;
	l = lines_of(text, size);
	if (ok)
		check_success(&f, &err, &l);
	else
		check_error(&err, &l);
	if (memchr(text, '\0', size) != NULL)
		CHECK(!ok);

	buf = malloc(2 * size + sizeof(comment) + sizeof(blanks) + bom);

	/* deterministic and the same at another address */
	if (size + bom)
		memcpy(buf, input, size + bom);
	CHECK(script_parse(buf, size + bom, &g, &err2) == ok);
	if (ok)
		check_shifted(&f, input, &g, buf, 0, 0);
	else
		CHECK(err2.line == err.line && strcmp(err.message, err2.message) == 0);

	/* a comment line in front (after a byte order mark) moves every line by one */
	memcpy(buf, input, bom);
	memcpy(buf + bom, comment, sizeof(comment) - 1);
	if (size)
		memcpy(buf + bom + sizeof(comment) - 1, text, size);
	n = bom + size + sizeof(comment) - 1;
	CHECK(script_parse(buf, n, &g, &err2) == ok);
	if (ok)
		check_shifted(&f, input, &g, buf, 1, sizeof(comment) - 1);
	else if (size > 0 && memchr(text, '\0', size) == NULL)
		CHECK(err2.line == err.line + 1);

	/* blank lines at the end change nothing */
	if (ok)
	{
		if (size + bom)
			memcpy(buf, input, size + bom);
		memcpy(buf + bom + size, blanks, sizeof(blanks) - 1);
		n = bom + size + sizeof(blanks) - 1;
		CHECK(script_parse(buf, n, &g, &err2));
		check_shifted(&f, input, &g, buf, 0, 0);
	}

	/* CRLF line ends */
	memcpy(buf, input, bom);
	n = bom;
	for (i = 0; i < size; i++)
	{
		if (text[i] == '\n')
			buf[n++] = '\r';
		buf[n++] = text[i];
	}
	CHECK(script_parse(buf, n, &g, &err2) == ok);
	if (ok)
	{
		CHECK(g.is_transactional == f.is_transactional);
		for (i = 0; i < NPARTS; i++)
		{
			ScriptText *x = part_of(&f, (int) i);
			ScriptText *y = part_of(&g, (int) i);

			CHECK(x->line == y->line);
			if (parts[i].is_section)
				CHECK(same_but_cr(x->ptr, x->len, y->ptr, y->len));
			else
				CHECK(x->len == y->len &&
					  (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0));
		}
	}
	else
		CHECK(err2.line == err.line && strcmp(err.message, err2.message) == 0);

	free(buf);
	free(l.start);
	return 0;
}
