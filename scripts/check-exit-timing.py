#!/usr/bin/env python3
"""Checks a vm0_vcpu0_timing file: the exit-timing page's layout
("sum of time N", the header, one row per type with the page's column
widths), per-type sums adding up to N, percentages adding up to 100, one
TIMEINGUEST per exit, and the JSON twin agreeing. Prints one line per
problem; exit status 1 if any."""
import json, re, sys

HEADER = "        type    count      min      max          sum              avg       stddev     %"
ROW = re.compile(r"^(?P<type>[ A-Z_]{11}):(?P<count>[ \d]{9})(?P<min>[ \d]{9})(?P<max>[ \d]{9})(?P<sum>[ \d]{13})"
                 r"(?P<avg>[ \d.]{17})(?P<stddev>[ \d.]{13})(?P<pct>[ \d.]{6})$")

def check(path):
    problems = []
    lines = open(path).read().rstrip("\n").split("\n")
    m = re.fullmatch(r"sum of time (\d+)", lines[0])
    if not m:
        return [f"{path}: first line is not 'sum of time N': {lines[0]!r}"]
    total = int(m.group(1))
    if lines[1] != HEADER:
        problems.append(f"{path}: header differs from the page's: {lines[1]!r}")
    rows = {}
    for line in lines[2:]:
        r = ROW.match(line)
        if not r:
            problems.append(f"{path}: row not in the page's layout: {line!r}")
            continue
        rows[r["type"].strip()] = {k: float(v) for k, v in r.groupdict().items() if k != "type"}
    for required in ["MMIO", "DTLBVIRT", "EMULINST", "EMUL_MFSPR", "EMUL_RFI", "DEC", "EXTINT", "TIMEINGUEST"]:
        if required not in rows:
            problems.append(f"{path}: no {required} row")
    if list(rows)[-1:] != ["TIMEINGUEST"]:
        problems.append(f"{path}: TIMEINGUEST is not the last row")
    if sum(r["sum"] for r in rows.values()) != total:
        problems.append(f"{path}: rows sum to {sum(r['sum'] for r in rows.values())}, not {total}")
    pct = sum(r["pct"] for r in rows.values())
    if abs(pct - 100) > 0.01 * len(rows):
        problems.append(f"{path}: percentages add up to {pct:.2f}")
    exits = sum(r["count"] for t, r in rows.items() if t != "TIMEINGUEST")
    if exits == 0 or rows.get("TIMEINGUEST", {}).get("count") != exits:
        problems.append(f"{path}: {exits} exits but TIMEINGUEST count {rows.get('TIMEINGUEST', {}).get('count')}")
    for t, r in rows.items():
        if r["count"] and not (r["min"] <= r["avg"] + 1 and r["avg"] <= r["max"] + 1):
            problems.append(f"{path}: {t}: avg {r['avg']} outside [min, max]")
    doc = json.load(open(path + ".json"))
    if doc["sum_of_time"] != total or [x["type"] for x in doc["rows"]] != list(rows):
        problems.append(f"{path}.json does not match the text")
    return problems

problems = [p for path in sys.argv[1:] for p in check(path)]
for p in problems:
    print(p)
sys.exit(1 if problems or not sys.argv[1:] else 0)
