/*
 * migrate.h
 *		What every backend file of the migrate extension shares: the
 *		SQLSTATEs it raises and its settings.  Each subsystem has a header
 *		of its own; a file includes the ones it uses.
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include "utils/elog.h"

/* SQLSTATEs used throughout, named after their meaning here */
#define MIGRATE_ERR_BAD_ARGUMENT	ERRCODE_INVALID_PARAMETER_VALUE
#define MIGRATE_ERR_UNKNOWN			ERRCODE_UNDEFINED_OBJECT
#define MIGRATE_ERR_DUPLICATE		ERRCODE_DUPLICATE_OBJECT
#define MIGRATE_ERR_STATE			ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE

/* ---- migrate.c: settings ---- */
extern int	migrate_lock_timeout;
extern int	migrate_lock_retries;
extern bool migrate_shared_graphs;
extern bool migrate_allow_drop;
extern bool migrate_allow_autogenerate;
extern bool migrate_record_schema;
extern void migrate_check_settings(void);

#endif							/* MIGRATE_H */
