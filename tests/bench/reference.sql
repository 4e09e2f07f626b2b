-- Plain-SQL reference migration for `make bench`: the same posts -> HPOS
-- copy done entirely on the server with INSERT ... SELECT pivots, one
-- transaction per batch of order IDs.  It is a speed baseline, not a
-- faithful migrator (no first-value rule, no conversion checks).
DROP PROCEDURE IF EXISTS ref_migrate;
DELIMITER //
CREATE PROCEDURE ref_migrate(IN batch INT)
BEGIN
  DECLARE lo BIGINT UNSIGNED DEFAULT 0;
  DECLARE hi BIGINT UNSIGNED;
  batches: LOOP
    SELECT MAX(ID) INTO hi FROM (SELECT ID FROM wp_posts WHERE ID > lo
      AND post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'
      ORDER BY ID LIMIT batch) x;
    IF hi IS NULL THEN LEAVE batches; END IF;
    START TRANSACTION;
    INSERT INTO wp_wc_orders (id, status, currency, type, tax_amount, total_amount, customer_id,
      billing_email, date_created_gmt, date_updated_gmt, parent_order_id, payment_method,
      payment_method_title, transaction_id, ip_address, user_agent, customer_note)
    SELECT p.ID, p.post_status,
      MAX(IF(m.meta_key = '_order_currency', m.meta_value, NULL)), p.post_type,
      ROUND(MAX(IF(m.meta_key = '_order_tax', m.meta_value, NULL)), 6),
      ROUND(MAX(IF(m.meta_key = '_order_total', m.meta_value, NULL)), 6),
      MAX(IF(m.meta_key = '_customer_user', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_billing_email', m.meta_value, NULL)),
      p.post_date_gmt, p.post_modified_gmt, p.post_parent,
      MAX(IF(m.meta_key = '_payment_method', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_payment_method_title', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_transaction_id', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_customer_ip_address', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_customer_user_agent', m.meta_value, NULL)),
      p.post_excerpt
    FROM wp_posts p LEFT JOIN wp_postmeta m ON m.post_id = p.ID
    WHERE p.ID > lo AND p.ID <= hi AND p.post_type IN ('shop_order','shop_order_refund')
      AND p.post_status <> 'auto-draft'
    GROUP BY p.ID;
    INSERT INTO wp_wc_order_addresses (order_id, address_type, first_name, last_name, company,
      address_1, address_2, city, state, postcode, country, email, phone)
    SELECT p.ID, t.k,
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_first_name'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_last_name'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_company'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_address_1'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_address_2'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_city'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_state'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_postcode'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_country'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_email'), m.meta_value, NULL)),
      MAX(IF(m.meta_key = CONCAT('_', t.k, '_phone'), m.meta_value, NULL))
    FROM wp_posts p
      JOIN (SELECT 'billing' AS k UNION ALL SELECT 'shipping') t
      LEFT JOIN wp_postmeta m ON m.post_id = p.ID
    WHERE p.ID > lo AND p.ID <= hi AND p.post_type IN ('shop_order','shop_order_refund')
      AND p.post_status <> 'auto-draft'
    GROUP BY p.ID, t.k;
    INSERT INTO wp_wc_order_operational_data (order_id, created_via, woocommerce_version,
      prices_include_tax, coupon_usages_are_counted, download_permission_granted, cart_hash,
      new_order_email_sent, order_key, order_stock_reduced, date_paid_gmt, date_completed_gmt,
      shipping_tax_amount, shipping_total_amount, discount_tax_amount, discount_total_amount,
      recorded_sales)
    SELECT p.ID,
      MAX(IF(m.meta_key = '_created_via', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_order_version', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_prices_include_tax', m.meta_value IN ('yes','true','1'), NULL)),
      MAX(IF(m.meta_key = '_recorded_coupon_usage_counts', m.meta_value IN ('yes','true','1'), NULL)),
      MAX(IF(m.meta_key = '_download_permissions_granted', m.meta_value IN ('yes','true','1'), NULL)),
      MAX(IF(m.meta_key = '_cart_hash', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_new_order_email_sent', m.meta_value IN ('yes','true','1'), NULL)),
      MAX(IF(m.meta_key = '_order_key', m.meta_value, NULL)),
      MAX(IF(m.meta_key = '_order_stock_reduced', m.meta_value IN ('yes','true','1'), NULL)),
      FROM_UNIXTIME(MAX(IF(m.meta_key = '_date_paid' AND m.meta_value <> '', m.meta_value, NULL))),
      FROM_UNIXTIME(MAX(IF(m.meta_key = '_date_completed' AND m.meta_value <> '', m.meta_value, NULL))),
      ROUND(MAX(IF(m.meta_key = '_order_shipping_tax', m.meta_value, NULL)), 6),
      ROUND(MAX(IF(m.meta_key = '_order_shipping', m.meta_value, NULL)), 6),
      ROUND(MAX(IF(m.meta_key = '_cart_discount_tax', m.meta_value, NULL)), 6),
      ROUND(MAX(IF(m.meta_key = '_cart_discount', m.meta_value, NULL)), 6),
      MAX(IF(m.meta_key = '_recorded_sales', m.meta_value IN ('yes','true','1'), NULL))
    FROM wp_posts p LEFT JOIN wp_postmeta m ON m.post_id = p.ID
    WHERE p.ID > lo AND p.ID <= hi AND p.post_type IN ('shop_order','shop_order_refund')
      AND p.post_status <> 'auto-draft'
    GROUP BY p.ID;
    INSERT INTO wp_wc_orders_meta (order_id, meta_key, meta_value)
    SELECT m.post_id, m.meta_key, IFNULL(m.meta_value, '')
    FROM wp_posts p JOIN wp_postmeta m ON m.post_id = p.ID
    WHERE p.ID > lo AND p.ID <= hi AND p.post_type IN ('shop_order','shop_order_refund')
      AND p.post_status <> 'auto-draft' AND m.meta_key IS NOT NULL
      AND m.meta_key NOT IN ('_order_currency','_order_tax','_order_total','_customer_user',
        '_billing_email','_payment_method','_payment_method_title','_customer_ip_address',
        '_customer_user_agent','_transaction_id','_billing_first_name','_billing_last_name',
        '_billing_company','_billing_address_1','_billing_address_2','_billing_city',
        '_billing_state','_billing_postcode','_billing_country','_billing_phone',
        '_shipping_first_name','_shipping_last_name','_shipping_company','_shipping_address_1',
        '_shipping_address_2','_shipping_city','_shipping_state','_shipping_postcode',
        '_shipping_country','_shipping_email','_shipping_phone','_created_via','_order_version',
        '_prices_include_tax','_recorded_coupon_usage_counts','_download_permissions_granted',
        '_cart_hash','_new_order_email_sent','_order_key','_order_stock_reduced','_date_paid',
        '_date_completed','_order_shipping_tax','_order_shipping','_cart_discount_tax',
        '_cart_discount','_recorded_sales')
    ORDER BY m.post_id, m.meta_id;
    COMMIT;
    SET lo = hi;
  END LOOP;
END//
DELIMITER ;
