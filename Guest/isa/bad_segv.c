/*
 * Stores to the unmapped address 0x10: the process must die of SIGSEGV (a
 * shell reports exit status 139).  stdout is "before\n".
 */
#include <stdio.h>

int main(void) {
    printf("before\n");
    fflush(stdout);
    __asm__ volatile("li 9,0x10\n\tli 10,42\n\tstw 10,0(9)" ::: "r9", "r10",
                     "memory");
    printf("after (must not be printed)\n");
    return 0;
}
