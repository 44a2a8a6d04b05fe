#!/usr/bin/env bash
# Builds a static, big-endian, 32-bit PowerPC busybox from Debian's busybox
# source package with powerpc-linux-gnu-gcc, using Debian's busybox-static
# configuration plus config.fragment beside this script.
#
# Output (outside the repository):
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/busybox-<hash>/busybox   the binary (not stripped)
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/busybox-<hash>/{config,version,build.log}
#   ${TRAPEZE_CACHE:-~/.cache/trapeze}/busybox -> busybox-<hash>/busybox
# <hash> covers this script, lib/common.sh, config.fragment, the Debian source
# package (version and .dsc checksum) and the cross toolchain version. A cached
# build is reused. Progress goes to stderr; the last line on stdout is the path.
#
# Usage: Guest/busybox/build.sh [--force]
# Env:   TRAPEZE_CACHE, JOBS (make -j, default 2), TRAPEZE_CROSS_PREFIX (powerpc-linux-gnu-)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=busybox
. "$here/../lib/common.sh"

force=$(trapeze_force_flag "$@") || exit 2

cache=$(trapeze_cache_root)
mkdir -p "$cache"
stable="$cache/busybox"

# Applets the project relies on; the build fails if the config lacks one.
required_applets="ASH ECHO MD5SUM SHA256SUM SORT SED AWK FIND TAR CAT LS WC HEAD GREP CP MKDIR RM TRUE FALSE PRINTF SEQ XARGS"

# -- Tools and source package metadata ----------------------------------------
trapeze_ensure_cross_toolchain
trapeze_apt_ensure dpkg-dev bzip2 xz-utils
trapeze_ensure_deb_src busybox

# The exact source package apt would fetch: its .dsc name and checksum.
probe=$(mktemp -d)
dsc_line=$( (cd "$probe" && apt-get source --print-uris busybox 2>/dev/null) | grep -E "^'[^']*\.dsc' " | head -1 || true)
rmdir "$probe"
if [ -z "$dsc_line" ]; then
    if [ -e "$stable" ] && [ "$force" = 0 ]; then
        trapeze_log "warning: cannot query the busybox source package; using the cached build"
        readlink -f "$stable"
        exit 0
    fi
    trapeze_die "apt-get source --print-uris busybox gave no .dsc"
fi
dsc_name=$(awk '{print $2}' <<<"$dsc_line")
dsc_sum=$(awk '{print $4}' <<<"$dsc_line")
src_version=${dsc_name#busybox_}
src_version=${src_version%.dsc}

hash=$(trapeze_hash "$here/build.sh" "$here/../lib/common.sh" "$here/config.fragment" \
    -- "$dsc_name $dsc_sum" "$(trapeze_cross_id)")
out="$cache/busybox-$hash"

if [ "$force" = 0 ] && [ -x "$out/busybox" ]; then
    trapeze_log "cached: $out/busybox (Debian busybox $src_version)"
    trapeze_link_stable "busybox-$hash/busybox" "$stable"
    echo "$out/busybox"
    exit 0
fi

# -- Build (serialised with a lock: concurrent callers wait, then reuse) -------
exec 9>"$cache/busybox.lock"
flock -n 9 || { trapeze_log "waiting for another busybox build to finish"; flock 9; }
if [ "$force" = 0 ] && [ -x "$out/busybox" ]; then
    trapeze_link_stable "busybox-$hash/busybox" "$stable"
    echo "$out/busybox"
    exit 0
fi

start=$(trapeze_now)
work="$cache/busybox-$hash.work"
# Work trees of earlier builds (kept after a failure for their logs) are dropped now.
rm -rf "$cache"/busybox-*.work "$cache"/busybox-*.tmp.*
mkdir -p "$work"
trapeze_log "building Debian busybox $src_version for 32-bit big-endian PowerPC in $work"

trapeze_log "fetching and unpacking the source package (apt-get source busybox)"
(cd "$work" && apt-get source -q busybox) >"$work/source.log" 2>&1 \
    || { cat "$work/source.log" >&2; trapeze_die "apt-get source failed"; }
[ -f "$work/$dsc_name" ] || trapeze_die "apt-get source did not fetch $dsc_name (apt lists changed meanwhile?)"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -1)
[ -n "$srcdir" ] && [ -f "$srcdir/debian/config/pkg/static" ] || trapeze_die "unpacked source not found"

