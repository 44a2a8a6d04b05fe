import Testing
@testable import Platform

/// The 16550A driven the way Linux 6.1 drives it: udbg_16550, 8250
/// autoconfig (including the 16550A-variant probes and size_fifo), startup's
/// THRE tests, the console write loop and the interrupt handler.
@Suite struct UARTTests {
    final class Harness {
        var sent: [UInt8] = []
        var line = InterruptLine()
        lazy var uart = UART16550(interrupt: line) { [unowned self] in self.sent.append($0) }
        func r(_ reg: Int) -> UInt8 { UInt8(uart.read(offset: UInt64(reg), size: 1)) }
        func w(_ reg: Int, _ v: UInt8) { uart.write(offset: UInt64(reg), size: 1, value: UInt64(v)) }
    }
    // Register numbers.
    static let rbr = 0, ier = 1, iir = 2, fcr = 2, lcr = 3, mcr = 4, lsr = 5, msr = 6, scr = 7

    @Test func resetState() {
        let h = Harness()
        #expect(h.r(Self.ier) == 0)
        #expect(h.r(Self.iir) == 0x01)
        #expect(h.r(Self.lcr) == 0)
        #expect(h.r(Self.mcr) == 0x08)
        #expect(h.r(Self.lsr) == 0x60)
        #expect(h.r(Self.msr) == 0xB0)
        #expect(h.r(Self.scr) == 0)
        h.w(Self.lcr, 0x80)
        #expect(h.r(0) == 12 && h.r(1) == 0)                      // divisor 12, as QEMU
        #expect(!h.line.isAsserted)
        // Registers repeat every 8 bytes of the 0x100 window.
        #expect(h.uart.read(offset: 0x13, size: 1) == 0x80)
    }

    @Test func divisorLatchAndScratch() {
        let h = Harness()
        h.w(Self.lcr, 0x83)
        h.w(0, 0x34); h.w(1, 0x12)
        #expect(h.uart.divisor == 0x1234)
        h.w(Self.lcr, 0x03)
        #expect(h.r(Self.ier) == 0)                               // DLM did not reach IER
        h.w(Self.scr, 0x5A)
        #expect(h.r(Self.scr) == 0x5A)
        #expect(h.sent.isEmpty)                                   // DLL writes transmit nothing
    }

