/*
 * FPU behaviour generator for Trapeze's floating-point unit.
 *
 * Runs every classic-FPU instruction Trapeze emulates on edge-case and random
 * operands, in all four rounding modes and with various FPSCR states, and
 * prints one line per case:
 *
 *   OP FPSCR_IN A B C RESULT FPSCR_OUT SIG
 *
 * (hex; SIG is the SIGFPE si_code when an enabled FP exception trapped, else 0;
 * RESULT is 7ff4dead0000beef when the target FPR was left unwritten).
 * Build: powerpc-linux-gnu-gcc -static -O1 -mcpu=7400 -o fpugen gen.c
 * Run:   qemu-ppc -cpu 7400 ./fpugen [random-cases-per-op-and-mode [seed]] > expected.txt
 * (-cpu 7400 because qemu's default 750 model and e500mc lack fsqrt.)
 * The FPSCR is loaded with mtfsf before every operation and read with mffs.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

typedef uint64_t u64;
typedef uint32_t u32;

#define SENTINEL 0x7ff4dead0000beefULL

/* io[0]=A (f2) io[1]=B (f3) io[2]=C (f4) io[3]=sentinel (f1) io[4]=FPSCR in (f0)
   io[5]=result io[6]=FPSCR out io[7]=CR out */
static u64 io[8] __attribute__((aligned(16)));
static volatile int got_sig;

static void on_sigfpe(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    (void)sig;
    got_sig = si->si_code ? si->si_code : 99;
    /* The interrupt is precise at the FP instruction: skip it. */
    uc->uc_mcontext.uc_regs->gregs[32] += 4;
}

#define PRE "lfd 2,0(%0)\n\tlfd 3,8(%0)\n\tlfd 4,16(%0)\n\tlfd 1,24(%0)\n\tlfd 0,32(%0)\n\tmtfsf 0xff,0\n\t"
#define POST "\n\tmffs 0\n\tstfd 1,40(%0)\n\tstfd 0,48(%0)\n\t"
#define CLOB "fr0", "fr1", "fr2", "fr3", "fr4", "memory"

#define DEFOP(name, insn) \
    static void op_##name(void) { asm volatile(PRE insn POST :: "b"(io) : CLOB); }

DEFOP(fadd, "fadd 1,2,3")
DEFOP(fadds, "fadds 1,2,3")
DEFOP(fsub, "fsub 1,2,3")
DEFOP(fsubs, "fsubs 1,2,3")
DEFOP(fmul, "fmul 1,2,4")
DEFOP(fmuls, "fmuls 1,2,4")
DEFOP(fdiv, "fdiv 1,2,3")
DEFOP(fdivs, "fdivs 1,2,3")
DEFOP(fsqrt, "fsqrt 1,3")
DEFOP(fsqrts, "fsqrts 1,3")
DEFOP(fmadd, "fmadd 1,2,4,3")
DEFOP(fmadds, "fmadds 1,2,4,3")
DEFOP(fmsub, "fmsub 1,2,4,3")
DEFOP(fmsubs, "fmsubs 1,2,4,3")
DEFOP(fnmadd, "fnmadd 1,2,4,3")
DEFOP(fnmadds, "fnmadds 1,2,4,3")
DEFOP(fnmsub, "fnmsub 1,2,4,3")
DEFOP(fnmsubs, "fnmsubs 1,2,4,3")
DEFOP(fres, "fres 1,3")
DEFOP(frsqrte, "frsqrte 1,3")
DEFOP(frsp, "frsp 1,3")
DEFOP(fctiw, "fctiw 1,3")
DEFOP(fctiwz, "fctiwz 1,3")
DEFOP(fsel, "fsel 1,2,4,3")
DEFOP(fabs, "fabs 1,3")
DEFOP(fnabs, "fnabs 1,3")
DEFOP(fneg, "fneg 1,3")
DEFOP(fmr, "fmr 1,3")

/* Compares target CR2; mfcr is stored to io[7]'s high word. */
#define DEFCMP(name, insn)                                                   \
    static void op_##name(void)                                              \
    {                                                                        \
        asm volatile(PRE insn "\n\tmfcr 9\n\tstw 9,56(%0)" POST              \
                     :: "b"(io) : CLOB, "cr2", "r9");                        \
    }
