/* wprules.h - the WordPress and WooCommerce text rules that the HPOS -> posts
 * backfill has to reproduce: the order post title, the slug WordPress
 * derives from it, the guid that wp_update_post() re-escapes, and
 * WooCommerce's money formats.  Pure functions (no database), so that the
 * unit tests can pin each rule; the slug uniqueness query lives in
 * backfill.c.  The rules are documented in docs/backfill.md. */
#ifndef HPOS_WPRULES_H
#define HPOS_WPRULES_H

#include <stddef.h>

/* WC_Post_Data::wp_insert_post_data(): 'Order &ndash; ' + date_i18n('F j, Y
 * @ h:i A') of the post's local post_date ("Y-m-d H:i:s"), English month
 * names (the site language en_US).  Returns an allocated string; "Order"
 * alone when the date does not parse. */
char *wp_order_title(const char *post_date);

/* sanitize_title($title) in the 'save' context (remove_accents() is the
 * identity on ASCII; other bytes are percent-encoded as utf8_uri_encode()
 * does, lower-case hex).  Returns an allocated string. */
char *wp_sanitize_title(const char *title, size_t len);

/* _truncate_post_slug($slug, $length) for plain (not percent-decoded
 * differently) slugs: cut to length bytes, then rtrim '-'.  In place. */
void wp_truncate_slug(char *slug, size_t length);

/* The guid as wp_update_post() writes it back: get_post_field('guid')
 * (display context: esc_url()) followed by the pre_post_guid filters.
 * '&' becomes '&#038;', "'" becomes '&#039;', disallowed characters are
 * dropped, an unknown protocol empties it.  Idempotent on its own output.
 * Returns an allocated string. */
char *wp_guid_reescape(const char *guid, size_t len);

/* wc_format_decimal($v, false, true) on the string a decimal(26,8) column
 * holds: keep digits, '-' and the last '.', then trim trailing zeros and
 * a trailing '.' ("24.00000000" -> "24", "-4.95000000" -> "-4.95").
 * trim = 0 gives wc_format_decimal($v) (no trimming).  Allocated. */
char *wc_format_decimal_str(const char *v, size_t len, int trim);

#endif
