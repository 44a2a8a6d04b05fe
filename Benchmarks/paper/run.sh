#!/usr/bin/env bash
# The paper's Table 1 on this machine, in one command: installs what it
# needs, builds Trapeze and the benchmark image (Guest/linux/build-bench.sh,
# cached), runs `trapeze bench` over the whole suite in bare, kvm, pv and bt
# with the paper's figures beside ours, and writes the HTML report.
#
#   Benchmarks/paper/run.sh [--scale quick|paper] [OUTPUT_DIR] [-- BENCH_OPTIONS...]
#
# Default: --scale paper (about ten minutes on 2 cores) into ./results;
# prints Table 1, the raw exit table and the % of bare-metal speed, and
# leaves OUTPUT_DIR/results.json, OUTPUT_DIR/report.html, the runs' logs
# and exit-timing files. docs/results.md holds one such run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
scale=paper
if [ "${1:-}" = "--scale" ]; then scale=$2; shift 2; fi
out=${1:-results}
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
"$repo/scripts/install-deps.sh"
(cd "$repo" && swift build -c release >&2)
trapeze="$repo/.build/release/trapeze"
image=$("$repo/Guest/linux/build-bench.sh" | tail -1)
status=0
"$trapeze" bench --initrd "$image/initramfs.cpio" --scale "$scale" --modes bare,kvm,pv,bt --compare-paper -o "$out" "$@" || status=$?
"$trapeze" report "$out" -o "$out/report.html" --compare-paper
exit $status
