#!/usr/bin/env python3
"""Checks vm0_vcpu0_timing files for what can be wrong in them.

- Layout: "sum of time N", the exit-timing page's header, one row per type
  in the page's column widths, TIMEINGUEST last.
- Content: the exit types every Linux guest run produces (REQUIRED below,
  and with --require more) have rows with non-zero counts; one TIMEINGUEST
  per exit.
- Consistency of each row, allowing for min, max and sum being truncated to
  whole microseconds (KVM's do_div): a row with count 0 is all zeros;
  min <= max; min <= avg < max + 1; count * min <= sum < count * (max + 1)
  + count; avg * count agrees with sum within the truncation; 0 <= stddev
  <= half the range (max + 1 - min).
- The percentages are each row's share of the sum of time and add up to
  100; the sum of time is the sum of the printed sums.
- The JSON twin holds the same numbers as the text, row by row.

Prints one line per problem; exit status 1 if any (or no file given).

Usage: check-exit-timing.py [--require TYPE,TYPE...] FILE...
"""
import json
import re
import sys

HEADER = "        type    count      min      max          sum              avg       stddev     %"
ROW = re.compile(r"^(?P<type>[ A-Z_]{11}):(?P<count>[ \d]{9})(?P<min>[ \d]{9})(?P<max>[ \d]{9})(?P<sum>[ \d]{13})"
                 r"(?P<avg>[ \d.]{17})(?P<stddev>[ \d.]{13})(?P<pct>[ \d.]{6})$")
# What every run of a Linux guest exits for, in kvm and pv alike: console
# output, shadow-TLB fills, system calls, the guest's own TLB-miss handlers
# (tlbwe, rfi) and its timer.
REQUIRED = ["MMIO", "ITLBVIRT", "DTLBVIRT", "SYSCALL", "EMUL_TLBWE", "EMUL_RFI", "DEC", "TIMEINGUEST"]


def check_row(path, t, r):
    problems = []
    n, lo, hi, total, avg, sd = r["count"], r["min"], r["max"], r["sum"], r["avg"], r["stddev"]
    where = f"{path}: {t}"
    if n == 0:
        if any(r[k] != 0 for k in ("min", "max", "sum", "avg", "stddev", "pct")):
            problems.append(f"{where}: count 0 but non-zero figures {r}")
        return problems
    if lo > hi:
        problems.append(f"{where}: min {lo} > max {hi}")
    # avg is printed with 4 decimals (half a unit of the last place of slack).
    if not (lo - 5e-5 <= avg < hi + 1 + 5e-5):
        problems.append(f"{where}: avg {avg} outside [min {lo}, max {hi} + 1)")
    if not (n * lo <= total < n * (hi + 1) + 1):
        problems.append(f"{where}: sum {total} outside [count*min, count*(max+1)] = [{n * lo}, {n * (hi + 1)}]")
    # The printed sum is the exact sum truncated, avg the exact mean: so
    # sum <= avg*count < sum + 1 (plus the rounding of the printed avg).
    if not (total - n * 5e-5 - 1e-6 <= avg * n < total + 1 + n * 5e-5):
        problems.append(f"{where}: avg*count {avg * n:.1f} does not match sum {total}")
    if sd < 0:
        problems.append(f"{where}: negative stddev {sd}")
    # A population's standard deviation is at most half its range.
    if sd > (hi + 1 - lo) / 2 + 1e-3:
        problems.append(f"{where}: stddev {sd} larger than half the range [{lo}, {hi} + 1)")
    return problems


def check(path, required):
    problems = []
    try:
        lines = open(path).read().rstrip("\n").split("\n")
    except OSError as e:
        return [f"{path}: {e}"]
    m = re.fullmatch(r"sum of time (\d+)", lines[0])
    if not m:
        return [f"{path}: first line is not 'sum of time N': {lines[0]!r}"]
    total = int(m.group(1))
    if len(lines) < 2 or lines[1] != HEADER:
        problems.append(f"{path}: header differs from the page's: {lines[1] if len(lines) > 1 else ''!r}")
    rows = {}
    for line in lines[2:]:
        r = ROW.match(line)
        if not r:
            problems.append(f"{path}: row not in the page's layout: {line!r}")
            continue
        rows[r["type"].strip()] = {k: float(v) for k, v in r.groupdict().items() if k != "type"}
    for t in required:
        if t not in rows:
            problems.append(f"{path}: no {t} row")
        elif rows[t]["count"] == 0:
            problems.append(f"{path}: {t} has count 0 (a Linux guest always produces it)")
    if list(rows)[-1:] != ["TIMEINGUEST"]:
        problems.append(f"{path}: TIMEINGUEST is not the last row")
    if sum(r["sum"] for r in rows.values()) != total:
        problems.append(f"{path}: rows sum to {sum(r['sum'] for r in rows.values()):.0f}, not {total}")
    for t, r in rows.items():
        problems += check_row(path, t, r)
        share = r["sum"] * 100 / total if total else 0
        if abs(r["pct"] - share) > 0.005 + 1e-9:
            problems.append(f"{path}: {t}: {r['pct']}% but its sum is {share:.4f}% of the sum of time")
    pct = sum(r["pct"] for r in rows.values())
    if abs(pct - 100) > 0.005 * len(rows):
        problems.append(f"{path}: percentages add up to {pct:.2f}")
    exits = sum(r["count"] for t, r in rows.items() if t != "TIMEINGUEST")
    if exits == 0 or rows.get("TIMEINGUEST", {}).get("count") != exits:
        problems.append(f"{path}: {exits:.0f} exits but TIMEINGUEST count {rows.get('TIMEINGUEST', {}).get('count')}")
    try:
        doc = json.load(open(path + ".json"))
    except (OSError, ValueError) as e:
        return problems + [f"{path}.json: {e}"]
    if doc.get("sum_of_time") != total:
        problems.append(f"{path}.json: sum_of_time {doc.get('sum_of_time')}, text {total}")
    jrows = doc.get("rows", [])
    if [x.get("type") for x in jrows] != list(rows):
        problems.append(f"{path}.json: row types differ from the text")
    for x in jrows:
        r = rows.get(x.get("type"))
        if r is None:
            continue
        for key, text_key, places in (("count", "count", 0), ("min", "min", 0), ("max", "max", 0), ("sum", "sum", 0),
                                      ("avg", "avg", 4), ("stddev", "stddev", 3), ("percent", "pct", 2)):
            value = x.get(key)
            if not isinstance(value, (int, float)) or round(float(value), places) != round(r[text_key], places):
                problems.append(f"{path}.json: {x['type']}: {key} {value}, text {r[text_key]}")
    return problems


def main(argv):
    required = list(REQUIRED)
    if argv[:1] == ["--require"]:
        required += [t for t in argv[1].split(",") if t]
        argv = argv[2:]
    problems = [p for path in argv for p in check(path, required)]
    for p in problems:
        print(p)
    return 1 if problems or not argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
