#!/usr/bin/env python3
"""Copies a static 32-bit big-endian PowerPC ELF for the qemu-ppc oracle,
rewriting the instructions that e500mc hardware and qemu-ppc 7.2 execute
differently into the form the hardware executes.

Today that is one family: glibc 2.36's libm reads and sets the FPSCR with
the ISA 3.0 forms of mffs (mffsce, mffscdrn(i), mffscrn(i), mffsl: opcode
63, XO 583, a non-zero field in bits 11-20). Pre-3.0 cores such as the
e500mc ignore that field and execute plain `mffs` (glibc relies on this:
its comment on __fe_mffscrn says the instruction "executes as mffs" on older
processors, and where it needs the rounding mode set it tests AT_HWCAP2 for
ISA 3.0 and otherwise sets it with mtfsfi/mtfsf of its own); qemu-ppc
raises SIGILL instead. Trapeze follows the hardware (Tests/E500Tests,
mffslRunsAsMffsLikeE500mcHardware), so the oracle gets `mffs FRT` in those
places and computes what the hardware computes.

Only words inside executable sections (SHF_EXECINSTR, e.g. .text) are
touched, not whole executable PT_LOAD segments: in a static binary the R+X
segment also holds .rodata and .eh_frame, and data can look like an mffs
form. glibc 2.36's tan table (xfg in utan.tbl) holds 0x3fe59ffffc14848e,
whose low word is `mffscdrn f0,f16`; rewriting it made qemu-ppc compute
tan(1e16) = bff3ec3afae9fe79 instead of glibc's bff3ec3afb0422df. Prints
the number of words rewritten to stderr.

Usage: hwpatch.py IN OUT
       hwpatch.py --self-test
"""
import os
import struct
import sys

MFFS_MASK = 0xFC0007FE  # primary opcode and extended opcode
MFFS_BITS = 0xFC00048E  # opcode 63, XO 583 (Rc is kept)
ISA300_FIELD = 0x001FF800  # bits 11-20: the ISA 3.0 sub-opcode and operand


SHF_EXECINSTR = 0x4
SHT_NOBITS = 8


def code_ranges(data: bytes):
    """File (offset, size) of every executable section with bytes in the file."""
    if data[:4] != b"\x7fELF" or data[4] != 1 or data[5] != 2:
        raise ValueError("not a 32-bit big-endian ELF")
    shoff, = struct.unpack_from(">I", data, 32)
    shentsize, shnum = struct.unpack_from(">HH", data, 46)
    if shoff == 0 or shnum == 0:
        # Without section headers code cannot be told from read-only data.
        raise ValueError("no section headers")
    ranges = []
    for i in range(shnum):
        _, sh_type, sh_flags, _, sh_offset, sh_size = struct.unpack_from(">6I", data, shoff + i * shentsize)
        if sh_flags & SHF_EXECINSTR and sh_type != SHT_NOBITS:
            ranges.append((sh_offset, sh_size))
    return ranges


def patch(data: bytearray) -> int:
    count = 0
    for start, size in code_ranges(data):
        for off in range(start, start + size - 3, 4):
            word, = struct.unpack_from(">I", data, off)
            if word & MFFS_MASK == MFFS_BITS and word & ISA300_FIELD:
                struct.pack_into(">I", data, off, word & ~ISA300_FIELD)
                count += 1
    return count


def self_test() -> int:
    """A minimal ELF whose one R+X segment holds a .text with glibc's
    `mffscrni f0,0` and a .rodata with the xfg word: only the first may change."""
    text_word, data_word = 0xFC17048E, 0xFC14848E
    ehsize, phsize, shsize = 52, 32, 40
    text_off, rodata_off = ehsize + phsize, ehsize + phsize + 4
    shoff = rodata_off + 4
    elf = bytearray(shoff + 3 * shsize)
    elf[:6] = b"\x7fELF\x01\x02"
    struct.pack_into(">I", elf, 28, ehsize)  # e_phoff
    struct.pack_into(">I", elf, 32, shoff)  # e_shoff
    struct.pack_into(">HHHH", elf, 42, phsize, 1, shsize, 3)
    struct.pack_into(">8I", elf, ehsize, 1, 0, 0x10000000, 0x10000000, shoff, shoff, 5, 0x10000)
    struct.pack_into(">I", elf, text_off, text_word)
    struct.pack_into(">I", elf, rodata_off, data_word)
    # Section 0 is the null section; 1 = .text (AX), 2 = .rodata (A).
    struct.pack_into(">6I", elf, shoff + shsize, 0, 1, 0x6, 0x10000000 + text_off, text_off, 4)
    struct.pack_into(">6I", elf, shoff + 2 * shsize, 0, 1, 0x2, 0x10000000 + rodata_off, rodata_off, 4)
    n = patch(elf)
    got = struct.unpack_from(">I", elf, text_off)[0], struct.unpack_from(">I", elf, rodata_off)[0]
    want = (0xFC00048E, data_word)
    if n != 1 or got != want:
        print(f"hwpatch self-test FAILED: {n} rewritten, words {got[0]:08x} {got[1]:08x}, "
              f"want 1, {want[0]:08x} {want[1]:08x}", file=sys.stderr)
        return 1
    print("hwpatch self-test passed", file=sys.stderr)
    return 0


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 3:
        print("usage: hwpatch.py IN OUT", file=sys.stderr)
        return 2
    data = bytearray(open(sys.argv[1], "rb").read())
    try:
        n = patch(data)
    except ValueError as e:
        print(f"hwpatch: {sys.argv[1]}: {e}", file=sys.stderr)
        return 1
    with open(sys.argv[2], "wb") as f:
        f.write(data)
    os.chmod(sys.argv[2], os.stat(sys.argv[1]).st_mode & 0o7777)
    if n:
        print(f"hwpatch: {sys.argv[1]}: {n} ISA 3.0 mffs forms rewritten to mffs", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
