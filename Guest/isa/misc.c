/*
 * Miscellaneous user-level instructions (e500mc; run with -cpu e500mc):
 *   isel (every BC position class, rA=0 meaning literal 0, CR true/false)
 *   mftb / mftbu and mfspr 268/269 (only monotonicity is printed)
 *   mtspr/mfspr of LR (8), CTR (9), XER (1) and the extended mnemonics
 *   (XER only with SO/OV/CA: e500mc has no string instructions, so whether
 *   it keeps the XER byte count is left to the string program)
 *   tw / twi for all 32 TO values with operands that do not satisfy any
 *   selected condition: a trap that is not taken must do nothing.
 *   (A taken trap is the bad_trap program.)
 */
#include "isa.h"

#define ISEL(bc, a_, b_, crv)                                                 \
    do {                                                                      \
        u32 rt, rt0;                                                          \
        __asm__ volatile("mtcrf 0xff,%[c]\n\t"                                \
                         "isel %[o],%[ra],%[rb]," #bc "\n\t"                  \
                         "li 0,0x77\n\t"                                      \
                         "isel %[o0],0,%[rb]," #bc                            \
                         : [o] "=&r"(rt), [o0] "=&r"(rt0)                     \
                         : [ra] "b"(a_), [rb] "r"(b_), [c] "r"(crv)           \
                         : "r0", CLOB_CR);                                    \
        printf("isel bc=%2d cr=%08x a=%08x b=%08x -> %08x  rA=0 -> %08x\n",   \
               bc, crv, a_, b_, rt, rt0);                                     \
    } while (0)

static inline unsigned long long read_tb(void) {
    u32 hi, lo, hi2;
    do {
        __asm__ volatile("mftbu %0\n\tmftb %1\n\tmftbu %2"
                         : "=r"(hi), "=r"(lo), "=r"(hi2));
    } while (hi != hi2);
    return ((unsigned long long)hi << 32) | lo;
}

static inline unsigned long long read_tb_spr(void) {
    u32 hi, lo, hi2;
    do {
        __asm__ volatile("mfspr %0,269\n\tmfspr %1,268\n\tmfspr %2,269"
                         : "=r"(hi), "=r"(lo), "=r"(hi2));
    } while (hi != hi2);
    return ((unsigned long long)hi << 32) | lo;
}

#define TWCASE(to)                                                            \
    case to:                                                                  \
        __asm__ volatile("tw " #to ",%0,%1" ::"r"(a), "r"(b));                \
        break;
#define TWICASE(to)                                                           \
    case to:                                                                  \
        __asm__ volatile("twi " #to ",%0,-5\n\ttwi " #to ",%1,100" ::"r"(a),  \
                         "r"(b));                                             \
        break;
#define ALL32(M)                                                              \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) \
    M(14) M(15) M(16) M(17) M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25)   \
    M(26) M(27) M(28) M(29) M(30) M(31)

static void tw_run(int to, u32 a, u32 b) {
    switch (to) { ALL32(TWCASE) }
}
/* twi with immediates -5 (against a) and 100 (against b) */
static void twi_run(int to, u32 a, u32 b) {
    switch (to) { ALL32(TWICASE) }
}

/* Would "tw TO,a,b" trap? (TO bits: 16 lt, 8 gt, 4 eq, 2 ltu, 1 gtu) */
static int traps(int to, u32 a, u32 b) {
    return ((to & 16) && (s32)a < (s32)b) || ((to & 8) && (s32)a > (s32)b) ||
           ((to & 4) && a == b) || ((to & 2) && a < b) || ((to & 1) && a > b);
}

