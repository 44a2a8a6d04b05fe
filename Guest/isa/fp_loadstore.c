/*
 * Floating-point loads and stores, and fmr (the FP arithmetic is tested in
 * Guest/isa/fpu by someone else).
 *   lfs lfsu lfsx lfsux  lfd lfdu lfdx lfdux
 *   stfs stfsu stfsx stfsux  stfd stfdu stfdx stfdux  stfiwx  fmr fmr.
 * lfs converts single -> double exactly (denormal singles become normal
 * doubles; SNaN stays signalling: no quieting, no FPSCR change).  stfs
 * converts double -> single by the ISA bit-selection rules (truncation, no
 * rounding; denormalisation by shifting; out-of-range exponents are NOT
 * turned into infinities).  FPSCR is printed to show loads/stores never
 * change it.  fmr. copies FPSCR[FX,FEX,VX,OX] to CR1.
 * No glibc fenv calls: mffs/mtfsf/mtfsb1 inline only.
 */
#include "isa.h"

typedef unsigned long long u64;

static u32 sbuf[64] __attribute__((aligned(64)));
static u64 dbuf[32] __attribute__((aligned(64)));

static void clear_fpscr(void) {
    double z = 0.0;
    __asm__ volatile("mtfsf 0xff,%0" ::"f"(z));
}

/* lfs from sbuf[i], then stfd the register to get the double image */
static u64 lfs_bits(int i) {
    u64 out;
    double t;
    __asm__ volatile("lfs %[t],0(%[s])\n\tstfd %[t],0(%[o])"
                     : [t] "=&f"(t)
                     : [s] "b"(&sbuf[i]), [o] "b"(&out)
                     : "memory");
    return out;
}

/* lfd a raw double image, stfs it, return the single image */
static u32 stfs_bits(u64 d) {
    u32 out;
    double t;
    __asm__ volatile("lfd %[t],0(%[s])\n\tstfs %[t],0(%[o])"
                     : [t] "=&f"(t)
                     : [s] "b"(&d), [o] "b"(&out)
                     : "memory");
    return out;
}

