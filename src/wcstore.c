/* wcstore.c - SQL for WooCommerce's options, HPOS schema and counts. */
#include "wcstore.h"
#include "convert.h"
#include "output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const hpos_table_suffix[T_COUNT] = {
	"wc_orders", "wc_order_addresses", "wc_order_operational_data", "wc_orders_meta",
};

void wc_table(struct db *db, struct strbuf *sb, const char *suffix)
{
	struct strbuf name = STRBUF_INIT;

	sb_addf(&name, "%s%s", db_prefix(db), suffix);
	db_ident(sb, name.buf);
	sb_release(&name);
}

/* 1 when s is a plausible order type: 1 to 20 of [A-Za-z0-9_-]. */
static int valid_type(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 20)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int typelist_parse(struct typelist *tl, const char *csv, struct herr *err)
{
	const char *p = csv;

	tl->v = NULL;
	tl->n = 0;
	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char *t = xstrndup(p, len);

		if (!valid_type(t)) {
			herr_set(err, HX_USAGE, "invalid order type \"%s\" (expected letters, digits, '_' or '-', at most 20)", t);
			free(t);
			typelist_release(tl);
			return -1;
		}
		if (!strcmp(t, PLACEHOLDER_TYPE)) {
			free(t);
			typelist_release(tl);
			return herr_set(err, HX_USAGE, "%s is WooCommerce's placeholder type and is never migrated", PLACEHOLDER_TYPE);
		}
		tl->v = xrealloc(tl->v, sizeof(*tl->v) * (tl->n + 1));
		tl->v[tl->n++] = t;
		p = e ? e + 1 : NULL;
	}
	if (!tl->n)
		return herr_set(err, HX_USAGE, "the list of order types is empty");
	return 0;
}

void typelist_release(struct typelist *tl)
{
	for (unsigned i = 0; i < tl->n; i++)
		free(tl->v[i]);
	free(tl->v);
	tl->v = NULL;
	tl->n = 0;
}

int typelist_add(struct typelist *tl, const char *s, size_t len)
{
	for (unsigned i = 0; i < tl->n; i++)
		if (strlen(tl->v[i]) == len && !memcmp(tl->v[i], s, len))
			return 0;
	tl->v = xrealloc(tl->v, sizeof(*tl->v) * (tl->n + 1));
	tl->v[tl->n++] = xstrndup(s, len);
	return 1;
}

void typelist_sql(struct db *db, const struct typelist *tl, struct strbuf *sb)
{
	for (unsigned i = 0; i < tl->n; i++) {
		if (i)
			sb_addc(sb, ',');
		db_quote(db, sb, tl->v[i], strlen(tl->v[i]));
	}
}

/* After a failed query on a WordPress table, usually the first query of a
 * run: say what is likely wrong when the table does not exist. */
static int no_wp_table(struct db *db, const char *table, struct herr *err)
{
	if (db_errno(db) == 1146 /* ER_NO_SUCH_TABLE */)
		return herr_set(err, HX_CONFIG, "database %s has no table %s%s: is this the WordPress "
				"database, and is the table prefix right? (database.table_prefix, $table_prefix "
				"in wp-config.php, --prefix)", db_name(db), db_prefix(db), table);
	return -1;
}

int wc_option_get(struct db *db, const char *name, char **val, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	*val = NULL;
	sb_adds(&sql, "SELECT option_value FROM ");
	wc_table(db, &sql, "options");
	sb_adds(&sql, " WHERE option_name = ");
	db_quote(db, &sql, name, strlen(name));
	rc = db_get_str(db, val, err, "%s", sql.buf);
	sb_release(&sql);
	return rc < 0 ? no_wp_table(db, "options", err) : 0;
}

/* update_option(): keep an existing row's autoload; new rows get 'auto'
 * (WordPress >= 6.6 writes that for an unspecified autoload) or 'yes' on
 * older schemas, told apart by db_version. */
int wc_option_set(struct db *db, const char *name, const char *val, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	char *dbv = NULL;
	const char *autoload = "auto";
	int rc;

	if (wc_option_get(db, "db_version", &dbv, err) < 0)
		return -1;
	if (dbv && strtoul(dbv, NULL, 10) < 57155)
		autoload = "yes";
	free(dbv);
	sb_adds(&sql, "INSERT INTO ");
	wc_table(db, &sql, "options");
	sb_adds(&sql, " (option_name, option_value, autoload) VALUES (");
	db_quote(db, &sql, name, strlen(name));
	sb_addc(&sql, ',');
	db_quote(db, &sql, val, strlen(val));
	sb_addf(&sql, ",'%s')", autoload);
	db_upsert_clause(db, &sql);
	db_upsert_set(db, &sql, "option_value");
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	return rc;
}

/* Option name read as a boolean into *yes: absent is 0; exact_yes: only
 * "yes" is 1, else wc_string_to_bool() (conv_bool()). 0, or -1 with err. */
static int option_bool(struct db *db, const char *name, int exact_yes, int *yes, struct herr *err)
{
	char *v;

	if (wc_option_get(db, name, &v, err) < 0)
		return -1;
	if (!v)
		*yes = 0;
	else if (exact_yes)
		*yes = !strcmp(v, "yes");
	else
		*yes = conv_bool(v, strlen(v));
	free(v);
	return 0;
}

/* DataSynchronizer::custom_orders_table_is_authoritative() reads the option
 * through wc_string_to_bool(). */
int wc_hpos_authoritative(struct db *db, int *yes, struct herr *err)
{
	return option_bool(db, OPT_HPOS_ENABLED, 0, yes, err);
}

/* DataSynchronizer::data_sync_is_enabled() compares with 'yes'. */
int wc_compat_mode(struct db *db, int *yes, struct herr *err)
{
	return option_bool(db, OPT_SYNC_ENABLED, 1, yes, err);
}