int main(void) {
    static const u32 crs[] = {0x00000000u, 0xffffffffu, 0xa0000005u,
                              0x00008001u};
    for (unsigned i = 0; i < NELEM(crs); i++) {
        u32 c = crs[i];
        ISEL(0, 0x11111111u, 0x22222222u, c);
        ISEL(2, 0x11111111u, 0x22222222u, c);
        ISEL(16, 0x11111111u, 0x22222222u, c);
        ISEL(29, 0x11111111u, 0x22222222u, c);
        ISEL(31, 0x11111111u, 0x22222222u, c);
        ISEL(31, 0xffffffffu, 0x00000000u, c);
    }
    /* isel with rT == rB and rT == rA */
    {
        u32 r = 5;
        __asm__ volatile("crset 4\n\tisel %0,%1,%0,4" : "+r"(r) : "b"(9u) : "cr1");
        printf("isel rt=rb (true) -> %u\n", r);
        r = 5;
        __asm__ volatile("crclr 4\n\tisel %0,%0,%1,4" : "+b"(r) : "r"(9u) : "cr1");
        printf("isel rt=ra (false) -> %u\n", r);
    }

    /* time base */
    {
        unsigned long long t0 = read_tb(), t1, t2;
        int mono = 1;
        unsigned long long prev = t0;
        for (int k = 0; k < 1000; k++) {
            unsigned long long t = (k & 1) ? read_tb() : read_tb_spr();
            if (t < prev) mono = 0;
            prev = t;
        }
        volatile u32 sink = 0;
        for (int k = 0; k < 200000; k++) sink += k;
        t1 = read_tb();
        t2 = read_tb_spr();
        printf("timebase non-decreasing over 1000 reads: %s\n",
               mono ? "yes" : "NO");
        printf("timebase advanced across a busy loop: %s\n",
               t1 > t0 ? "yes" : "NO");
        printf("mfspr 268/269 agrees in order with mftb: %s\n",
               t2 >= t1 ? "yes" : "NO");
    }

    /* LR / CTR / XER via mtspr/mfspr and extended mnemonics */
    {
        static const u32 vals[] = {0x00000000u, 0xffffffffu, 0x12345678u,
                                   0x80000001u};
        for (unsigned i = 0; i < NELEM(vals); i++) {
            u32 v = vals[i], lr, ctr, lr2, ctr2;
            __asm__ volatile("mtspr 8,%[v]\n\t"
                             "mfspr %[a],8\n\t"
                             "mtspr 9,%[v]\n\t"
                             "mfspr %[b],9\n\t"
                             "mtlr %[v]\n\t"
                             "mflr %[c]\n\t"
                             "mtctr %[v]\n\t"
                             "mfctr %[d]"
                             : [a] "=&r"(lr), [b] "=&r"(ctr), [c] "=&r"(lr2),
                               [d] "=&r"(ctr2)
                             : [v] "r"(v)
                             : "lr", "ctr");
            printf("spr v=%08x lr=%08x ctr=%08x mflr=%08x mfctr=%08x\n", v, lr,
                   ctr, lr2, ctr2);
        }
        static const u32 xv[] = {0x00000000u, 0x20000000u, 0x40000000u,
                                 0x80000000u, 0xe0000000u, 0xa0000000u};
        for (unsigned i = 0; i < NELEM(xv); i++) {
            u32 x1, x2;
            __asm__ volatile("mtspr 1,%[v]\n\t"
                             "mfspr %[a],1\n\t"
                             "li %[b],0\n\t"
                             "mtxer %[b]\n\t"
                             "mtxer %[v]\n\t"
                             "mfxer %[b]"
                             : [a] "=&r"(x1), [b] "=&r"(x2)
                             : [v] "r"(xv[i])
                             : "xer");
            printf("xer write %08x -> mfspr 1 %08x, mfxer %08x\n", xv[i], x1,
                   x2);
        }
    }

    /* tw / twi that must not trap */
    {
        static const u32 pairs[][2] = {{0, 0},          {1, 2},
                                       {2, 1},          {0xffffffffu, 1},
                                       {1, 0xffffffffu}, {0x80000000u, 0x7fffffffu},
                                       {5, 5}};
        for (unsigned p = 0; p < NELEM(pairs); p++) {
            u32 a = pairs[p][0], b = pairs[p][1];
            printf("tw  a=%08x b=%08x: not-trapping TO values:", a, b);
            for (int to = 0; to < 32; to++)
                if (!traps(to, a, b)) {
                    tw_run(to, a, b);
                    printf(" %d", to);
                }
            printf("\n");
            printf("twi a=%08x,-5 b=%08x,100: not-trapping TO values:", a, b);
            for (int to = 0; to < 32; to++)
                if (!traps(to, a, (u32)-5) && !traps(to, b, 100)) {
                    twi_run(to, a, b);
                    printf(" %d", to);
                }
            printf("\n");
        }
    }
    printf("done\n");
    return 0;
}
