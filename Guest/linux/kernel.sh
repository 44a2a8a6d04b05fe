#!/usr/bin/env bash
# Builds the Trapeze guest kernel: Linux 6.1 from Debian's linux-source-6.1
# package, configured with `make allnoconfig` + config.fragment beside this
# script (e500mc, qemu_e500 platform, no SMP/PCI/modules/network), with the
# guest fixes in patches/, cross-built with powerpc-linux-gnu-gcc. Called by
# build.sh; usable on its own.
#
# Output (outside the repository):
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-kernel-<khash>/
#       vmlinux         the ELF kernel (what qemu -kernel and Trapeze load)
#       System.map      its symbols
#       config          the final .config
#       build.log       configuration and compilation log
#       version         kernel release, source package, cross compiler, build time
#       gen_init_cpio   the kernel's host tool for writing initramfs archives
# <khash> covers this script, config.fragment, patches/, the linux-source-6.1 package
# version and the cross compiler version (not lib/common.sh: a change there
# should not cost a kernel build). A cached build is reused. Progress goes to
# stderr; the last line on stdout is the directory.
#
# With --stock the same kernel without patches/ (the KVM guest fixes the pv
# mode needs): the unmodified guest `--mode bt` runs, cached apart as
# linux-kernel-stock-<khash>.
#
# Usage: Guest/linux/kernel.sh [--stock] [--force]
# Env:   TRAPEZE_CACHE, JOBS (make -j, default 2), TRAPEZE_CROSS_PREFIX
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=linux-kernel
. "$here/../lib/common.sh"

stock=0
if [ "${1:-}" = --stock ]; then stock=1; shift; fi
force=$(trapeze_force_flag "$@") || exit 2

cache=$(trapeze_cache_root)
mkdir -p "$cache"

srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz

# -- Tools and source ---------------------------------------------------------------
trapeze_ensure_cross_toolchain
# Host side of kbuild: compiler for fixdep/kconfig/gen_init_cpio, parsers, bc for
# the timeconst header, libelf for objtool.
trapeze_apt_ensure "$srcpkg" gcc libc6-dev bc bison flex libelf-dev xz-utils patch
[ -f "$tarball" ] || trapeze_die "$tarball missing (is $srcpkg installed?)"
src_version=$(dpkg-query -W -f='${Version}' "$srcpkg")

if [ "$stock" = 1 ]; then
    patches=()
    khash=$(trapeze_hash "$here/kernel.sh" "$here/config.fragment" -- "stock $srcpkg $src_version" "$(trapeze_cross_id)")
    out="$cache/linux-kernel-stock-$khash"
