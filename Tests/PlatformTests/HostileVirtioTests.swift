import Testing
@testable import Platform

/// A hostile driver of the virtio block device (issue 9): rings and buffers
/// outside guest RAM, straddling its end, at addresses that wrap 64-bit
/// arithmetic, huge lengths, descriptor loops, more requests than the ring
/// holds. The harness's guest RAM has 64 GiB of PROT_NONE host address space
/// on each side, so a device access outside RAM kills the test process. The
/// device must answer as a virtio device does: DEVICE_NEEDS_RESET (with a
/// configuration-change interrupt) for a broken ring, an error status for a
/// well-formed request it cannot serve; and then come back after a reset.
@Suite struct HostileVirtioTests {
    typealias Harness = VirtioBlockTests.Harness
    static let end: UInt64 = 1 << 20   // the harness's RAM
    static let header: UInt64 = 0x10000, data: UInt64 = 0x20000, status: UInt64 = 0x40000

    enum Expected: Equatable {
        case needsReset
        /// Every published request used, the last one with this status byte.
        case answered(status: UInt8, requests: Int)
    }

    struct Case {
        var name: String
        var descriptors = VirtioBlockTests.descriptors
        var available = VirtioBlockTests.available
        var used = VirtioBlockTests.used
        /// Lays out the descriptors and publishes them (the default: one good read request).
        var build: (Harness, Case) -> Void = { h, c in
            HostileVirtioTests.goodRead(h, c)
            HostileVirtioTests.publish(h, c, heads: [0])
        }
        var expected: Expected
    }

    /// Descriptor `i` of the case's table (if the table is in RAM).
    static func put(_ h: Harness, _ c: Case, _ i: UInt16, _ address: UInt64, _ length: UInt32, _ flags: UInt16, next: UInt16 = 0) {
        let d = c.descriptors + 16 * UInt64(i)
        guard h.ram.contains(d, length: 16) else { return }
        h.ram.base.storeBytes(of: address.littleEndian, toByteOffset: Int(d), as: UInt64.self)
        h.ram.store32LE(d + 8, length)
        h.ram.store16LE(d + 12, flags)
        h.ram.store16LE(d + 14, next)
    }

    /// Puts `heads` in the available ring and sets its index (by default to the number of heads).
    static func publish(_ h: Harness, _ c: Case, heads: [UInt16], index: UInt16? = nil) {
        guard h.ram.contains(c.available, length: 4 + 2 * UInt64(VirtioBlockTests.queueSize)) else { return }
        for (n, head) in heads.enumerated() {
            h.ram.store16LE(c.available + 4 + 2 * UInt64(n % Int(VirtioBlockTests.queueSize)), head)
        }
        h.ram.store16LE(c.available + 2, index ?? UInt16(heads.count))
    }

    static let next: UInt16 = 1, write: UInt16 = 2, indirect: UInt16 = 4

    /// Header (IN, sector 0), 512 bytes of data, status: descriptors 0, 1, 2.
    static func goodRead(_ h: Harness, _ c: Case, data: UInt64 = data, length: UInt32 = 512, status: UInt64 = status) {
        h.header(at: header, type: 0, sector: 0)
        put(h, c, 0, header, 16, next, next: 1)
        put(h, c, 1, data, length, next | write, next: 2)
        put(h, c, 2, status, 1, write)
    }

    /// A request whose descriptors are `chain` (address, length, flags, next) from index 0.
    static func request(_ chain: [(UInt64, UInt32, UInt16, UInt16)], header type: UInt32 = 0, sector: UInt64 = 0) -> (Harness, Case) -> Void {
        { h, c in
            h.header(at: header, type: type, sector: sector)
            for (i, d) in chain.enumerated() { put(h, c, UInt16(i), d.0, d.1, d.2, next: d.3) }
            publish(h, c, heads: [0])
        }
    }

