#!/usr/bin/env bash
# Builds the ISA guest image: the Trapeze initramfs (build.sh) with every
# differential program of Guest/isa added, so that they run inside Linux
# (Guest/linux/check-isa.sh). The programs come from the Makefile's output
# ($TRAPEZE_ISA_DIR, built here when missing); the image adds
#
#   /isa/bin/NAME        the programs as built (what Trapeze and hardware run)
#   /isa/qemu/NAME       the copies for qemu's CPU that Guest/isa/hwpatch.py
#                        changed
#   /isa/manifest.txt    Guest/isa/manifest.txt
#   /workloads/isa       Guest/linux/isa-run: each program once, alone
#   /workloads/isa-busy  the same under CPU competition
#
# as a second cpio archive appended to the first (Linux unpacks both).
#
# Output (outside the repository), the directory on the last stdout line:
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-isa-<hash>/
#       vmlinux          the kernel (a link to the base image's)
#       initramfs.cpio   base initramfs + the ISA archive
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-isa -> linux-isa-<hash>
#
# Usage: Guest/linux/build-isa.sh [--force]
# Env:   TRAPEZE_CACHE, TRAPEZE_ISA_DIR (default $TRAPEZE_CACHE/isa)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=linux-isa
. "$here/../lib/common.sh"

force=$(trapeze_force_flag "$@") || exit 2
cache=$(trapeze_cache_root)
isa=${TRAPEZE_ISA_DIR:-$cache/isa}

base=$("$here/build.sh" | tail -1)
[ -f "$base/initramfs.cpio" ] || trapeze_die "base image has no initramfs ($base)"
kdir=$("$here/kernel.sh" | tail -1)
[ -x "$kdir/gen_init_cpio" ] || trapeze_die "no gen_init_cpio in $kdir"
trapeze_log "ISA programs: make -C Guest/isa OUT=$isa"
make -s -C "$here/../isa" OUT="$isa" >&2 || trapeze_die "building the ISA programs failed"

mapfile -t programs < <(awk '!/^#/ && NF >= 4 {print $1}' "$here/../isa/manifest.txt")
[ ${#programs[@]} -gt 0 ] || trapeze_die "no programs in Guest/isa/manifest.txt"
sums=()
for p in "${programs[@]}"; do
    [ -x "$isa/$p" ] && [ -x "$isa/qemu/$p" ] || trapeze_die "$isa/$p or $isa/qemu/$p is missing"
    sums+=("$p $(cat "$isa/$p" "$isa/qemu/$p" | sha256sum | cut -c1-16)")
done
hash=$(trapeze_hash "$here/build-isa.sh" "$here/isa-run" "$here/../isa/manifest.txt" \
    -- "base $(sha256sum "$base/initramfs.cpio" | cut -c1-16)" "${sums[@]}")
out="$cache/linux-isa-$hash"
if [ "$force" = 0 ] && [ -f "$out/initramfs.cpio" ] && [ -e "$out/vmlinux" ]; then
    trapeze_log "cached: $out"
    trapeze_link_stable "linux-isa-$hash" "$cache/linux-isa"
    echo "$out"
    exit 0
fi

stage="$out.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
list="$stage/isa.list"
{
    echo "# Trapeze ISA programs (Guest/linux/build-isa.sh; gen_init_cpio format)"
    echo "dir /isa 0755 0 0"
    echo "dir /isa/bin 0755 0 0"
    echo "dir /isa/qemu 0755 0 0"
    echo "dir /workloads 0755 0 0"
    echo "file /isa/manifest.txt $here/../isa/manifest.txt 0644 0 0"
    echo "file /workloads/isa $here/isa-run 0755 0 0"
    echo "slink /workloads/isa-busy isa 0777 0 0"
    for p in "${programs[@]}"; do
        echo "file /isa/bin/$p $isa/$p 0755 0 0"
        # Only the copies hwpatch.py changed; isa-run falls back to /isa/bin.
        cmp -s "$isa/$p" "$isa/qemu/$p" || echo "file /isa/qemu/$p $isa/qemu/$p 0755 0 0"
    done
} > "$list"
"$kdir/gen_init_cpio" -t 0 "$list" > "$stage/isa.cpio" 2>"$stage/gen_init_cpio.log" \
    || { cat "$stage/gen_init_cpio.log" >&2; trapeze_die "gen_init_cpio failed"; }
# newc archives concatenate; the kernel unpacks them in order.
cat "$base/initramfs.cpio" "$stage/isa.cpio" > "$stage/initramfs.cpio"
rm -f "$stage/isa.cpio" "$stage/gen_init_cpio.log"
ln -s "$base/vmlinux" "$stage/vmlinux"
ln -s "$base/System.map" "$stage/System.map"
rm -rf "$out"
mv "$stage" "$out"
trapeze_link_stable "linux-isa-$hash" "$cache/linux-isa"
trapeze_log "done: $out (${#programs[@]} programs, initramfs $(stat -c %s "$out/initramfs.cpio") bytes)"
echo "$out"
