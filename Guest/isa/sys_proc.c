/*
 * Processes: pipe, fork, wait4 (exit codes, signals), getpid/getppid
 * relations, vfork, dup2 redirection of a child's stdout into a pipe, and
 * execve of another static program.
 *
 * Usage: sys_proc EXEC_CHILD [PREFIX...]
 *   EXEC_CHILD is the path of the exec_child program.  qemu-ppc 7.2 cannot
 *   itself run a PowerPC binary passed to execve (without binfmt_misc the
 *   host kernel refuses it with ENOEXEC), so under qemu the harness passes
 *   the qemu command as PREFIX ("/usr/bin/qemu-ppc" "-cpu" "X") and the
 *   program execs PREFIX... EXEC_CHILD args.  Under trapeze no prefix is
 *   given: trapeze's runner must run the guest binary named in execve like a
 *   kernel would.  The printed output is the same either way.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys.h"

/* stdout is a pipe or file here, so fully buffered: flush before forking
 * or the child would print the parent's pending output a second time */
static pid_t xfork(void) {
    fflush(stdout);
    return fork();
}

/* read everything from fd into buf (NUL-terminated) */
static int slurp(int fd, char *buf, int cap) {
    int n = 0, r;
    while (n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) n += r;
    buf[n] = 0;
    return n;
}

int main(int argc, char **argv) {
    normalize_signals();
    if (argc < 2) {
        printf("usage: sys_proc EXEC_CHILD [PREFIX...]\n");
        return 2;
    }
    const char *child = argv[1];
    int nprefix = argc - 2;
    char **prefix = argv + 2;
    pid_t me = getpid();
    int st;
    fflush(stdout);

    /* pipe + fork: child reads a message, exits with its length */
    {
        int p[2];
        SHOW("pipe", pipe(p));
        pid_t pid = xfork();
        if (pid == 0) {
            close(p[1]);
            char b[64];
            int n = slurp(p[0], b, sizeof b);
            int ok = getppid() == me;
            _exit(ok ? n : 100);
        }
        close(p[0]);
        SHOW("write to pipe", write(p[1], "message of 21 bytes!!", 21));
        close(p[1]);
        pid_t w = wait4(pid, &st, 0, NULL);
        printf("wait4 returned the child's pid: %s\n", w == pid ? "yes" : "no");
        show_status("child (exit = bytes read, getppid ok)", st);
        printf("child pid differs from parent's: %s\n", pid != me ? "yes" : "no");
    }
    /* exit codes */
    {
        static const int codes[] = {0, 1, 42, 255, 256, 257};
        for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
            pid_t pid = xfork();
            if (pid == 0) _exit(codes[i]);
            waitpid(pid, &st, 0);
            char label[32];
            snprintf(label, sizeof label, "_exit(%d)", codes[i]);
            show_status(label, st);
        }
        pid_t pid = xfork();
        if (pid == 0) {
            printf("buffered text from the child before exit()\n");
            exit(3); /* exit flushes stdio */
        }
        waitpid(pid, &st, 0);
        show_status("exit(3) with buffered stdout", st);
    }
    /* signals */
    {
        pid_t pid = xfork();
        if (pid == 0) {
            for (;;) pause();
        }
        SHOW("kill SIGTERM", kill(pid, SIGTERM));
        waitpid(pid, &st, 0);
        show_status("paused child", st);
        pid = xfork();
        if (pid == 0) {
            raise(SIGUSR1);
            _exit(0);
        }
        waitpid(pid, &st, 0);
        show_status("child raising SIGUSR1", st);
        pid = xfork();
        if (pid == 0) {
            signal(SIGUSR1, SIG_IGN);
            raise(SIGUSR1);
            _exit(5);
        }
        waitpid(pid, &st, 0);
        show_status("child ignoring SIGUSR1", st);
        SHOW("wait4 with no children", wait4(-1, &st, 0, NULL));
        SHOW("kill nonexistent pid", kill(0x7ffffff0, 0));
    }
    /* WNOHANG */
    {
        int p[2];
        pipe(p);
        pid_t pid = xfork();
        if (pid == 0) {
            char c;
            close(p[1]);
            read(p[0], &c, 1);
            _exit(9);
        }
        close(p[0]);
        SHOW("wait4 WNOHANG while running", wait4(pid, &st, WNOHANG, NULL));
        close(p[1]); /* child sees EOF and exits */
        waitpid(pid, &st, 0);
        show_status("after closing the pipe", st);
    }
    /* vfork */
    {
        fflush(stdout);
        pid_t pid = vfork();
        if (pid == 0) _exit(42);
        waitpid(pid, &st, 0);
        show_status("vfork child", st);
    }
    /* dup2: child's stdout into a pipe */
    {
        int p[2];
        pipe(p);
        fflush(stdout);
        pid_t pid = xfork();
        if (pid == 0) {
            close(p[0]);
            if (dup2(p[1], 1) != 1) _exit(99);
            close(p[1]);
            printf("this went through dup2'd stdout\n");
            fflush(stdout);
            write(1, "and this via write(1)\n", 22);
            _exit(0);
        }
        close(p[1]);
        char b[256];
        slurp(p[0], b, sizeof b);
        close(p[0]);
        waitpid(pid, &st, 0);
        printf("captured from child: [%s]\n", b);
        show_status("dup2 child", st);
        SHOW("dup2 same fd", dup2(1, 1));
        SHOW("dup2 bad fd", dup2(99, 50));
    }
    /* execve another static program, output captured through a pipe */
    {
        int p[2];
        pipe(p);
        fflush(stdout);
        pid_t pid = xfork();
        if (pid == 0) {
            close(p[0]);
            dup2(p[1], 1);
            close(p[1]);
            char *args[16];
            int n = 0;
            for (int i = 0; i < nprefix && n < 10; i++) args[n++] = prefix[i];
            args[n++] = (char *)child;
            args[n++] = "first arg";
            args[n++] = "";
            args[n++] = "third";
            args[n] = NULL;
            char *envp[] = {"TRAPEZE_EXEC_VAR=from-execve", "PATH=/bin", NULL};
            execve(args[0], args, envp);
            printf("execve failed errno=%s\n", errname(errno));
            fflush(stdout);
            _exit(127);
        }
        close(p[1]);
        char b[1024];
        slurp(p[0], b, sizeof b);
        close(p[0]);
        waitpid(pid, &st, 0);
        printf("exec output:\n%s", b);
        show_status("exec_child", st);
    }
    /* vfork + execve */
    {
        int p[2];
        pipe(p);
        fflush(stdout);
        char *args[16];
        int n = 0;
        for (int i = 0; i < nprefix && n < 10; i++) args[n++] = prefix[i];
        args[n++] = (char *)child;
        args[n++] = "via vfork";
        args[n] = NULL;
        char *envp[] = {NULL};
        fflush(stdout);
        pid_t pid = vfork();
        if (pid == 0) {
            dup2(p[1], 1);
            execve(args[0], args, envp);
            _exit(127);
        }
        close(p[1]);
        char b[1024];
        slurp(p[0], b, sizeof b);
        close(p[0]);
        waitpid(pid, &st, 0);
        printf("vfork+exec output:\n%s", b);
        show_status("vfork exec_child", st);
    }
    /* execve failures (no prefix: these must fail in the calling process) */
    {
        char *args[] = {"x", NULL};
        char *envp[] = {NULL};
        SHOW("execve missing file", execve("/nonexistent/prog", args, envp));
        SHOW("execve a directory", execve("/", args, envp));
    }
    return 0;
}
