#!/usr/bin/env bash
# External checks of the API contract, run by .ci/run after the tests:
#   1. openapi-spec-validator and redocly lint on openapi/openapi.json;
#   2. a Python client generated from the spec drives the agency flow;
#   3. a TypeScript client generated from the spec (openapi-typescript +
#      openapi-fetch), type-checked with `tsc --strict`, drives it too;
#   4. the README's walk-through runs, twice;
#   5. the README's spreadsheet block runs, and openpyxl and csv read its files;
#   6. the web pages in a real browser (Playwright with Debian's chromium), with
#      screenshots at 1280 and 360 px under target/pages-screenshots;
#   7. schemathesis, with its default checks, as each role in turn, each
#      against a live server on a fresh local database with the demo plan.
# Tools are pinned and installed under target/ci-tools.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
TOOLS=$ROOT/target/ci-tools
mkdir -p "$TOOLS"

if [ ! -x "$TOOLS/venv/bin/pip" ]; then
  python3 -m venv "$TOOLS/venv"
fi
"$TOOLS/venv/bin/pip" install -q --disable-pip-version-check \
  openapi-spec-validator==0.9.0 schemathesis==4.32.5 openapi-python-client==0.29.1 \
  openpyxl==3.1.5
if [ ! -x "$TOOLS/npm/node_modules/.bin/redocly" ]; then
  npm install --silent --no-audit --no-fund --prefix "$TOOLS/npm" @redocly/cli@2.77.0
fi

echo "== openapi-spec-validator"
"$TOOLS/venv/bin/openapi-spec-validator" openapi/openapi.json
echo "== redocly lint"
"$TOOLS/npm/node_modules/.bin/redocly" lint openapi/openapi.json --format=summary

cargo build --locked --quiet
BIN=$ROOT/target/debug/par-tracker
SERVER_PID=""
SERVER_DIR=""

start_server() {
  SERVER_DIR=$(mktemp -d /tmp/par-tracker-ci.XXXXXX)
  # mktemp makes it 700; run as root, the server's postgres account must enter it.
  chmod 755 "$SERVER_DIR"
  PORT=$((20000 + RANDOM % 20000))
  BASE=http://127.0.0.1:$PORT
  # Room for a login schemathesis gave up waiting on while the next one starts
  # (on a busy 2-core machine one Argon2 check can outlast its timeout).
  DATA_DIR=$SERVER_DIR BIND=127.0.0.1:$PORT ACCESS_TOKEN_TTL_SECONDS=3600 RUST_LOG=warn LOGIN_CONCURRENCY=4 \
    "$BIN" >"$SERVER_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 120); do
    curl -sf "$BASE/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "server did not become ready:"; cat "$SERVER_DIR/server.log"; return 1
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
  if [ -n "$SERVER_DIR" ]; then
    rm -rf "$SERVER_DIR"
    SERVER_DIR=""
  fi
}
trap stop_server EXIT

login() {
  curl -sf -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"khanhhoa-2023\"}" |
    "$TOOLS/venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

echo "== generated Python client: the agency flow"
rm -rf "$TOOLS/client"
"$TOOLS/venv/bin/openapi-python-client" generate --path openapi/openapi.json --meta none \
  --output-path "$TOOLS/client/client" --config scripts/ci/client-config.yaml
start_server
PYTHONPATH=$TOOLS/client "$TOOLS/venv/bin/python" scripts/ci/client_flow.py "$BASE"

echo "== generated TypeScript client (tsc --strict): the agency flow"
bash scripts/ci/ts-client.sh "$BASE" "$TOOLS"
stop_server

echo "== README walk-through, twice"
start_server
bash scripts/ci/walkthrough.sh "$BASE"
stop_server

echo "== spreadsheets: the README's block, its files read by openpyxl and csv"
start_server
bash scripts/ci/sheets.sh "$BASE" "$TOOLS/venv/bin/python"
stop_server

echo "== web pages in a real browser (playwright-core, chromium)"
start_server
bash scripts/ci/pages.sh "$BASE" "$TOOLS"
stop_server

# One fresh server per role: a run as admin may deactivate the accounts the next run uses.
for role in admin sonoivu thanhtra snv; do
  echo "== schemathesis as $role"
  start_server
  token=$(login "$role")
  "$TOOLS/venv/bin/schemathesis" --config-file "$ROOT/schemathesis.toml" run openapi/openapi.json \
    --url "$BASE" -H "Authorization: Bearer $token" \
    --max-examples 25 --seed 20231231 --no-color
  stop_server
done
echo "contract checks: all passed"
