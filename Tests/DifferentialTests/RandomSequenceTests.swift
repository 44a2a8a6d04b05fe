import Foundation
import Testing

/// Thousands of random integer and floating-point instruction sequences, run
/// under qemu-ppc (the oracle) and Trapeze; the register dumps must match.
/// TRAPEZE_RANDOM_SEED picks another seed; TRAPEZE_RANDOM_PROGRAMS scales the run.
@Suite struct RandomSequenceTests {
    static let baseSeed = UInt64(ProcessInfo.processInfo.environment["TRAPEZE_RANDOM_SEED"] ?? "") ?? 20_261_121
    static let programs = Int(ProcessInfo.processInfo.environment["TRAPEZE_RANDOM_PROGRAMS"] ?? "") ?? 8

    @Test(arguments: 0..<programs)
    func randomSequencesMatchQEMU(_ n: Int) throws {
        let seed = Self.baseSeed &+ UInt64(n)
        var generator = RandomProgram(seed: seed, blocks: 250, length: 24)
        let (assembly, driver) = generator.sources()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("trapeze-random-\(seed)-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try assembly.write(to: dir.appendingPathComponent("blocks.S"), atomically: true, encoding: .utf8)
        try driver.write(to: dir.appendingPathComponent("driver.c"), atomically: true, encoding: .utf8)
        let program = dir.appendingPathComponent("random")
        let compiler = URL(fileURLWithPath: "/usr/bin/powerpc-linux-gnu-gcc")
        let cc = try Runner.run(compiler, ["-static", "-O1", "-o", program.path,
                                           dir.appendingPathComponent("driver.c").path,
                                           dir.appendingPathComponent("blocks.S").path],
                                scratch: dir.appendingPathComponent("cc"))
        try #require(cc.status == 0, "cross compiler failed: \(Compare.tail(cc.stderr))")
        let qemuURL = try #require(Locations.qemu(), "qemu-ppc not found (apt-get install qemu-user, or set QEMU_PPC)")
        let qemu = try Runner.run(qemuURL, ["-cpu", "e500mc", program.path], scratch: dir.appendingPathComponent("qemu"))
        try #require(qemu.status == 0, "qemu-ppc failed (\(qemu.status)): \(Compare.tail(qemu.stderr))")
        let trapezeURL = try #require(Locations.trapeze().url, "trapeze executable not found (set TRAPEZE_BIN)")
        let trapeze = try Runner.run(trapezeURL, ["user", program.path], scratch: dir.appendingPathComponent("trapeze"))
        #expect(trapeze.status == 0, "trapeze exited \(trapeze.status): \(Compare.tail(trapeze.stderr))")
        let expected = Compare.lines(qemu.stdout).lines, got = Compare.lines(trapeze.stdout).lines
        #expect(got.count == expected.count, "seed \(seed): \(got.count) blocks printed, qemu printed \(expected.count)")
        if let k = (0..<min(expected.count, got.count)).first(where: { expected[$0] != got[$0] }) {
            // Show the failing block's code so the divergence can be read off directly.
            let block = assembly.components(separatedBy: "block\(k):").dropFirst().first?.components(separatedBy: "blr").first ?? ""
            Issue.record("seed \(seed) block \(k) differs\n qemu:    \(expected[k])\n trapeze: \(got[k])\ncode:\(block)")
        }
    }
}
