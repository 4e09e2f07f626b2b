/* wcstore.c - SQL for WooCommerce's options, HPOS schema and counts. */
#include "wcstore.h"
#include "convert.h"
#include "output.h"

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

void typelist_sql(struct db *db, const struct typelist *tl, struct strbuf *sb)
{
	for (unsigned i = 0; i < tl->n; i++) {
		if (i)
			sb_addc(sb, ',');
		db_quote(db, sb, tl->v[i], strlen(tl->v[i]));
	}
}

int wc_option_get(struct db *db, const char *name, char **val, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res;
	struct db_row row;
	int rc;

	*val = NULL;
	sb_adds(&sql, "SELECT option_value FROM ");
	wc_table(db, &sql, "options");
	sb_adds(&sql, " WHERE option_name = ");
	db_quote(db, &sql, name, strlen(name));
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0) {
		/* usually the first query of a run: say what is likely wrong */
		if (db_errno(db) == 1146 /* ER_NO_SUCH_TABLE */)
			return herr_set(err, HX_CONFIG, "database %s has no table %soptions: is this the WordPress "
					"database, and is the table prefix right? (database.table_prefix, $table_prefix "
					"in wp-config.php, --prefix)", db_name(db), db_prefix(db));
		return -1;
	}
	if (db_fetch(res, &row) && row.vals[0])
		*val = xstrndup(row.vals[0], row.lens[0]);
	db_free_result(res);
	return 0;
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
	sb_addf(&sql, ",'%s') ON DUPLICATE KEY UPDATE option_value = VALUES(option_value)", autoload);
	rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
	sb_release(&sql);
	return rc;
}

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

