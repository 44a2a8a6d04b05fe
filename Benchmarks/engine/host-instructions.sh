#!/usr/bin/env bash
# The engine's cost per guest instruction in host instructions, counted by
# valgrind's cachegrind: unlike wall time it is the same on every run and
# whatever else the machine does, so it compares engine versions exactly
# (docs/performance.md's steps table).
#
# Usage: Benchmarks/engine/host-instructions.sh TRAPEZE_BIN [TRAPEZE_BIN...]
# For each binary prints two figures:
#   user  host instructions per guest instruction of `trapeze user` running
#         the compute benchmark's sort (30000 ints less 1000 ints, which
#         cancels start-up);
#   boot  the same for `trapeze run --workload boot` (bare, the default
#         image) to TRAPEZE-BOOTED, start-up included.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 1 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
command -v valgrind >/dev/null || { echo "host-instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
guests=$("$here/../compute/build.sh" | tail -1)

# count BIN ARGS...: prints "host_instructions guest_instructions".
count() {
    local out
    out=$(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" 2>&1 >/dev/null </dev/null)
    echo "$(grep -E 'I +refs' <<<"$out" | tr -d ',' | awk '{print $NF}') \
$(grep -oE 'instructions=[0-9]+' <<<"$out" | tail -1 | cut -d= -f2)"
}

printf '%-40s %8s %8s\n' binary user boot
for bin in "$@"; do
    read -r h1 g1 < <(count "$bin" user --stats "$guests/sort" 1000)
    read -r h2 g2 < <(count "$bin" user --stats "$guests/sort" 30000)
    read -r hb gb < <(count "$bin" run --workload boot --until TRAPEZE-BOOTED)
    printf '%-40s %8.1f %8.1f\n' "$bin" "$(echo "($h2 - $h1) / ($g2 - $g1)" | bc -l)" "$(echo "$hb / $gb" | bc -l)"
done
