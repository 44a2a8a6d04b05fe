#!/usr/bin/env bash
# Sets up everything and runs Trapeze's main job. Until the Linux-booting
# machine lands, that is busybox's shell on the e500 core in user mode.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
busybox=$(Guest/busybox/build.sh | tail -n 1)
swift build -c release
exec "$(swift build -c release --show-bin-path)/trapeze" user "$busybox" sh "$@"
