import Testing
import E500
import LinuxUser

/// The initial stack and memory layout must match qemu-user 7.2's for a
/// 32-bit PowerPC guest byte for byte (addresses included), since guest
/// programs can print them. The expected values were read from qemu-ppc
/// running a static program under `env -i A=1 BB=22 qemu-ppc ./stk x yz`.
@Suite struct InitialStackTests {
    func build(arguments: [String], environment: [String], executable: String) throws -> (GuestMemoryMap, InitialStack) {
        let file = ELFBuilder.standard().bytes()
        let memory = GuestMemoryMap(space: AddressSpace())
        let loaded = try #require(try ELFProgram.parse(file).load(from: file, into: memory))
        let stack = try #require(InitialStackBuilder.build(
            memory: memory, program: loaded, arguments: arguments.map { Array($0.utf8) },
            environment: environment.map { Array($0.utf8) }, executableName: Array(executable.utf8),
            randomBytes: [UInt8](repeating: 0xaa, count: 16), cpu: .e500mc,
            credentials: ProcessCredentials(uid: 1, euid: 2, gid: 3, egid: 4)))
        return (memory, stack)
    }

    @Test func layoutMatchesQemu() throws {
        // qemu reverses the host environment: env -i A=1 BB=22 gives BB=22 first.
        let (memory, stack) = try build(arguments: ["./stk", "x", "yz"], environment: ["BB=22", "A=1"], executable: "./stk")
        let space = memory.space
        // Stack: 8 MB below a guard page at qemu's first mmap address.
        #expect(stack.stackLow == 0x4000_1000)
        #expect(stack.stackTop == 0x4080_1000)
        #expect(memory.isMapped(page: 0x4000_0000) && space.protection(at: 0x4000_0000).rawValue == 0)
        #expect(stack.stackPointer == 0x4080_0ee0)
        #expect(stack.stackPointer % 16 == 0)
        #expect(space.read32(0x4080_0ee0) == 3)  // argc
        // argv and envp pointers, then the strings where qemu puts them.
        #expect(space.read32(0x4080_0ee4) == 0x4080_0fdd)
        #expect(space.read32(0x4080_0ee8) == 0x4080_0fe3)
        #expect(space.read32(0x4080_0eec) == 0x4080_0fe5)
        #expect(space.read32(0x4080_0ef0) == 0)
        #expect(space.read32(0x4080_0ef4) == 0x4080_0fe8)
        #expect(space.read32(0x4080_0ef8) == 0x4080_0fee)
        #expect(space.read32(0x4080_0efc) == 0)
        #expect(space.readCString(0x4080_0fdd) == "./stk")
        #expect(space.readCString(0x4080_0fe5) == "yz")
        #expect(space.readCString(0x4080_0fe8) == "BB=22")
        #expect(space.readCString(0x4080_0fee) == "A=1")
        #expect(space.readCString(0x4080_0ff2) == "./stk")  // AT_EXECFN
        #expect(space.read(0x4080_0fc0, count: 16) == [UInt8](repeating: 0xaa, count: 16))  // AT_RANDOM

        #expect(stack.argvAddress == 0x4080_0ee4)
        #expect(stack.envpAddress == 0x4080_0ef4)
        #expect(stack.auxvAddress == 0x4080_0f00)
        var auxv: [(UInt32, UInt32)] = []
        var slot = stack.auxvAddress
        while true {
            let type = space.read32(slot)!, value = space.read32(slot + 4)!
            auxv.append((type, value))
            slot += 8
            if type == 0 { break }
        }
        let expected: [(UInt32, UInt32)] = [
            (22, 22), (22, 22), (19, 64), (20, 64), (21, 0),  // AT_IGNOREPPC x2, cache block sizes
            (3, 0x1000_0034), (4, 32), (5, 2), (6, 4096), (7, 0), (8, 0), (9, 0x1000_0074),
            (11, 1), (12, 2), (13, 3), (14, 4), (16, 0x0800_0000), (17, 100),
            (25, 0x4080_0fc0), (23, 0), (31, 0x4080_0ff2), (26, 0), (0, 0),
        ]
        #expect(auxv.count == expected.count)
        for (got, want) in zip(auxv, expected) {
            #expect(got.0 == want.0 && got.1 == want.1, "auxv entry \(got) expected \(want)")
        }
    }

    @Test func environmentIsReversedAndDeduplicatedLikeQemu() {
        let host = ["A=1", "B=2", "A=3", "NOEQUALS", "C="].map { Array($0.utf8) }
        let guest = InitialStackBuilder.qemuStyleEnvironment(host).map { String(decoding: $0, as: UTF8.self) }
        #expect(guest == ["C=", "A=3", "B=2"])
    }

    @Test func mmapPlacementFollowsQemu() {
        // The sequence qemu-ppc gave a static program (see mm.c in the report):
        // stack, trampoline page, then mmaps growing down from below them.
        let memory = GuestMemoryMap(space: AddressSpace())
        #expect(memory.findFreeRange(length: 0x801000, hint: nil) == 0x4000_0000)
        memory.mapAnonymous(at: 0x4000_0000, length: 0x801000, protection: [.read, .write])
        #expect(memory.findFreeRange(length: 4096, hint: nil) == 0x3fff_f000)
        memory.mapAnonymous(at: 0x3fff_f000, length: 4096, protection: [.read])
        let a = memory.findFreeRange(length: 4096, hint: nil)
        #expect(a == 0x3fff_e000)
        memory.mapAnonymous(at: 0x3fff_e000, length: 4096, protection: [.read])
        #expect(memory.findFreeRange(length: 100_000, hint: nil) == 0x3ffe_5000)
        memory.mapAnonymous(at: 0x3ffe_5000, length: 100_000, protection: [.read])
        #expect(memory.findFreeRange(length: 0x101000, hint: nil) == 0x3fee_4000)
        memory.mapAnonymous(at: 0x3fee_4000, length: 0x101000, protection: [.read])
        memory.unmap(0x3fff_e000, length: 4096)
        // The freed page is not reused: the search starts at the last result.
        #expect(memory.findFreeRange(length: 4096, hint: nil) == 0x3fee_3000)
        // A free hint is honoured.
        #expect(memory.findFreeRange(length: 4096, hint: 0x2000_0000) == 0x2000_0000)
    }

    @Test func brkGrowsShrinksAndZeroes() {
        let memory = GuestMemoryMap(space: AddressSpace())
        memory.setInitialBrk(0x100b_3de4)
        #expect(memory.setBrk(0) == 0x100b_4000)
        #expect(memory.setBrk(0x100b_4870) == 0x100b_4870)
        #expect(memory.space.protection(at: 0x100b_4000).rawValue == Protection([.read, .write]).rawValue)
        memory.space.write32(0x100b_4800, 0xffff_ffff)
        #expect(memory.setBrk(0x100b_4400) == 0x100b_4400)  // shrink
        #expect(memory.setBrk(0x100b_4870) == 0x100b_4870)  // grow back: zeroed
        #expect(memory.space.read32(0x100b_4800) == 0)
        #expect(memory.setBrk(0x1000_0000) == 0x100b_4870)  // below the start: unchanged
        // Growing into a mapping fails and leaves the break.
        memory.mapAnonymous(at: 0x100c_0000, length: 4096, protection: [.read])
        #expect(memory.setBrk(0x100c_0010) == 0x100b_4870)
    }

    @Test func protNoneMappingsCanBeMadeAccessibleAgain() {
        let memory = GuestMemoryMap(space: AddressSpace())
        memory.mapAnonymous(at: 0x2000_0000, length: 0x3000, protection: [.read, .write])
        memory.space.write32(0x2000_1000, 0x1234_5678)
        #expect(memory.protect(0x2000_0000, length: 0x3000, protection: []))
        #expect(memory.space.protection(at: 0x2000_1000).rawValue == 0)
        #expect(memory.isFullyMapped(0x2000_0000, length: 0x3000))
        #expect(memory.protect(0x2000_1000, length: 0x1000, protection: [.read]))
        #expect(memory.space.read32(0x2000_1000) == 0x1234_5678)
        // mprotect over a hole fails without changing anything.
        #expect(!memory.protect(0x2000_2000, length: 0x2000, protection: [.read]))
        #expect(memory.space.protection(at: 0x2000_2000).rawValue == 0)
    }
}
