/// Bit masks of the 32-bit FPSCR (ISA bit 0 is the most significant bit).
public enum FPSCRBit {
    /// Exception summary (ISA bit 0).
    public static let fx: UInt32 = 0x8000_0000
    /// Enabled exception summary (bit 1); computed, cannot be written directly.
    public static let fex: UInt32 = 0x4000_0000
    /// Invalid-operation summary (bit 2); computed, cannot be written directly.
    public static let vx: UInt32 = 0x2000_0000
    /// Overflow (bit 3).
    public static let ox: UInt32 = 0x1000_0000
    /// Underflow (bit 4).
    public static let ux: UInt32 = 0x0800_0000
    /// Zero divide (bit 5).
    public static let zx: UInt32 = 0x0400_0000
    /// Inexact (bit 6).
    public static let xx: UInt32 = 0x0200_0000
    /// Invalid: signalling NaN operand (bit 7).
    public static let vxsnan: UInt32 = 0x0100_0000
    /// Invalid: infinity - infinity (bit 8).
    public static let vxisi: UInt32 = 0x0080_0000
    /// Invalid: infinity / infinity (bit 9).
    public static let vxidi: UInt32 = 0x0040_0000
    /// Invalid: zero / zero (bit 10).
    public static let vxzdz: UInt32 = 0x0020_0000
    /// Invalid: infinity * zero (bit 11).
    public static let vximz: UInt32 = 0x0010_0000
    /// Invalid: ordered compare involving a NaN (bit 12).
    public static let vxvc: UInt32 = 0x0008_0000
    /// Fraction rounded (bit 13). QEMU 7.2 never sets it, only clears it.
    public static let fr: UInt32 = 0x0004_0000
    /// Fraction inexact (bit 14).
    public static let fi: UInt32 = 0x0002_0000
    /// Result class descriptor (bit 15, part of FPRF).
    public static let c: UInt32 = 0x0001_0000
    /// FPCC "less than / negative" (bit 16).
    public static let fl: UInt32 = 0x0000_8000
    /// FPCC "greater than / positive" (bit 17).
    public static let fg: UInt32 = 0x0000_4000
    /// FPCC "equal / zero" (bit 18).
    public static let fe: UInt32 = 0x0000_2000
    /// FPCC "unordered / NaN" (bit 19).
    public static let fu: UInt32 = 0x0000_1000
    /// Floating-point condition code, bits 16-19.
    public static let fpcc: UInt32 = 0x0000_F000
    /// Floating-point result flags (C + FPCC), bits 15-19.
    public static let fprf: UInt32 = 0x0001_F000
    /// Invalid: software request (bit 21).
    public static let vxsoft: UInt32 = 0x0000_0400
    /// Invalid: square root of a negative number (bit 22).
    public static let vxsqrt: UInt32 = 0x0000_0200
    /// Invalid: integer convert (bit 23).
    public static let vxcvi: UInt32 = 0x0000_0100
    /// Invalid-operation exception enable (bit 24).
    public static let ve: UInt32 = 0x0000_0080
    /// Overflow exception enable (bit 25).
    public static let oe: UInt32 = 0x0000_0040
    /// Underflow exception enable (bit 26).
    public static let ue: UInt32 = 0x0000_0020
    /// Zero-divide exception enable (bit 27).
    public static let ze: UInt32 = 0x0000_0010
    /// Inexact exception enable (bit 28).
    public static let xe: UInt32 = 0x0000_0008
    /// Non-IEEE mode (bit 29). Stored but has no effect (as in QEMU).
    public static let ni: UInt32 = 0x0000_0004
    /// Rounding control (bits 30-31): 0 nearest, 1 toward zero, 2 toward +inf, 3 toward -inf.
    public static let rn: UInt32 = 0x0000_0003

    /// All invalid-operation detail bits; VX is their OR.
    public static let allInvalid: UInt32 = vxsnan | vxisi | vxidi | vxzdz | vximz | vxvc | vxsoft | vxsqrt | vxcvi
    /// All enable bits.
    public static let enables: UInt32 = ve | oe | ue | ze | xe
    /// Exception bits that mcrfs clears when it copies them (includes FX, excludes FEX and VX).
    public static let mcrfsClearable: UInt32 = fx | ox | ux | zx | xx | allInvalid
}