int wc_version_at_least(const char *v, unsigned major, unsigned minor)
{
	unsigned long a = 0, b = 0;
	char *end;

	if (!v)
		return 0;
	a = strtoul(v, &end, 10);
	if (end == v)
		return 0;
	if (*end == '.')
		b = strtoul(end + 1, NULL, 10);
	return a > major || (a == major && b >= minor);
}

int wc_background_sync_unlocked(struct db *db, char **mode, char **version, struct herr *err)
{
	int compat, on;

	*mode = *version = NULL;
	/* DataSynchronizer::background_sync_is_enabled(): the mode option,
	 * by default "interval" when compatibility mode is on, else "off". */
	if (wc_option_get(db, "woocommerce_custom_orders_table_background_sync_mode", mode, err) < 0 ||
	    wc_compat_mode(db, &compat, err) < 0 || wc_option_get(db, "woocommerce_version", version, err) < 0) {
		free(*mode);
		*mode = NULL;
		return -1;
	}
	if (!*mode)
		*mode = xstrdup(compat ? "interval" : "off");
	on = !strcmp(*mode, "interval") || !strcmp(*mode, "continuous");
	/* WooCommerce takes its migration lock from 11.3 on; a missing
	 * version is not proof of a newer one. */
	return on && !wc_version_at_least(*version, 11, 3);
}

/* Which of the n tables {prefix}names[i] exist in the current database:
 * bit i of *mask set for each one found.  0, or -1 with err. */
