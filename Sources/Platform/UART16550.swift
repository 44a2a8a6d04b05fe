/// A 16550A UART with byte registers at stride 1, as QEMU's `hw/char/serial.c`
/// presents it (docs/platform-e500.md §5), so Linux's 8250 autoconfig
/// detects a 16550A with a 16-byte FIFO exactly as under QEMU.
///
/// Transmission is instantaneous: a THR write hands the byte to `transmit`
/// and the transmitter is empty again (THRE and TEMT set, THRE interrupt
/// pending), as in QEMU. Reception is fed by the host through
/// `enqueueInput`; bytes move from that host queue into the receiver (up to
/// the FIFO trigger level, the way QEMU's chardev backend advertises room)
/// when input arrives, when the guest reads RBR and on `tick()`.
///
/// Time exists only as `tick()`, which the machine calls at a fixed guest
/// rate (from the timer): the character-timeout interrupt (IIR 0xCC) fires
/// when the receive FIFO has held data for `characterTimeoutTicks` ticks with
/// no byte arriving and none read. QEMU uses 4 character times; what
/// matters to Linux is that a few typed bytes below the trigger level are
/// reported soon, not the exact delay.
public final class UART16550: MMIODevice {
    /// Region size in the device tree (`reg = <0x4500 0x100>`); registers
    /// repeat every 8 bytes as QEMU decodes only the low 3 address bits.
    public static let regionSize: UInt64 = 0x100
    public static let fifoSize = 16

    // IER
    static let ierReceivedData: UInt8 = 0x01
    static let ierTransmitterEmpty: UInt8 = 0x02
    static let ierLineStatus: UInt8 = 0x04
    static let ierModemStatus: UInt8 = 0x08
    // IIR
    static let iirNoInterrupt: UInt8 = 0x01
    static let iirModemStatus: UInt8 = 0x00
    static let iirTransmitterEmpty: UInt8 = 0x02
    static let iirReceivedData: UInt8 = 0x04
    static let iirLineStatus: UInt8 = 0x06
    static let iirCharacterTimeout: UInt8 = 0x0C
    static let iirFIFOEnabled: UInt8 = 0xC0
    // FCR
    static let fcrEnable: UInt8 = 0x01
    static let fcrClearReceive: UInt8 = 0x02
    static let fcrClearTransmit: UInt8 = 0x04
    // LCR, MCR
    static let lcrDivisorLatch: UInt8 = 0x80
    static let mcrLoopback: UInt8 = 0x10
    static let mcrOut2: UInt8 = 0x08
    // LSR
    static let lsrDataReady: UInt8 = 0x01
    static let lsrOverrun: UInt8 = 0x02
    static let lsrBreak: UInt8 = 0x10
    static let lsrTransmitterEmpty: UInt8 = 0x20   // THRE
    static let lsrTransmitterIdle: UInt8 = 0x40    // TEMT
    static let lsrErrorBits: UInt8 = 0x1E          // OE PE FE BI: raise the line-status interrupt
    // MSR
    static let msrDeltaBits: UInt8 = 0x0F
    static let msrResetValue: UInt8 = 0xB0         // DCD | DSR | CTS

    /// Where transmitted bytes go (the host terminal).
    public var transmit: (UInt8) -> Void
    /// The interrupt wire (MPIC source 42 on this machine).
    public let interrupt: InterruptLine
    /// Ticks of receive inactivity before the character-timeout interrupt.
    public var characterTimeoutTicks = 2

    public private(set) var ier: UInt8 = 0
    private var iirFIFOBits: UInt8 = 0
    public private(set) var lcr: UInt8 = 0
    public private(set) var mcr: UInt8 = 0
    public private(set) var lsr: UInt8 = 0
    private var msr: UInt8 = 0
    public private(set) var scr: UInt8 = 0
    public private(set) var fcr: UInt8 = 0
    public private(set) var divisor: UInt16 = 12
    private var rbr: UInt8 = 0
    private var receiveFIFO = ByteQueue()
    private var receiveTrigger = 1
    private var transmitterEmptyPending = false
    private var timeoutPending = false
    /// Ticks since the receiver last saw a byte arrive or leave; nil when
    /// the timeout is not armed.
    private var ticksSinceReceive: Int?
    /// Bytes from the host not yet taken by the receiver.
    private var hostInput = ByteQueue()

    public init(interrupt: InterruptLine = InterruptLine(), transmit: @escaping (UInt8) -> Void = { _ in }) {
        self.interrupt = interrupt
        self.transmit = transmit
        reset()
    }

    /// QEMU's `serial_reset`. Host input still queued is kept.
    public func reset() {
        rbr = 0
        ier = 0
        iirFIFOBits = 0
        lcr = 0
        lsr = UART16550.lsrTransmitterEmpty | UART16550.lsrTransmitterIdle
        msr = UART16550.msrResetValue
        divisor = 12
        mcr = UART16550.mcrOut2
        scr = 0
        fcr = 0
        receiveFIFO.removeAll()
        receiveTrigger = 1
        transmitterEmptyPending = false
        timeoutPending = false
        ticksSinceReceive = nil
        updateInterrupt()
    }

