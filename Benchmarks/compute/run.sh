#!/usr/bin/env bash
# Compute benchmark: Trapeze against qemu-ppc on three guest programs written
# for it (src/hashes.c, src/sort.c, src/crc.c).
#
# Usage: Benchmarks/compute/run.sh [--quick] [--qemu-only] [TRAPEZE_BIN]
#   TRAPEZE_BIN  the trapeze executable; without it, `swift build -c release`
#                builds one from this repository.
#   --quick      one repetition per side instead of best of 3 (CI smoke use).
#   --qemu-only  time qemu-ppc alone (no Trapeze build or run).
# Env: WORKLOADS="hashes sort crc" (subset), BENCH_TIMEOUT (seconds per run,
#   default 900), QEMU_CPU (passed to qemu-ppc as -cpu).
#
# For each workload the two emulators run alternately (qemu-ppc, trapeze,
# qemu-ppc, ...); the best wall time of each side is kept. Stdout must be the
# same on both sides (each program prints a deterministic checksum line) and
# the exit status 0. The guest instruction count comes from
# `trapeze user --stats PROG`, whose last stderr line is `trapeze: instructions=N`.
# Exits non-zero when a run fails or outputs differ.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
TRAPEZE_LOG_TAG=compute
. "$repo/Guest/lib/common.sh"

reps=3
qemu_only=0
trapeze_bin=
for arg in "$@"; do
    case "$arg" in
        --quick) reps=1 ;;
        --qemu-only) qemu_only=1 ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option: $arg" >&2; exit 2 ;;
        *) trapeze_bin=$arg ;;
    esac
done
read -r -a workloads <<<"${WORKLOADS:-hashes sort crc}"
timeout_s=${BENCH_TIMEOUT:-900}

trapeze_ensure_qemu
qemu=$(command -v "$QEMU_PPC")
qemu_args=()
[ -n "${QEMU_CPU:-}" ] && qemu_args=(-cpu "$QEMU_CPU")

guests=$("$here/build.sh" | tail -1) || trapeze_die "building the guests failed"

if [ "$qemu_only" = 0 ]; then
    if [ -z "$trapeze_bin" ]; then
        trapeze_log "swift build -c release"
        (cd "$repo" && swift build -c release >&2) || trapeze_die "swift build failed"
        trapeze_bin="$(cd "$repo" && swift build -c release --show-bin-path)/trapeze"
    fi
    case "$trapeze_bin" in
        */*) trapeze_bin=$(cd "$(dirname "$trapeze_bin")" && pwd)/$(basename "$trapeze_bin") ;;
        *) trapeze_bin=$(command -v "$trapeze_bin") ;;
    esac
    [ -x "$trapeze_bin" ] || trapeze_die "not executable: $trapeze_bin"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/trapeze-compute.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# timed_run OUT ERR CMD...: runs CMD with a clean environment; sets run_wall
# (seconds) and run_rc.
timed_run() {
    local out=$1 err=$2 s e
    shift 2
    s=$(trapeze_now)
    timeout "$timeout_s" env -i LC_ALL=C "$@" >"$out" 2>"$err" </dev/null
    run_rc=$?
    e=$(trapeze_now)
    run_wall=$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f", b - a }')
}

min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

trapeze_log "guests: $guests"
trapeze_log "qemu-ppc: $qemu ${qemu_args[*]}"
[ "$qemu_only" = 0 ] && trapeze_log "trapeze: $trapeze_bin"
trapeze_log "$reps repetition(s) per side, alternating"

rows=()
failures=0
for w in "${workloads[@]}"; do
    prog="$guests/$w"
    [ -x "$prog" ] || trapeze_die "no guest program $prog"
    q_best='' t_best='' insns='' status=ok
    for ((r = 1; r <= reps; r++)); do
        timed_run "$scratch/$w.q.out" "$scratch/$w.q.err" "$qemu" "${qemu_args[@]}" "$prog"
        if [ "$run_rc" != 0 ]; then
            status="qemu-rc=$run_rc"
            trapeze_log "$w: qemu-ppc exited $run_rc: $(head -c 300 "$scratch/$w.q.err")"
            break
        fi
        q_best=$(min "$q_best" "$run_wall")
        if [ "$r" = 1 ]; then
            cp "$scratch/$w.q.out" "$scratch/$w.expected"
        elif ! cmp -s "$scratch/$w.q.out" "$scratch/$w.expected"; then
            status="qemu-nondeterministic"
        fi
        msg="$w run $r: qemu-ppc ${run_wall}s"
        if [ "$qemu_only" = 0 ]; then
            timed_run "$scratch/$w.t.out" "$scratch/$w.t.err" "$trapeze_bin" user --stats "$prog"
            if [ "$run_rc" != 0 ]; then
                status="trapeze-rc=$run_rc"
                trapeze_log "$w: trapeze exited $run_rc; stderr:"
                tail -n 15 "$scratch/$w.t.err" | sed 's/^/  | /' >&2
                break
            fi
            if ! cmp -s "$scratch/$w.t.out" "$scratch/$w.expected"; then
                status=MISMATCH
                trapeze_log "$w: output differs from qemu-ppc:"
                diff -u --label qemu-ppc --label trapeze "$scratch/$w.expected" "$scratch/$w.t.out" | head -n 20 >&2
                break
            fi
            t_best=$(min "$t_best" "$run_wall")
            n=$(grep -E '^trapeze: instructions=[0-9]+$' "$scratch/$w.t.err" | tail -1 | sed 's/.*=//')
            if [ -z "$n" ]; then
                [ -z "$insns" ] && trapeze_log "$w: no 'trapeze: instructions=N' line on trapeze's stderr"
            elif [ -n "$insns" ] && [ "$n" != "$insns" ]; then
                trapeze_log "$w: instruction count changed between runs ($insns, $n)"
            fi
            [ -n "$n" ] && insns=$n
            msg="$msg, trapeze ${run_wall}s"
        fi
        trapeze_log "$msg"
    done
    [ "$status" = ok ] || failures=$((failures + 1))
    trapeze_log "$w: $(cat "$scratch/$w.expected" 2>/dev/null)"
    rows+=("$w|${insns:--}|${t_best:--}|${q_best:--}|$status")
done

# -- Table -----------------------------------------------------------------------
echo
goals=()
printf '%-8s %16s %11s %11s %12s %9s  %s\n' workload "guest insns" "trapeze s" "guest MIPS" "qemu-ppc s" "T/qemu" status
for row in "${rows[@]}"; do
    IFS='|' read -r w insns t q status <<<"$row"
    mips=- ratio=-
    if [[ "$insns" =~ ^[0-9]+$ && "$t" != - ]]; then
        mips=$(awk -v n="$insns" -v t="$t" 'BEGIN { printf "%.1f", n / t / 1e6 }')
    fi
    if [[ "$t" != - && "$q" != - ]]; then
        ratio=$(awk -v t="$t" -v q="$q" 'BEGIN { printf "%.2f", t / q }')
    fi
    printf '%-8s %16s %11s %11s %12s %9s  %s\n' "$w" "$insns" "$t" "$mips" "$q" "$ratio" "$status"
    if [ "$ratio" != - ]; then
        verdict="not met"; awk -v r="$ratio" 'BEGIN { exit !(r <= 4) }' && verdict=met
        goals+=("goal $w: Trapeze/qemu-ppc <= 4: $ratio, $verdict")
    fi
done
# Issue 11's goal for the compute benchmark.
[ "${#goals[@]}" -gt 0 ] && printf '%s\n' "${goals[@]}"
[ "$failures" -eq 0 ]
