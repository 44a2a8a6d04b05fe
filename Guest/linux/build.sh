#!/usr/bin/env bash
# Builds the Trapeze Linux guest image: the e500mc kernel (kernel.sh: Debian's
# linux-source-6.1, allnoconfig + config.fragment) and a busybox initramfs
# (the static busybox from ../busybox/build.sh, its applet links, /init from
# `init` beside this script, /dev/console and /dev/null nodes).
#
# Output (outside the repository):
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-<hash>/
#       vmlinux             the kernel, ELF (qemu -kernel; Trapeze loads this)
#       System.map          its symbols
#       config              the kernel .config
#       initramfs.cpio      the initramfs, cpio newc, uncompressed
#       initramfs.cpio.gz   the same, gzip -9 (either works as -initrd)
#       initramfs.list      the gen_init_cpio list it was made from
#       build.log           kernel build log followed by the initramfs steps
#       version             kernel, busybox and toolchain versions, hashes
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux -> linux-<hash>
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-kernel-<khash>/   (kernel.sh's cache)
# Two hashes: <khash> (kernel.sh, config.fragment, source package version,
# cross compiler) decides whether the kernel is rebuilt (minutes); <hash>
# covers <khash>, this script, lib/common.sh, init and the busybox binary, so
# an edit of init or busybox only repacks the initramfs (seconds).
# Progress goes to stderr; the last line on stdout is the directory.
#
# Usage: Guest/linux/build.sh [--force]   (--force rebuilds kernel and initramfs)
# Env:   TRAPEZE_CACHE, JOBS (make -j, default 2), TRAPEZE_CROSS_PREFIX, QEMU_PPC
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=linux
. "$here/../lib/common.sh"

force=$(trapeze_force_flag "$@") || exit 2

cache=$(trapeze_cache_root)
mkdir -p "$cache"
stable="$cache/linux"

# -- Inputs: busybox, kernel ---------------------------------------------------------
busybox=$("$here/../busybox/build.sh" | tail -1)
[ -x "$busybox" ] || trapeze_die "busybox build gave no binary ($busybox)"
kargs=()
[ "$force" = 1 ] && kargs=(--force)
kdir=$("$here/kernel.sh" "${kargs[@]}" | tail -1)
[ -f "$kdir/vmlinux" ] || trapeze_die "kernel build gave no vmlinux ($kdir)"
khash=${kdir##*/linux-kernel-}

bbsum=$(sha256sum "$busybox" | cut -c1-16)
hash=$(trapeze_hash "$here/build.sh" "$here/../lib/common.sh" "$here/init" \
    -- "kernel $khash" "busybox $bbsum")
out="$cache/linux-$hash"
done_files=(vmlinux initramfs.cpio initramfs.cpio.gz version)

complete() {
    local f
    for f in "${done_files[@]}"; do [ -f "$out/$f" ] || return 1; done
}

if [ "$force" = 0 ] && complete; then
    trapeze_log "cached: $out ($(head -1 "$out/version"))"
    trapeze_link_stable "linux-$hash" "$stable"
    echo "$out"
    exit 0
fi

# -- Initramfs (serialised with a lock: concurrent callers wait, then reuse) --------
exec 9>"$cache/linux.lock"
flock -n 9 || { trapeze_log "waiting for another image build to finish"; flock 9; }
if [ "$force" = 0 ] && complete; then
    trapeze_log "cached: $out"
    trapeze_link_stable "linux-$hash" "$stable"
    echo "$out"
    exit 0
fi

trapeze_ensure_qemu
stage="$cache/linux-$hash.tmp.$$"
rm -rf "$cache"/linux-????????????????.tmp.*
mkdir -p "$stage/files"
log="$stage/initramfs.log"
trapeze_log "packing the initramfs (busybox $busybox)"

# All archive entries get the same timestamp, so the archive is reproducible.
epoch=0

# Stripped busybox: symbols are of no use in the guest and cost load time.
"${TRAPEZE_CROSS_PREFIX}strip" -o "$stage/files/busybox" "$busybox"
cp "$here/init" "$stage/files/init"
touch -d "@$epoch" "$stage/files/busybox" "$stage/files/init"

# Applet links: busybox's own list of installation paths (run under qemu-ppc).
applets=$(env -i PATH=/nonexistent "$(command -v "$QEMU_PPC")" "$stage/files/busybox" --list-full) \
    || trapeze_die "busybox --list-full under $QEMU_PPC failed"
links=$(printf '%s\n' "$applets" | grep -E '^(bin|sbin|usr/bin|usr/sbin)/[A-Za-z0-9._[-]+$' | grep -vx 'bin/busybox' | LC_ALL=C sort)
nlinks=$(printf '%s\n' "$links" | grep -c .)
[ "$nlinks" -gt 100 ] || trapeze_die "busybox lists only $nlinks applets"
for a in sh echo find mount setsid cttyhack reboot poweroff; do
    printf '%s\n' "$links" | grep -qE "/$a\$" || trapeze_die "busybox lacks the $a applet"
done

list="$stage/initramfs.list"
{
    echo "# Trapeze guest initramfs (written by Guest/linux/build.sh; gen_init_cpio format)"
    for d in /bin /dev /etc /proc /sbin /sys /usr /usr/bin /usr/sbin /usr/share; do
        echo "dir $d 0755 0 0"
    done
    echo "dir /root 0700 0 0"
    echo "dir /tmp 1777 0 0"
    echo "dir /usr/share/temp 0755 0 0"
    echo "nod /dev/console 0600 0 0 c 5 1"
    echo "nod /dev/null 0666 0 0 c 1 3"
    echo "file /init $stage/files/init 0755 0 0"
    echo "file /bin/busybox $stage/files/busybox 0755 0 0"
    printf '%s\n' "$links" | while IFS= read -r l; do
        echo "slink /$l /bin/busybox 0777 0 0"
    done
} > "$list"
# Checksum-free newc ("070701"), what Linux and cpio -H newc read.
"$kdir/gen_init_cpio" -t "$epoch" "$list" > "$stage/initramfs.cpio" 2>>"$log" \
    || { cat "$log" >&2; trapeze_die "gen_init_cpio failed"; }
gzip -9 -n -c "$stage/initramfs.cpio" > "$stage/initramfs.cpio.gz"
sed -i "s#$stage/files/#<stage>/#" "$list"
rm -rf "$stage/files"
trapeze_log "initramfs: $nlinks applet links, $(stat -c %s "$stage/initramfs.cpio") bytes, $(stat -c %s "$stage/initramfs.cpio.gz") gzipped"

# Kernel files: hard links into the kernel cache when possible.
for f in vmlinux System.map config; do
    ln "$kdir/$f" "$stage/$f" 2>/dev/null || cp "$kdir/$f" "$stage/$f"
done
{
    cat "$kdir/build.log"
    echo "== initramfs =="
    printf 'busybox %s (sha256 %s), %s applet links\n' "$busybox" "$bbsum" "$nlinks"
    cat "$log"
} > "$stage/build.log"
rm -f "$log"
{
    cat "$kdir/version"
    printf 'kernel: %s\n' "$kdir"
    printf 'busybox: %s (sha256 %s...)\n' "$(head -1 "$(dirname "$busybox")/version" 2>/dev/null || echo "$busybox")" "$bbsum"
    printf 'initramfs: %s applet links, /init from Guest/linux/init\n' "$nlinks"
} > "$stage/version"
rm -rf "$out"
mv "$stage" "$out"
trapeze_link_stable "linux-$hash" "$stable"
trapeze_log "done: $stable -> linux-$hash (vmlinux $(stat -c %s "$out/vmlinux") bytes)"
echo "$out"
