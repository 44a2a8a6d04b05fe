import Testing
@testable import Platform
import E500
import PowerISA

/// A device that records what reaches it and answers with its offset.
final class RecordingDevice: MMIODevice {
    var reads: [(offset: UInt64, size: Int)] = []
    var writes: [(offset: UInt64, size: Int, value: UInt64)] = []
    func read(offset: UInt64, size: Int) -> UInt64 { reads.append((offset, size)); return 0x1000 + offset }
    func write(offset: UInt64, size: Int, value: UInt64) { writes.append((offset, size, value)) }
}

@Suite struct PhysicalBusTests {
    @Test func ramIsBigEndianAtPhysicalZero() {
        let bus = PhysicalBus(ram: GuestRAM(size: 1 << 20))
        #expect(bus.write(0x100, size: 4, value: 0x1122_3344))
        #expect(bus.read(0x100, size: 1) == 0x11)
        #expect(bus.read(0x102, size: 2) == 0x3344)
        #expect(bus.write(0x200, size: 8, value: 0x0102_0304_0506_0708))
        #expect(bus.read(0x204, size: 4) == 0x0506_0708)
        #expect(bus.read(0x200, size: 8) == 0x0102_0304_0506_0708)
        let p = bus.ramPointer(0x100)!
        #expect(p.load(as: UInt8.self) == 0x11)
        #expect(bus.ramPointer(1 << 20) == nil)
    }

    @Test func unmappedSpaceAnswersNothing() {
        let bus = PhysicalBus(ram: GuestRAM(size: 1 << 20))
        #expect(bus.read(1 << 20, size: 4) == nil)
        #expect(!bus.write(0xF_0000_0000, size: 1, value: 0))
        // An access running off the end of RAM is not RAM.
        #expect(bus.read((1 << 20) - 2, size: 4) == nil)
        #expect(bus.read(0, size: 3) == nil)
    }

    @Test func devicesSeeOffsetsAndSizes() {
        let bus = PhysicalBus(ram: GuestRAM(size: 1 << 20))
        let a = RecordingDevice(), b = RecordingDevice()
        bus.map(b, at: 0xF_E004_0000, size: 0x4_0000, name: "b")
        bus.map(a, at: 0xF_E000_4500, size: 0x100, name: "a")
        #expect(bus.regions.map(\.name) == ["a", "b"])
        #expect(bus.read(0xF_E000_4505, size: 1) == 0x1005)
        #expect(bus.write(0xF_E004_00B0, size: 4, value: 0))
        #expect(a.reads.count == 1 && a.reads[0].offset == 5 && a.reads[0].size == 1)
        #expect(b.writes.count == 1 && b.writes[0].offset == 0xB0)
        // Past the window's end, and straddling it.
        #expect(bus.read(0xF_E000_4600, size: 1) == nil)
        #expect(bus.read(0xF_E000_45FE, size: 4) == nil)
        #expect(bus.region(containing: 0xF_E007_FFFF)?.name == "b")
        #expect(bus.region(containing: 0xF_E008_0000) == nil)
        #expect(bus.region(containing: 0xF_E000_0000) == nil)
    }

    @Test func doublewordDeviceAccessesSplitHighWordFirst() {
        let bus = PhysicalBus(ram: GuestRAM(size: 1 << 20))
        let d = RecordingDevice()
        bus.map(d, at: 0x1000_0000, size: 0x1000, name: "d")
        #expect(bus.read(0x1000_0008, size: 8) == (0x1008 << 32 | 0x100C))
        #expect(bus.write(0x1000_0010, size: 8, value: 0xAAAA_BBBB_CCCC_DDDD))
        #expect(d.writes.map(\.offset) == [0x10, 0x14])
        #expect(d.writes.map(\.value) == [0xAAAA_BBBB, 0xCCCC_DDDD])
    }

    @Test func interruptLinePassesOnlyChanges() {
        var seen: [Bool] = []
        let line = InterruptLine { seen.append($0) }
        line.set(false)
        line.raise()
        line.raise()
        line.lower()
        #expect(seen == [true, false])
        #expect(!line.isAsserted)
    }

    @Test func guestRAMHelpers() {
        let ram = GuestRAM(size: 8192)
        #expect(ram.write([1, 2, 3], at: 8190) == false)
        #expect(ram.write([1, 2, 3], at: 8189))
        #expect(ram.read(8189, count: 3) == [1, 2, 3])
        #expect(ram.read(8190, count: 3) == nil)
        ram.store32LE(0, 0x1122_3344)
        #expect(ram.load8(0) == 0x44)
        #expect(ram.load32BE(0) == 0x4433_2211)
        #expect(!ram.contains(UInt64.max, length: 2))
    }
}

/// Every host-side writer of guest RAM (loaders, DMA, the VMM's patches)
/// drops decoded code there: a core that already ran the old instruction
/// runs the new one next (CodeCache.swift).
@Suite struct GuestRAMCodeInvalidationTests {
    static let addOne = try! Encoder.encode(.addi, [3, 3, 1])
    static let addHundred = try! Encoder.encode(.addi, [3, 3, 100])

    @Test(arguments: ["store32BE", "store64BE", "store16BE", "store8", "write", "willWrite+memcpy", "clear"])
    func hostWritesDropDecodedCode(_ writer: String) throws {
        let ram = GuestRAM(size: 1 << 20)
        let bus = PhysicalBus(ram: ram)
        let mmu = BookEMMU()
        var e = BookEMMU.Entry()
        e.valid = true; e.protected = true; e.tsize = 10; e.epn = 0; e.rpn = 0; e.permissions = 0x3F
        mmu.setTLB1(0, e)
        let core = Core(systemWith: mmu, memory: bus)
        core.spr[400 + 6] = 0x700   // IVOR6, program
        ram.store32BE(0x1000, Self.addOne)
        ram.store32BE(0x1004, try Encoder.encode(.b, [-4]))
        core.pc = 0x1000
        _ = core.run(limit: 2)
        #expect(core.gpr[3] == 1)
        #expect(ram.codeCache.pagesDecoded == 1)
        let new = Self.addHundred
        switch writer {
        case "store32BE": ram.store32BE(0x1000, new)
        case "store64BE": ram.store64BE(0x1000, UInt64(new) << 32 | UInt64(try Encoder.encode(.b, [-4])))
        case "store16BE": ram.store16BE(0x1000, UInt16(new >> 16)); ram.store16BE(0x1002, UInt16(new & 0xFFFF))
        case "store8": for k in 0..<4 { ram.store8(0x1000 + UInt64(k), UInt8((new >> UInt32(24 - 8 * k)) & 0xFF)) }
        case "write": ram.write([UInt8(new >> 24), UInt8((new >> 16) & 0xFF), UInt8((new >> 8) & 0xFF), UInt8(new & 0xFF)], at: 0x1000)
        case "willWrite+memcpy":
            // What virtio's DMA and the kernel loader's memset do.
            ram.willWrite(0xFFE, count: 6)
            (ram.base + 0x1000).storeBytes(of: new.bigEndian, as: UInt32.self)
        default:
            ram.clear()   // then 0 is an illegal instruction
        }
        core.pc = 0x1000
        _ = core.run(limit: 1)
        if writer == "clear" {
            #expect(core.pc == 0x700, "the zero word raised a program interrupt (IVOR6 = 0x700 here)")
        } else {
            #expect(core.gpr[3] == 101, "\(writer): the old instruction ran")
        }
        #expect(ram.codeCache.pagesDropped == 1)
    }
}
