/*
 * Load/store string instructions: lswi lswx stswi stswx.
 *
 * These are the "Move Assist" instructions.  They exist on classic 32-bit
 * PowerPC but NOT on e500mc (binutils rejects them for -me500mc and
 * qemu-ppc -cpu e500mc raises SIGILL), so this program runs under qemu's
 * default 32-bit CPU (manifest: cpu "-").
 *
 * Covered: NB = 1..8, 12, 31 and 32 (encoded NB=0) for lswi/stswi, partial
 * last register (low bytes zero-filled), register wrap-around r31 -> r0,
 * XER[25:31] byte counts 0, 1, 3, 4, 5, 7, 8, 13, 127 for lswx/stswx
 * (count 0: lswx leaves RT undefined -> printed after ~undef, stswx stores
 * nothing), lswx with rA = 0, and XER[SO,OV,CA] untouched.
 */
#include "isa.h"

static uint8_t src[192] __attribute__((aligned(64)));
static uint8_t dst[192] __attribute__((aligned(64)));

#define FILL8                                                                 \
    "lis 5,0x5555\n\tori 5,5,0x5505\n\t"                                      \
    "lis 6,0x5555\n\tori 6,6,0x5506\n\t"                                      \
    "lis 7,0x5555\n\tori 7,7,0x5507\n\t"                                      \
    "lis 8,0x5555\n\tori 8,8,0x5508\n\t"                                      \
    "lis 9,0x5555\n\tori 9,9,0x5509\n\t"                                      \
    "lis 10,0x5555\n\tori 10,10,0x550a\n\t"                                   \
    "lis 11,0x5555\n\tori 11,11,0x550b\n\t"                                   \
    "lis 12,0x5555\n\tori 12,12,0x550c\n\t"
#define SAVE8                                                                 \
    "stw 5,0(%[out])\n\tstw 6,4(%[out])\n\tstw 7,8(%[out])\n\t"               \
    "stw 8,12(%[out])\n\tstw 9,16(%[out])\n\tstw 10,20(%[out])\n\t"           \
    "stw 11,24(%[out])\n\tstw 12,28(%[out])\n\t"
#define CLOB_STR                                                              \
    "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", CLOB_ALL

static void show_regs(const char *what, const u32 *r, u32 xer, int n_undef) {
    printf("%-16s", what);
    for (int i = 0; i < 8; i++)
        if (i < n_undef)
            printf(" ????????");
        else
            printf(" %08x", r[i]);
    printf(" xer=%08x", xer);
    if (n_undef) printf(" ~undef: r5=%08x", r[0]);
    printf("\n");
}

