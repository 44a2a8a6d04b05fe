import Testing
@testable import Platform

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
