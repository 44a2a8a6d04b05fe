/// gzip (RFC 1952) around raw deflate (RFC 1951), decoded in the manner of
/// zlib's `puff.c`: canonical Huffman codes as per-length counts plus
/// symbols in code order, decoded one bit at a time. Linux's `uImage` is
/// a gzipped `vmlinux.bin`; speed does not matter at load time.
enum Gunzip {
    enum Failure: Error, Equatable { case notGzip, truncated, corrupt(String), tooLarge }

    /// The decompressed contents of a gzip member; at most `limit` bytes.
    static func decompress(_ input: ArraySlice<UInt8>, limit: Int) throws(Failure) -> [UInt8] {
        let b = Array(input)
        guard b.count >= 18 else { throw b.count >= 2 && b[0] == 0x1F && b[1] == 0x8B ? .truncated : .notGzip }
        guard b[0] == 0x1F, b[1] == 0x8B else { throw .notGzip }
        guard b[2] == 8 else { throw .corrupt("compression method \(b[2])") }
        let flags = b[3]
        var at = 10
        if flags & 0x04 != 0 {   // FEXTRA
            guard at + 2 <= b.count else { throw .truncated }
            at += 2 + (Int(b[at]) | Int(b[at + 1]) << 8)
        }
        for bit: UInt8 in [0x08, 0x10] where flags & bit != 0 {   // FNAME, FCOMMENT: NUL-terminated
            while at < b.count, b[at] != 0 { at += 1 }
            at += 1
        }
        if flags & 0x02 != 0 { at += 2 }   // FHCRC
        guard at <= b.count else { throw .truncated }
        var inflater = Inflater(input: b, position: at, limit: limit)
        try inflater.run()
        let end = inflater.position
        guard end + 8 <= b.count else { throw .truncated }
        let crc = UInt32(b[end]) | UInt32(b[end + 1]) << 8 | UInt32(b[end + 2]) << 16 | UInt32(b[end + 3]) << 24
        let size = UInt32(b[end + 4]) | UInt32(b[end + 5]) << 8 | UInt32(b[end + 6]) << 16 | UInt32(b[end + 7]) << 24
        guard crc32(inflater.output) == crc else { throw .corrupt("CRC mismatch") }
        guard UInt32(truncatingIfNeeded: inflater.output.count) == size else { throw .corrupt("length mismatch") }
        return inflater.output
    }
}

/// A canonical Huffman code: how many codes of each length, and the symbols
/// ordered by code.
private struct HuffmanCode {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int]

    /// From code lengths per symbol; false if the lengths over-subscribe.
    init?(lengths: ArraySlice<Int>, incompleteAllowed: Bool = true) {
        symbols = [Int](repeating: 0, count: lengths.count)
        for l in lengths { counts[l] += 1 }
        var left = 1
        for len in 1..<16 {
            left <<= 1
            left -= counts[len]
            if left < 0 { return nil }
        }
        var offsets = [Int](repeating: 0, count: 16)
        for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
        for (symbol, l) in lengths.enumerated() where l != 0 {
            symbols[offsets[l]] = symbol
            offsets[l] += 1
        }
        if left > 0 && !incompleteAllowed { return nil }
    }
}

private struct Inflater {
    let input: [UInt8]
    var position: Int
    let limit: Int
    var output: [UInt8] = []
    var bitBuffer = 0
    var bitCount = 0

    init(input: [UInt8], position: Int, limit: Int) {
        self.input = input
        self.position = position
        self.limit = limit
    }