trapeze_log "configuring: Debian's busybox-static config + config.fragment"
# Debian's config with every symbol named in the fragment removed, then the fragment.
frag_syms=$(grep -oE '^(# )?CONFIG_[A-Za-z0-9_]+' "$here/config.fragment" | sed 's/^# //' | sort -u)
cat "$srcdir/debian/config/os/linux" "$srcdir/debian/config/pkg/static" \
    | grep -vwFf <(printf '%s\n' $frag_syms) > "$srcdir/.config" || true
cat "$here/config.fragment" >> "$srcdir/.config"
export KCONFIG_NOTIMESTAMP=1
mk=(make -C "$srcdir" "CROSS_COMPILE=$TRAPEZE_CROSS_PREFIX" SKIP_STRIP=y)
"${mk[@]}" oldconfig < <(yes "") >"$work/config.log" 2>&1 \
    || { tail -30 "$work/config.log" >&2; trapeze_die "make oldconfig failed"; }
for a in $required_applets; do
    grep -qx "CONFIG_$a=y" "$srcdir/.config" || trapeze_die "config lacks CONFIG_$a"
done

jobs=${JOBS:-2}
trapeze_log "compiling with ${TRAPEZE_CROSS_PREFIX}gcc, make -j$jobs (about a minute)"
# Print one progress line per 100 compiled objects.
set +e
"${mk[@]}" -j"$jobs" busybox 2>&1 | tee "$work/build.log" \
    | awk '/^  (CC|AR|LD)/ {n++; if (n % 100 == 0) {printf "[busybox]   %d objects...\n", n > "/dev/stderr"}}'
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ]; then
    grep -E 'error|Error' "$work/build.log" | head -20 >&2
    trapeze_die "make failed (log: $work/build.log)"
fi

bin="$srcdir/busybox"
file_desc=$(file -b "$bin" 2>/dev/null || true)
trapeze_log "built: ${file_desc:-$bin}"
# Must be a static 32-bit big-endian PowerPC executable.
hdr=$(od -An -tx1 -N20 "$bin" | tr -d ' \n')
[ "${hdr:0:8}" = 7f454c46 ] && [ "${hdr:8:4}" = 0102 ] && [ "${hdr:36:4}" = 0014 ] \
    || trapeze_die "not an ELF32 big-endian PowerPC binary: $bin"
if powerpc-linux-gnu-readelf -l "$bin" | grep -q INTERP; then
    trapeze_die "busybox is dynamically linked"
fi

# Smoke test under qemu-ppc when it is there.
if qemu=$(command -v "$QEMU_PPC"); then
    got=$(env -i PATH=/nonexistent "$qemu" "$bin" sh -c 'echo hi | md5sum' 2>&1 || true)
    [ "$got" = "764efa883dda1e11db47671c4a3bbd9e  -" ] || trapeze_die "qemu-ppc smoke test failed: $got"
    trapeze_log "qemu-ppc smoke test passed"
fi

stage="$cache/busybox-$hash.tmp.$$"
rm -rf "$stage"
mkdir -p "$stage"
cp "$bin" "$stage/busybox"
cp "$srcdir/.config" "$stage/config"
cp "$work/build.log" "$stage/build.log"
printf 'Debian source package busybox %s (%s)\ncross: %s\n' "$src_version" "$dsc_sum" "$(trapeze_cross_id)" > "$stage/version"
rm -rf "$out"
mv "$stage" "$out"
rm -rf "$work"
trapeze_link_stable "busybox-$hash/busybox" "$stable"
trapeze_log "done in $(awk -v a="$start" -v b="$(trapeze_now)" 'BEGIN {printf "%.0f", b - a}') s; $stable -> busybox-$hash/busybox"
echo "$out/busybox"
