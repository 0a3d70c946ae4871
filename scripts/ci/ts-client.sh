#!/usr/bin/env bash
# CI: generate TypeScript types from openapi/openapi.json (openapi-typescript),
# type-check the agency flow written against them with `tsc --strict`, and run
# it with openapi-fetch against a live server.
#   usage: scripts/ci/ts-client.sh BASE_URL TOOLS_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=$1
WORK=$2/ts-client
mkdir -p "$WORK"
cp scripts/ci/ts-client/package.json scripts/ci/ts-client/tsconfig.json scripts/ci/ts-client/flow.ts "$WORK/"
if [ ! -x "$WORK/node_modules/.bin/tsc" ] || ! cmp -s scripts/ci/ts-client/package.json "$WORK/node_modules/.package.json.installed"; then
  (cd "$WORK" && npm install --silent --no-audit --no-fund --no-save)
  cp scripts/ci/ts-client/package.json "$WORK/node_modules/.package.json.installed"
fi
"$WORK/node_modules/.bin/openapi-typescript" openapi/openapi.json --output "$WORK/schema.d.ts"
(cd "$WORK" && rm -rf out && ./node_modules/.bin/tsc --strict -p tsconfig.json)
node "$WORK/out/flow.js" "$BASE"
