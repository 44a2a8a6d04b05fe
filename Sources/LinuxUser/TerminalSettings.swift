#if canImport(Glibc)
import Glibc
#endif

/// Translation between the host's termios (asm-generic flag bits, as on
/// x86-64 and arm64) and powerpc's, which numbers almost every flag, the
/// control character slots and the baud codes differently
/// (arch/powerpc/include/uapi/asm/termbits.h).
///
/// The guest's kernel struct termios (44 bytes): c_iflag, c_oflag, c_cflag,
/// c_lflag (u32 each), c_cc[19], c_line, c_ispeed, c_ospeed (u32, in baud).
package enum TerminalSettings {
    static let guestSize = 44
    static let guestControlCharacters = 19

    /// (powerpc bit, generic bit) pairs for single-bit flags.
    static let inputFlags: [(UInt32, UInt32)] = [
        (0x1, 0x1), (0x2, 0x2), (0x4, 0x4), (0x8, 0x8), (0x10, 0x10), (0x20, 0x20), (0x40, 0x40), (0x80, 0x80),
        (0x100, 0x100),  // ICRNL
        (0x200, 0x400),  // IXON
        (0x400, 0x1000),  // IXOFF
        (0x800, 0x800),  // IXANY
        (0x1000, 0x200),  // IUCLC
        (0x2000, 0x2000),  // IMAXBEL
        (0x4000, 0x4000),  // IUTF8
    ]

    static let outputFlags: [(UInt32, UInt32)] = [
        (0x1, 0x1),  // OPOST
        (0x2, 0x4),  // ONLCR
        (0x4, 0x2),  // OLCUC
        (0x8, 0x8), (0x10, 0x10), (0x20, 0x20), (0x40, 0x40), (0x80, 0x80),  // OCRNL ONOCR ONLRET OFILL OFDEL
        (0x4000, 0x8000),  // FFDLY
        (0x8000, 0x2000),  // BSDLY
        (0x10000, 0x4000),  // VTDLY
    ]

    static let controlFlags: [(UInt32, UInt32)] = [
        (0x400, 0x40),  // CSTOPB
        (0x800, 0x80),  // CREAD
        (0x1000, 0x100),  // PARENB
        (0x2000, 0x200),  // PARODD
        (0x4000, 0x400),  // HUPCL
        (0x8000, 0x800),  // CLOCAL
        (0x4000_0000, 0x4000_0000),  // CMSPAR
        (0x8000_0000, 0x8000_0000),  // CRTSCTS
    ]

    static let localFlags: [(UInt32, UInt32)] = [
        (0x1, 0x800),  // ECHOKE
        (0x2, 0x10),  // ECHOE
        (0x4, 0x20),  // ECHOK
        (0x8, 0x8),  // ECHO
        (0x10, 0x40),  // ECHONL
        (0x20, 0x400),  // ECHOPRT
        (0x40, 0x200),  // ECHOCTL
        (0x80, 0x1),  // ISIG
        (0x100, 0x2),  // ICANON
        (0x400, 0x8000),  // IEXTEN
        (0x4000, 0x4),  // XCASE
        (0x40_0000, 0x100),  // TOSTOP
        (0x80_0000, 0x1000),  // FLUSHO
        (0x1000_0000, 0x10000),  // EXTPROC
        (0x2000_0000, 0x4000),  // PENDIN
        (0x8000_0000, 0x80),  // NOFLSH
    ]

    /// Host c_cc index for each powerpc c_cc index.
    static let controlCharacterSlots: [Int] = [
        0,  // VINTR
        1,  // VQUIT
        2,  // VERASE
        3,  // VKILL
        4,  // VEOF
        6,  // VMIN
        11,  // VEOL
        5,  // VTIME
        16,  // VEOL2
        7,  // VSWTC
        14,  // VWERASE
        12,  // VREPRINT
        10,  // VSUSP
        8,  // VSTART
        9,  // VSTOP
        15,  // VLNEXT
        13,  // VDISCARD
    ]

    /// Baud rates by powerpc code (B0 ... B4000000; 0x1f is BOTHER).
    static let baudRates: [UInt32] = [
        0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1_000_000, 1_152_000, 1_500_000,
        2_000_000, 2_500_000, 3_000_000, 3_500_000, 4_000_000,
    ]

    static func translate(_ value: UInt32, _ table: [(UInt32, UInt32)], toGuest: Bool) -> UInt32 {
        var result: UInt32 = 0
        for (guestBit, hostBit) in table {
            if toGuest ? value & hostBit != 0 : value & guestBit != 0 { result |= toGuest ? guestBit : hostBit }
        }
        return result
    }

    /// Generic baud code (CBAUD 0x100f, with CBAUDEX 0x1000 for the high rates) to powerpc's (CBAUD 0xff).
    package static func guestBaudCode(_ host: UInt32) -> UInt32 {
        let code = host & 0x100f
        if code & 0x1000 == 0 { return code }
        let high = code & 0xf
        return high == 0 ? 0x1f : 0x0f + high
    }

    package static func hostBaudCode(_ guest: UInt32) -> UInt32 {
        let code = guest & 0xff
        if code < 16 { return code }
        if code >= 0x1f { return 0x1000 }
        return 0x1000 | (code - 0x0f)
    }

    package static func guestTermios(_ host: termios) -> [UInt8] {
        let hostOutput = UInt32(host.c_oflag)
        var output = translate(hostOutput, outputFlags, toGuest: true)
        output |= (hostOutput >> 8 & 1) << 8  // NLDLY
        output |= (hostOutput >> 9 & 3) << 12  // CRDLY
        output |= (hostOutput >> 11 & 3) << 10  // TABDLY

        let hostControl = UInt32(host.c_cflag)
        var control = translate(hostControl, controlFlags, toGuest: true)
        control |= (hostControl >> 4 & 3) << 8  // CSIZE
        let outputBaud = guestBaudCode(hostControl)
        let inputBaud = guestBaudCode(hostControl >> 16)
        control |= outputBaud | inputBaud << 16

        var w = BigEndianWriter(size: guestSize)
        w.put32(translate(UInt32(host.c_iflag), inputFlags, toGuest: true), at: 0)
        w.put32(output, at: 4)
        w.put32(control, at: 8)
        w.put32(translate(UInt32(host.c_lflag), localFlags, toGuest: true), at: 12)
        withUnsafeBytes(of: host.c_cc) { cc in
            for (guestIndex, hostIndex) in controlCharacterSlots.enumerated() { w.put8(cc[hostIndex], at: 16 + guestIndex) }
        }
        w.put8(host.c_line, at: 35)
        let rate = { (code: UInt32) -> UInt32 in Int(code) < baudRates.count ? baudRates[Int(code)] : 0 }
        w.put32(inputBaud == 0 ? rate(outputBaud) : rate(inputBaud), at: 36)
        w.put32(rate(outputBaud), at: 40)
        return w.bytes
    }

    /// Replaces the settings in `host` with the guest's (keeping host fields
    /// the guest structure has no room for).
    package static func applyGuestTermios(_ bytes: [UInt8], to host: inout termios) {
        let r = BigEndianReader(bytes)
        let guestOutput = r.u32(at: 4), guestControl = r.u32(at: 8)
        var output = translate(guestOutput, outputFlags, toGuest: false)
        output |= (guestOutput >> 8 & 1) << 8
        output |= (guestOutput >> 12 & 3) << 9
        output |= (guestOutput >> 10 & 3) << 11
        var control = translate(guestControl, controlFlags, toGuest: false)
        control |= (guestControl >> 8 & 3) << 4
        control |= hostBaudCode(guestControl) | hostBaudCode(guestControl >> 16) << 16

        host.c_iflag = tcflag_t(translate(r.u32(at: 0), inputFlags, toGuest: false))
        host.c_oflag = tcflag_t(output)
        host.c_cflag = tcflag_t(control)
        host.c_lflag = tcflag_t(translate(r.u32(at: 12), localFlags, toGuest: false))
        withUnsafeMutableBytes(of: &host.c_cc) { cc in
            for (guestIndex, hostIndex) in controlCharacterSlots.enumerated() { cc[hostIndex] = r.u8(at: 16 + guestIndex) }
        }
        host.c_line = r.u8(at: 35)
        // glibc's tcsetattr takes the speed from c_cflag; keep its copies consistent.
        host.c_ispeed = speed_t(hostBaudCode(guestControl >> 16 == 0 ? guestControl : guestControl >> 16))
        host.c_ospeed = speed_t(hostBaudCode(guestControl))
    }
}
