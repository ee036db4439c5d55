/*
 * target_fuzz.c
 *		libFuzzer harness for src/target.c: target specs and history ranges.
 *
 * Built from the extension's own target.c (see fuzz/run.sh).  Each input is
 * one target text of arbitrary bytes, passed with its exact length and no
 * terminating zero, so AddressSanitizer sees any read past its end.  Besides
 * the sanitizers, the harness checks the parser against an independent
 * statement of the grammar and traps (__builtin_trap) on any disagreement:
 *
 *	target	:= [label "@"] body
 *	body	:= sym [sign digits] | sign digits
 *	label, sym := 1-64 of [A-Za-z0-9_]
 *	sign	:= "+" | "-";  digits := [0-9]+ with a value of 1..1000000000
 *	"heads" and "current" take no sign; "head", "heads", "base", "current"
 *	are keywords (case-sensitive), any other sym is a revision or prefix.
 *
 * Invariants checked for target_parse:
 *	- it accepts exactly the texts the grammar above accepts;
 *	- on success every field agrees with the grammar: label points at the
 *	  start of the input with the length up to the first "@", rev (only for
 *	  TARGET_REV) lies inside the input right after the "@" or at its start,
 *	  label and rev are valid identifiers, TARGET_RELATIVE iff there is no
 *	  sym, has_delta iff a sign is present, delta is non-zero, within
 *	  +-1000000000 and carries the sign of the text;
 *	- the canonical text of a result ([label@]sym[%+d]) parses to the same
 *	  result;
 *	- on failure *error is a non-empty string;
 *	- the result is deterministic and independent of where the text lies in
 *	  memory (the same text at another address gives the same offsets).
 * For target_split_range: true iff exactly one ":" (and *colon is its
 * offset), false with a NULL error iff none, false with an error iff more;
 * both halves of a range are then parsed the way graph_history does, with
 * the same invariants, their results inside their half.
 * target_valid_ident and target_is_keyword are compared to their
 * definitions, and to target_parse on texts without "@", "+" and "-".
 */
#include "target.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "target_fuzz: invariant violated at line %d: %s\n", \
			__LINE__, #cond); \
	__builtin_trap(); } } while (0)

#define REF_MAX_DELTA 1000000000L

/* The grammar's own result, computed without target.c. */
typedef struct RefSpec
{
	bool		ok;
	bool		has_label;
	size_t		label_len;		/* label = s[0 .. label_len) */
	size_t		sym_off;		/* sym = s[sym_off .. sym_off + sym_len) */
	size_t		sym_len;
	bool		has_delta;
	long		delta;
	TargetKind	kind;
} RefSpec;

static bool
ref_ident_char(unsigned char c)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";

	return memchr(set, c, sizeof(set) - 1) != NULL;
}

static bool
ref_ident(const char *s, size_t len)
{
	size_t		i;

	if (len < 1 || len > 64)
		return false;
	for (i = 0; i < len; i++)
		if (!ref_ident_char((unsigned char) s[i]))
			return false;
	return true;
}

static bool
ref_word(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && strncmp(s, word, len) == 0;
}

static bool
ref_keyword(const char *s, size_t len)
{
	return ref_word(s, len, "head") || ref_word(s, len, "heads") ||
		ref_word(s, len, "base") || ref_word(s, len, "current");
}

/*
 * The grammar as a left-to-right scan, written independently of target.c:
 * find the (single) "@", the (single) sign after it, and check each part.
 */
