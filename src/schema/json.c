/*
 * json.c
 *		The diff's memory and its reading of snapshot text: an arena that
 *		is freed at once, a growing text buffer, and a JSON parser that
 *		builds a tree in the arena.
 *
 * A snapshot handed to migrate.diff() may be anything a user typed, so
 * the parser checks every byte, bounds its nesting and never trusts a
 * length; errors leave through arena_fail(), which jumps back to the
 * caller of diff_run() with a message.
 */
#include "schema.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)
#define JSON_MAX_DEPTH 64

typedef struct Block
{
	struct Block *next;
	size_t		used;
	size_t		size;
	char		data[];
} Block;

struct Arena
{
	ArenaBlockAlloc alloc;
	ArenaBlockFree release;
	void	   *arg;
	jmp_buf    *fail;
	char	   *errbuf;
	size_t		errlen;
	int			about;
	Block	   *head;
};

void
arena_about(Arena *a, int about)
{
	a->about = about;
}

int
arena_failed_about(const Arena *a)
{
	return a->about;
}

Arena *
arena_create(ArenaBlockAlloc alloc, ArenaBlockFree release, void *arg,
			 jmp_buf *fail, char *errbuf, size_t errlen)
{
	Arena	   *a = alloc(sizeof(Arena), arg);

	if (a == NULL)
		return NULL;
	memset(a, 0, sizeof(Arena));
	a->alloc = alloc;
	a->release = release;
	a->arg = arg;
	a->fail = fail;
	a->errbuf = errbuf;
	a->errlen = errlen;
	return a;
}

void
arena_destroy(Arena *a)
{
	Block	   *b = a->head;

	while (b != NULL)
	{
		Block	   *next = b->next;

		a->release(b, a->arg);
		b = next;
	}
	a->release(a, a->arg);
}

void
arena_fail(Arena *a, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(a->errbuf, a->errlen, fmt, ap);
	va_end(ap);
	longjmp(*a->fail, 1);
}

/* zeroed memory for structs; arena_bytes() leaves text to be written */
void *
arena_alloc(Arena *a, size_t size)
{
	return memset(arena_bytes(a, size), 0, size);
}

void *
arena_bytes(Arena *a, size_t size)
{
	Block	   *b = a->head;

	size = (size + 15) & ~(size_t) 15;
	if (b == NULL || b->size - b->used < size)
	{
		size_t		want = size > ARENA_BLOCK / 4 ? size : ARENA_BLOCK;

		b = a->alloc(sizeof(Block) + want, a->arg);
		if (b == NULL)
			arena_fail(a, "out of memory");
		b->size = want;
		b->used = 0;
		/* a big request gets a block of its own behind the current one */
		if (want != ARENA_BLOCK && a->head != NULL)
		{
			b->next = a->head->next;
			a->head->next = b;
		}
		else
		{
			b->next = a->head;
			a->head = b;
		}
	}
	b->used += size;
	return b->data + b->used - size;
}

char *
arena_strdup(Arena *a, const char *s)
{
	size_t		len = strlen(s);
	char	   *r = arena_bytes(a, len + 1);

	memcpy(r, s, len + 1);
	return r;
}

char *
arena_printf(Arena *a, const char *fmt,...)
{
	va_list		ap;
	int			len;
	char	   *r;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		arena_fail(a, "cannot format text");
	r = arena_bytes(a, (size_t) len + 1);
	va_start(ap, fmt);
	vsnprintf(r, (size_t) len + 1, fmt, ap);
	va_end(ap);
	return r;
}

/* ---------- text buffer ---------- */

void
buf_init(Buf *b, Arena *a)
{
	b->arena = a;
	b->cap = 64;
	b->len = 0;
	b->data = arena_bytes(a, b->cap);
	b->data[0] = '\0';
}

static void
buf_reserve(Buf *b, size_t more)
{
	char	   *bigger;

	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap *= 2;
	bigger = arena_bytes(b->arena, b->cap);
	memcpy(bigger, b->data, b->len + 1);
	b->data = bigger;
}

void
buf_add(Buf *b, const char *s)
{
	size_t		len = strlen(s);

	buf_reserve(b, len);
	memcpy(b->data + b->len, s, len + 1);
	b->len += len;
}

