/*
 * target.c
 *		Parser of target specs: "head", "heads", "base", ids and prefixes,
 *		"label@head", "label@-1", "+2", "ab12-1", and history ranges "a:b".
 *
 * Pure C without backend calls so the fuzzer links it alone.  The parser
 * only splits the text into its parts; plan.c gives them meaning.
 * Unlike Alembic's regular expression, trailing garbage is an error.
 */
#include "target.h"

#include <string.h>

#define MAX_DELTA 1000000000

static bool
is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

/* An id or a branch label: 1-64 characters of [A-Za-z0-9_]. */
bool
target_valid_ident(const char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > MIGRATE_ID_MAXLEN)
		return false;
	for (i = 0; i < len; i++)
		if (!is_ident_char(s[i]))
			return false;
	return true;
}

/* Words with a meaning of their own can name no revision or label. */
bool
target_is_keyword(const char *s, size_t len)
{
	static const char *const words[] = {"head", "heads", "base", "current"};
	size_t		i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
			return true;
	return false;
}

/*
 * Parse one target.  On failure returns false and sets *error to a static
 * description.  The result points into s.
 */
bool
target_parse(const char *s, size_t len, TargetSpec *out, const char **error)
{
	const char *at;
	const char *rest;
	size_t		rest_len;
	size_t		sym_len;

	memset(out, 0, sizeof(*out));
	if (len == 0)
	{
		*error = "the target is empty";
		return false;
	}

	at = memchr(s, '@', len);
	if (at != NULL)
	{
		out->label = s;
		out->label_len = (size_t) (at - s);
		if (!target_valid_ident(out->label, out->label_len))
		{
			*error = "the branch label before \"@\" is not 1-64 characters of [A-Za-z0-9_]";
			return false;
		}
		rest = at + 1;
		rest_len = len - (size_t) (rest - s);
		if (rest_len == 0)
		{
			*error = "nothing follows \"@\"";
			return false;
		}
	}
	else
	{
		rest = s;
		rest_len = len;
	}

	/* symbol part: identifier characters up to an optional +N / -N */
	for (sym_len = 0; sym_len < rest_len && is_ident_char(rest[sym_len]); sym_len++)
		;
	if (sym_len < rest_len)
	{
		const char *p = rest + sym_len;
		const char *end = rest + rest_len;
		long		value = 0;
		int			sign;

		if (*p != '+' && *p != '-')
		{
			*error = "unexpected character in target";
			return false;
		}
		sign = (*p == '-') ? -1 : 1;
		p++;
		if (p == end)
		{
			*error = "a number must follow \"+\" or \"-\"";
			return false;
		}
		for (; p < end; p++)
		{
			if (*p < '0' || *p > '9')
			{
				*error = "a relative step must be a whole number";
				return false;
			}
			/* checked before multiplying: long may be 32 bits */
			if (value > (MAX_DELTA - (*p - '0')) / 10)
			{
				*error = "the relative step is too large";
				return false;
			}
			value = value * 10 + (*p - '0');
		}
		if (value == 0)
		{
			*error = "a relative step must not be zero";
			return false;
		}
		out->has_delta = true;
		out->delta = (int) (sign * value);
	}

	if (sym_len == 0)
	{
		if (!out->has_delta)
		{
			*error = "the target is empty";
			return false;
		}
		out->kind = TARGET_RELATIVE;
		return true;
	}
	if (sym_len > MIGRATE_ID_MAXLEN)
	{
		*error = "a revision identifier is at most 64 characters";
		return false;
	}

	if (sym_len == 4 && memcmp(rest, "head", 4) == 0)
		out->kind = TARGET_HEAD;
	else if (sym_len == 5 && memcmp(rest, "heads", 5) == 0)
		out->kind = TARGET_HEADS;
	else if (sym_len == 4 && memcmp(rest, "base", 4) == 0)
		out->kind = TARGET_BASE;
	else if (sym_len == 7 && memcmp(rest, "current", 7) == 0)
		out->kind = TARGET_CURRENT;
	else
	{
		out->kind = TARGET_REV;
		out->rev = rest;
		out->rev_len = sym_len;
	}
	if (out->has_delta && (out->kind == TARGET_HEADS || out->kind == TARGET_CURRENT))
	{
		*error = "\"heads\" and \"current\" take no relative step";
		return false;
	}
	return true;
}

/*
 * A history range "a:b" has exactly one colon; either side may be empty.
 * Returns true when s is a range and sets *colon to the colon's offset.
 */
bool
target_split_range(const char *s, size_t len, size_t *colon, const char **error)
{
	const char *c = memchr(s, ':', len);

	*error = NULL;
	if (c == NULL)
		return false;
	if (memchr(c + 1, ':', len - (size_t) (c - s) - 1) != NULL)
	{
		*error = "a range has exactly one \":\"";
		return false;
	}
	*colon = (size_t) (c - s);
	return true;
}