static int tables_present(struct db *db, const char *const *names, size_t n, unsigned *mask, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res;
	struct db_row row;
	const char *p = db_prefix(db);
	size_t pl = strlen(p);
	int rc;

	*mask = 0;
	sb_adds(&sql, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (");
	for (size_t t = 0; t < n; t++) {
		struct strbuf name = STRBUF_INIT;

		sb_addf(&name, "%s%s", p, names[t]);
		if (t)
			sb_addc(&sql, ',');
		db_quote(db, &sql, name.buf, name.len);
		sb_release(&name);
	}
	sb_addc(&sql, ')');
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	while (db_fetch(res, &row))
		for (size_t t = 0; t < n; t++)
			if (row.lens[0] > pl && !strncmp(row.vals[0], p, pl) && !strcmp(row.vals[0] + pl, names[t]))
				*mask |= 1u << t;
	db_free_result(res);
	return 0;
}

int wc_hpos_tables_present(struct db *db, unsigned *mask, struct herr *err)
{
	return tables_present(db, hpos_table_suffix, T_COUNT, mask, err);
}

/* The WordPress tables every command reads, without the prefix. */
static const char *const wp_core_tables[] = { "options", "posts", "postmeta" };

int wc_wp_tables_missing(struct db *db, struct strbuf *missing, unsigned *n, struct herr *err)
{
	const char *p = db_prefix(db);
	unsigned found;

	*n = 0;
	if (tables_present(db, wp_core_tables, ARRAY_SIZE(wp_core_tables), &found, err) < 0)
		return -1;
	for (size_t t = 0; t < ARRAY_SIZE(wp_core_tables); t++) {
		if (found & (1u << t))
			continue;
		sb_addf(missing, "%s%s%s", *n ? ", " : "", p, wp_core_tables[t]);
		(*n)++;
	}
	return 0;
}

/* WooCommerce's index prefix lengths with the default maximum index length
 * L = 191: meta values M = max(L - 8 - 100 - 1, 20) = 82, customer email
 * C = max(L - 20, 20) = 171. */
#define IDX_L 191
#define IDX_M 82
#define IDX_C 171

/* The HPOS schema changes of WooCommerce's 2026 releases (docs/compatibility.md
 * cites each pull request and the release it shipped in). */
static const struct {
	enum wc_schema schema;
	const char *first; /* first release with this schema */
	const char *what;
} schema_history[] = {
	{ WCS_BASE, "8.2.0", "the schema of WooCommerce 8.2 to 10.5" },
	{ WCS_10_6, "10.6.0", "wc_orders KEY customer_id_status (#62874)" },
	{ WCS_10_8_PRE, "10.8.0-beta", "wc_orders KEY transaction_id (#64025); wc_orders_meta meta_key_value on "
				       "meta_key(100) only (#63897)" },
	{ WCS_10_8, "10.8.0", "wc_orders_meta meta_key_value restored as (meta_key(50), meta_value(20)) (#65146)" },
};

/* The newest release whose schema hposctl knows: anything newer gets the
 * newest schema, with a warning. */
#define WC_KNOWN_UPTO "11.3"

/* "a.b.c[-pre]" into numbers; pre = 1 for a pre-release (-beta.1, -rc.2,
 * -dev, -alpha), which sorts before the release.  0 when unparseable. */
static int parse_wc_version(const char *v, unsigned n[3], int *pre)
{
	char *end;
	const char *p = v;

	n[0] = n[1] = n[2] = 0;
	*pre = 0;
	for (int i = 0; i < 3; i++) {
		if (*p < '0' || *p > '9')
			return i >= 2;
		n[i] = (unsigned)strtoul(p, &end, 10);
		p = end;
		if (*p == '.')
			p++;
		else
			break;
	}
	if (*p == '-' && p[1] && !(p[1] >= '0' && p[1] <= '9'))
		*pre = 1;
	return 1;
}

enum wc_schema wc_schema_for_version(const char *version, int *newer)
{
	unsigned n[3];
	int pre;

	*newer = 0;
	if (!version || !parse_wc_version(version, n, &pre)) {
		*newer = 1; /* unknown: the newest, with a warning */
		return WCS_NEWEST;
	}
	if (n[0] > 11 || (n[0] == 11 && n[1] > 3))
		*newer = 1;
	if (n[0] < 10 || (n[0] == 10 && n[1] < 6))
		return WCS_BASE;
	if (n[0] == 10 && n[1] < 8)
		return WCS_10_6;
	if (n[0] == 10 && n[1] == 8 && n[2] == 0 && pre)
		return WCS_10_8_PRE;
	return WCS_10_8;
}

const char *wc_schema_name(enum wc_schema s)
{
	for (size_t i = 0; i < ARRAY_SIZE(schema_history); i++)
		if (schema_history[i].schema == s)
			return schema_history[i].first;
	return "?";
}

int wc_store_schema(struct db *db, enum wc_schema *schema, struct herr *err)
{
	char *v = NULL;
	int newer;

	if (wc_option_get(db, "woocommerce_version", &v, err) < 0)
		return -1;
	if (!v || !*v) {
		free(v);
		if (wc_option_get(db, "woocommerce_db_version", &v, err) < 0)
			return -1;
	}
	*schema = wc_schema_for_version(v, &newer);
	if (newer && v && *v)
		out_warning("The store runs WooCommerce %s, newer than hposctl knows (up to %s): the HPOS tables are "
			    "created with the newest schema hposctl knows (WooCommerce %s's).", v, WC_KNOWN_UPTO,
			    wc_schema_name(*schema));
	else if (newer)
		out_warning("The store names no WooCommerce version (options woocommerce_version, woocommerce_db_version): "
			    "the HPOS tables are created with the newest schema hposctl knows (WooCommerce %s's).",
			    wc_schema_name(*schema));
	else
		out_debug("WooCommerce %s: the HPOS schema of WooCommerce %s (%s)", v, wc_schema_name(*schema),
			  schema_history[*schema].what);
	free(v);
	return 0;
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* One line of a CREATE TABLE body, in the schemas from..upto (inclusive). */
struct ddl_line {
	enum wc_schema from, upto;
	const char *text;
};
#define ALL WCS_BASE, WCS_NEWEST

/* The columns and keys of each HPOS table as WooCommerce's
 * OrdersTableDataStore::get_database_schema() writes them, by schema. */
static const struct ddl_line orders_ddl[] = {
	{ ALL, "id bigint(20) unsigned" },
	{ ALL, "status varchar(20) null" },
	{ ALL, "currency varchar(10) null" },
	{ ALL, "type varchar(20) null" },
	{ ALL, "tax_amount decimal(26,8) null" },
	{ ALL, "total_amount decimal(26,8) null" },
	{ ALL, "customer_id bigint(20) unsigned null" },
	{ ALL, "billing_email varchar(320) null" },
	{ ALL, "date_created_gmt datetime null" },
	{ ALL, "date_updated_gmt datetime null" },
	{ ALL, "parent_order_id bigint(20) unsigned null" },
	{ ALL, "payment_method varchar(100) null" },
	{ ALL, "payment_method_title text null" },
	{ ALL, "transaction_id varchar(100) null" },
	{ ALL, "ip_address varchar(100) null" },
	{ ALL, "user_agent text null" },
	{ ALL, "customer_note text null" },
	{ ALL, "PRIMARY KEY (id)" },
	{ ALL, "KEY status (status)" },
	{ ALL, "KEY date_created (date_created_gmt)" },
	{ ALL, "KEY customer_id_billing_email (customer_id, billing_email(" STR(IDX_C) "))" },
	{ WCS_10_6, WCS_NEWEST, "KEY customer_id_status (customer_id, status)" },
	{ ALL, "KEY billing_email (billing_email(" STR(IDX_L) "))" },
	{ ALL, "KEY type_status_date (type, status, date_created_gmt)" },
	{ ALL, "KEY parent_order_id (parent_order_id)" },
	{ ALL, "KEY date_updated (date_updated_gmt)" },
	{ WCS_10_8_PRE, WCS_NEWEST, "KEY transaction_id (transaction_id(20))" },
};

static const struct ddl_line addresses_ddl[] = {
	{ ALL, "id bigint(20) unsigned auto_increment primary key" },
	{ ALL, "order_id bigint(20) unsigned NOT NULL" },
	{ ALL, "address_type varchar(20) null" },
	{ ALL, "first_name text null" },
	{ ALL, "last_name text null" },
	{ ALL, "company text null" },
	{ ALL, "address_1 text null" },
	{ ALL, "address_2 text null" },
	{ ALL, "city text null" },
	{ ALL, "state text null" },
	{ ALL, "postcode text null" },
	{ ALL, "country text null" },
	{ ALL, "email varchar(320) null" },
	{ ALL, "phone varchar(100) null" },
	{ ALL, "KEY order_id (order_id)" },
	{ ALL, "UNIQUE KEY address_type_order_id (address_type, order_id)" },
	{ ALL, "KEY email (email(" STR(IDX_L) "))" },
	{ ALL, "KEY phone (phone)" },
};

static const struct ddl_line opdata_ddl[] = {
	{ ALL, "id bigint(20) unsigned auto_increment primary key" },
	{ ALL, "order_id bigint(20) unsigned NULL" },
	{ ALL, "created_via varchar(100) NULL" },
	{ ALL, "woocommerce_version varchar(20) NULL" },
	{ ALL, "prices_include_tax tinyint(1) NULL" },
	{ ALL, "coupon_usages_are_counted tinyint(1) NULL" },
	{ ALL, "download_permission_granted tinyint(1) NULL" },
	{ ALL, "cart_hash varchar(100) NULL" },
	{ ALL, "new_order_email_sent tinyint(1) NULL" },
	{ ALL, "order_key varchar(100) NULL" },
	{ ALL, "order_stock_reduced tinyint(1) NULL" },
	{ ALL, "date_paid_gmt datetime NULL" },
	{ ALL, "date_completed_gmt datetime NULL" },
	{ ALL, "shipping_tax_amount decimal(26,8) NULL" },
	{ ALL, "shipping_total_amount decimal(26,8) NULL" },
	{ ALL, "discount_tax_amount decimal(26,8) NULL" },
	{ ALL, "discount_total_amount decimal(26,8) NULL" },
	{ ALL, "recorded_sales tinyint(1) NULL" },
	{ ALL, "UNIQUE KEY order_id (order_id)" },
	{ ALL, "KEY order_key (order_key)" },
};

static const struct ddl_line meta_ddl[] = {
	{ ALL, "id bigint(20) unsigned auto_increment primary key" },
	{ ALL, "order_id bigint(20) unsigned null" },
	{ ALL, "meta_key varchar(255)" },
	{ ALL, "meta_value text null" },
	{ WCS_BASE, WCS_10_6, "KEY meta_key_value (meta_key(100), meta_value(" STR(IDX_M) "))" },
	{ WCS_10_8_PRE, WCS_10_8_PRE, "KEY meta_key_value (meta_key(100))" },
	{ WCS_10_8, WCS_NEWEST, "KEY meta_key_value (meta_key(50), meta_value(20))" },
	{ ALL, "KEY order_id_meta_key_meta_value (order_id, meta_key(100), meta_value(" STR(IDX_M) "))" },
};
#undef ALL

static const struct {
	const struct ddl_line *lines;
	size_t n;
} table_ddl[T_COUNT] = {
	[T_ORDERS] = { orders_ddl, ARRAY_SIZE(orders_ddl) },
	[T_ADDRESSES] = { addresses_ddl, ARRAY_SIZE(addresses_ddl) },
	[T_OPDATA] = { opdata_ddl, ARRAY_SIZE(opdata_ddl) },
	[T_META] = { meta_ddl, ARRAY_SIZE(meta_ddl) },
};

void wc_schema_sql(struct db *db, enum hpos_table t, const char *collation, enum wc_schema schema, struct strbuf *sb)
{
	int first = 1;

	sb_adds(sb, "CREATE TABLE IF NOT EXISTS ");
	wc_table(db, sb, hpos_table_suffix[t]);
	if ((unsigned)t < T_COUNT) {
		sb_adds(sb, " (\n");
		for (size_t i = 0; i < table_ddl[t].n; i++) {
			const struct ddl_line *l = &table_ddl[t].lines[i];

			if (schema < l->from || schema > l->upto)
				continue;
			if (!first)
				sb_adds(sb, ",\n");
			sb_adds(sb, l->text);
			first = 0;
		}
		sb_adds(sb, "\n)");
	}
	sb_adds(sb, " ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4");
	if (collation)
		sb_addf(sb, " COLLATE %s", collation);
}

int wc_tables_created_refresh(struct db *db, struct herr *err)
{
	unsigned mask;
	char *cur = NULL;
	const char *want;
	int rc = 0;

	if (wc_hpos_tables_present(db, &mask, err) < 0 || wc_option_get(db, OPT_TABLES_CREATED, &cur, err) < 0)
		return -1;
	want = mask == HPOS_ALL_TABLES ? "yes" : "no";
	if (!cur || strcmp(cur, want))
		rc = wc_option_set(db, OPT_TABLES_CREATED, want, err);
	free(cur);
	return rc;
}

int wc_orders_transient_bump(struct db *db, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "UPDATE ");
	wc_table(db, &sql, "options");
	sb_adds(&sql, " SET option_value = CAST(UNIX_TIMESTAMP() AS CHAR) WHERE option_name = "
		"'_transient_orders-transient-version'");
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	return rc;
}

int wc_create_tables(struct db *db, unsigned *created_mask, struct herr *err)
{
	unsigned mask;
	const char *coll;
	enum wc_schema schema = WCS_NEWEST;

	*created_mask = 0;
	if (wc_hpos_tables_present(db, &mask, err) < 0)
		return -1;
	if (mask != HPOS_ALL_TABLES && wc_store_schema(db, &schema, err) < 0)
		return -1;
	coll = db_site_collation(db);
	if (coll && strncmp(coll, "utf8mb4", 7))
		coll = NULL; /* a non-utf8mb4 site: let the charset's default apply */
	for (int t = 0; t < T_COUNT; t++) {
		struct strbuf sql = STRBUF_INIT;
		int rc;

		if (mask & (1u << t))
			continue;
		wc_schema_sql(db, (enum hpos_table)t, coll, schema, &sql);
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		sb_release(&sql);
		if (rc < 0)
			return herr_prefix(err, "creating %s%s", db_prefix(db), hpos_table_suffix[t]);
		*created_mask |= 1u << t;
	}
	return wc_option_set(db, OPT_TABLES_CREATED, "yes", err);
}

/* Run sql (a one-row SELECT) and put its first n columns, as numbers, in
 * *out[0..n-1]; SQL NULL, a missing column or no row give 0.  0, or -1 with err. */
static int row_u64s(struct db *db, const struct strbuf *sql, uint64_t *const *out, unsigned n, struct herr *err)
{
	struct db_result *res;
	struct db_row row;

	for (unsigned i = 0; i < n; i++)
		*out[i] = 0;
	if (db_run(db, DB_READ, sql->buf, sql->len, &res, err) < 0)
		return -1;
	if (db_fetch(res, &row))
		for (unsigned i = 0; i < n && i < row.n; i++)
			if (row.vals[i])
				*out[i] = strtoull(row.vals[i], NULL, 10);
	db_free_result(res);
	return 0;
}

/* Run sql, a SELECT COUNT(...), into *n (0 for no row or NULL). */
static int count_query(struct db *db, struct strbuf *sql, uint64_t *n, struct herr *err)
{
	uint64_t *out[1] = { n };

	return row_u64s(db, sql, out, 1, err);
}

/* wc_pending() with an HPOS table missing: every order post of the types
 * (in: their quoted SQL list) is pending, as WooCommerce counts it. */
static int pending_no_tables(struct db *db, const char *in, struct pending *p, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	p->tables_missing = 1;
	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, "posts");
	sb_addf(&sql, " WHERE post_type IN (%s)", in);
	rc = count_query(db, &sql, &p->missing, err);
	sb_release(&sql);
	return rc;
}

/* Posts authoritative: (A) posts without an order row and (B) orders older
 * than their post, in one pass: WooCommerce's (B) join of wc_orders with
 * posts is exactly the matched rows of (A)'s left join. */
static int pending_posts_auth(struct db *db, const char *in, struct pending *p, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t *const out[] = { &p->missing, &p->outdated };
	int rc;

	sb_adds(&sql, "SELECT SUM(o.id IS NULL AND p.post_status <> 'auto-draft'), "
		"SUM(o.date_updated_gmt < p.post_modified_gmt) FROM ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " p LEFT JOIN ");
	wc_table(db, &sql, "wc_orders");
	sb_addf(&sql, " o ON p.ID = o.id WHERE p.post_type IN (%s)", in);
	rc = row_u64s(db, &sql, out, ARRAY_SIZE(out), err);
	sb_release(&sql);
	return rc;
}

/* HPOS authoritative: (A') orders without a real post and, among them, the
 * placeholders and the cleaned ones, in one pass; then (B') orders newer
 * than their post. */
static int pending_hpos_auth(struct db *db, const char *in, struct pending *p, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t *const out[] = { &p->missing, &p->placeholders, &p->cleaned };
	int rec, rc;

	if (wc_table_exists(db, CLEANED_TABLE, &rec, err) < 0)
		return -1;
	sb_adds(&sql, "SELECT COUNT(*), COALESCE(SUM(p.post_type IS NOT NULL), 0), COALESCE(SUM(");
	wc_cleaned_sql(db, &sql, "p.", rec);
	sb_adds(&sql, "), 0) FROM ");
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " o LEFT JOIN ");
	wc_table(db, &sql, "posts");
	sb_addf(&sql, " p ON p.ID = o.id WHERE (p.post_type IS NULL OR p.post_type = '" PLACEHOLDER_TYPE
		"') AND o.status NOT IN ('auto-draft') AND o.type IN (%s)", in);
	rc = row_u64s(db, &sql, out, ARRAY_SIZE(out), err);
	if (rc == 0) {
		sb_reset(&sql);
		sb_adds(&sql, "SELECT COUNT(*) FROM ");
		wc_table(db, &sql, "wc_orders");
		sb_adds(&sql, " o JOIN ");
		wc_table(db, &sql, "posts");
		sb_addf(&sql, " p ON p.ID = o.id WHERE p.post_type IN (%s) AND o.date_updated_gmt > p.post_modified_gmt",
			in);
		rc = count_query(db, &sql, &p->outdated, err);
	}
	sb_release(&sql);
	return rc;
}

/* (C) or (C'): the deletion markers of the non-authoritative store, and of
 * those the orders that still exist in the authoritative one (sync leaves
 * them alone). */
static int pending_markers(struct db *db, int hpos_auth, struct pending *p, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(1) FROM ");
	wc_table(db, &sql, "wc_orders_meta");
	sb_adds(&sql, " WHERE ");
	wc_marker_condition(db, &sql, "", hpos_auth);
	rc = count_query(db, &sql, &p->markers, err);
	if (rc == 0 && p->markers) {
		sb_reset(&sql);
		sb_adds(&sql, "SELECT COUNT(DISTINCT m.order_id) FROM ");
		wc_table(db, &sql, "wc_orders_meta");
		sb_adds(&sql, " m JOIN ");
		wc_table(db, &sql, hpos_auth ? "wc_orders" : "posts");
		sb_adds(&sql, hpos_auth ? " a ON a.id = m.order_id WHERE " : " a ON a.ID = m.order_id WHERE ");
		wc_marker_condition(db, &sql, "m.", hpos_auth);
		rc = count_query(db, &sql, &p->markers_live, err);
	}
	sb_release(&sql);
	return rc;
}

/* DataSynchronizer::query_orders_pending_sync_count(), one query per kind. */
int wc_pending(struct db *db, const struct typelist *types, int hpos_auth,
	       struct pending *p, struct herr *err)
{
	struct strbuf in = STRBUF_INIT;
	unsigned mask;
	int rc;

	memset(p, 0, sizeof(*p));
	typelist_sql(db, types, &in);
	rc = wc_hpos_tables_present(db, &mask, err);
	if (rc == 0 && (!(mask & (1u << T_ORDERS)) || !(mask & (1u << T_META))))
		rc = pending_no_tables(db, in.buf, p, err);
	else if (rc == 0)
		rc = hpos_auth ? pending_hpos_auth(db, in.buf, p, err) : pending_posts_auth(db, in.buf, p, err);
	if (rc == 0 && !p->tables_missing)
		rc = pending_markers(db, hpos_auth, p, err);
	sb_release(&in);
	return rc;
}

void wc_cleaned_sql(struct db *db, struct strbuf *sql, const char *alias, int with_record)
{
	sb_addf(sql, "(%1$spost_type = '" PLACEHOLDER_TYPE "' AND (%1$spost_name <> '' OR %1$spost_title <> ''", alias);
	if (with_record) {
		sb_adds(sql, " OR EXISTS (SELECT 1 FROM ");
		wc_table(db, sql, CLEANED_TABLE);
		sb_addf(sql, " cl WHERE cl.order_id = %sID)", alias);
	}
	sb_adds(sql, "))");
}

int wc_table_exists(struct db *db, const char *suffix, int *yes, struct herr *err)
{
	uint64_t n;

	if (db_get_u64(db, &n, NULL, err, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
		       "AND TABLE_NAME = '%s%s'", db_prefix(db), suffix) < 0)
		return -1;
	*yes = n > 0;
	return 0;
}

/* Deletion markers.  WooCommerce writes exactly one form, since 8.0.0
 * (DataSynchronizer::DELETED_RECORD_META_KEY and its two values):
 * `_deleted_from` = `posts_table` when an order post is deleted while posts
 * are authoritative and sync is off (handle_deleted_post), `orders_table`
 * when an HPOS order is deleted while HPOS is authoritative and sync is off
 * (OrdersTableDataStore::handle_order_deletion_with_sync_disabled).  No
 * released WooCommerce wrote `deleted_from` without the underscore; that is
 * an ordinary custom field.  The plain comparison uses the meta_key index;
 * the BINARY one makes it exact, since the collation would also match
 * '_Deleted_From' or 'posts_table '. */
void wc_marker_condition(struct db *db, struct strbuf *sql, const char *alias, int hpos_auth)
{
	(void)db;
	sb_addf(sql, "(%1$smeta_key = '_deleted_from' AND CAST(%1$smeta_key AS BINARY) = '_deleted_from' AND CAST(%1$smeta_value AS BINARY) = '%2$s')",
		alias, hpos_auth ? "orders_table" : "posts_table");
}

int wc_marker_orders(struct db *db, int hpos_auth, uint64_t below, unsigned limit, struct marker_order **out,
		     unsigned *n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res = NULL;
	struct db_row row;
	int rc;

	*out = NULL;
	*n = 0;
	sb_adds(&sql, "SELECT m.order_id, MAX(o.id IS NOT NULL), MAX(p.ID IS NOT NULL), MAX(p.post_type) FROM ");
	wc_table(db, &sql, "wc_orders_meta");
	sb_adds(&sql, " m LEFT JOIN ");
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " o ON o.id = m.order_id LEFT JOIN ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " p ON p.ID = m.order_id WHERE ");
	wc_marker_condition(db, &sql, "m.", hpos_auth);
	sb_addf(&sql, " AND m.order_id < %llu GROUP BY m.order_id ORDER BY m.order_id DESC LIMIT %u",
		(unsigned long long)below, limit);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	*out = xcalloc(db_num_rows(res) + 1, sizeof(**out));
	while (db_fetch(res, &row)) {
		struct marker_order *m = &(*out)[(*n)++];

		m->id = strtoull(row.vals[0], NULL, 10);
		m->in_hpos = row.vals[1] && row.vals[1][0] == '1';
		m->in_posts = row.vals[2] && row.vals[2][0] == '1';
		if (row.vals[3])
			snprintf(m->post_type, sizeof(m->post_type), "%s", row.vals[3]);
	}
	db_free_result(res);
	return 0;
}

int wc_delete_markers(struct db *db, int hpos_auth, const uint64_t *ids, unsigned n, struct herr *err)
{
	struct strbuf cond = STRBUF_INIT;
	int rc;

	wc_marker_condition(db, &cond, "", hpos_auth);
	rc = wc_delete_ids(db, "wc_orders_meta", "order_id", ids, n, cond.buf, err);
	sb_release(&cond);
	return rc;
}

void wc_report_live_marker(const struct marker_order *m, int hpos_auth)
{
	char ev[160];

	if (hpos_auth)
		out_warning("Order %llu carries a deletion marker (_deleted_from = orders_table) but its HPOS order still "
			    "exists; the order and the marker were left alone. See docs/deleting.md.",
			    (unsigned long long)m->id);
	else
		out_warning("Order %llu carries a deletion marker (_deleted_from = posts_table) but its post (%s) still "
			    "exists; the order and the marker were left alone. See docs/deleting.md.",
			    (unsigned long long)m->id, m->post_type[0] ? m->post_type : "?");
	snprintf(ev, sizeof(ev), "\"order_id\":%llu,\"marker\":\"%s\"", (unsigned long long)m->id,
		 hpos_auth ? "orders_table" : "posts_table");
	out_event("marker_left", ev);
}

int wc_count_overwrites(struct db *db, const struct typelist *types, int to_hpos, const uint64_t (*ranges)[2],
			unsigned nranges, uint64_t *exist, uint64_t *newer, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t *const out[] = { exist, newer };
	int rc;

	sb_adds(&sql, "SELECT COUNT(*), COALESCE(SUM(");
	sb_adds(&sql, to_hpos ? "o.date_updated_gmt > p.post_modified_gmt" : "p.post_modified_gmt > o.date_updated_gmt");
	sb_adds(&sql, "), 0) FROM ");
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " o JOIN ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " p ON p.ID = o.id WHERE p.post_type IN (");
	typelist_sql(db, types, &sql);
	sb_adds(&sql, ") AND (");
	for (unsigned i = 0; i < nranges; i++)
		sb_addf(&sql, "%so.id BETWEEN %llu AND %llu", i ? " OR " : "", (unsigned long long)ranges[i][0],
			(unsigned long long)ranges[i][1]);
	sb_addc(&sql, ')');
	rc = row_u64s(db, &sql, out, ARRAY_SIZE(out), err);
	sb_release(&sql);
	return rc;
}

int wc_table_rows(struct db *db, enum hpos_table t, uint64_t *n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, hpos_table_suffix[t]);
	rc = count_query(db, &sql, n, err);
	sb_release(&sql);
	return rc;
}

/* SELECT COUNT(*) FROM {prefix}table WHERE col = 'value' (a keyed count). */
static int count_eq(struct db *db, const char *table, const char *col, const char *value, uint64_t *n,
		    struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, table);
	sb_addf(&sql, " WHERE %s = ", col);
	db_quote(db, &sql, value, strlen(value));
	rc = count_query(db, &sql, n, err);
	sb_release(&sql);
	return rc;
}