    // MARK: Host side

    /// Bytes typed on the host terminal.
    public func enqueueInput<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        for b in bytes { hostInput.append(b) }
        acceptHostInput()
    }

    /// Host bytes the guest has not taken yet.
    public var queuedInputCount: Int { hostInput.count }

    /// Host input the guest has not read: still queued, or in the receiver.
    public var hasUnreadInput: Bool { hostInput.count > 0 || lsr & UART16550.lsrDataReady != 0 }

    /// The guest listens for input (IER[RDI]): Linux's 8250 driver sets it
    /// while the tty is open, so a byte received now reaches the tty layer.
    public var receiveInterruptEnabled: Bool { ier & UART16550.ierReceivedData != 0 }

    /// The machine's clock for the UART: accept waiting host input and age
    /// the character timeout.
    public func tick() {
        acceptHostInput()
        guard let t = ticksSinceReceive else { return }
        if receiveFIFO.count == 0 || fcr & UART16550.fcrEnable == 0 {
            ticksSinceReceive = nil
            return
        }
        ticksSinceReceive = t + 1
        if t + 1 >= characterTimeoutTicks {
            ticksSinceReceive = nil
            timeoutPending = true
            updateInterrupt()
        }
    }

    /// How many bytes the receiver takes now (QEMU `serial_can_receive`):
    /// with the FIFO on, fill up to the trigger level, then one at a time
    /// as the guest reads; without it, one byte when RBR is free.
    private var receiveRoom: Int {
        if fcr & UART16550.fcrEnable != 0 {
            let n = receiveFIFO.count
            guard n < UART16550.fifoSize else { return 0 }
            return n <= receiveTrigger ? receiveTrigger - n : 1
        }
        return lsr & UART16550.lsrDataReady == 0 ? 1 : 0
    }

    private func acceptHostInput() {
        // In loop-back mode the receiver hears only the transmitter.
        guard mcr & UART16550.mcrLoopback == 0 else { return }
        var room = receiveRoom
        guard room > 0, hostInput.count > 0 else { return }
        while room > 0, let b = hostInput.popFirst() {
            receiveByte(b)
            room -= 1
        }
        updateInterrupt()
    }

    /// One byte into the receiver (QEMU `serial_receive1`). The caller updates the interrupt.
    private func receiveByte(_ b: UInt8) {
        if fcr & UART16550.fcrEnable != 0 {
            // Overruns do not overwrite the FIFO.
            if receiveFIFO.count < UART16550.fifoSize { receiveFIFO.append(b) } else { lsr |= UART16550.lsrOverrun }
            lsr |= UART16550.lsrDataReady
            ticksSinceReceive = 0
        } else {
            if lsr & UART16550.lsrDataReady != 0 { lsr |= UART16550.lsrOverrun }
            rbr = b
            lsr |= UART16550.lsrDataReady
        }
    }

    // MARK: Interrupt

    /// The current interrupt identification (low 4 bits of IIR), by 16550
    /// priority: line status, character timeout, received data (at the
    /// trigger level when the FIFO is on), THR empty, modem status. QEMU
    /// gates the timeout with IER[RDI], as real parts do.
    private var interruptIdentification: UInt8 {
        if ier & UART16550.ierLineStatus != 0, lsr & UART16550.lsrErrorBits != 0 { return UART16550.iirLineStatus }
        if ier & UART16550.ierReceivedData != 0, timeoutPending { return UART16550.iirCharacterTimeout }
        if ier & UART16550.ierReceivedData != 0, lsr & UART16550.lsrDataReady != 0,
           fcr & UART16550.fcrEnable == 0 || receiveFIFO.count >= receiveTrigger {
            return UART16550.iirReceivedData
        }
        if ier & UART16550.ierTransmitterEmpty != 0, transmitterEmptyPending { return UART16550.iirTransmitterEmpty }
        if ier & UART16550.ierModemStatus != 0, msr & UART16550.msrDeltaBits != 0 { return UART16550.iirModemStatus }
        return UART16550.iirNoInterrupt
    }

    private func updateInterrupt() {
        interrupt.set(interruptIdentification != UART16550.iirNoInterrupt)
    }

    // MARK: Registers

    public func read(offset: UInt64, size: Int) -> UInt64 {
        // Byte registers: a wider access sees the register in its low byte
        // (QEMU's serial_mm_read), which Linux never does.
        UInt64(readRegister(Int(offset & 7)))
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        writeRegister(Int(offset & 7), UInt8(truncatingIfNeeded: value))
    }

    public func readRegister(_ r: Int) -> UInt8 {
        switch r {
        case 0:
            if lcr & UART16550.lcrDivisorLatch != 0 { return UInt8(truncatingIfNeeded: divisor) }
            var value: UInt8
            if fcr & UART16550.fcrEnable != 0 {
                value = receiveFIFO.popFirst() ?? 0
                if receiveFIFO.count == 0 {
                    lsr &= ~(UART16550.lsrDataReady | UART16550.lsrBreak)
                    ticksSinceReceive = nil
                } else {
                    ticksSinceReceive = 0
                }
                timeoutPending = false
            } else {
                value = rbr
                lsr &= ~(UART16550.lsrDataReady | UART16550.lsrBreak)
            }
            updateInterrupt()
            acceptHostInput()
            return value
        case 1:
            return lcr & UART16550.lcrDivisorLatch != 0 ? UInt8(truncatingIfNeeded: divisor >> 8) : ier
        case 2:
            let id = interruptIdentification
            // Reading IIR while it reports THR empty acknowledges that interrupt.
            if id == UART16550.iirTransmitterEmpty {
                transmitterEmptyPending = false
                updateInterrupt()
            }
            return id | iirFIFOBits
        case 3:
            return lcr
        case 4:
            return mcr
        case 5:
            let value = lsr
            if lsr & (UART16550.lsrBreak | UART16550.lsrOverrun) != 0 {
                lsr &= ~(UART16550.lsrBreak | UART16550.lsrOverrun)
                updateInterrupt()
            }
            return value
        case 6:
            if mcr & UART16550.mcrLoopback != 0 {
                // Loop-back wires the modem outputs to the inputs:
                // OUT2→DCD, OUT1→RI, DTR→DSR, RTS→CTS (8250 autoconfig expects 0x90 for MCR 0x1A).
                return (mcr & 0x0C) << 4 | (mcr & 0x02) << 3 | (mcr & 0x01) << 5
            }
            let value = msr
            if msr & UART16550.msrDeltaBits != 0 {
                msr &= 0xF0
                updateInterrupt()
            }
            return value
        default:
            return scr
        }
    }

    public func writeRegister(_ r: Int, _ value: UInt8) {
        switch r {
        case 0:
            if lcr & UART16550.lcrDivisorLatch != 0 {
                divisor = divisor & 0xFF00 | UInt16(value)
                return
            }
            // The byte leaves at once; the transmitter is empty again.
            if mcr & UART16550.mcrLoopback != 0 {
                receiveByte(value)
            } else {
                transmit(value)
            }
            lsr |= UART16550.lsrTransmitterEmpty | UART16550.lsrTransmitterIdle
            transmitterEmptyPending = true
            updateInterrupt()
        case 1:
            if lcr & UART16550.lcrDivisorLatch != 0 {
                divisor = divisor & 0x00FF | UInt16(value) << 8
                return
            }
            let changed = (ier ^ value) & 0x0F
            ier = value & 0x0F
            // Enabling THRI while THR is empty raises the THRE interrupt again,
            // even if an IIR read had acknowledged it; 8250 startup relies on it.
            if changed & UART16550.ierTransmitterEmpty != 0 {
                transmitterEmptyPending = ier & UART16550.ierTransmitterEmpty != 0
                    && lsr & UART16550.lsrTransmitterEmpty != 0
            }
            if changed != 0 { updateInterrupt() }
        case 2:
            writeFIFOControl(value)
        case 3:
            lcr = value
        case 4:
            mcr = value & 0x1F
        case 5, 6:
            break   // LSR, MSR are read-only
        default:
            scr = value
        }
    }

    private func writeFIFOControl(_ value: UInt8) {
        var v = value
        // Turning the FIFOs on or off empties them.
        if (v ^ fcr) & UART16550.fcrEnable != 0 { v |= UART16550.fcrClearReceive | UART16550.fcrClearTransmit }
        if v & UART16550.fcrClearReceive != 0 {
            lsr &= ~(UART16550.lsrDataReady | UART16550.lsrBreak)
            timeoutPending = false
            ticksSinceReceive = nil
            receiveFIFO.removeAll()
        }
        if v & UART16550.fcrClearTransmit != 0 {
            lsr |= UART16550.lsrTransmitterEmpty
            transmitterEmptyPending = true
        }
        fcr = v & 0xC9
        if fcr & UART16550.fcrEnable != 0 {
            iirFIFOBits = UART16550.iirFIFOEnabled
            receiveTrigger = [1, 4, 8, 14][Int(fcr >> 6)]
        } else {
            iirFIFOBits = 0
        }
        updateInterrupt()
        acceptHostInput()
    }
}

/// A FIFO of bytes: an array with a moving head, compacted when half spent.
struct ByteQueue {
    private var storage: [UInt8] = []
    private var head = 0

    var count: Int { storage.count - head }

    mutating func append(_ b: UInt8) { storage.append(b) }

    mutating func popFirst() -> UInt8? {
        guard head < storage.count else { return nil }
        let b = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 4096, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return b
    }

    mutating func removeAll() { storage.removeAll(keepingCapacity: true); head = 0 }
}
