/*
 * Integer multiply and divide, all OE/Rc forms:
 *   mullw (x4)  mulhw mulhw.  mulhwu mulhwu.  mulli
 *   divw (x4)   divwu (x4)
 *
 * Divide by zero and 0x80000000 / -1 (divw) are "undefined" in the ISA for
 * RT and for CR0[LT,GT,EQ] (Power ISA 2.06 Book I 3.3.8; e500mc RM agrees).
 * XER[OV,SO] (o forms) and CR0[SO] are defined: OV=1.  For those cases the
 * line prints the defined state normally, with CR0[LT,GT,EQ] masked to 0,
 * and the undefined RT and CR0 bits after " ~undef:".
 * qemu-ppc 7.2 returns RT = dividend (it substitutes divisor 1) and sets
 * CR0 from that RT; real hardware may differ (unknown on e500mc silicon).
 */
#include "isa.h"

static int div_undefined(const char *mn, u32 a, u32 b) {
    if (b == 0) return 1;
    if (mn[4] != 'u' && a == 0x80000000u && b == 0xffffffffu) return 1;
    return 0;
}

static void report(const char *mn, u32 a, u32 b, u32 x, u32 rt, u32 cr,
                   u32 xr) {
    if (mn[0] == 'd' && div_undefined(mn, a, b)) {
        int rc = strchr(mn, '.') != NULL;
        u32 crm = rc ? (cr & ~0xe0000000u) : cr;
        printf("%-8s %08x %08x x=%08x -> ???????? cr=%08x xer=%08x ~undef: "
               "rt=%08x cr0=%x\n",
               mn, a, b, x, crm, xr, rt, cr >> 28);
    } else
        line3(mn, a, b, x, rt, cr, xr);
}

BIN4(mullw, report)
BIN2(mulhw, report)
BIN2(mulhwu, report)
BIN4(divw, report)
BIN4(divwu, report)

static const u32 MORE[] = {0x00000003u, 0xfffffffdu, 0x00010000u,
                           0x00000007u, 0xfffffff9u};

int main(void) {
    u32 v[NELEM(EDGE) + NELEM(MORE)];
    unsigned n = 0;
    for (unsigned i = 0; i < NELEM(EDGE); i++) v[n++] = EDGE[i];
    for (unsigned i = 0; i < NELEM(MORE); i++) v[n++] = MORE[i];

    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            for (unsigned k = 0; k < NELEM(XIN2); k++) {
                u32 a = v[i], b = v[j], x = XIN2[k];
                bin_mullw(a, b, x);
                bin_mulhw(a, b, x);
                bin_mulhwu(a, b, x);
                bin_divw(a, b, x);
                bin_divwu(a, b, x);
            }
    IMM_CASE("mulli", 0, XIN2)
    IMM_CASE("mulli", 1, XIN2)
    IMM_CASE("mulli", -1, XIN2)
    IMM_CASE("mulli", 3, XIN2)
    IMM_CASE("mulli", 32767, XIN2)
    IMM_CASE("mulli", -32768, XIN2)
    return 0;
}
