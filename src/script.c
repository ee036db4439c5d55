/*
 * script.c
 *		Parser of the revision file format: "-- migrate:<directive>" header
 *		lines, then an upgrade section and an optional downgrade section.
 *
 * Pure C without backend calls so the fuzzer links it alone.  Results
 * point into the input; nothing is allocated.  Every error names a line.
 * A directive is exactly "-- migrate:" at the start of a line; any other
 * line that looks like one ("--migrate:", "--  migrate:", "-- migrate: x",
 * indented) is an error, never SQL: a mistyped downgrade marker would
 * otherwise run the downgrade as part of the upgrade.
 */
#include "script.h"
#include "target.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DIRECTIVE_PREFIX "-- migrate:"

/*
 * Length of s cut to at most max bytes without splitting a UTF-8
 * character, for quoting user text in an error message (a split
 * character would make the message invalid in the client's encoding).
 */
static int
clip(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (int) len;
	while (max > 0 && ((unsigned char) s[max] & 0xC0) == 0x80)
		max--;
	return (int) max;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static bool
fail(ScriptError *err, int line, const char *fmt,...);

static bool
fail(ScriptError *err, int line, const char *fmt,...)
{
	va_list		ap;

	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/*
 * Whether a line looks like a directive: blanks, "--", blanks, "migrate"
 * in any case, blanks, ":".
 */
static bool
looks_like_directive(const char *p, size_t len)
{
	static const char word[] = "migrate";
	size_t		i = 0,
				k;

	while (i < len && is_space(p[i]))
		i++;
	if (len - i < 2 || p[i] != '-' || p[i + 1] != '-')
		return false;
	i += 2;
	while (i < len && is_space(p[i]))
		i++;
	for (k = 0; k < sizeof(word) - 1; k++, i++)
		if (i >= len || (p[i] | 0x20) != word[k])
			return false;
	while (i < len && is_space(p[i]))
		i++;
	return i < len && p[i] == ':';
}

static void
trim(const char **p, size_t *len);

/* The error for a line that looks like a directive but is not one. */
static bool
lookalike(ScriptError *err, int line, const char *p, size_t len)
{
	const char *q = p;
	size_t		qlen = len;

	/* leading blanks are kept in the quote: they may be the mistake */
	trim(&q, &qlen);
	qlen += (size_t) (q - p);
	return fail(err, line, "\"%.*s\" looks like a directive but is not one; "
				"a directive is \"-- migrate:<name>\" at the start of its line",
				clip(p, qlen, 60), p);
}

static void
trim(const char **p, size_t *len)
{
	while (*len > 0 && is_space(**p))
	{
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && is_space((*p)[*len - 1]))
		(*len)--;
}

/*
 * Iterate over a comma-separated list: each call stores the next trimmed
 * item in *item and consumes it from *list.  Empty items are returned as
 * such so the caller can reject them.
 */
bool
script_next_item(ScriptText *list, ScriptText *item)
{
	const char *comma;
	size_t		take;

	/* ptr NULL: done; len 0 with ptr set: one (empty) item left */
	if (list->ptr == NULL)
		return false;
	comma = memchr(list->ptr, ',', list->len);
	take = comma ? (size_t) (comma - list->ptr) : list->len;
	item->ptr = list->ptr;
	item->len = take;
	item->line = list->line;
	trim(&item->ptr, &item->len);
	if (comma)
	{
		list->ptr = comma + 1;
		list->len -= take + 1;
		/* a trailing comma leaves one empty item to report */
		if (list->len == 0)
			list->ptr = "";
	}
	else
	{
		list->ptr = NULL;
		list->len = 0;
	}
	return true;
}

static bool
check_id_list(ScriptText *value, const char *what, bool allow_base,
			  ScriptError *err)
{
	ScriptText	list = *value;
	ScriptText	item;
	int			count = 0;

	if (list.len == 0)
		return fail(err, value->line, "%s needs at least one value", what);
	while (script_next_item(&list, &item))
	{
		count++;
		if (allow_base && item.len == 4 && memcmp(item.ptr, "base", 4) == 0)
			continue;
		if (!target_valid_ident(item.ptr, item.len))
			return fail(err, value->line,
						"%s value \"%.*s\" is not 1-64 characters of [A-Za-z0-9_]",
						what, clip(item.ptr, item.len, 80), item.ptr);
	}
	return count > 0 ? true : fail(err, value->line, "%s needs at least one value", what);
}

/* Finish the section running from *start up to end. */
static void
close_section(ScriptText *section, const char *start, const char *end)
{
	section->ptr = start;
	section->len = (size_t) (end - start);
	trim(&section->ptr, &section->len);
}

bool
script_parse(const char *text, size_t len, ScriptFile *out, ScriptError *err)
{
	const char *p = text;
	const char *end = text + len;
	const char *section_start = NULL;
	ScriptText *open_section = NULL;
	int			line = 0;
	size_t		prefix_len = strlen(DIRECTIVE_PREFIX);

	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	out->is_transactional = true;

	if (memchr(text, '\0', len) != NULL)
		return fail(err, 1, "the file contains a zero byte");
	/* a UTF-8 byte order mark, as some editors write one */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;

	while (p < end)
	{
		const char *eol = memchr(p, '\n', (size_t) (end - p));
		const char *line_end = eol ? eol : end;
		const char *next = eol ? eol + 1 : end;
		size_t		line_len = (size_t) (line_end - p);

		line++;
		if (line_len >= prefix_len && memcmp(p, DIRECTIVE_PREFIX, prefix_len) == 0)
		{
			const char *name = p + prefix_len;
			size_t		name_len = 0;
			const char *value;
			size_t		value_len;
			ScriptText *slot = NULL;
			bool		is_section = false;

			while (name + name_len < line_end && !is_space(name[name_len]))
				name_len++;
			if (name_len == 0)
				return lookalike(err, line, p, line_len);
			value = name + name_len;
			value_len = (size_t) (line_end - value);
			trim(&value, &value_len);

#define IS(word) (name_len == strlen(word) && memcmp(name, word, name_len) == 0)
			if (IS("revision"))
				slot = &out->revision;
			else if (IS("revises"))
				slot = &out->revises;
			else if (IS("message"))
				slot = &out->message;
			else if (IS("branch-labels"))
				slot = &out->branch_labels;
			else if (IS("depends-on"))
				slot = &out->depends_on;
			else if (IS("transactional"))
				slot = &out->transactional;
			else if (IS("upgrade"))
			{
				slot = &out->upgrade;
				is_section = true;
			}
			else if (IS("downgrade"))
			{
				slot = &out->downgrade;
				is_section = true;
			}
			else
				return fail(err, line, "unknown directive \"%.*s\"",
							clip(name, name_len, 40), name);
#undef IS

			if (slot->line != 0)
				return fail(err, line, "directive \"%.*s\" already appeared on line %d",
							(int) name_len, name, slot->line);

			if (is_section)
			{
				if (value_len != 0)
					return fail(err, line, "a section directive takes no value");
				if (slot == &out->downgrade && out->upgrade.line == 0)
					return fail(err, line, "the downgrade section must follow the upgrade section");
				if (open_section)
					close_section(open_section, section_start, p);
				slot->line = line;
				open_section = slot;
				section_start = next;
			}
			else
			{
				if (open_section)
					return fail(err, line, "header directive \"%.*s\" must come before the upgrade section",
								(int) name_len, name);
				slot->line = line;
				slot->ptr = value;
				slot->len = value_len;
			}
		}
		else if (looks_like_directive(p, line_len))
			return lookalike(err, line, p, line_len);
		else if (open_section == NULL)
		{
			const char *q = p;
			size_t		qlen = line_len;

			trim(&q, &qlen);
			/* blank lines and plain comments may precede the sections */
			if (qlen != 0 && !(qlen >= 2 && q[0] == '-' && q[1] == '-'))
				return fail(err, line, "text outside a section; expected a \"-- migrate:\" directive");
		}
		p = next;
	}
	if (open_section)
		close_section(open_section, section_start, end);

	if (out->revision.line == 0)
		return fail(err, line > 0 ? line : 1, "the \"-- migrate:revision\" directive is missing");
	if (!target_valid_ident(out->revision.ptr, out->revision.len))
		return fail(err, out->revision.line,
					"revision id \"%.*s\" is not 1-64 characters of [A-Za-z0-9_]",
					clip(out->revision.ptr, out->revision.len, 80), out->revision.ptr);
	if (target_is_keyword(out->revision.ptr, out->revision.len))
		return fail(err, out->revision.line, "revision id \"%.*s\" is a reserved word",
					(int) out->revision.len, out->revision.ptr);
	if (out->upgrade.line == 0)
		return fail(err, line > 0 ? line : 1, "the \"-- migrate:upgrade\" section is missing");
	if (out->revises.line != 0 && !check_id_list(&out->revises, "revises", true, err))
		return false;
	if (out->branch_labels.line != 0 && !check_id_list(&out->branch_labels, "branch-labels", false, err))
		return false;
	if (out->depends_on.line != 0 && !check_id_list(&out->depends_on, "depends-on", false, err))
		return false;
	if (out->transactional.line != 0)
	{
		const char *v = out->transactional.ptr;
		size_t		n = out->transactional.len;

		if (n == 4 && memcmp(v, "true", 4) == 0)
			out->is_transactional = true;
		else if (n == 5 && memcmp(v, "false", 5) == 0)
			out->is_transactional = false;
		else
			return fail(err, out->transactional.line, "transactional must be \"true\" or \"false\"");
	}
	return true;
}
