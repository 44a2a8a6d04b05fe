#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PowerISA

/// One instruction word decoded once: the opcode the decode table gives it
/// (reserved bits already checked) and the word, for the handlers' fields.
/// `op == nil`: not decoded yet.
struct DecodedInstruction {
    var op: Opcode?
    var word: UInt32

    static let undecoded = DecodedInstruction(op: nil, word: 0)
}

/// Decoded instructions of the guest memory one host block holds (all of RAM
/// in system mode, the 4 GB user address space in user mode), one array of
/// 1024 decoded words per 4 KB page that has executed, so an instruction is
/// fetched and decoded once, not every time it runs (docs/performance.md).
///
/// Keyed by host address, which is physical memory: every virtual alias of a
/// page, every core and every address space share one decoding.
///
/// Exact invalidation: whoever writes the block's memory says so first
/// (`invalidate`), and a page's decoded words are dropped before the write
/// lands; the next execution decodes what memory then holds. Guest stores
/// reach it through the cores' software TLBs: a page that holds decoded code
/// has no write tag in any attached core (`startDecoding` drops them), so the
/// first store to it takes the refill path, which invalidates. Host writers
/// (DMA, loaders, the VMM's patches) call `invalidate` through the memory
/// they write (GuestRAM, AddressSpace).
public final class CodeCache {
    static let pageShift = 12
    static let wordsPerPage = 1024

    /// First host byte of the block and its size in pages.
    let hostBase: UnsafeMutableRawPointer
    let pageCount: Int
    /// Per page: its decoded words, or nil when the page holds no cached code.
    /// Zeroed (calloc) so a large block costs nothing until pages execute.
    let pages: UnsafeMutablePointer<UnsafeMutablePointer<DecodedInstruction>?>
    /// Per page: 1 when its memory can change behind the cache's back (a
    /// host MAP_SHARED mapping in user mode): never cached, decoded each time.
    let uncacheable: UnsafeMutablePointer<UInt8>
    /// Arrays of dropped pages, reused before allocating.
    var spare: [UnsafeMutablePointer<DecodedInstruction>] = []
    /// The cores executing from this memory (their fetch state and software
    /// TLBs must hear of invalidations). Cores attach and detach themselves.
    var cores: [Unmanaged<Core>] = []

    /// Pages decoded and pages dropped since creation (docs/performance.md).
    public private(set) var pagesDecoded: UInt64 = 0
    public private(set) var pagesDropped: UInt64 = 0

    public init(hostBase: UnsafeMutableRawPointer, size: UInt64) {
        self.hostBase = hostBase
        pageCount = Int((size + 0xFFF) >> 12)
        pages = calloc(pageCount, MemoryLayout<UnsafeMutablePointer<DecodedInstruction>?>.stride)!
            .bindMemory(to: UnsafeMutablePointer<DecodedInstruction>?.self, capacity: pageCount)
        uncacheable = calloc(pageCount, 1)!.bindMemory(to: UInt8.self, capacity: pageCount)
    }

    deinit {
        for p in 0..<pageCount { pages[p]?.deallocate() }
        for s in spare { s.deallocate() }
        free(pages)
        free(uncacheable)
    }

    /// The page index of a host address inside the block, or nil.
    @inline(__always)
    func pageIndex(_ host: UnsafeRawPointer) -> Int? {
        let offset = UInt(bitPattern: host - UnsafeRawPointer(hostBase))
        let page = Int(offset >> UInt(CodeCache.pageShift))
        return offset < UInt(pageCount) << UInt(CodeCache.pageShift) ? page : nil
    }

    /// The decoded words of the code page at `hostPage`, created empty on the
    /// first execution; nil when the page is outside the block or uncacheable
    /// (the caller then decodes every time).
    @inline(__always)
    func decodedPage(_ hostPage: UnsafeMutableRawPointer) -> UnsafeMutablePointer<DecodedInstruction>? {
        guard let page = pageIndex(hostPage) else { return nil }
        if let words = pages[page] { return words }
        return startDecoding(page)
    }

    @inline(never)
    func startDecoding(_ page: Int) -> UnsafeMutablePointer<DecodedInstruction>? {
        guard uncacheable[page] == 0 else { return nil }
        let words = spare.popLast() ?? .allocate(capacity: CodeCache.wordsPerPage)
        words.initialize(repeating: .undecoded, count: CodeCache.wordsPerPage)
        pages[page] = words
        pagesDecoded &+= 1
        // From now on a store to the page must come through a refill.
        let host = hostBase + page << CodeCache.pageShift
        for core in cores { core._withUnsafeGuaranteedRef { $0.dropWriteTags(hostPage: host) } }
        return words
    }

    /// The pages [host, host + count) touches inside the block, or nil.
    @inline(__always)
    func pageRange(_ host: UnsafeRawPointer, count: Int) -> ClosedRange<Int>? {
        guard count > 0 else { return nil }
        let start = host - UnsafeRawPointer(hostBase), end = start + count
        guard end > 0, start < pageCount << CodeCache.pageShift else { return nil }
        return (max(0, start) >> CodeCache.pageShift)...(min(end, pageCount << CodeCache.pageShift) - 1) >> CodeCache.pageShift
    }

    /// Forgets the decoded code of every page [host, host + count) touches.
    /// Call before writing guest memory from the host side; cheap when the
    /// pages hold no code (one load per page).
    @inline(__always)
    public func invalidate(_ host: UnsafeRawPointer, count: Int) {
        guard let range = pageRange(host, count: count) else { return }
        for page in range where pages[page] != nil { drop(page) }
    }

    /// Marks pages as changing behind the cache's back (never cached), or
    /// cacheable again; either way their decoded code goes.
    public func setUncacheable(_ host: UnsafeRawPointer, count: Int, _ value: Bool) {
        guard let range = pageRange(host, count: count) else { return }
        for page in range {
            if pages[page] != nil { drop(page) }
            uncacheable[page] = value ? 1 : 0
        }
    }

    @inline(never)
    func drop(_ page: Int) {
        guard let words = pages[page] else { return }
        pages[page] = nil
        spare.append(words)
        pagesDropped &+= 1
        // A core running on the page fetches again before its next instruction.
        for core in cores { core._withUnsafeGuaranteedRef { $0.forgetDecodedPage(words) } }
    }

    /// Forgets everything (the memory was rewritten wholesale).
    public func invalidateAll() {
        for page in 0..<pageCount where pages[page] != nil { drop(page) }
    }

    func attach(_ core: Core) {
        if !cores.contains(where: { $0.toOpaque() == Unmanaged.passUnretained(core).toOpaque() }) {
            cores.append(.passUnretained(core))
        }
    }

    func detach(_ core: Core) {
        cores.removeAll { $0.toOpaque() == Unmanaged.passUnretained(core).toOpaque() }
    }
}
