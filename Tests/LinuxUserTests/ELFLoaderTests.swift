import Testing
import E500
import LinuxUser

/// ELF validation: every way a file can fail to be a static 32-bit
/// big-endian PowerPC executable is reported as its own clear error.
@Suite struct ELFParsingTests {
    func parseError(_ bytes: [UInt8]) -> ELFError? {
        do {
            _ = try ELFProgram.parse(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsStaticPowerPCExecutable() throws {
        let program = try ELFProgram.parse(ELFBuilder.standard().bytes())
        #expect(!program.isPositionIndependent)
        #expect(program.entry == 0x1000_0074)
        #expect(program.programHeaderCount == 2)
        #expect(program.segments.count == 2)
        #expect(program.segments[0].protection.rawValue == Protection([.read, .execute]).rawValue)
        #expect(program.segments[1].protection.rawValue == Protection([.read, .write]).rawValue)
    }

    @Test func rejectsNonELF() {
        #expect(parseError([]) == .notELF)
        #expect(parseError(Array("#!/bin/sh\necho hi\n".utf8)) == .notELF)
        #expect(parseError([0x7f, 0x45, 0x4c, 0x47, 1, 2]) == .notELF)
    }

    @Test func rejectsTruncatedFiles() {
        let whole = ELFBuilder.standard().bytes()
        #expect(parseError([0x7f, 0x45]) == .truncated)
        #expect(parseError(Array(whole.prefix(5))) == .truncated)
        #expect(parseError(Array(whole.prefix(40))) == .truncated)
        #expect(parseError(Array(whole.prefix(60))) == .truncated)  // program headers cut
        #expect(parseError(Array(whole.prefix(120))) == .truncated)  // segment contents cut
    }

    @Test func rejectsLittleEndian() {
        var builder = ELFBuilder.standard()
        builder.dataEncoding = 1
        #expect(parseError(builder.bytes()) == .littleEndian)
    }

    @Test func rejects64Bit() {
        var builder = ELFBuilder.standard()
        builder.elfClass = 2
        #expect(parseError(builder.bytes()) == .sixtyFourBit)
    }

    @Test func rejectsOtherMachines() {
        var builder = ELFBuilder.standard()
        builder.machine = 62
        #expect(parseError(builder.bytes()) == .wrongMachine(62))
        #expect(ELFError.wrongMachine(62).description.contains("x86-64"))
        builder.machine = 21
        #expect(parseError(builder.bytes()) == .wrongMachine(21))
    }

    @Test func rejectsRelocatableObjects() {
        var builder = ELFBuilder.standard()
        builder.type = 1  // ET_REL
        #expect(parseError(builder.bytes()) == .notExecutable(type: 1))
    }

    @Test func rejectsDynamicallyLinked() {
        var builder = ELFBuilder.standard(payload: Array("/lib/ld.so.1\0".utf8))
        builder.segments.append(.init(type: 3, offset: 52 + 3 * 32, address: 0, fileSize: 13, memorySize: 13, flags: 4))
        // The payload moved by one header: point PT_INTERP at it.
        #expect(parseError(builder.bytes()) == .dynamicallyLinked(interpreter: "/lib/ld.so.1"))
        #expect(ELFError.dynamicallyLinked(interpreter: "/lib/ld.so.1").guestErrno == .ENOENT)
    }

    @Test func rejectsMissingSegmentsAndBadHeaders() {
        var builder = ELFBuilder.standard()
        builder.segments = []
        #expect(parseError(builder.bytes()) == .noLoadableSegments)

        builder = ELFBuilder.standard()
        builder.programHeaderSize = 56
        #expect(parseError(builder.bytes()) == .invalidHeader("program header size 56"))

        builder = ELFBuilder.standard()
        builder.segments[1].memorySize = 4  // below its file size
        #expect(parseError(builder.bytes()) == .badSegment("memory size below file size"))

        builder = ELFBuilder.standard()
        builder.segments[1].address += 4  // no longer congruent with its file offset
        if case .badSegment = parseError(builder.bytes()) {} else { Issue.record("incongruent segment accepted") }
    }

    @Test func everyErrorIsOneLine() {
        let errors: [ELFError] = [.notELF, .truncated, .littleEndian, .sixtyFourBit, .wrongMachine(3),
                                  .notExecutable(type: 4), .dynamicallyLinked(interpreter: "/lib/ld.so.1"),
                                  .noLoadableSegments, .badSegment("x"), .invalidHeader("y")]
        for error in errors {
            #expect(!error.description.isEmpty && !error.description.contains("\n"))
        }
    }
}

@Suite struct ELFLoadingTests {
    @Test func mapsSegmentsWithPermissionsAndZeroedBss() throws {
        let file = ELFBuilder.standard().bytes()
        let program = try ELFProgram.parse(file)
        let memory = GuestMemoryMap(space: AddressSpace())
        let loaded = try #require(program.load(from: file, into: memory))

        #expect(loaded.entry == 0x1000_0074)
        #expect(loaded.programHeaderAddress == 0x1000_0034)
        #expect(loaded.loadBias == 0)
        let space = memory.space
        #expect(space.protection(at: 0x1000_0000).rawValue == Protection([.read, .execute]).rawValue)
        #expect(space.read32(0x1000_0000) == 0x7f45_4c46)
        #expect(space.read32(0x1000_0074) == 0x3860_002a)
        // The gap between the segments is reserved but inaccessible, as qemu does it,
        // and a fault there is one on nothing, as in Linux, where the gap is unmapped.
        #expect(memory.isMapped(page: 0x1000_5000))
        #expect(space.protection(at: 0x1000_5000).rawValue == 0)
        #expect(!memory.faultIsAccessError(page: 0x1000_5000))
        #expect(memory.faultIsAccessError(page: 0x1000_0000))
        // Data: file bytes, then zeroed bss to the end of the segment.
        let dataAddress: UInt32 = 0x1001_0078
        #expect(space.protection(at: dataAddress).rawValue == Protection([.read, .write]).rawValue)
        #expect(space.read32(dataAddress) == 0xdead_beef)
        #expect(space.read(dataAddress + 8, count: 0x2000 - 8) == [UInt8](repeating: 0, count: 0x2000 - 8))
        #expect(loaded.endOfImage == dataAddress + 0x2000)
        // Nothing is mapped past the last segment's page.
        #expect(!memory.isMapped(page: 0x1001_3000))
    }

    @Test func positionIndependentProgramsAreRelocated() throws {
        var builder = ELFBuilder.standard()
        builder.type = 3  // ET_DYN without PT_INTERP: static-pie
        for i in builder.segments.indices { builder.segments[i].address -= 0x1000_0000 }
        builder.entry -= 0x1000_0000
        let file = builder.bytes()
        let program = try ELFProgram.parse(file)
        #expect(program.isPositionIndependent)
        let memory = GuestMemoryMap(space: AddressSpace())
        let loaded = try #require(program.load(from: file, into: memory))
        #expect(loaded.loadBias != 0)
        #expect(loaded.entry == 0x74 + loaded.loadBias)
        #expect(memory.space.read32(loaded.entry) == 0x3860_002a)
    }
}
