/*
 * Executes an unconditional trap (tw 31,0,0 = "trap"): the process must die
 * of SIGTRAP (a shell reports exit status 133).  stdout is "before\n".
 */
#include <stdio.h>

int main(void) {
    printf("before\n");
    fflush(stdout);
    __asm__ volatile("trap");
    printf("after (must not be printed)\n");
    return 0;
}
