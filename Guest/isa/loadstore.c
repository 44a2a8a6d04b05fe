/*
 * Integer loads and stores of every width and addressing form.
 *   lbz lbzu lbzx lbzux  lhz lhzu lhzx lhzux  lha lhau lhax lhaux
 *   lwz lwzu lwzx lwzux  stb stbu stbx stbux  sth sthu sthx sthux
 *   stw stwu stwx stwux  lhbrx lwbrx sthbrx stwbrx  lmw stmw
 * Displacements 0, positive, negative; the X forms with rA=0 (EA = rB, r0
 * holding garbage); update forms print the updated base as an offset from
 * the buffer; sign extension of lha; misaligned halfword/word accesses;
 * big-endian byte order.  No absolute addresses are printed.
 */
#include "isa.h"

static uint8_t src[256] __attribute__((aligned(64)));
static uint8_t dst[64] __attribute__((aligned(64)));

#define MID (src + 128)

#define LD_D(mn, off)                                                         \
    do {                                                                      \
        u32 v;                                                                \
        __asm__ volatile(mn " %0,%2(%1)"                                      \
                         : "=r"(v)                                            \
                         : "b"(MID), "n"(off)                                 \
                         : "memory");                                         \
        printf("%-6s d=%4d -> %08x\n", mn, off, v);                           \
    } while (0)

#define LD_DU(mn, off)                                                        \
    do {                                                                      \
        u32 v;                                                                \
        uint8_t *b = MID;                                                     \
        __asm__ volatile(mn " %0,%2(%1)"                                      \
                         : "=&r"(v), "+b"(b)                                  \
                         : "n"(off)                                           \
                         : "memory");                                         \
        printf("%-6s d=%4d -> %08x ra=mid%+d\n", mn, off, v, (int)(b - MID)); \
    } while (0)

#define LD_X(mn, idx)                                                         \
    do {                                                                      \
        u32 v;                                                                \
        __asm__ volatile(mn " %0,%1,%2"                                       \
                         : "=r"(v)                                            \
                         : "b"(MID), "r"(idx)                                 \
                         : "memory");                                         \
        printf("%-6s x=%4d -> %08x\n", mn, (int)(idx), v);                    \
    } while (0)

#define LD_XU(mn, idx)                                                        \
    do {                                                                      \
        u32 v;                                                                \
        uint8_t *b = MID;                                                     \
        __asm__ volatile(mn " %0,%1,%2"                                       \
                         : "=&r"(v), "+b"(b)                                  \
                         : "r"(idx)                                           \
                         : "memory");                                         \
        printf("%-6s x=%4d -> %08x ra=mid%+d\n", mn, (int)(idx), v,           \
               (int)(b - MID));                                               \
    } while (0)

/* X form with rA = 0: EA = (rB); r0 is loaded with garbage first. */
#define LD_X0(mn, off)                                                        \
    do {                                                                      \
        u32 v;                                                                \
        __asm__ volatile("li 0,0x100\n\t" mn " %0,0,%1"                       \
                         : "=r"(v)                                            \
                         : "r"(MID + (off))                                   \
                         : "r0", "memory");                                   \
        printf("%-6s rA=0 off=%d -> %08x\n", mn, off, v);                     \
    } while (0)

static void reset_dst(void) {
    for (unsigned i = 0; i < sizeof dst; i++) dst[i] = 0xee;
}

static void show_dst(const char *mn, int off, u32 v, int upd) {
    printf("%-6s d=%3d v=%08x ->", mn, off, v);
    for (int i = 24; i < 40; i++) printf(" %02x", dst[i]);
    if (upd != 9999) printf(" ra=mid%+d", upd);
    printf("\n");
}

#define DMID (dst + 32)

#define ST_D(mn, off, val)                                                    \
    do {                                                                      \
        reset_dst();                                                          \
        __asm__ volatile(mn " %0,%2(%1)" ::"r"(val), "b"(DMID), "n"(off)      \
                         : "memory");                                         \
        show_dst(mn, off, val, 9999);                                         \
    } while (0)

