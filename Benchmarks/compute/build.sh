#!/usr/bin/env bash
# Builds the compute benchmark guests (src/*.c) as static 32-bit big-endian
# PowerPC Linux programs with powerpc-linux-gnu-gcc -O2 -static.
#
# Output (outside the repository):
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/compute-<hash>/{hashes,sort,crc}
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/compute -> compute-<hash>
# <hash> covers this script, lib/common.sh, the sources, the flags and the cross
# toolchain version; a cached build is reused. Progress goes to stderr; the last
# line on stdout is the directory.
#
# Env: TRAPEZE_CACHE, COMPUTE_CFLAGS (default "-O2"), TRAPEZE_CROSS_PREFIX.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=compute-build
. "$here/../../Guest/lib/common.sh"

workloads=(hashes sort crc)
cflags=${COMPUTE_CFLAGS:--O2}

trapeze_ensure_cross_toolchain
cache=$(trapeze_cache_root)
mkdir -p "$cache"
srcs=()
for w in "${workloads[@]}"; do srcs+=("$here/src/$w.c"); done
hash=$(trapeze_hash "$here/build.sh" "$here/../../Guest/lib/common.sh" "${srcs[@]}" \
    -- "cflags $cflags" "$(trapeze_cross_id)")
out="$cache/compute-$hash"

if [ ! -x "$out/${workloads[-1]}" ]; then
    stage="$cache/compute-$hash.tmp.$$"
    rm -rf "$stage"
    mkdir -p "$stage"
    for w in "${workloads[@]}"; do
        trapeze_log "compiling $w.c (${TRAPEZE_CROSS_PREFIX}gcc $cflags -static)"
        # shellcheck disable=SC2086
        "${TRAPEZE_CROSS_PREFIX}gcc" $cflags -static -Wall -Wextra -o "$stage/$w" "$here/src/$w.c"
    done
    rm -rf "$out"
    mv "$stage" "$out"
else
    trapeze_log "cached: $out"
fi
trapeze_link_stable "compute-$hash" "$cache/compute"
echo "$out"
