/*
 * Floating point as a program uses it: glibc's fenv (FPSCR reads and
 * writes through fesetround/fegetround/feclearexcept/fetestexcept), the
 * conversions the compiler emits (int <-> double, float <-> double,
 * fctiwz), rint/nearbyint/lrint in the current rounding mode, and libm
 * (sin, cos, tan, exp, log, pow, sqrt, atan2, fma, cbrt, hypot), each in all
 * four rounding modes. Every result is printed as its bit pattern, with the
 * FPSCR after it, so a lost FPR or FPSCR bit shows in the line.
 *
 * Inside a Linux guest the FP state of a process lives in the FPRs only
 * while it owns the FPU: the kernel switches it lazily (MSR[FP], the
 * FP-unavailable interrupt) and saves it on context switches, so timer
 * interrupts and other FP processes landing between these instructions
 * test that the state survives.
 *
 *   fp_libm          one pass, printed
 *   fp_libm N        N passes; each pass's lines are hashed and must equal
 *                    the first pass's; prints the first pass once and one
 *                    summary line (the harness runs this as CPU competition).
 *                    SIGUSR1 ends the run after the current pass.
 */
#include <fenv.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isa.h"

typedef unsigned long long u64;

static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD, FE_DOWNWARD};
static const char *const mode_names[] = {"near", "zero", "up", "down"};

/* Inputs the compiler cannot fold: read through a volatile pointer. */
static volatile double inputs[] = {1.0, -1.0, 0.5, 2.5, -2.5, 3.0, 1e-300, 1e300,
                                   0.1, 7.0 / 3.0, 1e16 + 1.0, -0.0, 123456.789};
static volatile float finputs[] = {1.0f, 0.1f, -3.75f, 16777217.0f, 1e-40f};

static u64 bits(double d) {
    u64 u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* The output of one pass, kept so that repeated passes can be compared. */
static char out[1 << 17];
static size_t used;

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out + used, sizeof out - used, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof out - used) {
        fprintf(stderr, "fp_libm: output buffer too small\n");
        exit(2);
    }
    used += (size_t)n;
}

/* Prints a result and the FPSCR, then clears the sticky exception bits so
 * the next line shows only its own. */
static void result(const char *what, int mode, int k, double d) {
    emit("%-9s %-4s %2d %016llx %.17g fpscr=%08x\n", what, mode_names[mode], k, bits(d), d, read_fpscr());
    feclearexcept(FE_ALL_EXCEPT);
}

static void pass(void) {
    used = 0;
    for (int m = 0; m < 4; m++) {
        if (fesetround(modes[m]) != 0) {
            emit("fesetround %s failed\n", mode_names[m]);
            continue;
        }
        emit("mode %s fegetround=%d\n", mode_names[m], fegetround() == modes[m]);
        feclearexcept(FE_ALL_EXCEPT);
        int n = sizeof inputs / sizeof inputs[0];
        for (int k = 0; k < n; k++) {
            double x = inputs[k];
            result("sin", m, k, sin(x));
            result("cos", m, k, cos(x));
            result("tan", m, k, tan(x));
            result("exp", m, k, exp(x));
            result("log", m, k, log(fabs(x)));
            result("pow", m, k, pow(fabs(x), 0.75));
            result("sqrt", m, k, sqrt(fabs(x)));
            result("cbrt", m, k, cbrt(x));
            result("atan2", m, k, atan2(x, 0.3));
            result("hypot", m, k, hypot(x, 4.0));
            result("fma", m, k, fma(x, 3.0, 1e-17));
            result("div3", m, k, x / 3.0);
            result("rint", m, k, rint(x));
            result("nearby", m, k, nearbyint(x));
            emit("lrint     %-4s %2d %ld\n", mode_names[m], k, (fabs(x) < 2e9) ? lrint(x) : 0L);
            emit("toint     %-4s %2d %d\n", mode_names[m], k, (fabs(x) < 2e9) ? (int)x : 0);
            result("fromint", m, k, (double)(int)(k * 1234567 - 7654321));
            result("fromll", m, k, (double)(long long)(0x0020000000000001LL * (k + 1)));
            result("tofloat", m, k, (double)(float)x);
            feclearexcept(FE_ALL_EXCEPT);
        }
        int nf = sizeof finputs / sizeof finputs[0];
        for (int k = 0; k < nf; k++) {
            float f = finputs[k];
            result("fmulf", m, k, (double)(f * 1.1f));
            result("sqrtf", m, k, (double)sqrtf(fabsf(f)));
            result("sinf", m, k, (double)sinf(f));
        }
        /* Exception flags: raised by an operation, seen by fetestexcept. */
        feclearexcept(FE_ALL_EXCEPT);
        volatile double z = 0.0, one = 1.0, big = 1e308;
        volatile double r = one / z;
        emit("divbyzero %-4s %d %016llx\n", mode_names[m], fetestexcept(FE_DIVBYZERO) != 0, bits(r));
        feclearexcept(FE_ALL_EXCEPT);
        r = big * big;
        emit("overflow  %-4s %d %016llx\n", mode_names[m], fetestexcept(FE_OVERFLOW) != 0, bits(r));
        feclearexcept(FE_ALL_EXCEPT);
        r = z / z;
        emit("invalid   %-4s %d %016llx\n", mode_names[m], fetestexcept(FE_INVALID) != 0, bits(r));
        feclearexcept(FE_ALL_EXCEPT);
        r = one / 3.0;
        emit("inexact   %-4s %d %016llx fpscr=%08x\n", mode_names[m], fetestexcept(FE_INEXACT) != 0, bits(r),
             read_fpscr());
        feclearexcept(FE_ALL_EXCEPT);
    }
    fesetround(FE_TONEAREST);
}

/* FNV-1a over one pass's output. */
static u64 hash(const char *s, size_t n) {
    u64 h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig) {
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv) {
    long passes = argc > 1 ? strtol(argv[1], NULL, 10) : 1;
    if (passes < 1) passes = 1;
    signal(SIGUSR1, request_stop);
    pass();
    u64 first = hash(out, used);
    fwrite(out, 1, used, stdout);
    fflush(stdout);
    long bad = 0, p;
    for (p = 1; p < passes && !stop_requested; p++) {
        pass();
        if (hash(out, used) != first) {
            if (bad == 0) {
                printf("pass %ld differs from pass 0:\n", p);
                fwrite(out, 1, used, stdout);
            }
            bad++;
        }
    }
    if (passes > 1) printf("fp_libm: %ld passes, %ld differ from the first\n", p, bad);
    return bad != 0;
}