else
    patches=("$here"/patches/*.patch)
    khash=$(trapeze_hash "$here/kernel.sh" "$here/config.fragment" "${patches[@]}" -- "$srcpkg $src_version" "$(trapeze_cross_id)")
    out="$cache/linux-kernel-$khash"
fi

if [ "$force" = 0 ] && [ -f "$out/vmlinux" ] && [ -x "$out/gen_init_cpio" ]; then
    trapeze_log "cached: $out ($(head -1 "$out/version"))"
    echo "$out"
    exit 0
fi

# -- Build (serialised with a lock: concurrent callers wait, then reuse) -------------
exec 9>"$cache/linux-kernel.lock"
flock -n 9 || { trapeze_log "waiting for another kernel build to finish"; flock 9; }
if [ "$force" = 0 ] && [ -f "$out/vmlinux" ] && [ -x "$out/gen_init_cpio" ]; then
    echo "$out"
    exit 0
fi

start=$(trapeze_now)
since_start() { awk -v a="$start" -v b="$(trapeze_now)" 'BEGIN {printf "%.0f", b - a}'; }
work="$out.work"
# Work trees of earlier builds (kept after a failure for their logs) are dropped now.
rm -rf "$cache"/linux-kernel-*.work "$cache"/linux-kernel-*.tmp.*
mkdir -p "$work"
log="$work/build.log"
: > "$log"
trapeze_log "building Linux from $srcpkg $src_version in $work"

trapeze_log "unpacking $tarball"
tar -xJf "$tarball" -C "$work"
trapeze_log "unpacked at $(since_start) s"
srcdir="$work/$srcpkg"
[ -f "$srcdir/Makefile" ] || trapeze_die "unpacked source not found in $work"
# Guest fixes (patches/: each says why); none changes the kernel outside a KVM guest.
for p in "${patches[@]}"; do
    trapeze_log "applying $(basename "$p")"
    patch -s -d "$srcdir" -p1 < "$p" >> "$log" 2>&1 || trapeze_die "patch $(basename "$p") does not apply"
done

# Reproducible banner: fixed user/host, the source tarball's date as build date.
export KBUILD_BUILD_USER=trapeze KBUILD_BUILD_HOST=trapeze KBUILD_BUILD_VERSION=1
KBUILD_BUILD_TIMESTAMP=$(LC_ALL=C date -u -r "$tarball")
export KBUILD_BUILD_TIMESTAMP
jobs=${JOBS:-2}
mk=(make -C "$srcdir" ARCH=powerpc "CROSS_COMPILE=$TRAPEZE_CROSS_PREFIX")

trapeze_log "configuring: allnoconfig + config.fragment"
"${mk[@]}" KCONFIG_ALLCONFIG="$here/config.fragment" allnoconfig >>"$log" 2>&1 \
    || { tail -30 "$log" >&2; trapeze_die "make allnoconfig failed (log: $log)"; }
# Every line of the fragment must have survived (Kconfig silently drops
# symbols whose dependencies are not met).
bad=0
while IFS= read -r line; do
    case "$line" in
        CONFIG_*=*)
            grep -qxF "$line" "$srcdir/.config" \
                || { trapeze_log "config: '$line' not honoured (got: $(grep -E "^(# )?${line%%=*}[= ]" "$srcdir/.config" || echo absent))"; bad=1; } ;;
        "# CONFIG_"*" is not set")
            sym=${line#\# }; sym=${sym%% *}
            if grep -q "^$sym=" "$srcdir/.config"; then
                trapeze_log "config: '$line' not honoured ($(grep "^$sym=" "$srcdir/.config"))"; bad=1
            fi ;;
    esac
done < "$here/config.fragment"
[ "$bad" = 0 ] || trapeze_die "config.fragment not honoured (log: $log)"
trapeze_log "config: $(grep -c '=y$' "$srcdir/.config") options =y, all fragment lines honoured ($(since_start) s)"

# About this many kbuild steps (CC, AS, LD, AR, GEN ... lines) for this config;
# only used to show progress.
expected_steps=980
trapeze_log "compiling vmlinux with ${TRAPEZE_CROSS_PREFIX}gcc, make -j$jobs (2-5 minutes on 2 cores)"
# One progress line per 100 steps.
set +e
"${mk[@]}" -j"$jobs" vmlinux 2>&1 | tee -a "$log" | {
    n=0
    t0=$SECONDS
    while IFS= read -r line; do
        case "$line" in
            "  "[A-Z]*)
                n=$((n + 1))
                if [ $((n % 100)) = 0 ]; then
                    printf '[linux-kernel]   compiling %d/~%d, %d s: %s\n' "$n" "$expected_steps" $((SECONDS - t0)) "${line#  }" >&2
                fi ;;
        esac
    done
    printf '[linux-kernel]   %d steps in %d s\n' "$n" $((SECONDS - t0)) >&2
}
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
    grep -E 'error|Error' "$log" | head -20 >&2
    trapeze_die "make vmlinux failed (log: $log)"
fi

vmlinux="$srcdir/vmlinux"
# Must be a 32-bit big-endian PowerPC ELF executable.
hdr=$(od -An -tx1 -N20 "$vmlinux" | tr -d ' \n')
[ "${hdr:0:8}" = 7f454c46 ] && [ "${hdr:8:4}" = 0102 ] && [ "${hdr:36:4}" = 0014 ] \
    || trapeze_die "not an ELF32 big-endian PowerPC binary: $vmlinux"
release=$(cat "$srcdir/include/config/kernel.release")
[ -x "$srcdir/usr/gen_init_cpio" ] || trapeze_die "usr/gen_init_cpio was not built"

stage="$out.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
cp "$vmlinux" "$stage/vmlinux"
cp "$srcdir/System.map" "$stage/System.map"
cp "$srcdir/.config" "$stage/config"
cp "$srcdir/usr/gen_init_cpio" "$stage/gen_init_cpio"
elapsed=$(since_start)
cp "$log" "$stage/build.log"
printf 'Linux %s\nsource: Debian %s %s\ncross: %s\nbuilt in %s s with make -j%s\n' \
    "$release" "$srcpkg" "$src_version" "$(trapeze_cross_id)" "$elapsed" "$jobs" > "$stage/version"
rm -rf "$out"
mv "$stage" "$out"
rm -rf "$work"
trapeze_log "done in $(since_start) s: Linux $release, vmlinux $(stat -c %s "$out/vmlinux") bytes"
echo "$out"
