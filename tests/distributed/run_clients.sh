#!/usr/bin/env bash
# The official clients against the distributed mode: a cluster of its own (scripts/cluster: Kafka, MariaDB, a
# sink, two engines, the alerts role and two gateways; no ingest workers and the built-in stocks, so that prices come only from
# injected ticks, as in the suites' own `serve`), then the alpaca-py SDK suite through gateway 1 and the web
# end-to-end walk in Chromium through gateway 2, then `investking verify` on the cluster's MariaDB. The cluster
# is taken down whatever happens; its logs stay in the printed folder when something failed.
#
#   tests/distributed/run_clients.sh PATH/TO/investking [all|sdk|e2e]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ $# -lt 1 || ! -x "$1" || -d "$1" ]]; then
    echo "usage: $0 PATH/TO/investking [all|sdk|e2e]" >&2
    exit 2
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
which="${2:-all}"
case "$which" in all | sdk | e2e) ;; *) echo "usage: $0 PATH/TO/investking [all|sdk|e2e]" >&2; exit 2 ;; esac

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

dir="$(mktemp -d "${TMPDIR:-/tmp}/ik-clients-XXXXXX")"
password="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
rc=0
finish() {
    "$root/scripts/cluster" down "$dir" >/dev/null 2>&1 || true
    if [[ $rc -eq 0 ]]; then rm -rf "$dir"; else echo "clients: the cluster's logs are in $dir/logs" >&2; fi
}
trap finish EXIT

# The web app the gateways serve: built before they start.
"$root/scripts/web" build >&2

export IK_BIN="$bin" INVESTKING_ADMIN_PASSWORD="$password" INVESTKING_MARKET_ALLOW_INJECTION=true
export INVESTKING_MARKET_SESSION=always INVESTKING_MARKET_SOURCE=none
export CLUSTER_ROLES="sink engine alerts gateway" CLUSTER_DATA_SOURCE="" CLUSTER_GATEWAY_PORTS="$(free_port) $(free_port)"
endpoints="$("$root/scripts/cluster" up "$dir")" || { rc=$?; exit $rc; }
endpoint() { awk -v n="$1" '$1 == n { print $2 }' <<<"$endpoints"; }
gateway_1="$(endpoint gateway-1)"
gateway_2="$(endpoint gateway-2)"
service_db="$(endpoint service-db)"
echo "clients: cluster up in $dir: gateways $gateway_1 $gateway_2" >&2

if [[ "$which" == all || "$which" == sdk ]]; then
    echo "clients: alpaca-py through $gateway_1" >&2
    IK_SDK_URL="$gateway_1" IK_SDK_ADMIN_PASSWORD="$password" "$root/tests/sdk/run_sdk_tests.sh" "$bin" || rc=$?
fi
if [[ "$which" == all || "$which" == e2e ]]; then
    echo "clients: the web walk through $gateway_2" >&2
    IK_E2E_URL="$gateway_2" IK_E2E_ADMIN_PASSWORD="$password" "$root/scripts/web" e2e "$bin" || rc=$?
fi
# The books the engines left in MariaDB, checked by the same verify as `serve`'s data directory.
if ! INVESTKING_DATABASE_SERVICE_URL="$service_db" "$bin" verify >"$dir/verify.out" 2>&1; then
    echo "clients: investking verify on the cluster's MariaDB failed:" >&2
    cat "$dir/verify.out" >&2
    rc=1
else
    tail -n 1 "$dir/verify.out" >&2
fi
echo "clients: exit $rc" >&2
exit $rc
