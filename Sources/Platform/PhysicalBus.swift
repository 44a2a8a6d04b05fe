#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import E500

/// A memory-mapped device: a window of registers in physical space.
///
/// `offset` is relative to the start of the device's region; `size` is 1, 2
/// or 4 (the bus splits 8-byte accesses into two 4-byte ones, high word
/// first). `value` is what a big-endian core sees: the bytes at
/// offset..<offset+size in address order, most significant first. A device
/// with little-endian registers (virtio-mmio) byte-swaps internally, so the
/// guest's `lwbrx` (Linux `readl`) gets the register's value.
///
/// Devices are final classes; this protocol is the only dynamic dispatch,
/// and it is on the MMIO path, which is already a slow path for the core.
public protocol MMIODevice: AnyObject {
    func read(offset: UInt64, size: Int) -> UInt64
    func write(offset: UInt64, size: Int, value: UInt64)
}

/// Guest RAM: one zero-filled host allocation, mapped at physical 0.
///
/// It is an anonymous mapping, so pages the guest never touches cost no
/// host memory. Loaders and DMA-capable devices (virtio) use it directly.
///
/// Every host-side write goes through here or says so (`willWrite`) first:
/// that is how the cores' decoded code (`codeCache`) stays exact.
public final class GuestRAM {
    public let base: UnsafeMutableRawPointer
    public let size: UInt64
    /// The decoded instructions of RAM, shared by every core executing from it.
    public let codeCache: CodeCache
    /// Called with true before a device reads or writes RAM by DMA and with
    /// false after (virtio's request processing): a VMM that keeps guest
    /// words elsewhere (bt's data mirror) puts them back for the device and
    /// takes what it wrote.
    public var deviceAccess: ((Bool) -> Void)? = nil
    /// Bytes of inaccessible host address space on each side of RAM (0 = none).
    public let guardBytes: UInt64

    /// `size` must be a positive multiple of 4 KiB.
    ///
    /// `guardBytes` (for tests) surrounds RAM with that much reserved,
    /// PROT_NONE host address space on each side, so any host read or write
    /// outside RAM within that distance kills the process instead of going
    /// unnoticed. 64 GiB (`GuestRAM.physicalAddressSpace`) covers every
    /// offset a 36-bit physical address can add to `base`. Reserving costs
    /// address space only; `base` and `size` are what they are without it,
    /// so nothing on the access paths changes.
    public init(size: UInt64, guardBytes: UInt64 = 0) {
        precondition(size > 0 && size % 4096 == 0, "RAM size must be a positive multiple of 4 KiB")
        precondition(guardBytes % 4096 == 0, "guard regions must be whole pages")
        let total = size + 2 * guardBytes
        let flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
        let p = mmap(nil, Int(total), guardBytes == 0 ? PROT_READ | PROT_WRITE : PROT_NONE, flags, -1, 0)
        guard let p, p != MAP_FAILED else { fatalError("trapeze: cannot reserve \(total) bytes of guest RAM") }
        if guardBytes > 0 {
            guard mprotect(p + Int(guardBytes), Int(size), PROT_READ | PROT_WRITE) == 0 else {
                fatalError("trapeze: cannot make guest RAM accessible inside its guard regions")
            }
        }
        base = p + Int(guardBytes)
        self.size = size
        self.guardBytes = guardBytes
        codeCache = CodeCache(hostBase: base, size: size)
    }

    /// Says that [paddr, paddr + count) is about to be written from the host
    /// (DMA into a raw pointer, a loader's memset): decoded code there goes.
    /// The accessors below call it themselves.
    @inline(__always)
    public func willWrite(_ paddr: UInt64, count: Int) {
        codeCache.invalidate(base + Int(paddr), count: count)
    }

    /// The span of host addresses a 36-bit physical address can reach from `base`.
    public static let physicalAddressSpace: UInt64 = 1 << 36

    deinit { munmap(base - Int(guardBytes), Int(size + 2 * guardBytes)) }

    /// True when [paddr, paddr+length) lies inside RAM.
    @inline(__always)
    public func contains(_ paddr: UInt64, length: UInt64) -> Bool {
        paddr < size && length <= size - paddr
    }

    /// Host pointer for [paddr, paddr+length), or nil when it leaves RAM.
    @inline(__always)
    public func pointer(_ paddr: UInt64, length: UInt64 = 1) -> UnsafeMutableRawPointer? {
        contains(paddr, length: length) ? base + Int(paddr) : nil
    }

