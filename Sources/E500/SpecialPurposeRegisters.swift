/// SPR numbers and user-mode access to them (Book E / e500mc).
public enum SPR {
    public static let xer = 1, lr = 8, ctr = 9
    public static let usprg0 = 256
    public static let sprg3Read = 259, sprg4Read = 260, sprg5Read = 261, sprg6Read = 262, sprg7Read = 263
    public static let tbl = 268, tbu = 269

    /// SPRs whose number has bit 4 set (counting from the least significant
    /// bit, i.e. the high bit of the second half of the split field) are
    /// privileged: a user-mode access is a privileged-instruction exception.
    public static func isPrivileged(_ n: Int) -> Bool { n & 0x10 != 0 }
}

extension Core {
    /// mfspr/mftb in user mode; nil when the SPR is not readable here.
    func readUserSPR(_ n: Int, executed: UInt64) -> UInt32? {
        switch n {
        case SPR.xer: return xer
        case SPR.lr: return lr
        case SPR.ctr: return ctr
        case SPR.usprg0: return spr[SPR.usprg0]
        // SPRG3-7 have user read-only aliases 259-263 of SPRs 275-279.
        case SPR.sprg3Read...SPR.sprg7Read: return spr[n + 16]
        case SPR.tbl: return UInt32(truncatingIfNeeded: timeBase(executed))
        case SPR.tbu: return UInt32(truncatingIfNeeded: timeBase(executed) >> 32)
        default: return nil
        }
    }

    /// mtspr in user mode; false when the SPR is not writable here.
    func writeUserSPR(_ n: Int, _ value: UInt32) -> Bool {
        switch n {
        case SPR.xer: xer = value
        case SPR.lr: lr = value
        case SPR.ctr: ctr = value
        case SPR.usprg0: spr[SPR.usprg0] = value
        default: return false
        }
        return true
    }
}