int wc_posts_of_type(struct db *db, const char *type, uint64_t *n, struct herr *err)
{
	return count_eq(db, "posts", "post_type", type, n, err);
}

/* LegacyDataHandler::build_sql_query_for_cleanup(): the FROM and WHERE
 * clauses, with posts aliased p and wc_orders o.  id_filter is an SQL
 * condition on p.ID, or NULL for "all". */
void wc_cleanup_from_where(struct db *db, const struct typelist *types, const char *id_filter, struct strbuf *sql)
{
	sb_adds(sql, " FROM ");
	wc_table(db, sql, "posts");
	sb_adds(sql, " p LEFT JOIN ");
	wc_table(db, sql, "wc_orders");
	sb_adds(sql, " o ON p.ID = o.id WHERE ");
	if (id_filter)
		sb_addf(sql, "%s AND ", id_filter);
	sb_adds(sql, "(p.post_type IN (");
	typelist_sql(db, types, sql);
	sb_adds(sql, ") OR (p.post_type = '" PLACEHOLDER_TYPE "' AND (o.id IS NULL OR EXISTS (SELECT 1 FROM ");
	wc_table(db, sql, "postmeta");
	sb_adds(sql, " pm WHERE pm.post_id = p.ID)))) AND p.post_status <> 'auto-draft'");
}