    static var cases: [Case] {
        let end = Self.end, top = UInt64.max
        var cases: [Case] = [
            // The rings themselves.
            Case(name: "descriptor table outside RAM", descriptors: 0x20_0000, expected: .needsReset),
            Case(name: "descriptor table straddling the end of RAM", descriptors: end - 64, expected: .needsReset),
            Case(name: "descriptor table wrapping the 64-bit space", descriptors: top - 0x3F, expected: .needsReset),
            Case(name: "descriptor table at the magic page's host physical address", descriptors: 0xF_FFFF_F000, expected: .needsReset),
            Case(name: "available ring outside RAM", available: end, expected: .needsReset),
            Case(name: "available ring straddling the end of RAM", available: end - 10, expected: .needsReset),
            Case(name: "available ring wrapping the 64-bit space", available: top - 1, expected: .needsReset),
            Case(name: "used ring outside RAM", used: 0x1_0000_0000, expected: .needsReset),
            Case(name: "used ring straddling the end of RAM", used: end - 40, expected: .needsReset),
            Case(name: "used ring wrapping the 64-bit space", used: top - 7, expected: .needsReset),
            Case(name: "rings in the last bytes of RAM", descriptors: end - 256, available: end - 128, used: end - 68,
                 expected: .answered(status: 0, requests: 1)),

            // Buffers.
            Case(name: "header outside RAM", build: request([(end, 16, next, 1), (data, 512, next | write, 2), (status, 1, write, 0)]),
                 expected: .needsReset),
            Case(name: "header straddling the end of RAM", build: request([(end - 8, 16, next, 1), (data, 512, next | write, 2),
                                                                           (status, 1, write, 0)]), expected: .needsReset),
            Case(name: "data outside RAM", build: { h, c in goodRead(h, c, data: 0x8000_0000); publish(h, c, heads: [0]) },
                 expected: .needsReset),
            Case(name: "data straddling the end of RAM", build: { h, c in goodRead(h, c, data: end - 256); publish(h, c, heads: [0]) },
                 expected: .needsReset),
            Case(name: "data of length 2^32 - 1", build: { h, c in goodRead(h, c, data: 0, length: .max); publish(h, c, heads: [0]) },
                 expected: .needsReset),
            Case(name: "data whose end wraps the 64-bit space", build: { h, c in goodRead(h, c, data: top - 0xFF, length: 0x200)
                                                                      publish(h, c, heads: [0]) }, expected: .needsReset),
            Case(name: "data at the last 64-bit address", build: { h, c in goodRead(h, c, data: top, length: 1); publish(h, c, heads: [0]) },
                 expected: .needsReset),
            Case(name: "data at the magic page's host physical address",
                 build: { h, c in goodRead(h, c, data: 0xF_FFFF_F000, length: 512); publish(h, c, heads: [0]) }, expected: .needsReset),
            Case(name: "status outside RAM", build: { h, c in goodRead(h, c, status: end); publish(h, c, heads: [0]) },
                 expected: .needsReset),
            Case(name: "status in the last byte of RAM", build: { h, c in goodRead(h, c, status: end - 1); publish(h, c, heads: [0]) },
                 expected: .answered(status: 0, requests: 1)),
            Case(name: "status descriptor of length 0", build: request([(header, 16, next, 1), (data, 512, next | write, 2),
                                                                        (status, 0, write, 0)]), expected: .needsReset),
            Case(name: "no writable descriptor", build: request([(header, 16, next, 1), (data, 512, 0, 0)]), expected: .needsReset),
            Case(name: "header shorter than 16 bytes", build: request([(header, 12, next, 1), (status, 1, write, 0)]),
                 expected: .answered(status: 1, requests: 1)),
            Case(name: "read past the end of the disk", build: request([(header, 16, next, 1), (0x8_0000, 0x8_0000, next | write, 2),
                                                                        (status, 1, write, 0)], sector: 4), expected: .answered(status: 1, requests: 1)),
            Case(name: "write at sector 2^64 - 1", build: request([(header, 16, next, 1), (data, 512, next, 2), (status, 1, write, 0)],
                                                                  header: 1, sector: .max), expected: .answered(status: 1, requests: 1)),
            Case(name: "read at sector 2^55 (byte offset wraps 64 bits)",
                 build: request([(header, 16, next, 1), (data, 512, next | write, 2), (status, 1, write, 0)], sector: 1 << 55),
                 expected: .answered(status: 1, requests: 1)),
            Case(name: "readable descriptor after a writable one",
                 build: request([(header, 16, next, 1), (data, 512, next | write, 2), (data, 16, next, 3), (status, 1, write, 0)]),
                 expected: .needsReset),
            Case(name: "indirect descriptor (not offered)", build: request([(header, 16, next | indirect, 1), (status, 1, write, 0)]),
                 expected: .needsReset),

            // Chains and indices.
            Case(name: "descriptor chained to itself", build: request([(header, 16, next, 0)]), expected: .needsReset),
            Case(name: "two descriptors chained to each other", build: request([(header, 16, next, 1), (data, 512, next | write, 0)]),
                 expected: .needsReset),
            Case(name: "next index past the queue size", build: request([(header, 16, next, 1), (data, 512, next | write, 8)]),
                 expected: .needsReset),
            Case(name: "next index 0xFFFF", build: request([(header, 16, next, 0xFFFF)]), expected: .needsReset),
            Case(name: "head index past the queue size", build: { h, c in goodRead(h, c); publish(h, c, heads: [8]) },
                 expected: .needsReset),
            Case(name: "a chain of exactly the queue size",
                 build: request([(header, 16, next, 1)] + (1...6).map { (data + 512 * UInt64($0 - 1), 512, next | write, UInt16($0 + 1)) }
                                + [(status, 1, write, 0)]),
                 expected: .answered(status: 0, requests: 1)),
            Case(name: "available index one past the queue size", build: { h, c in
                     goodRead(h, c); publish(h, c, heads: Array(repeating: 0, count: 8), index: 9) }, expected: .needsReset),
            Case(name: "available index 0xFFFF ahead", build: { h, c in
                     goodRead(h, c); publish(h, c, heads: Array(repeating: 0, count: 8), index: 0xFFFF) }, expected: .needsReset),
            Case(name: "as many requests as the queue size", build: { h, c in
                     goodRead(h, c); publish(h, c, heads: Array(repeating: 0, count: 8)) }, expected: .answered(status: 0, requests: 8)),
        ]
        // Every buffer of a good request moved to just past RAM, one at a time, and to where the rings are.
        for (k, address) in [(0, end), (1, end), (2, end), (1, VirtioBlockTests.descriptors)] as [(Int, UInt64)] {
            var chain: [(UInt64, UInt32, UInt16, UInt16)] = [(header, 16, next, 1), (data, 512, next | write, 2), (status, 1, write, 0)]
            chain[k].0 = address
            let inRAM = address < end
            cases.append(Case(name: "buffer \(k) at 0x\(String(address, radix: 16))", build: request(chain),
                              expected: inRAM ? .answered(status: 0, requests: 1) : .needsReset))
        }
        return cases
    }

