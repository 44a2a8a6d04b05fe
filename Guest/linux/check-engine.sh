#!/usr/bin/env bash
# The engine's figures as a test expectation (issue 11: a faster engine must
# change nothing observable). Every workload in every mode is run to its END
# marker and its figures compared with Guest/linux/engine-figures.txt: the
# console (SHA-256 of the guest's output), guest instructions, modelled
# cycles (exact), the summary's exit counts and, virtualized, the whole
# exit-timing file (SHA-256). The inputs are recorded too (vmlinux, stock
# vmlinux, initramfs: the builds are reproducible): if they changed, the
# figures cannot be compared and the check fails saying so.
#
# Usage: Guest/linux/check-engine.sh TRAPEZE_BIN [--update]
#   --update   record the current figures (only after checking the change
#              meant to change them; say why in the commit)
# Ends with `engine check: N passed, N failed`.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
trapeze=${1:?usage: check-engine.sh TRAPEZE_BIN [--update]}
update=0
[ "${2:-}" = --update ] && update=1
expected=$here/engine-figures.txt
image=$("$here/build.sh" | tail -1)
stock=$("$here/kernel.sh" --stock | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sha() { sha256sum "$1" | cut -c1-16; }
{
    echo "# Figures of every workload in every mode (Guest/linux/check-engine.sh); inputs:"
    echo "inputs vmlinux=$(sha "$image/vmlinux") stock=$(sha "$stock/vmlinux") initramfs=$(sha "$image/initramfs.cpio")"
} > "$work/figures.txt"

for mode in bare kvm pv bt; do
    kernel=$image/vmlinux
    [ "$mode" = bt ] && kernel=$stock/vmlinux
    for spec in "boot:TRAPEZE-BOOTED" "echo-spawn:TRAPEZE-WORKLOAD-END echo-spawn" "find:TRAPEZE-WORKLOAD-END find"; do
        w=${spec%%:*} marker=${spec#*:}
        timing=()
        [ "$mode" != bare ] && timing=(--exit-timing "$work/$mode-$w")
        "$trapeze" run --mode "$mode" --kernel "$kernel" --initrd "$image/initramfs.cpio" --workload "$w" \
            --until "$marker" --timeout 900 "${timing[@]}" > "$work/$mode-$w.out" 2> "$work/$mode-$w.err" < /dev/null
        status=$?
        tr -d '\r' < "$work/$mode-$w.out" > "$work/$mode-$w.console"
        line="$mode $w status=$status console=$(sha "$work/$mode-$w.console")"
        line+=" $(grep -o 'instructions=[0-9]*' "$work/$mode-$w.err" | head -1)"
        line+=" $(grep -o 'cycles=[0-9]*' "$work/$mode-$w.err" | head -1)"
        line+=" $(grep -o ' exits=[0-9]* priv-exits=[0-9]* tlb-misses=[0-9]* acc-viol=[0-9]*' "$work/$mode-$w.err" | head -1 | sed 's/^ //')"
        [ "$mode" != bare ] && line+=" timing=$(sha "$work/$mode-$w/vm0_vcpu0_timing")"
        sed "s/ *$//" <<<"$line" >> "$work/figures.txt"
    done
done

if [ "$update" = 1 ]; then
    cp "$work/figures.txt" "$expected"
    echo "recorded $(grep -vc '^#\|^inputs' "$expected") runs in $expected"
    exit 0
fi

passed=0 failed=0
if [ ! -s "$expected" ]; then
    echo "FAIL no $expected (record it with --update)"; exit 1
fi
if [ "$(grep '^inputs' "$expected")" != "$(grep '^inputs' "$work/figures.txt")" ]; then
    echo "FAIL the guest image is not the one the figures were recorded with:"
    echo "  expected $(grep '^inputs' "$expected")"
    echo "  got      $(grep '^inputs' "$work/figures.txt")"
    exit 1
fi
while read -r mode w rest; do
    [ "$mode" = "#" ] || [ "$mode" = inputs ] && continue
    got=$(grep "^$mode $w " "$work/figures.txt")
    if [ "$got" = "$mode $w $rest" ] && [[ "$rest" == status=0\ * ]]; then
        echo "PASS $mode $w: $(grep -o 'instructions=[0-9]*\|cycles=[0-9]*\| exits=[0-9]*' <<<"$rest" | tr -d ' ' | tr '\n' ' ')"
        passed=$((passed + 1))
    else
        echo "FAIL $mode $w"
        echo "  expected $mode $w $rest"
        echo "  got      $got"
        failed=$((failed + 1))
    fi
done < "$expected"
[ "$passed" -eq 12 ] || { echo "FAIL only $passed of 12 runs matched"; failed=$((failed + 1)); }
echo "engine check: $passed passed, $failed failed"
[ $failed -eq 0 ]
