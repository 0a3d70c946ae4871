#!/usr/bin/env bash
# The API against PostgreSQL's own speed, on this machine, in one command:
#
#   scripts/bench/run.sh            # ROUNDS=2 SECONDS_EACH=10 by default
#
# Starts a release build on a private cluster (demo data), makes a `bench`
# database in the same cluster for pgbench, then runs in interleaved rounds:
# pgbench -S -M prepared and tpcb-like -M prepared (8 clients), and the API
# workloads with wrk (32 connections): GET one task, GET a 50-task page, GET
# the overdue list as of a day, POST reports spread over 200 tasks and on one
# task. Then a 30 s correct-password login flood, and two nodes against one
# database. Prints each workload's rate (median of rounds), p50/p99, its ratio
# to the pgbench figure it is compared with, the server's peak RSS and the
# load average; and, for one task, the page and the reports, pgbench replaying the very
# statements the API sent for one such request (its SQL alone, no HTTP).
# Installs wrk with apt-get if it is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${ROUNDS:-2}
SECONDS_EACH=${SECONDS_EACH:-10}
FLOOD_SECONDS=${FLOOD_SECONDS:-30}
export PATH="/usr/lib/postgresql/15/bin:$PATH"

command -v wrk >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
}
# BIN=path/to/par-tracker measures another build (an A/B), without building this one.
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
  BIN=$ROOT/target/release/par-tracker
fi