DEFCMP(fcmpu, "fcmpu 2,2,3")
DEFCMP(fcmpo, "fcmpo 2,2,3")

/* Loads and stores. io[0] holds the memory word/doubleword. */
static void op_lfs(void)
{
    asm volatile("lfs 1,4(%0)\n\tstfd 1,40(%0)" :: "b"(io) : "fr1", "memory");
}
static void op_stfs(void)
{
    asm volatile("lfd 3,8(%0)\n\tstfs 3,44(%0)" :: "b"(io) : "fr3", "memory");
}
static void op_stfiwx(void)
{
    asm volatile("lfd 3,8(%0)\n\tli 9,44\n\tstfiwx 3,%0,9" :: "b"(io) : "fr3", "r9", "memory");
}

typedef void (*opfn)(void);
struct op {
    const char *name;
    opfn fn;
    int arity; /* 1: B only, 2: A,B (or A,C for fmul), 3: A,C,B */
    int usesC; /* fmul: second operand is C */
};

static const struct op ops[] = {
    {"fadd", op_fadd, 2, 0},       {"fadds", op_fadds, 2, 0},     {"fsub", op_fsub, 2, 0},
    {"fsubs", op_fsubs, 2, 0},     {"fmul", op_fmul, 2, 1},       {"fmuls", op_fmuls, 2, 1},
    {"fdiv", op_fdiv, 2, 0},       {"fdivs", op_fdivs, 2, 0},     {"fsqrt", op_fsqrt, 1, 0},
    {"fsqrts", op_fsqrts, 1, 0},   {"fmadd", op_fmadd, 3, 0},     {"fmadds", op_fmadds, 3, 0},
    {"fmsub", op_fmsub, 3, 0},     {"fmsubs", op_fmsubs, 3, 0},   {"fnmadd", op_fnmadd, 3, 0},
    {"fnmadds", op_fnmadds, 3, 0}, {"fnmsub", op_fnmsub, 3, 0},   {"fnmsubs", op_fnmsubs, 3, 0},
    {"fres", op_fres, 1, 0},       {"frsqrte", op_frsqrte, 1, 0}, {"frsp", op_frsp, 1, 0},
    {"fctiw", op_fctiw, 1, 0},     {"fctiwz", op_fctiwz, 1, 0},   {"fcmpu", op_fcmpu, 2, 0},
    {"fcmpo", op_fcmpo, 2, 0},     {"fsel", op_fsel, 3, 0},
};
#define NOPS (sizeof ops / sizeof ops[0])

static const struct op moves[] = {
    {"fabs", op_fabs, 1, 0}, {"fnabs", op_fnabs, 1, 0}, {"fneg", op_fneg, 1, 0}, {"fmr", op_fmr, 1, 0},
};

/* ---- FPSCR instructions: one function per immediate operand value ---- */

#define FPRE "lfd 0,32(%0)\n\tlfd 3,8(%0)\n\tmtfsf 0xff,0\n\t"
#define FPOST "\n\tmffs 0\n\tstfd 0,48(%0)\n\tmfcr 9\n\tstw 9,56(%0)"
#define FCLOB "fr0", "fr3", "memory", "cr1", "cr3", "r9"

#define DEFMTFSF(flm) \
    static void mtfsf_##flm(void) { asm volatile(FPRE "mtfsf " #flm ",3" FPOST :: "b"(io) : FCLOB); }
DEFMTFSF(0xff) DEFMTFSF(0x80) DEFMTFSF(0x40) DEFMTFSF(0x20) DEFMTFSF(0x10) DEFMTFSF(0x08)
DEFMTFSF(0x04) DEFMTFSF(0x02) DEFMTFSF(0x01) DEFMTFSF(0x7f) DEFMTFSF(0x81) DEFMTFSF(0x3c)
DEFMTFSF(0xc3) DEFMTFSF(0x00) DEFMTFSF(0xaa) DEFMTFSF(0x55)
static const struct { u32 flm; opfn fn; } mtfsf_tab[] = {
    {0xff, mtfsf_0xff}, {0x80, mtfsf_0x80}, {0x40, mtfsf_0x40}, {0x20, mtfsf_0x20},
    {0x10, mtfsf_0x10}, {0x08, mtfsf_0x08}, {0x04, mtfsf_0x04}, {0x02, mtfsf_0x02},
    {0x01, mtfsf_0x01}, {0x7f, mtfsf_0x7f}, {0x81, mtfsf_0x81}, {0x3c, mtfsf_0x3c},
    {0xc3, mtfsf_0xc3}, {0x00, mtfsf_0x00}, {0xaa, mtfsf_0xaa}, {0x55, mtfsf_0x55},
};

