/*
 * Compares and condition-register operations.
 *   cmp cmpl (cmpw/cmplw) and cmpi cmpli (cmpwi/cmplwi) into CR0, CR1, CR5,
 *   CR7 (XER[SO] copied into the target field's SO bit; L=0 only: 32-bit)
 *   crand cror crxor crnand crnor creqv crandc crorc (and crset/crclr/
 *   crmove/crnot) with overlapping operands; mcrf; mcrxr (clears XER[SO,OV,CA]);
 *   mfcr, mtcrf (several FXM masks), mfocrf, mtocrf (single-field forms).
 * mfocrf: ISA 2.06 leaves the other seven fields of RT undefined; only the
 * selected field is compared, the whole RT is printed after " ~undef:".
 */
#include "isa.h"

#define CMPR(mn, bf, a_, b_, x_)                                              \
    do {                                                                      \
        u32 cr;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtxer %[xi]\n\t" mn " " #bf ",%[ra],%[rb]\n\t"      \
                         "mfcr %[c]"                                          \
                         : [c] "=&r"(cr)                                      \
                         : [ra] "r"(a_), [rb] "r"(b_), [xi] "r"(x_),          \
                           [ci] "r"(CR_INIT)                                  \
                         : CLOB_ALL);                                         \
        printf("%-6s cr%d %08x %08x x=%08x -> cr=%08x\n", mn, bf, a_, b_, x_, \
               cr);                                                           \
    } while (0)

#define CMPI(mn, bf, a_, imm_, x_)                                            \
    do {                                                                      \
        u32 cr;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtxer %[xi]\n\t" mn " " #bf ",%[ra],%[im]\n\t"      \
                         "mfcr %[c]"                                          \
                         : [c] "=&r"(cr)                                      \
                         : [ra] "r"(a_), [im] "n"(imm_), [xi] "r"(x_),        \
                           [ci] "r"(CR_INIT)                                  \
                         : CLOB_ALL);                                         \
        printf("%-6s cr%d %08x imm=%d x=%08x -> cr=%08x\n", mn, bf, a_, imm_, \
               x_, cr);                                                       \
    } while (0)

#define CRL(mn, bt, ba, bb, cin)                                              \
    do {                                                                      \
        u32 cr;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t" mn " " #bt "," #ba "," #bb    \
                         "\n\t"                                               \
                         "mfcr %[c]"                                          \
                         : [c] "=&r"(cr)                                      \
                         : [ci] "r"(cin)                                      \
                         : CLOB_ALL);                                         \
        printf("%-6s %2d,%2d,%2d cr_in=%08x -> cr=%08x\n", mn, bt, ba, bb,    \
               cin, cr);                                                      \
    } while (0)

#define CRL_ALL(bt, ba, bb, cin)                                              \
    CRL("crand", bt, ba, bb, cin);                                            \
    CRL("cror", bt, ba, bb, cin);                                             \
    CRL("crxor", bt, ba, bb, cin);                                            \
    CRL("crnand", bt, ba, bb, cin);                                           \
    CRL("crnor", bt, ba, bb, cin);                                            \
    CRL("creqv", bt, ba, bb, cin);                                            \
    CRL("crandc", bt, ba, bb, cin);                                           \
    CRL("crorc", bt, ba, bb, cin)

#define MCRF(bf, bfa, cin)                                                    \
    do {                                                                      \
        u32 cr;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mcrf " #bf "," #bfa "\n\t"                          \
                         "mfcr %[c]"                                          \
                         : [c] "=&r"(cr)                                      \
                         : [ci] "r"(cin)                                      \
                         : CLOB_ALL);                                         \
        printf("mcrf   cr%d,cr%d cr_in=%08x -> cr=%08x\n", bf, bfa, cin, cr);  \
    } while (0)

#define MCRXR(bf, x_)                                                         \
    do {                                                                      \
        u32 cr, xr;                                                           \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtxer %[xi]\n\t"                                    \
                         "mcrxr " #bf "\n\t"                                  \
                         "mfcr %[c]\n\t"                                      \
                         "mfxer %[x]"                                         \
                         : [c] "=&r"(cr), [x] "=&r"(xr)                       \
                         : [xi] "r"(x_), [ci] "r"(CR_INIT)                    \
                         : CLOB_ALL);                                         \
        printf("mcrxr  cr%d x=%08x -> cr=%08x xer=%08x\n", bf, x_, cr, xr);   \
    } while (0)

#define MTCRF(fxm, v_)                                                        \
    do {                                                                      \
        u32 cr;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtcrf " #fxm ",%[v]\n\t"                            \
                         "mfcr %[c]"                                          \
                         : [c] "=&r"(cr)                                      \
                         : [v] "r"(v_), [ci] "r"(CR_INIT)                     \
                         : CLOB_ALL);                                         \
        printf("mtcrf  fxm=%02x v=%08x -> cr=%08x\n", fxm, v_, cr);           \
    } while (0)

#define MTOCRF(fxm, v_)                                                       \
    do {                                                                      \
        u32 cr;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtocrf " #fxm ",%[v]\n\t"                           \
                         "mfcr %[c]"                                          \
                         : [c] "=&r"(cr)                                      \
                         : [v] "r"(v_), [ci] "r"(CR_INIT)                     \
                         : CLOB_ALL);                                         \
        printf("mtocrf fxm=%02x v=%08x -> cr=%08x\n", fxm, v_, cr);           \
    } while (0)

#define MFOCRF(fxm, cin)                                                      \
    do {                                                                      \
        u32 rt;                                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mfocrf %[o]," #fxm                                  \
                         : [o] "=&r"(rt)                                      \
                         : [ci] "r"(cin)                                      \
                         : CLOB_ALL);                                         \
        u32 mask = 0;                                                         \
        for (int f = 0; f < 8; f++)                                           \
            if ((fxm) & (0x80 >> f)) mask |= 0xf0000000u >> (4 * f);          \
        printf("mfocrf fxm=%02x cr=%08x -> field=%08x ~undef: rt=%08x\n",     \
               fxm, cin, rt & mask, rt);                                      \
    } while (0)

int main(void) {
    static const u32 cv[] = {0x00000000u, 0x00000001u, 0xffffffffu,
                             0x7fffffffu, 0x80000000u, 0x00007fffu,
                             0xffff8000u, 0x0000ffffu};
    for (unsigned i = 0; i < NELEM(cv); i++)
        for (unsigned j = 0; j < NELEM(cv); j++)
            for (unsigned k = 0; k < 2; k++) {
                u32 a = cv[i], b = cv[j], x = k ? 0x80000000u : 0;
                CMPR("cmpw", 0, a, b, x);
                CMPR("cmplw", 0, a, b, x);
                CMPR("cmpw", 1, a, b, x);
                CMPR("cmplw", 5, a, b, x);
                CMPR("cmpw", 7, a, b, x);
                CMPR("cmplw", 7, a, b, x);
            }
    for (unsigned i = 0; i < NELEM(cv); i++)
        for (unsigned k = 0; k < 2; k++) {
            u32 a = cv[i], x = k ? 0x80000000u : 0;
            /* explicit L=0 forms, and the simplified mnemonics */
            __asm__ volatile("" ::: "memory");
            CMPI("cmpwi", 0, a, 0, x);
            CMPI("cmpwi", 3, a, -1, x);
            CMPI("cmpwi", 7, a, 32767, x);
            CMPI("cmpwi", 6, a, -32768, x);
            CMPI("cmplwi", 0, a, 0, x);
            CMPI("cmplwi", 2, a, 1, x);
            CMPI("cmplwi", 4, a, 0xffff, x);
            CMPI("cmplwi", 7, a, 0x8000, x);
        }
    /* The full four-operand spellings (cmp/cmpl/cmpi/cmpli with L=0) */
    for (unsigned i = 0; i < NELEM(cv); i++) {
        u32 a = cv[i], b = 0x00000001u, cr;
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"
                         "mtxer %[z]\n\t"
                         "cmp 1,0,%[a],%[b]\n\t"
                         "cmpl 2,0,%[a],%[b]\n\t"
                         "cmpi 3,0,%[a],-5\n\t"
                         "cmpli 4,0,%[a],5\n\t"
                         "mfcr %[c]"
                         : [c] "=&r"(cr)
                         : [a] "r"(a), [b] "r"(b), [ci] "r"(0u), [z] "r"(0u)
                         : CLOB_ALL);
        printf("cmp/cmpl/cmpi/cmpli %08x -> cr=%08x\n", a, cr);
    }

    static const u32 crin[] = {0x00000000u, 0xffffffffu, 0x12345678u,
                               0xa5a5a5a5u, 0x0f0f0f0fu};
    for (unsigned i = 0; i < NELEM(crin); i++) {
        u32 c = crin[i];
        CRL_ALL(0, 1, 2, c);
        CRL_ALL(31, 0, 31, c);
        CRL_ALL(5, 5, 5, c);
        CRL_ALL(13, 28, 3, c);
        CRL_ALL(16, 7, 24, c);
        CRL("creqv", 9, 9, 9, c);  /* crset */
        CRL("crxor", 9, 9, 9, c);  /* crclr */
        CRL("cror", 20, 4, 4, c);  /* crmove */
        CRL("crnor", 20, 4, 4, c); /* crnot */
        MCRF(0, 7, c);
        MCRF(7, 0, c);
        MCRF(3, 3, c);
        MCRF(2, 5, c);
    }
    static const u32 xv[] = {0x00000000u, 0x20000000u, 0x40000000u,
                             0x80000000u, 0xe0000000u, 0xa0000000u};
    for (unsigned i = 0; i < NELEM(xv); i++) {
        MCRXR(0, xv[i]);
        MCRXR(1, xv[i]);
        MCRXR(7, xv[i]);
    }
    static const u32 mv[] = {0x00000000u, 0xffffffffu, 0x89abcdefu};
    for (unsigned i = 0; i < NELEM(mv); i++) {
        MTCRF(0x00, mv[i]);
        MTCRF(0x01, mv[i]);
        MTCRF(0x80, mv[i]);
        MTCRF(0xff, mv[i]);
        MTCRF(0x5a, mv[i]);
        MTCRF(0x81, mv[i]);
        MTOCRF(0x80, mv[i]);
        MTOCRF(0x10, mv[i]);
        MTOCRF(0x01, mv[i]);
    }
    for (unsigned i = 0; i < NELEM(crin); i++) {
        u32 c;
        __asm__ volatile("mtcrf 0xff,%1\n\tmfcr %0" : "=r"(c) : "r"(crin[i]) : CLOB_ALL);
        printf("mfcr   cr=%08x -> %08x\n", crin[i], c);
        MFOCRF(0x80, crin[i]);
        MFOCRF(0x20, crin[i]);
        MFOCRF(0x01, crin[i]);
    }
    return 0;
}
