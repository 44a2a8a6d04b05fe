/*
 * Assorted system calls with deterministic output:
 *   uname (sysname, machine only), clock_gettime (MONOTONIC increasing,
 *   REALTIME plausible, bad clock id), gettimeofday, time, nanosleep,
 *   getrandom (returns the requested count; flags), an unknown syscall
 *   number (9999 -> ENOSYS), getpid/getppid/gettid relations, uid/gid
 *   consistency, umask round trip, sched_yield, auxv page size,
 *   writev to stdout, and a non-zero exit status (3) from main.
 * AT_HWCAP is printed after ~hwdiff: qemu reports only PPC_FEATURE_HAS_FPU
 * where the Linux kernel reports 32|MMU|FPU|BOOKE (0x8c008000) for e500mc.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include "sys.h"

int main(void) {
    normalize_signals();
    struct utsname u;
    SHOW("uname", uname(&u));
    printf("  sysname=%s machine=%s\n", u.sysname, u.machine);

    struct timespec t0, t1, r;
    SHOW("clock_gettime MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &t0));
    int mono = 1;
    struct timespec prev = t0;
    for (int i = 0; i < 200; i++) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec < prev.tv_sec ||
            (t.tv_sec == prev.tv_sec && t.tv_nsec < prev.tv_nsec))
            mono = 0;
        if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000) mono = 0;
        prev = t;
    }
    printf("  non-decreasing over 200 calls, nsec in range: %s\n", mono ? "yes" : "no");
    struct timespec req = {0, 2000000}; /* 2 ms */
    SHOW("nanosleep 2ms", nanosleep(&req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long dt = (t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec);
    printf("  monotonic advanced by at least 2ms: %s\n", dt >= 2000000 ? "yes" : "no");
    SHOW("clock_gettime REALTIME", clock_gettime(CLOCK_REALTIME, &r));
    printf("  after 2020 and before 2100: %s\n",
           r.tv_sec > 1577836800 && r.tv_sec < 4102444800ll ? "yes" : "no");
    SHOW("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &r));
    printf("  resolution <= 1ms: %s\n", r.tv_sec == 0 && r.tv_nsec <= 1000000 ? "yes" : "no");
    SHOW("clock_gettime bad clock", syscall(SYS_clock_gettime, 12345, &r));
    struct timeval tv;
    SHOW("gettimeofday", gettimeofday(&tv, NULL));
    time_t now = time(NULL);
    printf("  time() agrees with gettimeofday within 2s: %s\n",
           now - tv.tv_sec <= 2 && tv.tv_sec - now <= 2 ? "yes" : "no");

    unsigned char buf[600];
    memset(buf, 0, sizeof buf);
    SHOW("getrandom 16", getrandom(buf, 16, 0));
    SHOW("getrandom 256", getrandom(buf, 256, 0));
    SHOW("getrandom 0", getrandom(buf, 0, 0));
    SHOW("getrandom 33 NONBLOCK", getrandom(buf, 33, GRND_NONBLOCK));
    SHOW("getrandom bad flags", getrandom(buf, 8, 0x40000000));
    {
        int nonzero = 0;
        memset(buf, 0, sizeof buf);
        getrandom(buf, 512, 0);
        for (int i = 0; i < 512; i++)
            if (buf[i]) nonzero++;
        printf("  512 random bytes are not all zero: %s\n", nonzero > 400 ? "yes" : "no");
    }

    SHOW("syscall(9999)", syscall(9999));
    SHOW("syscall(9999, args)", syscall(9999, 1, 2, 3, 4, 5, 6));

    pid_t pid = getpid();
    printf("getpid positive: %s\n", pid > 0 ? "yes" : "no");
    printf("gettid == getpid (main thread): %s\n", syscall(SYS_gettid) == pid ? "yes" : "no");
    printf("getppid positive and different: %s\n", getppid() > 0 && getppid() != pid ? "yes" : "no");
    printf("getuid == geteuid: %s, getgid == getegid: %s\n",
           getuid() == geteuid() ? "yes" : "no", getgid() == getegid() ? "yes" : "no");
    umask(027);
    SHOW("umask returns previous", umask(022));
    SHOW("sched_yield", sched_yield());
    printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
    printf("AT_SECURE=%lu\n", getauxval(AT_SECURE));
    printf("AT_RANDOM present: %s\n", getauxval(AT_RANDOM) ? "yes" : "no");
    printf("AT_UID matches getuid: %s\n", getauxval(AT_UID) == getuid() ? "yes" : "no");
    printf("AT_HWCAP ~hwdiff: %08lx AT_HWCAP2 %08lx\n", getauxval(AT_HWCAP),
           getauxval(AT_HWCAP2));

    fflush(stdout);
    struct iovec iov[3] = {{"writev ", 7}, {"to ", 3}, {"stdout\n", 7}};
    printf("%s", "");
    long w = writev(1, iov, 3);
    printf("writev returned %ld\n", w);
    printf("exiting with status 3\n");
    return 3;
}
