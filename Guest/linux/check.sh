#!/usr/bin/env bash
# Boots the guest image under qemu-system-ppc (the oracle) and under
# `TRAPEZE_BIN run` for each workload and compares what /init prints, from
# TRAPEZE-BOOTED to the workload's END marker (kernel printk lines, which
# carry timestamps, are left out). Ends with `linux check: N passed, N failed`.
#
# Usage: Guest/linux/check.sh TRAPEZE_BIN [WORKLOAD...]   (default: boot find echo-spawn)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
trapeze=${1:?usage: check.sh TRAPEZE_BIN [WORKLOAD...]}
shift
workloads=("$@")
[ ${#workloads[@]} -gt 0 ] || workloads=(boot find echo-spawn)
image=$("$here/build.sh" | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Everything user space prints, from TRAPEZE-BOOTED through the END (or
# FAILED) marker, with only the kernel's printk lines left out (they carry
# timestamps: "[    1.234567] ..."), whatever the workload's lines look like.
markers() {
    tr -d '\r' < "$1" | sed -n '/^TRAPEZE-BOOTED$/,/^TRAPEZE-WORKLOAD-\(END\|FAILED\)/p' |
        grep -Ev '^\[ *[0-9]+\.[0-9]{6}\] '
}
# The workload's own lines, between its BEGIN and END markers.
workload_lines() { sed -n '/^TRAPEZE-WORKLOAD-BEGIN /,/^TRAPEZE-WORKLOAD-END /p' "$1" | sed '1d;$d' | grep -c .; }

passed=0 failed=0
for w in "${workloads[@]}"; do
    LINUX_DIR="$image" TIMEOUT=300 "$here/qemu-boot.sh" "$w" > "$work/qemu-$w.log" 2>"$work/qemu-$w.err"
    qemu_status=$?
    "$trapeze" run --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" \
        --workload "$w" --until "TRAPEZE-WORKLOAD-END $w" --timeout 600 > "$work/trapeze-$w.log" 2>"$work/trapeze-$w.err"
    trapeze_status=$?
    markers "$work/qemu-$w.log" > "$work/qemu-$w.markers"
    markers "$work/trapeze-$w.log" > "$work/trapeze-$w.markers"
    if [ $qemu_status -ne 0 ]; then
        echo "FAIL $w: qemu-system-ppc did not reach the END marker (status $qemu_status)"
        tail -5 "$work/qemu-$w.log"
        failed=$((failed + 1))
    elif [ $trapeze_status -ne 0 ]; then
        echo "FAIL $w: trapeze exited $trapeze_status"
        tail -25 "$work/trapeze-$w.err"
        failed=$((failed + 1))
    elif ! grep -q "^TRAPEZE-WORKLOAD-END $w" "$work/qemu-$w.markers"; then
        echo "FAIL $w: no END marker in qemu's console"
        failed=$((failed + 1))
    elif [ "$w" != boot ] && [ "$(workload_lines "$work/qemu-$w.markers")" -eq 0 ]; then
        echo "FAIL $w: the workload printed nothing under qemu-system-ppc"
        failed=$((failed + 1))
    elif ! diff -u "$work/qemu-$w.markers" "$work/trapeze-$w.markers"; then
        echo "FAIL $w: console differs from qemu-system-ppc"
        failed=$((failed + 1))
    else
        echo "PASS $w ($(wc -l < "$work/trapeze-$w.markers") lines; $(tail -1 "$work/trapeze-$w.err"))"
        passed=$((passed + 1))
    fi
done
# Trapeze only (qemu's ppce500 has no virtio-mmio disk): the guest reads a
# marker from the virtio-mmio disk and writes one back.
check() {  # name, expected status, command...
    local name=$1 expected=$2; shift 2
    "$@" > "$work/$name.log" 2>&1
    local status=$?
    if [ $status -eq "$expected" ]; then
        echo "PASS $name"; passed=$((passed + 1)); return 0
    fi
    echo "FAIL $name: status $status, expected $expected"; tail -20 "$work/$name.log"; failed=$((failed + 1)); return 1
}
dd if=/dev/zero of="$work/disk.img" bs=1M count=4 2>/dev/null
printf 'DISK-MARKER-IN' | dd of="$work/disk.img" conv=notrunc 2>/dev/null
if check drive 0 "$trapeze" run --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" --drive "$work/disk.img" \
        --workload shell --timeout 300 < <(printf '%s\n' 'dd if=/dev/vda bs=14 count=1 2>/dev/null; echo' \
        'echo DISK-MARKER-OUT | dd of=/dev/vda bs=512 seek=1 2>/dev/null; sync' exit); then
    if ! grep -q '^DISK-MARKER-IN' "$work/drive.log" || \
       [ "$(dd if="$work/disk.img" bs=512 skip=1 count=1 2>/dev/null | head -c 15)" != "DISK-MARKER-OUT" ]; then
        echo "FAIL drive: the guest did not read or write the virtio disk"; passed=$((passed - 1)); failed=$((failed + 1))
    fi
fi
# Determinism: modelled time, so two runs print the same console, printk
# timestamps included, and count the same instructions.
for n in 1 2; do
    "$trapeze" run --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" --workload find --timeout 300 \
        > "$work/det$n.log" 2>&1
done
# The last line holds host wall time and MIPS; compare it only for the instruction count.
if [ "$(grep -v 'wall=' "$work/det1.log")" = "$(grep -v 'wall=' "$work/det2.log")" ] &&
   [ "$(grep -o 'instructions=[0-9]*' "$work/det1.log")" = "$(grep -o 'instructions=[0-9]*' "$work/det2.log")" ]; then
    echo "PASS deterministic"; passed=$((passed + 1))
else
    echo "FAIL deterministic: two runs of find differ"; diff "$work/det1.log" "$work/det2.log" | head; failed=$((failed + 1))
fi
# Exit statuses: a kernel panic is 2, --timeout is 3, a foreign kernel is 1.
check panic 2 "$trapeze" run --kernel "$image/vmlinux" --append "console=ttyS0 rdinit=/none" --timeout 300
# echo-spawn runs for seconds of host time, so 0.2 s always cuts it short (boot alone
# took 0.175 s on a fast host and ended in its reboot, status 2, before the timeout).
check timeout 3 "$trapeze" run --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" --workload echo-spawn --until NEVER-PRINTED --timeout 0.2
check foreign-kernel 1 "$trapeze" run --kernel /bin/sh

echo "linux check: $passed passed, $failed failed"
[ $failed -eq 0 ]