int wc_cleanup_candidates_in(struct db *db, const struct typelist *types, const char *id_filter,
			     uint64_t *n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*)");
	wc_cleanup_from_where(db, types, id_filter, &sql);
	rc = count_query(db, &sql, n, err);
	sb_release(&sql);
	return rc;
}

int wc_rounding_precision(struct db *db, int *prec, struct herr *err)
{
	char *v = NULL;
	int d;

	if (wc_option_get(db, "woocommerce_price_num_decimals", &v, err) < 0)
		return -1;
	d = conv_price_decimals(v);
	free(v);
	*prec = d + 2 > 6 ? d + 2 : 6;
	return 0;
}

/* The same with the filter "all". */
int wc_cleanup_candidates(struct db *db, const struct typelist *types, uint64_t *n, struct herr *err)
{
	return wc_cleanup_candidates_in(db, types, NULL, n, err);
}

int wc_delete_ids(struct db *db, const char *table, const char *col, const uint64_t *ids, unsigned n,
		  const char *and_where, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	if (!n)
		return 0;
	sb_adds(&sql, "DELETE FROM ");
	wc_table(db, &sql, table);
	sb_addf(&sql, " WHERE %s IN (", col);
	sb_add_ids(&sql, ids, n);
	sb_addc(&sql, ')');
	if (and_where)
		sb_addf(&sql, " AND %s", and_where);
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	return rc;
}

