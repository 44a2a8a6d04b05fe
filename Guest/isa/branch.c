/*
 * Every branch form.
 *   b / bl (forward, backward), ba / bla (absolute targets: code is copied
 *   to a page mapped at 0x01000000, inside the +-32 MiB absolute range),
 *   bc / bcl with every valid BO encoding (0000z 0001z 001at 0100z 0101z
 *   011at 1a00t 1a01t 1z1zz, with the at/a/t hint bits varied), CR bit true
 *   and false, CTR = 0, 1, 2 (CTR=0 decrements to 0xffffffff),
 *   bclr / bclrl and bcctr / bcctrl with conditional BO values,
 *   LR contents after bl/bcl (including a not-taken bcl, which still sets LR),
 *   CTR-based loops (bdnz, bdz, bdnzt, bdzf) and a backward conditional branch.
 * bca/bcla (14-bit absolute targets, only reachable at 0..0x7ffc) are not
 * tested: a page below 32 KiB cannot normally be mapped (vm.mmap_min_addr).
 */
#include <sys/mman.h>
#include "isa.h"

/* The at/a/t hint bits in BO (Power ISA 2.06) are the z/y bits of the older
 * Book E encoding; GNU as rejects some of them for -mcpu=powerpc, so the
 * branches are assembled under ".machine power4". Hints never change the
 * architected outcome.
 *
 * bc BO,BI: result t=2 taken, 1 not taken; reports CTR afterwards and
 * whether LR was written (LR preset to 0x1234 by mtlr). */
#define BC(bo, bi, crv, ctrv, lk)                                             \
    do {                                                                      \
        u32 t, ctr, lr, here;                                                 \
        __asm__ volatile("mtcrf 0xff,%[cr]\n\t"                               \
                         "mtctr %[ci]\n\t"                                    \
                         "li %[lr],0x1234\n\t"                                \
                         "mtlr %[lr]\n\t"                                     \
                         "bcl 20,31,0f\n"                                     \
                         "0:\tmflr %[h]\n\t"                                  \
                         "addi %[h],%[h],3f-0b\n\t"                           \
                         "mtlr %[lr]\n\t"                                     \
                         "li %[t],0\n\t"                                      \
                         ".machine push\n\t.machine power4\n\t"\
                         "bc" lk " " #bo "," #bi ",1f\n"\
                         "\t.machine pop\n"                      \
                         "3:\tli %[t],1\n\t"                                  \
                         "b 2f\n"                                             \
                         "1:\tli %[t],2\n"                                    \
                         "2:\tmfctr %[ctr]\n\t"                               \
                         "mflr %[lr]"                                         \
                         : [t] "=&b"(t), [ctr] "=&r"(ctr), [lr] "=&b"(lr),    \
                           [h] "=&b"(here)                                    \
                         : [cr] "r"(crv), [ci] "r"(ctrv)                      \
                         : CLOB_ALL, "ctr", "lr");                            \
        printf("bc%-2s BO=%2d BI=%2d cr=%08x ctr=%08x -> %s ctr=%08x lr=%s\n", \
               lk, bo, bi, crv, ctrv, t == 2 ? "taken" : t == 1 ? "fall" : "?", \
               ctr,                                                           \
               lr == 0x1234 ? "kept" : lr == here ? "next-insn" : "WRONG");   \
    } while (0)

#define BC_ALL_CASES(bo, bi)                                                  \
    do {                                                                      \
        static const u32 crs[] = {0x00000000u, 0xffffffffu, 0x20000000u,      \
                                  0x00000001u};                               \
        static const u32 ctrs[] = {0, 1, 2};                                  \
        for (unsigned ci = 0; ci < NELEM(crs); ci++)                          \
            for (unsigned ti = 0; ti < NELEM(ctrs); ti++) {                   \
                BC(bo, bi, crs[ci], ctrs[ti], "");                            \
                BC(bo, bi, crs[ci], ctrs[ti], "l");                           \
            }                                                                 \
    } while (0)

