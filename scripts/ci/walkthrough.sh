#!/usr/bin/env bash
# CI: runs the README's walk-through (the ```sh block under "## Walk-through")
# exactly as written, twice, against a live server: it must succeed both times
# (re-runnable) and print each answer on lines of its own (readable).
#   usage: scripts/ci/walkthrough.sh BASE_URL   (a fresh server with the demo plans)
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=$1
block=$(mktemp /tmp/walkthrough.XXXXXX.sh)
trap 'rm -f "$block" "$block.out"' EXIT
awk '/^## Walk-through/ {in_section = 1; next}
     in_section && /^## / {exit}
     in_section && /^```sh$/ {in_block = 1; next}
     in_block && /^```$/ {exit}
     in_block {print}' README.md >"$block"
[ -s "$block" ] || { echo "no walk-through block found in README.md"; exit 1; }
for run in 1 2; do
  echo "-- walk-through, run $run"
  API=$BASE/api/v1 bash -euo pipefail "$block" >"$block.out"
  if grep -q '}{' "$block.out"; then
    echo "answers run together (}{) in run $run:"; head -c 2000 "$block.out"; exit 1
  fi
  # 64 on a fresh demo; each run adds a task completed on 2023-12-20.
  completed=$((63 + run))
  grep -q "\"completed\": $completed" "$block.out" || { echo "not $completed completed on 2023-12-31 in run $run"; exit 1; }
  grep -q '"status": "completed"' "$block.out" || { echo "the new task did not end completed in run $run"; exit 1; }
done
echo "walk-through: runs twice, answers apart"
