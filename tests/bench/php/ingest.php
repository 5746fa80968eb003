<?php
// ingest.php: the PHP floor of `make bench`: what one webhook costs in plain PHP today.
// Same work as switchboard's ingest, written the way a PHP request does it: read the raw
// body, HMAC-SHA256 verify (Cal.com: X-Cal-Signature-256; Retell: v=<ms>,d=<hex> over
// body . ms, 5 min window), decode the JSON, open a PDO connection (a PHP request has
// none before), prepared INSERT into webhook_events (autocommit), answer the ack.
// No framework: Laravel's boot, middleware and Eloquent only add to this.
// php-fpm's pool environment (tests/bench/php-fpm.conf.in) names socket, user, secrets.
$provider = $_SERVER['BENCH_PROVIDER'] ?? 'calcom';
$raw = file_get_contents('php://input');
header('Content-Type: application/json');

function fail(int $code, string $msg): void {
    http_response_code($code);
    echo json_encode(['message' => $msg]);
    exit;
}

if ($provider === 'calcom') {
    $sig = preg_replace('/^sha256=/', '', $_SERVER['HTTP_X_CAL_SIGNATURE_256'] ?? '');
    if (!hash_equals(hash_hmac('sha256', $raw, getenv('SB_CALCOM_SECRET')), strtolower($sig)))
        fail(401, 'invalid X-Cal-Signature-256');
} else {
    if (!preg_match('/^v=(\d+),d=([0-9a-f]{64})$/i', $_SERVER['HTTP_X_RETELL_SIGNATURE'] ?? '', $m))
        fail(401, 'invalid X-Retell-Signature');
    if (abs((int)(microtime(true) * 1000) - (int)$m[1]) > 300000) fail(401, 'stale X-Retell-Signature');
    if (!hash_equals(hash_hmac('sha256', $raw . $m[1], getenv('SB_RETELL_KEY')), strtolower($m[2])))
        fail(401, 'invalid X-Retell-Signature');
}
$j = json_decode($raw, true);
if (!is_array($j)) fail(400, 'body is not JSON');
if ($provider === 'calcom') {
    $type = $j['triggerEvent'] ?? null;
    $id = $j['payload']['uid'] ?? null;
} else {
    $type = $j['event'] ?? null;
    $id = $j['call']['call_id'] ?? null;
}
if (!is_string($type) || !is_string($id)) fail(400, 'missing event name or id');

$pdo = new PDO('mysql:unix_socket=' . getenv('SB_DB_SOCKET') . ';dbname=' . getenv('SB_DB_NAME') . ';charset=utf8mb4',
               getenv('SB_DB_USER'), getenv('SB_DB_PASSWORD'), [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
$headers = [];
foreach ($_SERVER as $k => $v)
    if (str_starts_with($k, 'HTTP_') && !str_contains($k, 'SIGNATURE')) $headers[strtolower(strtr(substr($k, 5), '_', '-'))] = $v;
$st = $pdo->prepare('INSERT INTO webhook_events (provider, event_type, event_id, idempotency_key, payload, headers,'
    . ' status, retry_count, correlation_id, received_at, created_at, updated_at)'
    . ' VALUES (?, ?, ?, ?, ?, ?, \'pending\', 0, ?, NOW(), NOW(), NOW())');
$st->execute([$provider, $type, $id, "$provider:$type:$id", $raw, json_encode($headers),
              $_SERVER['REQUEST_ID'] ?? bin2hex(random_bytes(16))]);
echo json_encode(['received' => true, 'status' => 'accepted', 'id' => (int)$pdo->lastInsertId()]);