#define ST_DU(mn, off, val)                                                   \
    do {                                                                      \
        uint8_t *b = DMID;                                                    \
        reset_dst();                                                          \
        __asm__ volatile(mn " %1,%2(%0)" : "+b"(b) : "r"(val), "n"(off)       \
                         : "memory");                                         \
        show_dst(mn, off, val, (int)(b - DMID));                              \
    } while (0)

#define ST_X(mn, idx, val)                                                    \
    do {                                                                      \
        reset_dst();                                                          \
        __asm__ volatile(mn " %0,%1,%2" ::"r"(val), "b"(DMID), "r"(idx)       \
                         : "memory");                                         \
        show_dst(mn, idx, val, 9999);                                         \
    } while (0)

#define ST_XU(mn, idx, val)                                                   \
    do {                                                                      \
        uint8_t *b = DMID;                                                    \
        reset_dst();                                                          \
        __asm__ volatile(mn " %1,%0,%2" : "+b"(b) : "r"(val), "r"(idx)        \
                         : "memory");                                         \
        show_dst(mn, idx, val, (int)(b - DMID));                              \
    } while (0)

#define LOADS_D(mn)                                                           \
    LD_D(mn, 0);                                                              \
    LD_D(mn, 4);                                                              \
    LD_D(mn, -4);                                                             \
    LD_D(mn, 124);                                                            \
    LD_D(mn, -128)
#define LOADS_DU(mn)                                                          \
    LD_DU(mn, 0);                                                             \
    LD_DU(mn, 8);                                                             \
    LD_DU(mn, -8)
#define LOADS_X(mn)                                                           \
    LD_X(mn, 0);                                                              \
    LD_X(mn, 12);                                                             \
    LD_X(mn, -16)
#define LOADS_XU(mn)                                                          \
    LD_XU(mn, 4);                                                             \
    LD_XU(mn, -20)

