#!/usr/bin/env bash
# The kvm and pv modes against bare mode on the guest image: the workloads
# print the same console in all three (`trapeze compare` checks that and
# prints the % of bare-metal speed), pv's guest patches itself and its
# patched instructions stop exiting, the exit-timing files
# have the exit-timing page's layout and add up, the exit profile names hot
# guest PCs with vmlinux symbols, and a guest beyond saving or bad options
# give clear statuses. Ends with `kvm check: N passed, N failed`.
#
# Usage: Guest/linux/check-kvm.sh TRAPEZE_BIN
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
trapeze=${1:?usage: check-kvm.sh TRAPEZE_BIN}
image=$("$here/build.sh" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
boot=(--kernel "$image/vmlinux" --initrd "$image/initramfs.cpio")

. "$here/../lib/checks.sh"

# 1. compare: every workload reaches its END marker in every mode with the same console.
"$trapeze" compare "${boot[@]}" --modes bare,kvm,pv --workload boot,echo-spawn,find \
    --exit-timing "$work/compare" > "$work/compare.txt" 2> "$work/compare.err"
status=$?
grep -E '^workload|^ *(mode|bare|kvm|pv) |^privileged' "$work/compare.txt"
if [ $status -eq 0 ] && [ "$(grep -c ' kvm .*same as bare$' "$work/compare.txt")" -eq 3 ] &&
   [ "$(grep -c ' pv .*same as bare$' "$work/compare.txt")" -eq 3 ] &&
   [ "$(grep -c '% of bare' "$work/compare.txt")" -eq 3 ]; then
    pass "compare: boot, echo-spawn and find print the same console under kvm and pv as bare"
else
    fail "compare (status $status)"; tail -20 "$work/compare.err"
fi
# pv: the instructions the guest patches stop exiting. In the workload span
# of echo-spawn and find (all after the patching) the exits of the patched
# classes (mfmsr, mtmsr, wrtee/wrteei, mfspr, mtspr) fall below 1% of kvm's;
# the privileged-instruction exits that remain are mostly the tlbwe and rfi
# of the guest's own TLB-miss handlers, which KVM's PV interface leaves alone.
patched() { awk '$1 ~ /^EMUL_(MFMSR|MTMSR|WRTEE|MFSPR|MTSPR):$/ { n += $2 } END { print n + 0 }' "$1"; }
for w in echo-spawn find; do
    k=$(patched "$work/compare/$w-kvm/vm0_vcpu0_timing") p=$(patched "$work/compare/$w-pv/vm0_vcpu0_timing")
    change=$(awk -v w="$w" '/^workload / { current = $2 } current == w && /^privileged-instruction exits/ { print $0 }' "$work/compare.txt")
    if [ "$k" -gt 0 ] && [ $((p * 100)) -lt "$k" ]; then
        pass "pv: $w: patched-class exits $k under kvm, $p under pv; ${change#privileged-instruction exits }"
    else
        fail "pv: $w: patched-class exits $k under kvm, $p under pv"
    fi
done
# 2. The exit-timing files: the page's layout, and they add up.
# Under kvm the unpatched guest also exits for its mfspr, mtspr, mfmsr and
# wrtee; under pv its boot makes hypercalls.
if python3 "$root/scripts/check-exit-timing.py" --require EMUL_MFSPR,EMUL_MTSPR,EMUL_MFMSR,EMUL_WRTEE \
       "$work"/compare/*-kvm/vm0_vcpu0_timing &&
   python3 "$root/scripts/check-exit-timing.py" --require HCALL "$work"/compare/boot-pv/vm0_vcpu0_timing &&
   python3 "$root/scripts/check-exit-timing.py" "$work"/compare/*-pv/vm0_vcpu0_timing; then
    pass "exit timing: $(ls -d "$work"/compare/*-kvm "$work"/compare/*-pv | wc -l) files in the page's layout that add up"
else
    fail "exit timing files"
fi
# pv: the guest found the hypervisor, mapped the magic page and patched itself.
"$trapeze" run "${boot[@]}" --mode pv --workload boot --until TRAPEZE-BOOTED --timeout 300 > "$work/pv-boot.log" 2>&1
if grep -q "KVM: Live patching for a fast VM worked" "$work/pv-boot.log" &&
   awk '$1 == "HCALL:" { exit ($2 >= 2) ? 0 : 1 }' "$work/compare/boot-pv/vm0_vcpu0_timing"; then
    pass "pv: $(grep -o 'KVM: Live patching for a fast VM worked' "$work/pv-boot.log") ($(awk '$1 == "HCALL:" { print $2 }' "$work/compare/boot-pv/vm0_vcpu0_timing") hypercalls)"
else
    fail "pv: no 'KVM: Live patching for a fast VM worked' in the kernel log"; grep -i kvm "$work/pv-boot.log" | head -5
fi

# 3. run --exit-timing --exit-profile over the echo-spawn workload only.
"$trapeze" run "${boot[@]}" --mode kvm --workload echo-spawn --until "TRAPEZE-WORKLOAD-END echo-spawn" \
    --timeout 600 --stats-from workload --exit-timing "$work/run" --exit-profile "$work/profile.txt" \
    > "$work/run.log" 2>&1
status=$?
profile="$work/profile.txt"
if [ $status -eq 0 ] && python3 "$root/scripts/check-exit-timing.py" "$work/run/vm0_vcpu0_timing" &&
   grep -q '^ *mfspr ' "$profile" && grep -q '^ *wrtee ' "$profile" && grep -q '^ *>20000 ' "$profile" &&
   grep -Eq 'mfspr at [A-Za-z_][A-Za-z0-9_.]*\+0x[0-9a-f]+' "$profile"; then
    pass "exit profile: classes, PC histogram and symbolized hot PCs ($(grep -m1 'mfspr at' "$profile" | sed 's/^ *//'))"
else
    fail "run --exit-timing --exit-profile (status $status)"; head -30 "$profile" 2>/dev/null; tail -5 "$work/run.log"
fi
# The workload-only statistics hold far fewer MMIO exits than a whole boot prints characters.
mmio=$(awk '$1 == "MMIO:" { print $2 }' "$work/run/vm0_vcpu0_timing")
if [ -n "$mmio" ] && [ "$mmio" -lt 2000 ]; then
    pass "stats-from workload: the boot's console output is not counted ($mmio MMIO exits)"
else
    fail "stats-from workload: $mmio MMIO exits"
fi

# 4. Determinism: modelled time, so two runs in the same mode print the same
# console (printk timestamps included), count the same instructions and
# exits, and write the same exit-timing file (every type's count and time).
for m in kvm pv; do
    check_deterministic "$m" "${boot[@]}" --workload find --until "TRAPEZE-WORKLOAD-END find" --timeout 300
done

# 5. Statuses: a panicking guest is 2 under kvm too; bad options and profiles are 1 or a usage error.
check kvm-panic 2 "$trapeze" run --mode kvm --kernel "$image/vmlinux" --append "console=ttyS0 rdinit=/none" --timeout 300
echo '{"frequency_mhz": 1000, "exit_cycles": {"NOT_AN_EXIT": 5}}' > "$work/bad-profile.json"
check bad-cost-profile 1 "$trapeze" run --mode kvm "${boot[@]}" --cost-model "$work/bad-profile.json"
check unknown-mode 64 "$trapeze" run --mode hyper "${boot[@]}"
if grep -q "unknown exit type 'NOT_AN_EXIT'" "$work/bad-cost-profile.log"; then pass "bad cost profile names the problem"; else fail "bad cost profile message"; fi

echo "kvm check: $passed passed, $failed failed"
[ $failed -eq 0 ]
