import PowerISA
import TestSupport

/// A static PowerPC program that executes `count` fully random 32-bit words
/// (any encoding: valid, reserved, invalid forms) from a known register
/// state and reports how that ended, for qemu-ppc and Trapeze to agree on.
///
/// Layout of the `.fuzz` section (linked at `base`, read-only and
/// executable, so stores cannot rewrite it):
///
///     base               32768 `trap` words (tw 31,0,0)
///     base + 0x20000     the random words
///     words + 4*count    32768 more `trap` words; the first is the normal end
///     after those        the entry code: loads every register, branches to the words
///
/// Every way out is a signal: falling off the words or branching anywhere
/// into the section hits a trap (SIGTRAP), a branch out of it lands in
/// unmapped memory (SIGSEGV; the section is 0x20000 bytes from everything
/// `bc` can reach and `b` reaches only unmapped space around 0x60000000),
/// illegal words raise SIGILL, bad accesses SIGSEGV/SIGBUS. One handler, on
/// an alternate stack and without touching r1, r2 or r13 (the random code
/// owns them), prints the signal, NIP, every GPR, CR, XER, LR, CTR, the
/// FPRs, FPSCR and a hash of the scratch memory the registers point into,
/// then exits: status 0 at the end trap, else 128 + signal. A loop the
/// words may form ends in SIGALRM after a few seconds ("timeout", status
/// 124) without a register dump (how far a loop got is timing).
///
/// System calls: a word that would be a valid `sc` (primary 17, bit 30 set,
/// reserved bits clear: about one word in 2^24) is replaced by a trap, so
/// neither side ever makes a host system call with random numbers. The
/// invalid forms of primary 17 stay in: they are what issue 9 found.
struct RandomWordProgram {
    static let base: UInt32 = 0x6000_0000
    static let wordsOffset: UInt32 = 0x2_0000
    static let trapWord: UInt32 = 0x7FE0_0008
    static var wordsAddress: UInt32 { base + wordsOffset }
    /// Size of the scratch buffer (in .bss, the same address on both sides).
    static let scratchSize = 1 << 20

    let seed: UInt64
    let words: [UInt32]
    /// r0-r31, CR, XER, LR, CTR, FPSCR (low word) and f0-f31.
    let gprs: [UInt32]
    let cr: UInt32, xer: UInt32, lr: UInt32, ctr: UInt32, fpscr: UInt32
    let fprs: [UInt64]
    /// Offsets into scratch the pointer registers hold (the value is the
    /// scratch address, which only the linked program knows, plus this).
    let pointerOffsets: [Int: UInt32]

    /// True for a word both sides would execute as a system call.
    static func isSystemCall(_ w: UInt32) -> Bool { w >> 26 == 17 && w & 2 != 0 && w & 0x03FF_F01D == 0 }

    init(seed: UInt64, count: Int, replaceOpcode17: Bool = false) {
        var rng = SplitMix64(seed: seed)
        self.seed = seed
        var words: [UInt32] = []
        for _ in 0..<count {
            var w = UInt32(truncatingIfNeeded: rng.next())
            if Self.isSystemCall(w) || (replaceOpcode17 && w >> 26 == 17) { w = Self.trapWord }
            words.append(w)
        }
        self.words = words
        let edges: [UInt32] = [0, 1, 2, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF, 0x10000, 0xFF, 31, 32, 0xFFFF_8000]
        var gprs: [UInt32] = []
        var pointers: [Int: UInt32] = [:]
        for r in 0..<32 {
            switch rng.next() % 3 {
            case 0:
                // Into the middle of the scratch buffer, so d(rA) accesses with
                // any 16-bit displacement stay inside it.
                pointers[r] = UInt32(Self.scratchSize / 2) + UInt32(rng.next() % 0x10000) & ~3
                gprs.append(0)
            case 1: gprs.append(edges[Int(rng.next() % UInt64(edges.count))])
            default: gprs.append(UInt32(truncatingIfNeeded: rng.next()))
            }
        }
        // r0 = getpid's number, for the record: no sc can run anyway (see above).
        if pointers[0] == nil { gprs[0] = 20 }
        self.gprs = gprs
        pointerOffsets = pointers
        cr = UInt32(truncatingIfNeeded: rng.next())
        xer = UInt32(truncatingIfNeeded: rng.next()) & 0xE000_007F
        // LR and CTR point into the trap fill, so bclr/bcctr end in SIGTRAP.
        lr = Self.wordsAddress + 0x8000 + UInt32(rng.next() % 0x1000) * 4
        ctr = Self.wordsAddress - 0x8000 + UInt32(rng.next() % 0x1000) * 4
        fpscr = UInt32(rng.next() % 4)  // a rounding mode; no exception enabled
        var fprs: [UInt64] = []
        let doubles: [UInt64] = [0, 1 << 63, 0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x7FF0_0000_0000_0000,
                                 0x7FF8_0000_0000_0000, 0x7FF4_0000_0000_0000, 0x0000_0000_0000_0001,
                                 0x41E0_0000_0000_0000, 0x4059_0000_0000_0000]
        for _ in 0..<32 {
            fprs.append(rng.next() % 2 == 0 ? doubles[Int(rng.next() % UInt64(doubles.count))] : rng.next())
        }
        self.fprs = fprs
    }

