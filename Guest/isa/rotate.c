/*
 * Rotates and shifts, with Rc forms; XER[CA] for sraw/srawi.
 *   rlwinm rlwimi rlwnm                      (masks incl. MB > ME wrap masks)
 *   slw srw sraw   shift amounts 0,1,15,31,32,33,63,64,0xffffffdf (low 6 bits
 *                  used), srawi SH=0,1,4,16,31
 * sraw/srawi set CA iff the source is negative and 1-bits were shifted out
 * (SH=0 => CA=0). XER inputs XIN2 show that CA is rewritten and SO/OV kept.
 */
#include "isa.h"

static const u32 SRC[] = {0x00000000u, 0x00000001u, 0xffffffffu, 0x7fffffffu,
                          0x80000000u, 0x80000001u, 0x12345678u, 0xfedcba98u,
                          0xfffffff0u, 0x8000000fu};
static const u32 SH[] = {0, 1, 15, 31, 32, 33, 63, 64, 0xffffffdfu, 0x3f};

/* rlwinm/rlwimi: four immediates */
#define RLWI(mn, in_rt, rs_, sh_, mb_, me_, x_)                               \
    do {                                                                      \
        u32 rt = in_rt, cr, xr;                                               \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtxer %[xi]\n\t" mn " %[o],%[rs],%[sh],%[mb],%[me]\n\t" \
                         "mfcr %[c]\n\t"                                      \
                         "mfxer %[x]"                                         \
                         : [o] "+&r"(rt), [c] "=&r"(cr), [x] "=&r"(xr)        \
                         : [rs] "r"(rs_), [sh] "n"(sh_), [mb] "n"(mb_),       \
                           [me] "n"(me_), [xi] "r"(x_), [ci] "r"(CR_INIT)     \
                         : CLOB_ALL);                                         \
        printf("%-8s rs=%08x ra_in=%08x sh=%2d mb=%2d me=%2d -> %08x "       \
               "cr=%08x xer=%08x\n",                                          \
               mn, rs_, in_rt, sh_, mb_, me_, rt, cr, xr);                    \
    } while (0)

#define RLNM(mn, rs_, rb_, mb_, me_)                                          \
    do {                                                                      \
        u32 rt, cr, xr;                                                       \
        __asm__ volatile("mtcrf 0xff,%[ci]\n\t"                               \
                         "mtxer %[xi]\n\t" mn " %[o],%[rs],%[rb],%[mb],%[me]\n\t" \
                         "mfcr %[c]\n\t"                                      \
                         "mfxer %[x]"                                         \
                         : [o] "=&r"(rt), [c] "=&r"(cr), [x] "=&r"(xr)        \
                         : [rs] "r"(rs_), [rb] "r"(rb_), [mb] "n"(mb_),       \
                           [me] "n"(me_), [xi] "r"(0x80000000u),              \
                           [ci] "r"(CR_INIT)                                  \
                         : CLOB_ALL);                                         \
        printf("%-8s rs=%08x rb=%08x mb=%2d me=%2d -> %08x cr=%08x "         \
               "xer=%08x\n",                                                  \
               mn, rs_, rb_, mb_, me_, rt, cr, xr);                           \
    } while (0)

/* (SH, MB, ME) triples: full rotate, masks at both ends, single bits,
 * wrap-around masks (MB > ME), and the shapes used by slwi/srwi/clrlwi. */
#define MASKS(M, mn, in, rs)                                                  \
    M(mn, in, rs, 0, 0, 31, 0x80000000u);                                     \
    M(mn, in, rs, 8, 0, 31, 0x80000000u);                                     \
    M(mn, in, rs, 31, 0, 31, 0x80000000u);                                    \
    M(mn, in, rs, 4, 0, 27, 0);                                               \
    M(mn, in, rs, 28, 4, 31, 0);                                              \
    M(mn, in, rs, 0, 16, 31, 0);                                              \
    M(mn, in, rs, 0, 0, 15, 0);                                               \
    M(mn, in, rs, 16, 16, 15, 0);                                             \
    M(mn, in, rs, 3, 31, 0, 0);                                               \
    M(mn, in, rs, 12, 5, 5, 0);                                               \
    M(mn, in, rs, 1, 31, 31, 0);                                              \
    M(mn, in, rs, 0, 0, 0, 0);                                                \
    M(mn, in, rs, 24, 24, 7, 0);                                              \
    M(mn, in, rs, 7, 20, 19, 0)

#define RLWI4(mn, in, rs, sh, mb, me, x) RLWI(mn, in, rs, sh, mb, me, x)

#define RLNM_MASKS(mn, rs, rb)                                                \
    RLNM(mn, rs, rb, 0, 31);                                                  \
    RLNM(mn, rs, rb, 0, 15);                                                  \
    RLNM(mn, rs, rb, 16, 31);                                                 \
    RLNM(mn, rs, rb, 31, 0);                                                  \
    RLNM(mn, rs, rb, 9, 9)

#define SRAWI_CASE(mn, rs_, sh_, x_)                                          \
    do {                                                                      \
        u32 rt, cr, xr;                                                       \
        RRI(mn, rs_, sh_, x_, rt, cr, xr);                                    \
        linei(mn, rs_, sh_, x_, rt, cr, xr);                                  \
    } while (0)

int main(void) {
    for (unsigned i = 0; i < NELEM(SRC); i++) {
        u32 s = SRC[i];
        MASKS(RLWI4, "rlwinm", 0xdeadbeefu, s);
        MASKS(RLWI4, "rlwinm.", 0xdeadbeefu, s);
        MASKS(RLWI4, "rlwimi", 0xdeadbeefu, s);
        MASKS(RLWI4, "rlwimi.", 0xdeadbeefu, s);
        MASKS(RLWI4, "rlwimi.", 0x00000000u, s);
        MASKS(RLWI4, "rlwimi", 0xffffffffu, s);
        for (unsigned j = 0; j < NELEM(SH); j++) {
            RLNM_MASKS("rlwnm", s, SH[j]);
            RLNM_MASKS("rlwnm.", s, SH[j]);
        }
    }
    for (unsigned i = 0; i < NELEM(SRC); i++)
        for (unsigned j = 0; j < NELEM(SH); j++)
            for (unsigned k = 0; k < NELEM(XIN2); k++) {
                u32 a = SRC[i], b = SH[j], x = XIN2[k], rt, cr, xr;
                RRR("slw", a, b, x, rt, cr, xr);
                line3("slw", a, b, x, rt, cr, xr);
                RRR("slw.", a, b, x, rt, cr, xr);
                line3("slw.", a, b, x, rt, cr, xr);
                RRR("srw", a, b, x, rt, cr, xr);
                line3("srw", a, b, x, rt, cr, xr);
                RRR("srw.", a, b, x, rt, cr, xr);
                line3("srw.", a, b, x, rt, cr, xr);
                RRR("sraw", a, b, x, rt, cr, xr);
                line3("sraw", a, b, x, rt, cr, xr);
                RRR("sraw.", a, b, x, rt, cr, xr);
                line3("sraw.", a, b, x, rt, cr, xr);
            }
    for (unsigned i = 0; i < NELEM(SRC); i++)
        for (unsigned k = 0; k < NELEM(XIN2); k++) {
            u32 s = SRC[i], x = XIN2[k];
            SRAWI_CASE("srawi", s, 0, x);
            SRAWI_CASE("srawi", s, 1, x);
            SRAWI_CASE("srawi", s, 4, x);
            SRAWI_CASE("srawi", s, 16, x);
            SRAWI_CASE("srawi", s, 31, x);
            SRAWI_CASE("srawi.", s, 0, x);
            SRAWI_CASE("srawi.", s, 1, x);
            SRAWI_CASE("srawi.", s, 4, x);
            SRAWI_CASE("srawi.", s, 31, x);
        }
    return 0;
}