int wc_delete_extra_addresses(struct db *db, const uint64_t *ids, unsigned n, struct herr *err)
{
	return wc_delete_ids(db, "wc_order_addresses", "order_id", ids, n,
			     "CAST(address_type AS BINARY) NOT IN ('billing', 'shipping')", err);
}

int wc_postmeta_span(struct db *db, const char *where, uint64_t *lo, uint64_t *hi, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t cnt;
	uint64_t *const out[] = { &cnt, lo, hi };
	int rc;

	sb_adds(&sql, "SELECT COUNT(*), MIN(meta_id), MAX(meta_id) FROM ");
	wc_table(db, &sql, "postmeta");
	sb_adds(&sql, where);
	rc = row_u64s(db, &sql, out, ARRAY_SIZE(out), err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	return cnt && *hi - *lo + 1 <= 2 * cnt + 256;
}

/* ---- Which post types are order types (order_types: auto) ---- */

/* Types WooCommerce or a common plugin registers with
 * wc_register_order_type(): migrated whenever present, meta or not. */
static const char *const known_order_types[] = {
	"shop_order", "shop_order_refund",
	"shop_subscription",    /* WooCommerce Subscriptions (subscriptions-core) */
	"shop_deposit",         /* deposit plugins registering a deposit order type */
	"wps_subscriptions",    /* WP Swings Subscriptions for WooCommerce */
	"mepp_payment",         /* deposits / partial payments plugins */
	"pos_temp_register_or", /* WooCommerce Point of Sale */
};

int wc_known_order_type(const char *type)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_order_types); i++)
		if (!strcmp(type, known_order_types[i]))
			return (int)i + 1;
	return 0;
}

