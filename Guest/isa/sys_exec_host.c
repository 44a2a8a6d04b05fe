/*
 * execve of files that are not PowerPC programs: host programs, "#!"
 * scripts for a host interpreter, and files no kernel can run.
 *
 * Usage: sys_exec_host TMPDIR
 *   qemu-ppc 7.2 (not registered in binfmt_misc) hands every execve to the
 *   host kernel, so a host program runs natively and "#!/bin/sh" runs the
 *   host's /bin/sh; trapeze must do the same for any file that is not a
 *   PowerPC program.  What crosses the execve is checked from the host
 *   program's side: arguments, environment, stdin, close-on-exec
 *   descriptors and ignored signals (one the runner keeps for its own
 *   faults, SIGFPE, and an ordinary one, SIGUSR1).  The host programs used
 *   (/bin/sh, /usr/bin/sort) print the same everywhere.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys.h"

static int slurp(int fd, char *buf, int cap) {
    int n = 0, r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) n += r;
    buf[n] = 0;
    return n;
}

/* execve(path, args, envp) in a child whose stdout is captured and whose
 * stdin is `input`; prints what the child printed and how it ended. */
static void run(const char *label, const char *path, char **args, char **envp, const char *input) {
    int out[2], in[2];
    pipe(out);
    pipe(in);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(out[0]);
        close(in[1]);
        dup2(out[1], 1);
        dup2(in[0], 0);
        close(out[1]);
        close(in[0]);
        execve(path, args, envp);
        printf("execve failed errno=%s\n", errname(errno));
        fflush(stdout);
        _exit(127);
    }
    close(out[1]);
    close(in[0]);
    if (input) write(in[1], input, strlen(input));
    close(in[1]);
    char b[2048];
    slurp(out[0], b, sizeof b);
    close(out[0]);
    int st;
    waitpid(pid, &st, 0);
    printf("%s output:\n%s", label, b);
    show_status(label, st);
}

static void write_file(const char *path, const char *text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    write(fd, text, strlen(text));
    close(fd);
    chmod(path, mode);
}

int main(int argc, char **argv) {
    normalize_signals();
    if (argc < 2) {
        printf("usage: sys_exec_host TMPDIR\n");
        return 2;
    }
    char script[512], script_arg[512], plain[512], missing[512], unexec[512], data[512];
    snprintf(script, sizeof script, "%s/host-script", argv[1]);
    snprintf(script_arg, sizeof script_arg, "%s/host-script-e", argv[1]);
    snprintf(plain, sizeof plain, "%s/plain-text", argv[1]);
    snprintf(missing, sizeof missing, "%s/missing-interpreter", argv[1]);
    snprintf(unexec, sizeof unexec, "%s/not-executable", argv[1]);
    snprintf(data, sizeof data, "%s/data", argv[1]);
    char *envp[] = {"TRAPEZE_HOST_VAR=passed", "PATH=/usr/bin:/bin", "LC_ALL=C", NULL};

    /* A host program, with arguments and environment */
    {
        char *args[] = {"sh", "-c", "echo \"host sh: $0 [$1] $TRAPEZE_HOST_VAR\"; exit 7", "zero", "one two", NULL};
        run("host sh", "/bin/sh", args, envp, NULL);
    }
    /* A host program reading the guest's pipe: the issue's `... | sort -r` */
    {
        char *args[] = {"sort", "-r", NULL};
        run("host sort", "/usr/bin/sort", args, envp, "1\n3\n2\n");
    }
    /* "#!/bin/sh" scripts: the host kernel runs the host's /bin/sh */
    {
        write_file(script, "#!/bin/sh\necho \"script: $# [$1] [$2] $TRAPEZE_HOST_VAR\"\nread line\necho \"read: $line\"\nexit 3\n", 0755);
        char *args[] = {"host-script", "a", "b c", NULL};
        run("script", script, args, envp, "from stdin\n");
        write_file(script_arg, "#!/bin/sh -e\necho before\nfalse\necho not reached\n", 0755);
        char *args_e[] = {"host-script-e", NULL};
        run("script with option", script_arg, args_e, envp, NULL);
    }
    /* Close-on-exec descriptors are closed in the host program, others stay */
    {
        int fd = open(argv[1], O_RDONLY | O_DIRECTORY);
        dup2(fd, 20);
        dup2(fd, 21);
        fcntl(21, F_SETFD, FD_CLOEXEC);
        close(fd);
        char *args[] = {"sh", "-c", "for n in 20 21; do if [ -e /proc/self/fd/$n ]; then echo \"fd $n open\"; else echo \"fd $n closed\"; fi; done", NULL};
        run("descriptors", "/bin/sh", args, envp, NULL);
        close(20);
        close(21);
    }
    /* Ignored signals stay ignored in the host program */
    {
        signal(SIGUSR1, SIG_IGN);
        signal(SIGFPE, SIG_IGN);
        char *args[] = {"sh", "-c", "kill -USR1 $$; echo survived SIGUSR1; kill -FPE $$; echo survived SIGFPE", NULL};
        run("ignored signals", "/bin/sh", args, envp, NULL);
        signal(SIGUSR1, SIG_DFL);
        signal(SIGFPE, SIG_DFL);
        char *args_dfl[] = {"sh", "-c", "kill -USR1 $$; echo not reached", NULL};
        run("default signal", "/bin/sh", args_dfl, envp, NULL);
    }
    /* What neither kernel can run fails in the calling process */
    {
        write_file(plain, "echo no interpreter line\n", 0755);
        write_file(missing, "#!/nonexistent/interpreter\necho unreachable\n", 0755);
        write_file(unexec, "#!/bin/sh\necho unreachable\n", 0644);
        write_file(data, "", 0755);
        char *args[] = {"x", NULL};
        SHOW("execve text without #!", execve(plain, args, envp));
        SHOW("execve missing interpreter", execve(missing, args, envp));
        SHOW("execve not executable", execve(unexec, args, envp));
        SHOW("execve empty file", execve(data, args, envp));
    }
    return 0;
}
