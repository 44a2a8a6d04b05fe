#!/usr/bin/env bash
# Regression check of Trapeze's FPU (Sources/E500/FloatingPoint) against qemu-ppc 7.2.
#   Guest/isa/fpu/run.sh [random-cases-per-op-and-mode (default 2000)] [seed]
# 1. fast path vs. software path (swiftc only);
# 2. gen.c run under qemu-ppc -cpu 7400, every line recomputed by the Swift FPU.
# Needs: swiftc, gcc-powerpc-linux-gnu, qemu-user (Debian bookworm: qemu 7.2).
# Exits 0 when everything matches, 1 on a mismatch, 2 when a tool is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=${FPU_WORK:-$(mktemp -d /tmp/fpu-check.XXXXXX)}
mkdir -p "$work"
fpu_sources=("$repo"/Sources/E500/FloatingPoint/*.swift)

command -v swiftc >/dev/null || { echo "swiftc not found" >&2; exit 2; }
swiftc -O -wmo -module-name FPUFast "${fpu_sources[@]}" "$here/fastpath/main.swift" -o "$work/fpufast"
"$work/fpufast" 2000000 "${2:-1}"

for tool in powerpc-linux-gnu-gcc qemu-ppc; do
    command -v "$tool" >/dev/null || {
        echo "$tool not found: apt-get install gcc-powerpc-linux-gnu qemu-user" >&2
        exit 2
    }
done
powerpc-linux-gnu-gcc -static -O1 -mcpu=7400 -Wall -o "$work/fpugen" "$here/gen.c"
swiftc -O -wmo -module-name FPUCheck "${fpu_sources[@]}" "$here/checker/main.swift" -o "$work/fpucheck"
# -cpu 7400: qemu's default 750 model and its e500mc model lack fsqrt(s).
qemu-ppc -cpu 7400 "$work/fpugen" "${1:-2000}" ${2:+"$2"} > "$work/expected.txt"
"$work/fpucheck" < "$work/expected.txt"
