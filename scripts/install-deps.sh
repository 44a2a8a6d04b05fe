#!/usr/bin/env bash
# Installs the Debian packages Trapeze's build, guests and tests need:
# the PowerPC cross toolchain and qemu-user (the behaviour oracle).
set -euo pipefail
packages=(gcc-powerpc-linux-gnu libc6-dev-powerpc-cross binutils-powerpc-linux-gnu qemu-user make device-tree-compiler)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "trapeze: missing packages: ${missing[*]} (run as root or install them)" >&2
        exit 1
    fi
    echo "==> installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
