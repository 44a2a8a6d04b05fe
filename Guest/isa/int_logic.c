/*
 * Integer logical operations, with Rc forms (CR0 incl. the copy of XER[SO]):
 *   and andc or orc xor nand nor eqv        (x2 forms: -, .)
 *   andi. andis. ori oris xori xoris        (unsigned 16-bit immediates)
 *   extsb extsh cntlzw                      (x2 forms)
 * Also the common simplified forms mr, not, nop-as-ori, li/lis via addi.
 */
#include "isa.h"

BIN2(and, line3)
BIN2(andc, line3)
BIN2(or, line3)
BIN2(orc, line3)
BIN2(xor, line3)
BIN2(nand, line3)
BIN2(nor, line3)
BIN2(eqv, line3)
UN2(extsb, line2)
UN2(extsh, line2)
UN2(cntlzw, line2)

static const u32 MORE[] = {0x00000080u, 0x0000007fu, 0x00000100u, 0x00007fffu,
                           0x0000ffffu, 0xffff0000u, 0x00010000u, 0x0f0f0f0fu,
                           0x00ff00ffu, 0x40000000u, 0x20000000u};

#define UIMMS(mn)                                                             \
    IMM_CASE(mn, 0, XIN2)                                                     \
    IMM_CASE(mn, 1, XIN2)                                                     \
    IMM_CASE(mn, 0x8000, XIN2)                                                \
    IMM_CASE(mn, 0xffff, XIN2)                                                \
    IMM_CASE(mn, 0x1234, XIN2)

int main(void) {
    for (unsigned i = 0; i < NELEM(EDGE); i++)
        for (unsigned j = 0; j < NELEM(EDGE); j++) {
            u32 a = EDGE[i], b = EDGE[j];
            for (unsigned k = 0; k < NELEM(XIN2); k++) {
                u32 x = XIN2[k];
                bin_and(a, b, x);
                bin_andc(a, b, x);
                bin_or(a, b, x);
                bin_orc(a, b, x);
                bin_xor(a, b, x);
                bin_nand(a, b, x);
                bin_nor(a, b, x);
                bin_eqv(a, b, x);
            }
        }
    for (unsigned k = 0; k < NELEM(XIN2); k++) {
        for (unsigned i = 0; i < NELEM(EDGE); i++) {
            un_extsb(EDGE[i], XIN2[k]);
            un_extsh(EDGE[i], XIN2[k]);
            un_cntlzw(EDGE[i], XIN2[k]);
        }
        for (unsigned i = 0; i < NELEM(MORE); i++) {
            un_extsb(MORE[i], XIN2[k]);
            un_extsh(MORE[i], XIN2[k]);
            un_cntlzw(MORE[i], XIN2[k]);
        }
    }
    /* cntlzw of every single-bit value */
    for (int s = 0; s < 32; s++) {
        u32 rt, cr, xr;
        RR("cntlzw.", 1u << s, 0, rt, cr, xr);
        line2("cntlzw.", 1u << s, 0, rt, cr, xr);
    }
    UIMMS("andi.")
    UIMMS("andis.")
    UIMMS("ori")
    UIMMS("oris")
    UIMMS("xori")
    UIMMS("xoris")
    /* simplified mnemonics */
    for (unsigned i = 0; i < NELEM(EDGE); i++) {
        u32 rt, cr, xr;
        RR("mr.", EDGE[i], 0xe0000000u, rt, cr, xr);
        line2("mr.", EDGE[i], 0xe0000000u, rt, cr, xr);
        RR("not.", EDGE[i], 0, rt, cr, xr);
        line2("not.", EDGE[i], 0, rt, cr, xr);
    }
    return 0;
}
