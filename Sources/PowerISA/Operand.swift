/// An operand as it appears in assembly syntax, with the instruction field
/// that holds it. The table lists operands in objdump's order; encoding and
/// disassembly both walk that list.
public enum Operand: Sendable {
    case rD, rS, rA, rB
    /// rA where 0 means the value 0, not r0 (printed as `0`).
    case rA0
    case frD, frS, frA, frB, frC
    case simm, uimm
    /// `d(rA)`: 16-bit signed displacement and base register.
    case dispRA
    /// `d(rA|0)`: as `dispRA`, but rA = 0 means no base.
    case dispRA0
    case crfD, crfS
    case crbD, crbA, crbB
    /// `isel`'s condition bit (bits 21-25).
    case crbC
    case bo, bi
    /// Branch targets (relative unless AA is set).
    case bd, li
    case sh, mb, me
    case nb, to, l
    case spr, tbr, dcr, pmr
    case crm, flm, imm4
    case e
    /// mbar's MO, tlbilx's T, dcbt's TH, wait's WC: small fields at bits 6-10.
    case mo
    /// tlbilx's T field (bits 9-10).
    case t

    /// Bit position (of the field's least significant bit, counted from the
    /// right) and width of the field that holds the operand.
    public var field: (shift: UInt32, width: UInt32) {
        switch self {
        case .rD, .rS, .frD, .frS, .bo, .to, .crbD, .mo: return (21, 5)
        case .rA, .rA0, .frA, .bi, .crbA: return (16, 5)
        case .rB, .frB, .sh, .nb, .crbB: return (11, 5)
        case .frC, .mb, .crbC: return (6, 5)
        case .me: return (1, 5)
        case .simm, .uimm, .dispRA, .dispRA0: return (0, 16)
        case .crfD: return (23, 3)
        case .crfS: return (18, 3)
        case .l: return (21, 1)
        case .t: return (21, 2)
        case .spr, .tbr, .dcr, .pmr: return (11, 10)
        case .crm: return (12, 8)
        case .flm: return (17, 8)
        case .imm4: return (12, 4)
        case .e: return (15, 1)
        case .bd: return (2, 14)
        case .li: return (2, 24)
        }
    }
}
