/// The global utilities block ("guts", CCSR + 0xE0000), as QEMU's
/// `mpc8544_guts.c`: PVR and SVR read back the core's values, every other
/// register reads 0, and a write with bit 0x2 to RSTCR (+0xB0) resets the
/// machine. Linux touches only RSTCR (`fsl_rstcr_restart`, on `reboot`);
/// the machine treats the request as "exit".
public final class GlobalUtilities: MMIODevice {
    public static let regionSize: UInt64 = 0x1000
    static let pvrOffset: UInt64 = 0xA0
    static let svrOffset: UInt64 = 0xA4
    static let rstcrOffset: UInt64 = 0xB0
    static let resetRequestBit: UInt32 = 0x2

    public let processorVersion: UInt32
    public let systemVersion: UInt32
    /// Set by the guest's RSTCR write; the machine checks it (or uses `onReset`).
    public private(set) var resetRequested = false
    public var onReset: (() -> Void)?

    /// QEMU: PVR 0x80230020 (e500mc rev 2.0), SVR 0 (no SoC modelled).
    public init(processorVersion: UInt32 = 0x8023_0020, systemVersion: UInt32 = 0) {
        self.processorVersion = processorVersion
        self.systemVersion = systemVersion
    }

    public func clearResetRequest() { resetRequested = false }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        let word: UInt32
        switch offset & ~3 {
        case GlobalUtilities.pvrOffset: word = processorVersion
        case GlobalUtilities.svrOffset: word = systemVersion
        default: word = 0
        }
        return extractBigEndian(word: word, offset: offset, size: size)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard offset == GlobalUtilities.rstcrOffset, size == 4,
              UInt32(truncatingIfNeeded: value) & GlobalUtilities.resetRequestBit != 0 else { return }
        resetRequested = true
        onReset?()
    }
}