#define BO_ALL(bi)                                                            \
    BC_ALL_CASES(0, bi);                                                      \
    BC_ALL_CASES(2, bi);                                                      \
    BC_ALL_CASES(4, bi);                                                      \
    BC_ALL_CASES(6, bi);                                                      \
    BC_ALL_CASES(7, bi);                                                      \
    BC_ALL_CASES(8, bi);                                                      \
    BC_ALL_CASES(10, bi);                                                     \
    BC_ALL_CASES(12, bi);                                                     \
    BC_ALL_CASES(14, bi);                                                     \
    BC_ALL_CASES(15, bi);                                                     \
    BC_ALL_CASES(16, bi);                                                     \
    BC_ALL_CASES(18, bi);                                                     \
    BC_ALL_CASES(24, bi);                                                     \
    BC_ALL_CASES(25, bi);                                                     \
    BC_ALL_CASES(26, bi);                                                     \
    BC_ALL_CASES(27, bi);                                                     \
    BC_ALL_CASES(20, bi)

/* bclr/bcctr: the target is label 1; LR/CTR loaded with its address. */
#define BCLR(bo, bi, crv, ctrv, lk)                                           \
    do {                                                                      \
        u32 t, ctr, lr, here, tgt;                                            \
        __asm__ volatile("mtcrf 0xff,%[cr]\n\t"                               \
                         "mtctr %[ci]\n\t"                                    \
                         "bcl 20,31,0f\n"                                     \
                         "0:\tmflr %[h]\n\t"                                  \
                         "addi %[g],%[h],1f-0b\n\t"                           \
                         "addi %[h],%[h],3f-0b\n\t"                           \
                         "mtlr %[g]\n\t"                                      \
                         "li %[t],0\n\t"                                      \
                         ".machine push\n\t.machine power4\n\t"\
                         "bclr" lk " " #bo "," #bi "\n"\
                         "\t.machine pop\n"                       \
                         "3:\tli %[t],1\n\t"                                  \
                         "b 2f\n"                                             \
                         "1:\tli %[t],2\n"                                    \
                         "2:\tmfctr %[ctr]\n\t"                               \
                         "mflr %[lr]"                                         \
                         : [t] "=&b"(t), [ctr] "=&r"(ctr), [lr] "=&b"(lr),    \
                           [h] "=&b"(here), [g] "=&b"(tgt)                    \
                         : [cr] "r"(crv), [ci] "r"(ctrv)                      \
                         : CLOB_ALL, "ctr", "lr");                            \
        printf("bclr%-2s BO=%2d BI=%2d cr=%08x ctr=%08x -> %s ctr=%08x "     \
               "lr=%s\n",                                                     \
               lk, bo, bi, crv, ctrv, t == 2 ? "taken" : t == 1 ? "fall" : "?", \
               ctr,                                                           \
               lr == tgt ? "kept" : lr == here ? "next-insn" : "WRONG");      \
    } while (0)

#define BCCTR(bo, bi, crv, lk)                                                \
    do {                                                                      \
        u32 t, ctr, lr, here, tgt;                                            \
        __asm__ volatile("mtcrf 0xff,%[cr]\n\t"                               \
                         "bcl 20,31,0f\n"                                     \
                         "0:\tmflr %[h]\n\t"                                  \
                         "addi %[g],%[h],1f-0b\n\t"                           \
                         "addi %[h],%[h],3f-0b\n\t"                           \
                         "mtctr %[g]\n\t"                                     \
                         "li %[t],0x55\n\t"                                   \
                         "mtlr %[t]\n\t"                                      \
                         "li %[t],0\n\t"                                      \
                         ".machine push\n\t.machine power4\n\t"\
                         "bcctr" lk " " #bo "," #bi "\n"\
                         "\t.machine pop\n"                      \
                         "3:\tli %[t],1\n\t"                                  \
                         "b 2f\n"                                             \
                         "1:\tli %[t],2\n"                                    \
                         "2:\tmfctr %[ctr]\n\t"                               \
                         "mflr %[lr]"                                         \
                         : [t] "=&b"(t), [ctr] "=&r"(ctr), [lr] "=&b"(lr),    \
                           [h] "=&b"(here), [g] "=&b"(tgt)                    \
                         : [cr] "r"(crv)                                      \
                         : CLOB_ALL, "ctr", "lr");                            \
        printf("bcctr%-2s BO=%2d BI=%2d cr=%08x -> %s ctr=%s lr=%s\n", lk,    \
               bo, bi, crv, t == 2 ? "taken" : t == 1 ? "fall" : "?",         \
               ctr == tgt ? "kept" : "WRONG",                                 \
               lr == 0x55 ? "kept" : lr == here ? "next-insn" : "WRONG");     \
    } while (0)

