/// objdump-style disassembly (placeholder while the decode table is being written).
public enum Disassembler {
    /// Text of one instruction at `address`, e.g. `lwz     r9,8(r1)`.
    public static func disassemble(_ word: UInt32, at address: UInt32) -> String {
        ".long 0x" + String(word, radix: 16)
    }
}
