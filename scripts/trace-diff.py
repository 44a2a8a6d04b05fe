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
sides. When both traces carry register state (`trapeze run --trace FILE
--trace-registers`, and QEMU's `-d exec,cpu,nochain`), the registers before
each instruction (GPRs, LR, CTR, XER, MSR, CR) are compared too, and the
first instruction whose state differs is reported with the registers that
differ. Exit status: 0 if the streams agree over their common length, 1 at
a divergence, 2 on bad input.
"""
import argparse
import re
import sys

OURS = re.compile(r"^0x([0-9a-fA-F]{8}):\s*([0-9a-fA-F]{8})?\s*(.*)$")
QEMU = re.compile(r"^Trace \d+: (\S+) \[[0-9a-fA-F]+/([0-9a-fA-F]+)/")
# Register lines of QEMU's -d cpu dump (and of --trace-registers).
NIP = re.compile(r"^NIP [0-9a-fA-F]+\s+LR ([0-9a-fA-F]+) CTR ([0-9a-fA-F]+) XER ([0-9a-fA-F]+)")
MSR = re.compile(r"^MSR ([0-9a-fA-F]+)")
GPR = re.compile(r"^GPR(\d\d)((?:\s+[0-9a-fA-F]+)+)\s*$")
CR = re.compile(r"^CR ([0-9a-fA-F]{8})")


def registers(line, regs):
    """Adds the registers a dump line holds to `regs`; False if it holds none."""
    m = NIP.match(line)
    if m:
        regs.update(lr=int(m.group(1), 16), ctr=int(m.group(2), 16), xer=int(m.group(3), 16))
        return True
    m = MSR.match(line)
    if m:
        regs["msr"] = int(m.group(1), 16)
        return True
    m = GPR.match(line)
    if m:
        for k, v in enumerate(m.group(2).split()):
            regs[f"r{int(m.group(1)) + k}"] = int(v, 16)
        return True
    m = CR.match(line)
    if m:
        regs["cr"] = int(m.group(1), 16)
        return True
    return False


def read_trapeze(path):
    """(pc, text, registers) per instruction line of a Trapeze trace."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            m = OURS.match(line)
            if m:
                out.append((int(m.group(1), 16), line.rstrip("\n"), {}))
            elif out:
                registers(line, out[-1][2])
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
            if m:
                key = (m.group(1), m.group(2))
                if key != previous:
                    out.append((int(m.group(2), 16), line.rstrip("\n"), {}))
                previous = key
            elif out:
                registers(line, out[-1][2])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("trapeze")
    p.add_argument("qemu")
    p.add_argument("--context", type=int, default=8, help="instructions shown before the divergence")
    p.add_argument("--skip", type=int, default=0, help="QEMU lines to skip first (e.g. its boot ROM)")
    p.add_argument("--ignore", default="", help="comma-separated registers not to compare (e.g. r9,cr)")
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
    ignored = set(filter(None, a.ignore.split(",")))
    n = min(len(ours), len(theirs))
    for i in range(n):
        if ours[i][0] != theirs[i][0]:
            print(f"first divergence at instruction {i}: trapeze pc 0x{ours[i][0]:08x}, qemu pc 0x{theirs[i][0]:08x}")
            lo = max(0, i - a.context)
            print("--- trapeze")
            for _, text, _ in ours[lo:i + 2]:
                print("  " + text)
            print("--- qemu")
            for _, text, _ in theirs[lo:i + 2]:
                print("  " + text)
            return 1
        mine, qemu = ours[i][2], theirs[i][2]
        differ = sorted(k for k in mine.keys() & qemu.keys() if mine[k] != qemu[k] and k not in ignored)
        if differ:
            print(f"first register divergence before instruction {i} (pc 0x{ours[i][0]:08x}):")
            for k in differ:
                print(f"  {k}: trapeze 0x{mine[k]:08x}, qemu 0x{qemu[k]:08x}")
            lo = max(0, i - a.context)
            print("--- trapeze")
            for _, text, _ in ours[lo:i + 1]:
                print("  " + text)
            return 1
    print(f"traces agree for {n} instructions (trapeze {len(ours)}, qemu {len(theirs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
