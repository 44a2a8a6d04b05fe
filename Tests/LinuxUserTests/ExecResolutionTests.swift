#if canImport(Glibc)
import Glibc
#endif
import Testing
import LinuxUser

/// Which execve targets the runner loads itself and which go to the host
/// kernel (the differential program sys_exec_host checks what then runs).
@Suite struct ExecResolutionTests {
    /// A fresh directory with the standard test ELF as `ppc-program`.
    func makeDirectory() throws -> String {
        var template = Array("/tmp/trapeze-exec-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(created != nil)
        let directory = String(cString: template)
        try writeFile(directory + "/ppc-program", ELFBuilder.standard().bytes())
        return directory
    }

    func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o755) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        try #require(fd >= 0)
        bytes.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func remove(_ directory: String) {
        for name in ["ppc-program", "ppc-script", "host-script", "chained", "no-interpreter", "text"] {
            unlink(directory + "/" + name)
        }
        rmdir(directory)
    }

    func resolve(_ process: LinuxProcess, _ path: String, _ arguments: [String]) throws(Errno) -> LinuxProcess.ExecResolution {
        try process.resolveExecutable(path: Array(path.utf8), arguments: arguments.map { Array($0.utf8) }, depth: 0)
    }

    func isHost(_ resolution: LinuxProcess.ExecResolution) -> Bool {
        if case .host = resolution { return true }
        return false
    }

    @Test func powerPCProgramsAndTheirScriptsRunInTheRunner() throws {
        let directory = try makeDirectory()
        defer { remove(directory) }
        let process = try startTestProcess(arguments: ["prog"])
        guard case .guest(let program) = try resolve(process, directory + "/ppc-program", ["p", "x"]) else {
            Issue.record("a PowerPC program went to the host")
            return
        }
        #expect(program.arguments == [Array("p".utf8), Array("x".utf8)])

        // binfmt_script's argv: interpreter, its one argument, the script, then argv[1...].
        try writeFile(directory + "/ppc-script", Array("#! \(directory)/ppc-program  -a b \t\nexit\n".utf8))
        guard case .guest(let script) = try resolve(process, directory + "/ppc-script", ["s", "1", "2"]) else {
            Issue.record("a script for a PowerPC interpreter went to the host")
            return
        }
        #expect(script.arguments.map { String(decoding: $0, as: UTF8.self) }
                == ["\(directory)/ppc-program", "-a b", "\(directory)/ppc-script", "1", "2"])
        #expect(script.hostPath == directory + "/ppc-program")
    }

    @Test func foreignFilesGoToTheHostKernel() throws {
        let directory = try makeDirectory()
        defer { remove(directory) }
        let process = try startTestProcess(arguments: ["prog"])
        #expect(isHost(try resolve(process, "/bin/sh", ["sh"])))
        try writeFile(directory + "/host-script", Array("#!/bin/sh\necho hi\n".utf8))
        #expect(isHost(try resolve(process, directory + "/host-script", ["s"])))
        // A script whose interpreter is a host script is still the host's.
        try writeFile(directory + "/chained", Array("#!\(directory)/host-script\n".utf8))
        #expect(isHost(try resolve(process, directory + "/chained", ["c"])))
        // Text without "#!": the host kernel decides (ENOEXEC, or a binfmt_misc handler).
        try writeFile(directory + "/text", Array("echo hi\n".utf8))
        #expect(isHost(try resolve(process, directory + "/text", ["t"])))
    }

    @Test func whatNoKernelCanRunFailsBeforeTheHost() throws {
        let directory = try makeDirectory()
        defer { remove(directory) }
        let process = try startTestProcess(arguments: ["prog"])
        try writeFile(directory + "/no-interpreter", Array("#!/nonexistent/interpreter\n".utf8))
        #expect(throws: Errno.ENOENT) { try resolve(process, directory + "/no-interpreter", ["n"]) }
        #expect(throws: Errno.ENOENT) { try resolve(process, directory + "/missing", ["m"]) }
        #expect(throws: Errno.EACCES) { try resolve(process, directory, ["d"]) }
    }
}
