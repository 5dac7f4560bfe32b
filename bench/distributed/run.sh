#!/usr/bin/env bash
# Distributed-mode benchmark: starts a whole local cluster (scripts/cluster: Kafka, MariaDB, ingest ×5, sink,
# engine ×2, gateway ×2) in a temporary directory, then
#   1. runs build/release/bench/ik_distributed_benchmark (the sink's batched upserts and the ingest producer)
#      against the cluster's MariaDB and Kafka, when it is built;
#   2. signs up USERS users with one API key each and drives POST /v2/orders through both gateways at once (one
#      wrk per gateway, each rotating through every user's key, so orders spread over the `orders` partitions and
#      both engines); prints per gateway requests/s, p50, p99 and non-2xx, and the sum of requests/s;
#   3. counts the orders in the service database and compares them with the 2xx answers wrk saw: every answer
#      follows the engine's commit, so each acknowledged order must be stored (stored < acknowledged fails the run;
#      stored may exceed it by the requests still in flight when wrk stopped);
# and always stops the cluster and removes the directory (its logs are kept when the run failed).
#
#   bench/distributed/run.sh [BINARY]    (default build/release/src/app/investking)
#   DURATION=15s CONNECTIONS=16 USERS=16 bench/distributed/run.sh
# Environment: DURATION and CONNECTIONS per wrk (one wrk thread per gateway); USERS; ORDER_TYPE=limit (default: a
# buy at the day's lower price limit, accepted and resting, so every order costs the same) or market (a buy of one
# share that fills against the ingest ticks' volume); BENCH_ARGS for ik_distributed_benchmark (SKIP_SINK_BENCH=1
# skips it); CLUSTER_START_TIMEOUT passes through to scripts/cluster.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build/release/src/app/investking}"
sink_bench="$root/build/release/bench/ik_distributed_benchmark"
duration="${DURATION:-15s}"
connections="${CONNECTIONS:-16}"
users="${USERS:-16}"
order_type="${ORDER_TYPE:-limit}"
symbol=005930

