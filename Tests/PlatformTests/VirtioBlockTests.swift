import Testing
@testable import Platform

/// virtio-mmio block device driven by hand: the register sequence of Linux's
/// virtio_mmio.c (vm_probe, vm_finalize_features, vm_setup_vq, vm_notify,
/// vm_interrupt) and split-ring requests laid out in guest RAM.
@Suite struct VirtioBlockTests {
    static let descriptors: UInt64 = 0x1000, available: UInt64 = 0x2000, used: UInt64 = 0x3000
    static let queueSize: UInt32 = 8

    final class Harness {
        let scratch = ScratchDirectory("virtio")
        // Guarded: a device access outside these 1 MiB kills the test process.
        let ram = GuestRAM(size: 1 << 20, guardBytes: GuestRAM.physicalAddressSpace)
        let line = InterruptLine()
        let image: BlockImage
        let device: VirtioBlockDevice
        var nextDescriptor: UInt16 = 0
        var availableIndex: UInt16 = 0

        /// An 8-sector disk whose byte k of sector s is s*16 + k%16.
        init(readOnly: Bool = false) {
            let disk = (0..<8 * 512).map { UInt8(truncatingIfNeeded: ($0 / 512) * 16 + $0 % 16) }
            scratch.write("disk.img", disk)
            image = try! BlockImage(path: scratch.path("disk.img"), readOnly: readOnly)
            device = VirtioBlockDevice(image: image, ram: ram, interrupt: line)
        }

        /// Linux readl/writel: lwbrx/stwbrx of the big-endian view.
        func readl(_ offset: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: device.read(offset: offset, size: 4)).byteSwapped }
        func writel(_ offset: UInt64, _ v: UInt32) { device.write(offset: offset, size: 4, value: UInt64(v.byteSwapped)) }

        /// vm_probe + virtio_dev_probe + vm_setup_vq for queue 0, its rings
        /// where the tests' `descriptor` and `submit` lay them out unless told otherwise.
        func bringUp(features: UInt64? = nil, descriptors: UInt64 = VirtioBlockTests.descriptors,
                     available: UInt64 = VirtioBlockTests.available, used: UInt64 = VirtioBlockTests.used) -> Bool {
            guard readl(0x000) == 0x7472_6976, readl(0x004) == 2, readl(0x008) == 2 else { return false }
            writel(0x070, 0)
            writel(0x070, 1)                                      // ACKNOWLEDGE
            writel(0x070, 1 | 2)                                  // DRIVER
            writel(0x014, 1); var offered = UInt64(readl(0x010)) << 32
            writel(0x014, 0); offered |= UInt64(readl(0x010))
            let wanted = features ?? offered
            writel(0x024, 1); writel(0x020, UInt32(truncatingIfNeeded: wanted >> 32))
            writel(0x024, 0); writel(0x020, UInt32(truncatingIfNeeded: wanted))
            writel(0x070, 1 | 2 | 8)                              // FEATURES_OK
            guard readl(0x070) & 8 != 0 else { return false }
            writel(0x030, 0)
            guard readl(0x044) == 0, readl(0x034) >= VirtioBlockTests.queueSize else { return false }
            writel(0x038, VirtioBlockTests.queueSize)
            for (register, address) in [(0x080, descriptors), (0x090, available), (0x0A0, used)] as [(UInt64, UInt64)] {
                writel(register, UInt32(truncatingIfNeeded: address))
                writel(register + 4, UInt32(address >> 32))
            }
            writel(0x044, 1)
            writel(0x070, 1 | 2 | 8 | 4)                          // DRIVER_OK
            return true
        }

        /// Writes one descriptor; returns its index.
        func descriptor(_ address: UInt64, _ length: UInt32, write: Bool, next: Bool) -> UInt16 {
            let i = nextDescriptor % UInt16(VirtioBlockTests.queueSize)
            nextDescriptor += 1
            let d = VirtioBlockTests.descriptors + 16 * UInt64(i)
            ram.base.storeBytes(of: address.littleEndian, toByteOffset: Int(d), as: UInt64.self)
            ram.store32LE(d + 8, length)
            ram.store16LE(d + 12, (next ? 1 : 0) | (write ? 2 : 0))
            ram.store16LE(d + 14, next ? (i + 1) % UInt16(VirtioBlockTests.queueSize) : 0)
            return i
        }