#define LSWI(nb)                                                              \
    do {                                                                      \
        u32 out[8], xr;                                                       \
        __asm__ volatile(FILL8 "mtxer %[xi]\n\t"                              \
                               "mr 3,%[s]\n\t"                                \
                               "lswi 5,3," #nb "\n\t" SAVE8 "mfxer %[x]"      \
                         : [x] "=&r"(xr)                                      \
                         : [s] "b"(src + 3), [out] "b"(out),                  \
                           [xi] "r"(0xe0000000u)                              \
                         : CLOB_STR);                                         \
        show_regs("lswi nb=" #nb, out, xr, 0);                                \
    } while (0)

#define LSWX(cnt, off, ra0)                                                   \
    do {                                                                      \
        u32 out[8], xr;                                                       \
        __asm__ volatile(FILL8 "mtxer %[xi]\n\t"                              \
                               "mr 3,%[s]\n\t"                                \
                               "li 4,%[o]\n\t"                                \
                               "lswx 5,3,4\n\t" SAVE8 "mfxer %[x]"            \
                         : [x] "=&r"(xr)                                      \
                         : [s] "b"(src), [out] "b"(out), [o] "n"(off),        \
                           [xi] "r"((cnt) | 0x20000000u)                      \
                         : CLOB_STR);                                         \
        show_regs("lswx n=" #cnt " +" #off, out, xr, (cnt) == 0);             \
    } while (0)

/* lswx with rA = 0: EA = (rB) */
#define LSWX0(cnt)                                                            \
    do {                                                                      \
        u32 out[8], xr;                                                       \
        __asm__ volatile(FILL8 "mtxer %[xi]\n\t"                              \
                               "mr 4,%[s]\n\t"                                \
                               "lswx 5,0,4\n\t" SAVE8 "mfxer %[x]"            \
                         : [x] "=&r"(xr)                                      \
                         : [s] "b"(src + 17), [out] "b"(out),                 \
                           [xi] "r"((u32)(cnt))                               \
                         : CLOB_STR);                                         \
        show_regs("lswx rA=0 n=" #cnt, out, xr, (cnt) == 0);                  \
    } while (0)

static void show_dst(const char *what, u32 xr) {
    printf("%-16s", what);
    for (int i = 0; i < 40; i++) printf("%s%02x", i % 4 ? "" : " ", dst[i]);
    printf(" xer=%08x\n", xr);
}

#define STSWI(nb)                                                             \
    do {                                                                      \
        u32 xr;                                                               \
        memset(dst, 0xee, sizeof dst);                                        \
        __asm__ volatile(FILL8 "mtxer %[xi]\n\t"                              \
                               "mr 3,%[d]\n\t"                                \
                               "stswi 5,3," #nb "\n\t"                        \
                               "mfxer %[x]"                                   \
                         : [x] "=&r"(xr)                                      \
                         : [d] "b"(dst + 1), [xi] "r"(0x40000000u)            \
                         : CLOB_STR);                                         \
        show_dst("stswi nb=" #nb, xr);                                        \
    } while (0)

#define STSWX(cnt, off)                                                       \
    do {                                                                      \
        u32 xr;                                                               \
        memset(dst, 0xee, sizeof dst);                                        \
        __asm__ volatile(FILL8 "mtxer %[xi]\n\t"                              \
                               "mr 3,%[d]\n\t"                                \
                               "li 4,%[o]\n\t"                                \
                               "stswx 5,3,4\n\t"                              \
                               "mfxer %[x]"                                   \
                         : [x] "=&r"(xr)                                      \
                         : [d] "b"(dst), [o] "n"(off),                        \
                           [xi] "r"((u32)(cnt))                               \
                         : CLOB_STR);                                         \
        char what_[32];                                                       \
        snprintf(what_, sizeof what_, "stswx x=%x +%d", (u32)(cnt), off);     \
        show_dst(what_, xr);                                                  \
    } while (0)

int main(void) {
    for (unsigned i = 0; i < sizeof src; i++) src[i] = (uint8_t)(0x10 + i);

    LSWI(1);
    LSWI(2);
    LSWI(3);
    LSWI(4);
    LSWI(5);
    LSWI(6);
    LSWI(7);
    LSWI(8);
    LSWI(12);
    LSWI(31);
    LSWI(0); /* NB=0 means 32 bytes: r5..r12 */

    LSWX(0, 0, 0);
    LSWX(1, 0, 0);
    LSWX(3, 5, 0);
    LSWX(4, 8, 0);
    LSWX(5, 2, 0);
    LSWX(7, 1, 0);
    LSWX(8, 0, 0);
    LSWX(13, 3, 0);
    LSWX(32, 4, 0);
    LSWX0(0);
    LSWX0(6);
    LSWX0(11);

    /* wrap-around: lswi 30,rA,12 loads r30, r31, r0 */
    {
        u32 out[3];
        __asm__ volatile("mr 3,%[s]\n\t"
                         "lswi 30,3,11\n\t"
                         "stw 30,0(%[out])\n\tstw 31,4(%[out])\n\t"
                         "stw 0,8(%[out])"
                         :
                         : [s] "b"(src + 40), [out] "b"(out)
                         : "r0", "r3", "r30", "r31", "memory");
        printf("lswi wrap r30,r31,r0: %08x %08x %08x\n", out[0], out[1],
               out[2]);
        memset(dst, 0xee, sizeof dst);
        __asm__ volatile("lis 31,0x7172\n\tori 31,31,0x7374\n\t"
                         "lis 0,0x0a0b\n\tori 0,0,0x0c0d\n\t"
                         "mr 3,%[d]\n\t"
                         "stswi 31,3,7"
                         :
                         : [d] "b"(dst)
                         : "r0", "r3", "r31", "memory");
        show_dst("stswi wrap r31", 0);
    }

    STSWI(1);
    STSWI(2);
    STSWI(3);
    STSWI(4);
    STSWI(5);
    STSWI(9);
    STSWI(31);
    STSWI(0);
    STSWX(0, 0);
    STSWX(1, 0);
    STSWX(3, 2);
    STSWX(4, 4);
    STSWX(6, 1);
    STSWX(8, 0);
    STSWX(13, 3);
    STSWX(32, 0);
    STSWX(0xe0000005u, 0);
    return 0;
}
