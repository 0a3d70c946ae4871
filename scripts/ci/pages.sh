#!/usr/bin/env bash
# CI: the web pages driven by a real browser. Playwright (playwright-core, pinned,
# from npm; it downloads no browser) drives Debian's chromium (/usr/bin/chromium,
# or $CHROMIUM) through the issue-15 scenarios, and writes screenshots at 1280 and
# 360 px wide under target/pages-screenshots/.
#   usage: scripts/ci/pages.sh BASE_URL TOOLS_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=$1
WORK=$2/pages
mkdir -p "$WORK"
cp scripts/ci/pages/package.json scripts/ci/pages/scenarios.mjs "$WORK/"
if [ ! -d "$WORK/node_modules/playwright-core" ] || ! cmp -s scripts/ci/pages/package.json "$WORK/node_modules/.package.json.installed"; then
  (cd "$WORK" && npm install --silent --no-audit --no-fund --no-save)
  cp scripts/ci/pages/package.json "$WORK/node_modules/.package.json.installed"
fi
SHOTS=$PWD/target/pages-screenshots
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium} node "$WORK/scenarios.mjs" "$BASE" "$SHOTS"
