#!/usr/bin/env bash
# Builds the MP3 encoder of the paper's `lame` benchmark: the `lame` frontend
# from Debian's lame source package (with Debian's patches), cross-compiled
# as a static 32-bit big-endian PowerPC Linux program with
# powerpc-linux-gnu-gcc -O2: LAME's own WAV reader (no libsndfile), no
# nasm, no termcap, its built-in mpglib decoder as upstream's default.
# Guest/linux/build-bench.sh puts it at /bench/lame beside trapeze-bench,
# whose `lame` workload runs it.
#
# Output (outside the repository), the directory on the last stdout line:
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/lame-<hash>/
#       lame            the program, stripped (what the image holds)
#       lame.unstripped the same with its symbols, for profiles
#       qemu/lame       the qemu-ppc oracle's copy (Guest/isa/hwpatch.py:
#                       glibc's ISA 3.0 mffs forms, which the e500mc and
#                       Trapeze run as mffs and qemu-ppc 7.2 rejects, as mffs)
#       version, configure.log, build.log
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/lame -> lame-<hash>
# <hash> covers this script, lib/common.sh, hwpatch.py, the Debian source
# package (version and .dsc checksum), the flags and the cross toolchain.
# A cached build is reused.
#
# Usage: Guest/bench/build-lame.sh [--force]
# Env:   TRAPEZE_CACHE, JOBS (make -j, default 2), LAME_CFLAGS (default -O2),
#        TRAPEZE_CROSS_PREFIX, QEMU_PPC
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=lame
. "$here/../lib/common.sh"

force=$(trapeze_force_flag "$@") || exit 2
cache=$(trapeze_cache_root)
cflags=${LAME_CFLAGS:--O2}
hwpatch="$here/../isa/hwpatch.py"
mkdir -p "$cache"
stable="$cache/lame"

# -- Tools and source package metadata -----------------------------------------
trapeze_ensure_cross_toolchain
trapeze_ensure_qemu
trapeze_apt_ensure dpkg-dev xz-utils python3 make
trapeze_ensure_deb_src lame

# The exact source package apt would fetch: its .dsc name and checksum.
probe=$(mktemp -d)
dsc_line=$( (cd "$probe" && apt-get source --print-uris lame 2>/dev/null) | grep -E "^'[^']*\.dsc' " | head -1 || true)
rmdir "$probe"
if [ -z "$dsc_line" ]; then
    if [ -e "$stable" ] && [ "$force" = 0 ]; then
        trapeze_log "warning: cannot query the lame source package; using the cached build"
        readlink -f "$stable"
        exit 0
    fi
    trapeze_die "apt-get source --print-uris lame gave no .dsc"
fi
dsc_name=$(awk '{print $2}' <<<"$dsc_line")
dsc_sum=$(awk '{print $4}' <<<"$dsc_line")
src_version=${dsc_name#lame_}
src_version=${src_version%.dsc}

hash=$(trapeze_hash "$here/build-lame.sh" "$here/../lib/common.sh" "$hwpatch" \
    -- "$dsc_name $dsc_sum" "cflags $cflags" "$(trapeze_cross_id)")
out="$cache/lame-$hash"
built() { [ -x "$out/lame" ] && [ -x "$out/qemu/lame" ]; }

if [ "$force" = 0 ] && built; then
    trapeze_log "cached: $out (Debian lame $src_version)"
    trapeze_link_stable "lame-$hash" "$stable"
    echo "$out"
    exit 0
fi

# -- Build (serialised with a lock: concurrent callers wait, then reuse) -------
exec 9>"$cache/lame.lock"
flock -n 9 || { trapeze_log "waiting for another lame build to finish"; flock 9; }
if [ "$force" = 0 ] && built; then
    trapeze_link_stable "lame-$hash" "$stable"
    echo "$out"
    exit 0
fi

start=$(trapeze_now)
work="$out.work"
# Work trees of earlier builds (kept after a failure for their logs) are dropped now.
rm -rf "$cache"/lame-*.work "$cache"/lame-*.tmp.*
mkdir -p "$work"
trapeze_log "building Debian lame $src_version for 32-bit big-endian PowerPC in $work"

trapeze_log "fetching and unpacking the source package (apt-get source lame)"
(cd "$work" && apt-get source -q lame) >"$work/source.log" 2>&1 \
    || { cat "$work/source.log" >&2; trapeze_die "apt-get source failed"; }
[ -f "$work/$dsc_name" ] || trapeze_die "apt-get source did not fetch $dsc_name (apt lists changed meanwhile?)"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'lame-*' | head -1)
[ -n "$srcdir" ] && [ -x "$srcdir/configure" ] || trapeze_die "unpacked source not found"

