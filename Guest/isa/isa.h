/*
 * Shared helpers for the Trapeze differential ISA test programs.
 *
 * Every program prints one line per executed case, in hex, so that the
 * output under qemu-ppc (the oracle) and under `trapeze user` can be compared
 * byte for byte.  Conventions used by all programs:
 *
 *   - Before each instruction under test the CR is preset to CR_INIT and the
 *     XER to the case's input value, so the line shows exactly which CR fields
 *     and XER bits the instruction changed (and that the others were kept).
 *   - Fields whose value the ISA leaves undefined (e.g. the quotient of a
 *     divide by zero) are printed after the marker " ~undef:" at the end of
 *     the line.  Known differences between qemu-ppc and real e500mc hardware
 *     are printed after " ~hwdiff:".  The differential test compares lines
 *     only up to the first such marker (see Tests/DifferentialTests).
 *   - Nothing printed depends on addresses, pids or time.
 */
#ifndef TRAPEZE_ISA_H
#define TRAPEZE_ISA_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint32_t u32;
typedef int32_t s32;

#define CR_INIT 0x55555555u

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Every CR field and the XER, for inline asm clobber lists. */
#define CLOB_CR "cr0", "cr1", "cr2", "cr3", "cr4", "cr5", "cr6", "cr7"
#define CLOB_ALL CLOB_CR, "xer", "memory"

/* Edge values shared by the integer tests. */
static const u32 EDGE[] = {
    0x00000000u, 0x00000001u, 0xffffffffu, 0x7fffffffu, 0x80000000u,
    0x80000001u, 0xfffffffeu, 0x00008000u, 0x12345678u, 0xfedcba98u,
};

/* XER inputs: clear, and SO|OV|CA set (checks that SO is sticky, OV is
 * rewritten by "o" forms, CA is left alone / rewritten). */
static const u32 XIN2[] = {0x00000000u, 0xe0000000u};
/* XER inputs for instructions that consume CA. */
static const u32 XIN4[] = {0x00000000u, 0x20000000u, 0xc0000000u, 0xe0000000u};

static inline u32 read_xer(void) {
    u32 x;
    __asm__ volatile("mfxer %0" : "=r"(x));
    return x;
}

static inline u32 read_cr(void) {
    u32 c;
    __asm__ volatile("mfcr %0" : "=r"(c));
    return c;
}

/* Three-register XO/X form:  OP rt,ra,rb  (macro parameters end in '_' so
 * they cannot collide with the asm operand names) */
#define RRR(mn, a_, b_, x_, rt_, cr_, xr_)                                    \
    __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                                   \
                     "mtxer %[xi]\n\t" mn " %[o],%[ra],%[rb]\n\t"             \
                     "mfcr %[c]\n\t"                                          \
                     "mfxer %[x]"                                             \
                     : [o] "=&r"(rt_), [c] "=&r"(cr_), [x] "=&r"(xr_)         \
                     : [ra] "r"(a_), [rb] "r"(b_), [xi] "r"(x_),              \
                       [ci] "r"(CR_INIT)                                      \
                     : CLOB_ALL)

/* Two-register form:  OP rt,ra  */
#define RR(mn, a_, x_, rt_, cr_, xr_)                                         \
    __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                                   \
                     "mtxer %[xi]\n\t" mn " %[o],%[ra]\n\t"                   \
                     "mfcr %[c]\n\t"                                          \
                     "mfxer %[x]"                                             \
                     : [o] "=&r"(rt_), [c] "=&r"(cr_), [x] "=&r"(xr_)         \
                     : [ra] "r"(a_), [xi] "r"(x_), [ci] "r"(CR_INIT)          \
                     : CLOB_ALL)

