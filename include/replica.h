/* replica.h - watch replication lag on replicas of the database being
 * written, for sync --max-lag / --replica.
 *
 * A replica is named by a DSN in Percona Toolkit's style, comma-separated
 * KEY=VALUE pairs (values cannot contain commas):
 *   h=HOST   P=PORT   S=SOCKET   u=USER   D=DATABASE   F=OPTION_FILE
 * e.g. "h=10.0.0.12,P=3306" or "S=/run/mysqld/replica.sock,u=monitor".
 * Unset keys come from the primary's connection settings (user, password,
 * database, TLS, timeouts); h, P and S are one setting, so giving any of
 * them replaces all three.  F names a MySQL option file for the login
 * (like --defaults-file); then the primary's user and password are not
 * used unless u= is given.  There is no password key: passwords are never
 * taken on the command line.
 */
#ifndef HPOS_REPLICA_H
#define HPOS_REPLICA_H

#include "config.h"
#include "db.h"

struct replica {
	char *label;            /* the DSN as given (it holds no secret) */
	struct hpos_config cfg;
	struct db *db;          /* NULL while unreachable */
};

/* Parse dsn over base's connection settings into r (r->db stays NULL).
 * HX_USAGE errors name the bad key but never repeat the DSN or a value
 * that could be a mistyped password.  Call replica_close() even when this
 * fails. */
int replica_parse(struct replica *r, const char *dsn, const struct hpos_config *base,
		  struct herr *err);

/* Connect and check that the server is a replica (its replication status
 * is not empty).  HX_NOCONNECT/HX_NOPERM/HX_CONFIG as db_connect(), or
 * HX_USAGE when the server is not a replica. */
int replica_open(struct replica *r, struct herr *err);

/* Current lag in seconds.  Returns 0 with *lag set, or 1 when the lag is
 * unknown and must be treated as too high, with the reason in why (server
 * unreachable - a reconnect is tried on every call -, SQL or IO thread not
 * running, no replication status). */
int replica_lag(struct replica *r, double *lag, char *why, size_t whylen);

void replica_close(struct replica *r);

#endif
