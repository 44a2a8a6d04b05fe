# Shared by the Linux benchmarks: `source` it with the script's arguments.
# Parses [--reps N] [TRAPEZE_BIN] into $reps and $trapeze (building Trapeze
# optimized when no binary is given), and sets $repo and $image (the guest
# image, built or taken from the cache).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=3
if [ "${1:-}" = "--reps" ]; then reps=$2; shift 2; fi
trapeze=${1:-}
if [ -z "$trapeze" ]; then
    (cd "$repo" && swift build -c release >&2)
    trapeze="$repo/.build/release/trapeze"
fi
image=$("$repo/Guest/linux/build.sh" | tail -1)
