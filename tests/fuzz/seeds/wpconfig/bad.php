<?php
define("DB_NAME", "a" . "b");
define('DB_HOST', $host);
$table_prefix = 'wp_' ;
/* unterminated