-- Plain-SQL reference cleanup for `make bench`: the legacy cleanup done
-- entirely on the server, one transaction per batch of order IDs (delete the
-- posts' postmeta, turn the posts into placeholders).  A speed baseline for
-- `hposctl cleanup`: no per-order checks, no backup.
DROP PROCEDURE IF EXISTS ref_cleanup;
DELIMITER //
CREATE PROCEDURE ref_cleanup(IN batch INT)
BEGIN
  DECLARE lo BIGINT UNSIGNED DEFAULT 0;
  DECLARE hi BIGINT UNSIGNED;
  batches: LOOP
    SELECT MAX(ID) INTO hi FROM (SELECT ID FROM wp_posts WHERE ID > lo
      AND post_type IN ('shop_order','shop_order_refund') AND post_status <> 'auto-draft'
      ORDER BY ID LIMIT batch) x;
    IF hi IS NULL THEN LEAVE batches; END IF;
    START TRANSACTION;
    DELETE m FROM wp_postmeta m JOIN wp_posts p ON p.ID = m.post_id
      WHERE p.ID > lo AND p.ID <= hi AND p.post_type IN ('shop_order','shop_order_refund')
      AND p.post_status <> 'auto-draft';
    UPDATE wp_posts SET post_type = 'shop_order_placehold', post_status = 'draft'
      WHERE ID > lo AND ID <= hi AND post_type IN ('shop_order','shop_order_refund')
      AND post_status <> 'auto-draft';
    COMMIT;
    SET lo = hi;
  END LOOP;
END//
DELIMITER ;