    public func load8(_ paddr: UInt64) -> UInt8 { base.load(fromByteOffset: Int(paddr), as: UInt8.self) }
    public func load16BE(_ paddr: UInt64) -> UInt16 { UInt16(bigEndian: base.loadUnaligned(fromByteOffset: Int(paddr), as: UInt16.self)) }
    public func load32BE(_ paddr: UInt64) -> UInt32 { UInt32(bigEndian: base.loadUnaligned(fromByteOffset: Int(paddr), as: UInt32.self)) }
    public func load64BE(_ paddr: UInt64) -> UInt64 { UInt64(bigEndian: base.loadUnaligned(fromByteOffset: Int(paddr), as: UInt64.self)) }
    public func store8(_ paddr: UInt64, _ v: UInt8) { willWrite(paddr, count: 1); base.storeBytes(of: v, toByteOffset: Int(paddr), as: UInt8.self) }
    public func store16BE(_ paddr: UInt64, _ v: UInt16) { willWrite(paddr, count: 2); base.storeBytes(of: v.bigEndian, toByteOffset: Int(paddr), as: UInt16.self) }
    public func store32BE(_ paddr: UInt64, _ v: UInt32) { willWrite(paddr, count: 4); base.storeBytes(of: v.bigEndian, toByteOffset: Int(paddr), as: UInt32.self) }
    public func store64BE(_ paddr: UInt64, _ v: UInt64) { willWrite(paddr, count: 8); base.storeBytes(of: v.bigEndian, toByteOffset: Int(paddr), as: UInt64.self) }

    // Virtio rings are little-endian whatever the guest's byte order.
    public func load16LE(_ paddr: UInt64) -> UInt16 { UInt16(littleEndian: base.loadUnaligned(fromByteOffset: Int(paddr), as: UInt16.self)) }
    public func load32LE(_ paddr: UInt64) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: Int(paddr), as: UInt32.self)) }
    public func load64LE(_ paddr: UInt64) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: Int(paddr), as: UInt64.self)) }
    public func store16LE(_ paddr: UInt64, _ v: UInt16) { willWrite(paddr, count: 2); base.storeBytes(of: v.littleEndian, toByteOffset: Int(paddr), as: UInt16.self) }
    public func store32LE(_ paddr: UInt64, _ v: UInt32) { willWrite(paddr, count: 4); base.storeBytes(of: v.littleEndian, toByteOffset: Int(paddr), as: UInt32.self) }

    /// Copies `bytes` to [paddr, paddr+count); false (nothing written) when it does not fit.
    @discardableResult
    public func write(_ bytes: some Collection<UInt8>, at paddr: UInt64) -> Bool {
        guard contains(paddr, length: UInt64(bytes.count)) else { return false }
        var p = base + Int(paddr)
        // Kernels and initrds are megabytes: one copy when the bytes are contiguous.
        if bytes.isEmpty { return true }
        willWrite(paddr, count: bytes.count)
        if bytes.withContiguousStorageIfAvailable({ memcpy(p, $0.baseAddress!, $0.count) }) != nil { return true }
        for b in bytes { p.storeBytes(of: b, as: UInt8.self); p += 1 }
        return true
    }

    /// Copies [paddr, paddr+count) out, or nil when it leaves RAM.
    public func read(_ paddr: UInt64, count: Int) -> [UInt8]? {
        guard contains(paddr, length: UInt64(count)) else { return nil }
        return Array(UnsafeRawBufferPointer(start: base + Int(paddr), count: count))
    }

    /// Zeroes all of RAM (machine reset).
    public func clear() {
        codeCache.invalidateAll()
        memset(base, 0, Int(size))
    }
}

/// The 36-bit physical address space: RAM at 0 and device windows above it.
///
/// `read`/`write` are the core's slow path (soft-TLB misses on device pages,
/// page-crossing accesses); `ramPointer` is what the soft TLB caches for RAM
/// pages. nil / false mean "nothing there": the machine turns that into a
/// machine check or a DSI, as it decides.
public final class PhysicalBus {
    /// One device window. Windows never overlap each other or RAM.
    public struct Region {
        public let base: UInt64
        public let size: UInt64
        public let name: String
        public let device: any MMIODevice
        @inline(__always) func contains(_ paddr: UInt64, _ length: UInt64) -> Bool {
            paddr >= base && paddr - base < size && length <= size - (paddr - base)
        }
    }