/* Register + immediate form:  OP rt,ra,IMM  (ra never r0: "b" constraint) */
#define RRI(mn, a_, imm_, x_, rt_, cr_, xr_)                                  \
    __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                                   \
                     "mtxer %[xi]\n\t" mn " %[o],%[ra],%[im]\n\t"             \
                     "mfcr %[c]\n\t"                                          \
                     "mfxer %[x]"                                             \
                     : [o] "=&r"(rt_), [c] "=&r"(cr_), [x] "=&r"(xr_)         \
                     : [ra] "b"(a_), [im] "n"(imm_), [xi] "r"(x_),            \
                       [ci] "r"(CR_INIT)                                      \
                     : CLOB_ALL)

static inline void line3(const char *mn, u32 a, u32 b, u32 x, u32 rt, u32 cr,
                         u32 xr) {
    printf("%-8s %08x %08x x=%08x -> %08x cr=%08x xer=%08x\n", mn, a, b, x, rt,
           cr, xr);
}

static inline void line2(const char *mn, u32 a, u32 x, u32 rt, u32 cr,
                         u32 xr) {
    printf("%-8s %08x x=%08x -> %08x cr=%08x xer=%08x\n", mn, a, x, rt, cr,
           xr);
}

static inline void linei(const char *mn, u32 a, s32 imm, u32 x, u32 rt, u32 cr,
                         u32 xr) {
    printf("%-8s %08x imm=%d x=%08x -> %08x cr=%08x xer=%08x\n", mn, a, imm, x,
           rt, cr, xr);
}

/* bin_NAME(a, b, x) and un_NAME(a, x): run each form of an X/XO-form
 * instruction (plain and record: BIN2/UN2; plus OE: BIN4/UN4) and pass each
 * result to REPORT (line3/line2, or a file's own with the same arguments). */
#define FORM3(mn, a, b, x, report)                                            \
    do {                                                                      \
        u32 rt, cr, xr;                                                       \
        RRR(mn, a, b, x, rt, cr, xr);                                         \
        report(mn, a, b, x, rt, cr, xr);                                      \
    } while (0)
#define FORM2(mn, a, x, report)                                               \
    do {                                                                      \
        u32 rt, cr, xr;                                                       \
        RR(mn, a, x, rt, cr, xr);                                             \
        report(mn, a, x, rt, cr, xr);                                         \
    } while (0)
#define BIN2(name, report)                                                    \
    static void bin_##name(u32 a, u32 b, u32 x) {                            \
        FORM3(#name, a, b, x, report);                                        \
        FORM3(#name ".", a, b, x, report);                                    \
    }
#define BIN4(name, report)                                                    \
    static void bin_##name(u32 a, u32 b, u32 x) {                            \
        FORM3(#name, a, b, x, report);                                        \
        FORM3(#name ".", a, b, x, report);                                    \
        FORM3(#name "o", a, b, x, report);                                    \
        FORM3(#name "o.", a, b, x, report);                                   \
    }
#define UN2(name, report)                                                     \
    static void un_##name(u32 a, u32 x) {                                    \
        FORM2(#name, a, x, report);                                           \
        FORM2(#name ".", a, x, report);                                       \
    }
#define UN4(name, report)                                                     \
    static void un_##name(u32 a, u32 x) {                                    \
        FORM2(#name, a, x, report);                                           \
        FORM2(#name ".", a, x, report);                                       \
        FORM2(#name "o", a, x, report);                                       \
        FORM2(#name "o.", a, x, report);                                      \
    }

/* An immediate form on every EDGE value for each XER input in XS. */
#define IMM_CASE(mn, imm, xs)                                                 \
    for (unsigned i = 0; i < NELEM(EDGE); i++)                                \
        for (unsigned j = 0; j < NELEM(xs); j++) {                            \
            u32 rt, cr, xr;                                                   \
            RRI(mn, EDGE[i], imm, xs[j], rt, cr, xr);                         \
            linei(mn, EDGE[i], imm, xs[j], rt, cr, xr);                       \
        }

/* The FPSCR as mffs gives it (the low word of the FPR image). */
static inline u32 read_fpscr(void) {
    union {
        double d;
        unsigned long long u;
    } v;
    __asm__ volatile("mffs %0" : "=f"(v.d));
    return (u32)v.u;
}

#endif