int main(void) {
    for (int i = 0; i < 256; i++) src[i] = (uint8_t)(i * 7 + 0x80);
    /* a few special values at known offsets */
    memcpy(src + 128 + 40, "\x80\x00\x7f\xff\xff\xff\x00\x01", 8);

    LOADS_D("lbz");
    LOADS_DU("lbzu");
    LOADS_X("lbzx");
    LOADS_XU("lbzux");
    LOADS_D("lhz");
    LOADS_DU("lhzu");
    LOADS_X("lhzx");
    LOADS_XU("lhzux");
    LOADS_D("lha");
    LOADS_DU("lhau");
    LOADS_X("lhax");
    LOADS_XU("lhaux");
    LOADS_D("lwz");
    LOADS_DU("lwzu");
    LOADS_X("lwzx");
    LOADS_XU("lwzux");
    LOADS_X("lhbrx");
    LOADS_X("lwbrx");
    /* sign extension */
    LD_D("lha", 40);
    LD_D("lha", 42);
    LD_D("lhz", 40);
    LD_D("lha", 44);
    LD_D("lha", 46);
    LD_X("lhax", 40);
    LD_X("lhax", 42);
    /* misaligned */
    LD_D("lhz", 1);
    LD_D("lha", 41);
    LD_D("lwz", 1);
    LD_D("lwz", 2);
    LD_D("lwz", 3);
    LD_X("lwbrx", 1);
    LD_X("lhbrx", 3);
    /* rA = 0 forms */
    LD_X0("lbzx", 5);
    LD_X0("lhzx", 6);
    LD_X0("lhax", 40);
    LD_X0("lwzx", 8);
    LD_X0("lwbrx", 8);
    LD_X0("lhbrx", 8);

    static const u32 vals[] = {0x11223344u, 0xffffffffu, 0x80007f01u};
    for (unsigned i = 0; i < NELEM(vals); i++) {
        u32 v = vals[i];
        ST_D("stb", 0, v);
        ST_D("stb", 3, v);
        ST_D("stb", -2, v);
        ST_DU("stbu", 1, v);
        ST_DU("stbu", -1, v);
        ST_X("stbx", 2, v);
        ST_XU("stbux", -3, v);
        ST_D("sth", 0, v);
        ST_D("sth", 2, v);
        ST_D("sth", -4, v);
        ST_D("sth", 1, v); /* misaligned */
        ST_DU("sthu", 2, v);
        ST_DU("sthu", -2, v);
        ST_X("sthx", 4, v);
        ST_XU("sthux", -6, v);
        ST_D("stw", 0, v);
        ST_D("stw", 4, v);
        ST_D("stw", -8, v);
        ST_D("stw", 3, v); /* misaligned */
        ST_DU("stwu", 4, v);
        ST_DU("stwu", -4, v);
        ST_X("stwx", -4, v);
        ST_XU("stwux", 4, v);
        ST_X("sthbrx", 0, v);
        ST_X("sthbrx", 5, v);
        ST_X("stwbrx", 0, v);
        ST_X("stwbrx", -3, v);
    }
    /* rA = 0 store */
    reset_dst();
    __asm__ volatile("li 0,0x40\n\tstwx %0,0,%1" ::"r"(0xcafef00du), "r"(DMID)
                     : "r0", "memory");
    show_dst("stwx0", 0, 0xcafef00du, 9999);

    /* lmw / stmw: r25..r31 */
    {
        u32 out[8] = {0};
        __asm__ volatile("lmw 25,0(%0)\n\t"
                         "stw 25,0(%1)\n\tstw 26,4(%1)\n\tstw 27,8(%1)\n\t"
                         "stw 28,12(%1)\n\tstw 29,16(%1)\n\tstw 30,20(%1)\n\t"
                         "stw 31,24(%1)"
                         :
                         : "b"(src + 64), "b"(out)
                         : "r25", "r26", "r27", "r28", "r29", "r30", "r31",
                           "memory");
        printf("lmw 25:");
        for (int i = 0; i < 7; i++) printf(" %08x", out[i]);
        printf("\n");
        __asm__ volatile("lmw 30,-8(%0)\n\t"
                         "stw 30,0(%1)\n\tstw 31,4(%1)"
                         :
                         : "b"(src + 72), "b"(out)
                         : "r30", "r31", "memory");
        printf("lmw 30,-8: %08x %08x\n", out[0], out[1]);
        __asm__ volatile("lmw 31,4(%0)\n\t"
                         "stw 31,0(%1)"
                         :
                         : "b"(src), "b"(out)
                         : "r31", "memory");
        printf("lmw 31,4: %08x\n", out[0]);
        reset_dst();
        __asm__ volatile("lis 26,0x0102\n\tori 26,26,0x0304\n\t"
                         "lis 27,0x1112\n\tori 27,27,0x1314\n\t"
                         "lis 28,0x2122\n\tori 28,28,0x2324\n\t"
                         "lis 29,0x3132\n\tori 29,29,0x3334\n\t"
                         "lis 30,0x4142\n\tori 30,30,0x4344\n\t"
                         "lis 31,0x5152\n\tori 31,31,0x5354\n\t"
                         "stmw 28,-8(%0)"
                         :
                         : "b"(DMID)
                         : "r26", "r27", "r28", "r29", "r30", "r31", "memory");
        printf("stmw 28,-8:");
        for (int i = 16; i < 48; i++) printf(" %02x", dst[i]);
        printf("\n");
    }
    /* byte order of a stored word and halfword */
    {
        union {
            u32 w;
            uint8_t b[4];
        } u;
        u.w = 0x01020304u;
        printf("big-endian word bytes: %02x %02x %02x %02x\n", u.b[0], u.b[1],
               u.b[2], u.b[3]);
    }
    return 0;
}