# LDFLAGS=-static makes configure's link tests static like the program;
# libtool keeps -static for its own libraries only, so the frontend is
# linked with -all-static (below) to get a static libc too. Debian's cross
# gcc also searches the host's /usr/include, where it would find ncurses'
# termcap.h: the answers are fixed so the host's packages cannot change
# the build (the frontend's termcap code is for terminal widths only).
configure_args=(--host="${TRAPEZE_CROSS_PREFIX%-}" --disable-shared --enable-static
    --disable-dependency-tracking --disable-gtktest --disable-rpath --with-fileio=lame
    ac_cv_header_termcap_h=no ac_cv_header_ncurses_termcap_h=no
    "CC=${TRAPEZE_CROSS_PREFIX}gcc" "CFLAGS=$cflags" LDFLAGS=-static)
trapeze_log "configuring: ${configure_args[*]}"
(cd "$srcdir" && ./configure "${configure_args[@]}") >"$work/configure.log" 2>&1 \
    || { tail -30 "$work/configure.log" >&2; trapeze_die "configure failed (log: $work/configure.log)"; }
# Without nasm and on PowerPC no assembly goes in; check that the build is
# what the benchmark means: LAME's WAV reader, no external decoder libraries.
if grep -qE '^#define (LIBSNDFILE|HAVE_NASM|HAVE_TERMCAP)\b' "$srcdir/config.h"; then
    trapeze_die "config.h enables sndfile, nasm or termcap (log: $work/configure.log)"
fi

jobs=${JOBS:-2}
trapeze_log "compiling with ${TRAPEZE_CROSS_PREFIX}gcc $cflags, make -j$jobs (about 15 s on 2 cores)"
make -C "$srcdir" -j"$jobs" LDFLAGS=-all-static >"$work/build.log" 2>&1 \
    || { grep -E 'error|Error' "$work/build.log" | head -20 >&2; trapeze_die "make failed (log: $work/build.log)"; }

bin="$srcdir/frontend/lame"
[ -x "$bin" ] || trapeze_die "make built no frontend/lame (log: $work/build.log)"
# Must be a static 32-bit big-endian PowerPC executable.
hdr=$(od -An -tx1 -N20 "$bin" | tr -d ' \n')
[ "${hdr:0:8}" = 7f454c46 ] && [ "${hdr:8:4}" = 0102 ] && [ "${hdr:36:4}" = 0014 ] \
    || trapeze_die "not an ELF32 big-endian PowerPC binary: $bin"
if "${TRAPEZE_CROSS_PREFIX}readelf" -l "$bin" | grep -q INTERP; then
    trapeze_die "lame is dynamically linked"
fi

stage="$out.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage/qemu"
cp "$bin" "$stage/lame.unstripped"
"${TRAPEZE_CROSS_PREFIX}strip" -o "$stage/lame" "$bin"
python3 "$hwpatch" --self-test 2>>"$work/build.log" || trapeze_die "hwpatch.py self-test failed"
python3 "$hwpatch" "$stage/lame" "$stage/qemu/lame" 2>>"$work/build.log" || trapeze_die "hwpatch.py failed"
trapeze_log "$(tail -1 "$work/build.log")"

# Smoke test under qemu-ppc: the upstream test WAV, encoded as the benchmark
# encodes, must give an MPEG audio stream (frame sync 0xfffb: MPEG-1 layer III).
smoke="$work/smoke.mp3"
"$QEMU_PPC" "$stage/qemu/lame" --preset insane -S "$srcdir/testcase.wav" "$smoke" >"$work/smoke.log" 2>&1 \
    || { cat "$work/smoke.log" >&2; trapeze_die "qemu-ppc smoke test failed"; }
[ "$(od -An -tx1 -N2 "$smoke" | tr -d ' \n')" = fffb ] || trapeze_die "qemu-ppc smoke test: not an MP3 stream"
trapeze_log "qemu-ppc smoke test passed (testcase.wav -> $(stat -c %s "$smoke") bytes, md5 $(md5sum < "$smoke" | cut -c1-32))"

lame_version=$("$QEMU_PPC" "$stage/qemu/lame" --version | head -1)
cp "$work/configure.log" "$work/build.log" "$stage/"
printf '%s\nDebian source package lame %s (%s)\nconfigure %s\nmake LDFLAGS=-all-static\ncross: %s\n' \
    "$lame_version" "$src_version" "$dsc_sum" "${configure_args[*]}" "$(trapeze_cross_id)" > "$stage/version"
rm -rf "$out"
mv "$stage" "$out"
rm -rf "$work"
trapeze_link_stable "lame-$hash" "$stable"
trapeze_log "done in $(awk -v a="$start" -v b="$(trapeze_now)" 'BEGIN {printf "%.0f", b - a}') s: $lame_version, $(stat -c %s "$out/lame") bytes stripped"
echo "$out"