#define DEFMTFSFI(bf, imm) \
    static void mtfsfi_##bf##_##imm(void) { asm volatile(FPRE "mtfsfi " #bf "," #imm FPOST :: "b"(io) : FCLOB); }
#define MTFSFI16(bf, X) X(bf, 0) X(bf, 1) X(bf, 2) X(bf, 3) X(bf, 4) X(bf, 5) X(bf, 6) X(bf, 7) \
    X(bf, 8) X(bf, 9) X(bf, 10) X(bf, 11) X(bf, 12) X(bf, 13) X(bf, 14) X(bf, 15)
#define MTFSFIALL(X) MTFSFI16(0, X) MTFSFI16(1, X) MTFSFI16(2, X) MTFSFI16(3, X) \
    MTFSFI16(4, X) MTFSFI16(5, X) MTFSFI16(6, X) MTFSFI16(7, X)
MTFSFIALL(DEFMTFSFI)
#define REFMTFSFI(bf, imm) mtfsfi_##bf##_##imm,
static const opfn mtfsfi_tab[128] = {MTFSFIALL(REFMTFSFI)};

#define DEFB(n) \
    static void mtfsb0_##n(void) { asm volatile(FPRE "mtfsb0 " #n FPOST :: "b"(io) : FCLOB); } \
    static void mtfsb1_##n(void) { asm volatile(FPRE "mtfsb1 " #n FPOST :: "b"(io) : FCLOB); }
#define ALL32(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) \
    X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31)
ALL32(DEFB)
#define REFB0(n) mtfsb0_##n,
#define REFB1(n) mtfsb1_##n,
static const opfn mtfsb0_tab[32] = {ALL32(REFB0)};
static const opfn mtfsb1_tab[32] = {ALL32(REFB1)};

#define DEFMCRFS(n) \
    static void mcrfs_##n(void) { asm volatile(FPRE "mcrfs 3," #n FPOST :: "b"(io) : FCLOB); }
DEFMCRFS(0) DEFMCRFS(1) DEFMCRFS(2) DEFMCRFS(3) DEFMCRFS(4) DEFMCRFS(5) DEFMCRFS(6) DEFMCRFS(7)
static const opfn mcrfs_tab[8] = {mcrfs_0, mcrfs_1, mcrfs_2, mcrfs_3, mcrfs_4, mcrfs_5, mcrfs_6, mcrfs_7};

static void op_mffs(void)
{
    asm volatile(FPRE "mffs 1\n\tstfd 1,40(%0)" FPOST :: "b"(io) : FCLOB, "fr1");
}

/* ---- random numbers ---- */

static u64 rng_state = 0x9E3779B97F4A7C15ULL;
static u64 next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static u64 rnd_frac(void)
{
    u64 r = next() & 0xFFFFFFFFFFFFFULL;
    switch (next() % 10) {
    case 0: return 0;
    case 1: return 0xFFFFFFFFFFFFFULL;
    case 2: return r & ~((1ULL << 29) - 1); /* representable in single */
    case 3: return 1ULL << (next() % 52);
    case 4: return (r & ~((1ULL << 29) - 1)) | (1ULL << 28); /* single halfway */
    case 5: return 0xFFFFFFFFFFFFFULL & ~(1ULL << (next() % 52));
    case 6: return (r & ~((1ULL << 29) - 1)) | ((next() & 1) ? 1 : ((1ULL << 28) - 1));
    default: return r;
    }
}

static u64 rnd_double(void)
{
    u64 sign = (next() & 1) << 63;
    u64 e;
    switch (next() % 16) {
    case 0: e = 0; break;
    case 1: e = 1 + next() % 3; break;
    case 2: e = 2046 - next() % 3; break;
    case 3: e = 0x7FF; break;
    case 4: case 5: e = 896 + (next() % 60) - 30; break; /* single denormal range */
    case 6: e = 1150 + (next() % 8) - 4; break;            /* single overflow edge */
    case 7: case 8: case 9: case 10: case 11: e = 1023 + (next() % 41) - 20; break;
    case 12: e = 1054 + (next() % 4) - 2; break;           /* near 2^31 */
    default: e = next() % 2048; break;
    }
    return sign | (e << 52) | rnd_frac();
}