void
buf_addf(Buf *b, const char *fmt,...)
{
	va_list		ap;
	int			len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		arena_fail(b->arena, "cannot format text");
	buf_reserve(b, (size_t) len);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) len + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) len;
}

/* s as a standard-conforming SQL string literal */
void
buf_add_literal(Buf *b, const char *s)
{
	buf_reserve(b, 2 * strlen(s) + 2);
	b->data[b->len++] = '\'';
	for (; *s; s++)
	{
		if (*s == '\'')
			b->data[b->len++] = '\'';
		b->data[b->len++] = *s;
	}
	b->data[b->len++] = '\'';
	b->data[b->len] = '\0';
}

/* ---------- JSON ---------- */

typedef struct Parser
{
	Arena	   *arena;
	const char *p;
	const char *end;
	const char *start;
} Parser;

static JNode *parse_value(Parser *ps, int depth);

static void
parse_fail(Parser *ps, const char *what)
{
	arena_fail(ps->arena, "%s at byte %ld", what, (long) (ps->p - ps->start));
}

static void
skip_space(Parser *ps)
{
	while (ps->p < ps->end &&
		   (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned
parse_hex4(Parser *ps)
{
	unsigned	v = 0;
	int			i;

	if (ps->end - ps->p < 4)
		parse_fail(ps, "truncated \\u escape");
	for (i = 0; i < 4; i++)
	{
		int			d = hex_digit(ps->p[i]);

		if (d < 0)
			parse_fail(ps, "invalid \\u escape");
		v = v * 16 + (unsigned) d;
	}
	ps->p += 4;
	return v;
}

static void
put_utf8(Buf *b, unsigned cp)
{
	char		out[5];
	int			n;

	if (cp < 0x80)
	{
		out[0] = (char) cp;
		n = 1;
	}
	else if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		n = 2;
	}
	else if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		n = 3;
	}
	else
	{
		out[0] = (char) (0xF0 | (cp >> 18));
		out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char) (0x80 | (cp & 0x3F));
		n = 4;
	}
	out[n] = '\0';
	buf_add(b, out);
}

static const char *
parse_string(Parser *ps)
{
	Buf			b;
	const char *run;

	ps->p++;					/* the opening quote */
	/* most strings have no escapes: copy them in one go */
	for (run = ps->p; run < ps->end && *run != '"' && *run != '\\' &&
		 (unsigned char) *run >= 0x20; run++)
		;
	if (run < ps->end && *run == '"')
	{
		char	   *out = arena_bytes(ps->arena, (size_t) (run - ps->p) + 1);

		memcpy(out, ps->p, (size_t) (run - ps->p));
		out[run - ps->p] = '\0';
		ps->p = run + 1;
		return out;
	}
	buf_init(&b, ps->arena);
	run = ps->p;
	for (;;)
	{
		char		c;

		if (ps->p >= ps->end)
			parse_fail(ps, "unterminated string");
		c = *ps->p;
		if (c == '"' || c == '\\' || (unsigned char) c < 0x20)
		{
			size_t		len = (size_t) (ps->p - run);

			buf_reserve(&b, len);
			memcpy(b.data + b.len, run, len);
			b.len += len;
			b.data[b.len] = '\0';
		}
		if (c == '"')
		{
			ps->p++;
			return b.data;
		}
		if ((unsigned char) c < 0x20)
			parse_fail(ps, "control character in string");
		if (c != '\\')
		{
			ps->p++;
			continue;
		}
		if (ps->end - ps->p < 2)
			parse_fail(ps, "truncated escape");
		ps->p += 2;
		switch (ps->p[-1])
		{
			case '"':
				buf_add(&b, "\"");
				break;
			case '\\':
				buf_add(&b, "\\");
				break;
			case '/':
				buf_add(&b, "/");
				break;
			case 'b':
				buf_add(&b, "\b");
				break;
			case 'f':
				buf_add(&b, "\f");
				break;
			case 'n':
				buf_add(&b, "\n");
				break;
			case 'r':
				buf_add(&b, "\r");
				break;
			case 't':
				buf_add(&b, "\t");
				break;
			case 'u':
				{
					unsigned	cp = parse_hex4(ps);

					if (cp >= 0xD800 && cp < 0xDC00)
					{
						unsigned	lo;

						if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
							parse_fail(ps, "unpaired surrogate");
						ps->p += 2;
						lo = parse_hex4(ps);
						if (lo < 0xDC00 || lo > 0xDFFF)
							parse_fail(ps, "unpaired surrogate");
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					}
					else if (cp >= 0xDC00 && cp <= 0xDFFF)
						parse_fail(ps, "unpaired surrogate");
					/* SQL text cannot hold a zero byte */
					if (cp == 0)
						parse_fail(ps, "\\u0000 in string");
					put_utf8(&b, cp);
					break;
				}
			default:
				parse_fail(ps, "invalid escape");
		}
		run = ps->p;
	}
}

