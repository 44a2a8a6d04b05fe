#!/usr/bin/env bash
# Boot benchmark: the same kernel and initramfs under qemu-system-ppc
# (-M ppce500 -cpu e500mc) and `trapeze run`, in the same run.
#   Benchmarks/boot/run.sh [--reps N] [TRAPEZE_BIN]
# For each of `boot` (to TRAPEZE-BOOTED), `echo-spawn` (the whole run, 1000
# /bin/echo processes) and `find` (the whole run) prints the best wall time
# of N repetitions on each side, the Trapeze/QEMU ratio, Trapeze's guest
# instructions and MIPS, and its peak resident memory (GNU time's maximum
# RSS) against the guest's 256 MB of RAM; then issue 11's goals (boot and
# echo-spawn at most 0.7x QEMU's wall time, find at most 1.0x, RSS at most
# 1.5x guest RAM + 200 MB), each marked met or not met.
set -euo pipefail
source "$(dirname "$0")/../common.sh" "$@"
now() { date +%s.%N; }

# qemu: wall time until the marker appears on the console (qemu is killed then).
qemu_time() {
    local workload=$1 marker=$2 start line
    start=$(now)
    while IFS= read -r line; do
        if [[ "$line" == "$marker"* ]]; then echo "$(now) - $start" | bc; break; fi
    done < <(timeout 300 qemu-system-ppc -M ppce500 -cpu e500mc -m 256 -nographic -no-reboot -nic none \
        -kernel "$image/vmlinux" -initrd "$image/initramfs.cpio" \
        -append "console=ttyS0 nospectre_v2 trapeze.workload=$workload" </dev/null 2>/dev/null)
    pkill -f "trapeze.workload=$workload" 2>/dev/null || true
}

# trapeze: wall time, instructions and peak RSS (KB) until the marker (--until stops there).
rss_file=$(mktemp)
trap 'rm -f "$rss_file"' EXIT
trapeze_run() {
    local workload=$1 marker=$2 start end stats
    start=$(now)
    stats=$(/usr/bin/time -f '%M' -o "$rss_file" "$trapeze" run --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" \
        --workload "$workload" --until "$marker" --timeout 600 2>&1 >/dev/null </dev/null | grep '^trapeze: mode=')
    end=$(now)
    echo "$(echo "$end - $start" | bc) $(sed 's/.*instructions=\([0-9]*\).*/\1/' <<<"$stats") $(tail -1 "$rss_file")"
}

goals=() peak_rss=0
printf '%-12s %10s %10s %8s %14s %8s %8s %9s\n' workload qemu_s trapeze_s ratio instructions MIPS rss_MB rss/ram
for spec in "boot:TRAPEZE-BOOTED" "echo-spawn:TRAPEZE-WORKLOAD-END echo-spawn" "find:TRAPEZE-WORKLOAD-END find"; do
    workload=${spec%%:*} marker=${spec#*:}
    best_q="" best_t="" insns=0 rss=0
    for _ in $(seq "$reps"); do
        q=$(qemu_time "$workload" "$marker")
        read -r t n r < <(trapeze_run "$workload" "$marker")
        if [ -z "$best_q" ] || (( $(echo "$q < $best_q" | bc) )); then best_q=$q; fi
        if [ -z "$best_t" ] || (( $(echo "$t < $best_t" | bc) )); then best_t=$t; insns=$n; fi
        [ "${r:-0}" -gt "$rss" ] && rss=$r
    done
    ratio=$(echo "scale=2; $best_t / $best_q" | bc)
    mips=$(echo "scale=1; $insns / $best_t / 1000000" | bc)
    printf '%-12s %10.3f %10.3f %8s %14s %8s %8s %9s\n' "$workload" "$best_q" "$best_t" "$ratio" "$insns" "$mips" \
        "$((rss / 1024))" "$(echo "scale=2; $rss / 1024 / 256" | bc)"
    case $workload in find) goal=1.0 ;; *) goal=0.7 ;; esac
    verdict="not met"; (( $(echo "$ratio <= $goal" | bc) )) && verdict=met
    goals+=("goal $workload: Trapeze/QEMU <= $goal: $ratio, $verdict")
    (( rss > peak_rss )) && peak_rss=$rss
done
verdict="not met"; (( peak_rss <= (256 * 3 / 2 + 200) * 1024 )) && verdict=met
goals+=("goal RSS <= 1.5 x 256 MB + 200 MB = 584 MB: $((peak_rss / 1024)) MB, $verdict")
printf '%s\n' "${goals[@]}"
