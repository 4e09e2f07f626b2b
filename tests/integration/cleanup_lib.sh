# Helpers for the cleanup tests (sourced after lib.sh).

M="mariadb --no-defaults --socket=$SBX/mysqld.sock -uroot"
WORK=$(mktemp -d "$SBX/cleanup.XXXXXX")

# Multiset fingerprint of wp_posts and wp_postmeta, every column as bytes,
# ids included: equal fingerprints = equal tables, row for row.
pcols="ID,post_author,BINARY post_date,BINARY post_date_gmt,BINARY post_content,BINARY post_title,BINARY post_excerpt,BINARY post_status,BINARY comment_status,BINARY ping_status,BINARY post_password,BINARY post_name,BINARY to_ping,BINARY pinged,BINARY post_modified,BINARY post_modified_gmt,BINARY post_content_filtered,post_parent,BINARY guid,menu_order,BINARY post_type,BINARY post_mime_type,comment_count"
mcols="meta_id,post_id,BINARY IFNULL(meta_key,0x00),BINARY IFNULL(meta_value,0x00),meta_key IS NULL,meta_value IS NULL"
legacy_fp() { # legacy_fp DB: count and sum of a 60-bit MD5 prefix per row
	sql_root "SELECT COUNT(*), SUM(CONV(LEFT(MD5(CONCAT_WS(0x1f,$pcols)),15),16,10)) FROM \`$1\`.wp_posts; SELECT COUNT(*), SUM(CONV(LEFT(MD5(CONCAT_WS(0x1f,$mcols)),15),16,10)) FROM \`$1\`.wp_postmeta" | tr '\n\t' '  '
}
# 0 when wp_posts and wp_postmeta of A and B are equal as multisets (ids
# and bytes included); otherwise the number of rows in one and not the other.
legacy_diff() {
	[ "$(legacy_fp "$1")" = "$(legacy_fp "$2")" ] && { echo 0; return; }
	n1=$(sql_root "SELECT COUNT(*) FROM ((SELECT $pcols FROM \`$1\`.wp_posts EXCEPT ALL SELECT $pcols FROM \`$2\`.wp_posts) UNION ALL (SELECT $pcols FROM \`$2\`.wp_posts EXCEPT ALL SELECT $pcols FROM \`$1\`.wp_posts)) d")
	n2=$(sql_root "SELECT COUNT(*) FROM ((SELECT $mcols FROM \`$1\`.wp_postmeta EXCEPT ALL SELECT $mcols FROM \`$2\`.wp_postmeta) UNION ALL (SELECT $mcols FROM \`$2\`.wp_postmeta EXCEPT ALL SELECT $mcols FROM \`$1\`.wp_postmeta)) d")
	[ $((n1 + n2)) -gt 0 ] && echo $((n1 + n2)) || echo "fingerprints differ"
}
others_fp() { # tables cleanup must never touch
	sql_root "CHECKSUM TABLE \`$1\`.wp_woocommerce_order_items, \`$1\`.wp_woocommerce_order_itemmeta, \`$1\`.wp_comments, \`$1\`.wp_commentmeta, \`$1\`.wp_options" | cut -f2 | tr '\n' ' '
}
nonorder_fp() {
	sql_root "SELECT COUNT(*), SUM(CRC32(CONCAT_WS(0x1f,$pcols))) FROM \`$1\`.wp_posts WHERE post_type NOT IN ('shop_order','shop_order_refund','shop_order_placehold'); SELECT COUNT(*), SUM(CRC32(CONCAT_WS(0x1f,$mcols))) FROM \`$1\`.wp_postmeta WHERE post_id NOT IN (SELECT ID FROM \`$1\`.wp_posts WHERE post_type IN ('shop_order','shop_order_refund','shop_order_placehold'))" | tr '\n\t' '  '
}
dates_fp() {
	sql_root "SELECT SUM(CRC32(CONCAT_WS(0x1f,ID,post_date,post_date_gmt,post_modified,post_modified_gmt,post_parent,BINARY post_title,BINARY post_password))) FROM \`$1\`.wp_posts"
}
set_auth() { # set_auth DB HPOS_ENABLED SYNC_ENABLED
	sql "$1" "UPDATE wp_options SET option_value='$2' WHERE option_name='woocommerce_custom_orders_table_enabled'; UPDATE wp_options SET option_value='$3' WHERE option_name='woocommerce_custom_orders_table_data_sync_enabled'"
}
copy_db() { # copy_db FROM TO: posts and postmeta only
	new_db "$2"
	sql_root "CREATE TABLE \`$2\`.wp_posts LIKE \`$1\`.wp_posts; INSERT INTO \`$2\`.wp_posts SELECT * FROM \`$1\`.wp_posts; CREATE TABLE \`$2\`.wp_postmeta LIKE \`$1\`.wp_postmeta; INSERT INTO \`$2\`.wp_postmeta SELECT * FROM \`$1\`.wp_postmeta"
}