static bool
match_word(Parser *ps, const char *w)
{
	size_t		len = strlen(w);

	if ((size_t) (ps->end - ps->p) >= len && memcmp(ps->p, w, len) == 0)
	{
		ps->p += len;
		return true;
	}
	return false;
}

static JNode *
parse_number(Parser *ps)
{
	const char *s = ps->p;
	JNode	   *n;
	char	   *text;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
		parse_fail(ps, "invalid number");
	while (ps->p < ps->end &&
		   ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' ||
			*ps->p == 'e' || *ps->p == 'E' || *ps->p == '+' || *ps->p == '-'))
		ps->p++;
	n = arena_alloc(ps->arena, sizeof(JNode));
	n->type = J_NUMBER;
	text = arena_bytes(ps->arena, (size_t) (ps->p - s) + 1);
	memcpy(text, s, (size_t) (ps->p - s));
	text[ps->p - s] = '\0';
	n->str = text;
	return n;
}

/* items collected in a growing array of the arena; *cap is its size */
void
json_append(Arena *a, JNode *parent, int *cap, const char *key, JNode *item)
{
	if (parent->n == *cap)
	{
		int			bigger = *cap == 0 ? 8 : *cap * 2;
		JNode	  **items = arena_bytes(a, sizeof(JNode *) * bigger);

		if (parent->n > 0)
			memcpy(items, parent->items, sizeof(JNode *) * parent->n);
		parent->items = items;
		if (parent->type == J_OBJECT)
		{
			const char **keys = arena_bytes(a, sizeof(char *) * bigger);

			if (parent->n > 0)
				memcpy(keys, parent->keys, sizeof(char *) * parent->n);
			parent->keys = keys;
		}
		*cap = bigger;
	}
	if (parent->type == J_OBJECT)
		parent->keys[parent->n] = key;
	parent->items[parent->n++] = item;
}

