#!/usr/bin/env bash
# The virtualized modes against bare, side by side: the same initramfs and
# workload under `trapeze run --mode bare`, `kvm`, `pv` and `bt`, in the same
# run (bare, kvm and pv boot the image's kernel; bt the unmodified kernel,
# Guest/linux/kernel.sh --stock).
#   Benchmarks/kvm/run.sh [--reps N] [TRAPEZE_BIN]
# For boot (to TRAPEZE-BOOTED), echo-spawn and find (whole runs to their END
# marker) prints the best host wall time of N repetitions per mode, guest
# MIPS per mode (guest instructions / host wall time), each mode's wall-time
# ratio to bare (issue 11's goal for kvm: at most 1.3), the exits each took,
# and the modelled % of bare-metal speed (p2020 cost model).
set -euo pipefail
source "$(dirname "$0")/../common.sh" "$@"
stock=$("$repo/Guest/linux/kernel.sh" --stock | tail -1)
modes=(kvm pv bt)

# One run: prints "wall modelled exits MIPS" from the summary line.
run() {
    local mode=$1 workload=$2 marker=$3 line kernel=$image/vmlinux
    [ "$mode" = bt ] && kernel=$stock/vmlinux
    line=$("$trapeze" run --mode "$mode" --kernel "$kernel" --initrd "$image/initramfs.cpio" \
        --workload "$workload" --until "$marker" --timeout 900 2>&1 >/dev/null </dev/null | grep '^trapeze: mode=')
    echo "$(sed 's/.*wall=\([0-9.]*\)s.*/\1/' <<<"$line") $(sed 's/.*modelled=\([0-9.]*\)s.*/\1/' <<<"$line") \
$(grep -o ' exits=[0-9]*' <<<"$line" | cut -d= -f2 || echo 0) $(sed 's/.*mips=\([0-9.]*\).*/\1/' <<<"$line")"
}

printf '%-12s %8s %9s' workload bare_s bare_MIPS
for m in "${modes[@]}"; do printf ' %8s %8s %9s %9s %8s' "${m}_s" "${m}_MIPS" "$m/bare" "${m}_exits" "$m %"; done
printf '\n'
for spec in "boot:TRAPEZE-BOOTED" "echo-spawn:TRAPEZE-WORKLOAD-END echo-spawn" "find:TRAPEZE-WORKLOAD-END find"; do
    workload=${spec%%:*} marker=${spec#*:}
    declare -A best=() modelled=() exits=() mips=()
    for _ in $(seq "$reps"); do
        for m in bare "${modes[@]}"; do
            read -r w s e i < <(run "$m" "$workload" "$marker")
            if [ -z "${best[$m]:-}" ] || (( $(echo "$w < ${best[$m]}" | bc) )); then
                best[$m]=$w; modelled[$m]=$s; exits[$m]=${e:-0}; mips[$m]=$i
            fi
        done
    done
    printf '%-12s %8.3f %9s' "$workload" "${best[bare]}" "${mips[bare]}"
    for m in "${modes[@]}"; do
        printf ' %8.3f %8s %9s %9s %7s%%' "${best[$m]}" "${mips[$m]}" "$(echo "scale=2; ${best[$m]} / ${best[bare]}" | bc)" "${exits[$m]}" \
            "$(echo "scale=2; 100 * ${modelled[bare]} / ${modelled[$m]}" | bc)"
    done
    printf '\n'
    unset best modelled exits mips
done
