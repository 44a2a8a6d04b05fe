#!/usr/bin/env bash
# The project's test command (README, .ci/run): installs what it needs, builds
# the guest test programs and busybox (cached outside the repo), builds
# Trapeze optimized, and runs every test suite against it.
set -euo pipefail
cd "$(dirname "$0")/.."
export TRAPEZE_CACHE="${TRAPEZE_CACHE:-$HOME/.cache/trapeze}"
export TRAPEZE_ISA_DIR="$TRAPEZE_CACHE/isa"

scripts/install-deps.sh
echo "==> building ISA test programs into $TRAPEZE_ISA_DIR"
make -s -C Guest/isa OUT="$TRAPEZE_ISA_DIR"
echo "==> building busybox and the Linux guest image (cached)"
Guest/busybox/build.sh
Guest/linux/build.sh
Guest/linux/kernel.sh --stock   # the unmodified kernel bt runs
Guest/linux/build-bench.sh      # the guest image with the benchmark programs
echo "==> building trapeze (release)"
swift build -c release
echo "==> unit, differential and random-sequence tests"
swift test -c release
echo "==> FPU regression against qemu-ppc"
Guest/isa/fpu/run.sh
echo "==> busybox under trapeze vs qemu-ppc"
Guest/busybox/check.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> Linux guest: boot, find, echo-spawn under trapeze run vs qemu-system-ppc"
Guest/linux/check.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> Linux guest under --mode kvm: same console as bare, exit timing, exit profile, compare"
Guest/linux/check-kvm.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> bt: the unmodified kernel under the binary translator against bare, kvm and pv, and the issue's targets"
Guest/linux/check-bt.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> the engine's figures (console, instructions, modelled cycles, exits) of every workload in every mode, unchanged"
Guest/linux/check-engine.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> trapeze bench: the paper's suite at quick scale in bare, kvm, pv and bt; answers against bare and qemu-ppc"
Guest/linux/check-bench.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> console input, terminal restore and mutated inputs through trapeze run"
Guest/linux/check-input.sh "$(swift build -c release --show-bin-path)/trapeze"
Guest/linux/check-terminal.sh "$(swift build -c release --show-bin-path)/trapeze"
Guest/linux/check-mutated.sh "$(swift build -c release --show-bin-path)/trapeze"
echo "==> every ISA program inside the Linux guest (bare, kvm, pv, bt; alone and under CPU competition) vs qemu-ppc"
Guest/linux/check-isa.sh "$(swift build -c release --show-bin-path)/trapeze" --qemu-system