/* Order meta WooCommerce's CPT data store writes for every order (the
 * abstract order's props) and for WC_Order (_order_key).  A post carrying
 * two of them is an order. */
static const char order_meta_keys_sql[] =
	"'_order_key','_order_currency','_order_total','_order_version','_prices_include_tax',"
	"'_cart_discount','_order_tax','_order_shipping','_refund_amount'";
#define ORDER_META_MIN 2
#define PROBE_POSTS 4 /* per end of the type's index range */


/* Distinct values of an indexed column's first part: a loose index scan
 * (one index dive per distinct value), "Using index for group-by". */
static int distinct_types(struct db *db, const char *table, const char *col, struct typelist *out, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res;
	struct db_row row;
	int rc;

	sb_addf(&sql, "SELECT %s FROM ", col);
	wc_table(db, &sql, table);
	sb_addf(&sql, " GROUP BY %s", col);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0)
		return no_wp_table(db, table, err);
	while (db_fetch(res, &row))
		if (row.vals[0] && row.lens[0])
			typelist_add(out, row.vals[0], row.lens[0]);
	db_free_result(res);
	return 0;
}

void wc_probe_sql(struct db *db, const char *type, struct strbuf *sql)
{
	struct strbuf t = STRBUF_INIT;

	db_quote(db, &t, type, strlen(type));
	/* A few posts from each end of the type's range of the
	 * type_status_date index (post_type, post_status, post_date, ID),
	 * then their meta through the post_id index: a dozen row reads
	 * whatever the size of the store. */
	sb_adds(sql, "SELECT COUNT(DISTINCT pm.meta_key) AS n FROM ");
	wc_table(db, sql, "postmeta");
	sb_adds(sql, " pm JOIN ((SELECT ID FROM ");
	wc_table(db, sql, "posts");
	sb_addf(sql, " WHERE post_type = %s AND post_status <> 'auto-draft' "
		"ORDER BY post_status, post_date, ID LIMIT %d) UNION (SELECT ID FROM ", t.buf, PROBE_POSTS);
	wc_table(db, sql, "posts");
	sb_addf(sql, " WHERE post_type = %s AND post_status <> 'auto-draft' "
		"ORDER BY post_status DESC, post_date DESC, ID DESC LIMIT %d)) s ON pm.post_id = s.ID "
		"WHERE pm.meta_key IN (%s) GROUP BY pm.post_id ORDER BY n DESC LIMIT 1", t.buf, PROBE_POSTS,
		order_meta_keys_sql);
	sb_release(&t);
}