static void clear_fpscr(void)
{
    static const u64 zero = 0;
    asm volatile("lfd 0,0(%0)\n\tmtfsf 0xff,0" :: "b"(&zero) : "fr0");
}

static double asd(u64 u) { double d; memcpy(&d, &u, 8); return d; }
static u64 asu(double d) { u64 u; memcpy(&u, &d, 8); return u; }

#define FX 0x80000000u
#define OX 0x10000000u
#define UX 0x08000000u
#define ZX 0x04000000u
#define XX 0x02000000u
#define ALLVX 0x01F80700u
#define STICKY (FX | OX | UX | ZX | XX | ALLVX | 0x0007F000u) /* + FR FI FPRF */

/* A random FPSCR that mtfsf can load without trapping. */
static u32 rnd_fpscr(u32 rn)
{
    u32 f = rn, en, st;
    switch (next() % 8) {
    case 0: case 1: case 2: case 3: return f;
    case 4: case 5: return f | (u32)(next() & 0xF8);
    default:
        st = (u32)next() & STICKY;
        if (next() % 3 == 0) st &= ~ALLVX;
        en = (u32)next() & 0xF8;
        if (st & ALLVX) en &= ~0x80u;
        if (st & OX) en &= ~0x40u;
        if (st & UX) en &= ~0x20u;
        if (st & ZX) en &= ~0x10u;
        if (st & XX) en &= ~0x08u;
        return f | st | en | (next() % 16 == 0 ? 4 : 0);
    }
}

static void emit(const char *name, u32 fin, u64 a, u64 b, u64 c, u64 res)
{
    printf("%s %08x %016llx %016llx %016llx %016llx %08x %d\n", name, fin, (unsigned long long)a,
           (unsigned long long)b, (unsigned long long)c, (unsigned long long)res, (u32)io[6], got_sig);
}

/* Runs an arithmetic op: a = frA, b = frB, c = frC. */
static void run(const struct op *op, u32 fin, u64 a, u64 b, u64 c)
{
    io[0] = a; io[1] = b; io[2] = c; io[3] = SENTINEL; io[4] = fin; io[5] = 0; io[6] = 0; io[7] = 0;
    got_sig = 0;
    op->fn();
    u64 res = io[5];
    if (op->fn == op_fcmpu || op->fn == op_fcmpo) res = (io[7] >> 52) & 0xF; /* CR2 from the stw */
    emit(op->name, fin, a, b, c, res);
}

static const u64 edge[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, 0x3FF0000000000000ULL, 0xBFF0000000000000ULL,
    0x4000000000000000ULL, 0xC000000000000000ULL, 0x3FE0000000000000ULL, 0x3FF8000000000000ULL,
    0x4008000000000000ULL, 0xC008000000000000ULL, 0x3FF0000000000001ULL, 0x3FEFFFFFFFFFFFFFULL,
    0x0000000000000001ULL, 0x8000000000000001ULL, 0x000FFFFFFFFFFFFFULL, 0x0010000000000000ULL,
    0x8010000000000000ULL, 0x0010000000000001ULL, 0x7FEFFFFFFFFFFFFFULL, 0xFFEFFFFFFFFFFFFFULL,
    0x7FE0000000000000ULL, 0x0020000000000000ULL, 0x3CA0000000000000ULL, 0x3C90000000000000ULL,
    0x7FF0000000000000ULL, 0xFFF0000000000000ULL, 0x7FF8000000000000ULL, 0xFFF8000000000000ULL,
    0x7FF80000000ABCDEULL, 0x7FF0000000000001ULL, 0xFFF4000000000ABCULL, 0x7FF7FFFFFFFFFFFFULL,
    0x47EFFFFFE0000000ULL, 0x47EFFFFFF0000000ULL, 0x47EFFFFFEFFFFFFFULL, 0x4800000000000000ULL,
    0x3810000000000000ULL, 0x380FFFFFFFFFFFFFULL, 0x36A0000000000000ULL, 0x3690000000000000ULL,
    0x36A8000000000000ULL, 0x41E0000000000000ULL, 0x41DFFFFFFFC00000ULL, 0x41DFFFFFFFE00000ULL,
    0xC1E0000000000000ULL, 0xC1E0000000100000ULL, 0xC1E0000000200000ULL, 0x4004000000000000ULL,
    0xC004000000000000ULL, 0x4330000000000001ULL, 0x3FD5555555555555ULL, 0x3FF0000010000000ULL,
    0x3FF0000030000000ULL, 0x3FF0000008000000ULL, 0xBFE8000000000000ULL, 0x380FFFFFF0000000ULL,
    0x0008000000000000ULL, 0x7FDFFFFFFFFFFFFFULL,
};
#define NEDGE (sizeof edge / sizeof edge[0])

