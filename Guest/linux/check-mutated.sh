#!/usr/bin/env bash
# Mutated inputs through the `trapeze run` binary: kernels (the guest's ELF
# vmlinux and a gzipped uImage made from it), cost-model JSON files and
# initrds, mutated with a fixed seed (bit flips, header-field overwrites with
# edge values, truncations). Each run must end with status 1 and exactly one
# line `trapeze: ...` on stderr, or, when the mutated input still loads and
# the guest runs, with 0, 2 or 3 (done, guest crashed, --timeout): never a
# signal (status >= 128, a Swift trap), never a hang (an outer `timeout`).
# Garbage in an initrd that fits is the guest kernel's to judge: Linux finds
# no /init and panics, status 2. Most mutation cases run in-process
# (Tests/PlatformTests/MutatedInputTests.swift); these check the CLI's side.
# Ends with `mutated check: N cases, N passed, N failed`.
#
# Usage: Guest/linux/check-mutated.sh TRAPEZE_BIN
# Env: MUTATION_SEED (default 1), MUTATION_CASES (kernel cases; default 160)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRAPEZE_LOG_TAG=mutated
. "$here/../lib/common.sh"
trapeze=${1:?usage: check-mutated.sh TRAPEZE_BIN}
image=$("$here/build.sh" | tail -1)
seed=${MUTATION_SEED:-1}
kernel_cases=${MUTATION_CASES:-160}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
objcopy=${TRAPEZE_CROSS_PREFIX}objcopy

# The uImage Linux's `make uImage` would give: vmlinux.bin gzipped, load = entry = 0.
"$objcopy" -O binary "$image/vmlinux" "$work/vmlinux.bin" || trapeze_die "objcopy failed"
gzip -9 -n "$work/vmlinux.bin"
python3 - "$work" <<'EOF' || trapeze_die "cannot write the uImage"
import struct, sys, zlib
work = sys.argv[1]
data = open(f"{work}/vmlinux.bin.gz", "rb").read()
header = struct.pack(">7I4B32s", 0x27051956, 0, 0, len(data), 0, 0, zlib.crc32(data), 5, 7, 2, 1, b"Linux")
header = header[:4] + struct.pack(">I", zlib.crc32(header)) + header[8:]
open(f"{work}/uImage", "wb").write(header + data)
EOF

# Writes the mutated files: kernel-N (ELF), uimage-N, cost-N.json, initrd-N.
python3 - "$work" "$image/vmlinux" "$seed" "$kernel_cases" <<'EOF' || trapeze_die "mutator failed"
import json, random, struct, sys, zlib
work, vmlinux, seed, kernel_cases = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
elf = open(vmlinux, "rb").read()
uimage = open(f"{work}/uImage", "rb").read()

def edge32(size):
    return rng.choice([0, 1, 4, 32, 52, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, size, size - 1, size + 1,
                       64 << 20, 256 << 20, 0xC0000000, rng.getrandbits(32)]) & 0xFFFFFFFF

def mutate(data, fields, field_bias):
    b = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < field_bias:
            at, width = rng.choice(fields)
            if at + width <= len(b):
                value = edge32(len(b)) if width == 4 else rng.choice([0, 1, 31, 32, 40, 0x7FFF, 0xFFFF, rng.getrandbits(16)])
                b[at:at + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, "big")
        elif kind < field_bias + 0.15:
            b = b[:rng.randint(0, len(b))]
        elif b:
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(len(b))
                b[i] ^= 1 << rng.randrange(8)
    return bytes(b)

phoff, phnum = struct.unpack(">I", elf[28:32])[0], struct.unpack(">H", elf[44:46])[0]
elf_fields = [(o, 2) for o in (16, 18, 42, 44, 46, 48)] + [(o, 4) for o in (24, 28, 32)]
elf_fields += [(phoff + 32 * i + o, 4) for i in range(phnum) for o in (0, 4, 8, 12, 16, 20, 24)]
for n in range(kernel_cases):
    open(f"{work}/kernel-{n}", "wb").write(mutate(elf, elf_fields, 0.8))

