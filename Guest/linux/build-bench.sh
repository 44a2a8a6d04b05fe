#!/usr/bin/env bash
# Builds the benchmark guest image: the Trapeze initramfs (build.sh) with the
# paper's benchmark program Guest/bench (trapeze-bench, one static PowerPC
# program for every workload) added, so that `trapeze run --workload NAME`
# runs one benchmark inside Linux. The image adds
#
#   /bench/trapeze-bench   the program (built here: -O2 -static)
#   /bench/lame            LAME, the encoder the `lame` workload runs
#                          (Guest/bench/build-lame.sh, stripped)
#   /bench/run             Guest/bench/run: runs `trapeze-bench NAME SCALE`
#                          in /tmp for NAME = its own basename, SCALE from
#                          trapeze.scale= on the kernel command line
#   /workloads/NAME        -> /bench/run, for every `trapeze-bench list` name
#
# as a second cpio archive appended to the first (Linux unpacks both).
#
# Output (outside the repository), the directory on the last stdout line:
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/bench-<bhash>/trapeze-bench
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/bench -> bench-<bhash>
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-bench-<hash>/
#       vmlinux, System.map  links to the base image's
#       trapeze-bench        a link to the program (for qemu-ppc runs)
#       lame                 a link to the encoder beside it for those runs:
#                            build-lame.sh's qemu/lame, the oracle's copy
#                            (what qemu-ppc can run; the same instructions
#                            as /bench/lame on e500mc and in trapeze)
#       initramfs.cpio       base initramfs + the bench archive
#       bench.list           the gen_init_cpio list of the bench archive
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/linux-bench -> linux-bench-<hash>
# <bhash> covers this script, lib/common.sh, Guest/bench/*.[ch], the flags
# and the cross toolchain; <hash> covers this script, Guest/bench/run, the
# program, both copies of lame and the base initramfs.
#
# Usage: Guest/linux/build-bench.sh [--force]   (--force rebuilds the program
#        and the image, not lame or the base image)
# Env:   TRAPEZE_CACHE, BENCH_CFLAGS (default -O2), TRAPEZE_CROSS_PREFIX, QEMU_PPC
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=linux-bench
. "$here/../lib/common.sh"

force=$(trapeze_force_flag "$@") || exit 2
cache=$(trapeze_cache_root)
src="$here/../bench"
cflags=${BENCH_CFLAGS:--O2}
mkdir -p "$cache"

# -- The program -----------------------------------------------------------------
trapeze_ensure_cross_toolchain
trapeze_ensure_qemu
sources=("$src"/*.c)
headers=("$src"/*.h)
bhash=$(trapeze_hash "$here/build-bench.sh" "$here/../lib/common.sh" "${headers[@]}" "${sources[@]}" \
    -- "cflags $cflags" "$(trapeze_cross_id)")
bdir="$cache/bench-$bhash"
if [ "$force" = 1 ] || [ ! -x "$bdir/trapeze-bench" ]; then
    trapeze_log "compiling trapeze-bench (${TRAPEZE_CROSS_PREFIX}gcc $cflags -static)"
    stage="$bdir.tmp.$$"
    rm -rf "$stage"
    mkdir -p "$stage"
    # shellcheck disable=SC2086
    "${TRAPEZE_CROSS_PREFIX}gcc" -std=c99 $cflags -static -Wall -Wextra \
        -o "$stage/trapeze-bench" "${sources[@]}" || trapeze_die "compiling trapeze-bench failed"
    rm -rf "$bdir"
    mv "$stage" "$bdir"
else
    trapeze_log "cached: $bdir"
fi
trapeze_link_stable "bench-$bhash" "$cache/bench"
program="$bdir/trapeze-bench"

names=$("$QEMU_PPC" "$program" list) || trapeze_die "trapeze-bench list under $QEMU_PPC failed"
mapfile -t workloads <<< "$names"
[ ${#workloads[@]} -gt 0 ] || trapeze_die "trapeze-bench lists no workloads"

# -- The encoder (its own cache) ------------------------------------------------
lamedir=$("$here/../bench/build-lame.sh" | tail -1)
[ -x "$lamedir/lame" ] && [ -x "$lamedir/qemu/lame" ] || trapeze_die "build-lame.sh gave no lame ($lamedir)"

# -- The image -------------------------------------------------------------------
base=$("$here/build.sh" | tail -1)
[ -f "$base/initramfs.cpio" ] || trapeze_die "base image has no initramfs ($base)"
kdir=$("$here/kernel.sh" | tail -1)
[ -x "$kdir/gen_init_cpio" ] || trapeze_die "no gen_init_cpio in $kdir"

hash=$(trapeze_hash "$here/build-bench.sh" "$src/run" \
    -- "base $(sha256sum "$base/initramfs.cpio" | cut -c1-16)" \
       "program $(sha256sum "$program" | cut -c1-16)" \
       "lame $(sha256sum "$lamedir/lame" | cut -c1-16) $(sha256sum "$lamedir/qemu/lame" | cut -c1-16)")
out="$cache/linux-bench-$hash"
if [ "$force" = 0 ] && [ -f "$out/initramfs.cpio" ] && [ -e "$out/vmlinux" ] && [ -x "$out/trapeze-bench" ] && [ -x "$out/lame" ]; then
    trapeze_log "cached: $out"
    trapeze_link_stable "linux-bench-$hash" "$cache/linux-bench"
    echo "$out"
    exit 0
fi

stage="$out.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
list="$stage/bench.list"
{
    echo "# Trapeze benchmark programs (Guest/linux/build-bench.sh; gen_init_cpio format)"
    echo "dir /bench 0755 0 0"
    echo "dir /workloads 0755 0 0"
    echo "file /bench/trapeze-bench $program 0755 0 0"
    echo "file /bench/lame $lamedir/lame 0755 0 0"
    echo "file /bench/run $src/run 0755 0 0"
    for w in "${workloads[@]}"; do
        echo "slink /workloads/$w /bench/run 0777 0 0"
    done
} > "$list"
"$kdir/gen_init_cpio" -t 0 "$list" > "$stage/bench.cpio" 2>"$stage/gen_init_cpio.log" \
    || { cat "$stage/gen_init_cpio.log" >&2; trapeze_die "gen_init_cpio failed"; }
# newc archives concatenate; the kernel unpacks them in order.
cat "$base/initramfs.cpio" "$stage/bench.cpio" > "$stage/initramfs.cpio"
rm -f "$stage/bench.cpio" "$stage/gen_init_cpio.log"
ln -s "$base/vmlinux" "$stage/vmlinux"
ln -s "$base/System.map" "$stage/System.map"
ln -s "$program" "$stage/trapeze-bench"
ln -s "$lamedir/qemu/lame" "$stage/lame"
rm -rf "$out"
mv "$stage" "$out"
trapeze_link_stable "linux-bench-$hash" "$cache/linux-bench"
trapeze_log "done: $out (${#workloads[@]} workloads, initramfs $(stat -c %s "$out/initramfs.cpio") bytes)"
echo "$out"