static const u64 edge3[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL, 0x3FF0000000000000ULL, 0xBFF0000000000000ULL,
    0x3FF0000000000001ULL, 0x0000000000000001ULL, 0x0010000000000000ULL, 0x7FEFFFFFFFFFFFFFULL,
    0x7FF0000000000000ULL, 0xFFF0000000000000ULL, 0x7FF8000000000123ULL, 0xFFF0000000000001ULL,
    0x47EFFFFFE0000000ULL, 0x3810000000000000ULL, 0x3CA0000000000000ULL, 0x3FF8000000000000ULL,
    0x36A0000000000000ULL, 0x4330000000000000ULL,
};
#define NEDGE3 (sizeof edge3 / sizeof edge3[0])

static void edge_tests(void)
{
    static const u32 extra[] = {0, 0xF8};
    for (unsigned o = 0; o < NOPS; o++) {
        const struct op *op = &ops[o];
        for (u32 rn = 0; rn < 4; rn++)
            for (unsigned x = 0; x < 2; x++) {
                u32 fin = rn | extra[x];
                if (op->fn == op_fsel && (rn || x)) continue;
                if (op->arity == 1) {
                    for (unsigned i = 0; i < NEDGE; i++) run(op, fin, 0, edge[i], 0);
                } else if (op->arity == 2) {
                    for (unsigned i = 0; i < NEDGE; i++)
                        for (unsigned j = 0; j < NEDGE; j++) {
                            if (op->usesC) run(op, fin, edge[i], 0, edge[j]);
                            else run(op, fin, edge[i], edge[j], 0);
                        }
                } else {
                    for (unsigned i = 0; i < NEDGE3; i++)
                        for (unsigned j = 0; j < NEDGE3; j++)
                            for (unsigned k = 0; k < NEDGE3; k++) run(op, fin, edge3[i], edge3[k], edge3[j]);
                }
            }
    }
}

