import Testing
@testable import Platform

/// Differential test against QEMU: replays every MMIO access of a recorded
/// Linux boot (LinuxBootTrace) on our board. Each write is applied in order;
/// each read must return exactly what QEMU's device returned. That covers
/// the MPIC's init sequence and every coreint IACK/EOI, 8250 autoconfig and
/// startup, the udbg and console output paths, interrupt-driven transmit
/// and the receive of typed input.
@Suite struct LinuxBootReplayTests {
    @Test func bootAndTypedInputMatchQEMU() throws {
        var output: [UInt8] = []
        let board = E500Board(ramSize: 256 << 20) { output.append($0) }
        var reads = 0, writes = 0, mismatches: [String] = []
        for line in try LinuxBootTrace.lines() {
            let f = line.split(separator: " ")
            if f[0] == "i" {
                let hex = Array(f[1])
                board.uart.enqueueInput(stride(from: 0, to: hex.count, by: 2).map { UInt8(String(hex[$0..<$0 + 2]), radix: 16)! })
                continue
            }
            let address = UInt64(f[1], radix: 16)!, value = UInt64(f[2], radix: 16)!, size = Int(f[3])!
            if f[0] == "r" {
                reads += 1
                let got = board.bus.read(address, size: size)
                if got != value, mismatches.count < 10 {
                    mismatches.append("access \(reads + writes): \(line) → ours \(got.map { String($0, radix: 16) } ?? "nothing")")
                }
            } else {
                writes += 1
                #expect(board.bus.write(address, size: size, value: value))
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.joined(separator: "\n"))")
        #expect(reads + writes == 10_087)
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("ttyS0 at MMIO 0xfe0004500 (irq = 42, base_baud = 25000000) is a 16550A"))
        #expect(text.hasSuffix("/ # \u{1B}[6necho HI\r\nHI\r\n/ # \u{1B}[6n"))
        #expect(board.mpic.coreintMode)
        #expect(!board.mpic.output.externalInterruptPending)
    }
}
