/*
 * target.h
 *		Target specs ("head", "label@-2", "ab12+1") and history ranges
 *		("a:b"), and the rules for revision ids and branch labels.
 *
 * Pure C without backend calls: the fuzzers and the command-line client
 * link target.c alone.
 */
#ifndef MIGRATE_TARGET_H
#define MIGRATE_TARGET_H

#include <stdbool.h>
#include <stddef.h>

#define MIGRATE_ID_MAXLEN	64

typedef enum TargetKind
{
	TARGET_REV,					/* an id, a prefix or a label */
	TARGET_HEAD,
	TARGET_HEADS,
	TARGET_BASE,
	TARGET_CURRENT,				/* "current": only meaningful in ranges */
	TARGET_RELATIVE				/* "+N" / "-N" from the database state */
} TargetKind;

typedef struct TargetSpec
{
	const char *label;			/* "label" of "label@...", or NULL */
	size_t		label_len;
	TargetKind	kind;
	const char *rev;			/* for TARGET_REV */
	size_t		rev_len;
	bool		has_delta;		/* "+N" / "-N" suffix present */
	int			delta;
} TargetSpec;

extern bool target_valid_ident(const char *s, size_t len);
extern bool target_is_keyword(const char *s, size_t len);
extern bool target_parse(const char *s, size_t len, TargetSpec *out,
						 const char **error);
extern bool target_split_range(const char *s, size_t len,
							   size_t *colon, const char **error);

#endif							/* MIGRATE_TARGET_H */