int main(void) {
    clear_fpscr();
    printf("fpscr at start=%08x\n", read_fpscr());

    static const u32 singles[] = {
        0x00000000u, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x00000001u,
        0x80000001u, 0x007fffffu, 0x00400000u, 0x80400000u, 0x00800000u,
        0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u,
        0xffc00001u, 0x7f800001u, 0x7fbfffffu, 0xff800001u, 0x3eaaaaabu,
        0x4b800001u, 0x34000000u};
    for (unsigned i = 0; i < NELEM(singles); i++) {
        sbuf[i] = singles[i];
        u64 d = lfs_bits(i);
        u32 back = stfs_bits(d);
        printf("lfs %08x -> %016llx -> stfs %08x fpscr=%08x\n", singles[i], d,
               back, read_fpscr());
    }

    static const u64 doubles[] = {
        0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull,
        0x3ff0000000000001ull, /* low bits truncated by stfs */
        0x3ff00000efffffffull, 0x3fefffffffffffffull, /* 0.999.. truncates */
        0x47efffffe0000000ull, /* FLT_MAX */
        0x47effffff0000000ull, /* just above FLT_MAX: truncates, no inf */
        0x47f0000000000000ull, /* 2^128: out of single range */
        0x7e37e43c8800759cull, /* 1e300 */
        0x3810000000000000ull, /* 2^-126 smallest normal single */
        0x380fffffffffffffull, /* just below: denormalised */
        0x3800000000000000ull, /* 2^-127 */
        0x36a0000000000000ull, /* 2^-149 smallest denormal single */
        0x3690000000000000ull, /* 2^-150: shifts out */
        0x0000000000000001ull, /* double denormal */
        0x8010000000000000ull, /* -DBL_MIN */
        0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull,
        0x7ff0000000000001ull, /* SNaN, payload only in low bits */
        0x7ff4000000000000ull, /* SNaN with high payload */
        0xfff8000012345678ull, 0x7fffffffffffffffull,
        0x400921fb54442d18ull, /* pi */
        0xc1e0000000000000ull, /* -2^31 */
    };
    for (unsigned i = 0; i < NELEM(doubles); i++) {
        u32 s = stfs_bits(doubles[i]);
        unsigned exp = (doubles[i] >> 52) & 0x7ff;
        /* ISA: exponents below 874 (other than +-0) give an undefined word */
        if (exp < 874 && (doubles[i] << 1) != 0)
            printf("stfs %016llx -> ???????? fpscr=%08x ~undef: %08x\n",
                   doubles[i], read_fpscr(), s);
        else
            printf("stfs %016llx -> %08x fpscr=%08x\n", doubles[i], s,
                   read_fpscr());
    }

    /* lfd/stfd are bit-exact copies; all addressing forms */
    for (unsigned i = 0; i < NELEM(doubles) && i < 32; i++) dbuf[i] = doubles[i];
    for (int i = 0; i < 8; i++) {
        u64 o[4];
        double t0, t1, t2, t3;
        u64 *b1 = &dbuf[i + 1], *b3 = &dbuf[i + 3];
        u64 *ob1 = &o[0], *ob3 = &o[0];
        __asm__ volatile("lfd %[t0],0(%[s])\n\t"
                         "lfdu %[t1],8(%[b1])\n\t"
                         "lfdx %[t2],%[s],%[x]\n\t"
                         "lfdux %[t3],%[b3],%[x]\n\t"
                         "stfd %[t0],0(%[o])\n\t"
                         "stfdu %[t1],8(%[ob1])\n\t"
                         "stfdx %[t2],%[o],%[y]\n\t"
                         "stfdux %[t3],%[ob3],%[z]"
                         : [t0] "=&f"(t0), [t1] "=&f"(t1), [t2] "=&f"(t2),
                           [t3] "=&f"(t3), [b1] "+b"(b1), [b3] "+b"(b3),
                           [ob1] "+b"(ob1), [ob3] "+b"(ob3)
                         : [s] "b"(&dbuf[i]), [x] "r"(16), [o] "b"(o),
                           [y] "r"(16), [z] "r"(24)
                         : "memory");
        printf("lfd/u/x/ux %d: %016llx %016llx %016llx %016llx  upd=%d,%d,%d,%d\n",
               i, o[0], o[1], o[2], o[3], (int)(b1 - &dbuf[i]),
               (int)(b3 - &dbuf[i]), (int)(ob1 - o), (int)(ob3 - o));
    }
    for (int i = 0; i < 6; i++) {
        u32 o[4];
        double t0, t1, t2, t3;
        u32 *b1 = &sbuf[i + 1], *b3 = &sbuf[i + 3];
        u32 *ob1 = &o[0], *ob3 = &o[0];
        __asm__ volatile("lfs %[t0],0(%[s])\n\t"
                         "lfsu %[t1],4(%[b1])\n\t"
                         "lfsx %[t2],%[s],%[x]\n\t"
                         "lfsux %[t3],%[b3],%[x]\n\t"
                         "stfs %[t0],0(%[o])\n\t"
                         "stfsu %[t1],4(%[ob1])\n\t"
                         "stfsx %[t2],%[o],%[y]\n\t"
                         "stfsux %[t3],%[ob3],%[z]"
                         : [t0] "=&f"(t0), [t1] "=&f"(t1), [t2] "=&f"(t2),
                           [t3] "=&f"(t3), [b1] "+b"(b1), [b3] "+b"(b3),
                           [ob1] "+b"(ob1), [ob3] "+b"(ob3)
                         : [s] "b"(&sbuf[i]), [x] "r"(8), [o] "b"(o),
                           [y] "r"(8), [z] "r"(12)
                         : "memory");
        printf("lfs/u/x/ux %d: %08x %08x %08x %08x  upd=%d,%d,%d,%d\n", i,
               o[0], o[1], o[2], o[3], (int)(b1 - &sbuf[i]),
               (int)(b3 - &sbuf[i]), (int)(ob1 - o), (int)(ob3 - o));
    }

    /* stfiwx stores the low word of the FPR image */
    for (unsigned i = 0; i < 6; i++) {
        u32 o = 0xeeeeeeeeu;
        double t;
        __asm__ volatile("lfd %[t],0(%[s])\n\tstfiwx %[t],0,%[o]"
                         : [t] "=&f"(t)
                         : [s] "b"(&doubles[i + 18]), [o] "r"(&o)
                         : "memory");
        printf("stfiwx %016llx -> %08x\n", doubles[i + 18], o);
    }
    {
        /* fctiwz result through stfiwx, the classic double->int idiom */
        double v = -1234.75, t;
        u32 o;
        __asm__ volatile("fctiwz %[t],%[v]\n\tstfiwx %[t],0,%[o]"
                         : [t] "=&f"(t)
                         : [v] "f"(v), [o] "r"(&o)
                         : "memory");
        printf("fctiwz(-1234.75) via stfiwx -> %08x\n", o);
    }

    /* fmr and fmr. (CR1 <- FPSCR[FX,FEX,VX,OX]) */
    for (unsigned i = 0; i < NELEM(doubles); i += 5) {
        u64 out;
        u32 cr;
        double a, b;
        clear_fpscr();
        __asm__ volatile("lfd %[a],0(%[s])\n\t"
                         "mtcrf 0xff,%[ci]\n\t"
                         "fmr %[b],%[a]\n\t"
                         "stfd %[b],0(%[o])\n\t"
                         "mfcr %[c]"
                         : [a] "=&f"(a), [b] "=&f"(b), [c] "=&r"(cr)
                         : [s] "b"(&doubles[i]), [o] "b"(&out),
                           [ci] "r"(CR_INIT)
                         : "memory", CLOB_CR);
        printf("fmr  %016llx -> %016llx cr=%08x\n", doubles[i], out, cr);
    }
    {
        u32 cr0, cr1, fp;
        double a = 2.5, b;
        clear_fpscr();
        __asm__ volatile("mtcrf 0xff,%[ci]\n\tfmr. %[b],%[a]\n\tmfcr %[c]"
                         : [b] "=&f"(b), [c] "=&r"(cr0)
                         : [a] "f"(a), [ci] "r"(CR_INIT)
                         : CLOB_CR);
        /* FPSCR = FX|OX written with mtfsf (no enabled exceptions, so FEX
         * stays 0).  Not mtfsb1: whether mtfsb1 of an exception bit also
         * sets FX is where qemu and the ISA text may disagree, and the FPSCR
         * semantics belong to the fpu tests. */
        union {
            double d;
            u64 u;
        } m = {.u = 0x90000000ull};
        __asm__ volatile("mtfsf 0xff,%[m]\n\t"
                         "mtcrf 0xff,%[ci]\n\tfmr. %[b],%[a]\n\tmfcr %[c]"
                         : [b] "=&f"(b), [c] "=&r"(cr1)
                         : [a] "f"(a), [ci] "r"(CR_INIT), [m] "f"(m.d)
                         : CLOB_CR);
        fp = read_fpscr();
        printf("fmr. clean fpscr: cr=%08x; fpscr=FX|OX: cr=%08x fpscr=%08x\n",
               cr0, cr1, fp);
        clear_fpscr();
    }
    printf("fpscr at end=%08x\n", read_fpscr());
    return 0;
}