    func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

    /// The assembly of the `.fuzz` section and the state it loads.
    var assembly: String {
        var s = """
        .section .fuzz,"ax",@progbits
        .globl fuzz_start
        fuzz_start:
        .rept 32768
        .long \(hex(Self.trapWord))
        .endr
        .globl fuzz_words
        fuzz_words:

        """
        for (k, w) in words.enumerated() {
            s += "  .long \(hex(w))  # \(k): \(Disassembler.disassemble(w, at: Self.wordsAddress + 4 * UInt32(k)))\n"
        }
        s += """
        .globl fuzz_end
        fuzz_end:
        .rept 32768
        .long \(hex(Self.trapWord))
        .endr
        .globl fuzz_enter
        fuzz_enter:
          lis 31, fuzz_state@ha
          addi 31, 31, fuzz_state@l
          lfd 0, 176(31)
          mtfsf 255, 0

        """
        for f in 0..<32 { s += "  lfd \(f), \(184 + 8 * f)(31)\n" }
        s += """
          lwz 0, 128(31)
          mtcr 0
          lwz 0, 132(31)
          mtxer 0
          lwz 0, 136(31)
          mtlr 0
          lwz 0, 140(31)
          mtctr 0

        """
        for r in 0..<32 { s += "  lwz \(r), \(4 * r)(31)\n" }
        s += "  b fuzz_words\n"
        // The state the entry code loads; pointer registers point into scratch.
        var state: [String] = []
        for r in 0..<32 { state.append(pointerOffsets[r].map { "scratch+\($0)" } ?? hex(gprs[r])) }
        state += [cr, xer, lr, ctr, 0, 0, 0, 0, 0, 0, 0, 0, 0, fpscr].map(hex)  // 128: CR XER LR CTR; 176: FPSCR
        for d in fprs { state += [hex(UInt32(d >> 32)), hex(UInt32(truncatingIfNeeded: d))] }
        s += """
        .data
        .balign 8
        .globl fuzz_state
        fuzz_state:
        \(state.map { "  .long " + $0 }.joined(separator: "\n"))
        .globl fuzz_seed
        fuzz_seed:
          .long \(hex(UInt32(truncatingIfNeeded: seed) | 1))

        """
        return s
    }