say() { echo "distributed_bench: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in wrk curl python3 mariadb; do
    command -v "$tool" >/dev/null || die "$tool not found (make deps installs it)"
done
[[ -x "$bin" ]] || die "$bin not built (make build)"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[[ "$order_type" == limit || "$order_type" == market ]] || die "ORDER_TYPE must be limit or market"
[[ "$users" =~ ^[1-9][0-9]*$ ]] || die "USERS must be a positive number"

work="$(mktemp -d /tmp/ik-distributed-bench.XXXXXX)"
cluster_dir="$work/cluster"
cluster_up=0
wrk_pids=()
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
    local rc=$?
    local pid
    for pid in "${wrk_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if (( cluster_up )); then
        say "stopping the cluster"
        bash "$root/scripts/cluster" down "$cluster_dir" >/dev/null 2>&1 || say "scripts/cluster down failed"
    fi
    if (( rc != 0 )) && [[ -d "$cluster_dir/logs" ]]; then
        mkdir -p "/tmp/ik-distributed-bench-logs"
        local kept
        kept="$(mktemp -d /tmp/ik-distributed-bench-logs/run.XXXXXX)"
        cp -r "$cluster_dir/logs" "$kept/" 2>/dev/null || true
        cp "$work"/*.out "$kept/" 2>/dev/null || true
        say "failed (exit $rc); the cluster's logs are in $kept/logs"
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
json() { python3 -c "import sys,json; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# ---- the cluster -------------------------------------------------------------------------------------------------
port1="$(free_port)"
port2="$(free_port)"
while [[ "$port2" == "$port1" ]]; do port2="$(free_port)"; done
say "starting the cluster in $cluster_dir (gateways on 127.0.0.1:$port1 and :$port2)"
# scripts/cluster takes Kafka's port from DIR/kafka.port when it is free: keep off 9092, which a developer's own
# broker or cluster may want.
mkdir -p "$cluster_dir"
free_port >"$cluster_dir/kafka.port"
cluster_up=1
endpoints="$(IK_BIN="$bin" CLUSTER_GATEWAY_PORTS="$port1 $port2" \
    INVESTKING_ACCOUNT_STARTING_CASH=1000000000000 INVESTKING_HTTP_ACCESS_LOG=false \
    INVESTKING_MARKET_SESSION=always \
    bash "$root/scripts/cluster" up "$cluster_dir")" || die "scripts/cluster up failed (its messages are above)"
endpoint() { awk -v n="$1" '$1 == n { print $2 }' <<<"$endpoints"; }
gw1="$(endpoint gateway-1)"
gw2="$(endpoint gateway-2)"
service_url="$(endpoint service-db)"
recommend_url="$(endpoint recommend-db)"
kafka="$(endpoint kafka)"
[[ -n "$gw1" && -n "$gw2" && -n "$service_url" && -n "$recommend_url" && -n "$kafka" ]] ||
    die "scripts/cluster up did not print every endpoint (gateway-1, gateway-2, service-db, recommend-db, kafka)"
say "cluster up: gateway-1 $gw1, gateway-2 $gw2, kafka $kafka"

# A process of the cluster still running (scripts/cluster status exits 3 when one died).
check_cluster() {
    bash "$root/scripts/cluster" status "$cluster_dir" >"$work/status.out" 2>&1 ||
        { cat "$work/status.out" >&2; die "a process of the cluster is not running ($1)"; }
}

# ---- 1. sink and ingest write paths ------------------------------------------------------------------------------
sink_summary=""
if [[ "${SKIP_SINK_BENCH:-0}" == 1 ]]; then
    say "SKIP_SINK_BENCH=1: not running ik_distributed_benchmark"
elif [[ -x "$sink_bench" ]]; then
    echo "== $sink_bench (the cluster's MariaDB and Kafka, while the cluster runs)"
    # shellcheck disable=SC2086 # BENCH_ARGS is a list of flags
    IK_MYSQL_URL_SERVICE="$service_url" IK_MYSQL_URL_RECOMMEND="$recommend_url" IK_KAFKA_BOOTSTRAP="$kafka" \
        "$sink_bench" --benchmark_color=false ${BENCH_ARGS:-} | tee "$work/sink.out" ||
        die "ik_distributed_benchmark failed"
    sink_summary="$(grep -E '^(summary|batched/single)' "$work/sink.out" || true)"
else
    say "$sink_bench not built: skipping the sink and ingest benchmark (cmake --build build/release --target ik_distributed_benchmark)"
fi
check_cluster "after the sink benchmark"

# ---- 2. users, keys and the order price ----------------------------------------------------------------------------
# The MariaDB client with the pieces of a mysql://user:password@host:port/database URL (password via MYSQL_PWD, so
# it never shows in a process list).
sql() {
    local parts
    parts="$(python3 - "$service_url" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
print(urllib.parse.unquote(u.username or ""), u.hostname or "127.0.0.1", u.port or 3306, u.path.lstrip("/"),
      urllib.parse.unquote(u.password or ""), sep="\n")
PY
)"
    local user host port db pw
    { read -r user; read -r host; read -r port; read -r db; read -r pw; } <<<"$parts"
    MYSQL_PWD="$pw" mariadb --protocol=TCP -h "$host" -P "$port" -u "$user" -D "$db" -N -B -e "$1"
}
sql 'SELECT 1' >/dev/null || die "the service database does not answer to the mariadb client"

# With --data-source the previous close comes from the data, so the order's price is read from the gateway: the day's
# lower price limit is on the tick grid and inside the band by definition, and a buy there rests.
limit_price=""
deadline=$(( SECONDS + 60 ))
while :; do
    limit_price="$(curl -sf "$gw1/api/v1/stocks" 2>/dev/null | python3 -c '
import sys, json
data = json.load(sys.stdin)
items = data if isinstance(data, list) else data.get("stocks", data.get("items", []))
for s in items:
    if s.get("symbol") == sys.argv[1] and s.get("lower_limit"):
        print(int(float(s["lower_limit"])))
' "$symbol" 2>/dev/null || true)"
    [[ -n "$limit_price" ]] && break
    (( SECONDS < deadline )) || die "GET $gw1/api/v1/stocks has no lower_limit for $symbol after 60 s"
    sleep 0.5
done

say "signing up $users users with one API key each"
keys_lua=""
for i in $(seq 1 "$users"); do
    name="bench$i"
    pw="bench-password-$i"
    gw="$gw1"; (( i % 2 == 0 )) && gw="$gw2"  # both gateways serve sign-ups, from the one database
    code="$(curl -s -o "$work/signup.out" -w '%{http_code}' -XPOST "$gw/api/v1/auth/signup" \
        -H 'Content-Type: application/json' -d "{\"username\":\"$name\",\"password\":\"$pw\"}")"
    [[ "$code" == 201 ]] || die "sign-up of $name on $gw answered $code: $(cat "$work/signup.out")"
    token="$(curl -sf -XPOST "$gw/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"$name\",\"password\":\"$pw\"}" | json access_token)" || die "login of $name failed"
    key="$(curl -sf -XPOST "$gw/api/v1/keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{}')" || die "creating an API key for $name failed"
    key_id="$(echo "$key" | json key_id)"
    secret="$(echo "$key" | json secret_key)"
    keys_lua+="  {\"$key_id\", \"$secret\"},"$'\n'
done

if [[ "$order_type" == limit ]]; then
    body="{\"symbol\":\"$symbol\",\"qty\":1,\"side\":\"buy\",\"type\":\"limit\",\"time_in_force\":\"day\",\"limit_price\":\"$limit_price\"}"
else
    body="{\"symbol\":\"$symbol\",\"qty\":1,\"side\":\"buy\",\"type\":\"market\",\"time_in_force\":\"day\"}"
fi

# One order per user through each gateway before the timed run: every account exists in its engine, and a
# refused order (price, session, funds) fails here with its message instead of as a column of non-2xx.
for gw in "$gw1" "$gw2"; do
    while read -r key_id secret; do
        code="$(curl -s -o "$work/order.out" -w '%{http_code}' -XPOST "$gw/v2/orders" \
            -H 'Content-Type: application/json' -H "APCA-API-KEY-ID: $key_id" -H "APCA-API-SECRET-KEY: $secret" \
            -d "$body")"
        [[ "$code" == 200 || "$code" == 201 ]] || die "a warm-up order on $gw answered $code: $(cat "$work/order.out")"
    done < <(sed -n 's/^  {"\([^"]*\)", "\([^"]*\)"},$/\1 \2/p' <<<"$keys_lua")
done
warmup_orders=$(( 2 * users ))

# Each wrk thread has its own Lua state; requests are formatted once and taken in turn, so consecutive requests on
# the connections of one wrk carry different users' keys.
cat >"$work/orders.lua" <<LUA
local keys = {
$keys_lua}
local body = '$body'
local requests = {}
local next_request = 0
function init(args)
  for i, k in ipairs(keys) do
    requests[i] = wrk.format("POST", "/v2/orders", {
      ["Content-Type"] = "application/json",
      ["APCA-API-KEY-ID"] = k[1],
      ["APCA-API-SECRET-KEY"] = k[2],
    }, body)
  end
end
function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
LUA

# ---- 3. orders through both gateways at once -----------------------------------------------------------------------
# CPU time (user + system, clock ticks) of the cluster's processes, by part, to see where the two cores went.
cpu_by_part() {
    local f name pid
    for f in "$cluster_dir"/run/*.pid "$cluster_dir/kafka/kafka.pid" "$cluster_dir/mariadb/mariadbd.pid"; do
        [[ -s "$f" ]] || continue
        name="$(basename "$f" .pid)"
        [[ "$name" == ingest-* ]] && name=ingest  # the five ingest workers as one
        pid="$(<"$f")"
        awk -v n="$name" '{ s = $0; sub(/^.*\) /, "", s); split(s, a, " "); print n, a[12] + a[13] }' \
            "/proc/$pid/stat" 2>/dev/null || true
    done
}

orders_before="$(sql 'SELECT COUNT(*) FROM orders')"
fills_before="$(sql 'SELECT COUNT(*) FROM fills')"
check_cluster "before wrk"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
cpu_before="$(cpu_by_part)"
# --timeout 15s: wrk's default of 2 s would count slow answers as socket errors; the gateway itself answers 504
# after 10 s without an engine's answer.
echo "# orders: wrk -t1 -c$connections -d$duration per gateway, both at once; $users users; $order_type buy of 1 $symbol$([[ "$order_type" == limit ]] && echo " at $limit_price"); $(nproc) cores; $started"
wrk -t1 -c"$connections" -d"$duration" --timeout 15s --latency -s "$work/orders.lua" "$gw1/v2/orders" >"$work/wrk-1.out" 2>&1 &
wrk_pids+=($!)
wrk -t1 -c"$connections" -d"$duration" --timeout 15s --latency -s "$work/orders.lua" "$gw2/v2/orders" >"$work/wrk-2.out" 2>&1 &
wrk_pids+=($!)
rc1=0; rc2=0
wait "${wrk_pids[0]}" || rc1=$?
wait "${wrk_pids[1]}" || rc2=$?
wrk_pids=()
cpu_after="$(cpu_by_part)"
(( rc1 == 0 && rc2 == 0 )) || { cat "$work"/wrk-*.out >&2; die "wrk failed"; }

acked=0
rps_sum=0
for i in 1 2; do
    out="$(<"$work/wrk-$i.out")"
    rps="$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' <<<"$out")"
    p50="$(awk '$1=="50%"{print $2}' <<<"$out")"
    p99="$(awk '$1=="99%"{print $2}' <<<"$out")"
    total="$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<<"$out")"
    bad="$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' <<<"$out")"
    errors="$(sed -n 's/.*Socket errors: *\(.*\)/\1/p' <<<"$out")"
    [[ -n "$rps" && -n "$total" ]] || { echo "$out" >&2; die "could not read wrk's output for gateway-$i"; }
    echo "gateway-$i rps=$rps p50=$p50 p99=$p99 requests=$total non2xx=${bad:-0}${errors:+ socket_errors=\"$errors\"}"
    acked=$(( acked + total - ${bad:-0} ))
    rps_sum="$(python3 -c "print(f'{float(\"$rps_sum\") + float(\"$rps\"):.2f}')")"
done
echo "total rps=$rps_sum acknowledged(2xx)=$acked"

# Requests still in flight when wrk stopped are answered (and stored) after it: wait for the count to settle.
stored="$(sql 'SELECT COUNT(*) FROM orders')"
deadline=$(( SECONDS + 30 ))
while (( SECONDS < deadline )); do
    sleep 2
    again="$(sql 'SELECT COUNT(*) FROM orders')"
    [[ "$again" == "$stored" ]] && break
    stored="$again"
done
stored_run=$(( stored - orders_before ))
echo "orders stored during the run: $stored_run (service database; $stored in all, $warmup_orders of them warm-up);" \
    "fills: $(( $(sql 'SELECT COUNT(*) FROM fills') - fills_before ))"
in_flight=$(( 2 * connections ))
if (( stored_run < acked )); then
    echo "MISMATCH: $acked orders acknowledged but only $stored_run stored"
    die "acknowledged orders are missing from the database"
elif (( stored_run - acked > in_flight )); then
    echo "stored - acknowledged = $(( stored_run - acked )): more than the $in_flight requests that can be in flight (timeouts?)"
else
    echo "acknowledged = durable: every acknowledged order is stored (stored - acknowledged = $(( stored_run - acked )), at most the $in_flight requests in flight when wrk stopped)"
fi

python3 - "$cpu_before" "$cpu_after" "$duration" <<'PY'
import os, re, sys
def parse(text):
    out = {}
    for line in text.splitlines():
        name, _, ticks = line.rpartition(" ")
        if name:
            out[name] = out.get(name, 0) + int(ticks)
    return out
before, after = parse(sys.argv[1]), parse(sys.argv[2])
m = re.fullmatch(r"([0-9.]+)([smh]?)", sys.argv[3])
seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)] if m else 0
hz = os.sysconf("SC_CLK_TCK")
used = {n: (after[n] - before.get(n, 0)) / hz for n in after}
if seconds > 0:
    parts = sorted(used.items(), key=lambda kv: -kv[1])
    print(f"CPU during the run (cores of {os.cpu_count()}; wrk itself not counted): "
          + " ".join(f"{n}={s / seconds:.2f}" for n, s in parts) + f" total={sum(used.values()) / seconds:.2f}")
PY

check_cluster "after wrk"
# The roles log their counters at exit: stop the cluster here (the trap's `down` is then a no-op) and show them.
bash "$root/scripts/cluster" down "$cluster_dir" >/dev/null 2>&1 || say "scripts/cluster down failed"
cluster_up=0
# Counters since start (sign-ups and warm-up included), e.g. how the orders split between the engines and how many
# commands each engine commit carried.
for name in engine-1 engine-2 gateway-1 gateway-2 sink; do
    line="$(grep 'event=activity' "$cluster_dir/logs/$name.log" 2>/dev/null | tail -1)"
    [[ -n "$line" ]] || continue
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
    case "$name" in
        engine-*) echo "$name: commands=$(field commands) commits=$(field commits) refused=$(field refused)" \
            "($(python3 -c "print(f'{$(field commands) / max(1, $(field commits)):.1f}')") commands per commit)" ;;
        gateway-*) echo "$name: commands=$(field commands) timeouts=$(field timeouts) updates=$(field updates)" ;;
        sink) echo "sink: ticks=$(field ticks) batches=$(field batches) rejected=$(field rejected)" ;;
    esac
done
if [[ -n "$sink_summary" ]]; then echo "$sink_summary"; fi
exit 0
