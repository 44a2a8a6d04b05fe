#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw disk image on the host, read and written with pread/pwrite.
public final class BlockImage {
    public static let sectorSize: UInt64 = 512
    public let path: String
    public let readOnly: Bool
    /// Whole 512-byte sectors; a partial last sector is not visible to the guest.
    public let sectorCount: UInt64
    private let fd: Int32

    public init(path: String, readOnly: Bool = false) throws(PlatformError) {
        let fd = open(path, readOnly ? O_RDONLY : O_RDWR)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotOpen(path: path, reason: reason)
        }
        self.fd = fd
        self.path = path
        self.readOnly = readOnly
        sectorCount = UInt64(st.st_size) / BlockImage.sectorSize
    }

    deinit { close(fd) }

    /// Fills `count` bytes at `buffer` from the image at byte `offset`; false on an I/O error.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) -> Bool {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    func write(from buffer: UnsafeRawPointer, count: Int, at offset: UInt64) -> Bool {
        var done = 0
        while done < count {
            let n = pwrite(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    func flush() -> Bool { fsync(fd) == 0 }
}

/// A virtio block device on the virtio-mmio transport, version 2 ("modern":
/// little-endian registers, rings and config space, whatever the guest's
/// byte order), one request queue. Linux's `virtio_mmio` + `virtio_blk`
/// find it through a `virtio,mmio` device-tree node.
///
/// Requests are served synchronously when the guest writes QueueNotify, so
/// completion (used ring + interrupt) is visible before the guest's next
/// instruction: deterministic, and Linux does not mind an early interrupt.
/// Buffers are guest physical addresses into RAM, read and written in place
/// (pread/pwrite straight into guest memory).
public final class VirtioBlockDevice: MMIODevice {
    public static let regionSize: UInt64 = 0x200
    public static let magic: UInt32 = 0x7472_6976        // "virt"
    public static let version: UInt32 = 2
    public static let deviceID: UInt32 = 2               // block
    /// QEMU's vendor id ("QEMU"), so the guest sees what it would there.
    public static let vendorID: UInt32 = 0x554D_4551
    public static let queueSizeMax: UInt32 = 256
    /// Segments per request we advertise (VIRTIO_BLK_F_SEG_MAX): the queue
    /// size less header and status, as QEMU does.
    public static let segmentMax: UInt32 = queueSizeMax - 2

    // Feature bits.
    static let featureSegmentMax: UInt64 = 1 << 2
    static let featureReadOnly: UInt64 = 1 << 5
    static let featureFlush: UInt64 = 1 << 9
    static let featureVersion1: UInt64 = 1 << 32

    // Device status bits.
    static let statusDriverOK: UInt32 = 4
    static let statusFeaturesOK: UInt32 = 8
    static let statusNeedsReset: UInt32 = 0x40

    // Request types and completion codes (virtio_blk.h).
    static let requestIn: UInt32 = 0
    static let requestOut: UInt32 = 1
    static let requestFlush: UInt32 = 4
    static let requestGetID: UInt32 = 8
    static let statusOK: UInt8 = 0
    static let statusIOError: UInt8 = 1
    static let statusUnsupported: UInt8 = 2

    static let descriptorNext: UInt16 = 1
    static let descriptorWrite: UInt16 = 2
    static let descriptorIndirect: UInt16 = 4
    static let idLength = 20

    public let image: BlockImage
    public let ram: GuestRAM
    public let interrupt: InterruptLine
    /// What GET_ID returns (`/sys/block/vda/serial`), at most 20 bytes.
    public let serial: [UInt8]

    public var deviceFeatures: UInt64 {
        VirtioBlockDevice.featureVersion1 | VirtioBlockDevice.featureSegmentMax | VirtioBlockDevice.featureFlush
            | (image.readOnly ? VirtioBlockDevice.featureReadOnly : 0)
    }

    public private(set) var status: UInt32 = 0
    public private(set) var driverFeatures: UInt64 = 0
    public private(set) var interruptStatus: UInt32 = 0
    private var deviceFeaturesSelect: UInt32 = 0
    private var driverFeaturesSelect: UInt32 = 0
    private var queueSelect: UInt32 = 0
    private var queue = Queue()
    /// Requests completed since power-on (for statistics and tests).
    public private(set) var requestsCompleted = 0

    struct Queue {
        var size: UInt32 = VirtioBlockDevice.queueSizeMax
        var ready = false
        var descriptorTable: UInt64 = 0
        var availableRing: UInt64 = 0   // "driver area"
        var usedRing: UInt64 = 0        // "device area"
        var nextAvailable: UInt16 = 0
    }

    public init(image: BlockImage, ram: GuestRAM, interrupt: InterruptLine = InterruptLine(), serial: String = "trapeze-disk0") {
        self.image = image
        self.ram = ram
        self.interrupt = interrupt
        self.serial = Array(serial.utf8.prefix(VirtioBlockDevice.idLength))
    }

    /// Status 0: forget the driver's setup.
    public func reset() {
        status = 0
        driverFeatures = 0
        deviceFeaturesSelect = 0
        driverFeaturesSelect = 0
        queueSelect = 0
        queue = Queue()
        interruptStatus = 0
        interrupt.set(false)
    }

    // MARK: Configuration space (struct virtio_blk_config, little-endian)

    private func configByte(_ i: UInt64) -> UInt8 {
        func le(_ v: UInt64, _ at: UInt64, _ width: UInt64) -> UInt8? {
            i >= at && i < at + width ? UInt8(truncatingIfNeeded: v >> ((i - at) * 8)) : nil
        }
        return le(image.sectorCount, 0, 8)                                   // capacity
            ?? le(UInt64(VirtioBlockDevice.segmentMax), 12, 4)              // seg_max
            ?? le(BlockImage.sectorSize, 20, 4)                             // blk_size (not offered; informative)
            ?? 0
    }

    // MARK: Registers

    public func read(offset: UInt64, size: Int) -> UInt64 {
        if offset >= 0x100 {
            // Config space: any width; the guest's readb/readw/readl swap to its order.
            var v: UInt64 = 0
            for k in 0..<UInt64(size) { v = v << 8 | UInt64(configByte(offset - 0x100 + k)) }
            return v
        }
        guard size == 4, offset & 3 == 0 else { return 0 }
        return UInt64(readRegister(offset).byteSwapped)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        // The block config space is read-only for what we offer (no writeback toggle).
        guard offset < 0x100, size == 4, offset & 3 == 0 else { return }
        writeRegister(offset, UInt32(truncatingIfNeeded: value).byteSwapped)
    }

    /// A register as the little-endian value the spec defines.
    func readRegister(_ offset: UInt64) -> UInt32 {
        switch offset {
        case 0x000: return VirtioBlockDevice.magic
        case 0x004: return VirtioBlockDevice.version
        case 0x008: return VirtioBlockDevice.deviceID
        case 0x00C: return VirtioBlockDevice.vendorID
        case 0x010:
            switch deviceFeaturesSelect {
            case 0: return UInt32(truncatingIfNeeded: deviceFeatures)
            case 1: return UInt32(truncatingIfNeeded: deviceFeatures >> 32)
            default: return 0
            }
        case 0x034: return queueSelect == 0 ? VirtioBlockDevice.queueSizeMax : 0
        case 0x044: return queueSelect == 0 && queue.ready ? 1 : 0
        case 0x060: return interruptStatus
        case 0x070: return status
        case 0x0B0, 0x0B4, 0x0B8, 0x0BC: return 0xFFFF_FFFF   // no shared-memory regions
        case 0x0FC: return 0   // config generation: the config never changes
        default: return 0
        }
    }

    func writeRegister(_ offset: UInt64, _ v: UInt32) {
        switch offset {
        case 0x014: deviceFeaturesSelect = v
        case 0x020:
            switch driverFeaturesSelect {
            case 0: driverFeatures = driverFeatures & ~0xFFFF_FFFF | UInt64(v)
            case 1: driverFeatures = driverFeatures & 0xFFFF_FFFF | UInt64(v) << 32
            default: break
            }
        case 0x024: driverFeaturesSelect = v
        case 0x030: queueSelect = v
        case 0x038: if queueSelect == 0, v > 0, v <= VirtioBlockDevice.queueSizeMax { queue.size = v }
        case 0x044: if queueSelect == 0 { queue.ready = v & 1 != 0 }
        case 0x050: if v == 0 { processQueue() }
        case 0x064:
            interruptStatus &= ~v
            interrupt.set(interruptStatus != 0)
        case 0x070: writeStatus(v)
        case 0x080: if queueSelect == 0 { queue.descriptorTable = queue.descriptorTable & ~0xFFFF_FFFF | UInt64(v) }
        case 0x084: if queueSelect == 0 { queue.descriptorTable = queue.descriptorTable & 0xFFFF_FFFF | UInt64(v) << 32 }
        case 0x090: if queueSelect == 0 { queue.availableRing = queue.availableRing & ~0xFFFF_FFFF | UInt64(v) }
        case 0x094: if queueSelect == 0 { queue.availableRing = queue.availableRing & 0xFFFF_FFFF | UInt64(v) << 32 }
        case 0x0A0: if queueSelect == 0 { queue.usedRing = queue.usedRing & ~0xFFFF_FFFF | UInt64(v) }
        case 0x0A4: if queueSelect == 0 { queue.usedRing = queue.usedRing & 0xFFFF_FFFF | UInt64(v) << 32 }
        default: break
        }
    }

    private func writeStatus(_ v: UInt32) {
        if v == 0 { reset(); return }
        var new = v & 0xFF
        if new & VirtioBlockDevice.statusFeaturesOK != 0, status & VirtioBlockDevice.statusFeaturesOK == 0 {
            // Accept the driver's features only if we offered them all and it took VERSION_1.
            let acceptable = driverFeatures & ~deviceFeatures == 0 && driverFeatures & VirtioBlockDevice.featureVersion1 != 0
            if !acceptable { new &= ~VirtioBlockDevice.statusFeaturesOK }
        }
        status = new | status & VirtioBlockDevice.statusNeedsReset
    }

    // MARK: Request processing

    /// One descriptor's buffer, already checked to lie in RAM.
    struct Segment {
        var address: UInt64
        var length: Int
        var deviceWrites: Bool
    }

    /// Serves every request the driver has made available since the last notify.
    func processQueue() {
        guard queue.ready, status & VirtioBlockDevice.statusDriverOK != 0,
              status & VirtioBlockDevice.statusNeedsReset == 0 else { return }
        ram.deviceAccess?(true)
        defer { ram.deviceAccess?(false) }
        let size = UInt64(queue.size)
        guard ram.contains(queue.descriptorTable, length: 16 * size),
              ram.contains(queue.availableRing, length: 4 + 2 * size),
              ram.contains(queue.usedRing, length: 4 + 8 * size) else { return failDevice() }
        let availableIndex = ram.load16LE(queue.availableRing + 2)
        // More new entries than the ring holds: the driver broke the ring
        // (QEMU: "Guest moved used index"); serving them would walk stale slots.
        guard UInt64(availableIndex &- queue.nextAvailable) <= size else { return failDevice() }
        var completed = false
        while queue.nextAvailable != availableIndex {
            let head = ram.load16LE(queue.availableRing + 4 + 2 * (UInt64(queue.nextAvailable) % size))
            guard let segments = chain(from: head), let written = serve(segments) else { return failDevice() }
            let usedIndex = ram.load16LE(queue.usedRing + 2)
            let element = queue.usedRing + 4 + 8 * (UInt64(usedIndex) % size)
            ram.store32LE(element, UInt32(head))
            ram.store32LE(element + 4, UInt32(written))
            ram.store16LE(queue.usedRing + 2, usedIndex &+ 1)
            queue.nextAvailable &+= 1
            requestsCompleted += 1
            completed = true
        }
        if completed {
            interruptStatus |= 1   // used buffer notification
            interrupt.set(true)
        }
    }

    /// The descriptor chain starting at `head`, or nil if it is malformed
    /// (index out of range, a loop, a buffer outside RAM, an indirect table we
    /// did not offer, a readable buffer after a writable one).
    func chain(from head: UInt16) -> [Segment]? {
        var segments: [Segment] = []
        var index = head
        var sawWritable = false
        for _ in 0..<queue.size {
            guard UInt32(index) < queue.size else { return nil }
            let d = queue.descriptorTable + 16 * UInt64(index)
            let address = ram.load64LE(d)
            let length = ram.load32LE(d + 8)
            let flags = ram.load16LE(d + 12)
            let next = ram.load16LE(d + 14)
            guard flags & VirtioBlockDevice.descriptorIndirect == 0, ram.contains(address, length: UInt64(length)) else { return nil }
            let writable = flags & VirtioBlockDevice.descriptorWrite != 0
            if !writable && sawWritable { return nil }
            sawWritable = sawWritable || writable
            segments.append(Segment(address: address, length: Int(length), deviceWrites: writable))
            guard flags & VirtioBlockDevice.descriptorNext != 0 else { return segments }
            index = next
        }
        return nil   // longer than the ring: a loop
    }

    /// Serves one request; returns the number of bytes written into the
    /// guest's buffers (the used element's `len`), or nil when the request
    /// has no status byte to answer in (QEMU: "virtio-blk request inhdr too short").
    func serve(_ segments: [Segment]) -> Int? {
        let input = segments.filter { !$0.deviceWrites }
        var output = segments.filter { $0.deviceWrites }
        // The last writable byte is the status.
        guard let last = output.last, last.length > 0 else { return nil }
        let statusAddress = last.address + UInt64(last.length - 1)
        output[output.count - 1].length -= 1
        if output[output.count - 1].length == 0 { output.removeLast() }

        guard let header = gather(input, count: 16) else {
            ram.store8(statusAddress, VirtioBlockDevice.statusIOError)
            return 1
        }
        let type = UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24
        var sector: UInt64 = 0
        for k in (8..<16).reversed() { sector = sector << 8 | UInt64(header[k]) }
        let payloadIn = drop(16, from: input)
        let outputBytes = output.reduce(0) { $0 + $1.length }

        var result = VirtioBlockDevice.statusOK
        var written = 0
        switch type {
        case VirtioBlockDevice.requestIn:
            if fits(sector, outputBytes) {
                var offset = sector * BlockImage.sectorSize
                for s in output {
                    ram.willWrite(s.address, count: s.length)
                    guard image.read(into: ram.base + Int(s.address), count: s.length, at: offset) else {
                        result = VirtioBlockDevice.statusIOError
                        break
                    }
                    offset += UInt64(s.length)
                }
                written = outputBytes
            } else {
                result = VirtioBlockDevice.statusIOError
            }
        case VirtioBlockDevice.requestOut:
            let count = payloadIn.reduce(0) { $0 + $1.length }
            if image.readOnly || !fits(sector, count) {
                result = VirtioBlockDevice.statusIOError
            } else {
                var offset = sector * BlockImage.sectorSize
                for s in payloadIn {
                    guard image.write(from: ram.base + Int(s.address), count: s.length, at: offset) else {
                        result = VirtioBlockDevice.statusIOError
                        break
                    }
                    offset += UInt64(s.length)
                }
            }
        case VirtioBlockDevice.requestFlush:
            if !image.flush() { result = VirtioBlockDevice.statusIOError }
        case VirtioBlockDevice.requestGetID:
            var id = serial + [UInt8](repeating: 0, count: VirtioBlockDevice.idLength - serial.count)
            id = Array(id.prefix(outputBytes))
            written = scatter(id, into: output)
        default:
            result = VirtioBlockDevice.statusUnsupported
        }
        ram.store8(statusAddress, result)
        return written + 1
    }

    /// A transfer of `bytes` starting at `sector` stays inside the disk.
    private func fits(_ sector: UInt64, _ bytes: Int) -> Bool {
        let sectors = (UInt64(bytes) + BlockImage.sectorSize - 1) / BlockImage.sectorSize
        return sector <= image.sectorCount && sectors <= image.sectorCount - sector
    }

    /// The first `count` bytes of the segments, or nil if they hold fewer.
    private func gather(_ segments: [Segment], count: Int) -> [UInt8]? {
        var bytes: [UInt8] = []
        for s in segments where bytes.count < count {
            let take = min(s.length, count - bytes.count)
            bytes += UnsafeRawBufferPointer(start: ram.base + Int(s.address), count: take)
        }
        return bytes.count == count ? bytes : nil
    }

    /// The segments with their first `count` bytes removed.
    private func drop(_ count: Int, from segments: [Segment]) -> [Segment] {
        var skip = count
        var rest: [Segment] = []
        for var s in segments {
            if skip >= s.length { skip -= s.length; continue }
            s.address += UInt64(skip)
            s.length -= skip
            skip = 0
            rest.append(s)
        }
        return rest
    }

    private func scatter(_ bytes: [UInt8], into segments: [Segment]) -> Int {
        var done = 0
        for s in segments where done < bytes.count {
            let take = min(s.length, bytes.count - done)
            ram.write(bytes[done..<done + take], at: s.address)
            done += take
        }
        return done
    }

    /// The driver broke the ring's rules: stop serving until it resets us.
    private func failDevice() {
        status |= VirtioBlockDevice.statusNeedsReset
        interruptStatus |= 2   // configuration change: tells the driver to look at status
        interrupt.set(true)
    }
}