    @Test func aHostileDriverGetsNeedsResetOrAnErrorStatusAndTheDeviceRecovers() {
        let cases = Self.cases
        for c in cases {
            let h = Harness()
            let disk = h.scratch.read("disk.img")
            #expect(h.bringUp(descriptors: c.descriptors, available: c.available, used: c.used), "\(c.name)")
            c.build(h, c)
            let usedIndexBefore = h.ram.contains(c.used, length: 4) ? h.ram.load16LE(c.used + 2) : 0
            h.writel(0x050, 0)                                          // QueueNotify
            switch c.expected {
            case .needsReset:
                #expect(h.readl(0x070) & 0x40 != 0, "\(c.name): DEVICE_NEEDS_RESET")
                #expect(h.readl(0x060) & 2 != 0 && h.line.isAsserted, "\(c.name): configuration-change interrupt")
                #expect(h.device.requestsCompleted == 0, "\(c.name)")
                if h.ram.contains(c.used, length: 4) {
                    #expect(h.ram.load16LE(c.used + 2) == usedIndexBefore, "\(c.name): a request was used")
                }
                // Stopped until the driver resets it: another notify serves nothing.
                h.writel(0x050, 0)
                #expect(h.device.requestsCompleted == 0, "\(c.name)")
            case .answered(let status, let requests):
                #expect(h.readl(0x070) & 0x40 == 0, "\(c.name): needs reset")
                #expect(h.device.requestsCompleted == requests, "\(c.name)")
                #expect(h.ram.load16LE(c.used + 2) == usedIndexBefore &+ UInt16(requests), "\(c.name): used index")
                let statusAddress = c.name == "status in the last byte of RAM" ? Self.end - 1 : Self.status
                #expect(h.ram.load8(statusAddress) == status, "\(c.name): status")
            }
            #expect(h.scratch.read("disk.img") == disk, "\(c.name): the disk changed")
            // A reset and a fresh setup: the device serves a good request again.
            h.writel(0x070, 0)
            #expect(h.bringUp(), "\(c.name): bring-up after reset")
            let good = Case(name: "good", expected: .answered(status: 0, requests: 1))
            h.ram.store8(Self.status, 0xFF)
            h.ram.store16LE(VirtioBlockTests.used + 2, 0)
            Self.goodRead(h, good)
            Self.publish(h, good, heads: [0])
            h.writel(0x050, 0)
            #expect(h.ram.load8(Self.status) == 0 && h.readl(0x070) & 0x40 == 0, "\(c.name): no recovery after reset")
            #expect(h.ram.read(Self.data, count: 16) == (0..<16).map { UInt8($0) }, "\(c.name): sector 0 after reset")
        }
        print("hostile virtio driver: \(cases.count) cases")
    }

    /// The guard regions are there: the host pages on both sides of guest RAM are inaccessible.
    @Test func guestRAMIsSurroundedByInaccessibleHostMemory() throws {
        let ram = GuestRAM(size: 1 << 20, guardBytes: GuestRAM.physicalAddressSpace)
        let maps = try String(contentsOfFile: "/proc/self/maps", encoding: .utf8)
        let base = UInt(bitPattern: ram.base), end = base + UInt(ram.size), guardSize = UInt(GuestRAM.physicalAddressSpace)
        var below = false, inside = false, above = false
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            let range = fields[0].split(separator: "-").map { UInt($0, radix: 16)! }
            let perms = fields[1]
            if range[0] <= base - guardSize && range[1] >= base && perms.hasPrefix("---") { below = true }
            if range[0] <= base && range[1] >= end && perms.hasPrefix("rw") { inside = true }
            if range[0] <= end && range[1] >= end + guardSize && perms.hasPrefix("---") { above = true }
        }
        #expect(below && inside && above, "guard below \(below), RAM \(inside), guard above \(above)")
    }
}