/* Whether posts of type are orders: *yes = 1 when one of the few posts
 * the probe reads (wc_probe_sql()) carries at least ORDER_META_MIN of the
 * order meta keys.  0, or -1 with err. */
static int carries_order_meta(struct db *db, const char *type, int *yes, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	uint64_t n = 0;
	int rc;

	wc_probe_sql(db, type, &sql);
	rc = count_query(db, &sql, &n, err);
	sb_release(&sql);
	*yes = n >= ORDER_META_MIN;
	return rc;
}

int wc_find_order_types(struct db *db, struct typelist *found, struct herr *err)
{
	struct typelist posts = { NULL, 0 }, hpos = { NULL, 0 }, probed = { NULL, 0 };
	unsigned mask;
	int rc = -1;

	found->v = NULL;
	found->n = 0;
	if (distinct_types(db, "posts", "post_type", &posts, err) < 0)
		goto out;
	if (wc_hpos_tables_present(db, &mask, err) < 0)
		goto out;
	if ((mask & (1u << T_ORDERS)) && distinct_types(db, "wc_orders", "type", &hpos, err) < 0)
		goto out;
	/* Known types first, in their order; always shop_order and
	 * shop_order_refund, which WooCommerce itself registers. */
	for (size_t i = 0; i < ARRAY_SIZE(known_order_types); i++) {
		int present = i < 2;

		for (unsigned j = 0; !present && j < posts.n; j++)
			present = !strcmp(posts.v[j], known_order_types[i]);
		for (unsigned j = 0; !present && j < hpos.n; j++)
			present = !strcmp(hpos.v[j], known_order_types[i]);
		if (present)
			typelist_add(found, known_order_types[i], strlen(known_order_types[i]));
	}
	for (unsigned j = 0; j < hpos.n; j++)
		if (valid_type(hpos.v[j]) && strcmp(hpos.v[j], PLACEHOLDER_TYPE))
			typelist_add(&probed, hpos.v[j], strlen(hpos.v[j]));
	for (unsigned j = 0; j < posts.n; j++) {
		int yes = 0;

		if (!valid_type(posts.v[j]) || !strcmp(posts.v[j], PLACEHOLDER_TYPE) ||
		    wc_known_order_type(posts.v[j]))
			continue;
		if (carries_order_meta(db, posts.v[j], &yes, err) < 0)
			goto out;
		if (yes)
			typelist_add(&probed, posts.v[j], strlen(posts.v[j]));
	}
	/* the rest by name, for a stable order */
	for (unsigned i = 1; i < probed.n; i++)
		for (unsigned j = i; j > 0 && strcmp(probed.v[j - 1], probed.v[j]) > 0; j--) {
			char *t = probed.v[j];

			probed.v[j] = probed.v[j - 1];
			probed.v[j - 1] = t;
		}
	for (unsigned i = 0; i < probed.n; i++)
		typelist_add(found, probed.v[i], strlen(probed.v[i]));
	rc = 0;
out:
	if (rc < 0)
		typelist_release(found);
	typelist_release(&posts);
	typelist_release(&hpos);
	typelist_release(&probed);
	return rc;
}

/* Rows of wc_orders per type (the type_status_date index). */
int wc_orders_of_type(struct db *db, const char *type, uint64_t *n, struct herr *err)
{
	return count_eq(db, "wc_orders", "type", type, n, err);
}

int wc_pending_each(struct db *db, const struct typelist *types, int hpos_auth, struct pending *each,
		    uint64_t *markers, struct herr *err)
{
	if (markers)
		*markers = 0;
	for (unsigned i = 0; i < types->n; i++) {
		struct typelist one = { &types->v[i], 1 };

		if (wc_pending(db, &one, hpos_auth, &each[i], err) < 0)
			return -1;
		if (markers)
			*markers = each[i].markers;
		each[i].markers = 0; /* deletion markers carry no type */
	}
	return 0;
}

int wc_orders_of_type_in(struct db *db, const char *type, const uint64_t (*ranges)[2], unsigned n,
			 uint64_t *count, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, "wc_orders");
	sb_adds(&sql, " WHERE type = ");
	db_quote(db, &sql, type, strlen(type));
	sb_adds(&sql, " AND (0");
	for (unsigned i = 0; i < n; i++)
		sb_addf(&sql, " OR id BETWEEN %llu AND %llu", (unsigned long long)ranges[i][0],
			(unsigned long long)ranges[i][1]);
	sb_addc(&sql, ')');
	rc = count_query(db, &sql, count, err);
	sb_release(&sql);
	return rc;
}

int wc_order_type(struct db *db, uint64_t id, char **type, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	*type = NULL;
	sb_adds(&sql, "SELECT type FROM ");
	wc_table(db, &sql, "wc_orders");
	sb_addf(&sql, " WHERE id = %llu", (unsigned long long)id);
	rc = db_get_str(db, type, err, "%s", sql.buf);
	sb_release(&sql);
	return rc;
}
