import E500
import Foundation
import Hypervisor
import Platform

/// Drives a booted guest in chunks, servicing the console between them:
/// input, `--until`, panics, reboots, time-outs. Returns `run`'s exit status.
struct GuestRunner {
    let system: GuestSystem
    let console: Console
    let until: String?
    let timeout: Double?

    /// 0: --until's text appeared (or the guest rebooted without one);
    /// 2: panic, checkstop or idle forever; 3: time-out.
    func run() -> Int32 {
        let chunk: UInt64 = 200_000
        var idlePeriodsAtLastLook = system.guestCPU.idlePeriods
        while true {
            let reason = system.run(limit: chunk)
            system.board.tick()
            if case .checkstop(let why) = reason { return report("the core checkstopped: \(why)") }
            if case .memoryFault(let address, _) = reason {
                return report(String(format: "the hardware faulted at 0x%08x outside the guest's control", address))
            }
            if console.quitRequested { return 0 }
            // Only text printed since the last look is searched (plus an overlap
            // for markers split across chunks), so long runs stay cheap.
            let recent = console.recentOutput(overlap: max(until?.utf8.count ?? 0, 16))
            if let until, recent.contains(until) { return 0 }
            if recent.contains("Kernel panic") {
                // Let the panic message finish before reporting.
                _ = system.run(limit: 5_000_000)
                return report("the guest kernel panicked")
            }
            if system.board.guts.resetRequested {
                if let until { return report("the guest rebooted before printing '\(until)'") }
                return 0
            }
            if let timeout, console.elapsed > timeout {
                return report("timed out after \(timeout) s", status: 3)
            }
            let uart = system.board.uart
            let idlePeriods = system.guestCPU.idlePeriods
            let idled = idlePeriods != idlePeriodsAtLastLook || system.guestCPU.waiting
            idlePeriodsAtLastLook = idlePeriods
            let typed = console.pollInput(wait: reason == .waiting)
            var input = typed
            if typed.isEmpty, let line = console.nextScriptedLine(
                guestIdled: idled, receiverListening: uart.receiveInterruptEnabled, unreadInput: uart.hasUnreadInput) {
                input = line
            }
            if !input.isEmpty {
                uart.enqueueInput(input)
                (system as? VirtualizedSystem)?.vm.userspaceExit()
            }
            if reason == .waiting && !console.interactive && console.inputClosed && !console.hasScriptedInput
                && !uart.hasUnreadInput {
                return report("the guest is idle and nothing can wake it (no interrupt armed and enabled, no input)")
            }
        }
    }

    /// The failure report: what happened, the guest CPU, its TLB1, the last
    /// exits (virtualized) and the console's last lines.
    func report(_ what: String, status: Int32 = 2) -> Int32 {
        console.restore()
        printError(String(format: "trapeze: %@ (pc 0x%08x, %llu instructions)", what, system.pc, system.instructionsExecuted))
        let core = system.guestCPU
        printError(String(format: "trapeze: msr=%08x lr=%08x srr0=%08x srr1=%08x dear=%08x esr=%08x pid=%d",
                          core.msr, core.lr, core.spr[SPR.srr0], core.spr[SPR.srr1], core.spr[SPR.dear], core.spr[SPR.esr], core.spr[SPR.pid]))
        if let mmu = core.mmu {
            for (n, e) in mmu.tlb1.enumerated() where e.valid {
                printError(String(format: "trapeze: tlb1[%d] ea=%08x pa=%09llx size=%lluK ts=%d tid=%d perms=%03x wimge=%02x%@",
                                  n, e.epn, e.rpn, e.pageSize >> 10, e.ts, e.tid, e.permissions, e.wimge, e.protected ? " iprot" : ""))
            }
        }
        if let vm = (system as? VirtualizedSystem)?.vm {
            let exits = vm.recentExits.map { String(format: "%@@%08x", $0.type.name, $0.pc) }.joined(separator: " ")
            printError("trapeze: last exits (oldest first): \(exits)")
        }
        let tail = console.transcript.split(separator: "\n", omittingEmptySubsequences: false).suffix(15)
        printError("trapeze: last console lines:\n" + tail.map { "  | " + $0 }.joined(separator: "\n"))
        return status
    }
}