    /// The C driver, the same for every program: scratch buffer, signal
    /// handler, main. The program's words and state are in its assembly.
    static let driver = """
        #include <signal.h>
        #include <string.h>
        #include <ucontext.h>
        #include <unistd.h>

        unsigned char scratch[\(scratchSize)] __attribute__((aligned(4096)));
        extern unsigned fuzz_end[];
        extern unsigned fuzz_seed;
        void fuzz_enter(void);
        static char out[4096];
        static int used;

        /* Raw system calls: the handler must not depend on r2 (TLS) or errno. */
        static void raw_write(const char *p, int n) {
            register long r0 __asm__("r0") = 4, r3 __asm__("r3") = 1, r4 __asm__("r4") = (long)p, r5 __asm__("r5") = n;
            __asm__ volatile("sc" : "+r"(r0), "+r"(r3), "+r"(r4), "+r"(r5) : : "cr0", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "ctr", "memory");
        }
        static void raw_exit(int status) {
            register long r0 __asm__("r0") = 234, r3 __asm__("r3") = status;
            __asm__ volatile("sc" : "+r"(r0), "+r"(r3) : : "memory");
            for (;;) {}
        }
        static void put(const char *s) { while (*s) out[used++] = *s++; }
        static void hex32(unsigned v) {
            for (int k = 7; k >= 0; k--) out[used++] = "0123456789abcdef"[(v >> (4 * k)) & 15];
        }
        static void line(void) { out[used++] = '\\n'; raw_write(out, used); used = 0; }

        static void on_signal(int sig, siginfo_t *si, void *ctx) {
            ucontext_t *uc = ctx;
            unsigned long *g = uc->uc_mcontext.uc_regs->gregs;
            unsigned nip = g[32];
            int end = sig == SIGTRAP && nip == (unsigned)fuzz_end;
            put(end ? "end" : "signal "); if (!end) hex32(sig);
            /* si_code tells illegal (ILL_ILLOPC) from privileged (ILL_PRVOPC),
               and an unmapped page (SEGV_MAPERR) from a forbidden access
               (SEGV_ACCERR), where qemu-ppc departs from Linux for stores to
               read-only pages (RandomWordTests, readOnlyStore). */
            if (sig == SIGILL || sig == SIGSEGV || sig == SIGBUS) { put(" code "); hex32(si->si_code); }
            put(" nip "); hex32(nip);
            /* The data address of a faulting random word. Not for instruction
               fetch faults (nip outside the words): Linux reports the address,
               which is nip, while qemu-ppc 7.2 reports 0. */
            extern unsigned fuzz_words[];
            if ((sig == SIGSEGV || sig == SIGBUS) && nip >= (unsigned)fuzz_words && nip < (unsigned)fuzz_end) {
                put(" addr "); hex32((unsigned)si->si_addr);
            }
            line();
            for (int r = 0; r < 32; r++) { put(" "); hex32(g[r]); if (r % 8 == 7) line(); }
            put("cr "); hex32(g[38]); put(" xer "); hex32(g[37]); put(" lr "); hex32(g[36]); put(" ctr "); hex32(g[35]); line();
            unsigned *f = (unsigned *)uc->uc_mcontext.uc_regs->fpregs.fpregs;
            for (int r = 0; r < 32; r++) { put(" "); hex32(f[2 * r]); hex32(f[2 * r + 1]); if (r % 4 == 3) line(); }
            put("fpscr "); hex32(f[65]);
            unsigned h = 2166136261u;
            for (int k = 0; k < \(scratchSize); k++) h = (h ^ scratch[k]) * 16777619u;
            put(" scratch "); hex32(h); line();
            raw_exit(end ? 0 : 128 + sig);
        }

        static void on_alarm(int sig) {
            (void)sig;
            put("timeout"); line();
            raw_exit(124);
        }

        int main(void) {
            static char alternate[65536];
            stack_t ss;
            memset(&ss, 0, sizeof ss);
            ss.ss_sp = alternate;
            ss.ss_size = sizeof alternate;
            sigaltstack(&ss, 0);
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = on_signal;
            sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
            sigfillset(&sa.sa_mask);
            int signals[] = {SIGILL, SIGSEGV, SIGBUS, SIGTRAP, SIGFPE};
            for (int k = 0; k < 5; k++) sigaction(signals[k], &sa, 0);
            struct sigaction al;
            memset(&al, 0, sizeof al);
            al.sa_handler = on_alarm;
            al.sa_flags = SA_ONSTACK;
            sigfillset(&al.sa_mask);
            sigaction(SIGALRM, &al, 0);
            unsigned x = fuzz_seed;
            for (int k = 0; k < \(scratchSize); k++) { x = x * 1103515245u + 12345u; scratch[k] = x >> 23; }
            alarm(4);
            fuzz_enter();
            return 99; /* not reached: every way out is a signal */
        }
        """
}