    /// drivers/tty/serial/8250/8250_port.c:autoconfig + autoconfig_16550a +
    /// size_fifo: the result must be a plain 16550A with a 16-byte FIFO.
    @Test func autoconfigDetects16550A() {
        let h = Harness()
        // Existence test.
        let saved = h.r(Self.ier)
        h.w(Self.ier, 0)
        #expect(h.r(Self.ier) & 0x0F == 0)
        h.w(Self.ier, 0x0F)
        #expect(h.r(Self.ier) & 0x0F == 0x0F)
        h.w(Self.ier, saved)
        // Loop-back test (skipped with UPF_SKIP_TEST, done by 8250_of ports).
        let saveMCR = h.r(Self.mcr), saveLCR = h.r(Self.lcr)
        h.w(Self.mcr, 0x10 | 0x0A)
        #expect(h.r(Self.msr) & 0xF0 == 0x90)
        h.w(Self.mcr, saveMCR)
        // EFR init, FIFO enable, IIR[7:6].
        h.w(Self.lcr, 0xBF); h.w(2, 0); h.w(Self.lcr, 0)
        h.w(Self.fcr, 0x01)
        #expect(h.r(Self.iir) >> 6 == 3)
        // autoconfig_16550a: no EFR under LCR 0x80 or 0xBF (offset 2 reads IIR, non-zero).
        h.w(Self.lcr, 0x80)
        #expect(h.r(2) != 0)
        h.w(Self.lcr, 0xBF)
        #expect(h.r(2) != 0)
        // National SuperIO probe: EXCR1 (IIR here) does not follow MCR[LOOP].
        h.w(Self.lcr, 0)
        let status1 = h.r(Self.mcr)
        h.w(Self.lcr, 0xE0)
        var status2 = h.r(2)
        #expect((status2 ^ status1) & 0x10 == 0)
        h.w(Self.lcr, 0); h.w(Self.mcr, status1 ^ 0x10); h.w(Self.lcr, 0xE0)
        status2 = h.r(2)
        h.w(Self.lcr, 0); h.w(Self.mcr, status1)
        #expect((status2 ^ status1) & 0x10 == 0)
        // TI16750: IIR bit 5 never sets.
        h.w(Self.fcr, 0x21)
        #expect(h.r(Self.iir) >> 5 == 6)
        h.w(Self.fcr, 0x01)
        // XScale UUE bit: IER keeps only bits 0-3.
        h.w(Self.ier, 0x40)
        #expect(h.r(Self.ier) & 0x40 == 0)
        h.w(Self.ier, 0)
        // size_fifo: loop-back 256 bytes, count what arrives.
        h.w(Self.lcr, 0)
        h.w(Self.fcr, 0x07)
        h.w(Self.mcr, 0x10)
        h.w(Self.lcr, 0x80); h.w(0, 1); h.w(1, 0)
        h.w(Self.lcr, 0x03)
        for n in 0..<256 { h.w(0, UInt8(truncatingIfNeeded: n)) }
        var count = 0
        while h.r(Self.lsr) & 0x01 != 0, count < 256 { #expect(h.r(0) == UInt8(count)); count += 1 }
        #expect(count == 16)
        #expect(h.sent.isEmpty)                                   // loop-back never reaches the wire
        h.w(Self.mcr, saveMCR); h.w(Self.lcr, saveLCR)
    }

    /// serial8250_do_startup's THRE test and TXEN test.
    @Test func transmitterEmptyInterruptOnEnable() {
        let h = Harness()
        h.w(Self.fcr, 0x07)
        h.w(Self.ier, 0x02)
        #expect(h.r(Self.iir) == 0xC2)
        #expect(h.line.isAsserted == false)                       // reading IIR acknowledged it
        #expect(h.r(Self.iir) == 0xC1)
        h.w(Self.ier, 0)
        h.w(Self.ier, 0x02)
        #expect(h.line.isAsserted)
        #expect(h.r(Self.iir) == 0xC2)
        h.w(Self.ier, 0)
        // TXEN test: THRI on, LSR shows TEMT, IIR must not say "none".
        h.w(Self.ier, 0x02)
        #expect(h.r(Self.lsr) & 0x40 != 0)
        #expect(h.r(Self.iir) & 0x01 == 0)
        h.w(Self.ier, 0)
        #expect(!h.line.isAsserted)
    }

    @Test func transmitIsImmediateAndRearmsTHRE() {
        let h = Harness()
        h.w(Self.fcr, 0x07)
        h.w(Self.ier, 0x02)
        _ = h.r(Self.iir)                                         // acknowledge
        #expect(!h.line.isAsserted)
        for c in "hi\r\n".utf8 {
            #expect(h.r(Self.lsr) & 0x20 != 0)                    // udbg / console: poll THRE
            h.w(0, c)
            #expect(h.line.isAsserted)                            // THR empty again
        }
        #expect(h.r(Self.lsr) & 0x60 == 0x60)                     // THRE and TEMT: console_write's final wait
        #expect(h.sent == Array("hi\r\n".utf8))
        #expect(h.r(Self.iir) == 0xC2)
        #expect(!h.line.isAsserted)
        // Clearing the transmit FIFO also reports THR empty.
        h.w(Self.fcr, 0x05)
        #expect(h.line.isAsserted)
    }

    @Test func interruptIdentificationPriorities() {
        let h = Harness()
        // Non-FIFO, loop-back: two bytes overrun the holding register.
        h.w(Self.mcr, 0x10)
        h.w(Self.ier, 0x0F)
        h.w(0, 0x41)
        h.w(0, 0x42)
        #expect(h.r(Self.iir) == 0x06)                            // line status (overrun) first
        #expect(h.r(Self.lsr) & 0x03 == 0x03)                     // OE and DR; OE clears on read
        #expect(h.r(Self.lsr) & 0x02 == 0)
        #expect(h.r(Self.iir) == 0x04)                            // then received data
        #expect(h.r(0) == 0x42)
        #expect(h.r(Self.iir) == 0x02)                            // then THR empty
        #expect(h.r(Self.iir) == 0x01)                            // acknowledged by that read
        #expect(!h.line.isAsserted)
        // Modem-status interrupt needs a delta; loop-back changes make none (as QEMU).
        h.w(Self.mcr, 0x1F)
        #expect(h.r(Self.iir) == 0x01)
    }

    @Test func nonFIFOReceiveTakesOneByteAtATime() {
        let h = Harness()
        h.uart.enqueueInput(Array("ab".utf8))
        #expect(h.r(Self.lsr) & 0x01 == 0x01)
        #expect(h.uart.queuedInputCount == 1)                     // waits: no overrun from the host
        #expect(h.r(0) == UInt8(ascii: "a"))
        #expect(h.r(Self.lsr) & 0x01 == 0x01)                     // the next one moved in on the read
        #expect(h.r(0) == UInt8(ascii: "b"))
        #expect(h.r(Self.lsr) & 0x01 == 0)
    }

    @Test func fifoTriggerLevelAndCharacterTimeout() {
        let h = Harness()
        h.w(Self.fcr, 0x87)                                       // FIFO on, trigger 8 (8250 for a 16550A)
        h.w(Self.ier, 0x05)                                       // RLSI | RDI, as after startup
        h.uart.enqueueInput(Array("ls\r".utf8))
        #expect(h.r(Self.lsr) & 0x01 == 0x01)
        #expect(h.r(Self.iir) == 0xC1)                            // below the trigger: nothing yet
        #expect(!h.line.isAsserted)
        h.uart.tick()
        #expect(!h.line.isAsserted)
        h.uart.tick()
        #expect(h.line.isAsserted)
        #expect(h.r(Self.iir) == 0xCC)                            // character timeout
        var got: [UInt8] = []
        while h.r(Self.lsr) & 0x01 != 0 { got.append(h.r(0)) }   // serial8250_rx_chars
        #expect(got == Array("ls\r".utf8))
        #expect(h.r(Self.iir) == 0xC1)
        #expect(!h.line.isAsserted)
        // No data: ticks do nothing.
        h.uart.tick(); h.uart.tick(); h.uart.tick()
        #expect(!h.line.isAsserted)
    }

    @Test func timeoutRearmsAfterAPartialRead() {
        let h = Harness()
        h.w(Self.fcr, 0x87)
        h.w(Self.ier, 0x01)
        h.uart.enqueueInput([1, 2, 3])
        h.uart.tick(); h.uart.tick()
        #expect(h.r(Self.iir) == 0xCC)
        #expect(h.r(0) == 1)                                      // read clears the timeout
        #expect(h.r(Self.iir) == 0xC1)
        h.uart.tick()
        #expect(h.r(Self.iir) == 0xC1)
        h.uart.tick()
        #expect(h.r(Self.iir) == 0xCC)
        // IER[RDI] off hides the timeout, as on real parts.
        h.w(Self.ier, 0)
        #expect(h.r(Self.iir) == 0xC1)
    }

    @Test func burstAboveTriggerLevelRaisesReceivedData() {
        let h = Harness()
        h.w(Self.fcr, 0x87)
        h.w(Self.ier, 0x05)
        let text = Array("echo hello world\n".utf8)
        h.uart.enqueueInput(text)
        #expect(h.line.isAsserted)
        #expect(h.r(Self.iir) == 0xC4)                            // trigger level reached
        var got: [UInt8] = []
        while h.r(Self.lsr) & 0x01 != 0 { got.append(h.r(0)) }
        #expect(got == text)                                      // the host queue refills as the guest reads
        #expect(h.uart.queuedInputCount == 0)
        #expect(!h.line.isAsserted)
    }

    @Test func fifoClearAndDisable() {
        let h = Harness()
        h.w(Self.fcr, 0x01)
        h.uart.enqueueInput([9])
        #expect(h.r(Self.lsr) & 0x01 == 1)
        h.w(Self.fcr, 0x03)                                       // clear receive
        #expect(h.r(Self.lsr) & 0x01 == 0)
        h.w(Self.fcr, 0x00)                                       // FIFO off: IIR loses its FIFO bits
        #expect(h.r(Self.iir) == 0x01)
        // Host input waits while in loop-back.
        h.w(Self.mcr, 0x10)
        h.uart.enqueueInput([7])
        #expect(h.r(Self.lsr) & 0x01 == 0)
        h.w(Self.mcr, 0x0B)
        h.uart.tick()
        #expect(h.r(0) == 7)
    }

    /// The udbg early console's set-up (udbg_uart_setup) leaves the port usable.
    @Test func udbgSetupAndProbe() {
        let h = Harness()
        // udbg_probe_uart_speed
        let old = h.r(Self.lcr)
        h.w(Self.lcr, old | 0x80)
        let dll = h.r(0), dlm = h.r(1)
        h.w(Self.lcr, old)
        #expect(UInt32(dlm) << 8 | UInt32(dll) == 12)
        // udbg_uart_setup
        h.w(Self.lcr, 0); h.w(Self.ier, 0xFF); h.w(Self.ier, 0)
        h.w(Self.lcr, 0x80); h.w(0, 1); h.w(1, 0)
        h.w(Self.lcr, 0x03); h.w(Self.mcr, 0x03); h.w(Self.fcr, 0x07)
        #expect(h.r(Self.iir) == 0xC1)
        h.w(0, UInt8(ascii: "A"))
        #expect(h.sent == [UInt8(ascii: "A")])
        #expect(!h.line.isAsserted)
    }
}
