/*
 * dataloss.c
 *		Which statements of a downgrade script delete data: the check
 *		behind downgrade's question ("--backup or --yes?").
 *
 * A lexer that knows comments (nested block comments too), string
 * literals (E'' escapes included), quoted identifiers and dollar quotes
 * splits the script into statements and an ALTER TABLE into its
 * subcommands.  Function bodies and DO blocks are dollar-quoted text and
 * are not looked into: the check is a safety net for the common cases,
 * not a proof.
 */
#include "postgres_fe.h"

#include <ctype.h>

#include "pg_migrate.h"

/* separates the subcommands of an ALTER TABLE in a normalized statement */
#define SUBCOMMAND '\001'

static bool
ident_char(char c)
{
	return isalnum((unsigned char) c) || c == '_' || c == '$' || (unsigned char) c >= 0x80;
}

/* Skip a comment starting at p; returns where it ends. */
static const char *
skip_comment(const char *p)
{
	if (p[0] == '-' && p[1] == '-')
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*')
	{
		int			depth = 1;

		for (p += 2; *p && depth > 0; p++)
		{
			if (p[0] == '/' && p[1] == '*')
				depth++, p++;
			else if (p[0] == '*' && p[1] == '/')
				depth--, p++;
		}
		return p;
	}
	return p;
}

/* Skip a literal or quoted name starting at p (after any E prefix). */
static const char *
skip_quoted(const char *p, bool backslashes)
{
	char		q = *p++;

	for (; *p; p++)
	{
		if (backslashes && *p == '\\' && p[1])
			p++;
		else if (*p == q && p[1] == q)
			p++;
		else if (*p == q)
			return p + 1;
	}
	return p;
}

/* Skip a dollar-quoted string at p, or return NULL when p starts none. */
static const char *
skip_dollar(const char *p)
{
	size_t		taglen = 1;
	char	   *tag;
	const char *end;

	while (p[taglen] && p[taglen] != '$')
	{
		if (!(isalnum((unsigned char) p[taglen]) || p[taglen] == '_' ||
			  (unsigned char) p[taglen] >= 0x80) ||
			(taglen == 1 && isdigit((unsigned char) p[taglen])))
			return NULL;
		taglen++;
	}
	if (p[taglen] != '$')
		return NULL;
	taglen++;
	tag = pnstrdup(p, taglen);
	end = strstr(p + taglen, tag);
	pg_free(tag);
	return end ? end + taglen : p + strlen(p);
}

/* Whether the next word at "at" is word. */
static bool
word_is(const char *at, const char *word)
{
	size_t		n = strlen(word);

	while (*at == ' ')
		at++;
	return strncmp(at, word, n) == 0 && (at[n] == ' ' || at[n] == '\0');
}