static u32 unconditional(void) {
    u32 r, lr, expect;
    /* b forward, b backward, bl to a local subroutine, LR check */
    __asm__ volatile("li %[r],0\n\t"
                     "b 1f\n\t"
                     "addi %[r],%[r],100\n"       /* skipped */
                     "2:\taddi %[r],%[r],10\n\t"
                     "b 3f\n"
                     "1:\taddi %[r],%[r],1\n\t"
                     "b 2b\n"                     /* backward */
                     "3:\tbl 4f\n"
                     "5:\tb 6f\n"
                     "4:\tmflr %[lr]\n\t"
                     "addi %[r],%[r],1000\n\t"
                     "blr\n"
                     "6:\tbcl 20,31,7f\n"
                     "7:\tmflr %[e]\n\t"
                     "addi %[e],%[e],5b-7b"
                     : [r] "=&b"(r), [lr] "=&r"(lr), [e] "=&b"(expect)
                     :
                     : "lr", "memory");
    printf("b/bl: r=%u lr-after-bl=%s\n", r, lr == expect ? "ok" : "WRONG");
    return r;
}

/* Absolute branches: copy a tiny routine to 0x01000000 and call it with bla.
 *   0x01000000: li r3,0x77 ; ba 0x01000010
 *   0x01000010: addi r3,r3,1 ; mflr r4 ; blr
 */
static void absolute(void) {
    void *want = (void *)0x01000000;
    u32 *p = mmap(want, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != want) {
        printf("ba/bla: could not map 0x01000000\n");
        if (p != MAP_FAILED) munmap(p, 4096);
        return;
    }
    p[0] = 0x38600077; /* li r3,0x77 */
    /* ba 0x01000010: opcode 18, LI = target >> 2, AA=1, LK=0 */
    p[1] = 0x48000000u | (0x01000010u & 0x03fffffcu) | 2;
    p[4] = 0x38630001; /* addi r3,r3,1 */
    p[5] = 0x7c8802a6; /* mflr r4 */
    p[6] = 0x4e800020; /* blr */
    for (int i = 0; i < 8; i++)
        __asm__ volatile("dcbst 0,%0\n\tsync\n\ticbi 0,%0\n\t" ::"r"(p + i)
                         : "memory");
    __asm__ volatile("isync");
    u32 r3, r4, expect;
    __asm__ volatile("bla 0x01000000\n"
                     "1:\tmr %[a],3\n\t"
                     "mr %[b],4\n\t"
                     "bcl 20,31,2f\n"
                     "2:\tmflr %[e]\n\t"
                     "addi %[e],%[e],1b-2b"
                     : [a] "=r"(r3), [b] "=r"(r4), [e] "=b"(expect)
                     :
                     : "r0", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10",
                       "r11", "r12", "lr", "ctr", CLOB_ALL);
    printf("ba/bla: r3=%08x lr-after-bla=%s\n", r3,
           r4 == expect ? "ok" : "WRONG");
    munmap(p, 4096);
}

