#!/usr/bin/env bash
# Runs the alpaca-py compatibility tests against an investking binary.
#   tests/sdk/run_sdk_tests.sh PATH/TO/investking [pytest arguments...]
# The virtualenv (pinned requirements.txt) is made once and reused while requirements.txt and the Python
# version stay the same: ${IK_SDK_VENV:-<repo>/build/sdk-venv}. Exits with pytest's exit code.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
    echo "usage: $0 PATH/TO/investking [pytest arguments...]" >&2
    exit 2
fi
binary="$1"
shift
if [[ ! -x "$binary" || -d "$binary" ]]; then
    echo "error: $binary is not an executable investking binary" >&2
    exit 2
fi
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"

python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null 2>&1; then
    echo "error: $python not found; the SDK tests need Python 3.9 or newer" >&2
    exit 2
fi
requirements="$here/requirements.txt"
venv="${IK_SDK_VENV:-$here/../../build/sdk-venv}"
mkdir -p "$(dirname "$venv")"
venv="$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")"
key="$({ cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)"
stamp="$venv/.ik-requirements-$key"

# One installer at a time (ctest may run this beside another build tree's copy).
exec 9>"$venv.lock"
flock 9
if [[ ! -f "$stamp" ]]; then
    echo "sdk tests: creating the virtualenv $venv (requirements $key)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    pip_log="$venv/pip-install.log"
    if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet --require-virtualenv \
            --no-input --timeout 60 -r "$requirements" >"$pip_log" 2>&1; then
        echo "error: pip could not install $requirements into $venv." >&2
        if grep -qiE 'NewConnectionError|Failed to establish|Temporary failure in name resolution|Could not fetch URL|No matching distribution|ConnectTimeout|Read timed out|Network is unreachable' "$pip_log"; then
            echo "error: PyPI looks unreachable from here (or a pinned version is missing there). pip said:" >&2
        fi
        tail -n 25 "$pip_log" >&2
        rm -rf "$venv"
        exit 3
    fi
    touch "$stamp"
fi
flock -u 9

export IK_BINARY="$binary"
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
set +e
"$venv/bin/python" -m pytest "$here" "$@"
code=$?
exit "$code"