static JNode *
parse_container(Parser *ps, int depth, bool is_object)
{
	JNode	   *n = arena_alloc(ps->arena, sizeof(JNode));
	int			cap = 0;
	char		close = is_object ? '}' : ']';

	if (depth > JSON_MAX_DEPTH)
		parse_fail(ps, "nesting too deep");
	n->type = is_object ? J_OBJECT : J_ARRAY;
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close)
	{
		ps->p++;
		return n;
	}
	for (;;)
	{
		const char *key = NULL;

		skip_space(ps);
		if (is_object)
		{
			if (ps->p >= ps->end || *ps->p != '"')
				parse_fail(ps, "expected a key");
			key = parse_string(ps);
			skip_space(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				parse_fail(ps, "expected ':'");
			ps->p++;
		}
		json_append(ps->arena, n, &cap, key, parse_value(ps, depth + 1));
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',')
		{
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close)
		{
			ps->p++;
			return n;
		}
		parse_fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static JNode *
parse_value(Parser *ps, int depth)
{
	JNode	   *n;

	skip_space(ps);
	if (ps->p >= ps->end)
		parse_fail(ps, "unexpected end of input");
	switch (*ps->p)
	{
		case '{':
			return parse_container(ps, depth, true);
		case '[':
			return parse_container(ps, depth, false);
		case '"':
			n = arena_alloc(ps->arena, sizeof(JNode));
			n->type = J_STRING;
			n->str = parse_string(ps);
			return n;
		case 't':
		case 'f':
		case 'n':
			n = arena_alloc(ps->arena, sizeof(JNode));
			if (match_word(ps, "true"))
			{
				n->type = J_BOOL;
				n->boolean = true;
			}
			else if (match_word(ps, "false"))
				n->type = J_BOOL;
			else if (match_word(ps, "null"))
				n->type = J_NULL;
			else
				parse_fail(ps, "invalid token");
			return n;
		default:
			return parse_number(ps);
	}
}

JNode *
json_parse(Arena *a, const char *text, size_t len)
{
	Parser		ps;
	JNode	   *root;

	ps.arena = a;
	ps.p = ps.start = text;
	ps.end = text + len;
	root = parse_value(&ps, 0);
	skip_space(&ps);
	if (ps.p != ps.end)
		parse_fail(&ps, "unexpected text after the value");
	return root;
}

/* ---------- reading the tree ---------- */

/* a member of an object, NULL when absent, not an object, or JSON null */
JNode *
json_get(const JNode *obj, const char *key)
{
	int			i;

	if (obj == NULL || obj->type != J_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i]->type == J_NULL ? NULL : obj->items[i];
	return NULL;
}

/* a string member, or a number's text; NULL otherwise */
const char *
json_str(const JNode *obj, const char *key)
{
	JNode	   *v = json_get(obj, key);

	if (v == NULL || (v->type != J_STRING && v->type != J_NUMBER))
		return NULL;
	return v->str;
}

bool
json_bool(const JNode *obj, const char *key)
{
	JNode	   *v = json_get(obj, key);

	return v != NULL && v->type == J_BOOL && v->boolean;
}

bool
json_has_string(const JNode *array, const char *s)
{
	int			i;

	if (array == NULL || array->type != J_ARRAY)
		return false;
	for (i = 0; i < array->n; i++)
		if (array->items[i]->type == J_STRING &&
			strcmp(array->items[i]->str, s) == 0)
			return true;
	return false;
}

static bool
ignored_key(const char *key, const char *const *ignored)
{
	for (; ignored != NULL && *ignored != NULL; ignored++)
		if (strcmp(key, *ignored) == 0)
			return true;
	return false;
}

/*
 * Equality of two values, object members compared by name so that key
 * order does not matter; a member that is JSON null equals an absent one,
 * as jsonb_strip_nulls() would have it.  Members named in ignored are
 * skipped at the top level.
 */
bool
json_equal_except(const JNode *a, const JNode *b, const char *const *ignored)
{
	int			i;

	if (a != NULL && a->type == J_NULL)
		a = NULL;
	if (b != NULL && b->type == J_NULL)
		b = NULL;
	if (a == NULL || b == NULL)
		return a == b;
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case J_NULL:
			return true;
		case J_BOOL:
			return a->boolean == b->boolean;
		case J_NUMBER:
		case J_STRING:
			return strcmp(a->str, b->str) == 0;
		case J_ARRAY:
			if (a->n != b->n)
				return false;
			for (i = 0; i < a->n; i++)
				if (!json_equal(a->items[i], b->items[i]))
					return false;
			return true;
		case J_OBJECT:
			/* jsonb prints keys in one order: usually a walk side by side */
			if (a->n == b->n)
			{
				for (i = 0; i < a->n; i++)
					if (strcmp(a->keys[i], b->keys[i]) != 0 ||
						(!ignored_key(a->keys[i], ignored) &&
						 !json_equal(a->items[i], b->items[i])))
						break;
				if (i == a->n)
					return true;
			}
			for (i = 0; i < a->n; i++)
				if (!ignored_key(a->keys[i], ignored) &&
					!json_equal(a->items[i], json_get(b, a->keys[i])))
					return false;
			for (i = 0; i < b->n; i++)
				if (!ignored_key(b->keys[i], ignored) &&
					b->items[i]->type != J_NULL &&
					json_get(a, b->keys[i]) == NULL)
					return false;
			return true;
	}
	return false;
}

bool
json_equal(const JNode *a, const JNode *b)
{
	return json_equal_except(a, b, NULL);
}
