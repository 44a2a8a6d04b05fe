/*
 * Integer add/subtract family, all OE/Rc forms, with XER[SO,OV,CA] and CR0.
 *   add addc adde subf subfc subfe            (x4 forms: -, ., o, o.)
 *   addme addze subfme subfze neg             (x4 forms)
 *   addi addis addic addic. subfic            (immediates incl. rA=0 forms)
 * Inputs: EDGE x EDGE, with XER inputs XIN2 (XIN4 for CA-consuming ops).
 */
#include "isa.h"

BIN4(add, line3)
BIN4(addc, line3)
BIN4(adde, line3)
BIN4(subf, line3)
BIN4(subfc, line3)
BIN4(subfe, line3)
UN4(addme, line2)
UN4(addze, line2)
UN4(subfme, line2)
UN4(subfze, line2)
UN4(neg, line2)

#define IMMS(mn, xs)                                                          \
    IMM_CASE(mn, 0, xs)                                                       \
    IMM_CASE(mn, 1, xs)                                                       \
    IMM_CASE(mn, -1, xs)                                                      \
    IMM_CASE(mn, 32767, xs)                                                   \
    IMM_CASE(mn, -32768, xs)                                                  \
    IMM_CASE(mn, 0x1234, xs)

/* addi/addis with rA=0 mean "0 + imm", not "r0 + imm": r0 holds garbage. */
#define RA0(mn, imm)                                                          \
    do {                                                                      \
        u32 rt;                                                               \
        __asm__ volatile("lis 0,0x1111\n\t"                                   \
                         "ori 0,0,0x1111\n\t" mn " %0,0,%1"                   \
                         : "=r"(rt)                                           \
                         : "n"(imm)                                           \
                         : "r0");                                             \
        printf("%-8s rA=0 imm=%d -> %08x\n", mn, imm, rt);                    \
    } while (0)

int main(void) {
    for (unsigned i = 0; i < NELEM(EDGE); i++)
        for (unsigned j = 0; j < NELEM(EDGE); j++) {
            u32 a = EDGE[i], b = EDGE[j];
            for (unsigned k = 0; k < NELEM(XIN2); k++) {
                bin_add(a, b, XIN2[k]);
                bin_addc(a, b, XIN2[k]);
                bin_subf(a, b, XIN2[k]);
                bin_subfc(a, b, XIN2[k]);
            }
            for (unsigned k = 0; k < NELEM(XIN4); k++) {
                bin_adde(a, b, XIN4[k]);
                bin_subfe(a, b, XIN4[k]);
            }
        }
    for (unsigned i = 0; i < NELEM(EDGE); i++) {
        for (unsigned k = 0; k < NELEM(XIN4); k++) {
            un_addme(EDGE[i], XIN4[k]);
            un_addze(EDGE[i], XIN4[k]);
            un_subfme(EDGE[i], XIN4[k]);
            un_subfze(EDGE[i], XIN4[k]);
        }
        for (unsigned k = 0; k < NELEM(XIN2); k++)
            un_neg(EDGE[i], XIN2[k]);
    }
    IMMS("addi", XIN2)
    IMMS("addis", XIN2)
    IMMS("addic", XIN2)
    IMMS("addic.", XIN2)
    IMMS("subfic", XIN2)
    RA0("addi", 0);
    RA0("addi", -1);
    RA0("addi", 0x7fff);
    RA0("addis", 1);
    RA0("addis", -32768);
    /* A small loop-carried multi-word add: 64-bit arithmetic via addc/adde
     * and subfc/subfe, as the compiler emits it. */
    {
        unsigned long long v[] = {0, 1, 0xffffffffull, 0x100000000ull,
                                  0x7fffffffffffffffull, 0xffffffffffffffffull,
                                  0x123456789abcdef0ull};
        for (unsigned i = 0; i < NELEM(v); i++)
            for (unsigned j = 0; j < NELEM(v); j++) {
                volatile unsigned long long a = v[i], b = v[j];
                printf("u64 %016llx %016llx + %016llx - %016llx\n", a, b,
                       a + b, a - b);
            }
    }
    return 0;
}
