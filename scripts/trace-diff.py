#!/usr/bin/env python3
"""Find the first divergence between a Trapeze instruction trace and QEMU's.

    scripts/trace-diff.py TRAPEZE_TRACE QEMU_TRACE [--context N] [--skip N]

TRAPEZE_TRACE is what `trapeze ... --trace FILE` writes: one line per
executed instruction, `0xADDRESS: WORD  disassembly`.
QEMU_TRACE is `qemu-system-ppc ... -singlestep -d exec,nochain -D FILE`
(Debian's QEMU 7.2 spells one-insn-per-tb as -singlestep; add
`-icount shift=0,sleep=off` for a deterministic timer): lines
`Trace 0: 0xHOST [CS_BASE/PC/HFLAGS/CFLAGS] symbol`; other lines are ignored.

Both are reduced to their PC streams and compared in step. The first PC
that differs is printed with the instructions leading up to it from both
sides. Exit status: 0 if the streams agree over their common length, 1 at
a divergence, 2 on bad input.
"""
import argparse
import re
import sys

OURS = re.compile(r"^0x([0-9a-fA-F]{8}):\s*([0-9a-fA-F]{8})?\s*(.*)$")
QEMU = re.compile(r"^Trace \d+: (\S+) \[[0-9a-fA-F]+/([0-9a-fA-F]+)/")


def read_trapeze(path):
    """(pc, text) per instruction line of a Trapeze trace."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = OURS.match(line)
            if m:
                out.append((int(m.group(1), 16), line.rstrip("\n")))
    return out


def read_qemu(path):
    """(pc, text) per executed instruction of a QEMU -d exec trace. QEMU logs a
    translation block again when it restarts it without executing it (e.g. when
    the -icount budget runs out at the block's start), so a line identical in
    host block and PC to the one before it is dropped."""
    out = []
    previous = None
    with open(path, errors="replace") as f:
        for line in f:
            m = QEMU.match(line)
            if not m:
                continue
            key = (m.group(1), m.group(2))
            if key != previous:
                out.append((int(m.group(2), 16), line.rstrip("\n")))
            previous = key
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("trapeze")
    p.add_argument("qemu")
    p.add_argument("--context", type=int, default=8, help="instructions shown before the divergence")
    p.add_argument("--skip", type=int, default=0, help="QEMU lines to skip first (e.g. its boot ROM)")
    a = p.parse_args()
    try:
        ours = read_trapeze(a.trapeze)
        theirs = read_qemu(a.qemu)[a.skip:]
    except OSError as e:
        print(f"trace-diff: {e}", file=sys.stderr)
        return 2
    if not ours or not theirs:
        print("trace-diff: a trace has no instruction lines", file=sys.stderr)
        return 2
    n = min(len(ours), len(theirs))
    for i in range(n):
        if ours[i][0] != theirs[i][0]:
            print(f"first divergence at instruction {i}: trapeze pc 0x{ours[i][0]:08x}, qemu pc 0x{theirs[i][0]:08x}")
            lo = max(0, i - a.context)
            print("--- trapeze")
            for _, text in ours[lo:i + 2]:
                print("  " + text)
            print("--- qemu")
            for _, text in theirs[lo:i + 2]:
                print("  " + text)
            return 1
    print(f"traces agree for {n} instructions (trapeze {len(ours)}, qemu {len(theirs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
