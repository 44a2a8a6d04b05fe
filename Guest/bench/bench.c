/*
 * trapeze-bench NAME SCALE [EXEC-PREFIX...]
 * trapeze-bench nop | list
 *
 * Runs one workload with the iteration count fixed for SCALE (quick or
 * paper), so that the work, and CHECK, never depend on time, and prints
 *
 *   TRAPEZE-RESULT name=NAME unit=UNIT value=VALUE check=CHECK n=N
 *
 * as its only stdout line.  EXEC-PREFIX (e.g. /usr/bin/qemu-ppc) is put
 * before the program's path when lat-exec and lat-sh run this program and
 * lame runs the encoder: qemu-ppc 7.2 hands execve to the host kernel,
 * which cannot run a PowerPC program.
 */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *current_name = "usage";

enum unit { UNIT_S, UNIT_MS, UNIT_SCORE, UNIT_KBPS };
static const char *const unit_names[] = { "s", "ms", "score", "KBps" };

struct workload {
    const char *name;
    enum unit unit;
    long quick_n;
    long paper_n;
    void (*run)(struct run *r);
};

/* Iteration counts: quick is 10-50 million guest instructions (kernel
 * included, measured in the guest), paper ten times quick (connect-4: one
 * solve of an earlier position, about ten times the nodes; lame: one
 * encode of ten times the audio). */
static const struct workload workloads[] = {
    { "hashes",         UNIT_S,      100000,  1000000, bench_hashes },
    { "connect-4",      UNIT_S,           1,        1, bench_connect4 },
    { "lame",           UNIT_S,           1,        1, bench_lame },
    { "lat-syscall",    UNIT_MS,      60000,   600000, bench_lat_syscall },
    { "lat-stat",       UNIT_MS,      10000,   100000, bench_lat_stat },
    { "lat-fstat",      UNIT_MS,      12000,   120000, bench_lat_fstat },
    { "lat-open-close", UNIT_MS,       8000,    80000, bench_lat_open_close },
    { "lat-sig-hndl",   UNIT_MS,      30000,   300000, bench_lat_sig_hndl },
    { "lat-pipe",       UNIT_MS,       4000,    40000, bench_lat_pipe },
    { "lat-fork",       UNIT_MS,        300,     3000, bench_lat_fork },
    { "lat-exec",       UNIT_MS,         80,      800, bench_lat_exec },
    { "lat-sh",         UNIT_MS,         40,      400, bench_lat_sh },
    { "ub-dhrystone2",  UNIT_SCORE,   70000,   700000, bench_dhrystone2 },
    { "ub-syscall",     UNIT_SCORE,  120000,  1200000, bench_ub_syscall },
    { "ub-cswitch",     UNIT_SCORE,    4000,    40000, bench_ub_cswitch },
    { "ub-proc-create", UNIT_SCORE,     300,     3000, bench_ub_proc_create },
    { "ub-pipe",        UNIT_SCORE,   10000,   100000, bench_ub_pipe },
    { "ub-hanoi",       UNIT_SCORE,     400,     4000, bench_hanoi },
    { "ub-file-read",   UNIT_KBPS,    16000,   160000, bench_ub_file_read },
    { "ub-file-write",  UNIT_KBPS,    16000,   160000, bench_ub_file_write },
    { "ub-file-copy",   UNIT_KBPS,     8000,    80000, bench_ub_file_copy },
};
#define WORKLOAD_COUNT (sizeof workloads / sizeof workloads[0])

BENCH_NORETURN void die_msg(const char *what, const char *why)
{
    fprintf(stderr, "trapeze-bench: %s: %s: %s\n", current_name, what, why);
    /* _exit: a forked child must not flush its parent's stdio buffers. */
    _exit(1);
}

BENCH_NORETURN void die_errno(const char *what)
{
    die_msg(what, strerror(errno));
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die_errno("clock_gettime");
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void run_timer_start(struct run *r)
{
    r->started = monotonic_seconds();
}

void run_timer_stop(struct run *r)
{
    r->seconds = monotonic_seconds() - r->started;
}

uint64_t check_mix(uint64_t check, uint64_t value)
{
    check ^= value + 0x9e3779b97f4a7c15ULL + (check << 6) + (check >> 2);
    check *= 0xff51afd7ed558ccdULL;
    return check ^ (check >> 33);
}

static double result_value(const struct workload *w, const struct run *r)
{
    switch (w->unit) {
    case UNIT_S:     return r->seconds;
    case UNIT_MS:    return r->seconds * 1000.0 / (double)r->n;
    case UNIT_SCORE: return (double)r->n * 10.0 / r->seconds;
    case UNIT_KBPS:  return r->kbytes / r->seconds;
    }
    return 0;
}

static void print_result(const struct workload *w, const struct run *r)
{
    int printed = printf("TRAPEZE-RESULT name=%s unit=%s value=%.6g check=%016llx n=%ld\n",
                         w->name, unit_names[w->unit], result_value(w, r),
                         (unsigned long long)r->check, r->n);
    if (printed < 0 || fflush(stdout) != 0)
        die_errno("writing the result");
}

static const struct workload *find_workload(const char *name)
{
    for (size_t i = 0; i < WORKLOAD_COUNT; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

static int print_list(void)
{
    for (size_t i = 0; i < WORKLOAD_COUNT; i++)
        if (printf("%s\n", workloads[i].name) < 0)
            die_errno("writing the list");
    if (fflush(stdout) != 0)
        die_errno("writing the list");
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: trapeze-bench NAME quick|paper [EXEC-PREFIX...]\n"
                    "       trapeze-bench nop | list\n");
    return 2;
}

/* The exec workloads need an absolute or relative path to re-run this
 * program (and lame the directory it is in); a bare argv[0] came from a
 * PATH search. */
static const char *own_path(const char *argv0)
{
    static char exe[4096];
    if (strchr(argv0, '/') != NULL)
        return argv0;
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len < 0)
        die_errno("readlink /proc/self/exe");
    exe[len] = 0;
    return exe;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "nop") == 0)
        return 0;
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return print_list();
    if (argc < 3)
        return usage();
    const struct workload *w = find_workload(argv[1]);
    int paper = strcmp(argv[2], "paper") == 0;
    if (w == NULL || (!paper && strcmp(argv[2], "quick") != 0))
        return usage();

    current_name = w->name;
    struct run r = {
        .name = w->name,
        .n = paper ? w->paper_n : w->quick_n,
        .paper = paper,
        .self = own_path(argv[0]),
        .exec_prefix = argv + 3,
        .exec_prefix_len = argc - 3,
    };
    w->run(&r);
    print_result(w, &r);
    return 0;
}
