/*
 * Cache-management and memory-barrier instructions as seen by a user
 * program (e500mc: 64-byte cache lines; run under qemu-ppc -cpu e500mc).
 *   dcbz (zeroes the whole aligned 64-byte line containing EA; rA=0 form;
 *   EA inside the line), the auxv cache-line sizes (AT_DCACHEBSIZE,
 *   AT_ICACHEBSIZE), dcbf dcbst dcbt dcbtst icbi icbt (no visible change to
 *   data), sync/msync, lwsync, mbar 0 (= eieio encoding), mbar 1, isync,
 *   and self-modifying code made visible with dcbst; sync; icbi; isync.
 * qemu-ppc's default CPU (750) has 32-byte lines: there dcbz zeroes 32
 * bytes, so this program must run with -cpu e500mc.
 */
#include <sys/auxv.h>
#include <sys/mman.h>
#include "isa.h"

static uint8_t buf[384] __attribute__((aligned(128)));

static void fill(void) {
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i | 0x80);
}

static void zeroed_range(const char *what) {
    int lo = -1, hi = -1, n = 0;
    for (unsigned i = 0; i < sizeof buf; i++)
        if (buf[i] == 0) {
            if (lo < 0) lo = i;
            hi = i;
            n++;
        }
    printf("%-24s zeroed [%d..%d] (%d bytes, contiguous=%s)\n", what, lo - 128,
           hi - 128, n, n == hi - lo + 1 ? "yes" : "no");
}

static u32 checksum(void) {
    u32 s = 0;
    for (unsigned i = 0; i < sizeof buf; i++) s = s * 31 + buf[i];
    return s;
}

typedef u32 (*fn_t)(void);

int main(void) {
    printf("AT_DCACHEBSIZE=%lu AT_ICACHEBSIZE=%lu\n",
           getauxval(AT_DCACHEBSIZE), getauxval(AT_ICACHEBSIZE));

    static const int offs[] = {0, 1, 8, 32, 63, 64, 100, 127};
    for (unsigned i = 0; i < NELEM(offs); i++) {
        char what[32];
        fill();
        __asm__ volatile("dcbz %0,%1" ::"b"(buf + 128), "r"(offs[i])
                         : "memory");
        snprintf(what, sizeof what, "dcbz mid+%d", offs[i]);
        zeroed_range(what);
    }
    fill();
    __asm__ volatile("dcbz 0,%0" ::"r"(buf + 128 + 70) : "memory");
    zeroed_range("dcbz 0,mid+70 (rA=0)");

    fill();
    u32 before = checksum();
    __asm__ volatile("dcbf 0,%0\n\t"
                     "dcbst 0,%0\n\t"
                     "dcbt 0,%0\n\t"
                     "dcbtst 0,%0\n\t"
                     "dcbt %1,%0\n\t"
                     "dcbtst %1,%0\n\t"
                     "dcbf %1,%0\n\t"
                     "dcbst %1,%0\n\t"
                     "icbi 0,%0\n\t"
                     "icbt 0,0,%0\n\t"
                     "sync\n\t"
                     "msync\n\t"
                     "lwsync\n\t"
                     "mbar 0\n\t"
                     "mbar 1\n\t"
                     "isync" ::"r"(buf + 130),
                     "b"(16)
                     : "memory");
    printf("hints and barriers leave data unchanged: %s\n",
           checksum() == before ? "yes" : "NO");

    /* self-modifying code */
    u32 *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        printf("mmap failed\n");
        return 1;
    }
    for (u32 k = 1; k <= 3; k++) {
        code[0] = 0x38600000u | k; /* li r3,k */
        code[1] = 0x4e800020u;     /* blr */
        __asm__ volatile("dcbst 0,%0\n\tdcbst 0,%1\n\tsync\n\t"
                         "icbi 0,%0\n\ticbi 0,%1\n\tisync" ::"r"(code),
                         "r"(code + 1)
                         : "memory");
        printf("generated code returns %u\n", ((fn_t)code)());
    }
    /* patch the second instruction of a routine that was already run */
    code[0] = 0x38600005u; /* li r3,5 */
    code[1] = 0x38630001u; /* addi r3,r3,1 */
    code[2] = 0x4e800020u; /* blr */
    __asm__ volatile("dcbst 0,%0\n\tsync\n\ticbi 0,%0\n\tisync" ::"r"(code)
                     : "memory");
    printf("patched routine returns %u\n", ((fn_t)code)());
    code[1] = 0x38630002u; /* addi r3,r3,2 */
    __asm__ volatile("dcbst 0,%0\n\tsync\n\ticbi 0,%0\n\tisync" ::"r"(code + 1)
                     : "memory");
    printf("re-patched routine returns %u\n", ((fn_t)code)());
    munmap(code, 4096);
    return 0;
}