/* Hand-picked cases for rare paths (re-bias wrap-around, exact boundaries). */
static u64 p2(int e) { return (u64)(e + 1023) << 52; } /* 2^e for normal e */
static void special_tests(void)
{
    const struct op *fmuls = &ops[5], *fmul = &ops[4], *fdivs = &ops[7], *fdiv = &ops[6], *frsp = &ops[20],
                    *fadds = &ops[1], *fmadds = &ops[11], *fres = &ops[18], *fsqrts = &ops[9];
    static const u32 en[] = {0, 0x20, 0x40, 0x60, 0x68, 0xF8};
    for (unsigned k = 0; k < sizeof en / sizeof en[0]; k++)
        for (u32 rn = 0; rn < 4; rn++) {
            u32 f = rn | en[k];
            for (int e = -170; e <= -140; e++) {
                run(fmuls, f, p2(e), 0, p2(-159));                  /* single exp 0 after UE re-bias */
                run(fmuls, f, p2(e) | 0x000FFFFFFFFFFFFFULL, 0, p2(-159));
                run(fmadds, f, p2(e), p2(-330), p2(-159));
            }
            run(fmuls, f, p2(1000), 0, p2(1000));
            run(fmuls, f, p2(-1000), 0, p2(-1000));
            run(fmuls, f, p2(-1022) | 1, 0, p2(-1022) | 5);
            run(fmul, f, 0x7FEFFFFFFFFFFFFFULL, 0, 0x7FEFFFFFFFFFFFFFULL);
            run(fmul, f, 1, 0, 1);
            run(fmul, f, 0x000FFFFFFFFFFFFFULL, 0, 0x3FEFFFFFFFFFFFFFULL);
            run(fdivs, f, p2(1000), p2(-1000), 0);
            run(fdivs, f, p2(-1000), p2(1000), 0);
            run(fdiv, f, 0x7FEFFFFFFFFFFFFFULL, 1, 0);
            run(fdiv, f, 1, 0x7FEFFFFFFFFFFFFFULL, 0);
            run(frsp, f, 0, 0x7E37E43C8800759CULL, 0); /* 1e300 */
            run(frsp, f, 0, 0x01A56E1FC2F8F359ULL, 0); /* 1e-300 */
            for (int e = -160; e <= -120; e++) {
                run(frsp, f, 0, p2(e) | 0x0000000010000000ULL, 0);
                run(frsp, f, 0, p2(e) | 0x000FFFFFF0000000ULL, 0);
                run(fres, f, 0, p2(-e) | 0x0000000FFFFFFFFFULL, 0);
            }
            for (int e = 125; e <= 130; e++) {
                run(frsp, f, 0, p2(e) | 0x000FFFFFF0000000ULL, 0);
                run(fadds, f, p2(e) | 0x000FFFFFE0000000ULL, p2(e - 25), 0);
                run(fres, f, 0, p2(-e) | 0x0000000000000001ULL, 0);
            }
            run(fadds, f, 0x3810000000000000ULL, 0xB6A0000000000000ULL, 0); /* FLT_MIN - denorm */
            run(fadds, f, 0x380FFFFFF0000000ULL, 0x3690000000000000ULL, 0);
            run(fsqrts, f, 0, 0x3FF0000020000001ULL, 0); /* (1+2^-24)^2 neighbourhood */
            run(fsqrts, f, 0, 0x3FF0000020000000ULL, 0);
            run(fsqrts, f, 0, 0x3FF000001FFFFFFFULL, 0);
        }
}

static void random_tests(int count)
{
    for (unsigned o = 0; o < NOPS; o++) {
        const struct op *op = &ops[o];
        for (u32 rn = 0; rn < 4; rn++)
            for (int n = 0; n < count; n++) {
                u32 fin = rnd_fpscr(rn);
                u64 a = rnd_double(), b = rnd_double(), c = rnd_double();
                int mode = (int)(next() % 8);
                if (op->arity == 2 && !op->usesC && mode == 0) {
                    /* near-cancellation: b close to -a or a */
                    b = (a ^ ((next() & 1) << 63)) ^ (next() % 4 == 0 ? 0 : (next() & 0xFFFF));
                } else if (op->arity == 2 && !op->usesC && mode == 1) {
                    /* same exponent, random fraction and sign */
                    b = ((a & 0xFFF0000000000000ULL) ^ (next() & 0x8000000000000000ULL)) |
                        (b & 0x000FFFFFFFFFFFFFULL);
                }
                if (op->arity == 3 && mode <= 1) {
                    /* b ~ -(a*c): massive cancellation in the fused ops */
                    clear_fpscr();
                    double p = asd(a) * asd(c);
                    b = asu(-p) ^ (mode == 0 ? 0 : (next() & 0x3FF));
                    if (next() & 1) b ^= 0x8000000000000000ULL;
                }
                if (op->arity == 1 && (op->fn == op_fsqrt || op->fn == op_fsqrts || op->fn == op_frsqrte) &&
                    mode <= 1) {
                    /* perfect squares and near squares */
                    clear_fpscr();
                    double r = asd(rnd_double() & 0x7FFFFFFFFFFFFFFFULL);
                    u64 sq = asu(r * r);
                    b = sq ^ (mode == 0 ? 0 : (next() & 3));
                }
                if (op->usesC) run(op, fin, a, 0, c);
                else run(op, fin, a, b, c);
            }
    }
    /* fmr/fabs/fnabs/fneg: bit operations, FPSCR untouched */
    for (unsigned m = 0; m < 4; m++)
        for (int n = 0; n < 200; n++) {
            u32 fin = rnd_fpscr((u32)(next() & 3));
            run(&moves[m], fin, 0, n < (int)NEDGE ? edge[n] : rnd_double(), 0);
        }
}