/* Where the word "DROP" first stands in text, or NULL. */
static const char *
find_word(const char *text, const char *word)
{
	size_t		n = strlen(word);
	const char *p;

	for (p = text; (p = strstr(p, word)) != NULL; p += n)
		if ((p == text || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return p;
	return NULL;
}

/*
 * Whether one ALTER TABLE subcommand drops a column: it is DROP [COLUMN]
 * x, not DROP CONSTRAINT, and not ALTER [COLUMN] x DROP DEFAULT (or NOT
 * NULL, IDENTITY, EXPRESSION), whatever the column is called.
 */
static bool
drops_column(const char *sub)
{
	const char *drop = find_word(sub, "DROP");
	const char *alter = find_word(sub, "ALTER");

	if (drop == NULL || (alter != NULL && alter < drop))
		return false;
	return !word_is(drop + 4, "CONSTRAINT");
}

/* Whether a DELETE in the statement deletes from a table that is not migrate's. */
static bool
deletes_rows(const char *n)
{
	const char *p;

	for (p = n; (p = strstr(p, "DELETE FROM ")) != NULL; p += 12)
		if ((p == n || p[-1] == ' ' || p[-1] == '(') &&
			strncmp(p + 12, "MIGRATE.", 8) != 0 && strncmp(p + 12, "ONLY MIGRATE.", 13) != 0)
			return true;
	return false;
}

/*
 * Whether a normalized statement deletes data: its words uppercased, one
 * space between them, literals replaced, SUBCOMMAND between the
 * subcommands of an ALTER TABLE.
 */
static bool
deletes_data(const char *n)
{
	if (strncmp(n, "DROP TABLE ", 11) == 0 || strncmp(n, "DROP SCHEMA ", 12) == 0 ||
		strncmp(n, "DROP OWNED ", 11) == 0 || strncmp(n, "TRUNCATE", 8) == 0)
		return true;
	if ((strncmp(n, "DROP TYPE ", 10) == 0 || strncmp(n, "DROP DOMAIN ", 12) == 0 ||
		 strncmp(n, "DROP EXTENSION ", 15) == 0) && strstr(n, " CASCADE"))
		return true;
	if ((strncmp(n, "DELETE FROM ", 12) == 0 || strncmp(n, "WITH ", 5) == 0) && deletes_rows(n))
		return true;
	if (strncmp(n, "ALTER TABLE ", 12) == 0)
	{
		char	   *copy = pg_strdup(n + 12);
		char	   *sub = copy;
		bool		found = false;

		for (;;)
		{
			char	   *comma = strchr(sub, SUBCOMMAND);

			if (comma)
				*comma = '\0';
			if (drops_column(sub))
				found = true;
			if (comma == NULL || found)
				break;
			sub = comma + 1;
			while (*sub == ' ')
				sub++;
		}
		pg_free(copy);
		return found;
	}
	return false;
}

/*
 * Count the statements of script that delete data; the first `show` of
 * them, shortened, go into found, "; " between them.
 */
int
dataloss_statements(const char *script, PQExpBuffer found, int show)
{
	const char *p = script;
	int			count = 0;
	PQExpBufferData norm;

	initPQExpBuffer(&norm);
	while (*p)
	{
		const char *start = NULL;
		const char *last = NULL;
		int			depth = 0;
		bool		space = false;

		resetPQExpBuffer(&norm);
		while (*p && !(*p == ';' && depth == 0))
		{
			const char *next;

			if ((next = skip_comment(p)) != p)
			{
				p = next;
				space = true;
				continue;
			}
			if (isspace((unsigned char) *p))
			{
				p++;
				space = true;
				continue;
			}
			if (start == NULL)
				start = p;
			/* quoted text is a token of its own, spaced or not in the script */
			if (norm.len > 0 && norm.data[norm.len - 1] != ' ' &&
				(space || *p == '\'' || *p == '"' || *p == '$' ||
				 ((*p == 'E' || *p == 'e') && p[1] == '\'')))
				appendPQExpBufferChar(&norm, ' ');
			space = false;
			if ((*p == 'E' || *p == 'e') && p[1] == '\'' && (p == script || !ident_char(p[-1])))
			{
				next = skip_quoted(p + 1, true);
				appendPQExpBufferStr(&norm, "'S'");
				space = true;
			}
			else if (*p == '\'')
			{
				next = skip_quoted(p, false);
				appendPQExpBufferStr(&norm, "'S'");
				space = true;
			}
			else if (*p == '"')
			{
				next = skip_quoted(p, false);
				appendBinaryPQExpBuffer(&norm, p, next - p);
				space = true;
			}
			else if (*p == '$' && (p == script || !ident_char(p[-1])) && (next = skip_dollar(p)) != NULL)
			{
				appendPQExpBufferStr(&norm, "$S$");
				space = true;
			}
			else
			{
				if (*p == '(')
					depth++;
				else if (*p == ')' && depth > 0)
					depth--;
				/* a comma between ALTER TABLE subcommands is marked apart */
				appendPQExpBufferChar(&norm, *p == ',' && depth == 0 ? SUBCOMMAND :
									  (char) toupper((unsigned char) *p));
				next = p + 1;
			}
			last = next;
			p = next;
		}
		if (*p == ';')
			p++;
		if (start && deletes_data(norm.data))
		{
			count++;
			if (count <= show)
			{
				int			len = (int) (last - start);
				int			i;

				if (found->len)
					appendPQExpBufferStr(found, "; ");
				/* one line, at most 100 characters of it */
				for (i = 0; i < len && i < 100; i++)
					appendPQExpBufferChar(found, isspace((unsigned char) start[i]) ? ' ' : start[i]);
				if (len > 100)
					appendPQExpBufferStr(found, "...");
			}
		}
	}
	termPQExpBuffer(&norm);
	return count;
}
