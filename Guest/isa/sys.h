/*
 * Helpers for the system-call test programs: every call's result is printed
 * as "ret=<value>" or "ret=-1 errno=<NAME>", never an address, pid or time.
 */
#ifndef TRAPEZE_SYS_H
#define TRAPEZE_SYS_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* A process inherits its signal mask and ignored signals across execve.
 * Test harnesses (Swift's Process, Python, CI runners) often start children
 * with some signals blocked or ignored, which would make pause() wait
 * forever or raise() do nothing.  Programs that depend on signal delivery
 * start from the default state. */
static inline void normalize_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
}

static inline const char *errname(int e) {
    switch (e) {
#define E(x) case x: return #x;
        E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG)
        E(ENOEXEC) E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES)
        E(EFAULT) E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR)
        E(EISDIR) E(EINVAL) E(ENFILE) E(EMFILE) E(ENOTTY) E(EFBIG)
        E(ENOSPC) E(ESPIPE) E(EROFS) E(EMLINK) E(EPIPE) E(ERANGE)
        E(ENAMETOOLONG) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(EOVERFLOW)
#undef E
    default: return "E?";
    }
}

/* Print "label: ret=N" or "label: ret=-1 errno=NAME" and return the value. */
#define SHOW(label, expr)                                                     \
    ({                                                                        \
        errno = 0;                                                            \
        long r_ = (long)(expr);                                               \
        int e_ = errno;                                                       \
        if (r_ < 0)                                                           \
            printf("%s: ret=%ld errno=%s\n", label, r_, errname(e_));         \
        else                                                                  \
            printf("%s: ret=%ld\n", label, r_);                               \
        r_;                                                                   \
    })

/* Same, but only says whether the call succeeded (for calls that return
 * addresses, pids or other non-deterministic values). */
#define OK(label, expr)                                                       \
    ({                                                                        \
        errno = 0;                                                            \
        long r_ = (long)(expr);                                               \
        int e_ = errno;                                                       \
        if (r_ == -1)                                                         \
            printf("%s: failed errno=%s\n", label, errname(e_));              \
        else                                                                  \
            printf("%s: ok\n", label);                                        \
        r_;                                                                   \
    })

/* A wait status as the tests print it (exit code or the killing signal). */
static inline void show_status(const char *label, int st) {
    if (WIFEXITED(st))
        printf("%s: exited %d\n", label, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by signal %d\n", label, WTERMSIG(st));
    else
        printf("%s: status %#x\n", label, st);
}

#endif
