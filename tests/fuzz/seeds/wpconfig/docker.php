<?php
function getenv_docker($env, $default) {
	if ($fileEnv = getenv($env . '_FILE')) { return rtrim(file_get_contents($fileEnv), "\r\n"); }
	else if (($val = getenv($env)) !== false) { return $val; }
	else { return $default; }
}
define( 'DB_NAME', getenv_docker('WORDPRESS_DB_NAME', 'wordpress') );
define( "DB_USER", "u\x41\u{1F600}\$x" );
define('DB_PASSWORD', getenv('PW'));
define( 'DB_HOST', 'localhost:/var/run/mysqld/mysqld.sock' );
# comment ?> not the end
// another
/* block */ $table_prefix  = "shop_";
const DB_CHARSET = 'utf8mb4';
?>
<html>
<?php define('DB_COLLATE', 'utf8mb4_unicode_ci');
