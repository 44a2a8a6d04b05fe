#!/usr/bin/env bash
# Sets up everything and runs Trapeze's main job: boots the default Linux
# guest (built from Debian packages on first use, cached in ~/.cache/trapeze)
# on the simulated e500mc machine, with an interactive busybox shell on the
# console (Ctrl-A x quits; `exit` ends the machine). Extra arguments go to
# `trapeze run`, e.g. `scripts/run.sh --workload echo-spawn`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
image=$(Guest/linux/build.sh | tail -n 1)
swift build -c release
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--workload shell)
exec "$(swift build -c release --show-bin-path)/trapeze" run \
    --kernel "$image/vmlinux" --initrd "$image/initramfs.cpio" "${args[@]}"