WORK=$(mktemp -d /tmp/par-bench.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT_A=$((21000 + RANDOM % 10000)); PORT_B=$((PORT_A + 1))
A=http://127.0.0.1:$PORT_A; B=http://127.0.0.1:$PORT_B
# Both nodes sign tokens with one secret, as every node of a deployment must.
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
JWT_SECRET=$SECRET DATA_DIR=$WORK/a BIND=127.0.0.1:$PORT_A ACCESS_TOKEN_TTL_SECONDS=3600 RUST_LOG=warn \
  "$BIN" >"$WORK/a.log" 2>&1 &
NODE_A=$!; PIDS+=("$NODE_A")
for _ in $(seq 1 240); do curl -sf "$A/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -sf "$A/readyz" >/dev/null || { cat "$WORK/a.log"; exit 1; }
SOCK=$WORK/a/postgres/socket
DB_URL="postgresql://postgres@/par_tracker?host=$SOCK"

psql_() { runuser -u postgres -- psql -h "$SOCK" -U postgres -qAt "$@"; }
pgbench_() { runuser -u postgres -- pgbench -h "$SOCK" -U postgres "$@"; }
psql_ -d postgres -c "CREATE DATABASE bench" >/dev/null
pgbench_ -i -q -s 10 bench >/dev/null 2>&1

login() {
  curl -sf -X POST "$1/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"khanhhoa-2023\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
READER=$(login "$A" thanhtra); COORD=$(login "$A" sonoivu); OFFICER=$(login "$A" stp)
TASK=$(curl -sf "$A/api/v1/tasks?limit=1&sort=code" -H "authorization: Bearer $READER" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

# 200 open tasks led by STP, for the report workloads
python3 - "$A" "$COORD" "$WORK/tasks.txt" <<'PY'
import json, sys, urllib.request
base, token, out = sys.argv[1:4]
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
agencies = call("GET", "/api/v1/agencies?limit=200")["items"]
stp = [a["id"] for a in agencies if a["code"] == "STP"][0]
plan = call("POST", "/api/v1/plans", {"code": "BENCH-2030", "year": 2030, "title": "Kế hoạch đo tải"})["id"]
with open(out, "w") as f:
    for i in range(200):
        t = call("POST", f"/api/v1/plans/{plan}/tasks", {"code": f"B{i:03}", "title": f"Nhiệm vụ đo tải {i}",
            "area": "institution", "lead_agency_id": stp, "deadline": {"kind": "ongoing"}, "expected_output": "Báo cáo"})
        f.write(t["id"] + "\n")
PY
ONE_TASK=$(head -1 "$WORK/tasks.txt")

cat >"$WORK/report.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("TASKS_FILE")) do ids[#ids + 1] = line end
local body = '{"progress_percent": 10, "summary": "Báo cáo tiến độ"}'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function()
  return wrk.format(nil, "/api/v1/tasks/" .. ids[math.random(#ids)] .. "/reports", nil, body)
end
LUA
cat >"$WORK/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
cat >"$WORK/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": "thanhtra", "password": "khanhhoa-2023"}'
LUA
head -1 "$WORK/tasks.txt" >"$WORK/one-task.txt"

# The API's own SQL, for one task, the page and a report over the 200 tasks: one
# request of each is logged statement by statement (between two markers), and
# scripts/bench/replay.py writes what it sent as a pgbench script. pgbench
# replaying it shows what PostgreSQL alone does for the request, so each API
# figure can be read against its own statements as well as against pgbench's.
capture_sql() {
  local log=$WORK/a/postgres/postgresql.log task
  task=$(sed -n 2p "$WORK/tasks.txt")
  psql_ -d postgres -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  # (Read once first, so that the captured read is the usual one: the task's
  # standing kept.)
  curl -sf "$A/api/v1/tasks/$TASK" -H "authorization: Bearer $READER" >/dev/null
  psql_ -d postgres -c "SELECT 'bench-capture-task'" >/dev/null
  curl -sf "$A/api/v1/tasks/$TASK" -H "authorization: Bearer $READER" >/dev/null
  psql_ -d postgres -c "SELECT 'bench-capture-page'" >/dev/null
  curl -sf "$A/api/v1/tasks?limit=50" -H "authorization: Bearer $READER" >/dev/null
  psql_ -d postgres -c "SELECT 'bench-capture-report'" >/dev/null
  curl -sf -X POST "$A/api/v1/tasks/$task/reports" -H "authorization: Bearer $OFFICER" \
    -H 'content-type: application/json' -d '{"progress_percent": 10, "summary": "Báo cáo tiến độ"}' >/dev/null
  psql_ -d postgres -c "SELECT 'bench-capture-end'" >/dev/null
  psql_ -d postgres -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null
  python3 "$ROOT/scripts/bench/replay.py" "$log" bench-capture-task bench-capture-page read \
    "$task" "$WORK/tasks.txt" >"$WORK/sql_task.pgbench" || rm -f "$WORK/sql_task.pgbench"
  python3 "$ROOT/scripts/bench/replay.py" "$log" bench-capture-page bench-capture-report read \
    "$task" "$WORK/tasks.txt" >"$WORK/sql_page.pgbench" || rm -f "$WORK/sql_page.pgbench"
  python3 "$ROOT/scripts/bench/replay.py" "$log" bench-capture-report bench-capture-end report \
    "$task" "$WORK/tasks.txt" >"$WORK/sql_report.pgbench" || rm -f "$WORK/sql_report.pgbench"
}
capture_sql
# Its SQL alone: pgbench replaying a captured script (skipped if capture failed).
pgbench_sql() {
  [ -f "$WORK/sql_$1.pgbench" ] || return 0
  with_rss "$2" pgbench_ -n -M prepared -c8 -j2 -T "$SECONDS_EACH" -f "$WORK/sql_$1.pgbench" par_tracker
}

# Peak RSS of node A while a command runs.
with_rss() {
  local out=$1; shift
  local peak=0
  ( while kill -0 "$NODE_A" 2>/dev/null; do
      awk '/VmRSS/ {print $2}' "/proc/$NODE_A/status"; sleep 0.2
    done ) >"$WORK/rss.$$" &
  local sampler=$!
  "$@" >"$out" 2>&1 || true
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$WORK/rss.$$" | tail -1); echo "${peak:-0}" >"$out.rss"
  cat /proc/loadavg | cut -d' ' -f1 >"$out.load"
}

wrk_get() { TOKEN=$READER wrk -t2 -c32 -d"${SECONDS_EACH}s" --latency -s "$WORK/get.lua" "$1"; }
# ONLY="get_page post_many" runs just those workloads (and the pgbench ones).
only() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
run_round() {
  local r=$1
  with_rss "$WORK/r$r.pg_select" pgbench_ -S -M prepared -c8 -j2 -T "$SECONDS_EACH" bench
  only get_task && with_rss "$WORK/r$r.get_task" wrk_get "$A/api/v1/tasks/$TASK"
  only get_task && pgbench_sql task "$WORK/r$r.sql_task"
  only get_page && with_rss "$WORK/r$r.get_page" wrk_get "$A/api/v1/tasks?limit=50"
  only get_page && pgbench_sql page "$WORK/r$r.sql_page"
  only get_overdue && with_rss "$WORK/r$r.get_overdue" wrk_get "$A/api/v1/tasks?overdue=true&as_of=2023-09-30"
  with_rss "$WORK/r$r.pg_tpcb" pgbench_ -M prepared -c8 -j2 -T "$SECONDS_EACH" bench
  only post_many && with_rss "$WORK/r$r.post_many" env TOKEN=$OFFICER TASKS_FILE=$WORK/tasks.txt \
    wrk -t2 -c32 -d"${SECONDS_EACH}s" --latency -s "$WORK/report.lua" "$A"
  only post_many && pgbench_sql report "$WORK/r$r.sql_report"
  only post_one && with_rss "$WORK/r$r.post_one" env TOKEN=$OFFICER TASKS_FILE=$WORK/one-task.txt \
    wrk -t2 -c32 -d"${SECONDS_EACH}s" --latency -s "$WORK/report.lua" "$A"
  return 0
}
for r in $(seq 1 "$ROUNDS"); do echo "round $r of $ROUNDS" >&2; run_round "$r"; done

if [ -n "${ONLY:-}" ]; then python3 "$ROOT/scripts/bench/report.py" "$WORK" "$ROUNDS"; exit 0; fi
echo "login flood ($FLOOD_SECONDS s)" >&2
with_rss "$WORK/flood.login" wrk -t2 -c4 -d"${FLOOD_SECONDS}s" --latency -s "$WORK/login.lua" "$A/api/v1/auth/token"

echo "two nodes" >&2
JWT_SECRET=$SECRET DATABASE_URL=$DB_URL BIND=127.0.0.1:$PORT_B \
  DATA_DIR=$WORK/b RUST_LOG=warn "$BIN" >"$WORK/b.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 120); do curl -sf "$B/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
wrk_get "$A/api/v1/tasks/$TASK" >"$WORK/two.a" 2>&1 &
FIRST=$!
wrk_get "$B/api/v1/tasks/$TASK" >"$WORK/two.b" 2>&1 &
SECOND=$!
wait "$FIRST" "$SECOND"

python3 "$ROOT/scripts/bench/report.py" "$WORK" "$ROUNDS"
