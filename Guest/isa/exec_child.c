/*
 * Helper run by sys_proc through execve: prints its arguments (not argv[0],
 * whose spelling depends on how it was started) and one environment
 * variable, then exits with status 7.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("exec_child: argc-1=%d\n", argc - 1);
    for (int i = 1; i < argc; i++) printf("exec_child: argv[%d]=%s\n", i, argv[i]);
    const char *v = getenv("TRAPEZE_EXEC_VAR");
    printf("exec_child: TRAPEZE_EXEC_VAR=%s\n", v ? v : "(unset)");
    printf("exec_child: PATH is %s\n", getenv("PATH") ? "set" : "unset");
    return 7;
}
