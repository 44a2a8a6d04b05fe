#!/usr/bin/env bash
# kvm and pv against bare: the same kernel, initramfs and workload under
# `trapeze run --mode bare`, `--mode kvm` and `--mode pv`, in the same run.
#   Benchmarks/kvm/run.sh [--reps N] [TRAPEZE_BIN]
# For boot (to TRAPEZE-BOOTED), echo-spawn and find (whole runs to their END
# marker) prints the best host wall time of N repetitions per mode, the
# kvm/bare and pv/bare wall-time ratios (the goal for kvm: at most 1.5), the
# exits each took, and the modelled % of bare-metal speed (p2020 cost model).
set -euo pipefail
source "$(dirname "$0")/../common.sh" "$@"

# One run: prints "wall modelled exits" from the summary line.
run() {
    local mode=$1 workload=$2 marker=$3 line
    line=$("$trapeze" run --mode "$mode" --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" \
        --workload "$workload" --until "$marker" --timeout 900 2>&1 >/dev/null </dev/null | grep '^trapeze: mode=')
    echo "$(sed 's/.*wall=\([0-9.]*\)s.*/\1/' <<<"$line") $(sed 's/.*modelled=\([0-9.]*\)s.*/\1/' <<<"$line") \
$(grep -o 'exits=[0-9]*' <<<"$line" | cut -d= -f2)"
}

printf '%-12s %8s %8s %8s %9s %8s %10s %10s %9s %9s\n' workload bare_s kvm_s pv_s kvm/bare pv/bare \
    kvm_exits pv_exits "kvm %" "pv %"
for spec in "boot:TRAPEZE-BOOTED" "echo-spawn:TRAPEZE-WORKLOAD-END echo-spawn" "find:TRAPEZE-WORKLOAD-END find"; do
    workload=${spec%%:*} marker=${spec#*:}
    best_b="" best_k="" best_p="" ek=0 ep=0 mb=0 mk=0 mp=0
    for _ in $(seq "$reps"); do
        read -r b m _ < <(run bare "$workload" "$marker")
        read -r k n e < <(run kvm "$workload" "$marker")
        read -r p q f < <(run pv "$workload" "$marker")
        if [ -z "$best_b" ] || (( $(echo "$b < $best_b" | bc) )); then best_b=$b; mb=$m; fi
        if [ -z "$best_k" ] || (( $(echo "$k < $best_k" | bc) )); then best_k=$k; mk=$n; ek=$e; fi
        if [ -z "$best_p" ] || (( $(echo "$p < $best_p" | bc) )); then best_p=$p; mp=$q; ep=$f; fi
    done
    printf '%-12s %8.3f %8.3f %8.3f %9s %8s %10s %10s %8s%% %8s%%\n' "$workload" "$best_b" "$best_k" "$best_p" \
        "$(echo "scale=2; $best_k / $best_b" | bc)" "$(echo "scale=2; $best_p / $best_b" | bc)" "$ek" "$ep" \
        "$(echo "scale=2; 100 * $mb / $mk" | bc)" "$(echo "scale=2; 100 * $mb / $mp" | bc)"
done