static RefSpec
ref_parse(const char *s, size_t len)
{
	RefSpec		r;
	size_t		i,
				body,
				sign_at = len;
	size_t		nat = 0;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < len; i++)
		if (s[i] == '@')
			nat++;
	body = 0;
	if (nat > 0)
	{
		/* a second "@" is unexpected text in the body */
		r.has_label = true;
		r.label_len = (size_t) ((const char *) memchr(s, '@', len) - s);
		if (!ref_ident(s, r.label_len) || nat > 1)
			return r;
		body = r.label_len + 1;
		if (body == len)
			return r;
	}
	for (i = body; i < len; i++)
		if (s[i] == '+' || s[i] == '-')
		{
			sign_at = i;
			break;
		}
	r.sym_off = body;
	r.sym_len = sign_at - body;
	if (r.sym_len > 0 && !ref_ident(s + body, r.sym_len))
		return r;
	if (sign_at < len)
	{
		long		v = 0;

		if (sign_at + 1 == len)
			return r;
		for (i = sign_at + 1; i < len; i++)
		{
			if (s[i] < '0' || s[i] > '9')
				return r;
			if (v <= REF_MAX_DELTA)
				v = v * 10 + (s[i] - '0');
		}
		if (v == 0 || v > REF_MAX_DELTA)
			return r;
		r.has_delta = true;
		r.delta = s[sign_at] == '-' ? -v : v;
	}
	if (r.sym_len == 0)
	{
		if (!r.has_delta)
			return r;
		r.kind = TARGET_RELATIVE;
	}
	else if (ref_word(s + body, r.sym_len, "head"))
		r.kind = TARGET_HEAD;
	else if (ref_word(s + body, r.sym_len, "heads"))
		r.kind = TARGET_HEADS;
	else if (ref_word(s + body, r.sym_len, "base"))
		r.kind = TARGET_BASE;
	else if (ref_word(s + body, r.sym_len, "current"))
		r.kind = TARGET_CURRENT;
	else
		r.kind = TARGET_REV;
	if (r.has_delta && (r.kind == TARGET_HEADS || r.kind == TARGET_CURRENT))
		return r;
	r.ok = true;
	return r;
}

static bool
inside(const char *p, size_t n, const char *s, size_t len)
{
	return p >= s && n <= len && (size_t) (p - s) <= len - n;
}

static const char *
kind_word(TargetKind kind)
{
	switch (kind)
	{
		case TARGET_HEAD:
			return "head";
		case TARGET_HEADS:
			return "heads";
		case TARGET_BASE:
			return "base";
		case TARGET_CURRENT:
			return "current";
		default:
			return "";
	}
}

/* Same result for text at s and at t (another copy), in offsets. */
static void
check_same(const TargetSpec *a, const char *s, const TargetSpec *b,
		   const char *t)
{
	CHECK(a->kind == b->kind);
	CHECK((a->label == NULL) == (b->label == NULL));
	CHECK(a->label == NULL || a->label - s == b->label - t);
	CHECK(a->label_len == b->label_len);
	CHECK((a->rev == NULL) == (b->rev == NULL));
	CHECK(a->rev == NULL || a->rev - s == b->rev - t);
	CHECK(a->rev_len == b->rev_len);
	CHECK(a->has_delta == b->has_delta);
	CHECK(a->delta == b->delta);
}

/*
 * Parse s[0 .. len) and check the result against the grammar, the canonical
 * round trip and a second parse of a copy.  Returns whether it parsed.
 */