int wc_hpos_tables_present(struct db *db, unsigned *mask, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *res;
	struct db_row row;
	const char *p = db_prefix(db);
	int rc;

	*mask = 0;
	sb_adds(&sql, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (");
	for (int t = 0; t < T_COUNT; t++) {
		struct strbuf n = STRBUF_INIT;

		sb_addf(&n, "%s%s", p, hpos_table_suffix[t]);
		if (t)
			sb_addc(&sql, ',');
		db_quote(db, &sql, n.buf, n.len);
		sb_release(&n);
	}
	sb_addc(&sql, ')');
	rc = db_run(db, DB_READ, sql.buf, sql.len, &res, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	while (db_fetch(res, &row)) {
		for (int t = 0; t < T_COUNT; t++) {
			size_t pl = strlen(p);

			if (row.lens[0] > pl && !strcmp(row.vals[0] + pl, hpos_table_suffix[t]) &&
			    !strncmp(row.vals[0], p, pl))
				*mask |= 1u << t;
		}
	}
	db_free_result(res);
	return 0;
}

/* WooCommerce's index prefix lengths with the default maximum index length
 * L = 191: meta values M = max(L - 8 - 100 - 1, 20) = 82, customer email
 * C = max(L - 20, 20) = 171. */
#define IDX_L 191
#define IDX_M 82
#define IDX_C 171

void wc_schema_sql(struct db *db, enum hpos_table t, const char *collation, struct strbuf *sb)
{
	sb_adds(sb, "CREATE TABLE IF NOT EXISTS ");
	wc_table(db, sb, hpos_table_suffix[t]);
	switch (t) {
	case T_ORDERS:
		sb_addf(sb, " (\n"
			"id bigint(20) unsigned,\n"
			"status varchar(20) null,\n"
			"currency varchar(10) null,\n"
			"type varchar(20) null,\n"
			"tax_amount decimal(26,8) null,\n"
			"total_amount decimal(26,8) null,\n"
			"customer_id bigint(20) unsigned null,\n"
			"billing_email varchar(320) null,\n"
			"date_created_gmt datetime null,\n"
			"date_updated_gmt datetime null,\n"
			"parent_order_id bigint(20) unsigned null,\n"
			"payment_method varchar(100) null,\n"
			"payment_method_title text null,\n"
			"transaction_id varchar(100) null,\n"
			"ip_address varchar(100) null,\n"
			"user_agent text null,\n"
			"customer_note text null,\n"
			"PRIMARY KEY (id),\n"
			"KEY status (status),\n"
			"KEY date_created (date_created_gmt),\n"
			"KEY customer_id_billing_email (customer_id, billing_email(%d)),\n"
			"KEY billing_email (billing_email(%d)),\n"
			"KEY type_status_date (type, status, date_created_gmt),\n"
			"KEY parent_order_id (parent_order_id),\n"
			"KEY date_updated (date_updated_gmt)\n)", IDX_C, IDX_L);
		break;
	case T_ADDRESSES:
		sb_addf(sb, " (\n"
			"id bigint(20) unsigned auto_increment primary key,\n"
			"order_id bigint(20) unsigned NOT NULL,\n"
			"address_type varchar(20) null,\n"
			"first_name text null,\n"
			"last_name text null,\n"
			"company text null,\n"
			"address_1 text null,\n"
			"address_2 text null,\n"
			"city text null,\n"
			"state text null,\n"
			"postcode text null,\n"
			"country text null,\n"
			"email varchar(320) null,\n"
			"phone varchar(100) null,\n"
			"KEY order_id (order_id),\n"
			"UNIQUE KEY address_type_order_id (address_type, order_id),\n"
			"KEY email (email(%d)),\n"
			"KEY phone (phone)\n)", IDX_L);
		break;
	case T_OPDATA:
		sb_adds(sb, " (\n"
			"id bigint(20) unsigned auto_increment primary key,\n"
			"order_id bigint(20) unsigned NULL,\n"
			"created_via varchar(100) NULL,\n"
			"woocommerce_version varchar(20) NULL,\n"
			"prices_include_tax tinyint(1) NULL,\n"
			"coupon_usages_are_counted tinyint(1) NULL,\n"
			"download_permission_granted tinyint(1) NULL,\n"
			"cart_hash varchar(100) NULL,\n"
			"new_order_email_sent tinyint(1) NULL,\n"
			"order_key varchar(100) NULL,\n"
			"order_stock_reduced tinyint(1) NULL,\n"
			"date_paid_gmt datetime NULL,\n"
			"date_completed_gmt datetime NULL,\n"
			"shipping_tax_amount decimal(26,8) NULL,\n"
			"shipping_total_amount decimal(26,8) NULL,\n"
			"discount_tax_amount decimal(26,8) NULL,\n"
			"discount_total_amount decimal(26,8) NULL,\n"
			"recorded_sales tinyint(1) NULL,\n"
			"UNIQUE KEY order_id (order_id),\n"
			"KEY order_key (order_key)\n)");
		break;
	case T_META:
		sb_addf(sb, " (\n"
			"id bigint(20) unsigned auto_increment primary key,\n"
			"order_id bigint(20) unsigned null,\n"
			"meta_key varchar(255),\n"
			"meta_value text null,\n"
			"KEY meta_key_value (meta_key(100), meta_value(%d)),\n"
			"KEY order_id_meta_key_meta_value (order_id, meta_key(100), meta_value(%d))\n)",
			IDX_M, IDX_M);
		break;
	default:
		break;
	}
	sb_adds(sb, " ENGINE=InnoDB DEFAULT CHARACTER SET utf8mb4");
	if (collation)
		sb_addf(sb, " COLLATE %s", collation);
}

int wc_create_tables(struct db *db, unsigned *created_mask, struct herr *err)
{
	unsigned mask;
	const char *coll;

	*created_mask = 0;
	if (wc_hpos_tables_present(db, &mask, err) < 0)
		return -1;
	coll = db_site_collation(db);
	if (coll && strncmp(coll, "utf8mb4", 7))
		coll = NULL; /* a non-utf8mb4 site: let the charset's default apply */
	for (int t = 0; t < T_COUNT; t++) {
		struct strbuf sql = STRBUF_INIT;
		int rc;

		if (mask & (1u << t))
			continue;
		wc_schema_sql(db, (enum hpos_table)t, coll, &sql);
		rc = db_run(db, DB_WRITE, sql.buf, sql.len, NULL, err);
		sb_release(&sql);
		if (rc < 0)
			return herr_prefix(err, "creating %s%s", db_prefix(db), hpos_table_suffix[t]);
		*created_mask |= 1u << t;
	}
	return wc_option_set(db, OPT_TABLES_CREATED, "yes", err);
}

static int count_query(struct db *db, struct strbuf *sql, uint64_t *n, struct herr *err)
{
	struct db_result *res;
	struct db_row row;

	*n = 0;
	if (db_run(db, DB_READ, sql->buf, sql->len, &res, err) < 0)
		return -1;
	if (db_fetch(res, &row) && row.vals[0])
		*n = strtoull(row.vals[0], NULL, 10);
	db_free_result(res);
	return 0;
}

/* DataSynchronizer::query_orders_pending_sync_count(), one query per kind. */
int wc_pending(struct db *db, const struct typelist *types, int hpos_auth,
	       struct pending *p, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT, in = STRBUF_INIT;
	unsigned mask;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	typelist_sql(db, types, &in);
	if (wc_hpos_tables_present(db, &mask, err) < 0)
		goto out;
	if ((mask & (1u << T_ORDERS)) == 0 || (mask & (1u << T_META)) == 0) {
		p->tables_missing = 1;
		sb_adds(&sql, "SELECT COUNT(*) FROM ");
		wc_table(db, &sql, "posts");
		sb_addf(&sql, " WHERE post_type IN (%s)", in.buf);
		rc = count_query(db, &sql, &p->missing, err);
		goto out;
	}
	if (!hpos_auth) {
		/* (A) and (B) in one pass: WooCommerce's (B) join of wc_orders
		 * with posts is exactly the matched rows of (A)'s left join. */
		struct db_result *res;
		struct db_row row;

		sb_adds(&sql, "SELECT SUM(o.id IS NULL AND p.post_status <> 'auto-draft'), "
			"SUM(o.date_updated_gmt < p.post_modified_gmt) FROM ");
		wc_table(db, &sql, "posts");
		sb_adds(&sql, " p LEFT JOIN ");
		wc_table(db, &sql, "wc_orders");
		sb_addf(&sql, " o ON p.ID = o.id WHERE p.post_type IN (%s)", in.buf);
		if (db_run(db, DB_READ, sql.buf, sql.len, &res, err) < 0)
			goto out;
		if (db_fetch(res, &row)) {
			p->missing = row.vals[0] ? strtoull(row.vals[0], NULL, 10) : 0;
			p->outdated = row.vals[1] ? strtoull(row.vals[1], NULL, 10) : 0;
		}
		db_free_result(res);
	} else {
		sb_adds(&sql, "SELECT COUNT(*) FROM ");
		wc_table(db, &sql, "wc_orders");
		sb_adds(&sql, " o LEFT JOIN ");
		wc_table(db, &sql, "posts");
		sb_addf(&sql, " p ON p.ID = o.id WHERE (p.post_type IS NULL OR p.post_type = '" PLACEHOLDER_TYPE
			"') AND o.status NOT IN ('auto-draft') AND o.type IN (%s)", in.buf);
		if (count_query(db, &sql, &p->missing, err) < 0)
			goto out;
		sb_reset(&sql);
		sb_adds(&sql, "SELECT COUNT(*) FROM ");
		wc_table(db, &sql, "wc_orders");
		sb_adds(&sql, " o JOIN ");
		wc_table(db, &sql, "posts");
		sb_addf(&sql, " p ON p.ID = o.id WHERE p.post_type IN (%s) AND o.date_updated_gmt > p.post_modified_gmt",
			in.buf);
		if (count_query(db, &sql, &p->outdated, err) < 0)
			goto out;
	}
	sb_reset(&sql);
	sb_adds(&sql, "SELECT COUNT(1) FROM ");
	wc_table(db, &sql, "wc_orders_meta");
	sb_adds(&sql, " WHERE ");
	wc_marker_condition(db, &sql, "", hpos_auth);
	rc = count_query(db, &sql, &p->markers, err);
out:
	sb_release(&sql);
	sb_release(&in);
	return rc;
}

/* Deletion markers: the current form (_deleted_from = posts_table /
 * orders_table) and the older one (deleted_from = the table's name).  The
 * plain comparison uses the meta_key index; the BINARY one makes it exact,
 * since the collation would also match '_Deleted_From'. */
void wc_marker_condition(struct db *db, struct strbuf *sql, const char *alias, int hpos_auth)
{
	struct strbuf old = STRBUF_INIT;

	sb_addf(&old, "%s%s", db_prefix(db), hpos_auth ? "wc_orders" : "posts");
	sb_addf(sql, "((%1$smeta_key = '_deleted_from' AND BINARY %1$smeta_key = '_deleted_from' AND BINARY %1$smeta_value = '%2$s')"
		" OR (%1$smeta_key = 'deleted_from' AND BINARY %1$smeta_key = 'deleted_from' AND BINARY %1$smeta_value = ",
		alias, hpos_auth ? "orders_table" : "posts_table");
	db_quote(db, sql, old.buf, old.len);
	sb_adds(sql, "))");
	sb_release(&old);
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

int wc_posts_of_type(struct db *db, const char *type, uint64_t *n, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	sb_adds(&sql, "SELECT COUNT(*) FROM ");
	wc_table(db, &sql, "posts");
	sb_adds(&sql, " WHERE post_type = ");
	db_quote(db, &sql, type, strlen(type));
	rc = count_query(db, &sql, n, err);
	sb_release(&sql);
	return rc;
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
			     "BINARY address_type NOT IN ('billing', 'shipping')", err);
}

int wc_postmeta_span(struct db *db, const char *where, uint64_t *lo, uint64_t *hi, struct herr *err)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_result *r = NULL;
	struct db_row row;
	uint64_t cnt = 0;
	int rc;

	*lo = *hi = 0;
	sb_adds(&sql, "SELECT COUNT(*), MIN(meta_id), MAX(meta_id) FROM ");
	wc_table(db, &sql, "postmeta");
	sb_adds(&sql, where);
	rc = db_run(db, DB_READ, sql.buf, sql.len, &r, err);
	sb_release(&sql);
	if (rc < 0)
		return -1;
	if (db_fetch(r, &row) && row.vals[1] && row.vals[2]) {
		cnt = strtoull(row.vals[0], NULL, 10);
		*lo = strtoull(row.vals[1], NULL, 10);
		*hi = strtoull(row.vals[2], NULL, 10);
	}
	db_free_result(r);
	return cnt && *hi - *lo + 1 <= 2 * cnt + 256;
}
