/*
 * lwarx / stwcx. (load-reserve / store-conditional), CR0 and memory.
 *   - lwarx + stwcx. to the same word succeeds: CR0 = 0b001 || XER[SO]
 *   - stwcx. with no reservation (at start, after a successful stwcx., and
 *     after a failing one) fails: CR0 = 0b000 || XER[SO], memory unchanged
 *   - a second lwarx to another granule moves the reservation: a stwcx. to
 *     the first address then fails
 *   - lwarx; system call; stwcx. fails: Linux clears the reservation on the
 *     way back from every interrupt (ppc32 syscall exit does a dummy stwcx.)
 *   - an atomic fetch-and-add loop and a compare-and-swap
 * Not compared (printed after ~undef): stwcx. to a different address than
 * the reserved one, whose outcome the ISA leaves undefined.
 * Not tested: a plain store by the same thread between lwarx and stwcx. to
 * the same word: hardware keeps the reservation (stwcx. succeeds) while
 * qemu-ppc compares the reserved value and fails if it changed.
 */
#include <unistd.h>
#include <sys/syscall.h>
#include "isa.h"

static u32 mem[128] __attribute__((aligned(128)));

static u32 stwcx(u32 *p, u32 v, u32 xer) {
    u32 cr;
    __asm__ volatile("mtcrf 0xff,%[ci]\n\t"
                     "mtxer %[x]\n\t"
                     "stwcx. %[v],0,%[p]\n\t"
                     "mfcr %[c]"
                     : [c] "=&r"(cr)
                     : [v] "r"(v), [p] "r"(p), [x] "r"(xer), [ci] "r"(CR_INIT)
                     : CLOB_ALL);
    return cr;
}

static u32 lwarx(u32 *p) {
    u32 v;
    __asm__ volatile("lwarx %0,0,%1" : "=r"(v) : "r"(p) : "memory");
    return v;
}

int main(void) {
    for (int i = 0; i < 128; i++) mem[i] = 0x1000 + i;
    u32 cr;

    cr = stwcx(&mem[0], 0xaaaa, 0);
    printf("stwcx. at start (no reservation): cr=%08x mem=%08x\n", cr, mem[0]);

    u32 v = lwarx(&mem[0]);
    cr = stwcx(&mem[0], v + 1, 0);
    printf("lwarx=%08x stwcx.: cr=%08x mem=%08x\n", v, cr, mem[0]);
    cr = stwcx(&mem[0], 0xbbbb, 0);
    printf("second stwcx.: cr=%08x mem=%08x\n", cr, mem[0]);
    cr = stwcx(&mem[0], 0xcccc, 0x80000000u);
    printf("third stwcx. SO=1: cr=%08x mem=%08x\n", cr, mem[0]);

    v = lwarx(&mem[1]);
    cr = stwcx(&mem[1], 0x12345678, 0x80000000u);
    printf("lwarx=%08x stwcx. SO=1: cr=%08x mem=%08x\n", v, cr, mem[1]);

    v = lwarx(&mem[2]);
    u32 v2 = lwarx(&mem[64]); /* 256 bytes away: another granule */
    cr = stwcx(&mem[2], 0xdddd, 0);
    printf("lwarx a, lwarx b, stwcx. a: v=%08x %08x cr=%08x mem=%08x\n", v, v2,
           cr, mem[2]);
    cr = stwcx(&mem[64], 0xeeee, 0);
    printf("  then stwcx. b: cr=%08x mem=%08x\n", cr, mem[64]);

    /* reservation across a system call */
    {
        u32 val, c;
        __asm__ volatile("lwarx %[v],0,%[p]\n\t"
                         "li 0,%[nr]\n\t"
                         "sc\n\t"
                         "mtcrf 0xff,%[ci]\n\t"
                         "stwcx. %[v],0,%[p]\n\t"
                         "mfcr %[c]"
                         : [v] "=&r"(val), [c] "=&r"(c)
                         : [p] "b"(&mem[3]), [nr] "n"(SYS_getppid),
                           [ci] "r"(0u)
                         : "r0", "r3", "r4", "r5", "r6", "r7", "r8", "r9",
                           "r10", "r11", "r12", "ctr", CLOB_ALL);
        /* qemu (user and system) drops the reservation on every exception.
         * The e500 keeps it ("Interrupts do not clear reservations", e500
         * core family reference manual, 5.6), and Linux 6.1 clears it only
         * on interrupt returns, not on the system-call exit path
         * (entry_32.S syscall_exit_finish): inside a Linux guest the stwcx.
         * succeeds (cr0=2). */
        printf("lwarx; sc; stwcx.: mem=%08x ~hwdiff: cr0=%x (e500 + Linux 6.1: 2)\n", mem[3], c >> 28);
    }

    /* fetch-and-add loop */
    {
        u32 old, tmp, tries = 0;
        for (int k = 0; k < 5; k++)
            __asm__ volatile("1:\tlwarx %[o],0,%[p]\n\t"
                             "addi %[t],%[o],7\n\t"
                             "stwcx. %[t],0,%[p]\n\t"
                             "bne- 1b"
                             : [o] "=&b"(old), [t] "=&r"(tmp)
                             : [p] "b"(&mem[8])
                             : "cr0", "memory");
        (void)tries;
        printf("fetch-and-add x5: last old=%08x mem=%08x\n", old, mem[8]);
    }
    /* compare-and-swap, success and failure */
    for (int k = 0; k < 2; k++) {
        u32 expect = k ? 0x9999 : mem[9], newv = 0x4242, prev, ok;
        __asm__ volatile("li %[ok],0\n"
                         "1:\tlwarx %[pv],0,%[p]\n\t"
                         "cmpw %[pv],%[e]\n\t"
                         "bne- 2f\n\t"
                         "stwcx. %[n],0,%[p]\n\t"
                         "bne- 1b\n\t"
                         "li %[ok],1\n"
                         "2:"
                         : [pv] "=&r"(prev), [ok] "=&r"(ok)
                         : [p] "b"(&mem[9]), [e] "r"(expect), [n] "r"(newv)
                         : "cr0", "memory");
        printf("cas expect=%08x: ok=%u prev=%08x mem=%08x\n", expect, ok, prev,
               mem[9]);
    }
    /* the undefined case (the lwarx replaces any leftover reservation) */
    v = lwarx(&mem[16]);
    cr = stwcx(&mem[17], 0x7777, 0);
    printf("lwarx a, stwcx. a+4: ~undef: cr0=%x mem=%08x\n", cr >> 28, mem[17]);
    return 0;
}
