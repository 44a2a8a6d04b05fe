import Foundation
import Testing
import TestSupport
@testable import Platform
import Telemetry

/// 100,000 mutated boot inputs, each of which must either load or be refused
/// with a typed error whose description is one line; a Swift trap, a crash or
/// a hang fails the suite (a crash takes the test process with it). Mutations
/// are seeded (TRAPEZE_MUTATION_SEED to explore others): bit flips, byte and
/// field overwrites at the header offsets the loaders read (with values at
/// the edges: 0, all ones, sign bits, the file and RAM sizes), truncations
/// and garbage tails. uImages are mutated both with their CRCs left alone and
/// recomputed, so damage behind the checksums reaches the decompressor.
/// Guest/linux/check-mutated.sh drives a few hundred such files through the
/// `trapeze` binary.
@Suite(.timeLimit(.minutes(2))) struct MutatedInputTests {
    static let seed: UInt64 = ProcessInfo.processInfo.environment["TRAPEZE_MUTATION_SEED"].flatMap { UInt64($0) }
        ?? 0x7_2A9E_2E

    /// How each category's cases ended.
    final class Tally {
        var loaded = 0
        var rejected = 0
        var problems: [String] = []
        var cases: Int { loaded + rejected + problems.count }

        /// A refusal must explain itself in one line.
        func refused(_ description: String, input: [UInt8]) {
            if description.isEmpty || description.contains(where: \.isNewline) {
                problems.append("error not one line: \(description.debugDescription) for \(Mutator.sketch(input))")
            } else {
                rejected += 1
            }
        }

        func wrong(_ what: String, input: [UInt8]) { problems.append("\(what) for \(Mutator.sketch(input))") }
    }

    // MARK: Seeds

    /// A vmlinux-like ELF: two PT_LOADs and a PT_NOTE, then a symbol table
    /// (for SymbolTable) behind section headers (null, .symtab, .strtab).
    static func elfSeed() -> (bytes: [UInt8], fields: [Int]) {
        let text = (0..<0x300).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 5) }
        let image = ELFImage(segments: [
            .init(vaddr: 0xC000_0000, paddr: 0, bytes: text, memsz: 0x2000, flags: 7),
            .init(vaddr: 0xC010_0000, paddr: 0x10_0000, bytes: [1, 2, 3, 4, 5, 6, 7, 8], memsz: 0x800, flags: 6),
            .init(type: 4, vaddr: 0, paddr: 0, bytes: [0, 0, 0, 4]),
        ], entry: 0xC000_0010)
        var b = image.bytes()
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        func put16(_ v: UInt16, at i: Int) { b[i] = UInt8(v >> 8); b[i + 1] = UInt8(v & 0xFF) }
        func put32(_ v: UInt32, at i: Int) { b.replaceSubrange(i..<i + 4, with: be32(v)) }
        let strings = Array("\0start_kernel\0__switch_to\0$x\0".utf8)
        let stringsOffset = b.count
        b += strings
        let symbolsOffset = b.count
        for (name, value, info) in [(0, 0, 0), (1, 0xC000_0000, 2), (14, 0xC000_0100, 2), (26, 0xC000_0200, 0)] {
            b += be32(UInt32(name)) + be32(UInt32(value)) + be32(0x40) + [UInt8(info), 0, 0, 1]
        }
        let sectionsOffset = b.count
        b += [UInt8](repeating: 0, count: 40)
        b += be32(0) + be32(2) + be32(0) + be32(0) + be32(UInt32(symbolsOffset)) + be32(64) + be32(2) + be32(0) + be32(4) + be32(16)
        b += be32(0) + be32(3) + be32(0) + be32(0) + be32(UInt32(stringsOffset)) + be32(UInt32(strings.count))
            + be32(0) + be32(0) + be32(1) + be32(0)
        put32(UInt32(sectionsOffset), at: 32)
        put16(40, at: 46)
        put16(3, at: 48)
        var fields = [4, 5, 16, 18, 24, 28, 32, 42, 44, 46, 48, 50]
        for i in 0..<3 { fields += [0, 4, 8, 12, 16, 20, 24].map { 52 + 32 * i + $0 } }
        for i in 1..<3 { fields += [4, 16, 20, 24].map { sectionsOffset + 40 * i + $0 } }
        fields += [0, 4, 12, 14].map { symbolsOffset + 16 + $0 }
        return (b, fields)
    }

    /// A legacy uImage around `data` (the loader's own header layout, CRCs set).
    static func uImage(_ data: [UInt8], compression: UInt8) -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        var header = be32(0x2705_1956) + be32(0) + be32(0) + be32(UInt32(data.count)) + be32(0x1000) + be32(0x1000)
        header += be32(crc32(data)) + [5, 7, 2, compression] + Array("Linux".utf8) + [UInt8](repeating: 0, count: 27)
        header.replaceSubrange(4..<8, with: be32(crc32(header)))
        return header + data
    }

    /// Sets the data and header CRCs of a (mutated) uImage to match, as far as its size field allows.
    static func fixChecksums(_ b: inout [UInt8]) {
        guard b.count >= 64 else { return }
        func put32(_ v: UInt32, at i: Int) { b[i] = UInt8(v >> 24); b[i + 1] = UInt8(v >> 16 & 0xFF); b[i + 2] = UInt8(v >> 8 & 0xFF); b[i + 3] = UInt8(v & 0xFF) }
        let size = Int(be32(b, 12))
        if size <= b.count - 64 { put32(crc32(b[64..<64 + size]), at: 24) }
        put32(0, at: 4)
        put32(crc32(b[0..<64]), at: 4)
    }

    static let uImageFields = [12, 16, 20, 24, 28, 29, 30, 31] + [2, 3, 4, 8, 9, 10, 11].map { 64 + $0 }

    /// Text, random and repeated bytes: every deflate block type.
    static func sampleData() -> [UInt8] {
        var rng = SplitMix64(seed: 1)
        var data = Array(String(repeating: "The quick brown fox jumps over the lazy dog. ", count: 60).utf8)
        data += (0..<1500).map { _ in UInt8.random(in: 0...255, using: &rng) }
        data += [UInt8](repeating: 0, count: 2000)
        return data
    }

    static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        let scratch = ScratchDirectory("mutated-gz")
        scratch.write("data", data)
        let result = try runTool("gzip", ["-9", "-k", scratch.path("data")])
        try #require(result.status == 0, "gzip failed: \(result.stderr)")
        return scratch.read("data.gz")
    }

    static let costModelSeed = """
        {"name": "board", "frequency_mhz": 1200, "cycles_per_instruction": 1.5, "default_exit_cycles": 2000,
         "exit_cycles": {"EMULINST": 1750, "DTLBVIRT": 5500, "MMIO": 30000, "EMUL_MFSPR": 1500, "DEC": 900}}
        """

    // MARK: Cases

    @Test func mutatedInputsLoadOrFailInOneLine() throws {
        var rng = SplitMix64(seed: MutatedInputTests.seed)
        let ram = GuestRAM(size: 64 << 20)
        let elf = MutatedInputTests.elfSeed()
        let gzipped = try MutatedInputTests.gzip(MutatedInputTests.sampleData())
        let rawUImage = MutatedInputTests.uImage(MutatedInputTests.sampleData(), compression: 0)
        let gzipUImage = MutatedInputTests.uImage(gzipped, compression: 1)
        let tallies = ["ELF kernel", "ELF symbols", "raw uImage", "gzip uImage", "gzip stream", "cost model"]
            .map { ($0, Tally()) }
        let t = Dictionary(uniqueKeysWithValues: tallies)

        // Sanity: the seeds themselves load, so mutations start from valid input.
        _ = try KernelLoader.load(bytes: elf.bytes, name: "k", into: ram)
        #expect(try SymbolTable(bytes: elf.bytes, name: "k").count == 2)
        _ = try KernelLoader.load(bytes: rawUImage, name: "k", into: ram)
        _ = try KernelLoader.load(bytes: gzipUImage, name: "k", into: ram)
        _ = try CostModel.parse(Data(MutatedInputTests.costModelSeed.utf8), path: "m.json")

        func loadKernel(_ bytes: [UInt8], _ tally: Tally) {
            do {
                let k = try KernelLoader.load(bytes: bytes, name: "k", into: ram)
                if k.loadAddress > k.end || k.end > ram.size { tally.wrong("loaded outside RAM: \(k)", input: bytes) }
                _ = BootLayout.initrdAddress(for: k)
                _ = BootLayout.initialMappingTSIZE(coveringUpTo: BootLayout.deviceTreeAddress(for: k) + (1 << 20))
                tally.loaded += 1
            } catch {
                tally.refused(error.description, input: bytes)
            }
        }

        for _ in 0..<40_000 {
            loadKernel(Mutator.mutate(elf.bytes, fields: elf.fields, using: &rng), t["ELF kernel"]!)
        }
        for _ in 0..<10_000 {
            let bytes = Mutator.mutate(elf.bytes, fields: elf.fields, using: &rng)
            do {
                let table = try SymbolTable(bytes: bytes, name: "k")
                _ = table.describe(0xC000_0104)
                t["ELF symbols"]!.loaded += 1
            } catch {
                t["ELF symbols"]!.refused(error.description, input: bytes)
            }
        }
        for (seed, name) in [(rawUImage, "raw uImage"), (gzipUImage, "gzip uImage")] {
            for n in 0..<12_500 {
                var bytes = Mutator.mutate(seed, fields: MutatedInputTests.uImageFields, using: &rng)
                if n % 4 != 0 { MutatedInputTests.fixChecksums(&bytes) }
                loadKernel(bytes, t[name]!)
            }
        }
        for _ in 0..<10_000 {
            let bytes = Mutator.mutate(gzipped, fields: [2, 3, 4, 8, 9, 10, 11, gzipped.count - 8, gzipped.count - 4], using: &rng)
            do {
                let out = try Gunzip.decompress(bytes[...], limit: 1 << 20)
                if out.count > 1 << 20 { t["gzip stream"]!.wrong("output beyond its limit", input: bytes) }
                t["gzip stream"]!.loaded += 1
            } catch {
                t["gzip stream"]!.refused("\(error)", input: bytes)
            }
        }
        let jsonSeed = Array(MutatedInputTests.costModelSeed.utf8)
        for _ in 0..<15_000 {
            let bytes = Mutator.mutateJSON(jsonSeed, using: &rng)
            do {
                let model = try CostModel.parse(Data(bytes), path: "m.json")
                let costs = model.inMachineCycles(Double(Machine.coreFrequency))
                var clock = InstructionClock(cyclesPerInstruction: costs.instruction)
                _ = clock.extraCycles(for: 1 << 40)
                if model.name.contains(where: \.isNewline) { t["cost model"]!.wrong("name with a newline", input: bytes) }
                t["cost model"]!.loaded += 1
            } catch {
                t["cost model"]!.refused(error.description, input: bytes)
            }
        }

        let total = tallies.reduce(0) { $0 + $1.1.cases }
        let summary = tallies.map { "\($0.0) \($0.1.cases) (\($0.1.loaded) loaded, \($0.1.rejected) refused)" }
        print("mutated inputs: \(total) cases, seed \(MutatedInputTests.seed): " + summary.joined(separator: "; "))
        #expect(total == 100_000)
        for (name, tally) in tallies {
            #expect(tally.problems.isEmpty, "\(name): \(tally.problems.count) problems, first: \(tally.problems.prefix(3))")
            // A mutation campaign that never loads (or never refuses) anything tests nothing.
            #expect(tally.loaded > 0 && tally.rejected > 0, "\(name): \(tally.loaded) loaded, \(tally.rejected) refused")
        }
    }

    /// Kernels whose size moves the initrd and device tree around, with
    /// initrds of every size up to past the end of RAM (sparse files): each
    /// boot setup succeeds with everything inside RAM and apart, or says
    /// what does not fit, in one line.
    @Test func initrdPlacementAroundTheEdgesOfRAM() throws {
        var rng = SplitMix64(seed: MutatedInputTests.seed ^ 0x1417)
        let scratch = ScratchDirectory("mutated-initrd")
        let board = E500Board(ramSize: 128 << 20)
        let ramSize = board.ram.size
        let tally = Tally()
        let elf = MutatedInputTests.elfSeed()
        let edges: [UInt64] = [0, 1, 4095, 1 << 20, 32 << 20, 64 << 20, (64 << 20) - 1, (64 << 20) + 1, ramSize - (64 << 20)]
        for n in 0..<240 {
            var kernel = elf.bytes
            // The first segment's p_memsz: the payload size the layout follows.
            let memsz = n % 3 == 0 ? UInt32.random(in: 0x300...0x600_0000, using: &rng) : [0x2000, 0x1FF_FFFF, 0x200_0000, 0x400_0000][n % 4]
            for k in 0..<4 { kernel[52 + 20 + k] = UInt8(truncatingIfNeeded: memsz >> (24 - 8 * k)) }
            let kernelPath = scratch.write("k\(n % 8)", kernel)
            let size = n % 2 == 0 ? edges[n / 2 % edges.count] : UInt64.random(in: 0...(80 << 20), using: &rng)
            let initrdPath = scratch.path("initrd\(n % 8)")
            let fd = open(initrdPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            try #require(fd >= 0)
            ftruncate(fd, off_t(size))
            close(fd)
            do {
                let state = try board.loadBoot(kernel: kernelPath, initrd: initrdPath, commandLine: "console=ttyS0")
                let initrd = state.initrd ?? 0..<0
                let tree = state.deviceTreeAddress..<state.deviceTreeAddress + (1 << 20)
                if initrd.upperBound > ramSize || tree.upperBound > ramSize || initrd.overlaps(tree) && !initrd.isEmpty {
                    tally.wrong("initrd \(initrd) and device tree \(tree) in \(ramSize) bytes", input: kernel)
                } else {
                    tally.loaded += 1
                }
            } catch {
                tally.refused(error.description, input: kernel)
            }
        }
        print("mutated inputs: initrd placement \(tally.cases) cases (\(tally.loaded) loaded, \(tally.rejected) refused)")
        #expect(tally.problems.isEmpty, "\(tally.problems.prefix(3))")
        #expect(tally.loaded > 0 && tally.rejected > 0)
    }
}

