#!/usr/bin/env bash
# CI: runs the README's spreadsheet block (the ```sh block under "## Spreadsheets")
# as written against a live server, in a folder of its own, then opens the files it
# downloaded with Python's openpyxl and csv (scripts/ci/sheets_check.py).
#   usage: scripts/ci/sheets.sh BASE_URL PYTHON   (a fresh server with the demo plans;
#          PYTHON with openpyxl installed)
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=$1
PYTHON=$2
work=$(mktemp -d /tmp/sheets.XXXXXX)
trap 'rm -rf "$work"' EXIT
awk '/^## Spreadsheets/ {in_section = 1; next}
     in_section && /^## / {exit}
     in_section && /^```sh$/ {in_block = 1; next}
     in_block && /^```$/ {exit}
     in_block {print}' README.md >"$work/block.sh"
[ -s "$work/block.sh" ] || { echo "no spreadsheet block found in README.md"; exit 1; }
(cd "$work" && API=$BASE/api/v1 bash -euo pipefail block.sh >block.out)
grep -q '^would create 64$' "$work/block.out" || { cat "$work/block.out"; exit 1; }
grep -q '^created 64$' "$work/block.out" || { cat "$work/block.out"; exit 1; }
grep -q 'Sở Thông tin và Truyền thông' "$work/block.out" || { echo "no suggestion"; cat "$work/block.out"; exit 1; }
"$PYTHON" scripts/ci/sheets_check.py "$work"