    public let ram: GuestRAM
    /// Sorted by base address.
    public private(set) var regions: [Region] = []
    /// Index of the region that answered last: MMIO comes in bursts to one
    /// device (a UART console write, an MPIC IACK/EOI pair).
    private var lastHit = 0

    public init(ram: GuestRAM) { self.ram = ram }

    /// Maps `device` at [base, base+size). Overlapping RAM or another window
    /// is a programming error.
    public func map(_ device: any MMIODevice, at base: UInt64, size: UInt64, name: String) {
        precondition(size > 0 && base >= ram.size && base &+ size > base, "\(name): window overlaps RAM or wraps")
        for r in regions {
            precondition(base + size <= r.base || r.base + r.size <= base, "\(name) overlaps \(r.name)")
        }
        regions.append(Region(base: base, size: size, name: name, device: device))
        regions.sort { $0.base < $1.base }
        lastHit = 0
    }

    /// Host pointer to the RAM byte at `paddr`, or nil for device or empty space.
    @inline(__always)
    public func ramPointer(_ paddr: UInt64) -> UnsafeMutableRawPointer? {
        paddr < ram.size ? ram.base + Int(paddr) : nil
    }

    /// The device window holding [paddr, paddr+length), if any.
    public func region(containing paddr: UInt64, length: UInt64 = 1) -> Region? {
        if lastHit < regions.count, regions[lastHit].contains(paddr, length) { return regions[lastHit] }
        var lo = 0, hi = regions.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if regions[mid].base <= paddr { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0, regions[lo - 1].contains(paddr, length) else { return nil }
        lastHit = lo - 1
        return regions[lo - 1]
    }

    /// Big-endian load of 1, 2, 4 or 8 bytes; nil when nothing answers there.
    public func read(_ paddr: UInt64, size: Int) -> UInt64? {
        if ram.contains(paddr, length: UInt64(size)) {
            switch size {
            case 1: return UInt64(ram.load8(paddr))
            case 2: return UInt64(ram.load16BE(paddr))
            case 4: return UInt64(ram.load32BE(paddr))
            case 8: return ram.load64BE(paddr)
            default: return nil
            }
        }
        guard let r = region(containing: paddr, length: UInt64(size)) else { return nil }
        let offset = paddr - r.base
        switch size {
        case 1, 2, 4: return r.device.read(offset: offset, size: size)
        case 8: return r.device.read(offset: offset, size: 4) << 32 | r.device.read(offset: offset + 4, size: 4)
        default: return nil
        }
    }

    /// Big-endian store of 1, 2, 4 or 8 bytes; false when nothing answers there.
    @discardableResult
    public func write(_ paddr: UInt64, size: Int, value: UInt64) -> Bool {
        if ram.contains(paddr, length: UInt64(size)) {
            switch size {
            case 1: ram.store8(paddr, UInt8(truncatingIfNeeded: value))
            case 2: ram.store16BE(paddr, UInt16(truncatingIfNeeded: value))
            case 4: ram.store32BE(paddr, UInt32(truncatingIfNeeded: value))
            case 8: ram.store64BE(paddr, value)
            default: return false
            }
            return true
        }
        guard let r = region(containing: paddr, length: UInt64(size)) else { return false }
        let offset = paddr - r.base
        switch size {
        case 1: r.device.write(offset: offset, size: 1, value: value & 0xFF)
        case 2: r.device.write(offset: offset, size: 2, value: value & 0xFFFF)
        case 4: r.device.write(offset: offset, size: 4, value: value & 0xFFFF_FFFF)
        case 8:
            r.device.write(offset: offset, size: 4, value: value >> 32)
            r.device.write(offset: offset + 4, size: 4, value: value & 0xFFFF_FFFF)
        default: return false
        }
        return true
    }
}

/// Helpers for devices whose registers are 32-bit words (MPIC, guts): a
/// narrower access reads the containing word and extracts its bytes in
/// big-endian order; a narrower write is ignored (Linux never does one, and
/// the hardware documents only word access).
@inline(__always)
func extractBigEndian(word: UInt32, offset: UInt64, size: Int) -> UInt64 {
    let shift = (4 - Int(offset & 3) - size) * 8
    guard shift >= 0 else { return 0 }
    let mask: UInt64 = size == 4 ? 0xFFFF_FFFF : (1 << (UInt64(size) * 8)) - 1
    return (UInt64(word) >> UInt64(shift)) & mask
}
