"""Turns the statements the API sent for one request into a pgbench script.

    replay.py LOG START END KIND TASK_ID TASKS_FILE > script.pgbench

LOG is the benchmark cluster's server log, written with
log_min_duration_statement = 0 while one request ran between two marker
statements (`SELECT 'START'` and `SELECT 'END'`, sent by psql). KIND is:

- `read`: the statements run outside any transaction between the markers by
  the backend that read the tasks (a read runs without BEGIN/COMMIT; the
  server's background work always runs in transactions, so it is left out);
- `report`: the transaction between the markers that inserts into
  progress_reports, BEGIN to COMMIT.

Each parameter is written into its statement as a literal, except: the task
of the request becomes one of TASKS_FILE's tasks at random (`:n`), an id
inserted as a primary key becomes gen_random_uuid(), a time becomes now(),
and the task's version check compares the version with itself (it changes
with every report). pgbench then runs what PostgreSQL alone does for the
request: no HTTP, no JSON, no token, no rules in between.
"""
import re
import sys

log_path, start, end, kind, task_id, tasks_file = sys.argv[1:7]
tasks = [line.strip() for line in open(tasks_file) if line.strip()]

ENTRY = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] (LOG|DETAIL):  (.*)$")
PARAM = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')")


def entries(lines):
    """(pid, sql, {n: literal or None}) for each statement executed, in order."""
    current = None
    for line in lines:
        if line.startswith("\t") and current is not None:
            current["text"] += "\n" + line[1:].rstrip("\n")
            continue
        m = ENTRY.match(line.rstrip("\n"))
        if not m:
            continue
        pid, level, text = m.groups()
        if current is not None:
            yield current
            current = None
        current = {"pid": pid, "level": level, "text": text}
    if current is not None:
        yield current


def statements(lines):
    out = []
    for e in entries(lines):
        if e["level"] == "LOG":
            m = re.match(r"duration: [\d.]+ ms  (?:execute [^:]+|statement): (.*)", e["text"], re.S)
            if m:
                out.append({"pid": e["pid"], "sql": m.group(1), "params": {}})
        elif e["level"] == "DETAIL" and out and e["text"].startswith("parameters:"):
            if out[-1]["pid"] == e["pid"] and not out[-1]["params"]:
                out[-1]["params"] = {int(n): (None if v == "NULL" else raw) for n, v, raw in PARAM.findall(e["text"])}
    return out


with open(log_path, encoding="utf-8", errors="replace") as f:
    lines = f.readlines()
marks = [i for i, l in enumerate(lines) if f"SELECT '{start}'" in l or f"SELECT '{end}'" in l]
if len(marks) < 2:
    sys.exit(f"replay: markers {start}/{end} not found in {log_path}")
window = statements(lines[marks[0] + 1:marks[-1]])

# Per backend, which statements ran inside BEGIN ... COMMIT.
chosen, open_tx = [], {}
for s in window:
    verb = s["sql"].strip().upper()
    pid = s["pid"]
    if verb == "BEGIN":
        open_tx[pid] = [s]
    elif pid in open_tx:
        open_tx[pid].append(s)
        if verb in ("COMMIT", "ROLLBACK"):
            tx = open_tx.pop(pid)
            if kind == "report" and any(re.search(r'INSERT INTO "?progress_reports"?', t["sql"]) for t in tx):
                chosen = tx
    elif kind == "read":
        chosen.append(s)
if kind == "read":
    # The request's own backend: the one that read the tasks.
    pids = {s["pid"] for s in chosen if re.search(r"\btasks\b", s["sql"])}
    chosen = [s for s in chosen if s["pid"] in pids]
if not chosen:
    sys.exit(f"replay: no {kind} statements between the markers")

task_array = "('{" + ",".join(tasks) + "}'::uuid[])[:n]"


def literal(value, primary_keys):
    if value is None:
        return "NULL"
    if value == task_id:
        return task_array
    if value in primary_keys:
        return "gen_random_uuid()"
    if re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?", value):
        return "now()"
    if re.fullmatch(r"-?\d+", value):
        return value
    # Typed where PostgreSQL could not tell from the statement (`$1 - due_on`).
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return f"'{value}'::date"
    if re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", value):
        return f"'{value}'::uuid"
    return "'" + value + "'"


script = [f"\\set n random(1, {len(tasks)})"]
for s in chosen:
    sql = re.sub(r'((?:"tasks"\.)?"?version"? = )\$\d+', lambda m: m.group(1) + m.group(1).split(" =")[0], s["sql"])
    # The ids INSERTs give their new rows: their first column, when that is "id".
    primary_keys = {
        s["params"].get(int(n))
        for n in re.findall(r'INSERT INTO "?\w+"? \("?id"?,[^)]*\)\s*VALUES \(\$(\d+)', sql)
    }
    sql = re.sub(r"\$(\d+)\b", lambda p: literal(s["params"].get(int(p.group(1))), primary_keys), sql)
    script.append(sql.rstrip().rstrip(";") + ";")
text = "\n".join(script) + "\n"
# pgbench reads ":name" as a variable; the only one meant is :n.
stray = [v for v in re.findall(r"(?<!:):([A-Za-z0-9_]+)", text) if v != "n"]
if stray:
    sys.exit(f"replay: the statements hold text pgbench would read as variables: {stray[:5]}")
sys.stdout.write(text)
