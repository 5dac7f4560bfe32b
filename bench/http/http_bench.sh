#!/usr/bin/env bash
# HTTP benchmark: wrk against the embedded server (POST /v2/orders, market orders with API-key auth, each
# answered only once durable; GET /v2/account), then the same wrk settings against nginx on loopback returning
# a constant JSON body, as the yardstick. Prints one line per run and the ratios.
#
#   bench/http/http_bench.sh [BINARY]    (default build/release/src/app/investking)
#   DURATION=10s CONNECTIONS=64 THREADS=2 bench/http/http_bench.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${1:-$root/build/release/src/app/investking}"
duration="${DURATION:-10s}"
connections="${CONNECTIONS:-64}"
threads="${THREADS:-2}"
for tool in wrk nginx curl python3; do
    command -v "$tool" >/dev/null || { echo "http_bench: $tool not found (make deps installs it)" >&2; exit 1; }
done
[[ -x "$bin" ]] || { echo "http_bench: $bin not built (make build)" >&2; exit 1; }

work="$(mktemp -d)"
server_pid=""
nginx_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
    [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# ---- the embedded server ------------------------------------------------------------------------------
INVESTKING_MARKET_SOURCE=none INVESTKING_MARKET_SESSION=always INVESTKING_MARKET_ALLOW_INJECTION=true \
INVESTKING_ADMIN_PASSWORD=bench-admin-pw INVESTKING_HTTP_LISTEN=127.0.0.1:0 \
INVESTKING_ACCOUNT_STARTING_CASH=1000000000000 INVESTKING_HTTP_ACCESS_LOG="${ACCESS_LOG:-true}" \
INVESTKING_HTTP_THREADS="${HTTP_THREADS:-2}" \
    "$bin" serve --data-dir "$work/data" >"$work/serve.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 300); do
    port="$(sed -n 's/.*event=ready .*listen=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/serve.log" | head -1)"
    [[ -n "$port" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$port" ]] || { echo "http_bench: server did not become ready" >&2; cat "$work/serve.log" >&2; exit 1; }
base="http://127.0.0.1:$port"
json() { python3 -c "import sys,json; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
curl -sf -XPOST "$base/api/v1/auth/signup" -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench-password"}' >/dev/null
token="$(curl -sf -XPOST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"bench-password"}' | json access_token)"
key="$(curl -sf -XPOST "$base/api/v1/keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{}')"
key_id="$(echo "$key" | json key_id)"
secret="$(echo "$key" | json secret_key)"
admin="$(curl -sf -XPOST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"bench-admin-pw"}' | json access_token)"
curl -sf -XPOST "$base/api/v1/admin/ticks" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"symbol":"005930","price":250000,"volume":1000000000}' >/dev/null

cat >"$work/order.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"symbol":"005930","qty":1,"side":"buy","type":"market","time_in_force":"day"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["APCA-API-KEY-ID"] = "$key_id"
wrk.headers["APCA-API-SECRET-KEY"] = "$secret"
LUA
cat >"$work/get.lua" <<LUA
wrk.headers["APCA-API-KEY-ID"] = "$key_id"
wrk.headers["APCA-API-SECRET-KEY"] = "$secret"
LUA

# CPU time (user + system, clock ticks) the process $1 and its children (nginx's workers) have used so far.
cpu_ticks() {
    local total=0 p
    for p in "$1" $(pgrep -P "$1" || true); do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

# "name ticks" for each thread of process $1 (threads are named: ik-http-N, ik-engine, ik-commit, …).
thread_ticks() {
    local t
    for t in /proc/"$1"/task/*; do
        awk '{ s = $0; sub(/^[^(]*\(/, "", s); name = s; sub(/\).*$/, "", name); sub(/^.*\) /, "", s);
               split(s, f, " "); print name, f[12] + f[13] }' "$t/stat" 2>/dev/null || true
    done
}

# One wrk run; prints "<name> rps=<requests/s> p50=<ms> p99=<ms> non2xx=<n> cpu_us_per_req=<µs>" and remembers
# rps. The CPU figure is the server's own CPU time per answered request (all its threads), which a busy
# machine disturbs far less than requests/s.
run() {
    local name="$1" script="$2" url="$3" pid="$4"
    local out before after
    local threads_before threads_after
    before="$(cpu_ticks "$pid")"
    threads_before="$(thread_ticks "$pid")"
    out="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency ${script:+-s "$script"} "$url")"
    after="$(cpu_ticks "$pid")"
    threads_after="$(thread_ticks "$pid")"
    local rps p50 p99 bad
    rps="$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')"
    p50="$(echo "$out" | awk '$1=="50%"{print $2}')"
    p99="$(echo "$out" | awk '$1=="99%"{print $2}')"
    bad="$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p')"
    local total cpu
    total="$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in .*/\1/p')"
    cpu="$(python3 -c "import os,sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) / os.sysconf(\"SC_CLK_TCK\") * 1e6 / max(1, int(sys.argv[3])):.1f}')" "$before" "$after" "${total:-0}")"
    echo "$name rps=$rps p50=$p50 p99=$p99 non2xx=${bad:-0} cpu_us_per_req=$cpu"
    # The same per thread (summed over threads of one name), for the server only.
    if [[ "$name" != nginx* ]]; then
        python3 - "${total:-0}" "$threads_before" "$threads_after" <<'PY'
import os, sys
requests = max(1, int(sys.argv[1]))
def parse(text):
    out = {}
    for line in text.splitlines():
        name, _, ticks = line.rpartition(" ")
        if name:
            out[name] = out.get(name, 0) + int(ticks)
    return out
before, after = parse(sys.argv[2]), parse(sys.argv[3])
hz = os.sysconf("SC_CLK_TCK")
parts = sorted(((after[n] - before.get(n, 0)) / hz * 1e6 / requests, n) for n in after)
print("  per thread, us/request: " + " ".join(f"{n}={us:.1f}" for us, n in reversed(parts) if us >= 0.05))
PY
    fi
    eval "rps_${name//[^a-z]/_}=$rps"
}

echo "# wrk -t$threads -c$connections -d$duration; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%M:%SZ)"
run post_orders "$work/order.lua" "$base/v2/orders" "$server_pid"
run get_account "$work/get.lua" "$base/v2/account" "$server_pid"
orders="$(curl -sf "$base/metrics" | sed -n 's/^investking_orders_total \([0-9]*\)/\1/p')"
echo "durable orders accepted during the run: $orders"
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

# ---- nginx, constant JSON -------------------------------------------------------------------------------
nport="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
error_log $work/nginx/logs/error.log warn;
pid $work/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$nport;
        location / { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$nport/" >/dev/null 2>&1 && break; sleep 0.05; done
run nginx_post "$work/order.lua" "http://127.0.0.1:$nport/" "$nginx_pid"
run nginx_get "$work/get.lua" "http://127.0.0.1:$nport/" "$nginx_pid"
python3 - "$rps_post_orders" "$rps_nginx_post" "$rps_get_account" "$rps_nginx_get" <<'PY'
import sys
po, np, ga, ng = map(float, sys.argv[1:])
print(f"ratio POST /v2/orders / nginx = {po / np:.2f}   GET /v2/account / nginx = {ga / ng:.2f}")
PY