    static let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
                               2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    mutating func bits(_ n: Int) throws(Gunzip.Failure) -> Int {
        while bitCount < n {
            guard position < input.count else { throw .truncated }
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let v = bitBuffer & ((1 << n) - 1)
        bitBuffer >>= n
        bitCount -= n
        return v
    }

    mutating func decode(_ h: HuffmanCode) throws(Gunzip.Failure) -> Int {
        var code = 0, first = 0, index = 0
        for len in 1..<16 {
            code |= try bits(1)
            let count = h.counts[len]
            if code - count < first { return h.symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw .corrupt("bad Huffman code")
    }

    mutating func run() throws(Gunzip.Failure) {
        var last = 0
        repeat {
            last = try bits(1)
            switch try bits(2) {
            case 0: try stored()
            case 1: try codes(Inflater.fixedLiterals, Inflater.fixedDistances)
            case 2: try dynamic()
            default: throw .corrupt("block type 3")
            }
        } while last == 0
    }

    mutating func stored() throws(Gunzip.Failure) {
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= input.count else { throw .truncated }
        let len = Int(input[position]) | Int(input[position + 1]) << 8
        let nlen = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard len == ~nlen & 0xFFFF else { throw .corrupt("stored block length") }
        position += 4
        guard position + len <= input.count else { throw .truncated }
        guard output.count + len <= limit else { throw .tooLarge }
        output += input[position..<position + len]
        position += len
    }

    static let fixedLiterals: HuffmanCode = {
        var lengths = [Int](repeating: 8, count: 288)
        for s in 144..<256 { lengths[s] = 9 }
        for s in 256..<280 { lengths[s] = 7 }
        return HuffmanCode(lengths: lengths[...])!
    }()
    static let fixedDistances = HuffmanCode(lengths: [Int](repeating: 5, count: 30)[...])!

    mutating func dynamic() throws(Gunzip.Failure) {
        let nlen = try bits(5) + 257, ndist = try bits(5) + 1, ncode = try bits(4) + 4
        guard nlen <= 286, ndist <= 30 else { throw .corrupt("too many codes") }
        var lengths = [Int](repeating: 0, count: 19)
        for i in 0..<ncode { lengths[Inflater.codeLengthOrder[i]] = try bits(3) }
        guard let lengthCode = HuffmanCode(lengths: lengths[...], incompleteAllowed: false) else { throw .corrupt("code-length code") }
        lengths = []
        while lengths.count < nlen + ndist {
            let symbol = try decode(lengthCode)
            if symbol < 16 { lengths.append(symbol); continue }
            var repeatValue = 0, count: Int
            switch symbol {
            case 16:
                guard let previous = lengths.last else { throw .corrupt("repeat with no length") }
                repeatValue = previous
                count = 3 + (try bits(2))
            case 17: count = 3 + (try bits(3))
            default: count = 11 + (try bits(7))
            }
            guard lengths.count + count <= nlen + ndist else { throw .corrupt("too many lengths") }
            lengths += [Int](repeating: repeatValue, count: count)
        }
        guard lengths[256] != 0 else { throw .corrupt("no end-of-block code") }
        guard let literals = HuffmanCode(lengths: lengths[0..<nlen]),
              let distances = HuffmanCode(lengths: lengths[nlen...]) else { throw .corrupt("over-subscribed code") }
        try codes(literals, distances)
    }

    mutating func codes(_ literals: HuffmanCode, _ distances: HuffmanCode) throws(Gunzip.Failure) {
        while true {
            var symbol = try decode(literals)
            if symbol < 256 {
                guard output.count < limit else { throw .tooLarge }
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                symbol -= 257
                guard symbol < 29 else { throw .corrupt("bad length symbol") }
                let length = Inflater.lengthBase[symbol] + (try bits(Inflater.lengthExtra[symbol]))
                let d = try decode(distances)
                guard d < 30 else { throw .corrupt("bad distance symbol") }
                let distance = Inflater.distanceBase[d] + (try bits(Inflater.distanceExtra[d]))
                guard distance <= output.count else { throw .corrupt("distance too far back") }
                guard output.count + length <= limit else { throw .tooLarge }
                let start = output.count - distance
                for k in 0..<length { output.append(output[start + k]) }
            }
        }
    }
}