uimage_fields = [(o, 4) for o in (12, 16, 20)] + [(o, 1) for o in (28, 29, 30, 31, 64 + 3)]
for n in range(kernel_cases // 4):
    b = bytearray(mutate(uimage, uimage_fields, 0.7))
    if n % 3 and len(b) >= 64:
        # CRCs recomputed, so the damage reaches the header checks and the gunzip.
        size = struct.unpack(">I", b[12:16])[0]
        if size <= len(b) - 64:
            b[24:28] = struct.pack(">I", zlib.crc32(b[64:64 + size]))
        b[4:8] = b"\0\0\0\0"
        b[4:8] = struct.pack(">I", zlib.crc32(bytes(b[:64])))
    open(f"{work}/uimage-{n}", "wb").write(bytes(b))

profile = {"name": "board", "frequency_mhz": 1200, "cycles_per_instruction": 1.5, "default_exit_cycles": 2000,
           "exit_cycles": {"EMULINST": 1750, "DTLBVIRT": 5500, "MMIO": 30000}}
text = json.dumps(profile)
extremes = ["0", "-1", "1e308", "1e309", "1e-320", "99999999999999999999", "0.0009", "1e13", "true", "null", '"x"', "[]"]
for n in range(kernel_cases // 2):
    t = text
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.4:
            digits = [i for i, c in enumerate(t) if c.isdigit()]
            if digits:
                i = rng.choice(digits); j = i
                while j < len(t) and (t[j].isdigit() or t[j] == "."): j += 1
                t = t[:i] + rng.choice(extremes) + t[j:]
        elif kind < 0.6:
            i = rng.randint(0, len(t)); t = t[:i] + rng.choice(['{', '}', '"', ',', ':', '\n', '"k": 1, ', '[' * 300]) + t[i:]
        elif kind < 0.8 and t:
            i = rng.randrange(len(t)); t = t[:i] + t[i + 1:]
        else:
            t = mutate(t.encode(), [(0, 1)], 0).decode("latin-1")
    open(f"{work}/cost-{n}.json", "w", encoding="latin-1").write(t)

cpio = open(f"{vmlinux.rsplit('/', 1)[0]}/initramfs.cpio", "rb").read()
for n in range(8):
    open(f"{work}/initrd-garbage-{n}", "wb").write(rng.randbytes(rng.choice([1, 4096, 1 << 19])))
    open(f"{work}/initrd-cut-{n}", "wb").write(cpio[:rng.randrange(len(cpio))])
EOF

cases=0 passed=0 failed=0
declare -A by_status=()
# run NAME ALLOWED_STATUSES trapeze-run-arguments...: status 1 needs exactly one stderr line.
run() {
    local name=$1 allowed=$2
    shift 2
    cases=$((cases + 1))
    timeout 120 "$trapeze" run "$@" < /dev/null > "$work/out" 2> "$work/err"
    local status=$? lines
    lines=$(wc -l < "$work/err")
    local why=""
    by_status[$status]=$(( ${by_status[$status]:-0} + 1 ))
    if [ $status -eq 124 ]; then why="hung (no end after 120 s)"
    elif [ $status -ge 128 ]; then why="died of signal $((status - 128))"
    elif [[ " $allowed " != *" $status "* ]]; then why="status $status (allowed: $allowed)"
    elif [ $status -eq 1 ] && { [ "$lines" -ne 1 ] || ! grep -q '^trapeze: ' "$work/err"; }; then
        why="status 1 with $lines stderr lines"
    elif grep -qE 'Fatal error|Program crashed' "$work/err"; then why="a Swift trap was reported"
    fi
    if [ -n "$why" ]; then
        echo "FAIL $name: $why"
        head -5 "$work/err" | sed 's/^/  | /'
        cp "$work/$name" "$work/../trapeze-mutated-$name" 2>/dev/null && echo "  kept as ${work%/*}/trapeze-mutated-$name"
        failed=$((failed + 1))
    else
        passed=$((passed + 1))
        [ "${VERBOSE:-0}" = 1 ] && echo "ok $name: status $status"
    fi
    return 0
}

initrd="$image/initramfs.cpio"
for ((n = 0; n < kernel_cases; n++)); do
    run "kernel-$n" "0 1 2 3" --kernel "$work/kernel-$n" --initrd "$initrd" --timeout 2
done
for ((n = 0; n < kernel_cases / 4; n++)); do
    run "uimage-$n" "0 1 2 3" --kernel "$work/uimage-$n" --initrd "$initrd" --timeout 2
done
for ((n = 0; n < kernel_cases / 2; n++)); do
    run "cost-$n.json" "0 1 3" --mode kvm --cost-model "$work/cost-$n.json" --kernel "$image/vmlinux" \
        --initrd "$initrd" --until TRAPEZE-BOOTED --timeout 5
done
for n in 0 1 2 3 4 5 6 7; do
    run "initrd-garbage-$n" "2" --kernel "$image/vmlinux" --initrd "$work/initrd-garbage-$n" --timeout 30
    run "initrd-cut-$n" "0 2 3" --kernel "$image/vmlinux" --initrd "$work/initrd-cut-$n" --timeout 5
done
# Initrds that cannot be used at all: bad input, one line.
: > "$work/empty"
run initrd-beyond-ram "1" -m 64 --kernel "$image/vmlinux" --initrd "$initrd"
run initrd-directory "1" --kernel "$image/vmlinux" --initrd "$work"
run initrd-missing "1" --kernel "$image/vmlinux" --initrd "$work/none"
run kernel-empty "1" --kernel "$work/empty"

summary=""
for status in $(printf '%s\n' "${!by_status[@]}" | sort -n); do summary+=" $status:${by_status[$status]}"; done
echo "mutated check: $cases cases, $passed passed, $failed failed (exit statuses:$summary)"
[ $failed -eq 0 ]
