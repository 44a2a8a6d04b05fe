# shellcheck shell=bash
# Shared helpers for the guest build scripts and benchmarks. Source it from bash:
#   . "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
#
# Conventions:
#   - Everything built for the guest lives OUTSIDE the repository, under
#     $TRAPEZE_CACHE (default ~/.cache/trapeze), in directories named
#     <thing>-<hash> where <hash> covers the script and all its inputs.
#   - Progress goes to stderr; a script's result (a path) is the last line on stdout.
#   - Scripts run as root on Debian bookworm and install what they need with apt-get.

# Cross compiler and user-mode reference emulator (overridable).
: "${TRAPEZE_CROSS_PREFIX:=powerpc-linux-gnu-}"
: "${QEMU_PPC:=qemu-ppc}"

trapeze_cache_root() {
    printf '%s\n' "${TRAPEZE_CACHE:-$HOME/.cache/trapeze}"
}

# trapeze_log MSG...: progress line on stderr, prefixed with the script's name.
trapeze_log() {
    printf '[%s] %s\n' "${TRAPEZE_LOG_TAG:-$(basename "$0")}" "$*" >&2
}

trapeze_die() {
    trapeze_log "error: $*"
    exit 1
}

_trapeze_apt_updated=0
trapeze_apt_update() {
    if [ "$_trapeze_apt_updated" = 0 ]; then
        trapeze_log "apt-get update"
        apt-get update -q >&2 || trapeze_die "apt-get update failed"
        _trapeze_apt_updated=1
    fi
}

# trapeze_apt_ensure PKG...: installs the Debian packages that are not installed yet.
trapeze_apt_ensure() {
    local missing=() p
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$p")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        trapeze_die "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
    fi
    trapeze_apt_update
    trapeze_log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 \
        || trapeze_die "apt-get install ${missing[*]} failed"
}

# The cross toolchain for static 32-bit big-endian PowerPC Linux programs.
trapeze_ensure_cross_toolchain() {
    trapeze_apt_ensure gcc-powerpc-linux-gnu libc6-dev-powerpc-cross binutils-powerpc-linux-gnu make
}

# qemu-ppc, the reference the simulator is compared against.
trapeze_ensure_qemu() {
    if ! command -v "$QEMU_PPC" >/dev/null 2>&1; then
        trapeze_apt_ensure qemu-user
    fi
    command -v "$QEMU_PPC" >/dev/null 2>&1 || trapeze_die "$QEMU_PPC not found"
}

# Makes sure source packages can be fetched (deb-src in the apt sources) and
# that apt knows about SRCPKG; runs apt-get update when needed.
trapeze_ensure_deb_src() {
    local srcpkg=$1 f changed=0
    if ! grep -rqsE '^(Types:.*\bdeb-src\b|deb-src[[:space:]])' /etc/apt/sources.list /etc/apt/sources.list.d/; then
        [ "$(id -u)" = 0 ] || trapeze_die "deb-src is not enabled in the apt sources (needs root to enable it)"
        f=/etc/apt/sources.list.d/debian.sources
        if [ -f "$f" ]; then
            trapeze_log "enabling deb-src in $f"
            sed -i -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' "$f"
        elif [ -f /etc/apt/sources.list ]; then
            trapeze_log "enabling deb-src in /etc/apt/sources.list"
            sed -n -E 's/^deb[[:space:]]/deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/trapeze-deb-src.list
        else
            trapeze_die "no apt sources file found to enable deb-src in"
        fi
        changed=1
    fi
    if [ "$changed" = 1 ] || [ -z "$(apt-cache showsrc "$srcpkg" 2>/dev/null | head -1)" ]; then
        _trapeze_apt_updated=0
        trapeze_apt_update
    fi
    [ -n "$(apt-cache showsrc "$srcpkg" 2>/dev/null | head -1)" ] \
        || trapeze_die "apt does not know the source package $srcpkg"
}

# trapeze_hash FILE... [-- STRING...]: short hex digest of the files' contents
# (with their names) and of the extra strings.
trapeze_hash() {
    {
        while [ $# -gt 0 ] && [ "$1" != -- ]; do
            printf 'file %s\n' "$(basename "$1")"
            cat "$1"
            shift
        done
        [ $# -gt 0 ] && shift
        local s
        for s in "$@"; do printf 'str %s\n' "$s"; done
    } | sha256sum | cut -c1-16
}

# trapeze_cross_id: identifies the cross compiler and C library (for cache hashes).
trapeze_cross_id() {
    printf '%s; %s\n' "$("${TRAPEZE_CROSS_PREFIX}gcc" --version | head -1)" \
        "$(dpkg-query -W -f='libc6-dev-powerpc-cross ${Version}' libc6-dev-powerpc-cross 2>/dev/null || true)"
}

# trapeze_link_stable TARGET LINK: points LINK at TARGET atomically.
trapeze_link_stable() {
    local target=$1 link=$2
    ln -sfn "$target" "$link.tmp.$$"
    mv -Tf "$link.tmp.$$" "$link"
}

# trapeze_now: wall clock in seconds with nanoseconds.
trapeze_now() {
    date +%s.%N
}

# qemu-system-ppc, the reference machine the Linux guest image boots on
# (Guest/linux/qemu-boot.sh: -M ppce500 -cpu e500mc). Overridable.
: "${QEMU_SYSTEM_PPC:=qemu-system-ppc}"
trapeze_ensure_qemu_system() {
    if ! command -v "$QEMU_SYSTEM_PPC" >/dev/null 2>&1; then
        trapeze_apt_ensure qemu-system-ppc
    fi
    command -v "$QEMU_SYSTEM_PPC" >/dev/null 2>&1 || trapeze_die "$QEMU_SYSTEM_PPC not found"
}

# The build scripts' one option: prints 1 for --force, 0 for nothing, and
# fails with a usage line otherwise. Use: force=$(trapeze_force_flag "$@") || exit 2
trapeze_force_flag() {
    case "${1:-}" in
        --force) echo 1 ;;
        "") echo 0 ;;
        *) echo "usage: $0 [--force]" >&2; return 2 ;;
    esac
}
