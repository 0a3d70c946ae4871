"""Summarises a scripts/bench/run.sh run: medians over rounds, ratios to pgbench."""
import re
import statistics
import sys
from pathlib import Path

work, rounds = Path(sys.argv[1]), int(sys.argv[2])


def read(name):
    path = work / name
    return path.read_text() if path.exists() else ""


def wrk(text):
    """(requests/s, p50 ms, p99 ms, non-2xx) from wrk --latency output."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\b", text, re.M)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return (float(rate.group(1)) if rate else 0.0, pct(50), pct(99), int(errors.group(1)) if errors else 0)


def pgbench(text):
    m = re.search(r"tps = ([\d.]+)", text)
    return float(m.group(1)) if m else 0.0


def median(values):
    return statistics.median(values) if values else 0.0


def kib(name):
    try:
        return int((work / f"{name}.rss").read_text().strip() or 0) // 1024
    except FileNotFoundError:
        return 0


def load(name):
    try:
        return (work / f"{name}.load").read_text().strip()
    except FileNotFoundError:
        return "?"


select = median([pgbench(read(f"r{r}.pg_select")) for r in range(1, rounds + 1)])
tpcb = median([pgbench(read(f"r{r}.pg_tpcb")) for r in range(1, rounds + 1)])
rows = [
    ("GET /tasks/{id}", "get_task", select, "pgbench -S"),
    ("GET /tasks?limit=50", "get_page", select, "pgbench -S"),
    ("GET /tasks?overdue=true&as_of=2023-09-30", "get_overdue", select, "pgbench -S"),
    ("POST /tasks/{id}/reports, 200 tasks", "post_many", tpcb, "tpcb-like"),
    ("POST /tasks/{id}/reports, one task", "post_one", tpcb, "tpcb-like"),
]
print(f"pgbench -S -M prepared -c8: {select:,.0f} tps; tpcb-like -M prepared -c8: {tpcb:,.0f} tps "
      f"(medians of {rounds} rounds)\n")
print("| workload | API req/s | p50 ms | p99 ms | non-2xx | compared with | ratio | peak RSS MiB | load |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for label, key, base, against in rows:
    runs = [wrk(read(f"r{r}.{key}")) for r in range(1, rounds + 1)]
    rate = median([x[0] for x in runs])
    p50 = median([x[1] for x in runs])
    p99 = median([x[2] for x in runs])
    errors = sum(x[3] for x in runs)
    rss = max(kib(f"r{r}.{key}") for r in range(1, rounds + 1))
    ratio = rate / base if base else 0.0
    print(f"| {label} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {errors} | {against} | {ratio:.3f} | {rss} | {load(f'r{rounds}.{key}')} |")
rate, p50, p99, errors = wrk(read("flood.login"))
print(f"| login flood, -c4 (503 beyond capacity) | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {errors} | | | {kib('flood.login')} | {load('flood.login')} |")
a, b = wrk(read("two.a")), wrk(read("two.b"))
print(f"| two nodes, GET /tasks/{{id}} on each | {a[0] + b[0]:,.0f} ({a[0]:,.0f} + {b[0]:,.0f}) | {max(a[1], b[1]):.2f} | {max(a[2], b[2]):.2f} | {a[3] + b[3]} | pgbench -S | {(a[0] + b[0]) / select if select else 0:.3f} | | |")

# Each request against its own SQL: what pgbench does replaying the statements
# the API sent for one such request (scripts/bench/replay.py). "API / its SQL"
# is the share of PostgreSQL's own rate the API keeps; "its SQL / pgbench" is
# the most the API's ratio could be with no HTTP, JSON or rules at all.
own = [
    ("GET /tasks/{id}", "get_task", "sql_task", select, "pgbench -S"),
    ("GET /tasks?limit=50", "get_page", "sql_page", select, "pgbench -S"),
    ("POST /tasks/{id}/reports, 200 tasks", "post_many", "sql_report", tpcb, "tpcb-like"),
]
shown = [o for o in own if any(read(f"r{r}.{o[2]}") for r in range(1, rounds + 1))]
if shown:
    print()
    print("| request | API req/s | its SQL alone, pgbench -c8 tps | API / its SQL | its SQL / pgbench | compared with |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, key, sql, base, against in shown:
        api = median([wrk(read(f"r{r}.{key}"))[0] for r in range(1, rounds + 1)])
        alone = median([pgbench(read(f"r{r}.{sql}")) for r in range(1, rounds + 1)])
        share = api / alone if alone else 0.0
        ceiling = alone / base if base else 0.0
        print(f"| {label} | {api:,.0f} | {alone:,.0f} | {share:.2f} | {ceiling:.3f} | {against} |")