static void loadstore_tests(void)
{
    static const u32 e32[] = {0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x00800000, 0x3F800000, 0x7F7FFFFF,
                              0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFBFFFFF, 0x00400000,
                              0x00000100, 0x40000000, 0xC0000000, 0x3FFFFFFF, 0x7FFFFFFF, 0x807FFFFF};
    for (unsigned i = 0; i < sizeof e32 / sizeof e32[0] + 3000; i++) {
        u32 w = i < sizeof e32 / sizeof e32[0] ? e32[i] : (u32)next();
        if (i % 3 == 1) w = (w & 0x807FFFFF) | ((u32)(next() % 4) << 23); /* denormal-ish exponents */
        io[0] = (u64)w; io[5] = 0; got_sig = 0;
        op_lfs();
        printf("lfs %08x %016llx %016llx %016llx %016llx %08x %d\n", 0, (unsigned long long)w, 0ULL, 0ULL,
               (unsigned long long)io[5], 0, 0);
    }
    for (unsigned i = 0; i < NEDGE + 6000; i++) {
        u64 d = i < NEDGE ? edge[i] : rnd_double();
        if (i >= NEDGE && i % 2) d = (d & 0x800FFFFFFFFFFFFFULL) | ((u64)(860 + next() % 45) << 52);
        io[1] = d; io[5] = 0; got_sig = 0;
        op_stfs();
        printf("stfs %08x %016llx %016llx %016llx %016llx %08x %d\n", 0, 0ULL, (unsigned long long)d, 0ULL,
               (unsigned long long)(io[5] & 0xFFFFFFFFULL), 0, 0);
        op_stfiwx();
        printf("stfiwx %08x %016llx %016llx %016llx %016llx %08x %d\n", 0, 0ULL, (unsigned long long)d, 0ULL,
               (unsigned long long)(io[5] & 0xFFFFFFFFULL), 0, 0);
    }
}

/* FPSCR instructions: A = FPR value (mtfsf), B = immediate operand, RESULT = mffs/CR field. */
static void fpscr_run(const char *name, opfn fn, u32 fin, u64 value, u64 operand, int crResult)
{
    io[1] = value; io[4] = fin; io[5] = 0; io[6] = 0; io[7] = 0; got_sig = 0;
    fn();
    u64 res = crResult ? ((io[7] >> 48) & 0xF) : io[5];
    printf("%s %08x %016llx %016llx %016llx %016llx %08x %d\n", name, fin, (unsigned long long)value,
           (unsigned long long)operand, 0ULL, (unsigned long long)res, (u32)io[6], got_sig);
}

static void fpscr_tests(int count)
{
    for (int n = 0; n < count; n++) {
        u32 fin = rnd_fpscr((u32)(next() & 3));
        u64 value = next();
        if (n % 4 == 0) value &= ~0xFFull | 0x7;   /* fewer enables */
        unsigned t = (unsigned)(next() % 16);
        fpscr_run("mtfsf", mtfsf_tab[t].fn, fin, value, mtfsf_tab[t].flm, 0);
        unsigned k = (unsigned)(next() % 128);
        fpscr_run("mtfsfi", mtfsfi_tab[k], fin, 0, k, 0); /* operand = bf*16 + imm */
        unsigned bit = (unsigned)(next() % 32);
        fpscr_run("mtfsb0", mtfsb0_tab[bit], fin, 0, bit, 0);
        bit = (unsigned)(next() % 32);
        fpscr_run("mtfsb1", mtfsb1_tab[bit], fin, 0, bit, 0);
        unsigned f = (unsigned)(next() % 8);
        fpscr_run("mcrfs", mcrfs_tab[f], fin, 0, f, 1);
        fpscr_run("mffs", op_mffs, fin, 0, 0, 0);
    }
}

int main(int argc, char **argv)
{
    static char buf[1 << 20];
    struct sigaction sa;
    int count = argc > 1 ? atoi(argv[1]) : 2000;
    if (argc > 2) rng_state ^= strtoull(argv[2], 0, 0) * 0x2545F4914F6CDD1DULL;
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigfpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, 0);
    edge_tests();
    special_tests();
    random_tests(count);
    loadstore_tests();
    fpscr_tests(count * 4);
    return 0;
}
