/*
 * popcntb and cmpb (Power ISA 2.06 Book I 3.3.12 / 3.3.13).
 *
 * Neither instruction exists on the e500mc core (binutils rejects them for
 * -me500mc; they appear with e5500) and no CPU model of qemu-ppc (32-bit)
 * implements them: qemu raises SIGILL for both with every -cpu.  So that the
 * oracle still says something useful, this program installs a SIGILL handler
 * that emulates exactly these two encodings from the ISA pseudocode and
 * resumes after the instruction.  The printed lines are therefore the same
 * whether the simulator implements the instructions natively or raises
 * SIGILL with a correct signal frame (GPRs and NIP in the ucontext) — both
 * behaviours are accepted; nothing printed reveals which happened.
 */
#include <signal.h>
#include <stdlib.h>
#include <ucontext.h>
#include "isa.h"

static void sigill(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    unsigned long *g = uc->uc_mcontext.uc_regs->gregs;
    u32 insn = *(u32 *)g[32]; /* PT_NIP */
    unsigned rs = (insn >> 21) & 31, ra = (insn >> 16) & 31,
             rb = (insn >> 11) & 31, xo = (insn >> 1) & 1023;
    if ((insn >> 26) != 31 || (insn & 1)) abort();
    u32 s = g[rs], r = 0;
    if (xo == 122) { /* popcntb */
        for (int i = 0; i < 4; i++) {
            u32 byte = (s >> (8 * i)) & 0xff, n = 0;
            while (byte) n += byte & 1, byte >>= 1;
            r |= n << (8 * i);
        }
    } else if (xo == 508) { /* cmpb */
        u32 b = g[rb];
        for (int i = 0; i < 4; i++)
            if (((s ^ b) >> (8 * i) & 0xff) == 0) r |= 0xffu << (8 * i);
    } else
        abort();
    g[ra] = r;
    g[32] += 4;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = sigill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    sigset_t ill; /* in case the harness started us with SIGILL blocked */
    sigemptyset(&ill);
    sigaddset(&ill, SIGILL);
    sigprocmask(SIG_UNBLOCK, &ill, NULL);

    static const u32 v[] = {0x00000000u, 0xffffffffu, 0x01020304u, 0x80402010u,
                            0x7f7f7f7fu, 0x0f0f0f0fu, 0x12345678u, 0xfedcba98u,
                            0x00ff00ffu, 0x80000001u, 0x12340078u};
    for (unsigned i = 0; i < NELEM(v); i++) {
        u32 rt, cr, xr;
        /* popcntb is X-form "popcntb ra,rs": destination first. */
        RR(".long 0x7c0000f4 | (%[o]<<16) | (%[ra]<<21) #", v[i], 0xe0000000u,
           rt, cr, xr);
        line2("popcntb", v[i], 0xe0000000u, rt, cr, xr);
    }
    for (unsigned i = 0; i < NELEM(v); i++)
        for (unsigned j = 0; j < NELEM(v); j++) {
            u32 rt, cr, xr;
            RRR(".long 0x7c0003f8 | (%[o]<<16) | (%[ra]<<21) | (%[rb]<<11) #",
                v[i], v[j], 0, rt, cr, xr);
            line3("cmpb", v[i], v[j], 0, rt, cr, xr);
        }
    return 0;
}
