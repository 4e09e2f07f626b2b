/* ordertypes.c - the order types a command works on: auto, explicit, or
 * both; which of them hposctl can write back to posts. */
#include "ordertypes.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>

/* 1 when tl holds s. */
static int tl_has(const struct typelist *tl, const char *s)
{
	for (unsigned i = 0; i < tl->n; i++)
		if (!strcmp(tl->v[i], s))
			return 1;
	return 0;
}

/* Add a copy of s to tl unless it is there already. */
static void tl_add(struct typelist *tl, const char *s)
{
	typelist_add(tl, s, strlen(s));
}

void typelist_join(const struct typelist *tl, const char *sep, struct strbuf *sb)
{
	for (unsigned i = 0; i < tl->n; i++) {
		if (i)
			sb_adds(sb, sep);
		sb_adds(sb, tl->v[i]);
	}
}

int ordertypes_plan(const char *spec, const struct typelist *found, struct ordertypes *ot, struct herr *err)
{
	struct strbuf rest = STRBUF_INIT;
	struct typelist explicit_ = { NULL, 0 };
	const char *p = spec ? spec : "auto";

	memset(ot, 0, sizeof(*ot));
	/* take the "auto" entries out; the rest is an explicit list */
	unsigned others = 0;

	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == 4 && !strncmp(p, "auto", 4)) {
			ot->automatic = 1;
		} else {
			if (others++)
				sb_addc(&rest, ',');
			sb_add(&rest, p, len);
		}
		if (!e)
			break;
		p = e + 1;
	}
	if (others && typelist_parse(&explicit_, rest.len ? rest.buf : *spec ? "," : "", err) < 0) {
		sb_release(&rest);
		return -1;
	}
	sb_release(&rest);
	for (unsigned i = 0; i < found->n; i++)
		tl_add(&ot->found, found->v[i]);
	if (ot->automatic)
		for (unsigned i = 0; i < found->n; i++)
			tl_add(&ot->use, found->v[i]);
	for (unsigned i = 0; i < explicit_.n; i++)
		tl_add(&ot->use, explicit_.v[i]);
	typelist_release(&explicit_);
	for (unsigned i = 0; i < found->n; i++)
		if (!tl_has(&ot->use, found->v[i]))
			tl_add(&ot->left_out, found->v[i]);
	return 0;
}

int ordertypes_resolve(struct db *db, const char *spec, struct ordertypes *ot, struct herr *err)
{
	struct typelist found = { NULL, 0 };
	struct strbuf sb = STRBUF_INIT;
	double t0 = now_mono();
	int rc;

	memset(ot, 0, sizeof(*ot));
	/* a bad explicit list is a usage error before any query */
	if (ordertypes_plan(spec, &found, ot, err) < 0)
		return -1;
	ordertypes_release(ot);
	if (wc_find_order_types(db, &found, err) < 0)
		return -1;
	rc = ordertypes_plan(spec, &found, ot, err);
	typelist_release(&found);
	if (rc == 0) {
		typelist_join(&ot->use, ",", &sb);
		out_debug("order types%s: %s (found in %.3fs)", ot->automatic ? " (auto)" : "", sb.buf,
			  now_mono() - t0);
	}
	sb_release(&sb);
	return rc;
}

void ordertypes_release(struct ordertypes *ot)
{
	typelist_release(&ot->use);
	typelist_release(&ot->found);
	typelist_release(&ot->left_out);
}

void ordertypes_warn(const struct ordertypes *ot)
{
	struct strbuf sb = STRBUF_INIT;

	if (!ot->left_out.n)
		return;
	typelist_join(&ot->left_out, ", ", &sb);
	out_warning("Order %s found in the store but left out of the order types list (--order-types / "
		    "sync.order_types): %s. %s orders are not handled by this command, and switch-authority refuses "
		    "while any of them is pending. `--order-types auto` (the default) includes every order type.",
		    ot->left_out.n == 1 ? "type" : "types", sb.buf, ot->left_out.n == 1 ? "Its" : "Their");
	sb_release(&sb);
}

int ordertype_reversible(const char *type)
{
	return !strcmp(type, "shop_order") || !strcmp(type, "shop_order_refund");
}

const char *ordertype_refusal_reason(const char *type)
{
	if (!strcmp(type, "shop_subscription"))
		return "WooCommerce writes subscriptions back to the posts tables through WooCommerce Subscriptions' "
		       "own data store (WCS_Subscription_Data_Store_CPT), which writes props orders do not have "
		       "(_schedule_* dates, _billing_period, _billing_interval, _requires_manual_renewal, ...); "
		       "hposctl does not reproduce it";
	return "its plugin's own posts data store decides what WooCommerce writes back to the posts tables, "
	       "and hposctl cannot know it";
}

void typelist_split_reversible(const struct typelist *in, struct typelist *ok, struct typelist *refused)
{
	ok->v = NULL;
	ok->n = 0;
	refused->v = NULL;
	refused->n = 0;
	for (unsigned i = 0; i < in->n; i++)
		tl_add(ordertype_reversible(in->v[i]) ? ok : refused, in->v[i]);
}

int order_types_for(struct db *db, const char *spec, int warn, struct typelist *types, struct herr *err)
{
	struct ordertypes ot;

	if (ordertypes_resolve(db, spec, &ot, err) < 0)
		return -1;
	if (warn)
		ordertypes_warn(&ot);
	*types = ot.use;
	ot.use.v = NULL;
	ot.use.n = 0;
	ordertypes_release(&ot);
	return 0;
}

int reverse_types(struct db *db, const struct typelist *types, const char *what, struct typelist *ok,
		  uint64_t *refused_pending, struct herr *err)
{
	struct typelist no;
	struct pending *each;
	int rc = 0;

	*refused_pending = 0;
	typelist_split_reversible(types, ok, &no);
	if (!no.n)
		return 0;
	each = xcalloc(no.n, sizeof(*each));
	if (wc_pending_each(db, &no, 1, each, NULL, err) < 0) {
		rc = -1;
		goto out;
	}
	for (unsigned i = 0; i < no.n; i++) {
		uint64_t n = pending_total(&each[i]);

		if (!n)
			continue;
		*refused_pending += n;
		out_error("%llu %s order%s pending sync to the posts tables %s not %s: hposctl does not write %s "
			  "to posts, because %s. %s WooCommerce's own sync (compatibility mode) write %s.",
			  (unsigned long long)n, no.v[i], n == 1 ? "" : "s", n == 1 ? "was" : "were", what,
			  no.v[i], ordertype_refusal_reason(no.v[i]),
			  ok->n ? "Orders of the other types are handled as usual; let" : "Let",
			  n == 1 ? "it" : "them");
	}
out:
	free(each);
	typelist_release(&no);
	return rc;
}
