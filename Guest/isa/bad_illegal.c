/*
 * Executes the word 0x00000000, which is not a valid instruction: the
 * process must die of SIGILL (a shell reports exit status 132).  The line
 * printed before is flushed, so stdout is "before\n".
 */
#include <stdio.h>

int main(void) {
    printf("before\n");
    fflush(stdout);
    __asm__ volatile(".long 0x00000000");
    printf("after (must not be printed)\n");
    return 0;
}