static bool
check_parse(const char *s, size_t len)
{
	TargetSpec	spec,
				again;
	const char *error = NULL;
	const char *error2 = NULL;
	bool		ok;
	RefSpec		ref = ref_parse(s, len);
	char	   *copy;

	ok = target_parse(s, len, &spec, &error);
	CHECK(ok == ref.ok);
	if (!ok)
	{
		CHECK(error != NULL);
		CHECK(error[0] != '\0');
		CHECK(strlen(error) < 200);
	}
	else
	{
		CHECK(spec.kind >= TARGET_REV && spec.kind <= TARGET_RELATIVE);
		CHECK(spec.kind == ref.kind);
		/* label */
		CHECK((spec.label != NULL) == ref.has_label);
		if (spec.label != NULL)
		{
			CHECK(spec.label == s);
			CHECK(spec.label_len == ref.label_len);
			CHECK(spec.label_len < len && s[spec.label_len] == '@');
			CHECK(target_valid_ident(spec.label, spec.label_len));
		}
		else
			CHECK(spec.label_len == 0 && memchr(s, '@', len) == NULL);
		/* revision: only for TARGET_REV, a valid non-keyword identifier */
		CHECK((spec.rev != NULL) == (spec.kind == TARGET_REV));
		if (spec.rev != NULL)
		{
			CHECK(inside(spec.rev, spec.rev_len, s, len));
			CHECK(spec.rev == s + ref.sym_off);
			CHECK(spec.rev_len == ref.sym_len);
			CHECK(target_valid_ident(spec.rev, spec.rev_len));
			CHECK(!target_is_keyword(spec.rev, spec.rev_len));
		}
		else
			CHECK(spec.rev_len == 0);
		/* relative step */
		CHECK(spec.has_delta == ref.has_delta);
		CHECK(spec.delta == ref.delta);
		CHECK(spec.has_delta == (spec.delta != 0));
		CHECK(spec.delta >= -REF_MAX_DELTA && spec.delta <= REF_MAX_DELTA);
		CHECK(!spec.has_delta || memchr(s, spec.delta < 0 ? '-' : '+', len));
		CHECK(spec.kind != TARGET_RELATIVE || spec.has_delta);
		CHECK(!spec.has_delta ||
			  (spec.kind != TARGET_HEADS && spec.kind != TARGET_CURRENT));

		/* the canonical text parses to the same result */
		{
			char		canon[64 + 1 + 64 + 12 + 1];
			int			n = 0;
			TargetSpec	c;
			const char *cerr = NULL;

			if (spec.label)
				n += snprintf(canon + n, sizeof(canon) - n, "%.*s@",
							  (int) spec.label_len, spec.label);
			if (spec.rev)
				n += snprintf(canon + n, sizeof(canon) - n, "%.*s",
							  (int) spec.rev_len, spec.rev);
			else
				n += snprintf(canon + n, sizeof(canon) - n, "%s",
							  kind_word(spec.kind));
			if (spec.has_delta)
				n += snprintf(canon + n, sizeof(canon) - n, "%+d", spec.delta);
			CHECK(n > 0 && (size_t) n < sizeof(canon));
			CHECK(target_parse(canon, (size_t) n, &c, &cerr));
			CHECK(c.kind == spec.kind && c.has_delta == spec.has_delta &&
				  c.delta == spec.delta && c.label_len == spec.label_len &&
				  c.rev_len == spec.rev_len);
			CHECK(spec.label == NULL ||
				  memcmp(c.label, spec.label, spec.label_len) == 0);
			CHECK(spec.rev == NULL ||
				  memcmp(c.rev, spec.rev, spec.rev_len) == 0);
			/* without leading zeros in the step, canonical = input */
			if (!spec.has_delta || s[ref.sym_off + ref.sym_len + 1] != '0')
				CHECK((size_t) n == len && memcmp(canon, s, len) == 0);
		}
	}

	/* deterministic, and the same at another address */
	copy = malloc(len ? len : 1);
	if (len)
		memcpy(copy, s, len);
	CHECK(target_parse(copy, len, &again, &error2) == ok);
	if (ok)
		check_same(&spec, s, &again, copy);
	else
		CHECK(error2 != NULL && strcmp(error, error2) == 0);
	free(copy);
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = size ? (const char *) data : "";
	size_t		ncolon = 0;
	size_t		first_colon = 0;
	size_t		colon = (size_t) -1;
	const char *error = "unset";
	bool		is_range;
	size_t		i;

	/* identifiers and keywords, against their definitions */
	CHECK(target_valid_ident(s, size) == ref_ident(s, size));
	CHECK(target_is_keyword(s, size) == ref_keyword(s, size));

	/* a single target */
	if (check_parse(s, size) &&
		memchr(s, '@', size) == NULL && memchr(s, '+', size) == NULL &&
		memchr(s, '-', size) == NULL)
		CHECK(target_valid_ident(s, size));
	if (target_valid_ident(s, size))
	{
		TargetSpec	spec;
		const char *err = NULL;

		/* an identifier is a keyword target or a plain revision */
		CHECK(target_parse(s, size, &spec, &err));
		CHECK(!spec.has_delta && spec.label == NULL);
		CHECK((spec.kind == TARGET_REV) == !target_is_keyword(s, size));
		CHECK(spec.kind != TARGET_REV || (spec.rev == s && spec.rev_len == size));
	}

	/* as a history range, then each half the way graph_history does */
	for (i = 0; i < size; i++)
		if (s[i] == ':' && ncolon++ == 0)
			first_colon = i;
	is_range = target_split_range(s, size, &colon, &error);
	CHECK(is_range == (ncolon == 1));
	if (ncolon == 0)
		CHECK(error == NULL);
	else if (ncolon == 1)
	{
		CHECK(error == NULL);
		CHECK(colon == first_colon && colon < size && s[colon] == ':');
	}
	else
		CHECK(error != NULL && error[0] != '\0');
	if (is_range)
	{
		if (colon > 0)
			(void) check_parse(s, colon);
		if (colon + 1 < size)
			(void) check_parse(s + colon + 1, size - colon - 1);
	}
	return 0;
}