static void loops(void) {
    static const u32 counts[] = {1, 2, 5, 17};
    for (unsigned i = 0; i < NELEM(counts); i++) {
        u32 n = counts[i], iters, ctr;
        __asm__ volatile("mtctr %[n]\n\t"
                         "li %[i],0\n"
                         "1:\taddi %[i],%[i],1\n\t"
                         "bdnz 1b\n\t"
                         "mfctr %[c]"
                         : [i] "=&b"(iters), [c] "=&r"(ctr)
                         : [n] "r"(n)
                         : "ctr");
        printf("bdnz loop ctr=%u -> iterations=%u ctr=%08x\n", n, iters, ctr);
        /* bdz: loop while CTR becomes nonzero ... exit when it hits zero */
        __asm__ volatile("mtctr %[n]\n\t"
                         "li %[i],0\n"
                         "1:\taddi %[i],%[i],1\n\t"
                         "bdz 2f\n\t"
                         "b 1b\n"
                         "2:\tmfctr %[c]"
                         : [i] "=&b"(iters), [c] "=&r"(ctr)
                         : [n] "r"(n)
                         : "ctr");
        printf("bdz loop ctr=%u -> iterations=%u ctr=%08x\n", n, iters, ctr);
        /* bdnzf: count down, but stop early when element 3 is reached
         * (cmpwi sets cr0[eq]); bdnzt with the opposite sense */
        __asm__ volatile("mtctr %[n]\n\t"
                         "li %[i],0\n"
                         "1:\taddi %[i],%[i],1\n\t"
                         "cmpwi %[i],3\n\t"
                         "bdnzf 2,1b\n\t"
                         "mfctr %[c]"
                         : [i] "=&b"(iters), [c] "=&r"(ctr)
                         : [n] "r"(n)
                         : "ctr", "cr0");
        printf("bdnzf loop ctr=%u -> iterations=%u ctr=%08x\n", n, iters, ctr);
        __asm__ volatile("mtctr %[n]\n\t"
                         "li %[i],0\n"
                         "1:\taddi %[i],%[i],1\n\t"
                         "cmpwi %[i],4\n\t"
                         "bdnzt 0,1b\n\t"
                         "mfctr %[c]"
                         : [i] "=&b"(iters), [c] "=&r"(ctr)
                         : [n] "r"(n)
                         : "ctr", "cr0");
        printf("bdnzt loop ctr=%u -> iterations=%u ctr=%08x\n", n, iters, ctr);
        __asm__ volatile("mtctr %[n]\n\t"
                         "li %[i],0\n"
                         "1:\taddi %[i],%[i],1\n\t"
                         "cmpwi %[i],2\n\t"
                         "bdzf 2,1b\n\t"
                         "mfctr %[c]"
                         : [i] "=&b"(iters), [c] "=&r"(ctr)
                         : [n] "r"(n)
                         : "ctr", "cr0");
        printf("bdzf loop ctr=%u -> iterations=%u ctr=%08x\n", n, iters, ctr);
    }
    /* backward conditional branch with a plain counter: blt */
    u32 i;
    __asm__ volatile("li %0,0\n"
                     "1:\taddi %0,%0,3\n\t"
                     "cmpwi 7,%0,20\n\t"
                     "blt 7,1b"
                     : "=&b"(i)
                     :
                     : "cr7");
    printf("blt backward loop -> %u\n", i);
}

int main(void) {
    unconditional();
    absolute();
    BO_ALL(2);
    BO_ALL(31);
    static const u32 crs[] = {0x00000000u, 0xffffffffu, 0x00400000u};
    static const u32 ctrs[] = {0, 1, 2};
    for (unsigned ci = 0; ci < NELEM(crs); ci++)
        for (unsigned ti = 0; ti < NELEM(ctrs); ti++) {
            u32 c = crs[ci], n = ctrs[ti];
            BCLR(20, 0, c, n, "");
            BCLR(20, 0, c, n, "l");
            BCLR(4, 9, c, n, "");
            BCLR(12, 9, c, n, "");
            BCLR(12, 9, c, n, "l");
            BCLR(4, 9, c, n, "l");
            BCLR(16, 9, c, n, "");
            BCLR(18, 9, c, n, "l");
            BCLR(0, 9, c, n, "");
            BCLR(8, 9, c, n, "");
            BCLR(2, 9, c, n, "l");
            BCLR(10, 9, c, n, "l");
        }
    for (unsigned ci = 0; ci < NELEM(crs); ci++) {
        u32 c = crs[ci];
        BCCTR(20, 0, c, "");
        BCCTR(20, 0, c, "l");
        BCCTR(4, 9, c, "");
        BCCTR(4, 9, c, "l");
        BCCTR(12, 9, c, "");
        BCCTR(12, 9, c, "l");
        BCCTR(6, 31, c, "");
        BCCTR(15, 31, c, "l");
    }
    loops();
    return 0;
}
