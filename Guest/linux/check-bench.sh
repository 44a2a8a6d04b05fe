#!/usr/bin/env bash
# `trapeze bench` on the paper's suite at quick scale: every workload runs
# to its result in every mode (bare, kvm, pv, bt), every mode computes what
# bare computes, the guest programs compute inside Linux what they compute
# under qemu-ppc, Table 1 and the other tables have every row, results.json
# and the exit-timing files are complete, a second run gives the same
# figures, and bad options get one line and status 1. Ends with
# `bench check: N passed, N failed`.
#
# Usage: Guest/linux/check-bench.sh TRAPEZE_BIN
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
trapeze=${1:?usage: check-bench.sh TRAPEZE_BIN}
. "$here/../lib/common.sh"
trapeze_ensure_qemu
image=$("$here/build-bench.sh" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/../lib/checks.sh"

# 1. The whole matrix.
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes bare,kvm,pv,bt -o "$work/bench" \
    > "$work/bench.txt" 2> "$work/bench.err"
status=$?
cat "$work/bench.txt"
if [ $status -eq 0 ]; then
    pass "bench: the quick matrix in bare, kvm, pv and bt ($(grep -c '^\[bench\] ' "$work/bench.err") runs, $(tail -1 "$work/bench.err"))"
else
    fail "bench: status $status"; grep -v '^\[bench\]' "$work/bench.err" | tail -20
fi

# 2. results.json: every run of the suite succeeded, each mode's answer equals bare's, the result workloads' answers are
# what the same program computes under qemu-ppc, and the fields are there.
if python3 - "$work/bench/results.json" "$image/trapeze-bench" "$(command -v "$QEMU_PPC")" "$work" <<'EOF'
import json, os, subprocess, sys
results, program, qemu, work = sys.argv[1:]
doc = json.load(open(results))
runs = doc["runs"]
problems = []
modes = doc["modes"]
if modes != ["bare", "kvm", "pv", "bt"]:
    problems.append(f"modes {modes}")
workloads = sorted({r["workload"] for r in runs})
if len(workloads) != 24:
    problems.append(f"{len(workloads)} workloads, not 24")
ran = 0
for w in workloads:
    mine = {r["mode"]: r for r in runs if r["workload"] == w}
    if sorted(mine) != sorted(modes):
        problems.append(f"{w}: modes {sorted(mine)}")
        continue
    for m, r in mine.items():
        if r["status"] != "ok" or r["value"] is None or r["value"] <= 0:
            problems.append(f"{w}/{m}: {r['status']} value {r.get('value')}")
        for field in ("modelledSeconds", "instructions", "wallSeconds", "trapezeVersion", "kernel", "image", "answer"):
            if not r.get(field):
                problems.append(f"{w}/{m}: no {field}")
        if m != "bare" and (r["exits"] == {} or r["privilegedExits"] == 0):
            problems.append(f"{w}/{m}: no exits recorded")
        ran += 1
    answers = {m: r.get("answer") for m, r in mine.items()}
    if len(set(answers.values())) != 1:
        problems.append(f"{w}: answers differ {answers}")
    # The oracle: the same program under qemu-ppc (the macro span workloads
    # are checked against qemu-system-ppc by check.sh).
    if answers["bare"] and answers["bare"].startswith("check:"):
        os.makedirs(f"{work}/qemu-{w}", exist_ok=True)
        # lat-exec and lat-sh exec the program again: through qemu-ppc (the
        # exec prefix), since qemu-ppc hands execve to the host.
        p = subprocess.run([qemu, program, w, "quick", qemu], cwd=f"{work}/qemu-{w}", capture_output=True, text=True, timeout=600)
        line = [l for l in p.stdout.splitlines() if l.startswith("TRAPEZE-RESULT ")]
        if p.returncode != 0 or not line:
            problems.append(f"{w}: qemu-ppc run failed ({p.returncode}): {p.stderr.strip()[-200:]}")
            continue
        fields = dict(f.split("=", 1) for f in line[-1].split()[1:])
        expected = f"check:{fields['check']} n={fields['n']}"
        if expected != answers["bare"]:
            problems.append(f"{w}: qemu-ppc computes {expected}, the guest {answers['bare']}")
for p in problems:
    print("  " + p)
print(f"  {ran} runs ok")
sys.exit(1 if problems else 0)
EOF
then
    pass "results.json: every run succeeded, every mode computed bare's answer, and bare's is qemu-ppc's"
else
    fail "results.json"
fi

# 3. The tables: Table 1 with the paper's 22 rows plus hashes and connect-4,
# the raw exit table and the % of bare-metal speed with a row each.
t1=$(awk '/^Table 1/{p=1; next} /^\(s and ms/{p=0} p && /^[0-9-]+ /' "$work/bench.txt" | wc -l)
raw=$(awk '/^Raw exit counts/{p=1; getline; next} /^$/{p=0} p' "$work/bench.txt" | wc -l)
pct=$(awk '/^% of bare-metal speed/{p=1; getline; next} /^$/{p=0} p' "$work/bench.txt" | wc -l)
if [ "$t1" -eq 24 ] && [ "$raw" -eq 24 ] && [ "$pct" -eq 24 ]; then
    pass "tables: Table 1, raw exits and % of bare-metal speed have 24 rows each"
else
    fail "tables: $t1, $raw and $pct rows (24 each expected)"
fi

# 4. Exit-timing files for every virtualized run, in the page's layout.
n=$(ls -d "$work"/bench/timing/*-kvm "$work"/bench/timing/*-pv "$work"/bench/timing/*-bt 2>/dev/null | wc -l)
if [ "$n" -eq 72 ] && python3 "$root/scripts/check-exit-timing.py" "$work"/bench/timing/*/vm0_vcpu0_timing > "$work/timing.log" 2>&1; then
    pass "exit timing: $n files (24 workloads x kvm, pv, bt) in the page's layout that add up"
else
    fail "exit timing: $n directories (72 expected)"; tail -5 "$work/timing.log"
fi

# 5. Deterministic: a second run of three workloads gives the same figures
# (everything but host wall time).
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes kvm,bt --workloads lat-pipe,ub-cswitch,find \
    --jobs 1 -o "$work/again" > /dev/null 2>&1
if python3 - "$work/bench/results.json" "$work/again/results.json" <<'EOF'
import json, sys
def figures(path):
    out = {}
    for r in json.load(open(path))["runs"]:
        r = {k: v for k, v in r.items() if k not in ("wallSeconds", "spanWallSeconds")}
        out[(r["workload"], r["mode"])] = r
    return out
a, b = figures(sys.argv[1]), figures(sys.argv[2])
if len(b) != 6: sys.exit(f"  {len(b)} runs in the second run")
for key, r in b.items():
    if a.get(key) != r:
        sys.exit(f"  {key}: {a.get(key)} then {r}")
EOF
then
    pass "deterministic: lat-pipe, ub-cswitch and find under kvm and bt give the same figures and exits again"
else
    fail "deterministic"
fi

# 5b. bt configurations as columns: bt:POLICY and --shortest-page give a
# column each (Figure 7's study), and each runs the translator it names:
# the four take different TLB misses and tracing faults; uniform 4 KB
# fragments take no tracing faults, adapt-pr's 64 KB ones on pipe's
# ping-pong do.
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes bt,bt:in-place --shortest-page 4K,64K \
    --workloads lat-pipe -o "$work/columns" > "$work/columns.txt" 2>&1
status=$?
if [ $status -eq 0 ] && python3 - "$work/columns/results.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
runs = {r["mode"]: r for r in doc["runs"]}
want = ["bt/4K", "bt/64K", "bt:in-place/4K", "bt:in-place/64K"]
if doc["modes"] != want or sorted(runs) != sorted(want): sys.exit(f"  columns {doc['modes']}")
if len({r["answer"] for r in runs.values()}) != 1: sys.exit("  answers differ")
figures = {m: (r["tlbMisses"], r["accessViolations"]) for m, r in runs.items()}
if len(set(figures.values())) != 4 or figures["bt:in-place/4K"][1] != 0 or figures["bt/64K"][1] == 0:
    sys.exit(f"  TLB misses and access violations {figures}")
print("  " + ", ".join(f"{m}: {r['tlbMisses']} TLB misses, {r['accessViolations']} acc. viol." for m, r in runs.items()))
EOF
then
    pass "columns: bt and bt:in-place at shortest pages 4K and 64K, each its own translator configuration"
else
    fail "columns (status $status)"; tail -5 "$work/columns.txt"
fi

# 5c. Return folding (bt+fold-returns, beyond the paper): the guest
# computes what bare computes, the TLB-miss handler's rfi stops exiting
# (fewer than half bt's EMUL_RFI exits in the matrix above, where the
# workload takes guest TLB misses) and echo-spawn's modelled time falls.
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes bare,bt+fold-returns \
    --workloads echo-spawn,lat-fork,lat-exec,ub-cswitch,connect-4 -o "$work/fold" > "$work/fold.txt" 2>&1
status=$?
if [ $status -eq 0 ] && python3 - "$work/fold/results.json" "$work/bench/results.json" <<'EOF'
import json, sys
fold = {(r["workload"], r["mode"]): r for r in json.load(open(sys.argv[1]))["runs"]}
matrix = {(r["workload"], r["mode"]): r for r in json.load(open(sys.argv[2]))["runs"]}
lines = []
for w in ("echo-spawn", "lat-fork", "lat-exec", "ub-cswitch", "connect-4"):
    f, b = fold[(w, "bt+fold-returns")], matrix[(w, "bt")]
    if f["answer"] != fold[(w, "bare")]["answer"]: sys.exit(f"  {w}: answer {f['answer']} against bare's")
    # cswitch's ping-pong takes almost no guest TLB misses: nothing to fold, only its answer to check.
    if w != "ub-cswitch" and not f["exits"].get("EMUL_RFI", 0) * 2 < b["exits"].get("EMUL_RFI", 0): sys.exit(f"  {w}: EMUL_RFI {f['exits'].get('EMUL_RFI')} against bt's {b['exits'].get('EMUL_RFI')}")
    lines.append(f"{w} EMUL_RFI {b['exits']['EMUL_RFI']} -> {f['exits'].get('EMUL_RFI', 0)}, {b['modelledSeconds']:.4f} -> {f['modelledSeconds']:.4f} s")
if fold[("echo-spawn", "bt+fold-returns")]["modelledSeconds"] >= matrix[("echo-spawn", "bt")]["modelledSeconds"]: sys.exit("  echo-spawn not faster")
print("  " + "; ".join(lines))
EOF
then
    pass "return folding: bare's answers, the handler's rfi exits more than halved, echo-spawn faster"
else
    fail "return folding (status $status)"; tail -5 "$work/fold.txt"
fi

# 5d. Tracing faults by faulting instruction: every bt run of the matrix
# attributes each of its span's ACC_VIOL exits to a PC (the table's faults
# equal the exit count, its top rows are named, ordered and add up to no
# more than the faults); lat-pipe's top PC is system_call_exception's
# lwzx of sys_call_table. The paper's translation-cache placement
# (bt:adapt-pr+paper-cache) computes bare's answers and takes many times
# adapt-pr's tracing faults, most of them on the stolen pages.
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes bare,bt:adapt-pr,bt:adapt-pr+paper-cache \
    --workloads lat-pipe,find -o "$work/paper-cache" > "$work/paper-cache.txt" 2>&1
status=$?
if [ $status -eq 0 ] && grep -q '^Tracing faults by faulting instruction' "$work/paper-cache.txt" &&
   python3 - "$work/bench/results.json" "$work/paper-cache/results.json" <<'EOF'
import json, sys
matrix = [r for r in json.load(open(sys.argv[1]))["runs"] if r["mode"] == "bt"]
for r in matrix:
    t = r.get("tracingFaults")
    if t is None: sys.exit(f"  {r['workload']}: no tracingFaults")
    if t["faults"] != r["accessViolations"]: sys.exit(f"  {r['workload']}: {t['faults']} faults in the table, {r['accessViolations']} ACC_VIOL exits")
    counts = [row["count"] for row in t["top"]]
    if counts != sorted(counts, reverse=True) or sum(counts) > t["faults"] or (t["faults"] > 0) != bool(counts):
        sys.exit(f"  {r['workload']}: top rows {counts} of {t['faults']}")
    if t["faults"] and not (1 <= t["pcsFor90Percent"] <= t["pcs"]): sys.exit(f"  {r['workload']}: {t['pcsFor90Percent']} PCs for 90% of {t['pcs']}")
    if any(not row["symbol"] or not row["instruction"] or not row["kind"] for row in t["top"]): sys.exit(f"  {r['workload']}: unnamed rows {t['top'][:2]}")
pipe = next(r for r in matrix if r["workload"] == "lat-pipe")["tracingFaults"]
top = pipe["top"][0]
if not (top["symbol"].startswith("system_call_exception+") and top["instruction"].startswith("lwzx")): sys.exit(f"  lat-pipe's top PC {top}")
runs = {(r["workload"], r["mode"]): r for r in json.load(open(sys.argv[2]))["runs"]}
lines = []
for w in ("lat-pipe", "find"):
    a, p = runs[(w, "bt:adapt-pr")], runs[(w, "bt:adapt-pr+paper-cache")]
    if not a["answer"] == p["answer"] == runs[(w, "bare")]["answer"]: sys.exit(f"  {w}: answers {a['answer']} {p['answer']} against bare's")
    if p["accessViolations"] < 10 * max(1, a["accessViolations"]): sys.exit(f"  {w}: {p['accessViolations']} faults with the paper's cache, {a['accessViolations']} without")
    stolen = sum(row["count"] for row in p["tracingFaults"]["top"] if row["kind"].startswith("stolen-page"))
    if stolen * 2 < sum(row["count"] for row in p["tracingFaults"]["top"]): sys.exit(f"  {w}: top PCs mostly not on stolen pages {p['tracingFaults']['top'][:3]}")
    lines.append(f"{w} {a['accessViolations']} -> {p['accessViolations']}")
print(f"  lat-pipe: {pipe['faults']} faults from {pipe['pcs']} PCs, 90% from {pipe['pcsFor90Percent']}, top {top['count']} at {top['symbol']}; paper-cache faults: " + ", ".join(lines))
EOF
then
    pass "tracing faults by PC: every bt run's ACC_VIOL exits attributed; the paper's cache placement takes far more, on its stolen pages"
else
    fail "tracing faults by PC (status $status)"; tail -5 "$work/paper-cache.txt"
fi

# 5e. Load/store translations (bt+translate-accesses; always missing until
# the mirror is filled): every workload of the suite computes bare's answer
# (and so qemu-ppc's) with them on, in the default and in the paper's cache
# placement, and they ran: translated sites and exits rewound to their site.
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes bare,bt+translate-accesses,bt+paper-cache+translate-accesses \
    -o "$work/accesses" > "$work/accesses.txt" 2>&1
status=$?
if [ $status -eq 0 ] && python3 - "$work/accesses/results.json" <<'EOF'
import json, re, sys
runs = {(r["workload"], r["mode"]): r for r in json.load(open(sys.argv[1]))["runs"]}
sites = {}
for (w, m), r in runs.items():
    if m == "bare": continue
    if r["status"] != "ok" or r["answer"] != runs[(w, "bare")]["answer"]: sys.exit(f"  {w}/{m}: {r['status']}, answer {r['answer']} against bare's")
    found = re.search(r"access-sites=(\d+) .*rewinds=(\d+)", r.get("translatorSummary") or "")
    sites[(w, m)] = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
for m in ("bt+translate-accesses", "bt+paper-cache+translate-accesses"):
    ran = [w for (w, mm), (s, rw) in sites.items() if mm == m and s > 0 and rw > 0]
    if len(ran) < 20: sys.exit(f"  {m}: translations ran in {len(ran)} workloads only")
print("  " + ", ".join(f"{w}: {sites[(w, m)][0]} sites, {sites[(w, m)][1]} rewinds" for w in ("lat-pipe", "echo-spawn") for m in ("bt+translate-accesses", "bt+paper-cache+translate-accesses")))
EOF
then
    pass "load/store translations: all 24 workloads compute bare's answers with them on (default and paper cache placement), and they ran"
else
    fail "load/store translations (status $status)"; tail -5 "$work/accesses.txt"
fi

# 5f. Adaptive data mirroring (bt:adapt-dm: load/store translations and the
# word mirror): bare's answers, and on pipe's and cswitch's ping-pong,
# whose faults are a few words of .rodata, the mirror's hits remove at
# least 90% of adapt-pr's tracing faults (issue 25's target); both are then
# faster than under adapt-pr. Fails with mirroring turned off.
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale quick --modes bare,bt:adapt-pr,bt:adapt-dm \
    --workloads lat-pipe,ub-cswitch,find,echo-spawn -o "$work/dm" > "$work/dm.txt" 2>&1
status=$?
if [ $status -eq 0 ] && python3 - "$work/dm/results.json" <<'EOF'
import json, re, sys
runs = {(r["workload"], r["mode"]): r for r in json.load(open(sys.argv[1]))["runs"]}
lines = []
for w in ("lat-pipe", "ub-cswitch", "find", "echo-spawn"):
    dm, pr, bare = runs[(w, "bt:adapt-dm")], runs[(w, "bt:adapt-pr")], runs[(w, "bare")]
    if not dm["answer"] == pr["answer"] == bare["answer"]: sys.exit(f"  {w}: answers {dm['answer']} {pr['answer']} against bare's")
    hits = re.search(r"hits=(\d+)", dm.get("translatorSummary") or "")
    if w in ("lat-pipe", "ub-cswitch"):
        if not hits or int(hits.group(1)) == 0: sys.exit(f"  {w}: no mirror hits ({dm.get('translatorSummary')})")
        if dm["accessViolations"] * 10 > pr["accessViolations"]: sys.exit(f"  {w}: {dm['accessViolations']} faults under adapt-dm, {pr['accessViolations']} under adapt-pr")
        faster = dm["value"] < pr["value"] if dm["unit"] in ("s", "ms") else dm["value"] > pr["value"]
        if not faster: sys.exit(f"  {w}: {dm['value']} {dm['unit']} under adapt-dm, {pr['value']} under adapt-pr")
    lines.append(f"{w} {pr['accessViolations']} -> {dm['accessViolations']}")
print("  tracing faults adapt-pr -> adapt-dm: " + ", ".join(lines))
EOF
then
    pass "adapt-dm: bare's answers; the word mirror removes at least 90% of pipe's and cswitch's tracing faults, and both run faster than under adapt-pr"
else
    fail "adapt-dm (status $status)"; tail -5 "$work/dm.txt"
fi

# 6. The report: one self-contained HTML file (nothing fetched: no src or
# href to another file) that headless Chromium (Debian's chromium) renders
# with every plot drawn (the page's own script counts the plots with bars)
# and no console message. The screenshot is kept in $TRAPEZE_ARTIFACTS
# (default: the cache's artifacts/).
trapeze_apt_ensure chromium
artifacts=${TRAPEZE_ARTIFACTS:-$(trapeze_cache_root)/artifacts}
mkdir -p "$artifacts"
"$trapeze" report "$work/bench" -o "$work/report.html" --compare-paper 2> "$work/report.err"
status=$?
browser() { timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --enable-logging=stderr --v=0 "$@"; }
browser --dump-dom "file://$work/report.html" > "$work/dom.html" 2> "$work/chromium.log"
browser --window-size=1200,5200 --screenshot="$artifacts/bench-report.png" "file://$work/report.html" > /dev/null 2>&1
body=$(grep -o '<body[^>]*>' "$work/dom.html")
if [ $status -eq 0 ] && [ "$body" = '<body data-plots="5" data-plots-drawn="5">' ] &&
   ! grep -qE 'INFO:CONSOLE|Uncaught' "$work/chromium.log" &&
   ! grep -qiE '<(script|img|link|iframe)[^>]* (src|href)=' "$work/report.html" &&
   [ "$(grep -c '<svg class="plot"' "$work/report.html")" -eq 5 ] && [ -s "$artifacts/bench-report.png" ]; then
    pass "report: $(cat "$work/report.err" | sed 's/^trapeze: report: //'); Chromium draws all 5 plots with no console message (screenshot $artifacts/bench-report.png)"
else
    fail "report: status $status, body '$body'"; grep -E 'CONSOLE|Uncaught' "$work/chromium.log" | head -5
fi

# 7. Bad options and bad input: one line on stderr, a non-zero status.
bad() {
    local name=$1; shift
    "$trapeze" bench "$@" > "$work/bad.out" 2> "$work/bad.err"
    local s=$?
    if [ $s -ne 0 ] && [ "$(grep -c . "$work/bad.err")" -le 3 ] && grep -q "$name" "$work/bad.err"; then
        pass "bad option: '$*' -> status $s: $(grep "$name" "$work/bad.err" | head -1)"
    else
        fail "bad option: '$*' -> status $s"; cat "$work/bad.err" | head -5
    fi
}
bad "unknown mode 'bogus'" --modes bare,bogus
bad "unknown workload 'nope'" --workloads nope
bad "scale must be quick or paper" --scale huge
bad "jobs must be 1 to 256" --jobs 0
bad "unknown bt policy in 'bt:foo'" --modes bt:foo
bad "only bt takes a policy" --modes kvm:adapt-pr
bad "no e500 page size" --shortest-page 3K
bad "only bt takes +fold-returns" --modes kvm+fold-returns
bad "only bt takes +paper-cache" --modes pv+paper-cache
bad "names an option twice" --modes bt+paper-cache+paper-cache
bad "unknown option '+bogus'" --modes bt+bogus
badreport() {
    local name=$1; shift
    "$trapeze" report "$@" -o "$work/bad.html" > "$work/bad.out" 2> "$work/bad.err"
    local s=$?
    if [ $s -eq 1 ] && [ "$(grep -c . "$work/bad.err")" -eq 1 ] && grep -q "$name" "$work/bad.err" && [ ! -e "$work/bad.html" ]; then
        pass "bad input: report $* -> status 1: $(cat "$work/bad.err")"
    else
        fail "bad input: report $* -> status $s"; head -3 "$work/bad.err"
    fi
}
badreport "cannot read" "$work/nonexistent"
printf '{"runs": [' > "$work/corrupt.json"
badreport "is not a trapeze bench results.json" "$work/corrupt.json"

echo "bench check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
