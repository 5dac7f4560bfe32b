#!/usr/bin/env bash
# Runs the price-alert end-to-end tests against an investking binary:
#   tests/alerts/run_alert_tests.sh PATH/TO/investking [pytest arguments...]
# pytest runs from the moto virtualenv (scripts/moto venv: tests/moto/requirements.txt, pinned, which also holds
# pytest and websockets); the tests start their own moto server, webhook receiver and `investking serve`.
# Exits with pytest's exit code.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if [[ $# -lt 1 || ! -x "$1" || -d "$1" ]]; then
    echo "usage: $0 PATH/TO/investking [pytest arguments...]" >&2
    exit 2
fi
binary="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
venv="$("$repo/scripts/moto" venv)"
export IK_BINARY="$binary"
export IK_REPO="$repo"
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
exec "$venv/bin/python" -m pytest "$here" "$@"