        /// A request header at `at`: type, reserved, sector (little-endian).
        func header(at: UInt64, type: UInt32, sector: UInt64) {
            ram.store32LE(at, type)
            ram.store32LE(at + 4, 0)
            ram.base.storeBytes(of: sector.littleEndian, toByteOffset: Int(at + 8), as: UInt64.self)
        }

        /// Publishes the chain at `head` and notifies; returns the used element (id, len).
        func submit(_ head: UInt16) -> (id: UInt32, length: UInt32) {
            let slot = VirtioBlockTests.available + 4 + 2 * UInt64(availableIndex % UInt16(VirtioBlockTests.queueSize))
            ram.store16LE(slot, head)
            availableIndex &+= 1
            ram.store16LE(VirtioBlockTests.available + 2, availableIndex)
            writel(0x050, 0)                                      // vm_notify
            let usedIndex = ram.load16LE(VirtioBlockTests.used + 2)
            let e = VirtioBlockTests.used + 4 + 8 * UInt64((usedIndex &- 1) % UInt16(VirtioBlockTests.queueSize))
            return (ram.load32LE(e), ram.load32LE(e + 4))
        }
    }

    @Test func probeRegistersAreLittleEndian() {
        let h = Harness()
        #expect(h.readl(0x000) == 0x7472_6976)
        #expect(h.readl(0x00C) == 0x554D_4551)
        // What a plain big-endian lwz sees: the bytes "virt" in address order.
        #expect(h.device.read(offset: 0, size: 4) == 0x7669_7274)
        // Config space: capacity (8 sectors) as two readl, seg_max, and byte access.
        #expect(h.readl(0x100) == 8 && h.readl(0x104) == 0)
        #expect(h.readl(0x10C) == 254)
        #expect(h.device.read(offset: 0x100, size: 1) == 8)
        #expect(UInt16(h.device.read(offset: 0x100, size: 2)).byteSwapped == 8)
        #expect(h.readl(0x0FC) == 0)                              // config generation
    }

    @Test func featureNegotiation() {
        let h = Harness()
        #expect(h.bringUp())
        #expect(h.device.driverFeatures & (1 << 32) != 0)         // VIRTIO_F_VERSION_1
        #expect(h.device.driverFeatures & (1 << 9) != 0)          // flush
        #expect(h.device.driverFeatures & (1 << 5) == 0)          // writable disk: no RO
        #expect(h.readl(0x070) == 0x0F)
        // A driver without VERSION_1 (legacy) is refused FEATURES_OK.
        let legacy = Harness()
        #expect(!legacy.bringUp(features: 1 << 9))
        // Status 0 resets everything.
        h.writel(0x070, 0)
        #expect(h.readl(0x070) == 0 && h.readl(0x044) == 0 && h.device.driverFeatures == 0)
    }

    @Test func readRequestScattersIntoGuestBuffers() {
        let h = Harness()
        #expect(h.bringUp())
        h.header(at: 0x10000, type: 0, sector: 2)
        let head = h.descriptor(0x10000, 16, write: false, next: true)
        _ = h.descriptor(0x20000, 256, write: true, next: true)
        _ = h.descriptor(0x30000, 256, write: true, next: true)
        _ = h.descriptor(0x40000, 1, write: true, next: false)
        h.ram.store8(0x40000, 0xFF)
        let done = h.submit(head)
        #expect(done.id == UInt32(head) && done.length == 513)
        #expect(h.ram.load8(0x40000) == 0)                        // VIRTIO_BLK_S_OK
        #expect(h.ram.read(0x20000, count: 16) == (0..<16).map { UInt8(32 + $0) })
        #expect(h.ram.load8(0x30000) == 32)                       // second half of sector 2
        #expect(h.line.isAsserted)
        #expect(h.readl(0x060) == 1)
        h.writel(0x064, 1)                                        // vm_interrupt acknowledges
        #expect(!h.line.isAsserted)
        #expect(h.device.requestsCompleted == 1)
    }

    @Test func writeThenReadBack() {
        let h = Harness()
        #expect(h.bringUp())
        h.header(at: 0x10000, type: 1, sector: 5)
        h.ram.write([UInt8](repeating: 0xAB, count: 512), at: 0x20000)
        let head = h.descriptor(0x10000, 16, write: false, next: true)
        _ = h.descriptor(0x20000, 512, write: false, next: true)
        _ = h.descriptor(0x40000, 1, write: true, next: false)
        let done = h.submit(head)
        #expect(done.length == 1 && h.ram.load8(0x40000) == 0)
        let disk = h.scratch.read("disk.img")
        #expect(disk[5 * 512..<6 * 512].allSatisfy { $0 == 0xAB })
        #expect(disk[4 * 512] == 64 && disk[6 * 512] == 96)       // neighbours untouched
        // Header and data in one descriptor, as drivers may lay them out.
        h.header(at: 0x50000, type: 1, sector: 7)
        h.ram.write([UInt8](repeating: 0xCD, count: 512), at: 0x50010)
        let head2 = h.descriptor(0x50000, 16 + 512, write: false, next: true)
        _ = h.descriptor(0x40000, 1, write: true, next: false)
        #expect(h.submit(head2).length == 1)
        #expect(h.scratch.read("disk.img")[7 * 512 + 511] == 0xCD)
    }

    @Test func flushGetIDAndErrors() {
        let h = Harness()
        #expect(h.bringUp())
        func request(type: UInt32, sector: UInt64 = 0, data: UInt32 = 0, write: Bool = true) -> (UInt32, UInt8) {
            h.header(at: 0x10000, type: type, sector: sector)
            let head = h.descriptor(0x10000, 16, write: false, next: true)
            if data > 0 { _ = h.descriptor(0x20000, data, write: write, next: true) }
            _ = h.descriptor(0x40000, 1, write: true, next: false)
            h.ram.store8(0x40000, 0xFF)
            let done = h.submit(head)
            return (done.length, h.ram.load8(0x40000))
        }
        #expect(request(type: 4) == (1, 0))                       // flush
        let id = request(type: 8, data: 20)                       // get id
        #expect(id == (21, 0))
        #expect(h.ram.read(0x20000, count: 20)! == Array("trapeze-disk0".utf8) + [0, 0, 0, 0, 0, 0, 0])
        #expect(request(type: 0, sector: 8, data: 512).1 == 1)    // past the end: IOERR
        #expect(request(type: 0, sector: 7, data: 1024).1 == 1)   // runs past the end
        #expect(request(type: 11).1 == 2)                         // discard: UNSUPP
        #expect(h.device.requestsCompleted == 5)
    }

    @Test func readOnlyImageRefusesWrites() {
        let h = Harness(readOnly: true)
        #expect(h.bringUp())
        #expect(h.device.driverFeatures & (1 << 5) != 0)          // VIRTIO_BLK_F_RO offered and taken
        h.header(at: 0x10000, type: 1, sector: 0)
        let head = h.descriptor(0x10000, 16, write: false, next: true)
        _ = h.descriptor(0x20000, 512, write: false, next: true)
        _ = h.descriptor(0x40000, 1, write: true, next: false)
        _ = h.submit(head)
        #expect(h.ram.load8(0x40000) == 1)
        #expect(h.scratch.read("disk.img")[0] == 0)
    }

    @Test func malformedChainNeedsReset() {
        let h = Harness()
        #expect(h.bringUp())
        h.header(at: 0x10000, type: 0, sector: 0)
        let head = h.descriptor(0x10000, 16, write: false, next: true)
        _ = h.descriptor(0x20_0000, 512, write: true, next: false)  // beyond 1 MiB of RAM
        let slot = VirtioBlockTests.available + 4
        h.ram.store16LE(slot, head)
        h.ram.store16LE(VirtioBlockTests.available + 2, 1)
        h.writel(0x050, 0)
        #expect(h.readl(0x070) & 0x40 != 0)                       // DEVICE_NEEDS_RESET
        #expect(h.readl(0x060) & 2 != 0)                          // config-change interrupt
        #expect(h.line.isAsserted)
        #expect(h.ram.load16LE(VirtioBlockTests.used + 2) == 0)   // nothing completed
    }

    @Test func notifyBeforeDriverOKDoesNothing() {
        let h = Harness()
        h.writel(0x070, 1)
        h.writel(0x050, 0)
        #expect(!h.line.isAsserted)
        #expect(h.device.requestsCompleted == 0)
    }

    @Test func missingImageIsAClearError() {
        #expect(throws: PlatformError.self) { try BlockImage(path: "/nonexistent/disk.img") }
        do {
            _ = try BlockImage(path: "/nonexistent/disk.img")
        } catch {
            #expect(error.description == "/nonexistent/disk.img: No such file or directory")
        }
    }
}
