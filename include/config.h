/* config.h - effective configuration: YAML file, wp-config.php, flags.
 *
 * Precedence, lowest to highest (docs/configuration.md):
 *   built-in defaults < wp-config.php (--wp-config / database.wp_config)
 *   < YAML config file < command-line flags.
 * MYSQL_PWD (password only) ranks between wp-config.php and the YAML file:
 * when it is set, DB_PASSWORD is not taken from wp-config.php, and the
 * connection reads it only when no layer set a password.
 * A --defaults-file (database.defaults_file) is handed to the client
 * library, which reads user/password/host/socket from it; explicit values
 * from the layers above still win, and wp-config.php then does not supply
 * DB_USER, DB_PASSWORD or DB_HOST (see config_apply_wp_config()).
 *
 * Call order: config_init(), config_locate() + config_load_yaml(), the
 * flags that name files (--wp-config, --defaults-file), then
 * config_apply_wp_config() (it only fills what is still unset, so it runs
 * after the YAML file although it ranks below it), the remaining flags
 * (config_set()), config_validate().
 */
#ifndef HPOS_CONFIG_H
#define HPOS_CONFIG_H

#include "util.h"

struct hpos_config {
	/* database: */
	char *host;            /* NULL: library default (localhost = socket) */
	unsigned port;         /* 0: library default */
	char *socket;
	char *user;
	char *password;        /* never printed; see config_show() */
	int no_env_password;   /* never send $MYSQL_PWD (replicas that did not ask for the primary's) */
	char *name;            /* database name */
	char *table_prefix;    /* default "wp_"; must match [A-Za-z0-9_]+ */
	char *charset;         /* default "utf8mb4" */
	char *collation;       /* NULL: server/table default */
	char *wp_config;       /* path to wp-config.php, or NULL */
	char *defaults_file;   /* MySQL option file, or NULL */
	/* database.tls: */
	char *ssl_mode;        /* disabled|preferred|required|verify_ca|verify_identity, or NULL */
	char *ssl_ca, *ssl_capath, *ssl_cert, *ssl_key, *ssl_cipher;
	/* database timeouts, seconds (0: library default) */
	unsigned connect_timeout, read_timeout, write_timeout;

	/* sync: */
	unsigned batch_size;       /* default 500 */
	char *order_types;         /* comma list, default "auto" (ordertypes.h) */
	double settle_seconds;     /* default 5 */
	unsigned max_retries;      /* default 10 */
	char *lock_name;           /* advisory lock name override, or NULL */

	/* The YAML file last loaded (config_load_yaml*() set it); may be NULL. */
	char *source_file;

	/* CFG_EXPLICIT_* bits: fields that have a built-in default but were
	 * set by a layer above wp-config.php, which must then not replace
	 * them.  config_load_yaml*() and config_set() maintain it; code that
	 * assigns table_prefix or charset directly before calling
	 * config_apply_wp_config() must set the bit too. */
	unsigned explicit_mask;
};

#define CFG_EXPLICIT_TABLE_PREFIX 0x1u
#define CFG_EXPLICIT_CHARSET      0x2u

/* Set built-in defaults. */
void config_init(struct hpos_config *cfg);
void config_release(struct hpos_config *cfg);

/* Overlay the YAML file at path onto cfg.  Errors: HX_CONFIG with
 * "FILE:LINE:COL: message" (1-based line and column). */
int config_load_yaml(struct hpos_config *cfg, const char *path, struct herr *err);

/* Same, from a memory buffer; name is used in messages. */
int config_load_yaml_buf(struct hpos_config *cfg, const char *name,
			 const char *buf, size_t len, struct herr *err);

/* Find the config file: explicit path (must exist), else $HPOSCTL_CONFIG
 * (must exist), else ./hposctl.yml, else /etc/hposctl.yml (each optional).
 * Returns a malloc'd path or NULL when none applies; -1 via err on a named
 * file that is missing. */
int config_locate(const char *explicit_path, char **found, struct herr *err);

/* Apply a parsed wp-config.php (fields it sets that are still unset in cfg):
 * DB_NAME -> name, DB_USER -> user, DB_PASSWORD -> password (neither of
 * these two, nor DB_HOST, when defaults_file is set; no password either
 * when MYSQL_PWD is in the environment), DB_HOST -> host/port/socket via
 * parse_db_host() (only when all three are unset), DB_CHARSET -> charset
 * ("utf8" becomes "utf8mb4", as wpdb does) and DB_COLLATE -> collation
 * (both only when charset was not set explicitly; '' means unset),
 * $table_prefix -> table_prefix (unless set explicitly).  A value hposctl
 * cannot evaluate (getenv() ...) is an error only when it would be used.
 * Sets cfg->wp_config to path when it was unset.  On error cfg is left
 * unchanged. */
int config_apply_wp_config(struct hpos_config *cfg, const char *path, struct herr *err);

/* Set one setting by its YAML path ("database.port", "sync.order_types",
 * "database.tls.mode") from text, with the YAML file's checks and
 * messages ("database.port: expected an integer, got \"x\"").  A NULL
 * value changes nothing.  For command-line flags. */
int config_set(struct hpos_config *cfg, const char *key, const char *value,
	       struct herr *err);

/* Final checks after all layers: prefix charset, port range, ssl_mode,
 * timeouts, sync limits, order types, charset/collation names, lock name
 * length.  Messages name the YAML key ("database.port: 70000 is out of
 * range 1..65535") without a location, as values may come from any layer. */
int config_validate(const struct hpos_config *cfg, struct herr *err);

/* Print the effective configuration as YAML with secrets redacted: the
 * password is "********" when set, unset values are ~, and the YAML file
 * (source_file) and wp-config.php are named in comments.  The output loads
 * back with config_load_yaml_buf(). */
void config_show(const struct hpos_config *cfg, struct strbuf *out);

/* 1 when the file at path can be read by its group or by others
 * (permission bits 044), 0 otherwise or when it cannot be examined. */
int config_file_exposed(const char *path);

/* Validate a table prefix: [A-Za-z0-9_]+ .  0 ok, -1 not. */
int config_check_prefix(const char *prefix);

#endif