enum Mutator {
    /// Values at the edges of what a 32-bit field can hold or a loader compares it with.
    static func edge32(fileSize: Int, using rng: inout SplitMix64) -> UInt32 {
        let values: [UInt32] = [0, 1, 2, 3, 4, 20, 32, 40, 52, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFFE,
                                UInt32(fileSize), UInt32(fileSize) &- 1, UInt32(fileSize) &+ 1, 64 << 20, (64 << 20) - 1,
                                128 << 20, 0xC000_0000, 0x0FFF_FFFF, 0x1000_0000]
        return Bool.random(using: &rng) ? values.randomElement(using: &rng)! : UInt32.random(in: 0...UInt32.max, using: &rng)
    }

    /// One to four random mutations of `seed`; `fields` are offsets of header fields worth overwriting.
    static func mutate(_ seed: [UInt8], fields: [Int], using rng: inout SplitMix64) -> [UInt8] {
        var b = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0, 1:  // bit flips
                guard !b.isEmpty else { continue }
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    b[Int.random(in: 0..<b.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
                }
            case 2:  // a random byte
                guard !b.isEmpty else { continue }
                b[Int.random(in: 0..<b.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 3, 4, 5:  // a 32-bit header field
                guard let at = fields.randomElement(using: &rng), at >= 0, at + 4 <= b.count else { continue }
                let v = edge32(fileSize: b.count, using: &rng)
                for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(k))) }
            case 6:  // a 16-bit header field
                guard let at = fields.randomElement(using: &rng), at >= 0, at + 2 <= b.count else { continue }
                let v = [0, 1, 2, 31, 32, 33, 40, 0x7FFF, 0xFFFF, UInt16.random(in: 0...UInt16.max, using: &rng)]
                    .randomElement(using: &rng)!
                b[at] = UInt8(v >> 8)
                b[at + 1] = UInt8(v & 0xFF)
            case 7:  // truncation
                b = Array(b.prefix(Int.random(in: 0...b.count, using: &rng)))
            case 8:  // garbage tail
                b += (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default:  // a run of zeros or 0xFF
                guard !b.isEmpty else { continue }
                let start = Int.random(in: 0..<b.count, using: &rng)
                let end = min(b.count, start + Int.random(in: 1...32, using: &rng))
                let fill: UInt8 = Bool.random(using: &rng) ? 0 : 0xFF
                for i in start..<end { b[i] = fill }
            }
        }
        return b
    }

    /// Mutations of a JSON text: the byte-level ones, plus numbers replaced
    /// by extremes, keys renamed, structure characters inserted or removed.
    static func mutateJSON(_ seed: [UInt8], using rng: inout SplitMix64) -> [UInt8] {
        var text = String(decoding: seed, as: UTF8.self)
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1:
                let numbers = ["0", "-1", "1e308", "1e309", "-1e308", "1e-320", "4.9e-324", "99999999999999999999999",
                               "0.0000001", "1e12", "1e13", "100000", "100001", "0.001", "0.0009", "true", "null", "\"7\"",
                               "[]", "{}", "1.5e300"]
                let digits = text.indices.filter { text[$0].isNumber }
                guard let at = digits.randomElement(using: &rng) else { continue }
                var end = at
                while end < text.endIndex, text[end].isNumber || text[end] == "." { end = text.index(after: end) }
                text.replaceSubrange(at..<end, with: numbers.randomElement(using: &rng)!)
            case 2:
                let keys = ["\"frequency_mhz\"", "\"exit_cycles\"", "\"EMULINST\"", "\"TIMEINGUEST\"", "\"name\"", "\"x\"", "\"\""]
                let quotes = text.indices.filter { text[$0] == "\"" }
                guard let at = quotes.randomElement(using: &rng) else { continue }
                text.insert(contentsOf: keys.randomElement(using: &rng)! + ": 1, ", at: at)
            case 3:
                let pieces = ["{", "}", "[", "]", ",", ":", "\"", "\\", "\n", "\"name\": \"a\\nb\", ", String(repeating: "[", count: 600)]
                let at = text.index(text.startIndex, offsetBy: Int.random(in: 0...text.count, using: &rng))
                text.insert(contentsOf: pieces.randomElement(using: &rng)!, at: at)
            case 4:
                guard !text.isEmpty else { continue }
                let at = text.index(text.startIndex, offsetBy: Int.random(in: 0..<text.count, using: &rng))
                text.remove(at: at)
            default:
                return mutate(Array(text.utf8), fields: [], using: &rng)
            }
        }
        return Array(text.utf8)
    }

    /// The start of an input, in hex, to name a failing case.
    static func sketch(_ b: [UInt8]) -> String {
        "\(b.count) bytes " + b.prefix(24).map { String($0, radix: 16) }.joined(separator: " ")
    }
}
